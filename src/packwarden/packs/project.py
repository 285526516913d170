"""The project layer: ``projects/<id>.yml`` from a central source, read and turned into governance.

The file is the central team's, pinned by the lock and verified like a pack, so its overrides
apply as written (``resolve`` folds them in before the repository's own config) and its
``locked``, ``min_severity`` and ``repo_overrides`` bind the repository's config
(``packs.governance``).
"""

from __future__ import annotations

from packwarden.load.document import PosDict
from packwarden.model import builtin_rules as R
from packwarden.model.finding import Severity
from packwarden.packs.governance import Governance
from packwarden.packs.overrides import validated
from packwarden.packs.reader import Problems
from packwarden.packs.schema import ProjectSpec, models


class Project:
    """A read project file: its spec, its data (for locations), where it came from."""

    def __init__(self, spec: ProjectSpec, data: PosDict | None, source: str, layer: str) -> None:
        self.spec = spec
        self.data = data
        self.source = source
        self.layer = layer

    @property
    def governance(self) -> Governance:
        return Governance(
            self.layer,
            self.spec.repo_overrides,
            tuple(self.spec.locked),
            {rule_id: Severity(severity) for rule_id, severity in self.spec.min_severity.items()},
        )


def read_project(raw: bytes, source: str, layer: str) -> Project:
    """The validated project file; raises PolicyValidationError located in ``source``."""
    problems = Problems(source, R.PACK_INVALID)
    spec, data = validated(raw, problems, models().project)
    for index, lock in enumerate(spec.locked):
        if not lock.strip("*") or "*" in lock[:-1]:
            from packwarden.packs.locate import locate

            problems.error(
                f"locked: {lock!r} is not a rule id or a prefix ending in '*'", locate(data, ("locked", index))
            )
    problems.raise_if_errors()
    return Project(spec, data, source, layer)
