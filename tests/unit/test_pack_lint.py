"""``packwarden packs lint``: each problem it finds, in a real pack file, at its line and column."""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest

from packwarden.model.errors import UsageError
from packwarden.packs.lint import LintProblem, lint


def write(folder: Path, ref: str, text: str) -> Path:
    """``folder/<ref>/pack.yaml`` holding ``text`` (dedented)."""
    path = folder / ref / "pack.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def found(*paths: Path | str) -> list[tuple[str, int, int, str]]:
    """Each problem as (file name below its folder, line, column, code)."""
    return [(Path(p.path).parent.name, p.line, p.column, p.code) for p in lint([str(x) for x in paths]).problems]


def messages(*paths: Path | str) -> list[str]:
    return [p.message for p in lint([str(x) for x in paths]).problems]


def test_a_clean_pack_has_no_problem(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "acme@1.0",
        """\
        meta: {key: acme, version: "1.0"}
        extends: [default@1.0]
        rules:
          - id: acme.owner
            applies_to: [skill]
            field: owner
            required: true
        """,
    )
    report = lint([str(path)])
    assert report.problems == ()
    assert report.packs == (str(path),)
    assert report.exit_code == 0


def test_schema_problems_are_the_readers_errors_at_their_place(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "acme@1.0",
        """\
        meta: {key: acme, version: "1.0"}
        rules:
          - id: acme.owner
            field: owner
            requried: true
        """,
    )
    (problem,) = lint([str(path)]).problems
    assert problem == LintProblem(str(path), 5, 5, "rules.0.requried: unknown key", "pack.invalid")
    assert problem.text() == f"{path}:5:5: rules.0.requried: unknown key [pack.invalid]"


def test_every_warning_of_the_reader_is_shown(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "acme@1.0",
        """\
        meta: {key: acme, version: "1.0"}
        constraints: {x: 1}
        rules:
          - id: acme.never
            field: owner
            required: false
        """,
    )
    assert found(path) == [("acme@1.0", 2, 1, "pack.meaningless"), ("acme@1.0", 4, 5, "pack.meaningless")]
    assert "not enforced by this packwarden version" in messages(path)[0]
    assert "can never find anything" in messages(path)[1]


def test_an_id_defined_twice_in_one_pack_is_the_readers_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "acme@1.0",
        """\
        meta: {key: acme, version: "1.0"}
        rules:
          - {id: acme.a, field: owner, required: true}
          - {id: acme.a, field: name, required: true}
        """,
    )
    assert found(path) == [("acme@1.0", 4, 5, "pack.invalid")]
    assert messages(path) == ["rule id acme.a is defined twice"]


def test_a_rule_replacing_an_inherited_one_is_a_duplicate(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "acme@1.0",
        """\
        meta: {key: acme, version: "1.0"}
        extends: [default@1.0]
        rules:
          - id: skill.name-format
            applies_to: [skill]
            field: name
            pattern: '^[a-z]+$'
        """,
    )
    assert found(path) == [("acme@1.0", 4, 9, "lint.duplicate-rule")]
    (message,) = messages(path)
    assert message.startswith("rule skill.name-format is also defined by default@1.0 (<builtin>/default@1.0/pack.yaml:")


def test_a_rule_for_a_kind_without_globs_never_runs(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "acme@1.0",
        """\
        meta: {key: acme, version: "1.0"}
        rules:
          - id: acme.commit-text
            applies_to: [commit]
            forbidden_pattern: 'WIP'
          - id: acme.listed
            applies_to: [registry]
            field: name
            required: true
        """,
    )
    assert found(path) == [("acme@1.0", 4, 17, "lint.unreachable-rule"), ("acme@1.0", 7, 17, "lint.unreachable-rule")]
    assert "rule acme.commit-text never runs: it applies to commit" in messages(path)[0]


def test_an_empty_artifacts_entry_stops_inherited_rules(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "acme@1.0",
        """\
        meta: {key: acme, version: "1.0"}
        extends: [default@1.0]
        artifacts:
          agent: []
        """,
    )
    assert found(path) == [("acme@1.0", 4, 3, "lint.unreachable-rule")]
    (message,) = messages(path)
    assert message.startswith("artifacts.agent is empty: the inherited rules agent.name-required,")
    assert message.endswith("and 4 more never run")


