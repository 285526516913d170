"""Fingerprints: one per finding, the same when unrelated lines move, different for different places."""

from __future__ import annotations

from types import MappingProxyType

from hypothesis import given
from hypothesis import strategies as st

from packwarden.artifacts.kinds import Artifact
from packwarden.engine import check_document
from packwarden.load.yaml import load_yaml_text
from packwarden.model.finding import Finding, Severity
from packwarden.model.policy import EffectivePolicy
from packwarden.model.rule import Rule

SKILL = Artifact("skills/x/skill.yaml", "skill")
RULES = (
    Rule(id="t.lower", pack="t@1", params={"pattern": "^[a-z]+$"}, field="tags[*]", severity=Severity.ERROR),
    Rule(id="t.name", pack="t@1", params={"pattern": "^[a-z.]+$"}, field="name", severity=Severity.ERROR),
    Rule(id="t.secret", pack="t@1", params={"forbidden_pattern": "SECRET"}, severity=Severity.ERROR),
)
POLICY = EffectivePolicy(packs=("t@1",), rules=RULES)


def fingerprints(text: str) -> dict[str, tuple[str, str]]:
    """Each finding's fingerprint -> (rule, what it is about)."""
    found = check_document(POLICY, SKILL, load_yaml_text(text))
    assert all(f.rule.startswith("t.") for f in found), found
    prints = {f.fingerprint: (f.rule, f.about) for f in found}
    assert len(prints) == len(found), "two findings share a fingerprint"
    return prints


def document(tags: list[str], fillers: list[tuple[int, str]]) -> str:
    """A manifest with a bad name, the ``tags`` list and two SECRET lines; ``fillers`` inserts
    unrelated lines (comments, blank lines, other keys) before the line at each index."""
    lines = ["name: Bad Name", "tags:", *(f"  - {tag}" for tag in tags), "note: SECRET one", "other: SECRET two"]
    top_level = {0, 1, len(lines) - 2, len(lines) - 1, len(lines)}  # where a new key may go
    for index, filler in sorted(fillers, reverse=True):
        at = min(index, len(lines))
        if filler.startswith("extra") and at not in top_level:
            filler = "# " + filler
        lines.insert(at, filler)
    return "\n".join(lines) + "\n"


FILLERS = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=12),
        st.sampled_from(["", "# a comment", "extra_key: 1", "extra_b: x", "   "]),
    ),
    max_size=6,
    unique_by=lambda item: item[1],  # each key once: a duplicate key is a finding of its own
)
TAGS = st.lists(st.sampled_from(["ok", "Bad", "WORSE", "fine", "No"]), min_size=1, max_size=5)


@given(tags=TAGS, fillers=FILLERS)
def test_unrelated_lines_moving_keep_every_fingerprint(tags: list[str], fillers: list[tuple[int, str]]) -> None:
    before = fingerprints(document(tags, []))
    after = fingerprints(document(tags, fillers))
    assert after == before


@given(tags=TAGS)
def test_each_field_and_each_occurrence_gets_its_own_fingerprint(tags: list[str]) -> None:
    prints = fingerprints(document(tags, []))
    bad = [index for index, tag in enumerate(tags) if not tag.islower()]
    assert sorted(about for rule, about in prints.values() if rule == "t.lower") == sorted(f"tags[{i}]" for i in bad)
    assert sum(rule == "t.secret" for rule, _ in prints.values()) == 2  # one per match, told apart
    assert [about for rule, about in prints.values() if rule == "t.name"] == ["name"]


def test_the_fingerprint_leaves_out_the_line_and_numbers_in_an_unanchored_message() -> None:
    base = Finding("parse.syntax", Severity.ERROR, "bad thing at line 3, column 7", "a.yaml", 3, 7)
    moved = base._replace(line=9, message="bad thing at line 9, column 7")
    assert moved.fingerprint == base.fingerprint
    assert base._replace(path="b.yaml").fingerprint != base.fingerprint
    assert base._replace(rule="parse.tag").fingerprint != base.fingerprint
    anchored = base._replace(metadata=MappingProxyType({"field": "name"}))
    assert anchored._replace(message="another message").fingerprint == anchored.fingerprint
    assert anchored._replace(metadata=MappingProxyType({"field": "version"})).fingerprint != anchored.fingerprint
    assert len(base.fingerprint) == 16 and int(base.fingerprint, 16) >= 0
    assert base.to_dict()["fingerprint"] == base.fingerprint
    assert Finding.from_dict(base.to_dict()) == base
