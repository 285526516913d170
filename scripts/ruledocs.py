"""Write or verify the rule reference in this repository's docs/rules/ (a maintainer's tool).

    python scripts/ruledocs.py           # rewrite the pages that changed, remove pages of no rule
    python scripts/ruledocs.py --check   # exit 1 when a page is stale; write nothing (CI)

It writes only into the packwarden source tree it belongs to (found from this file's own
place, never from the current directory), so it can never touch a user's repository: an
earlier ``packwarden docs`` command did, removing a repository's own docs/rules/*.md.
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

TREE = Path(__file__).resolve().parents[1]


def _is_packwarden_tree(tree: Path) -> bool:
    try:
        project = tomllib.loads((tree / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return False
    return bool(project.get("project", {}).get("name") == "packwarden")


def main(argv: Sequence[str] | None = None, tree: Path = TREE) -> int:
    parser = argparse.ArgumentParser(prog="scripts/ruledocs.py", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when the pages are stale; write nothing")
    args = parser.parse_args(argv)
    if not _is_packwarden_tree(tree):
        print(f"{tree} is not packwarden's source tree; nothing written", file=sys.stderr)
        return 2
    from packwarden.report.ruledocs import all_pages

    out = tree / "docs" / "rules"
    pages = all_pages()
    stale = [
        name for name, text in pages.items() if not (out / name).is_file() or (out / name).read_text("utf-8") != text
    ]
    extra = sorted(p.name for p in out.glob("*.md") if p.name not in pages) if out.is_dir() else []
    if args.check:
        for name in stale + extra:
            print(f"docs/rules/{name}: stale; run `python scripts/ruledocs.py`", file=sys.stderr)
        return 1 if stale or extra else 0
    out.mkdir(parents=True, exist_ok=True)
    for name in stale:
        (out / name).write_text(pages[name], encoding="utf-8")
        print(f"wrote docs/rules/{name}")
    for name in extra:
        (out / name).unlink()
        print(f"removed docs/rules/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
