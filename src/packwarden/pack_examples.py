"""``packwarden packs verify``: run every pack of a folder over its own examples.

The same judgement this repository's tests pass on the built-in packs:

- ``examples/pass/``: every file is an artifact the pack checks, and the pack finds nothing in
  them at all (no finding of any severity, its own warnings included);
- a tree may hold ``.packwarden/answers.yml``: the answers to the pack's clarifications for
  that tree alone (a pass tree answers every question; a fail tree without one trips them);
- ``examples/fail/`` and each ``examples/fail-<what>/`` beside it (for what cannot stand beside
  the others, such as a broken plugin contract): every file is an artifact the pack checks, each
  has a finding at it or at a folder holding it (except files every unit only reads, such as a
  plugin's operating contract), and the fail trees together trip every rule the pack itself
  defines;
- a commit message example (a file the pack's ``artifacts`` give the kind ``commit``) is checked
  as the commit-msg gate checks a message, the tree's other artifacts being what the commit
  touches (``requirements.commit_message``'s ``trailers_when_touched``); a fail example's
  first comment is a comment to git too, which drops it;
- a fail example whose first comment (its leading ``#`` lines, or the HTML comment a markdown
  file starts with) names rule ids of the policy trips each of them at that file.

Each tree is checked as a project of its own (no git repository above it, no config, no
cache), against the pack alone, resolved against the folder's packs first, then the built-in
ones. Links and anything but regular files in an example tree are failures, never followed.
"""

from __future__ import annotations

import os
import re
import stat

from packwarden.api import CheckResult, check_against
from packwarden.artifacts.units import Unit, UnitTable, attached_of, registries_of
from packwarden.enforce import decide
from packwarden.load.files import read_capped
from packwarden.load.limits import MAX_FILE_BYTES
from packwarden.message_check import KIND, check_message
from packwarden.model import builtin_rules as R
from packwarden.model.errors import PolicyNotFoundError, PolicyValidationError, UsageError
from packwarden.model.policy import EffectivePolicy
from packwarden.model.record import Record
from packwarden.packs.answers import with_answers
from packwarden.packs.files import PackFiles
from packwarden.packs.folder import FolderPacks
from packwarden.packs.inputs import ANSWERS_PATH, PolicyInputs
from packwarden.packs.resolve import ChainLoader, build_policy
from packwarden.workspace import DiskFiles

MAX_EXAMPLE_FILES = 10_000  # per tree: examples are a handful of files
_HEADER_BYTES = 65_536  # the first comment is read from the start of a file only


class ExampleFailure(Record):
    path: str  # the example, tree or pack, as the user names it
    message: str

    def text(self) -> str:
        return f"{self.path}: {self.message}"


class PackVerdict(Record):
    ref: str
    trees: tuple[str, ...]  # the example trees run: pass, fail, fail-<what>
    failures: tuple[ExampleFailure, ...]
    skipped: str = ""  # why nothing was run (a pack without examples)


class VerifyReport(Record):
    packs: tuple[PackVerdict, ...]
    problems: tuple[ExampleFailure, ...]  # entries of the folder that are no usable pack

    @property
    def exit_code(self) -> int:
        return 1 if self.problems or any(verdict.failures for verdict in self.packs) else 0

    def to_dict(self) -> dict[str, object]:
        packs = [
            {**verdict._asdict(), "trees": list(verdict.trees), "failures": [f._asdict() for f in verdict.failures]}
            for verdict in self.packs
        ]
        return {"packs": packs, "problems": [problem._asdict() for problem in self.problems]}


def verify_folder(folder: str) -> VerifyReport:
    """Every ``<key>@<version>/`` pack of ``folder`` over its examples; UsageError when
    ``folder`` cannot be listed or holds no pack."""
    packs = FolderPacks(folder)
    if not packs.refs and not packs.problems:
        raise UsageError(f"{folder}: holds no <key>@<version>/ pack")
    problems = tuple(ExampleFailure(entry.path, entry.problem.message) for entry in packs.problems)
    return VerifyReport(tuple(verify_pack(packs, ref) for ref in packs.refs), problems)


