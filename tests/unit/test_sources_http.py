"""http sources against a real orchestrator API on 127.0.0.1: shapes, ETags, redirects, caps."""

from __future__ import annotations

import io
import json
import socket
import urllib.request
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from packwarden.load.yaml import load_yaml
from packwarden.packs.digest import tree_digest
from packwarden.packs.sources import Snapshot, SourceError, SourceSpec, fetch, transfer
from packwarden.packs.sources.http import canonical_document
from tests.support.orchestrator import Orchestrator, Reply, pack_document, serve

RULE = {"id": "skill.name-required", "applies_to": ["skill"], "field": "name", "required": True}


@pytest.fixture
def api() -> Iterator[Orchestrator]:
    orchestrator = Orchestrator()
    orchestrator.add_pack("acme", "1.2", pack_document("acme", "1.2", RULE))
    orchestrator.add_pack("legacy", "1.0", pack_document("legacy", "1.0"), status="deprecated")
    orchestrator.routes["/projects/payments-api/policy"] = {
        "policy_pack_key": "acme",
        "policy_pack_version": "1.2",
        "policy_overrides": {"skill.name-required": {"severity": "block"}},
        "policy_repo_local_enabled": True,
        "locked": ["skill."],
        "min_severity": {"skill.name-required": "error"},
    }
    with serve(orchestrator):
        yield orchestrator


def pull(tmp_path: Path, url: str, *projects: str, pinned: str | None = None) -> Snapshot:
    spec = SourceSpec(name="orchestrator", kind="http", location=url)
    return fetch(spec, root=str(tmp_path), work=str(tmp_path / "work"), pinned=pinned, projects=projects)


def refused(tmp_path: Path, url: str, *projects: str) -> str:
    with pytest.raises(SourceError) as caught:
        pull(tmp_path, url, *projects)
    message = str(caught.value)
    assert message.startswith("source orchestrator: ")
    assert "\n" not in message
    return message


def data(raw: bytes) -> Any:
    document = load_yaml(raw)
    assert document.ok, document.problems
    return json.loads(json.dumps(document.data))  # plain dicts and lists


def test_packs_and_a_project_become_the_files_a_git_source_would_hold(tmp_path: Path, api: Orchestrator) -> None:
    snapshot = pull(tmp_path, api.url + "/", "payments-api")
    assert sorted(snapshot.packs) == ["acme@1.2", "legacy@1.0"]
    assert list(snapshot.packs["acme@1.2"]) == ["pack.yaml"]
    acme = pack_document("acme", "1.2", RULE)
    acme["meta"]["status"] = "active"  # the API's status is carried into the pack
    assert data(snapshot.packs["acme@1.2"]["pack.yaml"]) == acme
    legacy = data(snapshot.packs["legacy@1.0"]["pack.yaml"])
    assert legacy["meta"]["status"] == "deprecated"
    assert data(snapshot.projects["payments-api"]) == {
        "pack": "acme@1.2",
        "overrides": {"skill.name-required": {"severity": "block"}},
        "repo_overrides": "allowed",
        "locked": ["skill."],
        "min_severity": {"skill.name-required": "error"},
    }
    raw = snapshot.packs["acme@1.2"]["pack.yaml"]
    assert raw == json.dumps(json.loads(raw), sort_keys=True, indent=2).encode() + b"\n"  # canonical
    flat = {f"{name}/pack.yaml": files["pack.yaml"] for name, files in snapshot.packs.items()}
    flat["projects/payments-api.yml"] = snapshot.projects["payments-api"]
    assert snapshot.resolved == "sha256:" + tree_digest(flat)
    assert pull(tmp_path, api.url, "payments-api") == snapshot  # the same answers, the same bytes


def test_repo_local_overrides_switched_off_means_disabled(tmp_path: Path, api: Orchestrator) -> None:
    api.routes["/projects/p1/policy"] = {
        "policy_pack_key": "acme",
        "policy_pack_version": "1.2",
        "policy_overrides": None,
        "policy_repo_local_enabled": False,
        "repo_overrides": "allowed",
    }
    assert data(pull(tmp_path, api.url, "p1").projects["p1"]) == {"pack": "acme@1.2", "repo_overrides": "disabled"}


def test_a_server_without_the_per_version_route_answers_from_the_pack_route(tmp_path: Path, api: Orchestrator) -> None:
    versions = api.routes.pop("/policy_packs/acme/1.2")
    api.routes["/policy_packs/acme"] = {
        "key": "acme",
        "versions": [
            {"version": "1.1", "status": "disabled", "pack": pack_document("acme", "1.1")},
            {"version": "1.2", "status": "active", "pack": versions["pack"]},
        ],
    }
    latest = pull(tmp_path, api.url).packs["acme@1.2"]["pack.yaml"]
    assert data(latest)["rules"] == [RULE]
    api.routes["/policy_packs/acme"] = versions  # the latest version in the per-version shape
    assert pull(tmp_path, api.url).packs["acme@1.2"]["pack.yaml"] == latest
    api.routes["/policy_packs/acme"] = {**versions, "version": "1.3"}
    assert "/policy_packs/acme: neither version 1.2 nor a list of versions" in refused(tmp_path, api.url)


