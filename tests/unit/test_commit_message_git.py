"""Real ``git commit``s store exactly what ``load.message`` says they store: a commit-msg hook
keeps the file git gives it, and the reader's result is compared with the commit object's
message (``git cat-file commit HEAD``), for ``-v``, a custom and an ``auto`` comment
character, each ``--cleanup`` mode, with and without an editor."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from packwarden.load.message import read_message
from tests.support.gitrepo import git, make_repo

MESSAGE = (
    "Add the csv skill   \n"
    "# a comment line\n"
    "; a semicolon line\n"
    "\n\n\n"
    "Body with trailing spaces   \n"
    "\n"
    "Assisted-by: claude\n"
    "Signed-off-by: Ada <ada@example.com>\n"
    "\n"
)


def _executable(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = make_repo(tmp_path / "repo", {"README": "x\n"})
    hooks = root / ".git" / "hooks"
    hooks.mkdir(exist_ok=True)
    _executable(hooks / "commit-msg", f'#!/bin/sh\ncp "$1" "{tmp_path}/seen"\n')
    (tmp_path / "message").write_text(MESSAGE, encoding="utf-8")
    # an editor that puts the message above what git wrote (the template, a -v diff)
    _executable(tmp_path / "editor", f'#!/bin/sh\ncat "{tmp_path}/message" "$1" > "$1.new" && mv "$1.new" "$1"\n')
    return root


def _commit(repo: Path, *args: str, editor: bool = True) -> tuple[str, str]:
    """Commit a change with ``args``; the file the hook saw and the message git stored."""
    (repo / "README").write_text(os.urandom(4).hex(), encoding="utf-8")
    git(repo, "add", "README")
    extra = ["-c", f"core.editor={repo.parent / 'editor'}"] if editor else []
    git(repo, *extra, *args)
    seen = (repo.parent / "seen").read_text(encoding="utf-8")
    raw = git(repo, "cat-file", "commit", "HEAD")
    return seen, raw.split("\n\n", 1)[1]


CASES = [
    ("editor, default cleanup", ["commit", "-q"], {}, True),
    ("-v: the diff below the scissors line", ["commit", "-q", "-v"], {}, True),
    ("core.commentChar=;", ["-c", "core.commentChar=;", "commit", "-q", "-v"], {"comment_char": ";"}, True),
    ("--cleanup=verbatim with an editor", ["commit", "-q", "--cleanup=verbatim"], {"cleanup": "verbatim"}, True),
    ("--cleanup=whitespace", ["commit", "-q", "--cleanup=whitespace"], {"cleanup": "whitespace"}, True),
    ("--cleanup=scissors", ["commit", "-q", "--cleanup=scissors"], {"cleanup": "scissors"}, True),
    ("-v --cleanup=verbatim", ["commit", "-q", "-v", "--cleanup=verbatim"], {"cleanup": "verbatim"}, True),
    ("-F, no editor: whitespace", ["commit", "-q", "-F", "../message"], {"editor": False}, False),
    (
        "-F --cleanup=verbatim",
        ["commit", "-q", "-F", "../message", "--cleanup=verbatim"],
        {"cleanup": "verbatim", "editor": False},
        False,
    ),
    (
        "-F --cleanup=strip",
        ["commit", "-q", "-F", "../message", "--cleanup=strip"],
        {"cleanup": "strip", "editor": False},
        False,
    ),
]


@pytest.mark.parametrize(("name", "args", "options", "editor"), CASES, ids=[case[0] for case in CASES])
def test_git_stores_what_the_reader_says(
    repo: Path, name: str, args: list[str], options: dict[str, object], editor: bool
) -> None:
    seen, stored = _commit(repo, *args, editor=editor)
    assert read_message(seen, **options).text == stored  # type: ignore[arg-type]


def test_auto_comment_char_is_read_back_from_the_template(repo: Path) -> None:
    """With ``auto`` and a message whose lines start with ``#``, git comments with another
    character; the reader finds it in the template git wrote."""
    (repo.parent / "message").write_text("", encoding="utf-8")  # the editor adds nothing
    given = "#12 fix the parser\n#13 and the lexer"
    seen, stored = _commit(repo, "-c", "core.commentChar=auto", "commit", "-q", "-v", "-e", "-m", given)
    message = read_message(seen, comment_char="auto")
    assert message.comment != "#"
    assert message.text == stored == "#12 fix the parser\n#13 and the lexer\n"


def test_a_message_of_comments_only_aborts_and_reads_empty(repo: Path) -> None:
    (repo.parent / "message").write_text("# nothing\n\n", encoding="utf-8")
    (repo / "README").write_text("changed", encoding="utf-8")
    git(repo, "add", "README")
    head = git(repo, "rev-parse", "HEAD")
    git(repo, "-c", f"core.editor={repo.parent / 'editor'}", "commit", "-q", check=False)
    assert git(repo, "rev-parse", "HEAD") == head  # git aborted: empty message
    assert read_message((repo.parent / "seen").read_text(encoding="utf-8")).empty
