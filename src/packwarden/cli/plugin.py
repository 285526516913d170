"""``packwarden plugin scaffold|validate|smoke``: a plugin's files, its static checks, its sandboxed run.

``scaffold SPEC`` writes the files generated from ``plugin.spec.json`` and the operating
contract next to the spec (each atomically; an existing ``handler.py`` keeps the code between
its AUTO markers). ``validate DIR`` is the static check of one plugin: the ``plugin.*`` rules of
the effective policy, every error blocking; ``--smoke`` adds the sandboxed run. ``smoke DIR`` is
that run alone (``cli.plugin_smoke``). The hook only ever does what ``validate`` does without
``--smoke``: it never imports or runs a handler.
"""

from __future__ import annotations

import argparse
import os
import sys

from packwarden.cli.options import add_color, add_pack, use_color
from packwarden.model.errors import UsageError

DEFAULT_CONTRACT = "core/OPERATING_CONTRACT.md"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from packwarden.cli import plugin_smoke

    actions = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    scaffold = actions.add_parser("scaffold", help="write the files generated from a plugin.spec.json")
    scaffold.add_argument("spec", metavar="SPEC", help="the plugin's plugin.spec.json")
    scaffold.add_argument("--contract", metavar="FILE", help="the operating contract (default: the pack's)")
    add_pack(scaffold)
    validate = actions.add_parser("validate", help="check one plugin folder statically (--smoke: and run it)")
    validate.add_argument("directory", metavar="DIR", help="the plugin folder")
    validate.add_argument("--smoke", action="store_true", help="also run handle() once in the sandbox")
    add_pack(validate)
    add_color(validate)
    smoke = actions.add_parser("smoke", help="run handle() once on a sample event, in a sandbox")
    plugin_smoke.add_arguments(smoke)


def _contract_path(pack: str | None, asked: str | None) -> str:
    """The contract to generate against: as asked, else the one the effective policy names."""
    if asked is not None:
        return asked
    from packwarden.api import resolve
    from packwarden.workspace import find_root

    named = {str(rule.params["contract"]) for rule in resolve(pack=pack).rules if "contract" in rule.params}
    root = find_root(os.getcwd())[0]
    return os.path.join(root, sorted(named)[0] if named else DEFAULT_CONTRACT)


def _read_text(path: str, what: str) -> str:
    from packwarden.load.document import Problem
    from packwarden.load.files import read_capped
    from packwarden.load.limits import MAX_FILE_BYTES

    raw = read_capped(path, MAX_FILE_BYTES)
    if raw is None or isinstance(raw, Problem):
        why = "no such file" if raw is None else raw.message
        raise UsageError(f"{path}: {why} ({what})")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 ({what})") from None


def scaffold(spec_path: str, contract_path: str) -> list[str]:
    """Write the generated files of the plugin whose spec is ``spec_path``; their paths."""
    from datetime import UTC, datetime

    from packwarden.cache.location import write_atomic
    from packwarden.load.json import load_json_text
    from packwarden.plugin.contract import read_contract
    from packwarden.plugin.generate import MarkerError, SpecError, generate, merge_handler

    document = load_json_text(_read_text(spec_path, "the plugin spec"))
    if document.problems or not isinstance(document.data, dict):
        where = document.problems[0] if document.problems else None
        detail = f"{where.line}:{where.column}: {where.message}" if where else "not a JSON object"
        raise UsageError(f"{spec_path}: {detail}")
    contract = read_contract(_read_text(contract_path, "the operating contract"))
    if contract.problems:
        first = contract.problems[0]
        raise UsageError(f"{contract_path}:{first.line}:{first.column}: {first.message}")
    stamp = datetime.now(UTC).replace(microsecond=0).isoformat()
    try:
        files = generate(document.data, contract, generated_at=stamp)
    except SpecError as exc:
        raise UsageError(f"{spec_path}: {exc}") from None
    folder = os.path.dirname(spec_path) or "."
    texts = {}
    for name, text in files.items():
        target = os.path.join(folder, name)
        if name == "handler.py" and os.path.lexists(target):
            try:
                text = merge_handler(_read_text(target, "the handler"), text)
            except MarkerError as exc:  # the author's code cannot be told apart: write nothing
                raise UsageError(
                    f"{target}:{exc.line}: {exc}; nothing was written. Put back one '# BEGIN AUTO SECTION'"
                    " and one '# END AUTO SECTION' line around your code, or move the file away to start anew"
                ) from None
        texts[target] = text
    for target, text in texts.items():  # only once every file is known, so a refusal writes none
        write_atomic(target, text.encode("utf-8"))
    return list(texts)


def _is_plugin(directory: str, pack: str | None) -> None:
    """Refuse a folder the effective policy does not take for a plugin: checked, it would hold no
    plugin unit, and "0 files, passed" would be a silent pass."""
    from packwarden.api import resolve
    from packwarden.artifacts.units import UnitTable
    from packwarden.workspace import find_root

    artifacts = resolve(pack=pack).artifacts
    root = find_root(os.getcwd())[0]
    relative = os.path.relpath(os.path.realpath(directory), root).replace(os.sep, "/")
    inside = relative != ".." and not relative.startswith("../")
    if not inside or UnitTable(artifacts).folder_of(f"{relative}/plugin.spec.json") != ("plugin", relative):
        globs = ", ".join(artifacts.get("plugin", ())) or "none"
        raise UsageError(f"{directory}: not a plugin folder of the effective policy (plugin folders: {globs})")


def _validate(args: argparse.Namespace) -> int:
    from packwarden.api import check
    from packwarden.report.text import render

    if not os.path.isdir(args.directory):
        raise UsageError(f"{args.directory}: not a folder")
    _is_plugin(args.directory, args.pack)
    result = check([args.directory], pack=args.pack, strict=True, use_cache=False)
    plugin = tuple(f for f in result.findings if f.rule.startswith("plugin.") or f.pack == "packwarden")
    render(result._replace(findings=plugin), sys.stdout, use_color(args.color, sys.stdout))
    code = result.exit_code if plugin or result.exit_code == 2 else 0
    if args.smoke and code == 0:
        from packwarden.cli.plugin_smoke import smoke_plugin

        return smoke_plugin(args.directory)
    return code


def run(args: argparse.Namespace) -> int:
    if args.action == "scaffold":
        for path in scaffold(args.spec, _contract_path(args.pack, args.contract)):
            print(f"wrote {path}")
        return 0
    if args.action == "validate":
        return _validate(args)
    from packwarden.cli import plugin_smoke

    return plugin_smoke.run(args)
