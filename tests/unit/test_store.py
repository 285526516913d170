"""The content-addressed pack store: digests, verified reads, atomic writes, sweeping, the index,
and readers and writers in separate processes at once."""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import signal
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from packwarden.load.limits import MAX_PACK_BYTES
from packwarden.packs.digest import tree_digest
from packwarden.packs.store import IndexEntry, PackStore, StoreError
from packwarden.packs.tree import MAX_PACK_FILES, refusal

PACK = {"pack.yaml": b"meta: {key: acme}\n", "rules/one.yaml": b"id: one\n", "README.md": b"# acme\n"}


@pytest.fixture
def store(tmp_path: Path) -> PackStore:
    return PackStore(str(tmp_path / "central"))


def _reason(store: PackStore, digest: str) -> str:
    with pytest.raises(StoreError) as caught:
        store.get(digest)
    return caught.value.reason


# -- the digest --------------------------------------------------------------------------------


def test_tree_digest_is_sha256_of_the_canonical_form() -> None:
    expected = hashlib.sha256(b"a\x001\x00xb/c\x000\x00").hexdigest()
    assert tree_digest({"b/c": b"", "a": b"x"}) == expected
    assert tree_digest({}) == hashlib.sha256(b"").hexdigest()


def test_tree_digest_refuses_a_path_holding_nul() -> None:
    with pytest.raises(ValueError, match="NUL"):
        tree_digest({"a\0b": b"c"})


def test_tree_digest_tells_apart_maps_whose_concatenations_agree() -> None:
    maps = [
        {"a": b"b\0c"},
        {"a": b"b", "c": b""},
        {"ab": b"c"},
        {"a": b"", "b": b""},
        {"a": b"b\x000\x00"},
        {"a": b"1\x00x"},
        {"a1": b"x"},
    ]
    assert len({tree_digest(files) for files in maps}) == len(maps)


_NAME = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="/\\\0"), min_size=1, max_size=12
).filter(lambda name: name not in (".", ".."))
_PATH = st.lists(_NAME, min_size=1, max_size=3).map("/".join)
_FILES = st.dictionaries(_PATH, st.binary(max_size=64), max_size=8)


@given(st.lists(_FILES, min_size=2, max_size=6))
def test_tree_digest_is_injective_on_generated_maps(maps: list[dict[str, bytes]]) -> None:
    seen: dict[str, dict[str, bytes]] = {}
    for files in maps:
        digest = tree_digest(files)
        assert seen.setdefault(digest, files) == files


@given(st.dictionaries(st.text(max_size=4), st.binary(max_size=8), max_size=3), st.data())
def test_a_nul_anywhere_in_a_path_is_refused(files: dict[str, bytes], data: st.DataObject) -> None:
    path = data.draw(st.text(max_size=3)) + "\0" + data.draw(st.text(max_size=3))
    with pytest.raises(ValueError, match="NUL"):
        tree_digest({**files, path: b""})
    assert refusal({**files, path: b""}) is not None


# -- put and get -------------------------------------------------------------------------------


def test_put_then_get_gives_the_files_back_read_only(store: PackStore) -> None:
    digest = store.put(PACK)
    assert digest == tree_digest(PACK)
    assert store.get(digest) == PACK
    assert store.put(dict(PACK)) == digest  # idempotent
    for path in PACK:
        mode = os.stat(os.path.join(store.path(digest), path)).st_mode
        assert stat.S_IMODE(mode) & 0o222 == 0
    assert sorted(os.listdir(store.objects)) == [digest]


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(_FILES)
def test_put_then_get_round_trips_any_file_map_within_the_caps(files: dict[str, bytes]) -> None:
    assume(refusal(files) is None)  # no path that is both a file and a folder, none differing only in case
    with tempfile.TemporaryDirectory() as root:
        store = PackStore(root)
        digest = store.put(files)
        assert store.get(digest) == files
        assert store.put(files) == digest


