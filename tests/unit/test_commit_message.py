"""``load.message``: a commit-msg hook's file read as git will store it, with file lines."""

from __future__ import annotations

import pytest

from packwarden.load.message import message_document, read_message, trailer_key
from packwarden.load.trailers import CUT_LINE

FILE = (
    "Add the csv skill  \n"  # 1
    "# Please enter the commit message\n"  # 2
    "\n"  # 3
    "\n"  # 4
    "It converts files.\n"  # 5
    "\n"  # 6
    "assisted-by: claude\n"  # 7
    "Co-authored-by: Ada\n"  # 8
    "  Lovelace <ada@example.com>\n"  # 9
    f"# {CUT_LINE}\n"  # 10
    "diff --git a/x b/x\n"
)


def test_strip_drops_comments_whitespace_and_the_diff_and_keeps_file_lines() -> None:
    message = read_message(FILE)
    assert message.text == (
        "Add the csv skill\n\nIt converts files.\n\n"
        "assisted-by: claude\nCo-authored-by: Ada\n  Lovelace <ada@example.com>\n"
    )
    assert (message.subject.text, message.subject.line) == ("Add the csv skill", 1)  # type: ignore[union-attr]
    assert [(line.text, line.line) for line in message.body] == [("It converts files.", 5)]
    assert [(t.key, t.value, t.line, t.column) for t in message.trailers] == [
        ("assisted-by", "claude", 7, 14),
        ("Co-authored-by", "Ada Lovelace <ada@example.com>", 8, 17),
    ]
    assert message.kind == "normal" and not message.empty


@pytest.mark.parametrize(
    ("cleanup", "editor", "expected"),
    [
        ("whitespace", True, "Subject\n# kept\n\nBody\n"),
        ("default", False, "Subject\n# kept\n\nBody\n"),  # git commit -m: no editor, whitespace
        ("default", True, "Subject\n\nBody\n"),
        ("strip", False, "Subject\n\nBody\n"),
        ("verbatim", True, "\nSubject  \n# kept\n\n\nBody"),
        ("scissors", True, "Subject\n# kept\n\nBody\n"),
    ],
)
def test_each_cleanup_mode(cleanup: str, editor: bool, expected: str) -> None:
    text = "\nSubject  \n# kept\n\n\nBody"
    assert read_message(text, cleanup=cleanup, editor=editor).text == expected


def test_scissors_cut_unless_told_git_commit_ran_without_v() -> None:
    text = f"Subject\n# {CUT_LINE}\nbelow\n"
    assert read_message(text).text == "Subject\n"
    assert read_message(text, cleanup="whitespace", verbose=False).text == f"Subject\n# {CUT_LINE}\nbelow\n"
    assert read_message(text, cleanup="scissors", verbose=False).text == "Subject\n"
    assert read_message(f"# {CUT_LINE}\nSubject\n").empty  # the cut line first: nothing is left


def test_a_custom_comment_character() -> None:
    text = f"Subject\n; dropped\n# kept, not a comment now\n; {CUT_LINE}\ndiff\n"
    message = read_message(text, comment_char=";")
    assert message.text == "Subject\n# kept, not a comment now\n"
    assert [(line.text, line.line) for line in message.body] == [("# kept, not a comment now", 3)]


def test_auto_reads_the_comment_character_back_from_the_template() -> None:
    template = "#12 fix the parser\n\n; Please enter the commit message for your changes. Lines starting\n"
    assert read_message(template, comment_char="auto").text == "#12 fix the parser\n"
    assert read_message(f"Subject\n@ {CUT_LINE}\ndiff\n", comment_char="auto").comment == "@"
    assert read_message("Subject\n# note\n", comment_char="auto").text == "Subject\n"  # nothing says otherwise: #


@pytest.mark.parametrize(
    ("subject", "kind"),
    [
        ("Merge branch 'main' into topic", "merge"),
        ('Revert "Add the csv skill"', "revert"),
        ('Reapply "Add the csv skill"', "revert"),
        ("fixup! Add the csv skill", "fixup"),
        ("squash! Add the csv skill", "squash"),
        ("amend! Add the csv skill", "amend"),
        ("Add the csv skill", "normal"),
        ("Merged the branches", "normal"),
        ("fixup!no space", "normal"),
    ],
)
def test_message_kinds(subject: str, kind: str) -> None:
    assert read_message(f"{subject}\n\nBody\n").kind == kind


@pytest.mark.parametrize("text", ["", "\n\n  \n", "# only a comment\n", "Signed-off-by: A <a@b>\n\n"])
def test_empty_messages_git_would_abort(text: str) -> None:
    assert read_message(text).empty


def test_verbatim_keeps_even_an_empty_looking_message() -> None:
    assert not read_message("# kept\n", cleanup="verbatim").empty


def test_unknown_cleanup_mode() -> None:
    with pytest.raises(ValueError, match="unknown cleanup mode"):
        read_message("x", cleanup="tidy")


def test_the_commit_document_keeps_file_lines() -> None:
    document = message_document(read_message(FILE), ("skill",))
    data = document.data
    assert data["subject"] == "Add the csv skill" and data.marks["subject"] == (1, 1)
    assert list(data["body"]) == ["It converts files."] and data["body"].marks == [(5, 1)]
    trailers = data["trailers"]
    assert list(trailers) == ["Assisted-by", "Co-authored-by"]  # keys filed without case
    assert trailers["Assisted-by"].marks == [(7, 14)]
    assert data["kind"] == "normal" and list(data["touched"]) == ["skill"]
    assert document.text.split("\n")[1] == "" and document.text.split("\n")[4] == "It converts files."


def test_trailer_keys_are_filed_without_case() -> None:
    assert {trailer_key(k) for k in ("assisted-by", "Assisted-By", "ASSISTED-BY")} == {"Assisted-by"}


def test_a_message_without_trailers_puts_a_missing_trailer_at_its_last_line() -> None:
    document = message_document(read_message("Subject\n\nBody line\n# comment\n"))
    assert document.data["trailers"].mark == (3, 1)
