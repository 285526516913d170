"""Machine output: ``{"findings": [...], "summary": {...}, "policy": {...}}``.

The output is always valid UTF-8 JSON, whatever the file names. Paths are read from git and
the disk as bytes and decoded as UTF-8 with ``surrogateescape``, so a name that is not valid
UTF-8 (``b"bad\\xff/skill.yaml"``) holds lone surrogates, which JSON cannot carry. Such a
finding has:

- ``"path"``: the name for display, each byte that is not UTF-8 written as the four characters
  ``\\xNN`` (lowercase hex): ``"bad\\\\xff/skill.yaml"`` in the JSON text;
- ``"path_bytes"``: the exact name, base64 (RFC 4648, standard alphabet, padded) of its bytes:
  ``"YmFk/y9za2lsbC55YW1s"``.

``"path_bytes"`` is present only when the name is not valid UTF-8; without it, ``"path"`` is
the exact name. Any other text (a message quoting such a name) gets the same ``\\xNN`` escape.
"""

from __future__ import annotations

import json

from packwarden.report.styled import undecodable_bytes, undecodable_escaped

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import TextIO

    from packwarden.api import CheckResult
    from packwarden.model.finding import Finding


def finding_data(finding: Finding) -> dict[str, object]:
    """A finding as JSON data: ``Finding.to_dict``, with ``path_bytes`` for a non-UTF-8 path."""
    data = finding.to_dict()
    raw = undecodable_bytes(finding.path)
    if raw is None:
        return data
    import base64

    shown: dict[str, object] = {}
    for key, value in data.items():
        shown[key] = value
        if key == "path":
            shown["path_bytes"] = base64.b64encode(raw).decode("ascii")
    return shown


def valid_text(data: object) -> object:
    """``data`` with every string (keys too) made valid Unicode (``undecodable_escaped``)."""
    if isinstance(data, str):
        return undecodable_escaped(data)
    if isinstance(data, dict):
        return {valid_text(key): valid_text(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [valid_text(item) for item in data]
    return data


def as_data(result: CheckResult) -> dict[str, object]:
    """Every finding, those a waiver covers with ``"waived_by"`` (the waiver); the summary's
    severity counts leave the waived ones out and count them under ``"waived"``."""
    counts = {severity.value: count for severity, count in result.verdict.counts.items()}
    waived = result.verdict.waived
    findings = []
    for finding in result.findings:
        data = finding_data(finding)
        if finding in waived:
            data["waived_by"] = waived[finding].shown()
        findings.append(data)
    return {
        "findings": findings,
        "summary": {
            "files": result.files,
            "rules": len(result.policy.rules),
            **counts,
            "waived": len(waived),
            "blocking": len(result.verdict.blocking),
            "mode": result.policy.mode,
            "exit_code": result.exit_code,
        },
        "policy": {"hash": f"sha256:{result.policy.sha256}", "packs": list(result.policy.packs)},
    }


def dump(data: object, out: TextIO) -> None:
    """``data`` as indented JSON and a newline: UTF-8 text where ``out`` writes UTF-8, else
    ASCII with ``\\u`` escapes, so the bytes are valid UTF-8 either way."""
    import codecs

    try:
        utf8 = codecs.lookup(getattr(out, "encoding", None) or "utf-8").name == "utf-8"
    except LookupError:
        utf8 = False
    out.write(json.dumps(valid_text(data), indent=2, ensure_ascii=not utf8))
    out.write("\n")


def render(
    result: CheckResult, out: TextIO, color: bool, *, show_waived: bool = False, omit_suppressed: bool = False
) -> None:
    """``show_waived`` changes nothing here: JSON always holds the waived findings, marked."""
    dump(as_data(result), out)