@pytest.mark.parametrize(
    ("files", "why"),
    [
        ({f"f{i}": b"" for i in range(MAX_PACK_FILES + 1)}, "files; the limit"),
        ({"big": b"x" * (MAX_PACK_BYTES + 1)}, "bytes; the limit"),
        ({f"f{i}": b"x" * MAX_PACK_BYTES for i in range(17)}, "its files hold"),
        ({"a": b"", "a/b": b""}, "both a file and a folder"),
        ({"Pack.yaml": b"", "pack.yaml": b""}, "differ only in case"),
        ({"../escape": b""}, "not a plain relative path"),
        ({"/etc/passwd": b""}, "not a plain relative path"),
        ({"a//b": b""}, "not a plain relative path"),
        ({"a\\b": b""}, "backslash"),
        ({"x" * 256: b""}, "longer than 255 bytes"),
        ({"/".join("d" * 33): b""}, "folders deep"),
        ({"\udc80": b""}, "not valid Unicode"),
        ({"text": "not bytes"}, "not bytes"),
    ],
)
def test_put_refuses_what_the_store_cannot_hold(store: PackStore, files: Mapping[str, bytes], why: str) -> None:
    with pytest.raises(StoreError, match=why) as caught:
        store.put(files)
    assert caught.value.reason == "refused"
    assert not os.path.exists(store.objects) or os.listdir(store.objects) == []


def test_a_missing_object_or_a_malformed_digest_is_missing(store: PackStore) -> None:
    assert _reason(store, "0" * 64) == "missing"
    store.put(PACK)
    assert _reason(store, "0" * 64) == "missing"
    assert _reason(store, "../../etc") == "missing"
    assert _reason(store, tree_digest(PACK).upper()) == "missing"


def test_a_cache_folder_that_cannot_be_written_is_a_store_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_bytes(b"")
    store = PackStore(str(tmp_path / "file" / "central"))  # fails for root too
    with pytest.raises(StoreError, match="cannot be written") as caught:
        store.put(PACK)
    assert caught.value.reason == "unwritable"
    with pytest.raises(StoreError, match="cannot be written"):
        store.record("acme", "here", None, IndexEntry("abc"))


_HOLD_LOCK = "import sys, filelock; held = filelock.FileLock(sys.argv[1]); held.acquire(); print('held'); input()"


