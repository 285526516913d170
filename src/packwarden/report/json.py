"""Machine output: ``{"findings": [...], "summary": {...}, "policy": {...}}``."""

from __future__ import annotations

import json

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import TextIO

    from packwarden.api import CheckResult


def as_data(result: CheckResult) -> dict[str, object]:
    counts = {severity.value: count for severity, count in result.verdict.counts.items()}
    return {
        "findings": [finding.to_dict() for finding in result.findings],
        "summary": {
            "files": result.files,
            "rules": len(result.policy.rules),
            **counts,
            "blocking": len(result.verdict.blocking),
            "mode": result.policy.mode,
            "exit_code": result.exit_code,
        },
        "policy": {"hash": result.policy.digest, "packs": list(result.policy.packs)},
    }


def render(result: CheckResult, out: TextIO, color: bool) -> None:
    json.dump(as_data(result), out, indent=2, ensure_ascii=False)
    out.write("\n")
