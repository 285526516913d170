"""Work per rule per file is bounded: one regex time budget, and a cap on findings.

No test here waits for a timeout or measures time: the budgets are made small, and the tests
assert on the findings they produce.
"""

from __future__ import annotations

from typing import Any

import pytest

from packwarden.artifacts.kinds import Artifact
from packwarden.engine import MAX_FINDINGS_PER_RULE, check_document
from packwarden.load.yaml import load_yaml_text
from packwarden.model.finding import Finding, Severity
from packwarden.model.pattern import BUDGET_SECONDS, compile_pattern
from packwarden.model.policy import EffectivePolicy
from packwarden.model.rule import Rule

SKILL = Artifact("skills/x/skill.yaml", "skill")
# A back-reference, so it runs on the back-tracking engine; each 20-letter value takes a few
# milliseconds there (the alternation in the repeated group is exponential in the length).
BACKTRACKING = r"(a|aa)+\1c"
SLOW_VALUE = "a" * 20
SMALL_BUDGET = 0.02


def rule(rule_id: str, field: str | None, **kw: Any) -> Rule:
    kw.setdefault("severity", Severity.ERROR)
    return Rule(id=rule_id, pack="t@1.0", field=field, source="packs/t.yaml", line=7, column=3, **kw)


def run(text: str, *rules: Rule, regex_seconds: float = BUDGET_SECONDS, artifact: Artifact = SKILL) -> list[Finding]:
    policy = EffectivePolicy(packs=("t@1.0",), rules=rules)
    return check_document(policy, artifact, load_yaml_text(text), regex_seconds=regex_seconds)


def list_of(values: list[str], key: str = "tags") -> str:
    return f"{key}:\n" + "".join(f"  - {value}\n" for value in values)


def timeouts(findings: list[Finding]) -> list[tuple[str, str]]:
    return [(f.metadata["rule"], f.path) for f in findings if f.rule == "pack.regex-timeout"]


# --- the regex budget is per rule per file ---------------------------------------------------------


def test_the_slow_values_each_finish_alone() -> None:
    """The premise of the tests below: no single value runs out of even a small budget's worth."""
    assert compile_pattern(BACKTRACKING).engine == "regex"
    assert run(list_of([SLOW_VALUE]), rule("slow", "tags", params={"forbidden_pattern": BACKTRACKING})) == []


@pytest.mark.parametrize("check_key", ["pattern", "forbidden_pattern"])
def test_hundreds_of_values_share_one_budget_and_give_one_timeout(check_key: str) -> None:
    slow = rule("slow", "tags", params={check_key: BACKTRACKING})
    after = rule("after", "name", params={"required": True})
    findings = run(list_of([SLOW_VALUE] * 300), slow, after, regex_seconds=SMALL_BUDGET)
    assert timeouts(findings) == [("slow", "packs/t.yaml")]
    (timeout,) = (f for f in findings if f.rule == "pack.regex-timeout")
    assert (timeout.line, timeout.column, timeout.severity, timeout.pack) == (7, 3, Severity.ERROR, "packwarden")
    # the rule stopped early, and the next rule still ran
    assert len([f for f in findings if f.rule == "slow"]) < 300
    assert findings[-1].rule == "after"


def test_text_mode_scans_share_the_budget_too() -> None:
    text = "notes:\n" + "".join(f"  - {SLOW_VALUE} x\n" for _ in range(300))
    slow = rule("slow", None, params={"forbidden_pattern": BACKTRACKING})
    assert timeouts(run(text, slow, regex_seconds=SMALL_BUDGET)) == [("slow", "packs/t.yaml")]


def test_every_rule_gets_its_own_budget() -> None:
    rules = [rule(name, "tags", params={"pattern": BACKTRACKING}) for name in ("one", "two")]
    findings = run(list_of([SLOW_VALUE] * 300), *rules, regex_seconds=SMALL_BUDGET)
    assert timeouts(findings) == [("one", "packs/t.yaml"), ("two", "packs/t.yaml")]


