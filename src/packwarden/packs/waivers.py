"""Reading ``.packwarden/waivers.yml``: the reviewed exceptions (``model.waiver``).

Read on every run, so without pydantic: the position-keeping YAML reader, checked strictly
(as ``packs.lock`` reads the lock). A malformed entry is a ``waiver.invalid`` finding at its
line and column and waives nothing; the entries around it still hold. The file is a policy
input: it is read through ``PackFiles`` (the working tree, or the index for ``--staged`` and
the gate), so it is recorded with every other input and governs every unit.

    waivers:
      - rule: skill.name-format          # an id, or a prefix: skill.* (or skill.)
        paths: ["skills/legacy/**"]      # globs, as the pack's artifact globs
        fingerprint: 3f0c9a1d2b4e5f60    # optional: this one finding only
        reason: legacy names stay until the registry migration
        owner: data-platform
        expires: 2026-03-31              # the last day it holds (UTC)
        ticket: DP-1423                  # optional
"""

from __future__ import annotations

import re

from packwarden.load.document import Mark, PosDict, PosList
from packwarden.load.limits import MAX_PACK_BYTES
from packwarden.model import builtin_rules as R
from packwarden.model.finding import BUILTIN_PACK, Finding
from packwarden.model.waiver import NO_WAIVERS, WAIVERS_PATH, Waiver, WaiverFile, day_number
from packwarden.packs.files import PackFile, PackFileError, PackFiles

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any

MAX_WAIVERS = 1000
KEYS = ("rule", "paths", "fingerprint", "reason", "owner", "expires", "ticket")
RULE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\*?\Z")
FINGERPRINT = re.compile(r"[0-9a-f]{16}\Z")
MAX_TEXT = 1000
# Reasons that say nothing a reviewer could judge (compared lowercase, without punctuation).
BOILERPLATE = frozenset(
    ("todo", "tbd", "tba", "na", "n a", "none", "temp", "temporary", "wip", "fixme", "fix later", "later", "xxx",
     "test", "testing", "ok", "fine", "ignore", "skip", "no reason", "not needed", "will fix", "to do",
     "will fix later", "fix it later", "to be fixed", "to be done", "not a problem", "for now only",
     "needed for now", "temporary for now", "temporary work around", "temporary workaround for now")
)  # fmt: skip
MIN_REASON_WORDS = 3
UNREADABLE = "unreadable"  # the digest recorded for a waivers file that could not be read


def load_waivers(files: PackFiles) -> WaiverFile:
    """The repository's waivers file, read (and recorded as a policy input) through ``files``.

    One that cannot be read (a link out of the repository, too large) is recorded too, with a
    digest no blob has: the gate memo never answers for it, and a fix to it is seen."""
    try:
        raw = files.optional_repo_file(WAIVERS_PATH)
    except PackFileError as exc:
        files.read.append(PackFile(WAIVERS_PATH, WAIVERS_PATH, (), UNREADABLE, True))
        message = exc.problem.message if exc.problem is not None else "cannot be read"
        return WaiverFile((), (_invalid(f"{WAIVERS_PATH} {message}; no waiver applies", (1, 1)),), True)
    return NO_WAIVERS if raw is None else read_waivers(raw)


def _invalid(message: str, mark: Mark) -> Finding:
    return Finding(
        rule=R.WAIVER_INVALID.id,
        severity=R.WAIVER_INVALID.severity,
        message=message,
        path=WAIVERS_PATH,
        line=mark[0],
        column=mark[1],
        pack=BUILTIN_PACK,
        fix="see `packwarden explain waiver.invalid` and docs/waivers.md",
    )


def read_waivers(raw: bytes) -> WaiverFile:
    """The waivers in ``raw``: every valid entry, and a ``waiver.invalid`` finding for each problem."""
    from packwarden.load.yaml import load_yaml  # only when there is a file: a warm run may parse nothing else

    document = load_yaml(raw, MAX_PACK_BYTES)
    if document.problems:
        return WaiverFile(
            (), tuple(_invalid(f"{p.message}; no waiver applies", (p.line, p.column)) for p in document.problems), True
        )
    data = document.data
    if data is None:
        return WaiverFile((), (), True)  # an empty file: no waivers
    if not isinstance(data, PosDict):
        return WaiverFile((), (_invalid("the file must be a mapping with a 'waivers' list", _mark(data)),), True)
    problems = [
        _invalid(f"unknown key {key!r}; the file holds 'waivers'", data.key_marks[key])
        for key in data
        if key != "waivers"
    ]
    entries = data.get("waivers")
    if entries is None:
        return WaiverFile((), tuple(problems), True)
    if not isinstance(entries, PosList):
        problems.append(_invalid("waivers must be a list of entries (write [] for none)", data.marks["waivers"]))
        return WaiverFile((), tuple(problems), True)
    waivers: list[Waiver] = []
    for index, entry in enumerate(entries):
        if index == MAX_WAIVERS:
            message = f"more than {MAX_WAIVERS} waivers; the rest are not read"
            problems.append(_invalid(message, entries.marks[index]))
            break
        waiver = _entry(entry, entries.marks[index], problems)
        if waiver is not None:
            waivers.append(waiver)
    return WaiverFile(tuple(waivers), tuple(problems), True)


