"""Reading .packwarden/waivers.yml: every valid entry, and each problem as waiver.invalid at its place."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from packwarden.model.finding import Severity
from packwarden.model.waiver import WAIVERS_PATH, Waiver
from packwarden.packs.waivers import MAX_WAIVERS, read_waivers

GOOD = """\
waivers:
  - rule: skill.name-format
    paths: ["skills/legacy/**", "agents/old/*.yaml"]
    reason: legacy names stay until the registry migration
    owner: data-platform
    expires: 2026-03-31
    ticket: DP-1423
  - rule: protocol.*
    paths: [".protocols/import-*/"]
    fingerprint: 0123456789abcdef
    reason: imported runs keep their own headings for now
    owner: "@alice"
    expires: "2026-02-28"
"""


def problems(text: str) -> list[tuple[int, int, str]]:
    read = read_waivers(text.encode("utf-8"))
    assert all(p.rule == "waiver.invalid" and p.path == WAIVERS_PATH for p in read.problems)
    assert all(p.severity is Severity.ERROR for p in read.problems)
    return [(p.line, p.column, p.message) for p in read.problems]


def entry(**fields: str) -> str:
    """One entry (the first line is the file's line 2); ``None``-like omissions by leaving keys out."""
    base = {
        "rule": "skill.name-format",
        "paths": '["skills/**"]',
        "reason": "legacy names stay until the migration",
        "owner": "data-platform",
        "expires": "2026-03-31",
    }
    base.update(fields)
    body = "".join(f"    {key}: {value}\n" for key, value in base.items() if value != "<absent>")
    return "waivers:\n  -\n" + body


def test_valid_entries_are_read_with_their_place() -> None:
    read = read_waivers(GOOD.encode())

    assert read.problems == ()
    assert read.present
    assert read.waivers == (
        Waiver(
            rule="skill.name-format",
            paths=("skills/legacy/**", "agents/old/*.yaml"),
            reason="legacy names stay until the registry migration",
            owner="data-platform",
            expires="2026-03-31",
            ticket="DP-1423",
            line=2,
            column=5,
        ),
        Waiver(
            rule="protocol.*",
            paths=(".protocols/import-*/",),
            reason="imported runs keep their own headings for now",
            owner="@alice",
            expires="2026-02-28",
            fingerprint="0123456789abcdef",
            line=8,
            column=5,
        ),
    )


@pytest.mark.parametrize("text", ["", "# nothing yet\n", "waivers: []\n", "waivers:\n"])
def test_an_empty_file_waives_nothing_and_says_nothing(text: str) -> None:
    read = read_waivers(text.encode())
    assert (read.waivers, read.problems) == ((), ())


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("waivers: [\n", (2, 1), "no waiver applies"),  # not YAML
        ("- rule: a\n", (1, 1), "must be a mapping with a 'waivers' list"),
        ("waivers: {rule: a}\n", (1, 10), "must be a list"),
        ("waivers: []\nextra: 1\n", (2, 1), "unknown key 'extra'"),
        ("waivers:\n  - just text\n", (2, 5), "must be a mapping"),
        ("a: &x 1\nwaivers: *x\n", (1, 4), "anchor"),  # the safe reader's refusals, at their place
        ("waivers: []\nwaivers: []\n", (2, 1), "duplicate"),
    ],
)
def test_a_malformed_file_is_an_error_at_its_place(text: str, where: tuple[int, int], words: str) -> None:
    (found,) = problems(text)
    assert found[:2] == where
    assert words in found[2]


