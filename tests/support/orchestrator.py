"""A real HTTP server on 127.0.0.1 serving the orchestrator API of the policy-packs seed.

``routes`` maps a path to an answer: a JSON-able value (served with an ETag), or a ``Reply``
for anything else (a status, headers, raw bytes). ``requests`` records each request's path and
headers. The server runs on one thread, started and joined by ``serve``.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunks: int = 1  # the body is sent this many times (a huge answer without holding it)


@dataclass
class Orchestrator:
    routes: dict[str, Any] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    url: str = ""

    def add_pack(self, key: str, version: str, pack: dict[str, Any], status: str = "active") -> None:
        listing = self.routes.setdefault("/policy_packs", [])
        listing.append({"key": key, "version": version, "status": status})
        self.routes[f"/policy_packs/{key}/{version}"] = {
            "key": key,
            "version": version,
            "name": key.title(),
            "description": "",
            "status": status,
            "pack": pack,
        }

    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]


def pack_document(key: str, version: str, *rules: dict[str, Any]) -> dict[str, Any]:
    return {"meta": {"key": key, "version": version, "name": key}, "rules": list(rules)}


def _handler(orchestrator: Orchestrator) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            orchestrator.requests.append((self.path, dict(self.headers)))
            answer = orchestrator.routes.get(self.path)
            if answer is None:
                answer = Reply(404, b'{"detail": "not found"}')
            elif not isinstance(answer, Reply):
                body = json.dumps(answer).encode()
                etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    answer = Reply(304, headers={"ETag": etag})
                else:
                    answer = Reply(200, body, {"ETag": etag, "Content-Type": "application/json"})
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            if "Content-Length" not in answer.headers and answer.chunks == 1:
                self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            try:
                for _ in range(answer.chunks):
                    self.wfile.write(answer.body)
            except OSError:  # the client stopped reading (a cap): expected
                pass

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


class _Server(HTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hangs up early is part of the tests, not a failure of the server


@contextmanager
def serve(orchestrator: Orchestrator) -> Iterator[Orchestrator]:
    server = _Server(("127.0.0.1", 0), _handler(orchestrator))
    orchestrator.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield orchestrator
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