def test_every_file_gets_a_fresh_budget() -> None:
    slow = rule("slow", "tags", params={"pattern": f"^(?:{BACKTRACKING}|ok)$"})
    assert len(timeouts(run(list_of([SLOW_VALUE] * 300), slow, regex_seconds=SMALL_BUDGET))) == 1
    assert run(list_of(["ok"] * 300), slow, regex_seconds=SMALL_BUDGET) == []


def test_re2_rules_are_not_limited_by_the_budget() -> None:
    linear = rule("linear", "tags", params={"pattern": "^(a+)+$"})
    findings = run(list_of(["a" * 5000 + "b"] * 20), linear, regex_seconds=0.0)
    assert [f.rule for f in findings] == ["linear"] * 20


# --- at most MAX_FINDINGS_PER_RULE findings per rule per file ---------------------------------------


def test_a_rule_broken_thousands_of_times_gives_the_cap_and_one_more_that_counts_the_rest() -> None:
    bad = rule("tags.lowercase", "tags", params={"pattern": "^[a-z]+$"}, severity=Severity.BLOCK, fix="lowercase")
    findings = run(list_of([f"Tag{i}" for i in range(3000)]), bad)
    assert MAX_FINDINGS_PER_RULE == 50
    assert len(findings) == MAX_FINDINGS_PER_RULE + 1
    shown, more = findings[:-1], findings[-1]
    assert [f.metadata["field"] for f in shown] == [f"tags[{i}]" for i in range(MAX_FINDINGS_PER_RULE)]
    assert more.rule == "tags.lowercase"
    assert more.message == "and 2950 more findings of this rule in this file"
    assert more.severity is Severity.BLOCK  # as severe as what it stands for
    assert (more.path, more.pack, more.fix, more.scope) == (SKILL.path, "t@1.0", "lowercase", "skill")
    assert (more.line, more.column) == (MAX_FINDINGS_PER_RULE + 2, 5)  # the first omitted item
    assert more.metadata == {"omitted": "2950"}


def test_a_secret_scan_with_thousands_of_matches_is_capped() -> None:
    text = "keys:\n" + "  - AKIAABCDEFGHIJKLMNOP\n" * 5000
    secrets = rule("secrets", None, params={"forbidden_pattern": "AKIA[A-Z0-9]{16}"}, severity=Severity.WARNING)
    findings = run(text, secrets)
    assert len(findings) == MAX_FINDINGS_PER_RULE + 1
    assert [f.line for f in findings[:3]] == [2, 3, 4]
    assert findings[-1].message == "and 4950 more findings of this rule in this file"
    assert (findings[-1].line, findings[-1].column, findings[-1].severity) == (52, 5, Severity.WARNING)


@pytest.mark.parametrize(
    ("count", "last"),
    [
        (MAX_FINDINGS_PER_RULE, None),
        (MAX_FINDINGS_PER_RULE + 1, "and 1 more finding of this rule in this file"),
    ],
)
def test_the_cap_is_reached_exactly(count: int, last: str | None) -> None:
    bad = rule("bad", "tags", params={"forbidden_values": ["x"]})
    findings = run(list_of(["x"] * count), bad)
    messages = [f.message for f in findings]
    assert len(messages) == min(count, MAX_FINDINGS_PER_RULE) + (last is not None)
    assert (messages[-1] if last else None) == last


def test_the_cap_is_per_rule() -> None:
    rules = [rule(name, "tags", params={"forbidden_values": ["x"]}) for name in ("one", "two")]
    findings = run(list_of(["x"] * 200), *rules)
    assert [f.rule for f in findings] == ["one"] * 51 + ["two"] * 51


def test_a_rule_that_times_out_after_the_cap_reports_both() -> None:
    slow = rule("slow", "tags", params={"pattern": f"^(?:{BACKTRACKING}|ok)$"})
    values = ["bad"] * 60 + [SLOW_VALUE] * 300
    findings = run(list_of(values), slow, regex_seconds=SMALL_BUDGET)
    assert [f.rule for f in findings] == ["slow"] * 51 + ["pack.regex-timeout"]
    assert findings[50].message.startswith("and ")