def verify_pack(packs: FolderPacks, ref: str) -> PackVerdict:
    """The pack ``ref`` of ``packs`` over its examples."""
    examples = os.path.join(packs.pack_folder(ref), "examples")
    shown = packs.path_of(ref, "examples")
    if os.path.islink(examples):
        return PackVerdict(ref, (), (ExampleFailure(shown, "is a link; examples are read where they are"),))
    if not os.path.isdir(examples):
        return PackVerdict(ref, (), (), skipped="no examples/ folder")
    files = PackFiles(packs.folder, extra=packs.extra)
    try:
        own = {rule.id for rule in ChainLoader(files).chain(ref, packs.folder)[-1].rules}
        policy = build_policy(PolicyInputs(pack=ref, cwd=packs.folder, root=packs.folder), files)
    except (PolicyValidationError, PolicyNotFoundError) as exc:
        return PackVerdict(ref, (), (ExampleFailure(packs.path_of(ref), f"the pack cannot be built: {exc}"),))
    names = sorted(os.listdir(examples))
    trees = [name for name in names if name == "pass"] + [n for n in names if n == "fail" or n.startswith("fail-")]
    failures = [] if "pass" in names else [ExampleFailure(shown, "has no pass/ folder")]
    found: set[str] = set()
    for tree in trees:
        root, where = os.path.join(examples, tree), os.path.join(shown, tree)
        answered = with_answers(policy, PackFiles(root), has_config=False)  # the tree's own answers
        failures.extend(_pass(answered, root, where) if tree == "pass" else _fail(answered, root, where, found))
    missing = sorted(own - found)
    if missing:
        failures.append(ExampleFailure(shown, f"no fail example trips {', '.join(missing)}"))
    return PackVerdict(ref, tuple(trees), tuple(failures))


def _tree(policy: EffectivePolicy, root: str, where: str) -> tuple[CheckResult | None, list[str], list[ExampleFailure]]:
    """The tree checked: the result, its files, and what is wrong with the tree itself."""
    files, failures = _listing(root, where)
    if not files:
        return None, [], failures or [ExampleFailure(where, "is empty")]
    result = check_against(policy, files, cwd=root, alone=True)
    table = UnitTable(policy.artifacts, registries_of(policy.rules), attached_of(policy.rules))
    source = DiskFiles(root, in_git=False, untracked=True)
    units = table.units(files, source.listing)
    members = {path for unit in units for path in unit.members}
    result = _with_messages(policy, result, root, units)
    outside = [path for path in files if path not in members and path != ANSWERS_PATH]
    failures.extend(ExampleFailure(f"{where}/{path}", "is not an artifact the pack checks") for path in outside)
    return result, files, failures


def _with_messages(policy: EffectivePolicy, result: CheckResult, root: str, units: list[Unit]) -> CheckResult:
    """The tree's commit messages checked as the commit-msg gate checks them: as the message of
    a commit that stages the tree's other artifacts (their kinds are what it touches)."""
    messages = [unit.root for unit in units if unit.kind == KIND]
    if not messages:
        return result
    touched = tuple(sorted({unit.kind for unit in units if unit.kind != KIND}))
    findings = [finding for finding in result.findings if finding.path not in messages]
    for path in messages:
        raw = read_capped(os.path.join(root, path), MAX_FILE_BYTES, follow_links=False)
        if isinstance(raw, bytes):
            findings.extend(check_message(policy, path, raw.decode("utf-8", "replace"), touched_kinds=touched))
    ordered = sorted(dict.fromkeys(findings), key=lambda finding: finding.sort_key)
    return result._replace(findings=tuple(ordered), verdict=decide(ordered, policy))


