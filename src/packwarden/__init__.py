"""packwarden: a policy gate for AI-agent skills, plugins and protocol runs.

The API returns data and raises typed errors; importing it has no side effects::

    import packwarden
    result = packwarden.check(["skills/x/skill.yaml"])
    for finding in result.findings: ...
"""

# No ``from __future__ import annotations``: the commit-msg gate imports this module, and
# __future__ costs it ~0.8 M instructions (docs/performance.md); annotations are quoted instead.

from packwarden.model.version import VERSION

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import Any

    from packwarden.api import CheckResult, check, resolve
    from packwarden.model.errors import PolicyError, PolicyNotFoundError, PolicyValidationError
    from packwarden.model.finding import Finding, Severity
    from packwarden.model.policy import EffectivePolicy

__version__ = VERSION

# Every public name, and the module it lives in: loaded on first use (PEP 562), so that
# `import packwarden` costs next to nothing and a small entry point can import one module of it.
_EXPORTS = {
    "CheckResult": "packwarden.api",
    "check": "packwarden.api",
    "resolve": "packwarden.api",
    "EffectivePolicy": "packwarden.model.policy",
    "Finding": "packwarden.model.finding",
    "Severity": "packwarden.model.finding",
    "PolicyError": "packwarden.model.errors",
    "PolicyNotFoundError": "packwarden.model.errors",
    "PolicyValidationError": "packwarden.model.errors",
}
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


def __getattr__(name: str) -> "Any":
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'packwarden' has no attribute {name!r}")
    from importlib import import_module

    return getattr(import_module(module), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])
