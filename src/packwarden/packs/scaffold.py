"""``packwarden packs new``: a new pack folder a central team can grow, never over anything.

``DIR/<key>@1.0/`` gets a commented ``pack.yaml`` (meta, ``extends``, one example rule) and
``examples/pass/`` and ``examples/fail/`` with one skill manifest each: the pass example meets
every built-in pack and the example rule; the fail example only lacks what the rule asks for,
and its first comment names the rule, as ``packs verify`` reads it.
"""

from __future__ import annotations

import os
import re

from packwarden.model.errors import PolicyNotFoundError, UsageError
from packwarden.packs import builtin
from packwarden.packs.folder import PACK_FILE, FolderPacks, split_ref
from packwarden.packs.inputs import DEFAULT_PACK, is_pack_file
from packwarden.packs.reader import reserved_prefix
from packwarden.packs.schema import PACK_KEY

VERSION = "1.0"

_PACK = """\
# {ref}: {description}
# Made by `packwarden packs new`; docs/pack-authoring.md says how to grow it. Before publishing:
#   packwarden packs lint {ref}    (from the folder holding it)
#   packwarden packs verify .    (runs every pack's examples/pass and examples/fail)
meta:
  key: "{key}"  # with version, the name of this pack's folder: keep them equal
  version: "{version}"  # quoted: 1.0 unquoted is a YAML number
  name: "{name}"
  description: {description}
  status: active  # active | deprecated (say so before removing) | disabled

# Packs this one builds on, parents first; a ref is resolved among the packs of this folder
# first, then among packwarden's built-in packs. This pack's settings and rules win.
extends: ["{parent}"]

enforcement:
  mode: warn  # warn: findings are shown; block: errors stop the commit
  fail_on: error  # what blocks in block mode: error, or only block

rules:
  # One rule, to copy: a stable id (findings, waivers and `packwarden explain` use it; the
  # pack's key as its first part keeps it apart from the rules of the packs it extends), the
  # kinds it applies to, the field it reads and one or more check keys (docs/packs.md).
  - id: "{rule}"
    applies_to: [skill]
    field: owner
    required: true
    severity: error
    message: a skill names the team that owns it
    fix: "add a top-level line such as 'owner: data-platform'"
    summary: A skill manifest names the team that owns it.
    why: Somebody has to answer when the skill misbehaves, and reviews go to that team.
    example: {{bad: "name: data.transform", good: "name: data.transform\\nowner: data-platform"}}
"""

_SKILL = """\
name: data.transform
version: 1.0.0
description: Converts CSV, JSON and YAML files into each other, one record per row.
status: active
{owner}tags: [data, csv, json]
entrypoints:
  - command: /data/transform
    handler: data_transform.py
    runtime: python
    capabilities: [io.fs.write]
    permissions: [filesystem:read, filesystem:write]
"""


def pack_files(key: str, parent: str) -> dict[str, str]:
    """The files of a new pack ``key@1.0`` extending ``parent``, by path inside its folder."""
    ref = f"{key}@{VERSION}"
    name = " ".join(word.capitalize() for word in re.split(r"[-_.]+", key) if word) or key
    description = f"Skills name their owning team, on top of {parent}."
    rule = example_rule_id(key)
    pack = _PACK.format(ref=ref, key=key, version=VERSION, name=name, description=description, parent=parent, rule=rule)
    passing = _SKILL.format(owner="owner: data-platform\n")
    failing = f"# {rule}: no owner\n" + _SKILL.format(owner="")
    return {
        PACK_FILE: pack,
        "examples/pass/skills/data-transform/skill.yaml": passing,
        "examples/fail/skills/no-owner/skill.yaml": failing,
    }


def example_rule_id(key: str) -> str:
    """The example rule's id, in the pack's own namespace: a pack made to extend another made
    this way gets a rule of its own, not one that replaces its parent's."""
    rule = f"{key}.skill-owner"
    return f"{key}-pack.skill-owner" if reserved_prefix(rule) else rule


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot name a pack; None when it can."""
    if "@" in key:
        return f"{key!r}: give the key alone; packs new makes version {VERSION}"
    if len(key) > 64 or not re.fullmatch(PACK_KEY, key) or split_ref(f"{key}@{VERSION}") is None:
        return f"{key!r} is not a pack key: lowercase letters, digits and . _ -, starting with a letter or digit"
    return None


def _check_parent(folder: str, parent: str) -> None:
    """``parent`` must be a pack of ``folder`` or a built-in pack."""
    if is_pack_file(parent):
        raise UsageError(f"--extends {parent}: give a pack ref key@version; packs of a folder extend each other by ref")
    if os.path.isdir(folder) and FolderPacks(folder).resolve(parent) is not None:
        return
    try:
        builtin.resolve_ref(parent)
    except PolicyNotFoundError as exc:
        raise UsageError(f"--extends {parent}: no such pack in {folder}, and {exc}") from exc


def create(folder: str, key: str, parent: str = DEFAULT_PACK) -> list[str]:
    """Make ``folder/<key>@1.0/`` with its files; the paths made. Refuses a bad key, an unknown
    parent and a pack folder that exists (UsageError): nothing is ever overwritten."""
    problem = key_problem(key)
    if problem is not None:
        raise UsageError(problem)
    _check_parent(folder, parent)
    target = os.path.join(folder, f"{key}@{VERSION}")
    try:
        os.makedirs(folder, exist_ok=True)
        os.mkdir(target)  # fails when it exists, even when made by someone else a moment ago
    except FileExistsError as exc:
        raise UsageError(f"{target} already exists; packs new never overwrites") from exc
    except OSError as exc:
        raise UsageError(f"cannot make {target}: {exc.strerror}") from exc
    made = []
    for relative, text in pack_files(key, parent).items():
        path = os.path.join(target, *relative.split("/"))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "x", encoding="utf-8") as out:  # "x": never over a file
            out.write(text)
        made.append(path)
    return made
