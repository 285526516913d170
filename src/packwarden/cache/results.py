"""Per-unit results, keyed by what decides them: every member's path and content, the unit's
kind and root, the policy, and the code. A result is never served when any file it read changed.

Each row also holds a digest of its key and findings: a row damaged or edited on disk (its
findings emptied, say) no longer matches it and is not used.

One SQLite file in the user's cache folder: safe when pre-commit runs several hook processes
at once (SQLite's locks, with a busy timeout), bounded in size (the least recently used entries
go first), and discarded whole when it turns out corrupt. A hit does not write: an entry's use
is recorded again only when it is more than TOUCH_AFTER_SECONDS old, in the run's one write.

It keeps SQLite's rollback journal rather than WAL: a run whose results are all cached then
only reads the one file, where WAL would create, size and delete two more on every run.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import time
from collections.abc import Mapping, Sequence

from packwarden.artifacts.units import Unit
from packwarden.cache.location import cache_dir
from packwarden.model.code_id import code_id
from packwarden.model.digest import hasher, hex_digest
from packwarden.model.finding import Finding

MAX_ENTRIES = 200_000
TOUCH_AFTER_SECONDS = 86_400
MIN_ENTRY_BYTES = 128
# v1 was in WAL mode, which sticks to a database file; v2 had no seals; v3 keyed files, not units
FILE_NAME = "results-v4.sqlite3"
_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS results "
    "(key TEXT PRIMARY KEY, findings TEXT NOT NULL, seal TEXT NOT NULL, used REAL NOT NULL)"
)


def result_key(policy_digest: str, unit: Unit, contents: Sequence[tuple[str, bytes]]) -> str:
    """The key of one unit's result: ``contents`` holds every member that exists, with its bytes.

    Each member is framed by its path and length, so no two different sets of members (a byte
    moved from one file into the next, a file renamed) hash alike.
    """
    digest = hasher()
    head = f"{code_id()}\0{policy_digest}\0{unit.kind}\0{unit.root}\0{unit.refers}\0{len(contents)}\0"
    digest.update(head.encode("utf-8", "surrogateescape"))
    for path, content in contents:
        digest.update(f"{path}\0{len(content)}\0".encode("utf-8", "surrogateescape"))
        digest.update(content)
    return digest.hexdigest()


def _seal(key: str, findings: str) -> str:
    return hex_digest(f"{key}\0{findings}".encode("utf-8", "surrogateescape"))


class ResultCache:
    """Lookups and stores never raise: a broken cache only costs speed."""

    def __init__(self, directory: str | os.PathLike[str] | None = None, max_entries: int = MAX_ENTRIES) -> None:
        self.path = os.path.join(directory or cache_dir(), FILE_NAME)
        self.max_entries = max_entries
        self._db: sqlite3.Connection | None = None
        self.stale: list[str] = []  # keys the last get_many found whose last use is old (see put_many)

    def _connect(self) -> sqlite3.Connection | None:
        if self._db is not None:
            return self._db
        try:
            os.makedirs(os.path.dirname(self.path), exist_ok=True)
            db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            db.execute("PRAGMA synchronous=NORMAL")
            db.execute(_SCHEMA)
        except sqlite3.DatabaseError:
            self._discard()
            return None
        except OSError:
            return None
        self._db = db
        return db

    def _discard(self) -> None:
        """A corrupt database is removed; the next run starts a new one. Something that cannot
        be removed (a folder in its place, a read-only cache) leaves the cache unused."""
        self.close()
        for suffix in ("", "-journal"):
            with contextlib.suppress(OSError):
                os.unlink(f"{self.path}{suffix}")

    def get_many(self, keys: Sequence[str]) -> dict[str, list[Finding]]:
        db = self._connect()
        if db is None or not keys:
            return {}
        found: dict[str, list[Finding]] = {}
        old = time.time() - TOUCH_AFTER_SECONDS
        self.stale = []
        try:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = db.execute(f"SELECT key, findings, seal, used FROM results WHERE key IN ({marks})", chunk)
                for key, text, seal, used in rows:
                    if seal != _seal(key, text):
                        continue  # damaged or edited: checked again, and the row replaced
                    found[key] = [Finding.from_dict(item) for item in json.loads(text)] if text != "[]" else []
                    if used < old:
                        self.stale.append(key)
        except (sqlite3.DatabaseError, ValueError, KeyError, TypeError):
            self._discard()
            return {}
        return found

    def put_many(self, items: Mapping[str, Sequence[Finding]], touched: Sequence[str] = ()) -> None:
        """Store ``items`` and record that the ``touched`` keys (stale hits) were used now."""
        db = self._connect() if items or touched else None
        if db is None:
            return
        now = time.time()
        texts = {key: json.dumps([f.to_dict() for f in found]) if found else "[]" for key, found in items.items()}
        rows = [(key, text, _seal(key, text), now) for key, text in texts.items()]
        try:
            db.execute("BEGIN IMMEDIATE")  # one transaction, one journal cycle, for the whole run
            try:
                db.executemany("INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?)", rows)
                db.executemany("UPDATE results SET used = ? WHERE key = ?", [(now, key) for key in touched])
                self._prune(db)
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        except sqlite3.DatabaseError:
            self._discard()

    def _prune(self, db: sqlite3.Connection) -> None:
        """Drop the least recently used entries over ``max_entries``.

        Counting reads the whole table (~5 ms at 200 000 entries), so it waits until the file is
        large enough to hold that many: every entry stores its 64-character key twice (the row
        and the key's index), so none takes fewer than MIN_ENTRY_BYTES.
        """
        (pages,) = db.execute("PRAGMA page_count").fetchone()
        (page_size,) = db.execute("PRAGMA page_size").fetchone()
        if pages * page_size < self.max_entries * MIN_ENTRY_BYTES:
            return
        (count,) = db.execute("SELECT count(*) FROM results").fetchone()
        if count > self.max_entries:
            excess = count - self.max_entries
            db.execute("DELETE FROM results WHERE key IN (SELECT key FROM results ORDER BY used LIMIT ?)", (excess,))

    def clear(self) -> None:
        self._discard()

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
