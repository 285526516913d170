"""Provenance trailers: the commit records the policy it was checked under.

When the pack asks (``enforcement.provenance: true``), the commit-msg gate appends to a commit
it lets through ``Policy: <key>@<version> sha256:<hash>`` (the hash ``packwarden effective
--json`` shows) and one ``Policy-Waived:`` trailer per waivers-file entry that covered a finding
of the commit. git itself writes them (``git interpret-trailers --in-place``), so they land in
the trailer block as git places trailers; a trailer already there with the same key is
replaced (a ``Policy-Waived:`` one only when it is the same), so amending a commit does not
pile them up.
"""

from __future__ import annotations

import subprocess

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from packwarden.api import CheckResult


def provenance_trailers(result: CheckResult) -> list[str]:
    policy = result.policy
    trailers = [f"Policy: {policy.pack} sha256:{policy.sha256}"]
    seen: set[tuple[str, str, str]] = set()
    for waiver in result.verdict.waived.values():
        if waiver.trailer:
            continue  # already in the message, written by its author
        key = (waiver.rule, waiver.owner, waiver.expires)
        if key not in seen:
            seen.add(key)
            trailers.append(f"Policy-Waived: {waiver.rule} (owner {waiver.owner}, until {waiver.expires})")
    return trailers


def record_provenance(message_file: str, result: CheckResult) -> None:
    from packwarden.gitenv import git_environment

    policy, *waived = provenance_trailers(result)
    command = ["git", "interpret-trailers", "--in-place", "--if-exists", "replace", "--trailer", policy]
    for trailer in waived:  # several of one key: each kept, none twice
        command += ["--if-exists", "addIfDifferent", "--trailer", trailer]
    subprocess.run([*command, message_file], env=git_environment(), check=True, capture_output=True, timeout=60)
