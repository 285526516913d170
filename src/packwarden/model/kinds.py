"""The artifact kinds: what shape each kind's unit has and how its files are read.

One explicit table. A pack's ``artifacts`` map says *where* a kind's units are (globs); this
table says *what* they are, so nothing is guessed from a file's extension:

- a ``file`` unit is one file, read by the kind's loader;
- a ``folder`` unit is a folder (its glob ends with ``/``) and every file below it; a member
  matching one of ``members`` (globs relative to the folder) is read by that glob's loader,
  the others only have to exist;
- a ``registry`` unit is an index file (read as JSON) and the manifests it lists (read by their
  own kind's loader); the pack's ``requirements.registry`` says where they are, not ``artifacts``.
"""

from __future__ import annotations

from packwarden.model.record import Record

# text: the bytes as text, nothing parsed (python source); commit: a commit message (load.message)
LOADERS = ("yaml", "json", "markdown", "text", "commit")


class KindSpec(Record):
    name: str
    shape: str  # "file", "folder" or "registry"
    loader: str  # one of LOADERS
    mapping: bool = False  # the document must be a mapping (a manifest's top level)
    members: tuple[tuple[str, str], ...] = ()  # folder units: (member glob, loader), the first match reads it
    attached: str = "markdown"  # the loader of the files every unit of the kind also reads (a contract)


KINDS: dict[str, KindSpec] = {
    spec.name: spec
    for spec in (
        KindSpec("skill", "file", "yaml", mapping=True),
        KindSpec("agent", "file", "yaml", mapping=True),
        KindSpec(
            "plugin",
            "folder",
            "json",
            members=(("*.json", "json"), ("*.md", "markdown"), ("handler.py", "text")),
        ),
        KindSpec("protocol", "folder", "markdown", members=(("**/*.md", "markdown"),)),
        KindSpec("capability", "file", "yaml", mapping=True),
        KindSpec("commit", "file", "commit"),
        KindSpec("registry", "registry", "json"),
    )
}
KNOWN_KINDS = tuple(KINDS)


def spec_of(kind: str) -> KindSpec:
    """The spec of ``kind``; an unknown kind (a pack validated before this table grew) reads as YAML."""
    return KINDS.get(kind) or KindSpec(kind, "file", "yaml", mapping=True)
