"""The project layer: ``projects/<id>.yml`` from a central source, read and turned into governance.

The file is the central team's, pinned by the lock and verified like a pack, so its overrides
apply as written (``resolve`` folds them in before the repository's own config) and its
``locked``, ``min_severity`` and ``repo_overrides`` bind the repository's config
(``packs.governance``).
"""

from __future__ import annotations

from pydantic import ValidationError

from packwarden.load.document import PosDict
from packwarden.load.limits import MAX_CONFIG_BYTES
from packwarden.load.yaml import load_yaml
from packwarden.model import builtin_rules as R
from packwarden.model.finding import Severity
from packwarden.packs.governance import Governance
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
    document = load_yaml(raw, MAX_CONFIG_BYTES)
    for problem in document.problems:
        problems.error(problem.message, (problem.line, problem.column), problem.rule)
    problems.raise_if_errors()
    data = document.data if document.data is not None else PosDict((1, 1))
    try:
        spec = models().project.model_validate(data)
    except ValidationError as exc:
        problems.schema_errors(exc, data)
        problems.raise_if_errors()
        raise  # pragma: no cover
    for index, lock in enumerate(spec.locked):
        if not lock.strip("*") or "*" in lock[:-1]:
            from packwarden.packs.locate import locate

            problems.error(
                f"locked: {lock!r} is not a rule id or a prefix ending in '*'", locate(data, ("locked", index))
            )
    problems.raise_if_errors()
    return Project(spec, data if isinstance(data, PosDict) else None, source, layer)
