"""An ``http`` source: the orchestrator API of the policy-packs seed.

```
GET /policy_packs                    [{key, version, status, ...}, ...]
GET /policy_packs/{key}/{version}    {key, version, name, description, status, pack: {...}}
GET /policy_packs/{key}              the same for the latest version, or
                                     {key, versions: [{version, status, pack}, ...]}
GET /projects/{id}/policy            {policy_pack_key, policy_pack_version, policy_overrides,
                                      policy_repo_local_enabled, locked?, min_severity?,
                                      repo_overrides?}
```
Every listed pack is fetched (``/policy_packs/{key}`` when the server has no per-version
route) and becomes ``key@version/pack.yaml``; each project asked for becomes the
``projects/<id>.yml`` a git or dir source would hold. Both are written as canonical JSON
(sorted keys, which YAML 1.2 reads as it is), so the same answers give the same bytes and the
same ``resolved``: ``sha256:`` and the tree digest of everything fetched. The API's status of a
pack (deprecated, disabled) is carried into the pack's ``meta.status``.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn
from urllib.parse import quote

from packwarden.load.limits import MAX_PACK_BYTES
from packwarden.packs.sources import layout, transfer
from packwarden.packs.sources.spec import Snapshot, SourceError, SourceSpec

STATUSES = ("active", "deprecated", "disabled")
REPO_OVERRIDES = ("allowed", "tighten-only", "disabled")
# Characters a YAML reader takes otherwise than JSON does (NEL and the Unicode line separators
# break lines in YAML 1.1 readers) or refuses raw (DEL, C1 controls, BOM, non-characters).
_NOT_RAW = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def fetch_http(spec: SourceSpec, *, work: str, pinned: str | None = None, projects: Sequence[str] = ()) -> Snapshot:
    base = spec.location.rstrip("/")
    refused = transfer.url_problem(base)
    if refused is not None:
        raise SourceError(f"source {spec.name}: {transfer.shown(spec.location)}: {refused}")
    api = _Api(spec.name, base, transfer.Remembered(os.path.join(work, "http")))
    packs: dict[str, dict[str, bytes]] = {}
    for key, version, status in api.listing():
        name = f"{key}@{version}"
        if name not in packs:
            if len(packs) == layout.MAX_PACKS:
                raise SourceError(f"source {spec.name}: {base}/policy_packs: more than {layout.MAX_PACKS} packs")
            packs[name] = {"pack.yaml": api.document(f"pack {name}", api.pack(key, version, status))}
    chosen: dict[str, bytes] = {}
    for project in projects:
        if not layout.is_project_id(project):
            raise SourceError(f"source {spec.name}: {project!r} is not a project id ([A-Za-z0-9][A-Za-z0-9_.-]*)")
        chosen[project] = api.document(f"project {project}", api.project(project))
    content = layout.Content(packs=packs, projects=chosen)
    resolved = layout.content_digest(content)
    if pinned is not None and pinned != resolved:
        raise SourceError(
            f"source {spec.name}: {base} no longer serves what the lock pinned ({pinned}, now {resolved});"
            " run `packwarden pull --update` to take the new content"
        )
    return Snapshot(source=spec.name, resolved=resolved, packs=packs, projects=chosen)


class _Api:
    def __init__(self, source: str, base: str, remembered: transfer.Remembered) -> None:
        self.source, self.base, self.remembered = source, base, remembered
        self.by_key: dict[str, Any] = {}  # /policy_packs/{key} answers, asked once per key

    def _fail(self, path: str, why: str) -> NoReturn:
        raise SourceError(f"source {self.source}: {transfer.shown(self.base + path)}: {why}")

    def get(self, path: str) -> Any:
        body = transfer.get(self.source, self.base + path, self.remembered)
        try:
            return json.loads(body, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
        except RecursionError:
            self._fail(path, "the JSON answer is nested too deeply")
        except ValueError as error:
            self._fail(path, f"the answer is not valid JSON ({str(error).splitlines()[0]})")

    def listing(self) -> list[tuple[str, str, str | None]]:
        answer = self.get("/policy_packs")
        if not isinstance(answer, list):
            self._fail("/policy_packs", "expected a JSON list of {key, version, status}")
        found = []
        for index, item in enumerate(answer):
            key, version = _field(item, "key"), _field(item, "version")
            if key is None or version is None or not layout.is_pack_name(f"{key}@{version}"):
                self._fail("/policy_packs", f"item {index}: not a {{key, version}} of a pack (key@version)")
            status = item.get("status")
            found.append((key, version, status if isinstance(status, str) else None))
        return found

    def pack(self, key: str, version: str, status: str | None) -> dict[str, Any]:
        path = f"/policy_packs/{key}/{version}"
        try:
            answer = self.get(path)
        except transfer.StatusError as error:
            if error.status not in (404, 405):
                raise
            answer = self._from_versions(key, version)
            path = f"/policy_packs/{key}"
        if not isinstance(answer, dict) or not isinstance(answer.get("pack"), dict):
            self._fail(path, "expected {key, version, status, pack: {...}}")
        if answer.get("key", key) != key or answer.get("version", version) != version:
            self._fail(path, f"the answer is {answer.get('key')}@{answer.get('version')}, not {key}@{version}")
        document: dict[str, Any] = dict(answer["pack"])
        status = answer.get("status", status)
        if status in STATUSES and isinstance(document.get("meta"), dict):
            document["meta"] = {**document["meta"], "status": status}
        return document

    def _from_versions(self, key: str, version: str) -> Any:
        path = f"/policy_packs/{key}"
        if key not in self.by_key:
            self.by_key[key] = self.get(path)
        answer = self.by_key[key]
        if isinstance(answer, dict) and isinstance(answer.get("versions"), list):
            for item in answer["versions"]:
                if isinstance(item, dict) and _field(item, "version") == version:
                    return item
            self._fail(path, f"no version {version} among the versions listed")
        if isinstance(answer, dict) and answer.get("version") == version:
            return answer
        self._fail(path, f"neither version {version} nor a list of versions")

    def project(self, project: str) -> dict[str, Any]:
        path = f"/projects/{quote(project, safe='')}/policy"
        answer = self.get(path)
        if not isinstance(answer, dict):
            self._fail(path, "expected a JSON object")
        key, version = _field(answer, "policy_pack_key"), _field(answer, "policy_pack_version")
        if key is None or version is None or not layout.is_pack_name(f"{key}@{version}"):
            self._fail(path, "policy_pack_key and policy_pack_version do not name a pack (key@version)")
        selection: dict[str, Any] = {"pack": f"{key}@{version}"}
        overrides = answer.get("policy_overrides")
        if overrides is not None:
            selection["overrides"] = self._expect(path, "policy_overrides", overrides, dict, "an object")
        repo_overrides = answer.get("repo_overrides")
        if repo_overrides is not None and repo_overrides not in REPO_OVERRIDES:
            self._fail(path, f"repo_overrides must be one of {', '.join(REPO_OVERRIDES)}")
        enabled = answer.get("policy_repo_local_enabled")
        if enabled is not None and not isinstance(enabled, bool):
            self._fail(path, "policy_repo_local_enabled must be true or false")
        if enabled is False:
            repo_overrides = "disabled"  # the API's switch wins over any finer setting
        elif repo_overrides is None and enabled:
            repo_overrides = "allowed"
        if repo_overrides is not None:
            selection["repo_overrides"] = repo_overrides
        locked = answer.get("locked")
        if locked is not None:
            self._expect(path, "locked", locked, list, "a list of rule ids")
            if not all(isinstance(item, str) for item in locked):
                self._fail(path, "locked must be a list of rule ids")
            selection["locked"] = locked
        min_severity = answer.get("min_severity")
        if min_severity is not None:
            self._expect(path, "min_severity", min_severity, dict, "an object")
            if not all(isinstance(value, str) for value in min_severity.values()):
                self._fail(path, "min_severity must map rule ids to severities")
            selection["min_severity"] = min_severity
        return selection

    def _expect(self, path: str, name: str, value: Any, kind: type, what: str) -> Any:
        if not isinstance(value, kind):
            self._fail(path, f"{name} must be {what}")
        return value

    def document(self, what: str, value: Mapping[str, Any]) -> bytes:
        try:
            data = canonical_document(value)
        except ValueError as error:
            raise SourceError(f"source {self.source}: {what}: {error}") from None
        if len(data) > MAX_PACK_BYTES:
            why = f"{len(data)} bytes as a file; the limit is {MAX_PACK_BYTES}"
            raise SourceError(f"source {self.source}: {what}: {why}")
        return data


def canonical_document(value: Mapping[str, Any]) -> bytes:
    """``value`` as canonical JSON text, which a YAML 1.2 reader reads as the same value;
    ValueError saying why when it cannot be written."""
    try:
        text = json.dumps(value, sort_keys=True, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    except ValueError:  # 1e999 reads as infinity, which JSON (and so the file) cannot hold
        raise ValueError("a number out of range (such as 1e999)") from None
    text = _NOT_RAW.sub(lambda found: f"\\u{ord(found.group()):04x}", text)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("the answer holds a lone surrogate (\\ud800 ...)") from None


def _field(item: object, name: str) -> str | None:
    value = item.get(name) if isinstance(item, dict) else None
    return value if isinstance(value, str) else None


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            raise ValueError(f"duplicate key {key!r}")  # json.loads would keep the last one silently
        seen.add(key)
    return dict(pairs)


def _no_constant(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON number")
