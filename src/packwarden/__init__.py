"""packwarden: a policy gate for AI-agent skills, plugins and protocol runs.

The API returns data and raises typed errors; importing it has no side effects::

    import packwarden
    result = packwarden.check(["skills/x/skill.yaml"])
    for finding in result.findings: ...
"""

from __future__ import annotations

from packwarden.model.errors import PolicyError, PolicyNotFoundError, PolicyValidationError
from packwarden.model.finding import Finding, Severity
from packwarden.model.version import VERSION

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any

    from packwarden.api import CheckResult, check, resolve
    from packwarden.model.policy import EffectivePolicy

__version__ = VERSION
__all__ = [
    "CheckResult",
    "EffectivePolicy",
    "Finding",
    "PolicyError",
    "PolicyNotFoundError",
    "PolicyValidationError",
    "Severity",
    "check",
    "resolve",
]


def __getattr__(name: str) -> Any:
    # check/resolve pull in the engine; load them on first use so `import packwarden` stays cheap.
    if name in ("check", "resolve", "CheckResult"):
        from packwarden import api

        return getattr(api, name)
    if name == "EffectivePolicy":
        from packwarden.model.policy import EffectivePolicy

        return EffectivePolicy
    raise AttributeError(f"module 'packwarden' has no attribute {name!r}")
