"""What a Betty user would call wrong in the corpus's registries, by name.

Shared by the registry check's unit test and the CLI test over the corpus (which recomputes
these sets from the files, in test_expected_names_are_the_corpus).
"""

from __future__ import annotations

SKILL_ENTRIES_WITHOUT_MANIFEST = {
    "test.e2e.integration",
    "test.hello",
    "test.integration.temp",
    "test.lifecycle.complete",
    "test.metaskill",
    "test.version.bump",
    "test.workflow.integration",
}
SKILL_MANIFESTS_WITHOUT_ENTRY = {
    "artifact.scaffold",
    "epic.decompose",
    "epic.write",
    "git.cleanupbranches",
    "git.createpr",
    "story.write",
}
SKILL_STATUS_MISMATCHES = {
    "artifact.create",
    "artifact.review",
    "artifact.validate",
    "build.optimize",
    "code.format",
    "meta.compatibility",
    "test.example",
    "workflow.orchestrate",
}
AGENT_MANIFESTS_WITHOUT_ENTRY = {
    "ai.orchestrator",
    "api.orchestrator",
    "data.orchestrator",
    "operations.orchestrator",
    "security.orchestrator",
    "testing.orchestrator",
}
