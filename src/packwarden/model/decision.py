"""The one decision: which findings block, and the exit code (DESIGN.md, "Severity and mode").

On plain values (severity names and flags), so that ``enforce`` deciding on a check's findings
and the commit-msg gate deciding on the raw findings of its memo run the same lines, and the
gate need not build a record to do it.
"""

EXIT_CLEAN = 0
EXIT_BLOCKED = 1
EXIT_INPUT_ERROR = 2
EXIT_INTERNAL = 3


def blocks(severity: str, mode: str, fail_on: str) -> bool:
    """``block`` always blocks; ``error`` blocks in strict mode; nothing else ever does."""
    if severity == "block":
        return True
    return mode == "block" and severity == "error" and fail_on == "error"


def is_input_error(input_rule: bool, severity: str) -> bool:
    """A finding about the tool's own inputs (a broken pack or config) at error or above: exit 2,
    whatever the mode. ``input_rule``: packwarden's own rule for such inputs said it."""
    return input_rule and severity in ("error", "block")


def exit_code(findings: "list[tuple[str, bool]]", mode: str, fail_on: str) -> int:
    """The exit code for findings given as (severity, input rule) pairs."""
    if any(is_input_error(input_rule, severity) for severity, input_rule in findings):
        return EXIT_INPUT_ERROR
    return EXIT_BLOCKED if any(blocks(severity, mode, fail_on) for severity, _ in findings) else EXIT_CLEAN
