"""The lock file: strict reading with located findings, one canonical rendering, and writing it
into the repository in one step."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import given
from hypothesis import strategies as st

from packwarden.load.limits import MAX_LOCK_BYTES
from packwarden.model import builtin_rules as R
from packwarden.model.errors import PolicyValidationError
from packwarden.packs.lock import (
    KINDS,
    LOCK_PATH,
    PACK_REF,
    PROJECT_ID,
    SOURCE_NAME,
    Lock,
    LockedPack,
    LockedSource,
    read_lock,
    render_lock,
    write_atomically,
)
from packwarden.packs.schema import PACK_KEY, VERSION

COMMIT = "3f2c" * 10
PACK_SHA = "9a0b" * 16
PROJECT_SHA = "77e1" * 16

EXAMPLE = f"""\
# Written by `packwarden pull`; do not edit. `packwarden pull` fills the cache to match it.
version: 1
sources:
  acme: {{kind: git, location: https://git.example.com/acme/policies.git, ref: v1.2.0, resolved: {COMMIT}}}
  shared: {{kind: dir, location: "../company policies", resolved: sha256:{PACK_SHA}}}
packs:
  acme-standard@1.2: {{source: acme, sha256: {PACK_SHA}}}
projects:
  payments-api: {{source: acme, sha256: {PROJECT_SHA}}}
""".encode()

EXAMPLE_LOCK = Lock(
    sources={
        "acme": LockedSource("git", "https://git.example.com/acme/policies.git", "v1.2.0", COMMIT),
        "shared": LockedSource("dir", "../company policies", None, f"sha256:{PACK_SHA}"),
    },
    packs={"acme-standard@1.2": LockedPack("acme", PACK_SHA)},
    projects={"payments-api": LockedPack("acme", PROJECT_SHA)},
)


def test_the_example_reads_and_renders_back_byte_for_byte() -> None:
    lock = read_lock(EXAMPLE)
    assert lock == EXAMPLE_LOCK
    assert isinstance(lock.packs, MappingProxyType)
    assert render_lock(lock) == EXAMPLE


def test_the_empty_lock_renders_every_section() -> None:
    text = render_lock(Lock.empty())
    assert text.splitlines()[1:] == [b"version: 1", b"sources: {}", b"packs: {}", b"projects: {}"]
    assert read_lock(text) == Lock.empty()


def test_strings_yaml_would_read_as_something_else_are_quoted() -> None:
    lock = Lock(
        sources={
            "true": LockedSource("http", "https://h.example.com/a b?c=#d", None, 'etag:W/"x"'),
            "1e3": LockedSource("dir", "~", None, "null"),
        },
        packs={},
        projects={"0777": LockedPack("true", "0" * 64), "x": LockedPack("1e3", "1" * 64)},
    )
    text = render_lock(lock)
    assert b'"true": {kind: http' in text
    assert b'sha256: "' + b"0" * 64 + b'"' in text
    assert read_lock(text) == lock


def test_records_are_values_of_their_own_type() -> None:
    assert LockedPack("acme", PACK_SHA) != ("acme", PACK_SHA)
    assert Lock.empty() == Lock({}, {}, {})
    assert hash(LockedSource("dir", "x", None, "y")) == hash(LockedSource("dir", "x", None, "y"))
    assert Lock.empty() != EXAMPLE_LOCK


# -- the round trip ----------------------------------------------------------------------------


@st.composite
def locks(draw: st.DrawFn) -> Lock:
    names = draw(st.lists(st.from_regex(SOURCE_NAME, fullmatch=True), min_size=1, max_size=4, unique=True))
    text = st.text(min_size=1, max_size=30)
    sources = {
        name: LockedSource(draw(st.sampled_from(KINDS)), draw(text), draw(st.none() | text), draw(text))
        for name in names
    }
    pin = st.builds(LockedPack, st.sampled_from(names), st.text("0123456789abcdef", min_size=64, max_size=64))
    packs = draw(st.dictionaries(st.from_regex(PACK_REF, fullmatch=True), pin, max_size=4))
    projects = draw(st.dictionaries(st.from_regex(PROJECT_ID, fullmatch=True), pin, max_size=3))
    return Lock(sources, packs, projects)


@given(locks())
def test_any_valid_lock_reads_back_from_its_rendering(lock: Lock) -> None:
    text = render_lock(lock)
    assert read_lock(text) == lock
    assert render_lock(read_lock(text)) == text


@given(st.from_regex(PACK_KEY, fullmatch=True), st.from_regex(VERSION, fullmatch=True))
def test_a_pack_the_schema_accepts_can_be_locked(key: str, version: str) -> None:
    key = key.strip("\n")[:64]  # the schema caps keys at 64 characters
    version = version.strip("\n")
    if re.fullmatch(PACK_KEY, key) and re.fullmatch(VERSION, version):
        assert PACK_REF.match(f"{key}@{version}")


def test_render_refuses_a_lock_it_could_not_read_back() -> None:
    with pytest.raises(ValueError, match="sha256"):
        render_lock(Lock({}, {"a@1": LockedPack("acme", "ABC")}, {}))
    with pytest.raises(ValueError, match="not in sources"):
        render_lock(Lock({}, {"a@1": LockedPack("acme", PACK_SHA)}, {}))
    with pytest.raises(ValueError, match="not a source name"):
        render_lock(Lock({"Acme": LockedSource("git", "x", None, "y")}, {}, {}))
    with pytest.raises(ValueError, match="surrogate"):
        render_lock(Lock({"acme": LockedSource("git", "\udc80", None, "y")}, {}, {}))


# -- problems, each at its place ---------------------------------------------------------------

GOOD_SOURCE = f"{{kind: git, location: x, resolved: {COMMIT}}}"
PIN = f"{{source: acme, sha256: {PACK_SHA}}}"
UPPER = f"{{source: acme, sha256: »{PACK_SHA.upper()}}}"
SHORT = f"{{source: acme, sha256: »{PACK_SHA[:-1]}}}"
HEAD = f"version: 1\nsources:\n  acme: {GOOD_SOURCE}\n"


def _marked(text: str) -> tuple[bytes, tuple[int, int]]:
    """``text`` without its ``»``, and the line and column the ``»`` marked."""
    before, _, after = text.partition("»")
    lines = before.split("\n")
    return (before + after).encode(), (len(lines), len(lines[-1]) + 1)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("»", "must be a mapping"),
        ("»- version: 1\n", "must be a mapping"),
        ("»sources: {}\n", "version is missing"),
        ("version: »2\n", "version must be 1"),
        ("version: »'1'\n", "version must be 1"),
        ("version: »true\n", "version must be 1"),
        ("version: 1\n»extra: 1\n", "unknown key 'extra'"),
        ("version: 1\nsources: »[]\n", "sources must be a mapping"),
        ("version: 1\nsources:»\n", "sources must be a mapping"),
        ("version: 1\nsources:\n  acme: »git\n", "sources.acme must be a mapping"),
        ("version: 1\nsources:\n  »Acme: " + GOOD_SOURCE + "\n", "'Acme' is not a source name"),
        ("version: 1\nsources:\n  acme: {kind: »svn, location: x, resolved: y}\n", "kind must be one of"),
        ("version: 1\nsources:\n  acme: {kind: git, location: »7, resolved: y}\n", "location must be a non-empty"),
        ("version: 1\nsources:\n  acme: {kind: git, location: »'', resolved: y}\n", "location must be a non-empty"),
        ("version: 1\nsources:\n  acme: »{kind: git, location: x}\n", "resolved is missing"),
        ("version: 1\nsources:\n  acme: {kind: git, location: x, ref: »'', resolved: y}\n", "ref must be"),
        ("version: 1\nsources:\n  acme: {kind: git, location: x, resolved: y, »url: z}\n", "unknown key 'url'"),
        ("version: 1\npacks:\n  acme-standard@1.2: {source: »acme, sha256: " + PACK_SHA + "}\n", "not in sources"),
        ("version: 1\npacks:\n  »acme-standard: " + PIN + "\n", "is not key@version"),
        ("version: 1\nprojects:\n  »../x: " + PIN + "\n", "is not a project id"),
        ("version: 1\nprojects:\n  »123: " + PIN + "\n", "123 is not a project id"),
        (HEAD + "packs:\n  a@1: " + UPPER + "\n", "64 lowercase hex"),
        (HEAD + "packs:\n  a@1: " + SHORT + "\n", "64 lowercase hex"),
        (HEAD + "projects:\n  p: »{source: acme}\n", "sha256 is missing"),
    ],
)
def test_each_problem_is_a_config_finding_at_its_place(text: str, message: str) -> None:
    raw, place = _marked(text)
    with pytest.raises(PolicyValidationError) as caught:
        read_lock(raw)
    [finding] = caught.value.errors
    assert (finding.path, (finding.line, finding.column), finding.rule) == (LOCK_PATH, place, R.CONFIG_INVALID.id)
    assert message in finding.message


def test_every_problem_is_reported_not_only_the_first() -> None:
    lines = [
        "version: 3",
        "sources:",
        "  acme: {kind: svn, location: x, resolved: y}",
        "packs:",
        "  a@1: {source: b, sha256: x}",
    ]
    with pytest.raises(PolicyValidationError) as caught:
        read_lock("\n".join(lines).encode())
    assert [(f.line, f.column) for f in caught.value.errors] == [(1, 10), (3, 16), (5, 28)]


@pytest.mark.parametrize(
    ("raw", "rule"),
    [
        (b"version: 1\nversion: 1\n", R.PARSE_DUPLICATE_KEY),
        (b"version: [1\n", R.PARSE_SYNTAX),
        (b"version: &v 1\n", R.PARSE_ANCHOR),
        (b"version: 1\n\xff\n", R.PARSE_ENCODING),
        (b"version: 1\n#" + b"x" * MAX_LOCK_BYTES + b"\n", R.PARSE_TOO_LARGE),
    ],
)
def test_a_file_that_does_not_parse_is_a_located_parse_finding(raw: bytes, rule: R.BuiltinRule) -> None:
    with pytest.raises(PolicyValidationError) as caught:
        read_lock(raw)
    [finding] = caught.value.errors
    assert (finding.path, finding.rule) == (LOCK_PATH, rule.id)


# -- writing it --------------------------------------------------------------------------------


def test_write_atomically_replaces_the_file_and_keeps_its_mode(tmp_path: Path) -> None:
    target = tmp_path / "lock.yml"
    target.write_bytes(b"old")
    os.chmod(target, 0o640)
    write_atomically(str(target), b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    os.chmod(target, 0o444)
    write_atomically(str(target), b"newer")
    assert target.read_bytes() == b"newer"
    assert stat.S_IMODE(target.stat().st_mode) == 0o444
    assert os.listdir(tmp_path) == ["lock.yml"]


def test_a_new_file_gets_the_usual_mode(tmp_path: Path) -> None:
    old_umask = os.umask(0o027)
    try:
        write_atomically(str(tmp_path / "lock.yml"), b"x")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE((tmp_path / "lock.yml").stat().st_mode) == 0o640


def test_a_link_is_replaced_never_written_through(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yml"
    outside.write_bytes(b"keep")
    repo = tmp_path / "repo"
    repo.mkdir()
    os.symlink(outside, repo / "lock.yml")
    write_atomically(str(repo / "lock.yml"), b"lock")
    assert outside.read_bytes() == b"keep"
    assert not (repo / "lock.yml").is_symlink()
    assert (repo / "lock.yml").read_bytes() == b"lock"


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    folder = tmp_path / "lock.yml"
    folder.mkdir()  # os.replace cannot put a file over a folder
    with pytest.raises(OSError):
        write_atomically(str(folder), b"x")
    assert os.listdir(tmp_path) == ["lock.yml"]
