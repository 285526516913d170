"""Central pack sources for tests: a folder, a real bare git repository, a real HTTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.support.gitrepo import git, make_repo, write_files

PACK = """\
meta: {{key: acme-standard, version: "{version}", name: ACME standard{status}}}
extends: [default@1.0]
rules:
  - id: acme.owner-required
    applies_to: [skill]
    field: owner
    required: true
    severity: {severity}
    message: every skill names its owning team
{extra}"""

EXTRA_RULE = """\
  - id: acme.team-prefix
    applies_to: [skill]
    field: name
    pattern: '^acme[.]'
    severity: warning
    message: skill names start with the team prefix
"""

PROJECT = """\
pack: acme-standard@1.2
repo_overrides: {repo_overrides}
locked: [acme.owner-required]
"""

SKILL_WITHOUT_OWNER = """\
name: code.format
version: 1.0.0
description: Formats code.
"""


def pack_text(version: str = "1.2", severity: str = "error", extra: str = "", status: str = "") -> str:
    return PACK.format(version=version, severity=severity, extra=extra, status=status)


def central_files(
    *, severity: str = "error", extra: str = "", repo_overrides: str = "allowed", status: str = ""
) -> dict[str, str]:
    """A central source's tree: acme-standard@1.2 and the project payments-api."""
    return {
        "acme-standard@1.2/pack.yaml": pack_text(severity=severity, extra=extra, status=status),
        "acme-standard@1.2/examples/pass/skill.yaml": SKILL_WITHOUT_OWNER + "owner: team-a\n",
        "projects/payments-api.yml": PROJECT.format(repo_overrides=repo_overrides),
    }


def config_text(source: str, *, project: bool = True, extra: str = "") -> str:
    """``.packwarden/policy.yml`` using one source, written as a YAML list entry (``- name: ...``)."""
    head = "project: payments-api\n" if project else "pack: acme-standard@1.2\n"
    return f"{head}sources:\n{source}{extra}"


def dir_source(path: Path) -> str:
    return f"  - name: shared\n    dir: {path}\n"


def git_source(url: str, ref: str | None = None) -> str:
    return f"  - name: acme\n    git: {url}\n" + (f"    ref: {ref}\n" if ref else "")


def http_source(url: str) -> str:
    return f"  - name: orchestrator\n    http: {url}\n"


def consumer_repo(root: Path, config: str, files: Mapping[str, str] | None = None) -> Path:
    """A repository with one skill that has no owner, and ``config`` as its policy."""
    return make_repo(
        root, {".packwarden/policy.yml": config, "skills/a/skill.yaml": SKILL_WITHOUT_OWNER, **(files or {})}
    )


def bare_source(tmp: Path, files: Mapping[str, str], tag: str | None = "v1.2.0") -> tuple[Path, Path]:
    """A work repository holding ``files`` (committed, tagged) and its bare clone: (work, bare)."""
    work = make_repo(tmp / "central-work", dict(files))
    if tag:
        git(work, "tag", "-a", tag, "-m", f"release {tag}")
    bare = tmp / "central.git"
    git(tmp, "clone", "-q", "--bare", str(work), str(bare))
    return work, bare


def publish(work: Path, bare: Path, files: Mapping[str, str], message: str, tag: str | None = None) -> str:
    """Commit ``files`` in ``work``, push the branch (and ``tag``) to ``bare``; the new commit."""
    write_files(work, files)
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", message)
    if tag:
        git(work, "tag", "-f", "-a", tag, "-m", message)
    git(work, "push", "-q", "-f", str(bare), "main", *([f"refs/tags/{tag}"] if tag else []))
    return git(work, "rev-parse", "HEAD").strip()


class Orchestrator:
    """The orchestrator's policy-pack API: packs by key and version, and project selections."""

    def __init__(self) -> None:
        self.packs: dict[tuple[str, str], dict[str, object]] = {}
        self.projects: dict[str, dict[str, object]] = {}
        self.requests: list[str] = []

    def add_pack(self, document: dict[str, object], status: str = "active") -> None:
        meta = document["meta"]
        assert isinstance(meta, dict)
        self.packs[(meta["key"], meta["version"])] = {
            "key": meta["key"],
            "version": meta["version"],
            "name": meta.get("name", ""),
            "description": "",
            "status": status,
            "pack": document,
        }

    def answer(self, path: str) -> tuple[int, object]:
        self.requests.append(path)
        parts = [part for part in path.split("/") if part]
        if parts == ["policy_packs"]:
            return 200, [{k: v for k, v in item.items() if k != "pack"} for item in self.packs.values()]
        if len(parts) == 3 and parts[0] == "policy_packs" and (parts[1], parts[2]) in self.packs:
            return 200, self.packs[(parts[1], parts[2])]
        if len(parts) == 2 and parts[0] == "policy_packs":
            versions = [item for (key, _), item in self.packs.items() if key == parts[1]]
            return (200, versions[-1]) if versions else (404, {"detail": "not found"})
        if len(parts) == 3 and parts[0] == "projects" and parts[2] == "policy" and parts[1] in self.projects:
            return 200, self.projects[parts[1]]
        return 404, {"detail": "not found"}


@contextmanager
def serving(api: Orchestrator) -> Iterator[str]:
    """A real HTTP server on 127.0.0.1 answering for ``api``; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, body = api.answer(self.path)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


NO_NETWORK = '''\
"""Loaded first by every Python process of the test: any network connection fails."""
import socket

def _refuse(*args, **kwargs):
    raise OSError(101, "network is unreachable (the test's guard)")

socket.socket.connect = _refuse
socket.socket.connect_ex = _refuse
socket.create_connection = _refuse
socket.getaddrinfo = _refuse
'''


def network_guard(tmp: Path) -> dict[str, str]:
    """Environment for processes that must not reach the network: a sitecustomize that fails
    every connect, resolution included (the test also proves the guard works)."""
    folder = tmp / "no-network"
    folder.mkdir(exist_ok=True)
    (folder / "sitecustomize.py").write_text(NO_NETWORK, encoding="utf-8")
    return {"PYTHONPATH": str(folder)}
