"""``waivers list`` output: one line (or JSON object) per entry of the waivers file."""

from __future__ import annotations

from packwarden.model.waiver import WAIVERS_PATH
from packwarden.report.styled import Line, safe

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from collections.abc import Sequence

    from packwarden.model.waiving import WaiverRow

_STATE_STYLE = {"active": "green", "expiring": "yellow", "expired": "red", "invalid": "bold red"}


def waiver_lines(rows: Sequence[WaiverRow]) -> list[Line]:
    if not rows:
        return [[(f"no waivers ({WAIVERS_PATH} has none)", "dim")]]
    lines: list[Line] = []
    for row in rows:
        where = f"{WAIVERS_PATH}:{row.line}:{row.column}:"
        if row.waiver is None:
            lines.append(
                [(where, "bold"), (" ", ""), ("invalid", _STATE_STYLE["invalid"]), (f" {safe(row.problem)}", "")]
            )
            continue
        waiver = row.waiver
        noun = "finding" if row.covers == 1 else "findings"
        head: Line = [
            (where, "bold"),
            (" ", ""),
            (row.state, _STATE_STYLE[row.state]),
            (" ", ""),
            (safe(waiver.rule), "magenta"),
            (f" {safe(', '.join(waiver.paths))}", ""),
            (f" · owner {safe(waiver.owner)} · expires {waiver.expires} · covers {row.covers} {noun}", "dim"),
        ]
        if waiver.fingerprint:
            head.append((f" · fingerprint {waiver.fingerprint}", "dim"))
        if waiver.ticket:
            head.append((f" · {safe(waiver.ticket)}", "dim"))
        lines.append(head)
        lines.append([("    ", ""), (safe(waiver.reason), "")])
        if row.locked:
            lines.append([("    refused for locked rules: ", "red"), (", ".join(row.locked), "")])
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    lines.append([(" · ".join(f"{count} {state}" for state, count in sorted(counts.items())), "")])
    return lines


def waiver_data(rows: Sequence[WaiverRow]) -> dict[str, object]:
    listed: list[dict[str, object]] = []
    for row in rows:
        entry: dict[str, object] = {"state": row.state, "line": row.line, "column": row.column, "covers": row.covers}
        if row.waiver is not None:
            entry.update(row.waiver.shown())
            entry["locked"] = list(row.locked)
        else:
            entry["problem"] = row.problem
        listed.append(entry)
    return {"path": WAIVERS_PATH, "waivers": listed}
