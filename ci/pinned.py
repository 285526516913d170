"""Exit 1 unless every ``name==version`` pin of a constraints file is what is installed.

    python ci/pinned.py ci/lowest.txt

A constraint only limits what pip may pick: a pin that did not apply (a typo, a package no
longer required) would leave the lowest-versions run testing the newest version instead.
"""

from __future__ import annotations

import re
import sys
from importlib.metadata import PackageNotFoundError, version

PIN = re.compile(r"^([A-Za-z0-9_.-]+)==(\S+)", re.MULTILINE)


def main(path: str) -> int:
    with open(path, encoding="utf-8") as handle:
        pins = PIN.findall(handle.read())
    wrong = []
    for name, pinned in pins:
        try:
            installed = version(name)
        except PackageNotFoundError:
            installed = "not installed"
        if installed != pinned:
            wrong.append(f"{name}=={pinned} ({installed})")
    if wrong:
        print(f"{path}: not installed as pinned: {', '.join(wrong)}", file=sys.stderr)
        return 1
    print(f"{path}: installed as pinned: {', '.join(f'{name} {pinned}' for name, pinned in pins)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
