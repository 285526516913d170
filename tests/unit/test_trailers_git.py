"""``load.trailers`` parses as ``git interpret-trailers --parse`` does: a property test runs
the real git on generated messages (the 25% rule, git-generated prefixes, folded values,
comment lines, the ``---`` divider, an old ``Conflicts:`` block, the scissors line, other
separators and comment characters)."""

from __future__ import annotations

import subprocess

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from packwarden.load.trailers import CUT_LINE, parse_trailers, shown
from tests.support.gitrepo import git_env

_KEYS = st.sampled_from(["Signed-off-by", "Assisted-by", "Co-authored-by", "Bug", "a", "X-1", "Key word", "K_y"])
_VALUES = st.sampled_from(["", "x", "Ada <ada@example.com>", " spaced  ", "#43", "a: b", "é", "v\r"])
_LINES = st.one_of(
    st.builds(lambda k, s, v: f"{k}{s}{v}", _KEYS, st.sampled_from([":", ": ", " : ", "#", "=", ":\t"]), _VALUES),
    st.sampled_from(
        [
            "",
            "   ",
            "\t",
            " folded on",
            "\tfolded",
            "\r",
            "\rcarriage",
            "Signed-off-by: Ada <ada@example.com>",
            "(cherry picked from commit 0123456789abcdef)",
            "# a comment",
            "; another comment",
            "---",
            "--- a/file",
            "----",
            "Conflicts:",
            "\tpath/in/conflict.txt",
            f"# {CUT_LINE}",
            "plain prose line",
            "Subject line",
            "not-a: trailer? yes it is",
            "-: dash key",
            ": no key",
            "http://example.com/x",
            "Ünïcode: value",
        ]
    ),
    st.text(alphabet="ab :#-\t\r", max_size=8),
)
_MESSAGES = st.builds(
    lambda lines, end: "\n".join(lines) + end, st.lists(_LINES, max_size=12), st.sampled_from(["", "\n", "\n\n"])
)


_GIT_SPACE = tuple(" \t\n\r")


def _hangs_old_git(text: str, comment: str = "#") -> bool:
    """Whether git before 2.45 loops forever on ``text``: a scissors line after a ``---``
    divider (git's 2541cba2d6, "wt-status: don't find scissors line beyond buf len"). The
    reader does what the fixed git does."""
    starts = [0] + [index + 1 for index, char in enumerate(text) if char == "\n"]
    divider = next((at for at in starts if text.startswith("---", at) and text[at + 3 : at + 4] in _GIT_SPACE), None)
    return divider is not None and f"\n{comment} {CUT_LINE}\n" in text[max(divider - 1, 0) :]


def _git_parse(text: str, *options: str) -> str:
    done = subprocess.run(
        ["git", *options, "interpret-trailers", "--parse"],
        input=text.encode("utf-8"),
        capture_output=True,
        env=git_env(),
        check=True,
        timeout=60,  # a hang is a failure here, never a stuck run
    )
    return done.stdout.decode("utf-8")


def _ours(text: str, **options: object) -> str:
    separators = str(options.get("separators", ":"))
    block = parse_trailers(text, **options)  # type: ignore[arg-type]
    return "".join(f"{shown(trailer, separators)}\n" for trailer in block.trailers)


_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_SETTINGS
@given(_MESSAGES)
def test_trailers_equal_git_interpret_trailers_parse(text: str) -> None:
    assume(not _hangs_old_git(text))
    assert _ours(text) == _git_parse(text)


@_SETTINGS
@given(_MESSAGES)
def test_without_the_divider_as_git_log_reads_a_commit(text: str) -> None:
    done = subprocess.run(
        ["git", "interpret-trailers", "--parse", "--no-divider"],
        input=text.encode("utf-8"),
        capture_output=True,
        env=git_env(),
        check=True,
        timeout=60,
    )
    assert _ours(text, divider=False) == done.stdout.decode("utf-8")


@_SETTINGS
@given(_MESSAGES)
def test_other_separators_and_comment_character(text: str) -> None:
    assume(not _hangs_old_git(text, ";"))
    options = ("-c", "trailer.separators=#:", "-c", "core.commentChar=;")
    assert _ours(text, separators="#:", comment=";") == _git_parse(text, *options)


def test_the_rules_git_applies_to_the_last_paragraph() -> None:
    """Worked examples of each rule, so a failure names the rule it breaks."""
    prose = "Subject\n\nSome prose.\nMore prose.\nAnd more.\nSigned-off-by: A <a@b>\n"
    assert [t.key for t in parse_trailers(prose).trailers] == ["Signed-off-by"]  # 1 in 4 lines: 25%
    assert parse_trailers(prose.replace("And more.", "And more.\nFourth.")).trailers == ()  # 1 in 5: under
    mixed = "Subject\n\nSome prose.\nFixes: 12\nSigned-off-by: A <a@b>\n"
    assert [t.key for t in parse_trailers(mixed).trailers] == ["Fixes", "Signed-off-by"]  # a git prefix and 2 of 3
    unknown = "Subject\n\nSome prose.\nFixes: 12\nReviewed-by: B\n"
    assert parse_trailers(unknown).trailers == ()  # no git-generated line: every line must be a trailer
    folded = "Subject\n\nAssisted-by: claude\n  and copilot\n"
    assert [t.value for t in parse_trailers(folded).trailers] == ["claude and copilot"]
    title_only = "Key: value\n"
    assert parse_trailers(title_only).trailers == ()  # the title paragraph is never trailers
