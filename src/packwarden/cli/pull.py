"""``packwarden pull [--check | --update]``: fetch the central packs, verify them, fill the cache,
write ``.packwarden/lock.yml``. The only command that uses the network."""

from __future__ import annotations

import argparse
import os
import sys

from packwarden.cli.options import add_color, use_color

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from packwarden.model.policy import EffectivePolicy
    from packwarden.packs.lock import Lock


def add_arguments(parser: argparse.ArgumentParser) -> None:
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--check", action="store_true", help="exit 1 when the lock is behind its sources; changes nothing (for CI)"
    )
    mode.add_argument(
        "--update", action="store_true", help="move every pin to what its source has now, and show what changes"
    )
    add_color(parser)


def run(args: argparse.Namespace) -> int:
    from packwarden.cache.location import cache_dir, central_store_dir
    from packwarden.load.files import read_capped
    from packwarden.load.limits import MAX_CONFIG_BYTES, MAX_LOCK_BYTES
    from packwarden.model.errors import PolicyValidationError, UsageError
    from packwarden.packs import builtin
    from packwarden.packs.inputs import CONFIG_PATH
    from packwarden.packs.lock import LOCK_PATH, read_lock, render_lock, write_atomically
    from packwarden.packs.pull import plan
    from packwarden.packs.resolve import read_config
    from packwarden.packs.sources.spec import SourceError
    from packwarden.packs.store import PackStore, StoreError
    from packwarden.workspace import find_root

    root, _ = find_root(os.getcwd())
    raw_config = read_capped(os.path.join(root, CONFIG_PATH), MAX_CONFIG_BYTES)
    if not isinstance(raw_config, bytes):
        raise UsageError(f"{CONFIG_PATH}: {'no such file' if raw_config is None else raw_config.message}")
    config, _ = read_config(raw_config)
    lock_path = os.path.join(root, LOCK_PATH)
    raw_lock = read_capped(lock_path, MAX_LOCK_BYTES)
    if raw_lock is not None and not isinstance(raw_lock, bytes):
        raise UsageError(f"{LOCK_PATH}: {raw_lock.message}")
    previous = read_lock(raw_lock) if raw_lock is not None else None
    store = PackStore(central_store_dir())
    store.sweep()
    try:
        result = plan(
            config,
            previous,
            root=root,
            store=None if args.check else store,
            work_root=os.path.join(cache_dir(), "sources"),
            update=args.update or args.check,
            builtin_refs=builtin.builtin_refs(),
        )
    except (SourceError, StoreError) as exc:
        print(f"packwarden pull: {exc}", file=sys.stderr)
        return 2
    for item in result.fetched:
        at = "at its pin" if item.how == "pinned" else "resolved"
        print(f"{item.source}: {at} {item.resolved[:24]} ({item.packs} pack{'s' if item.packs != 1 else ''})")
    rendered = render_lock(result.lock)
    if previous is not None and previous == result.lock:
        print(f"{LOCK_PATH} is current" + ("" if args.check else "; the cache holds every pinned pack"))
        return 0
    changes = _changes(previous, result.lock)
    if args.check:
        print(f"{LOCK_PATH} is behind its sources:")
        print("\n".join(f"  {line}" for line in changes))
        print("run `packwarden pull --update` and commit the lock")
        return 1
    before = _policy_or_none() if args.update else None
    write_atomically(lock_path, rendered)
    print(f"wrote {LOCK_PATH}:")
    print("\n".join(f"  {line}" for line in changes))
    if before is not None:
        try:
            _show_diff(before, args.color)
        except PolicyValidationError as exc:
            print(f"the new packs do not resolve: {exc}", file=sys.stderr)
            return 2
    return 0


def _changes(previous: Lock | None, lock: Lock) -> list[str]:
    """What moved, one line each: sources re-pinned, packs added, removed or changed."""
    old_sources = previous.sources if previous is not None else {}
    old_packs = {
        **(previous.packs if previous is not None else {}),
        **(previous.projects if previous is not None else {}),
    }
    lines = []
    for name, source in sorted(lock.sources.items()):
        before = old_sources.get(name)
        if before is None or before.resolved != source.resolved:
            was = f"{before.resolved[:12]} -> " if before is not None else ""
            lines.append(f"source {name}: {was}{source.resolved[:12]}")
    for name in sorted(set(old_sources) - set(lock.sources)):
        lines.append(f"source {name}: removed")
    new_packs = {**lock.packs, **lock.projects}
    for ref in sorted(old_packs.keys() | new_packs.keys()):
        old, new = old_packs.get(ref), new_packs.get(ref)
        if old is None:
            lines.append(f"+ {ref} (from {new.source})" if new is not None else ref)
        elif new is None:
            lines.append(f"- {ref}")
        elif old.sha256 != new.sha256:
            lines.append(f"~ {ref} changed")
    return lines or ["(the same packs; only the record of where they came from changed)"]


def _policy_or_none() -> EffectivePolicy | None:
    from packwarden.api import resolve
    from packwarden.model.errors import PolicyNotFoundError, PolicyValidationError

    try:
        return resolve(use_cache=False)
    except (PolicyValidationError, PolicyNotFoundError):
        return None  # nothing to compare with: the old packs were not available


def _show_diff(before: EffectivePolicy, color: str) -> None:
    from packwarden.api import resolve
    from packwarden.report.policy import diff_lines
    from packwarden.report.styled import write_lines

    after = resolve(use_cache=False)
    print("what the effective policy changes:")
    write_lines(diff_lines(before, after), sys.stdout, use_color(color, sys.stdout))
