"""``packwarden docs [--check] [--out DIR]``: write or verify the generated rule reference."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from packwarden.model.errors import UsageError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", default="docs/rules", help="directory of the rule reference")
    parser.add_argument("--check", action="store_true", help="exit 1 when the pages are stale; write nothing")


def run(args: argparse.Namespace) -> int:
    from packwarden.report.ruledocs import all_pages

    out = Path(args.out)
    pages = all_pages()
    stale = [
        name for name, text in pages.items() if not (out / name).is_file() or (out / name).read_text("utf-8") != text
    ]
    extra = sorted(p.name for p in out.glob("*.md") if p.name not in pages) if out.is_dir() else []
    if args.check:
        for name in stale + extra:
            print(f"{out / name}: stale; run `packwarden docs`", file=sys.stderr)
        return 1 if stale or extra else 0
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot write the rule reference to {out}: {exc.strerror}") from exc
    for name in stale:
        (out / name).write_text(pages[name], encoding="utf-8")
        print(f"wrote {out / name}")
    for name in extra:
        (out / name).unlink()
        print(f"removed {out / name}")
    return 0
