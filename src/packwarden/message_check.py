"""The commit message checked against the policy: what the commit-msg gate calls.

Pure: no git process, no printing. The message file is read as git will store it
(``load.message``), turned into the ``commit`` document, and evaluated by the engine like any
document, with the rules whose ``applies_to`` names ``commit`` (a rule that names no kind was
written for files). Findings point at the message file's own lines. An empty message (git
aborts the commit) has none.
"""

from __future__ import annotations

from collections.abc import Iterable

from packwarden.load.message import Message, message_document, read_message
from packwarden.model.finding import Finding
from packwarden.model.policy import EffectivePolicy
from packwarden.model.record import Record
from packwarden.model.waiver import Waiver

KIND = "commit"


def check_message(
    policy: EffectivePolicy,
    message_path: str,
    text: str,
    *,
    comment_char: str = "#",
    cleanup: str = "default",
    touched_kinds: Iterable[str] = (),
    editor: bool = True,
    verbose: bool | None = None,
    separators: str = ":",
) -> list[Finding]:
    """Every finding of ``policy``'s commit rules on the message ``text`` read from
    ``message_path`` (the path findings name, e.g. ``.git/COMMIT_EDITMSG``).

    ``comment_char``: ``core.commentChar`` (``auto`` allowed); ``cleanup``: ``--cleanup`` or
    ``commit.cleanup`` (default, strip, whitespace, verbatim, scissors); ``touched_kinds``: the
    artifact kinds of the staged files; ``editor``: whether git ran an editor (it sets
    ``GIT_EDITOR=:`` for the hook when not), which decides what ``default`` means;
    ``verbose``: ``git commit -v`` (None: cut at a scissors line whenever there is one);
    ``separators``: ``trailer.separators``. ValueError for an unknown cleanup mode.
    """
    message = read_message(
        text, comment_char=comment_char, cleanup=cleanup, editor=editor, verbose=verbose, separators=separators
    )
    if message.empty:
        return []
    rules = tuple(rule for rule in policy.rules if KIND in rule.applies_to)
    if not rules:
        return []
    from packwarden.artifacts.kinds import Artifact
    from packwarden.engine import check_document  # not for has_message_rules: a cached run imports no engine

    document = message_document(message, tuple(dict.fromkeys(touched_kinds)))
    return check_document(policy, Artifact(message_path, KIND), document, rules)


class CommitMessage(Record):
    """The commit-msg hook's message file and how git will read it (``check_message``'s options)."""

    path: str  # as findings name it, e.g. .git/COMMIT_EDITMSG
    text: str
    comment_char: str = "#"
    cleanup: str = "default"
    editor: bool = True
    separators: str = ":"

    def read(self) -> Message:
        return read_message(
            self.text,
            comment_char=self.comment_char,
            cleanup=self.cleanup,
            editor=self.editor,
            separators=self.separators,
        )


WAIVER_TRAILER = "policy-waiver"


def trailer_waivers(message: CommitMessage) -> tuple[list[Waiver], list[Finding]]:
    """The ``Policy-Waiver: <rule-id> <reason>`` trailers of the message as waivers for this
    commit, and a ``waiver.invalid`` finding at each one without a rule or a real reason (the
    decision step says which findings a trailer may cover: ``error`` ones of unlocked rules)."""
    from packwarden.model import builtin_rules as R
    from packwarden.model.finding import Severity
    from packwarden.model.waiver import TRAILER
    from packwarden.packs.waivers import reason_problem

    read = message.read()
    waivers: list[Waiver] = []
    problems: list[Finding] = []
    for trailer in read.trailers:
        if trailer.key.strip().lower() != WAIVER_TRAILER:
            continue
        rule, _, reason = trailer.value.strip().partition(" ")
        problem = "it names no rule" if not rule else reason_problem(reason.strip())
        if problem is not None:
            text = f"Policy-Waiver: {problem}; write 'Policy-Waiver: <rule-id> <why, in a few words>'"
            problems.append(Finding(R.WAIVER_INVALID.id, Severity.ERROR, text, message.path, trailer.line, 1))
            continue
        waivers.append(
            Waiver(rule, ("**",), reason.strip(), "the commit message", "", line=trailer.line, source=TRAILER)
        )
    return waivers, problems


def check_message_of(policy: EffectivePolicy, message: CommitMessage, touched_kinds: Iterable[str]) -> list[Finding]:
    return check_message(
        policy,
        message.path,
        message.text,
        comment_char=message.comment_char,
        cleanup=message.cleanup,
        touched_kinds=touched_kinds,
        editor=message.editor,
        separators=message.separators,
    )


def has_message_rules(policy: EffectivePolicy) -> bool:
    """Whether the message itself matters to the gate's verdict or output."""
    return policy.provenance or any(KIND in rule.applies_to for rule in policy.rules)
