"""Policy regexes: RE2 first, `regex` with a timeout for what RE2 cannot take."""

from __future__ import annotations

import pytest

from packwarden.model.pattern import InvalidPattern, PatternTimeout, compile_pattern

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
        compile_pattern(CATASTROPHIC).finditer("x " + HOSTILE)


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