def _mark(data: Any) -> Mark:
    mark: Mark = getattr(data, "mark", (1, 1))
    return mark


def _entry(entry: Any, mark: Mark, problems: list[Finding]) -> Waiver | None:
    if not isinstance(entry, PosDict):
        problems.append(_invalid("a waiver must be a mapping of rule, paths, reason, owner and expires", mark))
        return None
    before = len(problems)
    for key in entry:
        if key not in KEYS:
            problems.append(_invalid(f"unknown key {key!r}; a waiver has {', '.join(KEYS)}", entry.key_marks[key]))
    rule = _text(entry, "rule", problems)
    if rule is not None and not RULE.match(rule):
        message = f"rule {rule!r} is not a rule id or a prefix ending in '*' or '.' (skill.name-format, skill.*)"
        problems.append(_invalid(message, entry.marks["rule"]))
    paths = _paths(entry, problems)
    fingerprint = _text(entry, "fingerprint", problems, required=False)
    if fingerprint is not None and not FINGERPRINT.match(fingerprint):
        message = "fingerprint must be 16 lowercase hex digits, as `packwarden check --format json` shows it"
        problems.append(_invalid(message, entry.marks["fingerprint"]))
    reason = _text(entry, "reason", problems)
    if reason is not None and _boilerplate(reason):
        message = (
            f"reason {reason!r} says nothing a reviewer can judge; write why the exception is right, in a sentence"
        )
        problems.append(_invalid(message, entry.marks["reason"]))
    owner = _text(entry, "owner", problems)
    expires = _text(entry, "expires", problems)
    if expires is not None and day_number(expires) is None:
        problems.append(_invalid(f"expires {expires!r} is not a date written YYYY-MM-DD", entry.marks["expires"]))
    ticket = _text(entry, "ticket", problems, required=False)
    if len(problems) > before or None in (rule, paths, reason, owner, expires):
        return None
    assert rule is not None and paths is not None and reason is not None and owner is not None and expires is not None
    return Waiver(
        rule=rule,
        paths=paths,
        reason=reason,
        owner=owner,
        expires=expires,
        fingerprint=fingerprint or "",
        ticket=ticket or "",
        line=mark[0],
        column=mark[1],
    )


def _text(entry: PosDict, key: str, problems: list[Finding], *, required: bool = True) -> str | None:
    if key not in entry:
        if required:
            problems.append(
                _invalid(f"{key} is missing; a waiver needs rule, paths, reason, owner and expires", entry.mark)
            )
        return None
    value = entry[key]
    if not isinstance(value, str) or not value.strip():
        problems.append(_invalid(f"{key} must be a non-empty string, not {_shown(value)}", entry.marks[key]))
        return None
    if len(value) > MAX_TEXT or "\n" in value.strip():
        problems.append(_invalid(f"{key} must be one line of at most {MAX_TEXT} characters", entry.marks[key]))
        return None
    return value.strip()


def _paths(entry: PosDict, problems: list[Finding]) -> tuple[str, ...] | None:
    if "paths" not in entry:
        problems.append(_invalid("paths is missing; name the files it covers: paths: ['skills/legacy/**']", entry.mark))
        return None
    value = entry["paths"]
    if not isinstance(value, PosList) or not value:
        message = f"paths must be a non-empty list of globs (paths: ['skills/legacy/**']), not {_shown(value)}"
        problems.append(_invalid(message, entry.marks["paths"]))
        return None
    before = len(problems)
    for glob, mark in zip(value, value.marks, strict=True):
        if not isinstance(glob, str) or not glob.strip():
            problems.append(_invalid(f"a path glob must be a non-empty string, not {_shown(glob)}", mark))
        elif glob.startswith("/") or ".." in glob.split("/") or "\\" in glob:
            message = f"path glob {glob!r} must be relative to the repository's top, with '/' and no '..'"
            problems.append(_invalid(message, mark))
    return None if len(problems) > before else tuple(value)


def reason_problem(reason: str) -> str | None:
    """Why ``reason`` is not one a reviewer can judge (boilerplate, too few words); None when it is."""
    if not _boilerplate(reason):
        return None
    return f"the reason {reason!r} says nothing a reviewer can judge" if reason else "it gives no reason"


def _boilerplate(reason: str) -> bool:
    words = "".join(char if char.isalnum() else " " for char in reason.lower()).split()
    return " ".join(words) in BOILERPLATE or len(words) < MIN_REASON_WORDS


def _shown(value: object) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if value is None:
        return "null"
    return repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
