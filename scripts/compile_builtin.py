"""Compile every built-in policy into policies/compiled.json (a maintainer's tool; see
src/packwarden/cache/shipped.py for why and how packwarden trusts the result).

    python scripts/compile_builtin.py           # write policies/compiled.json
    python scripts/compile_builtin.py --check   # exit 1 when it is stale; write nothing (CI)
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

TREE = Path(__file__).resolve().parents[1]
TARGET = TREE / "policies" / "compiled.json"

# Which of packwarden's modules compiling the policies imports, asked of a fresh interpreter:
# every built-in pack, so that a module only some packs need (the plugin contract's) is one.
_PROBE = """
import json, sys
from packwarden.cache.shipped import compile_entry
from packwarden.packs.builtin import builtin_refs
for ref in builtin_refs():
    compile_entry(ref, False)
print(json.dumps(sorted(m.__file__ for n, m in sys.modules.items() if n.split(".")[0] == "packwarden")))
"""


def compiled() -> str:
    from packwarden.cache.shipped import compile_entry, compiler_modules, entry_key
    from packwarden.packs.builtin import builtin_refs
    from packwarden.packs.inputs import DEFAULT_PACK

    probe = subprocess.run([sys.executable, "-I", "-c", _PROBE], capture_output=True, text=True, check=True)
    modules = compiler_modules(json.loads(probe.stdout))
    policies = {
        entry_key(pack, strict): compile_entry(pack, strict)
        for pack in sorted({DEFAULT_PACK, *builtin_refs()})
        for strict in (False, True)
    }
    return json.dumps({"compiler": modules, "policies": policies}, indent=1, sort_keys=True) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/compile_builtin.py", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 when policies/compiled.json is stale")
    args = parser.parse_args(argv)
    text = compiled()
    current = TARGET.read_text(encoding="utf-8") if TARGET.is_file() else ""
    if args.check:
        if current != text:
            print("policies/compiled.json: stale; run `python scripts/compile_builtin.py`", file=sys.stderr)
            return 1
        return 0
    if current != text:
        TARGET.write_text(text, encoding="utf-8")
        print("wrote policies/compiled.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
