"""A dir source, and the layout every git or dir source is read by: packs, projects, links, caps."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from packwarden.load.limits import MAX_PACK_BYTES
from packwarden.packs.digest import tree_digest
from packwarden.packs.sources import SourceError, SourceSpec, fetch, layout
from tests.support.gitrepo import write_files

PACK = "meta: {key: acme, version: '1.0'}\nrules: []\n"


def source(tmp_path: Path, files: dict[str, str | bytes]) -> Path:
    top = tmp_path / "central"
    top.mkdir(parents=True)
    write_files(top, files)
    return top


def read(tmp_path: Path, top: Path, pinned: str | None = None):  # type: ignore[no-untyped-def]
    spec = SourceSpec(name="shared", kind="dir", location=str(top))
    return fetch(spec, root=str(tmp_path), work=str(tmp_path / "work"), pinned=pinned)


def refused(tmp_path: Path, top: Path) -> str:
    with pytest.raises(SourceError) as caught:
        read(tmp_path, top)
    message = str(caught.value)
    assert message.startswith("source shared: ")
    assert "\n" not in message
    return message


def test_packs_and_projects_are_read_and_examples_are_not(tmp_path: Path) -> None:
    top = source(
        tmp_path,
        {
            "acme@1.0/pack.yaml": PACK,
            "acme@1.0/docs/notes.md": "why\n",
            "acme@1.0/examples/fail/skill.yaml": "name: 1\n",
            "acme@2.0/pack.yaml": PACK.replace("1.0", "2.0"),
            "README.md": "not a pack\n",
            ".github/workflows/ci.yml": "on: push\n",
            "projects/payments-api.yml": "pack: acme@1.0\n",
            "projects/README.md": "skipped\n",
            "projects/old/ignored.yml": "skipped\n",
        },
    )
    snapshot = read(tmp_path, top)
    assert snapshot.source == "shared"
    assert dict(snapshot.packs) == {
        "acme@1.0": {"docs/notes.md": b"why\n", "pack.yaml": PACK.encode()},
        "acme@2.0": {"pack.yaml": PACK.replace("1.0", "2.0").encode()},
    }
    assert dict(snapshot.projects) == {"payments-api": b"pack: acme@1.0\n"}
    flat = {
        "acme@1.0/docs/notes.md": b"why\n",
        "acme@1.0/pack.yaml": PACK.encode(),
        "acme@2.0/pack.yaml": PACK.replace("1.0", "2.0").encode(),
        "projects/payments-api.yml": b"pack: acme@1.0\n",
    }
    assert snapshot.resolved == "sha256:" + tree_digest(flat)


def test_a_relative_location_starts_at_the_repository_root(tmp_path: Path) -> None:
    source(tmp_path, {"acme@1.0/pack.yaml": PACK})
    repo = tmp_path / "repo"
    repo.mkdir()
    spec = SourceSpec(name="shared", kind="dir", location="../central")
    snapshot = fetch(spec, root=str(repo), work=str(tmp_path / "work"))
    assert list(snapshot.packs) == ["acme@1.0"]


def test_a_missing_folder_is_named(tmp_path: Path) -> None:
    message = refused(tmp_path, tmp_path / "nowhere")
    assert "nowhere: no such folder" in message


def test_the_pin_holds_the_content(tmp_path: Path) -> None:
    top = source(tmp_path, {"acme@1.0/pack.yaml": PACK})
    first = read(tmp_path, top)
    assert read(tmp_path, top, pinned=first.resolved) == first
    (top / "acme@1.0" / "pack.yaml").write_text(PACK + "# changed\n")
    second = read(tmp_path, top)
    assert second.resolved != first.resolved
    with pytest.raises(SourceError, match=r"no longer holds what the lock pinned .*packwarden pull --update"):
        read(tmp_path, top, pinned=first.resolved)


def test_links_inside_a_pack_are_stored_as_their_targets_bytes(tmp_path: Path) -> None:
    top = source(tmp_path, {"acme@1.0/pack.yaml": PACK, "acme@1.0/shared/base.yaml": "base: 1\n"})
    os.symlink("shared/base.yaml", top / "acme@1.0" / "base.yaml")
    os.symlink("../base.yaml", top / "acme@1.0" / "shared" / "again.yaml")  # a link to a link
    files = read(tmp_path, top).packs["acme@1.0"]
    assert files["base.yaml"] == files["shared/again.yaml"] == b"base: 1\n"


@pytest.mark.parametrize(
    ("name", "target", "why"),
    [
        ("out.yaml", "../other@1.0/pack.yaml", "a link that leads out of acme@1.0"),
        ("etc.yaml", "/etc/passwd", "a link to an absolute path (/etc/passwd)"),
        ("folder.yaml", "shared", "which is not a file of acme@1.0"),
        ("dangling.yaml", "missing.yaml", "which is not a file of acme@1.0"),
        ("loop.yaml", "loop.yaml", "links in a row (a loop?)"),
        ("examples.yaml", "examples/pass/skill.yaml", "which is not a file of acme@1.0"),
    ],
)
def test_a_link_that_leaves_the_pack_is_refused(tmp_path: Path, name: str, target: str, why: str) -> None:
    top = source(
        tmp_path,
        {
            "acme@1.0/pack.yaml": PACK,
            "acme@1.0/shared/base.yaml": "base: 1\n",
            "acme@1.0/examples/pass/skill.yaml": "name: a\n",
            "other@1.0/pack.yaml": PACK,
        },
    )
    os.symlink(target, top / "acme@1.0" / name)
    message = refused(tmp_path, top)
    assert f"acme@1.0/{name}: " in message
    assert why in message


def test_a_file_over_the_cap_is_named(tmp_path: Path) -> None:
    top = source(tmp_path, {"acme@1.0/pack.yaml": PACK, "acme@1.0/big.bin": b"x" * (MAX_PACK_BYTES + 1)})
    message = refused(tmp_path, top)
    assert f"acme@1.0/big.bin: the file is {MAX_PACK_BYTES + 1} bytes; the limit is {MAX_PACK_BYTES}" in message


def test_a_pack_of_too_many_files_is_refused(tmp_path: Path) -> None:
    files: dict[str, str | bytes] = {f"acme@1.0/rules/{n:03}.yaml": "x\n" for n in range(layout.MAX_PACK_FILES)}
    top = source(tmp_path, {**files, "acme@1.0/pack.yaml": PACK})
    assert f"acme@1.0: more than {layout.MAX_PACK_FILES} files in one pack" in refused(tmp_path, top)


def test_a_pack_over_the_total_cap_is_refused_before_it_is_read(tmp_path: Path) -> None:
    count = layout.MAX_PACK_TOTAL // MAX_PACK_BYTES + 1
    files: dict[str, str | bytes] = {f"acme@1.0/blob{n}.bin": b"x" * MAX_PACK_BYTES for n in range(count)}
    top = source(tmp_path, {**files, "acme@1.0/pack.yaml": PACK})
    assert f"acme@1.0: the pack holds more than {layout.MAX_PACK_TOTAL} bytes" in refused(tmp_path, top)


def test_a_pack_of_too_many_folders_or_no_pack_yaml_is_refused(tmp_path: Path) -> None:
    top = source(tmp_path, {"acme@1.0/pack.yaml": PACK})
    for n in range(layout.MAX_PACK_FILES + 1):
        (top / "acme@1.0" / f"empty{n}").mkdir()
    assert f"acme@1.0: more than {layout.MAX_PACK_FILES} folders in one pack" in refused(tmp_path, top)
    other = source(tmp_path / "other", {"acme@1.0/rules.yaml": PACK, "acme@1.0/examples/pack.yaml": PACK})
    assert "acme@1.0: no pack.yaml in the pack folder" in refused(tmp_path, other)


def test_a_source_of_too_many_packs_is_refused(tmp_path: Path) -> None:
    top = source(tmp_path, {f"p{n}@1.0/pack.yaml": PACK for n in range(layout.MAX_PACKS + 1)})
    assert f"more than {layout.MAX_PACKS} packs in one source" in refused(tmp_path, top)


@pytest.mark.parametrize(
    ("files", "where", "why"),
    [
        ({"-rf@1.0/pack.yaml": PACK}, "-rf@1.0", "not a pack name"),
        ({"Acme@1.0/pack.yaml": PACK}, "Acme@1.0", "not a pack name"),
        ({"acme@1.0-beta/pack.yaml": PACK}, "acme@1.0-beta", "not a pack name"),
        ({"acme@1.0": PACK}, "acme@1.0", "a pack must be a folder, not a file"),
        (
            {"acme@1.0/pack.yaml": PACK, "acme@1.0/bad\nname.yaml": "x"},
            "acme@1.0/bad\\nname.yaml",
            "control characters",
        ),
        ({"acme@1.0/pack.yaml": PACK, "acme@1.0/back\\slash": "x"}, "acme@1.0/back\\slash", "a backslash"),
        ({"projects/-rf.yml": "pack: a@1\n"}, "projects/-rf.yml", "not a project file name"),
        ({"projects": "not a folder"}, "projects", "projects must be a folder"),
    ],
)
def test_odd_names_are_refused_by_name(tmp_path: Path, files: dict[str, str | bytes], where: str, why: str) -> None:
    message = refused(tmp_path, source(tmp_path, files))
    assert f"source shared: {where}: " in message
    assert why in message


def test_a_pack_folder_that_is_a_link_is_refused(tmp_path: Path) -> None:
    top = source(tmp_path, {"acme@1.0/pack.yaml": PACK})
    os.symlink("acme@1.0", top / "acme@1.1")
    assert "acme@1.1: a pack must be a folder, not a link" in refused(tmp_path, top)


def test_a_name_that_is_not_utf8_is_refused(tmp_path: Path) -> None:
    top = source(tmp_path, {"acme@1.0/pack.yaml": PACK})
    with open(os.fsencode(top / "acme@1.0") + b"/caf\xe9.yaml", "wb") as handle:
        handle.write(b"x")
    assert "invalid UTF-8" in refused(tmp_path, top)


def test_a_fifo_in_a_pack_is_refused_without_waiting_on_it(tmp_path: Path) -> None:
    top = source(tmp_path, {"acme@1.0/pack.yaml": PACK})
    os.mkfifo(top / "acme@1.0" / "pipe.yaml")
    assert "acme@1.0/pipe.yaml: a special file (FIFO, socket or device)" in refused(tmp_path, top)


def test_project_files_may_link_inside_projects(tmp_path: Path) -> None:
    top = source(tmp_path, {"projects/payments.yml": "pack: acme@1.0\n"})
    os.symlink("payments.yml", top / "projects" / "billing.yml")
    os.symlink("../secret.yml", top / "projects" / "leak.yml")
    assert "projects/leak.yml: a link that leads out of projects" in refused(tmp_path, top)
    (top / "projects" / "leak.yml").unlink()
    assert dict(read(tmp_path, top).projects) == {"billing": b"pack: acme@1.0\n", "payments": b"pack: acme@1.0\n"}


# The canonical form is shared with the store (packs/store.py): these bytes pin it.
GOLDEN = {"b/x": b"1", "a": b"", "a\u00e9": b"\x00\xff"}
GOLDEN_DIGEST = "7fb13bc1dadaff0d3ed16e3017d3fa3196c02e8a0a1c465906abd462f9404cb1"


def test_the_tree_digest_is_sha256_of_the_canonical_form() -> None:
    import hashlib

    form = b"a\x000\x00" + b"a\xc3\xa9\x002\x00\x00\xff" + b"b/x\x001\x001"
    assert tree_digest(GOLDEN) == hashlib.sha256(form).hexdigest()
    assert tree_digest(GOLDEN) == GOLDEN_DIGEST


paths = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=8)


@given(st.dictionaries(paths, st.binary(max_size=8), max_size=5), st.data())
def test_the_tree_digest_tells_every_change(files: dict[str, bytes], data: st.DataObject) -> None:
    assert tree_digest(dict(reversed(list(files.items())))) == tree_digest(files)  # order does not count
    changed = dict(files)
    path = data.draw(paths)
    changed[path] = files.get(path, b"") + data.draw(st.binary(min_size=1, max_size=4))
    assert tree_digest(changed) != tree_digest(files)
    if files:
        moved = dict(files)
        first = sorted(moved)[0]
        content = moved.pop(first)
        moved[first + "/"] = content
        assert tree_digest(moved) != tree_digest(files)