def test_a_rule_with_its_own_globs_is_reachable(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "acme@1.0",
        """\
        meta: {key: acme, version: "1.0"}
        artifacts: {commit: [".git-message"]}
        rules:
          - {id: acme.no-wip, applies_to: [commit], forbidden_pattern: WIP}
        """,
    )
    assert found(path) == []


@pytest.mark.parametrize(
    ("pattern", "refusal"),
    [("(a)\\1", "invalid escape sequence: \\1"), ("foo(?=bar)", "invalid perl operator: (?=")],
)
def test_a_pattern_re2_cannot_take_is_a_problem(tmp_path: Path, pattern: str, refusal: str) -> None:
    path = write(
        tmp_path,
        "acme@1.0",
        f"""\
        meta: {{key: acme, version: "1.0"}}
        rules:
          - id: acme.name
            field: name
            pattern: '{pattern}'
          - id: acme.linear
            field: name
            forbidden_pattern: '^[a-z]+(-[a-z]+)*$'
        """,
    )
    assert found(path) == [("acme@1.0", 5, 14, "lint.not-re2")]
    (message,) = messages(path)
    assert f"rule acme.name: pattern {pattern!r} is not RE2 ({refusal})" in message
    assert "back-tracking fallback" in message


def test_a_folder_named_otherwise_than_its_pack(tmp_path: Path) -> None:
    path = write(tmp_path, "acme@1.0", 'meta: {key: acme, version: "2.0"}\n')
    assert found(path) == [("acme@1.0", 1, 13, "lint.misnamed")]
    assert messages(path)[0].startswith("the folder is acme@1.0 but the pack says acme@2.0")


def test_an_unknown_parent_is_a_problem_at_its_extends_entry(tmp_path: Path) -> None:
    path = write(tmp_path, "acme@1.0", 'meta: {key: acme, version: "1.0"}\nextends: [default@1.0, nosuch@1.0]\n')
    (problem,) = lint([str(path)]).problems
    assert (problem.path, problem.line, problem.column, problem.code) == (str(path), 2, 24, "pack.invalid")
    assert problem.message.startswith("no built-in pack 'nosuch@1.0'")


def test_packs_of_one_folder_extend_each_other_before_the_builtin_ones(tmp_path: Path) -> None:
    write(tmp_path, "base@1.0", 'meta: {key: base, version: "1.0"}\nextends: [default@1.0]\n')
    # the folder's own default@1.0 finds no agents; the built-in one would
    write(tmp_path, "default@1.0", 'meta: {key: default, version: "1.0"}\nartifacts: {agent: []}\n')
    child = write(
        tmp_path,
        "child@1.0",
        """\
        meta: {key: child, version: "1.0"}
        extends: [base]
        rules:
          - {id: child.agent-owner, applies_to: [agent], field: owner, required: true}
        """,
    )
    assert found(child) == [("child@1.0", 4, 41, "lint.unreachable-rule")]
    assert found(tmp_path) == [("child@1.0", 4, 41, "lint.unreachable-rule")]
    (tmp_path / "default@1.0" / "pack.yaml").unlink()
    (tmp_path / "default@1.0").rmdir()
    assert found(child) == []  # the built-in default@1.0 finds agents


def test_a_broken_parent_in_the_folder_is_reported_at_the_parent(tmp_path: Path) -> None:
    write(tmp_path, "base@1.0", 'meta: {key: base, version: "1.0"}\nrules: [{id: a.b}]\n')
    child = write(tmp_path, "child@1.0", 'meta: {key: child, version: "1.0"}\nextends: [base@1.0]\n')
    assert found(child) == [("base@1.0", 2, 9, "pack.invalid")]


def test_a_cycle_in_the_folder_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "a@1.0", 'meta: {key: a, version: "1.0"}\nextends: [b@1.0]\n')
    write(tmp_path, "b@1.0", 'meta: {key: b, version: "1.0"}\nextends: [a@1.0]\n')
    assert {(name, code) for name, _, _, code in found(tmp_path)} == {
        ("a@1.0", "pack.invalid"),
        ("b@1.0", "pack.invalid"),
    }
    assert all("extends cycle" in message for message in messages(tmp_path))