@pytest.mark.parametrize(
    ("fields", "where", "words"),
    [
        ({"rule": "<absent>"}, (3, 5), "rule is missing"),
        ({"paths": "<absent>"}, (3, 5), "paths is missing"),
        ({"reason": "<absent>"}, (3, 5), "reason is missing"),
        ({"owner": "<absent>"}, (3, 5), "owner is missing"),
        ({"expires": "<absent>"}, (3, 5), "expires is missing"),
        ({"rule": "'skill name'"}, (3, 11), "is not a rule id or a prefix"),
        ({"rule": "'*'"}, (3, 11), "is not a rule id or a prefix"),
        ({"rule": "'skill.*.x'"}, (3, 11), "is not a rule id or a prefix"),
        ({"rule": "12"}, (3, 11), "must be a non-empty string, not 12"),
        ({"paths": "skills/**"}, (4, 12), "must be a non-empty list of globs"),
        ({"paths": "[]"}, (4, 12), "not an empty list"),
        ({"paths": "['/etc/**']"}, (4, 13), "relative to the repository's top"),
        ({"paths": "['a/../../b']"}, (4, 13), "relative to the repository's top"),
        ({"paths": "['ok/**', 3]"}, (4, 22), "a path glob must be a non-empty string, not 3"),
        ({"fingerprint": "ABC"}, (8, 18), "16 lowercase hex digits"),
        ({"reason": "TODO"}, (5, 13), "says nothing a reviewer can judge"),
        ({"reason": "n/a"}, (5, 13), "says nothing a reviewer can judge"),
        ({"reason": "'temp'"}, (5, 13), "says nothing a reviewer can judge"),
        ({"reason": "WIP"}, (5, 13), "says nothing a reviewer can judge"),
        ({"reason": "will fix later"}, (5, 13), "says nothing a reviewer can judge"),
        ({"reason": "legacy names"}, (5, 13), "says nothing a reviewer can judge"),  # fewer than 3 words
        ({"reason": "''"}, (5, 13), "must be a non-empty string"),
        ({"owner": "'  '"}, (6, 12), "must be a non-empty string"),
        ({"owner": "[a, b]"}, (6, 12), "must be a non-empty string, not a list"),
        ({"expires": "2026-02-30"}, (7, 14), "is not a date written YYYY-MM-DD"),
        ({"expires": "31.03.2026"}, (7, 14), "is not a date written YYYY-MM-DD"),
        ({"expires": "2026-3-1"}, (7, 14), "is not a date written YYYY-MM-DD"),
        ({"expires": "'٢٠٢٦-03-31'"}, (7, 14), "is not a date written YYYY-MM-DD"),  # other scripts' digits
        ({"expires": "20260331"}, (7, 14), "must be a non-empty string, not 20260331"),
        ({"ticket": "''"}, (8, 13), "must be a non-empty string"),
        ({"colour": "red"}, (8, 5), "unknown key 'colour'"),
    ],
)
def test_each_malformed_entry_is_an_error_at_its_line_and_column(
    fields: dict[str, str], where: tuple[int, int], words: str
) -> None:
    text = entry(**fields)
    found = problems(text)
    assert len(found) == 1, found
    assert found[0][:2] == where, (text, found)
    assert words in found[0][2]
    assert read_waivers(text.encode()).waivers == ()  # a malformed entry waives nothing


def test_a_malformed_entry_leaves_the_others_in_force() -> None:
    text = GOOD + "  - {rule: x, paths: [a], reason: TODO, owner: me, expires: 2026-01-01}\n"
    read = read_waivers(text.encode())
    assert [w.rule for w in read.waivers] == ["skill.name-format", "protocol.*"]
    assert [(p.line, p.message.split(" ")[0]) for p in read.problems] == [(14, "reason")]


def test_the_number_of_waivers_is_capped() -> None:
    one = "  - {rule: a.b, paths: [x], reason: a real reason here, owner: me, expires: 2026-01-01}\n"
    read = read_waivers(("waivers:\n" + one * (MAX_WAIVERS + 5)).encode())
    assert len(read.waivers) == MAX_WAIVERS
    (problem,) = read.problems
    assert problem.line == MAX_WAIVERS + 2
    assert f"more than {MAX_WAIVERS} waivers" in problem.message


@given(st.binary(max_size=300))
def test_any_bytes_give_entries_or_problems_never_an_exception(raw: bytes) -> None:
    read = read_waivers(raw)
    assert all(p.rule == "waiver.invalid" and p.line >= 1 and p.column >= 1 for p in read.problems)
