"""The finding for a central pack or project file the cache does not hold (warn mode)."""

from __future__ import annotations

from packwarden.load.document import Mark
from packwarden.model import builtin_rules as R
from packwarden.model.finding import Finding, Severity

PULL = "run `packwarden pull` (it fills the cache to match .packwarden/lock.yml)"


def unavailable_finding(message: str, path: str, mark: Mark = (1, 1)) -> Finding:
    return Finding(R.PACK_UNAVAILABLE.id, Severity.ERROR, message, path, *mark, fix=PULL)
