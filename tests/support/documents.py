"""Assertions about loaded documents, shared by the YAML and JSON reader tests."""

from __future__ import annotations

from packwarden.load.document import Document


def only_problem(document: Document) -> tuple[str, int, int, str]:
    """The one problem of a document that could not be loaded: rule id, line, column, message."""
    assert document.data is None
    assert len(document.problems) == 1
    problem = document.problems[0]
    return problem.rule.id, problem.line, problem.column, problem.message
