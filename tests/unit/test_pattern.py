"""Policy regexes: RE2 first, `regex` under a time budget for what RE2 cannot take."""

from __future__ import annotations

import re

import pytest

from packwarden.model.pattern import BUDGET_SECONDS, Budget, InvalidPattern, PatternTimeout, compile_pattern

# RE2 rejects the back-reference, so this runs on the back-tracking engine, where the
# alternation inside the repeated group makes the search exponential in the input length.
CATASTROPHIC = r"(a|aa)+\1c"
HOSTILE = "a" * 64


def spans(source: str, text: str) -> list[tuple[int, int]]:
    return [(match.start(), match.end()) for match in compile_pattern(source).finditer(text)]


def test_plain_patterns_run_on_re2() -> None:
    compiled = compile_pattern("^[a-z][a-z0-9.]*[a-z0-9]$")
    assert compiled.engine == "re2"
    assert compiled.source == "^[a-z][a-z0-9.]*[a-z0-9]$"
    assert compiled.search("data.transform") is not None
    assert compiled.search("Data Transform") is None


def test_nested_quantifiers_are_linear_on_re2() -> None:
    compiled = compile_pattern("(a+)+$")
    assert compiled.engine == "re2"  # RE2 matches in time linear in the text: no back-tracking
    assert compiled.search("a" * 5000 + "b") is None
    assert compiled.search("a" * 5000) is not None


def test_a_look_ahead_falls_back_to_regex_and_keeps_its_meaning() -> None:
    compiled = compile_pattern("import crypto(?!graphy)")
    assert compiled.engine == "regex"
    assert compiled.search("import crypto") is not None
    assert compiled.search("import cryptography") is None


def test_a_back_reference_falls_back_to_regex() -> None:
    compiled = compile_pattern(r"(\w)\1")
    assert compiled.engine == "regex"
    match = compiled.search("abccd")
    assert match is not None
    assert (match.start(), match.end()) == (2, 4)


@pytest.mark.parametrize("source", ["(", "[a-", "a{2,1}", "(?<name", "*"])
def test_a_pattern_neither_engine_takes_is_invalid(source: str) -> None:
    with pytest.raises(InvalidPattern) as info:
        compile_pattern(source)
    assert repr(source) in str(info.value)
    assert str(info.value).startswith("invalid regular expression")


def test_invalid_pattern_is_a_value_error() -> None:
    assert issubclass(InvalidPattern, ValueError)


def test_compiled_patterns_are_cached() -> None:
    assert compile_pattern("^cache-me$") is compile_pattern("^cache-me$")


def test_search_from_a_position() -> None:
    for source in ("b", "(?=b)b"):
        compiled = compile_pattern(source)
        match = compiled.search("abab", 2)
        assert match is not None
        assert match.start() == 3


def test_finditer_finds_every_non_overlapping_match_on_both_engines() -> None:
    assert spans("aa", "aaaaa") == [(0, 2), (2, 4)]
    assert spans("a(?=a)", "aaa") == [(0, 1), (1, 2)]
    assert spans("z", "abc") == []


def test_finditer_steps_over_empty_matches() -> None:
    assert spans("x*", "axxb") == [(0, 0), (1, 3), (3, 3), (4, 4)]
    assert spans("(?=x)", "xax") == [(0, 0), (2, 2)]


@pytest.mark.parametrize(
    ("source", "text"),
    [
        (r"\b", "ab cd"),
        ("$", "ab"),
        ("x*", "axxbx"),
        ("a|", "bab"),
        ("é", "café é"),
        (r"\b|(?=c)", "ab cd"),  # the back-tracking engine
        (r"(a)\1|$", "aab aa"),
    ],
)
def test_finditer_finds_what_re_finditer_finds(source: str, text: str) -> None:
    assert spans(source, text) == [match.span() for match in re.finditer(source, text)]


def test_finditer_does_not_treat_a_later_position_as_the_start_of_text() -> None:
    assert spans("^a", "aaa") == [(0, 1)]
    assert spans("(?=a)^a", "aaa") == [(0, 1)]


