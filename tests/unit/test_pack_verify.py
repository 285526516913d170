"""``packwarden packs verify``: a folder of packs run over their own examples (``pack_examples``)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from packwarden.model.errors import UsageError
from packwarden.pack_examples import covered, declared_rules, verify_folder
from packwarden.packs.scaffold import create
from tests.support.gitrepo import git, make_repo

GOOD = "name: data.transform\nversion: 1.0.0\nstatus: active\n"


def central(tmp_path: Path) -> Path:
    """A central folder: acme@1.0 (a rule of its own on top of default@1.0) and acme-strict@1.0
    extending it by ref, each with the examples ``packs new`` makes."""
    folder = tmp_path / "central"
    create(str(folder), "acme")
    create(str(folder), "acme-strict", "acme@1.0")
    return folder


def failures(folder: Path) -> list[str]:
    return [failure.text() for verdict in verify_folder(str(folder)).packs for failure in verdict.failures]


def test_made_packs_pass_their_examples(tmp_path: Path) -> None:
    report = verify_folder(str(central(tmp_path)))
    assert [(v.ref, v.trees, v.failures) for v in report.packs] == [
        ("acme@1.0", ("pass", "fail"), ()),
        ("acme-strict@1.0", ("pass", "fail"), ()),
    ]
    assert report.exit_code == 0


def test_a_fail_example_without_any_finding_is_named(tmp_path: Path) -> None:
    folder = central(tmp_path)
    example = folder / "acme@1.0/examples/fail/skills/no-owner/skill.yaml"
    example.write_text(GOOD + "owner: data-platform\n")
    shown = f"{folder}/acme@1.0/examples"
    assert failures(folder) == [
        f"{shown}/fail/skills/no-owner/skill.yaml: no finding: a fail example must trip a rule",
        f"{shown}: no fail example trips acme.skill-owner",
    ]
    assert verify_folder(str(folder)).exit_code == 1


def test_a_rule_its_first_comment_names_must_be_found_there(tmp_path: Path) -> None:
    folder = central(tmp_path)
    example = folder / "acme-strict@1.0/examples/fail/skills/no-owner/skill.yaml"
    example.write_text(
        "# acme-strict.skill-owner, skill.name-format\nname: data.transform\nversion: 1.0.0\nstatus: x\n"
    )
    assert failures(folder) == [
        f"{folder}/acme-strict@1.0/examples/fail/skills/no-owner/skill.yaml: its first comment names "
        "skill.name-format, not found there"
    ]


def test_a_pass_example_with_a_finding_is_named_with_the_finding(tmp_path: Path) -> None:
    folder = central(tmp_path)
    (folder / "acme@1.0/examples/pass/skills/data-transform/skill.yaml").write_text(GOOD)
    (found,) = failures(folder)
    assert found.startswith(f"{folder}/acme@1.0/examples/pass/skills/data-transform/skill.yaml:1:1: acme.skill-owner:")


def test_a_file_the_pack_does_not_check_is_named(tmp_path: Path) -> None:
    folder = central(tmp_path)
    (folder / "acme@1.0/examples/pass/notes.txt").write_text("not an artifact\n")
    assert failures(folder) == [f"{folder}/acme@1.0/examples/pass/notes.txt: is not an artifact the pack checks"]


def test_links_and_fifos_in_examples_are_failures_never_followed(tmp_path: Path) -> None:
    folder = central(tmp_path)
    secret = tmp_path / "secret.yaml"
    secret.write_text(GOOD)
    passing = folder / "acme@1.0/examples/pass"
    (passing / "skills/linked").mkdir()
    (passing / "skills/linked/skill.yaml").symlink_to(secret)
    (passing / "skills/dir-link").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(passing / "skills/skill.yaml")
    assert sorted(failures(folder)) == [
        f"{passing}/skills/dir-link: is a link; examples are plain files",
        f"{passing}/skills/linked/skill.yaml: is a link; examples are plain files",
        f"{passing}/skills/skill.yaml: is not a regular file; not read",
    ]


def test_missing_trees_and_packs_without_examples(tmp_path: Path) -> None:
    folder = central(tmp_path)
    shutil.rmtree(folder / "acme@1.0/examples/fail")
    shutil.rmtree(folder / "acme-strict@1.0/examples")
    (folder / "bare@1.0").mkdir()
    (folder / "bare@1.0/pack.yaml").write_text('meta: {key: bare, version: "1.0"}\n')
    report = verify_folder(str(folder))
    assert [(v.ref, v.skipped) for v in report.packs] == [
        ("acme@1.0", ""),
        ("acme-strict@1.0", "no examples/ folder"),
        ("bare@1.0", "no examples/ folder"),
    ]
    assert failures(folder) == [f"{folder}/acme@1.0/examples: no fail example trips acme.skill-owner"]


def test_a_pack_that_cannot_be_built_fails(tmp_path: Path) -> None:
    folder = central(tmp_path)
    pack = folder / "acme@1.0/pack.yaml"
    pack.write_text(pack.read_text().replace('extends: ["default@1.0"]', "extends: [nosuch@1.0]"))
    found = failures(folder)
    assert len(found) == 2  # acme@1.0, and acme-strict@1.0 that extends it
    assert all(": the pack cannot be built: " in failure and "nosuch@1.0" in failure for failure in found)


def test_extra_fail_trees_count_together(tmp_path: Path) -> None:
    folder = central(tmp_path)
    examples = folder / "acme@1.0/examples"
    (examples / "fail").rename(examples / "fail-owner")
    report = verify_folder(str(folder))
    assert report.packs[0].trees == ("pass", "fail-owner")
    assert report.exit_code == 0


def test_examples_inside_a_git_repository_are_checked_as_a_tree_of_their_own(tmp_path: Path) -> None:
    """A central repository is a git repository; its untracked and ignored examples still count."""
    folder = central(tmp_path)
    make_repo(folder, {".gitignore": "examples/\n"})
    assert "examples" not in git(folder, "ls-files")
    (folder / "acme@1.0/examples/fail/skills/no-owner/skill.yaml").write_text(GOOD + "owner: x\n")
    assert len(failures(folder)) == 2


def test_a_folder_without_packs_or_unreadable_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="holds no <key>@<version>/ pack"):
        verify_folder(str(tmp_path))
    with pytest.raises(UsageError, match="cannot list the folder"):
        verify_folder(str(tmp_path / "nosuch"))


def test_odd_entries_of_the_folder_fail_the_run(tmp_path: Path) -> None:
    folder = central(tmp_path)
    (folder / "-x@1.0").mkdir()
    report = verify_folder(str(folder))
    assert [p.text() for p in report.problems] == [
        f"{folder}/-x@1.0: is not a pack folder name: <key>@<version>, the key in lowercase letters, digits and . _ -"
    ]
    assert report.exit_code == 1


def test_declared_rules_come_from_the_first_comment_only(tmp_path: Path) -> None:
    known = {"skill.a", "skill.b", "protocol.missing-file.plan.md", "skill.c"}
    yaml = tmp_path / "skill.yaml"
    yaml.write_text("# skill.a, skill.b: why\n# (and skill.zzz, not a rule)\nname: x  # skill.c\n")
    assert declared_rules(str(yaml), known) == ["skill.a", "skill.b"]
    markdown = tmp_path / "log.md"
    markdown.write_text("<!-- fail example: no plan.md (protocol.missing-file.plan.md) -->\n# skill.a\n")
    assert declared_rules(str(markdown), known) == ["protocol.missing-file.plan.md"]
    heading = tmp_path / "plan.md"
    heading.write_text("# skill.a is a heading in markdown\n")
    assert declared_rules(str(heading), known) == []


def test_a_finding_covers_its_file_and_the_files_below_its_folder() -> None:
    found = {".protocols/run-a", "skills/x/skill.yaml"}
    assert covered(".protocols/run-a/plan.md", found)
    assert covered(".protocols/run-a/steps/one.md", found)
    assert covered("skills/x/skill.yaml", found)
    assert not covered(".protocols/run-ab/plan.md", found)  # a folder, not a prefix of a name
    assert not covered(".protocols/plan.md", found)
    assert not covered("skills/x/other.yaml", found)