def test_a_writer_waits_for_the_lock_and_gives_up_clearly(tmp_path: Path) -> None:
    store = PackStore(str(tmp_path / "central"), lock_timeout=0.2)
    os.makedirs(store.root)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, os.path.join(store.root, "index.lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        with pytest.raises(StoreError, match="busy") as caught:
            store.record("acme", "here", None, IndexEntry("abc"))
        assert caught.value.reason == "busy"
    finally:
        holder.communicate("\n")
    store.record("acme", "here", None, IndexEntry("abc"))  # the lock is free again
    assert store.lookup("acme", "here", None) == IndexEntry("abc")


# -- damage ------------------------------------------------------------------------------------


def _edit(path: str, data: bytes) -> None:
    os.chmod(path, 0o644)
    Path(path).write_bytes(data)


def _swap_for_link(path: str) -> None:
    """The file replaced by a link to a copy of it outside the object: the same bytes, through a link."""
    outside = Path(path).parent.parent.parent / "outside"
    outside.write_bytes(Path(path).read_bytes())
    os.unlink(path)
    os.symlink(outside, path)


TAMPERING = {
    "edited": lambda d: _edit(os.path.join(d, "pack.yaml"), b"meta: {key: evil}\n"),
    "truncated": lambda d: _edit(os.path.join(d, "rules/one.yaml"), b"id: o"),
    "file added": lambda d: Path(d, "rules/extra.yaml").write_bytes(b"id: extra\n"),
    "file removed": lambda d: os.unlink(os.path.join(d, "README.md")),
    "link to the same bytes": lambda d: _swap_for_link(os.path.join(d, "pack.yaml")),
    "fifo": lambda d: (os.unlink(os.path.join(d, "README.md")), os.mkfifo(os.path.join(d, "README.md"))),
    "swollen": lambda d: _edit(os.path.join(d, "README.md"), b"x" * (MAX_PACK_BYTES + 10)),
    "too deep": lambda d: os.makedirs(os.path.join(d, *["d"] * 40)),
    "folder for a file": lambda d: (os.unlink(os.path.join(d, "README.md")), os.mkdir(os.path.join(d, "README.md"))),
}


@pytest.mark.parametrize("how", sorted(TAMPERING))
def test_a_tampered_object_is_damaged_and_put_repairs_it(store: PackStore, how: str) -> None:
    digest = store.put(PACK)
    TAMPERING[how](store.path(digest))
    assert _reason(store, digest) == "damaged"
    assert not store.intact(digest)
    assert store.put(PACK) == digest
    assert store.get(digest) == PACK


def test_an_object_folder_replaced_by_a_link_is_damaged(store: PackStore, tmp_path: Path) -> None:
    digest = store.put(PACK)
    good_copy = tmp_path / "copy"
    os.rename(store.path(digest), good_copy)
    os.symlink(good_copy, store.path(digest))
    assert _reason(store, digest) == "damaged"
    assert store.put(PACK) == digest
    assert store.get(digest) == PACK
    assert not os.path.islink(store.path(digest))


def test_a_file_where_the_object_folder_should_be_is_damaged(store: PackStore) -> None:
    digest = tree_digest(PACK)
    os.makedirs(store.objects)
    Path(store.path(digest)).write_bytes(b"")
    assert _reason(store, digest) == "damaged"
    assert store.put(PACK) == digest
    assert store.get(digest) == PACK


def test_a_deleted_store_is_missing_and_refills(store: PackStore) -> None:
    digest = store.put(PACK)
    store.record("acme", "https://example.com/p.git", "v1", IndexEntry("c0ffee", {"acme@1.0": digest}))
    subprocess.run(["rm", "-rf", store.root], check=True)  # as a user would, read-only files and all
    assert not os.path.exists(store.root)
    assert _reason(store, digest) == "missing"
    assert store.lookup("acme", "https://example.com/p.git", "v1") is None
    assert store.put(PACK) == digest
    assert store.get(digest) == PACK


# -- temporary files of writers that died ------------------------------------------------------

_KILLED_WRITER = textwrap.dedent(
    """
    import os, signal, sys
    from collections.abc import Mapping
    from packwarden.packs.store import PackStore

    class KilledHalfway(Mapping):
        # The writer is killed when it asks for a file while its temporary folder holds two.
        def __init__(self, files, objects):
            self.files, self.objects = files, objects
        def __getitem__(self, path):
            names = os.listdir(self.objects) if os.path.isdir(self.objects) else []
            if any(len(os.listdir(os.path.join(self.objects, name))) >= 2 for name in names):
                os.kill(os.getpid(), signal.SIGKILL)
            return self.files[path]
        def __iter__(self):
            return iter(self.files)
        def __len__(self):
            return len(self.files)

    store = PackStore(sys.argv[1])
    store.put(KilledHalfway({f"f{i}": b"x" * 1000 for i in range(6)}, store.objects))
    """
)


def _temporaries(folder: str) -> list[str]:
    return [name for name in os.listdir(folder) if ".tmp-" in name]


def test_a_writer_killed_halfway_leaves_no_object_and_sweep_removes_its_leftovers(store: PackStore) -> None:
    run = subprocess.run([sys.executable, "-c", _KILLED_WRITER, store.root], check=False)
    assert run.returncode == -signal.SIGKILL
    files = {f"f{i}": b"x" * 1000 for i in range(6)}
    digest = tree_digest(files)
    [left] = _temporaries(store.objects)
    assert len(os.listdir(os.path.join(store.objects, left))) == 2
    assert _reason(store, digest) == "missing"
    store.sweep()
    assert _temporaries(store.objects) == []
    assert store.put(files) == digest
    assert store.get(digest) == files


def test_sweep_keeps_what_live_writers_are_writing_and_removes_stale_names(store: PackStore) -> None:
    os.makedirs(store.objects)
    live = os.path.join(store.objects, f".tmp-{os.getpid()}-{'a' * 16}")
    old = os.path.join(store.objects, f".tmp-{os.getpid()}-{'b' * 16}")
    old_index = os.path.join(store.root, f".index.json.tmp-{os.getpid()}-{'c' * 16}")
    unrelated = os.path.join(store.objects, "notes.tmp")
    for folder in (live, old):
        os.mkdir(folder)
    Path(old_index).write_bytes(b"{")
    Path(unrelated).write_bytes(b"")
    two_hours_ago = time.time() - 7200
    os.utime(old, (two_hours_ago, two_hours_ago))
    os.utime(old_index, (two_hours_ago, two_hours_ago))
    store.sweep()
    assert sorted(os.listdir(store.objects)) == sorted([os.path.basename(live), "notes.tmp"])
    assert os.listdir(store.root) == ["objects"]


# -- the index ---------------------------------------------------------------------------------


def test_the_index_keeps_each_source_location_and_ref_apart(store: PackStore) -> None:
    digest = store.put(PACK)
    first = IndexEntry("abc", {"acme@1.0": digest}, {"payments": digest})
    second = IndexEntry("def", {"acme@1.1": digest})
    store.record("acme", "https://example.com/p.git", None, first)
    store.record("acme", "https://example.com/p.git", "v1.1", second)
    store.record("acme", "https://mirror.example.com/p.git", None, second)
    assert store.lookup("acme", "https://example.com/p.git", None) == first
    assert store.lookup("acme", "https://example.com/p.git", "v1.1") == second
    assert store.lookup("other", "https://example.com/p.git", None) is None
    assert len(store.entries()) == 3
    store.record("acme", "https://example.com/p.git", None, second)  # moved on
    assert store.lookup("acme", "https://example.com/p.git", None) == second


def test_record_refuses_an_entry_without_digests(store: PackStore) -> None:
    with pytest.raises(ValueError, match="sha256"):
        store.record("acme", "here", None, IndexEntry("abc", {"acme@1.0": "not-a-digest"}))
    assert not os.path.exists(store.index_path)


@pytest.mark.parametrize(
    "damage",
    [
        "truncated",
        "not json",
        "not utf-8",
        "wrong version",
        "bool version",
        "wrong shape",
        "bad digest",
        "extra key",
        "deep",
        "link",
    ],
)
def test_an_unreadable_index_counts_as_empty_and_is_rewritten(store: PackStore, tmp_path: Path, damage: str) -> None:
    digest = store.put(PACK)
    entry = IndexEntry("abc", MappingProxyType({"acme@1.0": digest}))
    store.record("acme", "here", "v1", entry)
    raw = Path(store.index_path).read_bytes()
    good = json.loads(raw)
    row = good["entries"][0]
    broken: bytes = {
        "truncated": raw[: len(raw) // 2],
        "not json": b"index",
        "not utf-8": b'{"version": 1, "entries": [], "x": "\xff"}',
        "wrong version": json.dumps({**good, "version": 2}).encode(),
        "bool version": json.dumps({**good, "version": True}).encode(),
        "wrong shape": json.dumps({**good, "entries": {"a": row}}).encode(),
        "bad digest": json.dumps({**good, "entries": [{**row, "packs": {"acme@1.0": "ab"}}]}).encode(),
        "extra key": json.dumps({**good, "entries": [{**row, "more": 1}]}).encode(),
        "deep": b"[" * 100_000,
        "link": b"",
    }[damage]
    if damage == "link":
        (tmp_path / "elsewhere.json").write_bytes(raw)
        os.unlink(store.index_path)
        os.symlink(tmp_path / "elsewhere.json", store.index_path)
    else:
        Path(store.index_path).write_bytes(broken)
    assert store.entries() == {}
    assert store.lookup("acme", "here", "v1") is None
    store.record("acme", "here", "v2", entry)
    assert store.entries() == {("acme", "here", "v2"): entry}


# -- many processes at once --------------------------------------------------------------------

ROUNDS = 12


def _pack(number: int) -> dict[str, bytes]:
    files = {"pack.yaml": f"meta: {{key: p{number}}}\n".encode()}
    files.update({f"rules/r{i}.yaml": f"id: r{number}-{i}\n".encode() * 200 for i in range(8)})
    return files


def _shared(number: int) -> dict[str, bytes]:
    return _pack(number)  # both writers put these: they race to rename the same object


def _own(writer: int, number: int) -> dict[str, bytes]:
    return _pack(1000 * (writer + 1) + number)


def _entry(writer: int, number: int) -> IndexEntry:
    return IndexEntry(
        f"commit-{writer}-{number}",
        {"shared@1.0": tree_digest(_shared(number)), "own@1.0": tree_digest(_own(writer, number))},
    )


def _expected_objects() -> dict[str, dict[str, bytes]]:
    packs = [_shared(n) for n in range(ROUNDS)] + [_own(w, n) for w in (0, 1) for n in range(ROUNDS)]
    return {tree_digest(files): files for files in packs}


def _writer(root: str, writer: int, start: object) -> None:
    store = PackStore(root)
    start.wait()  # type: ignore[attr-defined]
    for number in range(ROUNDS):
        store.put(_shared(number))
        store.put(_own(writer, number))
        store.record(f"w{writer}", "loc", f"r{number}", _entry(writer, number))
        store.record("both", "loc", None, _entry(writer, number))  # the last writer wins, whole


def _check_index(store: PackStore) -> list[str]:
    wrong = []
    for (source, location, ref), entry in store.entries().items():
        if source == "both":
            possible = [_entry(w, n) for w in (0, 1) for n in range(ROUNDS)]
        else:
            possible = [_entry(int(source[1:]), int(str(ref)[1:]))]
        if location != "loc" or entry not in possible:
            wrong.append(f"index entry {source} {ref}: {entry}")
    return wrong


def _reader(root: str, reader: int, start: object, stop: object, result: str) -> None:
    store = PackStore(root)
    expected = _expected_objects()
    wrong: list[str] = []
    seen = 0
    start.wait()  # type: ignore[attr-defined]
    while True:
        final = stop.is_set()  # type: ignore[attr-defined]
        for digest, files in expected.items():
            try:
                got = store.get(digest)
            except StoreError as exc:
                if exc.reason != "missing" or final:
                    wrong.append(str(exc))
                continue
            seen += 1
            if got != files:
                wrong.append(f"{digest}: wrong content")
        wrong.extend(_check_index(store))
        if os.path.exists(store.index_path) and not store.entries():
            wrong.append("the index was seen half-written")  # once written, it always has entries
        if reader % 4 == 0:
            store.sweep()  # sweeping beside live writers must never take their work away
        if final or wrong:
            break
    Path(result).write_text(json.dumps({"wrong": wrong, "seen": seen}))


def test_eight_readers_and_two_writers_at_once_leave_a_valid_store(store: PackStore, tmp_path: Path) -> None:
    spawn = multiprocessing.get_context("spawn")  # fresh interpreters, as separate hook runs are
    start, stop = spawn.Event(), spawn.Event()
    results = [str(tmp_path / f"reader{n}.json") for n in range(8)]
    readers = [spawn.Process(target=_reader, args=(store.root, n, start, stop, results[n])) for n in range(8)]
    writers = [spawn.Process(target=_writer, args=(store.root, w, start)) for w in (0, 1)]
    processes = readers + writers
    for process in processes:
        process.start()
    try:
        start.set()
        for process in writers:
            process.join(timeout=600)
        stop.set()
        for process in readers:
            process.join(timeout=600)
    finally:
        for process in processes:
            if process.is_alive():
                process.kill()
                process.join()
    assert [process.exitcode for process in processes] == [0] * 10
    for result in results:
        answer = json.loads(Path(result).read_text())
        assert answer["wrong"] == []
        assert answer["seen"] >= len(_expected_objects())  # its last pass, at least, read everything
    expected = _expected_objects()
    for digest, files in expected.items():
        assert store.get(digest) == files
    assert sorted(os.listdir(store.objects)) == sorted(expected)  # nothing half-written left
    entries = store.entries()
    assert _check_index(store) == []
    assert set(entries) == {(f"w{w}", "loc", f"r{n}") for w in (0, 1) for n in range(ROUNDS)} | {("both", "loc", None)}
    assert entries[("both", "loc", None)] in (_entry(0, ROUNDS - 1), _entry(1, ROUNDS - 1))