def test_a_catastrophic_back_tracking_pattern_times_out() -> None:
    compiled = compile_pattern(CATASTROPHIC)
    assert compiled.engine == "regex"
    with pytest.raises(PatternTimeout) as info:
        compiled.search(HOSTILE)
    assert str(info.value) == CATASTROPHIC
    assert isinstance(info.value.__cause__, TimeoutError)


def test_finditer_propagates_the_timeout() -> None:
    with pytest.raises(PatternTimeout):
        list(compile_pattern(CATASTROPHIC).finditer("x " + HOSTILE))


def test_the_same_pattern_finishes_on_harmless_input() -> None:
    compiled = compile_pattern(CATASTROPHIC)
    match = compiled.search("aac")
    assert match is not None
    assert compiled.search("bbb") is None


@pytest.mark.parametrize(
    ("source", "text", "expected"),
    [
        ("^[a-z][a-z0-9.]*[a-z0-9]$", "data.transform", True),
        ("^[a-z][a-z0-9.]*[a-z0-9]$", "Data Transform", False),
        ("^.{4}$", "café", True),  # RE2 is given UTF-8 bytes, and still counts characters
        ("^.{3}$", "日本語", True),
        ("^.{4}$", "日本語", False),
        ("^[a-zé]+$", "café", True),
        ("import crypto(?!graphy)", "import cryptography", False),  # the back-tracking engine
        ("import crypto(?!graphy)", "import crypto", True),
    ],
)
def test_matches_agrees_with_search_on_both_engines(source: str, text: str, expected: bool) -> None:
    compiled = compile_pattern(source)
    assert compiled.matches(text) is expected
    assert (compiled.search(text) is not None) is expected


def test_matches_propagates_the_timeout() -> None:
    with pytest.raises(PatternTimeout):
        compile_pattern(CATASTROPHIC).matches(HOSTILE)


# --- one budget for many calls ----------------------------------------------------------------------


def test_a_budget_starts_full() -> None:
    assert Budget().seconds_left == BUDGET_SECONDS
    assert not Budget().spent
    assert Budget(0.0).spent


def test_a_timeout_spends_the_whole_budget() -> None:
    budget = Budget(0.05)
    with pytest.raises(PatternTimeout):
        compile_pattern(CATASTROPHIC).search(HOSTILE, budget=budget)
    assert budget.spent


def test_a_spent_budget_stops_every_later_call_even_on_harmless_input() -> None:
    compiled = compile_pattern(CATASTROPHIC)
    budget = Budget(0.0)
    with pytest.raises(PatternTimeout):
        compiled.search("aac", budget=budget)
    with pytest.raises(PatternTimeout):
        compiled.matches("aac", budget)
    with pytest.raises(PatternTimeout):
        next(compiled.finditer("aac", budget))
    # without a budget, each call gets a fresh one
    assert compiled.matches("aac")


def test_calls_that_each_fit_the_budget_use_it_up_together() -> None:
    """The budget holds for all the values a rule matches on one file, not for each value:
    every value here finishes well inside the budget alone, and hundreds do not."""
    compiled = compile_pattern(CATASTROPHIC)
    values = ["a" * 20] * 300
    assert compiled.search(values[0], budget=Budget(BUDGET_SECONDS)) is None  # alone, it finishes
    budget = Budget(0.02)
    checked = 0
    with pytest.raises(PatternTimeout):
        for value in values:
            compiled.matches(value, budget)
            checked += 1
    assert budget.spent
    assert checked < len(values)


def test_successful_calls_are_charged_to_the_budget() -> None:
    budget = Budget()
    assert compile_pattern(CATASTROPHIC).matches("aaaac", budget)
    assert 0 < budget.seconds_left < BUDGET_SECONDS


def test_re2_patterns_ignore_the_budget() -> None:
    """RE2 is linear in its input: a spent budget neither stops it nor is charged."""
    compiled = compile_pattern("(a+)+$")
    budget = Budget(0.0)
    assert compiled.search("a" * 5000 + "b", budget=budget) is None
    assert compiled.search("a" * 5000, budget=budget) is not None
    assert compiled.matches("aaa", budget)
    assert [m.start() for m in compile_pattern("a").finditer("aba", budget)] == [0, 2]
    assert budget.seconds_left == 0.0