def test_a_pack_folder_and_a_pack_file_are_read_alike(tmp_path: Path) -> None:
    path = write(tmp_path, "acme@1.0", 'meta: {key: acme, version: "2.0"}\n')
    assert found(path.parent) == found(path) == [("acme@1.0", 1, 13, "lint.misnamed")]


def test_entries_of_a_folder_that_are_no_pack(tmp_path: Path) -> None:
    (tmp_path / "-x@1.0").mkdir()
    (tmp_path / "Acme@1.0").mkdir()
    (tmp_path / "file@1.0").write_text("meta: {}\n")
    (tmp_path / "empty@1.0").mkdir()
    (tmp_path / "README.md").write_text("not a pack\n")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "linked@1.0").symlink_to(tmp_path / "elsewhere", target_is_directory=True)
    problems = {(Path(p.path).name, p.code): p.message for p in lint([str(tmp_path)]).problems}
    assert set(problems) == {
        ("-x@1.0", "pack.invalid"),
        ("Acme@1.0", "pack.invalid"),
        ("file@1.0", "pack.invalid"),
        ("pack.yaml", "pack.invalid"),  # empty@1.0/pack.yaml is missing
        ("linked@1.0", "path.symlink"),
    }
    assert problems[("-x@1.0", "pack.invalid")].startswith("is not a pack folder name")
    assert problems[("pack.yaml", "pack.invalid")].startswith("is missing")


def test_a_pack_file_linked_out_of_its_folder_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "outside.yaml"
    outside.write_text('meta: {key: acme, version: "1.0"}\n')
    folder = tmp_path / "central" / "acme@1.0"
    folder.mkdir(parents=True)
    (folder / "pack.yaml").symlink_to(outside)
    assert found(tmp_path / "central") == [("acme@1.0", 1, 1, "path.outside-repo")]
    assert messages(tmp_path / "central") == ["is a link out of its pack folder; not read"]
    assert found(folder) == [("acme@1.0", 1, 1, "path.outside-repo")]


def test_a_link_inside_its_pack_folder_is_followed(tmp_path: Path) -> None:
    folder = tmp_path / "acme@1.0"
    folder.mkdir()
    (folder / "real.yaml").write_text('meta: {key: acme, version: "1.0"}\n')
    (folder / "pack.yaml").symlink_to("real.yaml")
    assert found(tmp_path) == []


def test_hostile_pack_files_are_located_problems(tmp_path: Path) -> None:
    huge = write(tmp_path, "huge@1.0", 'meta: {key: huge, version: "1.0"}\n' + "#" * 2_000_000 + "\n")
    deep = write(tmp_path, "deep@1.0", 'meta: {key: deep, version: "1.0"}\ndefaults: ' + "[" * 5000 + "]" * 5000)
    fifo = tmp_path / "fifo@1.0" / "pack.yaml"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    problems = {Path(p.path).parent.name: (p.code, p.message) for p in lint([str(tmp_path)]).problems}
    assert problems[huge.parent.name][0] == "parse.too-large"
    assert problems[deep.parent.name] == ("parse.too-deep", "nested deeper than 64 levels")
    assert problems["fifo@1.0"][0] == "path.unreadable"


def test_a_path_that_cannot_be_read_at_all_is_a_usage_error(tmp_path: Path) -> None:
    fifo = tmp_path / "pack.yaml"
    os.mkfifo(fifo)
    with pytest.raises(UsageError, match="is not a file or a folder"):
        lint([str(fifo)])
    with pytest.raises(UsageError, match="cannot read: No such file or directory"):
        lint([str(tmp_path / "nosuch")])
    (tmp_path / "plain").mkdir()
    with pytest.raises(UsageError, match=r"neither a pack \(no pack.yaml\) nor a folder"):
        lint([str(tmp_path / "plain")])


def test_a_betty_profile_is_linted_too(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "profile@1.0",
        """\
        policy:
          name: profile
          version: "1.0"
          rules:
            - id: profile.name
              field: name
              check: pattern
              pattern: '(x)\\1'
        """,
    )
    assert [code for _, _, _, code in found(path)][-1] == "lint.not-re2"