def test_etags_are_sent_back_and_a_304_reuses_the_remembered_body(tmp_path: Path, api: Orchestrator) -> None:
    first = pull(tmp_path, api.url, "payments-api")
    assert all("If-None-Match" not in headers for _, headers in api.requests)
    api.requests.clear()
    assert pull(tmp_path, api.url, "payments-api") == first
    assert len(api.requests) == 4
    assert all(headers.get("If-None-Match", "").startswith('"') for _, headers in api.requests)
    for remembered in (tmp_path / "work" / "http").glob("*.body"):
        remembered.write_bytes(b"damaged")  # a remembered body that no longer matches is not used
    api.requests.clear()
    assert pull(tmp_path, api.url, "payments-api") == first
    assert all("If-None-Match" not in headers for _, headers in api.requests)


def test_a_pin_refuses_changed_answers(tmp_path: Path, api: Orchestrator) -> None:
    pinned = pull(tmp_path, api.url).resolved
    assert pull(tmp_path, api.url, pinned=pinned).resolved == pinned
    api.add_pack("acme", "1.3", pack_document("acme", "1.3"))
    with pytest.raises(SourceError, match=r"no longer serves what the lock pinned .*packwarden pull --update"):
        pull(tmp_path, api.url, pinned=pinned)


def test_redirects_are_followed_a_few_times(tmp_path: Path, api: Orchestrator) -> None:
    api.routes["/old/policy_packs"] = Reply(301, headers={"Location": api.url + "/policy_packs"})
    for path in [p for p in api.routes if p.startswith("/policy_packs/")]:
        api.routes["/old" + path] = Reply(302, headers={"Location": api.url + path})
    assert sorted(pull(tmp_path, api.url + "/old").packs) == ["acme@1.2", "legacy@1.0"]


@pytest.mark.parametrize("hops", ["loop", "chain"])
def test_a_redirect_loop_or_chain_is_given_up(tmp_path: Path, api: Orchestrator, hops: str) -> None:
    if hops == "loop":
        api.routes["/a/policy_packs"] = Reply(302, headers={"Location": "/b/policy_packs"})
        api.routes["/b/policy_packs"] = Reply(302, headers={"Location": "/a/policy_packs"})
    else:
        for n in range(8):
            api.routes[f"/a{n}/policy_packs"] = Reply(302, headers={"Location": f"/a{n + 1}/policy_packs"})
    start = "/a" if hops == "loop" else "/a0"
    message = refused(tmp_path, api.url + start)
    assert f"{api.url}{start}/policy_packs: redirects not followed: a loop, more than 5, or" in message


def test_a_redirect_to_plain_http_elsewhere_is_not_followed(tmp_path: Path, api: Orchestrator) -> None:
    api.routes["/policy_packs"] = Reply(302, headers={"Location": "http://orchestrator.example.com/policy_packs"})
    message = refused(tmp_path, api.url)
    assert "redirects to http://orchestrator.example.com/policy_packs: plain http:// is allowed only for" in message


