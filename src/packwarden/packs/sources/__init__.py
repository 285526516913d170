"""Central pack sources: a git repository, a local folder or the orchestrator's HTTP API.

``fetch`` reads one source into a ``Snapshot``: its packs and project files, and what it
resolved to (a commit, or the sha256 of the content). Nothing here runs on a hook's path:
only ``packwarden pull`` fetches, and the hook reads the cache.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

from packwarden.packs.sources.spec import KINDS, Snapshot, SourceError, SourceSpec

__all__ = ["Snapshot", "SourceError", "SourceSpec", "fetch"]

_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*")
LOCK_TIMEOUT = 300.0  # seconds to wait for another pull that is fetching the same source


def fetch(
    spec: SourceSpec, *, root: str, work: str, pinned: str | None = None, projects: Sequence[str] = ()
) -> Snapshot:
    """Fetch ``spec`` (see CENTRAL.md): ``root`` is the repository root that relative paths
    start from, ``work`` a folder of this source's own kept between pulls (a git clone, ETags),
    ``pinned`` the lock's ``resolved`` to fetch exactly, ``projects`` the project ids an http
    source is asked for (a git or dir source gives all of its projects/*.yml).

    Raises SourceError, one line naming the source, for anything that goes wrong.
    """
    if not _NAME.fullmatch(spec.name):
        raise SourceError(f"source {spec.name!r}: not a source name ([a-z0-9][a-z0-9_.-]*)")
    if spec.kind not in KINDS:
        raise SourceError(f"source {spec.name}: unknown kind {spec.kind!r} (one of {', '.join(KINDS)})")
    if spec.kind == "dir":
        from packwarden.packs.sources.directory import fetch_dir

        return fetch_dir(spec, root=root, pinned=pinned)
    from filelock import FileLock, Timeout

    try:
        os.makedirs(work, exist_ok=True)
        with FileLock(os.path.join(work, ".lock"), timeout=LOCK_TIMEOUT):
            if spec.kind == "git":
                from packwarden.packs.sources.git import fetch_git

                return fetch_git(spec, root=root, work=work, pinned=pinned)
            from packwarden.packs.sources.http import fetch_http

            return fetch_http(spec, work=work, pinned=pinned, projects=projects)
    except Timeout:
        waited = f"another pull has been fetching it for {LOCK_TIMEOUT:.0f} seconds"
        raise SourceError(f"source {spec.name}: {waited}") from None
    except OSError as error:  # the work folder: permissions, a full disk
        where = f" {error.filename}" if error.filename else ""
        raise SourceError(f"source {spec.name}: cannot use{where}: {error.strerror or error}") from None
