"""The commit message checked against the policy: what the commit-msg gate calls.

Pure: no git process, no printing. The message file is read as git will store it
(``load.message``), turned into the ``commit`` document, and evaluated by the engine like any
document, with the rules whose ``applies_to`` names ``commit`` (a rule that names no kind was
written for files). Findings point at the message file's own lines. An empty message (git
aborts the commit) has none.
"""

from __future__ import annotations

from collections.abc import Iterable

from packwarden.artifacts.kinds import Artifact
from packwarden.engine import check_document
from packwarden.load.message import message_document, read_message
from packwarden.model.finding import Finding
from packwarden.model.policy import EffectivePolicy

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
    document = message_document(message, tuple(dict.fromkeys(touched_kinds)))
    return check_document(policy, Artifact(message_path, KIND), document, rules)