def _listing(root: str, where: str) -> tuple[list[str], list[ExampleFailure]]:
    """Every regular file below ``root`` (relative, with ``/``), and every other entry as a failure."""
    files: list[str] = []
    failures: list[ExampleFailure] = []

    def unreadable(error: OSError) -> None:
        failures.append(ExampleFailure(where, f"cannot list {error.filename}: {error.strerror}"))

    for directory, dirs, names in os.walk(root, onerror=unreadable):
        base = os.path.relpath(directory, root).replace(os.sep, "/")
        for name in sorted([*dirs, *names]):
            relative = name if base == "." else f"{base}/{name}"
            try:
                mode = os.lstat(os.path.join(directory, name)).st_mode
            except OSError as exc:
                failures.append(ExampleFailure(f"{where}/{relative}", f"cannot read: {exc.strerror}"))
                continue
            if stat.S_ISREG(mode):
                files.append(relative)
            elif stat.S_ISLNK(mode):
                failures.append(ExampleFailure(f"{where}/{relative}", "is a link; examples are plain files"))
            elif not stat.S_ISDIR(mode):
                failures.append(ExampleFailure(f"{where}/{relative}", "is not a regular file; not read"))
        if len(files) > MAX_EXAMPLE_FILES:
            return [], [ExampleFailure(where, f"holds more than {MAX_EXAMPLE_FILES} files; not run")]
    return files, failures


def _pass(policy: EffectivePolicy, root: str, where: str) -> list[ExampleFailure]:
    result, _, failures = _tree(policy, root, where)
    if result is None:
        return failures
    warnings = set(policy.warnings)
    for finding in result.findings:
        at = finding.path if finding in warnings else f"{where}/{finding.path}"
        failures.append(ExampleFailure(f"{at}:{finding.line}:{finding.column}", f"{finding.rule}: {finding.message}"))
    if result.exit_code != 0 and not result.findings:
        failures.append(ExampleFailure(where, f"exits {result.exit_code}"))  # pragma: no cover - findings decide
    return failures


def _fail(policy: EffectivePolicy, root: str, where: str, found: set[str]) -> list[ExampleFailure]:
    result, files, failures = _tree(policy, root, where)
    if result is None:
        return failures
    found.update(finding.rule for finding in result.findings)
    inputs = {path for paths in attached_of(policy.rules).values() for path in paths}
    known = {rule.id for rule in policy.rules} | set(R.BY_ID)
    for path in files:
        here = {finding.rule for finding in result.findings if covered(path, {finding.path})}
        if not here and path not in inputs and path != ANSWERS_PATH:  # an input, not an artifact
            failures.append(ExampleFailure(f"{where}/{path}", "no finding: a fail example must trip a rule"))
        for rule in declared_rules(os.path.join(root, path), known):
            if rule not in here:
                failures.append(ExampleFailure(f"{where}/{path}", f"its first comment names {rule}, not found there"))
    return failures


def covered(path: str, found: set[str]) -> bool:
    """Whether a finding is at ``path`` or at a folder holding it (a run's folder: a missing
    plan.md is reported at ``.protocols/run``, and that covers every file of the run)."""
    parts = path.split("/")
    return any("/".join(parts[:end]) in found for end in range(1, len(parts) + 1))


_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@-]*")


def declared_rules(path: str, known: set[str]) -> list[str]:
    """The rule ids among ``known`` that the file's first comment names."""
    raw = read_capped(path, MAX_FILE_BYTES, follow_links=False)
    text = raw[:_HEADER_BYTES].decode("utf-8", "replace") if isinstance(raw, bytes) else ""
    if path.endswith((".md", ".markdown")):  # a '#' line is a heading there
        header = [text.split("-->", 1)[0]] if text.lstrip().startswith("<!--") else []
    else:
        header = []
        for line in text.splitlines():
            if not line.startswith("#"):
                break
            header.append(line)
    words = (word.rstrip(".") for chunk in header for word in _WORD.findall(chunk))
    return list(dict.fromkeys(word for word in words if word in known))
