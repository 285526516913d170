"""``packwarden packs new|lint|verify`` through the real command (a subprocess of this venv's
``packwarden``), and ``packs new`` and the pack files' ``extra`` hook in-process."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from packwarden.model.digest import git_blob_id
from packwarden.model.errors import UsageError
from packwarden.packs.files import EXTRA, PackFile, PackFiles
from packwarden.packs.reader import read_pack, reserved_prefix
from packwarden.packs.resolve import load_chain
from packwarden.packs.scaffold import create, key_problem, pack_files
from packwarden.packs.schema import PACK_KEY

PACKWARDEN = str(Path(sys.executable).parent / "packwarden")


def packwarden(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [PACKWARDEN, *args], cwd=cwd, capture_output=True, text=True, check=False, timeout=120, env=os.environ
    )
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode != 3, done.stderr  # never an internal error
    return done


def test_new_then_lint_and_verify_exit_0(tmp_path: Path) -> None:
    made = packwarden(tmp_path, "packs", "new", "acme", "--dir", "central")
    assert made.returncode == 0, made.stderr
    assert made.stdout.splitlines() == [
        "made central/acme@1.0/pack.yaml",
        "made central/acme@1.0/examples/pass/skills/data-transform/skill.yaml",
        "made central/acme@1.0/examples/fail/skills/no-owner/skill.yaml",
        "next: packwarden packs lint central/acme@1.0 && packwarden packs verify central",
    ]
    child = packwarden(tmp_path, "packs", "new", "acme-strict", "--dir", "central", "--extends", "acme@1.0")
    assert child.returncode == 0, child.stderr
    linted = packwarden(tmp_path, "packs", "lint", "central")
    assert (linted.returncode, linted.stdout) == (0, "")
    assert linted.stderr == "2 pack(s) linted, 0 problem(s)\n"
    verified = packwarden(tmp_path, "packs", "verify", "central")
    assert verified.returncode == 0, verified.stdout
    assert verified.stdout.splitlines() == [
        "ok   acme@1.0: examples/pass, examples/fail",
        "ok   acme-strict@1.0: examples/pass, examples/fail",
    ]


def test_new_refuses_what_exists_and_bad_keys(tmp_path: Path) -> None:
    assert packwarden(tmp_path, "packs", "new", "acme").returncode == 0
    pack = tmp_path / "acme@1.0" / "pack.yaml"
    pack.write_text("# mine\n")
    again = packwarden(tmp_path, "packs", "new", "acme")
    assert again.returncode == 2
    assert again.stderr == "packwarden: error: ./acme@1.0 already exists; packs new never overwrites\n"
    assert pack.read_text() == "# mine\n"
    for key in ("Acme", "-x", "a@1.0", "a/b", "", "x" * 65):
        refused = packwarden(tmp_path, "packs", "new", "--", key)
        assert refused.returncode == 2, key
        assert refused.stderr.startswith("packwarden: error: "), refused.stderr
    looks_like_an_option = packwarden(tmp_path, "packs", "new", "-x@1.0")
    assert looks_like_an_option.returncode == 2
    assert "usage: packwarden packs new" in looks_like_an_option.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["acme@1.0"]  # nothing else was made


def test_new_refuses_an_unknown_parent(tmp_path: Path) -> None:
    done = packwarden(tmp_path, "packs", "new", "acme", "--extends", "nosuch@1.0")
    assert done.returncode == 2
    assert done.stderr.startswith("packwarden: error: --extends nosuch@1.0: no such pack in ., and no built-in pack")
    with pytest.raises(UsageError, match="give a pack ref"):
        create(str(tmp_path), "acme", "../base.yaml")
    assert list(tmp_path.iterdir()) == []


def test_lint_exit_codes_and_lines(tmp_path: Path) -> None:
    folder = tmp_path / "central" / "re@1.0"
    folder.mkdir(parents=True)
    (folder / "pack.yaml").write_text(
        'meta: {key: re, version: "1.0"}\nrules:\n  - {id: re.x, field: n, pattern: "(a)\\\\1"}\n'
    )
    done = packwarden(tmp_path, "packs", "lint", "central")
    assert done.returncode == 1
    (line,) = done.stdout.splitlines()
    assert re.fullmatch(
        r"central/re@1\.0/pack\.yaml:3:35: rule re\.x: pattern '\(a\)\\\\1' is not RE2 .* \[lint\.not-re2\]", line
    )
    as_json = packwarden(tmp_path, "packs", "lint", "--json", "central/re@1.0/pack.yaml")
    assert as_json.returncode == 1
    data = json.loads(as_json.stdout)
    assert data["packs"] == ["central/re@1.0/pack.yaml"]
    assert [(p["line"], p["column"], p["code"]) for p in data["problems"]] == [(3, 35, "lint.not-re2")]
    assert packwarden(tmp_path, "packs", "lint", "nosuch").returncode == 2
    os.mkfifo(tmp_path / "fifo.yaml")
    fifo = packwarden(tmp_path, "packs", "lint", "fifo.yaml")
    assert (fifo.returncode, fifo.stderr) == (
        2,
        "packwarden: error: fifo.yaml: is not a file or a folder (a FIFO, socket or device); not read\n",
    )


def test_lint_of_hostile_folders_gives_lines_not_tracebacks(tmp_path: Path) -> None:
    central = tmp_path / "central"
    for name, text in {
        "huge@1.0": 'meta: {key: huge, version: "1.0"}\n' + "#" * 2_000_000,
        "deep@1.0": 'meta: {key: deep, version: "1.0"}\ndefaults: ' + "{a: " * 3000 + "1" + "}" * 3000,
        "-x@1.0": 'meta: {key: x, version: "1.0"}\n',
    }.items():
        (central / name).mkdir(parents=True)
        (central / name / "pack.yaml").write_text(text)
    (central / "out@1.0").mkdir()
    (central / "out@1.0" / "pack.yaml").symlink_to("/etc/hostname")
    (central / "fifo@1.0").mkdir()
    os.mkfifo(central / "fifo@1.0" / "pack.yaml")
    done = packwarden(tmp_path, "packs", "lint", "central")
    assert done.returncode == 1
    codes = sorted(line.rsplit(" ", 1)[1] for line in done.stdout.splitlines())
    assert codes == [
        "[pack.invalid]",
        "[parse.too-deep]",
        "[parse.too-large]",
        "[path.outside-repo]",
        "[path.unreadable]",
    ]
    assert all(re.match(r"central/\S+:\d+:\d+: ", line) for line in done.stdout.splitlines())
    option_like = packwarden(central, "packs", "lint", "--", "-x@1.0")
    assert (option_like.returncode, option_like.stdout) == (0, "")  # linted alone: its name is no pack ref
    for name in ("huge@1.0", "deep@1.0", "out@1.0", "fifo@1.0"):
        (central / name / "examples" / "pass").mkdir(parents=True)
    verified = packwarden(tmp_path, "packs", "verify", "central")
    assert verified.returncode == 1
    failed = sorted(line.split(":", 1)[0] for line in verified.stdout.splitlines())
    assert failed == [f"FAIL central/{name}" for name in ("-x@1.0", "deep@1.0", "fifo@1.0", "huge@1.0", "out@1.0")]
    assert "FAIL central/out@1.0: the pack cannot be built: " in verified.stdout
    assert "is a link out of its pack folder; not read" in verified.stdout


def test_verify_names_the_failing_example_and_exits_1(tmp_path: Path) -> None:
    assert packwarden(tmp_path, "packs", "new", "acme", "--dir", "central").returncode == 0
    example = tmp_path / "central/acme@1.0/examples/fail/skills/no-owner/skill.yaml"
    example.write_text("name: data.transform\nversion: 1.0.0\nstatus: active\nowner: x\n")
    done = packwarden(tmp_path, "packs", "verify", "central")
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "FAIL central/acme@1.0/examples/fail/skills/no-owner/skill.yaml: no finding: a fail example must trip a rule",
        "FAIL central/acme@1.0/examples: no fail example trips acme.skill-owner",
    ]
    assert done.stderr == "1 pack(s), 1 failed\n"
    data = json.loads(packwarden(tmp_path, "packs", "verify", "central", "--json").stdout)
    assert [f["path"] for f in data["packs"][0]["failures"]] == [
        "central/acme@1.0/examples/fail/skills/no-owner/skill.yaml",
        "central/acme@1.0/examples",
    ]
    empty = packwarden(tmp_path, "packs", "verify", ".")
    assert (empty.returncode, empty.stderr) == (2, "packwarden: error: .: holds no <key>@<version>/ pack\n")
    assert packwarden(tmp_path, "packs", "verify", "nosuch").returncode == 2


def test_verify_the_builtin_packs_folder(tmp_path: Path) -> None:
    from packwarden.packs.builtin import policies_root

    done = packwarden(tmp_path, "packs", "verify", str(policies_root()))
    assert done.returncode == 0, done.stdout
    assert len(done.stdout.splitlines()) >= 6


@given(st.from_regex(r"[a-z0-9][a-z0-9_.-]{0,63}", fullmatch=True))
def test_every_key_the_schema_takes_makes_a_pack_that_reads(key: str) -> None:
    assert re.fullmatch(PACK_KEY, key)
    assert key_problem(key) is None
    pack = read_pack(pack_files(key, "default@1.0")["pack.yaml"].encode(), "pack.yaml")
    assert pack.ref == f"{key}@1.0"
    assert pack.warnings == ()
    (rule,) = pack.rules
    assert rule.id.startswith(key) and reserved_prefix(rule.id) is None


def test_extra_packs_come_before_the_builtin_ones_and_are_recorded(tmp_path: Path) -> None:
    raw = b'meta: {key: default, version: "1.0"}\nrules: [{id: mine.x, field: name, required: true}]\n'
    served: dict[str, tuple[str, bytes]] = {"default@1.0": ("central/default@1.0/pack.yaml", raw)}
    files = PackFiles(str(tmp_path), extra=served.get)
    (pack,) = load_chain("default@1.0", tmp_path, files)
    assert (pack.source, [rule.id for rule in pack.rules]) == ("central/default@1.0/pack.yaml", ["mine.x"])
    recorded = PackFile(EXTRA + "default@1.0", "central/default@1.0/pack.yaml", (), git_blob_id(raw), False)
    assert files.read == [recorded]
    assert files.unchanged(recorded)
    served["default@1.0"] = ("central/default@1.0/pack.yaml", raw + b"# changed\n")
    assert not files.unchanged(recorded)
    del served["default@1.0"]
    assert not files.unchanged(recorded)
    (builtin,) = load_chain("default@1.0", tmp_path, files)  # no longer served: the built-in one
    assert builtin.source == "<builtin>/default@1.0/pack.yaml"
