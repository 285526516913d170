"""One HTTP GET of an http source: bounded in time, size and redirects, with ETags remembered.

Only https:// is fetched (certificates checked by the default SSL context), or plain http://
to 127.0.0.1 or localhost, where nobody on the way can change the answer. A response is
read in chunks up to ``MAX_BYTES`` and within ``DEADLINE`` seconds, whatever its headers claim;
at most ``MAX_REDIRECTS`` redirects are followed and never from https to http. An ETag is
remembered with its body under ``work``; the next GET sends it as If-None-Match and a 304
answer reuses the remembered body (which is checked against its sha256 first).
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import ssl
import tempfile
import time
import urllib.error
import urllib.request
from typing import IO, NoReturn
from urllib.parse import urlsplit

from packwarden.packs.sources.spec import SourceError

TIMEOUT = 10.0  # seconds a connect or a read may wait
DEADLINE = 120.0  # seconds one whole response may take
MAX_BYTES = 16 * 1024 * 1024
MAX_REDIRECTS = 5
_CHUNK = 1 << 16
_LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


class StatusError(SourceError):
    """The server answered with an error status (``status``)."""

    def __init__(self, message: str, status: int) -> None:
        self.status = status
        super().__init__(message)


def url_problem(url: str) -> str | None:
    """Why ``url`` may not be fetched, or None."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return "not a valid URL"
    if parts.scheme not in ("https", "http") or not host:
        return "only https:// URLs are fetched (and http:// to 127.0.0.1 or localhost)"
    if parts.scheme == "http" and host not in _LOCAL_HOSTS:
        return "plain http:// is allowed only for 127.0.0.1 and localhost (anyone on the way could change it); use https://"
    return None


def shown(url: str) -> str:
    return url if url.isprintable() else repr(url)[1:-1]


class Remembered:
    """ETags and their bodies, one pair of files per URL in ``folder``."""

    def __init__(self, folder: str) -> None:
        self.folder = folder

    def _path(self, url: str) -> str:
        return os.path.join(self.folder, hashlib.sha256(url.encode("utf-8")).hexdigest()[:40])

    def load(self, url: str) -> tuple[str, bytes] | None:
        base = self._path(url)
        try:
            with open(base + ".json", encoding="utf-8") as handle:
                record = json.load(handle)
            with open(base + ".body", "rb") as handle:
                body = handle.read(MAX_BYTES + 1)
        except (OSError, ValueError):
            return None
        if not isinstance(record, dict) or record.get("url") != url or not isinstance(record.get("etag"), str):
            return None
        if record.get("sha256") != hashlib.sha256(body).hexdigest():
            return None  # damaged or half written: ask for the whole body again
        return record["etag"], body

    def save(self, url: str, etag: str, body: bytes) -> None:
        base = self._path(url)
        os.makedirs(self.folder, exist_ok=True)
        _replace(base + ".body", body)
        record = {"url": url, "etag": etag, "sha256": hashlib.sha256(body).hexdigest()}
        _replace(base + ".json", json.dumps(record).encode("utf-8"))


def _replace(path: str, data: bytes) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".tmp-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


class _Redirects(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS

    def __init__(self, source: str) -> None:
        self.source = source

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        refused = url_problem(newurl)
        if refused is None and urlsplit(req.full_url).scheme == "https" and urlsplit(newurl).scheme != "https":
            refused = "a redirect from https to http is never followed"
        if refused is not None:
            fp.close()
            raise SourceError(f"source {self.source}: {shown(req.full_url)} redirects to {shown(newurl)}: {refused}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def get(source: str, url: str, remembered: Remembered | None = None) -> bytes:
    """The body ``url`` answers with; SourceError (StatusError for 4xx/5xx) naming the URL."""
    refused = url_problem(url)
    if refused is not None:
        raise SourceError(f"source {source}: {shown(url)}: {refused}")
    known = remembered.load(url) if remembered is not None else None
    request = urllib.request.Request(url, headers={"Accept": "application/json", "User-Agent": "packwarden"})
    if known is not None:
        request.add_header("If-None-Match", known[0])
    opener = urllib.request.build_opener(
        _Redirects(source), urllib.request.HTTPSHandler(context=ssl.create_default_context())
    )
    try:
        with opener.open(request, timeout=TIMEOUT) as response:
            body = _read(source, url, response)
            etag = response.headers.get("ETag")
    except urllib.error.HTTPError as error:
        error.close()
        if error.code == 304 and known is not None:
            return known[1]
        if 300 <= error.code < 400:
            _fail(source, url, f"redirects not followed: a loop, more than {MAX_REDIRECTS}, or to a scheme not http(s)")
        raise StatusError(f"source {source}: {shown(url)}: HTTP {error.code} {error.reason}", error.code) from None
    except urllib.error.URLError as error:
        _fail(source, url, f"cannot connect: {error.reason}")
    except (OSError, http.client.HTTPException) as error:  # a timeout, a reset, a malformed answer
        _fail(source, url, f"the connection failed: {error or type(error).__name__}")
    if remembered is not None and etag:
        remembered.save(url, etag, body)
    return body


def _read(source: str, url: str, response: http.client.HTTPResponse) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > MAX_BYTES:
        _fail(source, url, f"the answer is {declared} bytes; the limit is {MAX_BYTES}")
    deadline = time.monotonic() + DEADLINE
    chunks: list[bytes] = []
    total = 0
    while chunk := response.read(_CHUNK):
        total += len(chunk)
        if total > MAX_BYTES:
            _fail(source, url, f"the answer is larger than the limit of {MAX_BYTES} bytes")
        if time.monotonic() > deadline:
            _fail(source, url, f"the answer took longer than {DEADLINE:.0f} seconds")
        chunks.append(chunk)
    return b"".join(chunks)


def _fail(source: str, url: str, why: str) -> NoReturn:
    raise SourceError(f"source {source}: {shown(url)}: {why}")
