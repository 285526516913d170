"""The readers by name, as artifact kinds declare them (``model.kinds``): no extension guessing.

Each reader is imported when a file needs it, so a run over YAML manifests never loads the
markdown parser.
"""

from __future__ import annotations

from packwarden.load.document import Document, Problem


def load(loader: str, raw: bytes | Problem) -> Document:
    """``raw`` read by the reader named ``loader`` (a read problem becomes the document's)."""
    if isinstance(raw, Problem):
        return Document("", None, (raw,))
    if loader == "json":
        from packwarden.load.json import load_json

        return load_json(raw)
    if loader == "markdown":
        from packwarden.load.markdown import load_markdown

        return load_markdown(raw)
    if loader == "commit":
        from packwarden.load.message import load_commit

        return load_commit(raw)
    if loader == "text":
        from packwarden.load.text import decode

        text = decode(raw)
        return Document("", None, (text,)) if isinstance(text, Problem) else Document(text)
    from packwarden.load.yaml import load_yaml

    return load_yaml(raw)
