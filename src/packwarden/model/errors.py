"""Typed exceptions of the public API."""

from __future__ import annotations

from collections.abc import Sequence

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from packwarden.model.finding import Finding


class PolicyError(Exception):
    """Base of every error packwarden raises on purpose."""


class PolicyNotFoundError(PolicyError):
    """A pack named by key@version, or a pack file, does not exist."""


class PolicyValidationError(PolicyError):
    """A pack or config file is invalid. ``errors`` block use; ``warnings`` do not."""

    def __init__(self, errors: Sequence[Finding], warnings: Sequence[Finding] = ()) -> None:
        self.errors = tuple(errors)
        self.warnings = tuple(warnings)
        first = self.errors[0] if self.errors else None
        where = f"{first.path}:{first.line}:{first.column}: {first.message}" if first else ""
        more = f" (and {len(self.errors) - 1} more)" if len(self.errors) > 1 else ""
        super().__init__(f"invalid policy: {where}{more}")


class PackUnavailableError(PolicyError):
    """A central pack or project file the lock pins is not in the local cache; ``str()`` says
    what to run. Resolution reports it as ``pack.unavailable`` (warn mode) or exits 2 (strict)."""


class UsageError(PolicyError):
    """The command line asks for something impossible (exit code 2)."""


class GitError(PolicyError):
    """git failed, or the directory is not the repository the command needs."""
