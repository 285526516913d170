"""The one decision: which findings block, and the exit code (DESIGN.md, "Severity and mode").

On plain values (severity names and flags), so that ``enforce`` deciding on a check's findings
and the commit-msg gate deciding on the raw findings of its memo run the same lines, and the
gate need not build a record to do it.
"""

import os
import time

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from collections.abc import Collection, Sequence

EXIT_CLEAN = 0
EXIT_BLOCKED = 1
EXIT_INPUT_ERROR = 2
EXIT_INTERNAL = 3
TODAY_VARIABLE = "PACKWARDEN_TODAY"  # tests only: the date a run takes for today (see ``today``)


def blocks(severity: str, mode: str, fail_on: str, waived: bool = False) -> bool:
    """``block`` always blocks; ``error`` blocks in strict mode; nothing else ever does, and
    nothing a waiver covers (``waived``: the decision step found one in force)."""
    if waived:
        return False
    if severity == "block":
        return True
    return mode == "block" and severity == "error" and fail_on == "error"


def is_input_error(input_rule: bool, severity: str) -> bool:
    """A finding about the tool's own inputs (a broken pack or config) at error or above: exit 2,
    whatever the mode. ``input_rule``: packwarden's own rule for such inputs said it."""
    return input_rule and severity in ("error", "block")


def exit_code(findings: "list[tuple[str, bool, bool]]", mode: str, fail_on: str) -> int:
    """The exit code for findings given as (severity, input rule, waived) triples. A waiver never
    covers a finding about packwarden's own inputs (``enforce`` offers none to one)."""
    if any(is_input_error(input_rule, severity) for severity, input_rule, _ in findings):
        return EXIT_INPUT_ERROR
    blocked = any(blocks(severity, mode, fail_on, waived) for severity, _, waived in findings)
    return EXIT_BLOCKED if blocked else EXIT_CLEAN


def rule_covered(pattern: str, rule_id: str) -> bool:
    """Whether a waiver's rule part covers ``rule_id``: the same id, or a prefix of it
    (``skill.*`` and ``skill.`` cover ``skill.name-format``; ``skill*`` covers ``skills.x`` too)."""
    if pattern.endswith("*"):
        return rule_id.startswith(pattern[:-1])
    if pattern.endswith("."):
        return rule_id.startswith(pattern)
    return rule_id == pattern


def trailer_waives(
    severity: str, rule_id: str, waivable: bool, locked: "Collection[str]", trailer_rules: "Sequence[str]"
) -> bool:
    """Whether ``Policy-Waiver:`` trailers naming ``trailer_rules`` (ids or prefixes) cover a
    finding: an ``error`` finding any waiver may cover (``waivable``) of a rule nobody locked.
    On plain values, for the gate's memo answer; ``model.waiving`` decides the same way."""
    if severity != "error" or not waivable or rule_id in locked:
        return False
    return any(rule_covered(pattern, rule_id) for pattern in trailer_rules)


def today() -> str:
    """The UTC date a decision is taken on, ``YYYY-MM-DD``: waivers hold through their
    ``expires`` day, the same day on every machine. ``PACKWARDEN_TODAY`` sets another date, for
    tests only (docs/waivers.md); a value that is not such a date is ignored."""
    given = os.environ.get(TODAY_VARIABLE, "")
    digits = given[:4] + given[5:7] + given[8:]
    if len(given) == 10 and given[4] == given[7] == "-" and digits.isascii() and digits.isdigit():
        return given
    return time.strftime("%Y-%m-%d", time.gmtime())