def test_https_is_never_redirected_to_http() -> None:
    handler = transfer._Redirects("orchestrator")
    request = urllib.request.Request("https://orchestrator.example.com/policy_packs")
    answer = io.BytesIO(b"")
    with pytest.raises(SourceError, match="a redirect from https to http is never followed"):
        handler.redirect_request(request, answer, 302, "Found", Message(), "http://127.0.0.1/policy_packs")  # type: ignore[arg-type]
    assert answer.closed


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("http://orchestrator.example.com", "plain http:// is allowed only for 127.0.0.1 and localhost"),
        ("ftp://orchestrator.example.com", "only https:// URLs are fetched"),
        ("file:///etc", "only https:// URLs are fetched"),
        ("https://", "only https:// URLs are fetched"),
    ],
)
def test_only_https_or_local_http_is_fetched(tmp_path: Path, url: str, why: str) -> None:
    assert why in refused(tmp_path, url)


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        (Reply(200, b"x" * (1 << 20), {"Content-Length": str(17 << 20)}, chunks=17), "the answer is 17825792 bytes"),
        (Reply(200, b"x" * (1 << 20), {"Connection": "close"}, chunks=17), "larger than the limit of 16777216 bytes"),
        (Reply(200, b"<html>oops</html>"), "the answer is not valid JSON (Expecting value: line 1 column 1"),
        (Reply(200, b'[{"key": "a", "key": "b"}]'), "not valid JSON (duplicate key 'key')"),
        (Reply(200, b'{"x": NaN}'), "not valid JSON (NaN is not a JSON number)"),
        (Reply(200, b"[" * 100_000 + b"]" * 100_000), "nested too deeply"),
        (Reply(200, b'{"packs": []}'), "expected a JSON list of {key, version, status}"),
        (Reply(200, b'[{"key": "-rf", "version": "1.0"}]'), "item 0: not a {key, version} of a pack"),
        (Reply(200, b'[{"key": "acme", "version": 1.2}]'), "item 0: not a {key, version} of a pack"),
        (Reply(500, b"boom"), "HTTP 500 Internal Server Error"),
        (Reply(403, b"no"), "HTTP 403 Forbidden"),
    ],
    ids=["declared-huge", "huge", "html", "duplicate", "nan", "deep", "object", "odd-key", "number", "500", "403"],
)
def test_bad_answers_are_errors_naming_the_url(tmp_path: Path, api: Orchestrator, reply: Reply, why: str) -> None:
    api.routes["/policy_packs"] = reply
    message = refused(tmp_path, api.url)
    assert f"{api.url}/policy_packs: " in message
    assert why in message


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ({"key": "acme", "version": "1.2"}, "expected {key, version, status, pack: {...}}"),
        ({"key": "other", "version": "1.2", "pack": {}}, "the answer is other@1.2, not acme@1.2"),
    ],
)
def test_a_pack_answer_of_the_wrong_shape_is_refused(
    tmp_path: Path, api: Orchestrator, answer: dict[str, Any], why: str
) -> None:
    api.routes["/policy_packs/acme/1.2"] = answer
    message = refused(tmp_path, api.url)
    assert f"{api.url}/policy_packs/acme/1.2: {why}" in message


@pytest.mark.parametrize(
    ("answer", "why"),
    [
        ({"policy_pack_key": "acme"}, "do not name a pack"),
        ({"policy_pack_key": "acme", "policy_pack_version": "1.2", "policy_overrides": []}, "must be an object"),
        ({"policy_pack_key": "acme", "policy_pack_version": "1.2", "locked": [1]}, "locked must be a list of rule"),
        ({"policy_pack_key": "acme", "policy_pack_version": "1.2", "repo_overrides": "yes"}, "must be one of"),
        ({"policy_pack_key": "acme", "policy_pack_version": "1.2", "policy_repo_local_enabled": "no"}, "true or"),
    ],
)
def test_a_project_answer_of_the_wrong_shape_is_refused(
    tmp_path: Path, api: Orchestrator, answer: dict[str, Any], why: str
) -> None:
    api.routes["/projects/p1/policy"] = answer
    message = refused(tmp_path, api.url, "p1")
    assert f"{api.url}/projects/p1/policy: " in message
    assert why in message


def test_unknown_projects_and_odd_project_ids_are_refused(tmp_path: Path, api: Orchestrator) -> None:
    assert f"{api.url}/projects/nobody/policy: HTTP 404" in refused(tmp_path, api.url, "nobody")
    assert "'../admin' is not a project id" in refused(tmp_path, api.url, "../admin")
    assert not any("admin" in path for path in api.paths())


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections and never answers (a server that hangs)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


def test_a_server_that_never_answers_is_given_up_on(
    tmp_path: Path, silent_server: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transfer, "TIMEOUT", 0.5)
    message = refused(tmp_path, f"http://127.0.0.1:{silent_server}")
    assert "/policy_packs: the connection failed: timed out" in message


def test_nothing_listening_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: connections are refused
        assert "/policy_packs: cannot connect: [Errno 111] Connection refused" in refused(
            tmp_path, f"http://127.0.0.1:{port}"
        )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
@example({"k\x85": ["a\u2028b\u2029", '\ufeff\x7f\x9f\t"\\', "\U0001f600 \ufffe"]})
def test_the_documents_written_read_back_as_the_same_value_in_yaml(value: Any) -> None:
    try:
        raw = canonical_document({"value": value})
    except ValueError as error:
        assert "a number out of range" in str(error)  # st.floats gives infinities
        return
    assert data(raw) == json.loads(json.dumps({"value": value}))


def test_a_lone_surrogate_in_an_answer_is_refused(tmp_path: Path, api: Orchestrator) -> None:
    api.routes["/policy_packs/acme/1.2"] = Reply(200, b'{"key": "acme", "version": "1.2", "pack": {"x": "\\ud800"}}')
    assert "pack acme@1.2: the answer holds a lone surrogate" in refused(tmp_path, api.url)
