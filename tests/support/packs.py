"""Packs the tests share: reading one from text, and a repository pack asking for a registry."""

from __future__ import annotations

import textwrap

import pytest

from packwarden.model.errors import PolicyValidationError
from packwarden.model.finding import Severity
from packwarden.packs.reader import LoadedPack, read_pack

REGISTRY_INDEX = "registry/skills.json"
# A pack whose only requirement is a skills registry that must agree on ``status``.
REGISTRY_PACK = (
    "meta: {key: reg, version: '1'}\n"
    "extends: [default@1.0]\n"
    "requirements:\n"
    "  protocol_files: []\n"
    "  step_sections: []\n"
    "  registry:\n"
    f"    - {{path: {REGISTRY_INDEX}, list: skills, kind: skill, match: [status]}}\n"
)


def read_text(text: str, source: str) -> LoadedPack:
    """The pack written in ``text`` (dedented), as read from ``source``."""
    return read_pack(textwrap.dedent(text).encode("utf-8"), source)


def pack_errors(text: str, source: str) -> list[tuple[str, int, int, str]]:
    """The located errors reading ``text`` raises: rule id, line, column, message."""
    with pytest.raises(PolicyValidationError) as info:
        read_text(text, source)
    for error in info.value.errors:
        assert error.severity is Severity.ERROR
        assert error.path == source
    return [(e.rule, e.line, e.column, e.message) for e in info.value.errors]
