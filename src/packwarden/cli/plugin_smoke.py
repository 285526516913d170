"""``packwarden plugin smoke DIR``: run a plugin's ``handle()`` once, sandboxed, on a sample event.

The explicit opt-in to running plugin code: the hook never imports or runs a handler. The spec
``DIR/plugin.spec.json`` gives the event the handler takes (``handles_event``; the sample event
is ``{"name": <handles_event>, "payload": {}}`` unless ``--event`` or ``--event-file`` gives
one) and the actions it may return (``outputs``). ``handle()`` runs under bubblewrap
(``packwarden.plugin.sandbox``); each violation is printed, then a one-line summary.

Exit codes: 0 the run passed; 1 a violation, a time or resource limit hit, or the handler
crashed; 2 usage, an unreadable spec or event, a plugin directory that cannot be copied, or no
sandbox on this machine (the message says what to install).
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from packwarden.model.errors import UsageError

SPEC = "plugin.spec.json"
SPEC_BYTES = 1 << 20  # a spec or event file larger than this is not a spec
SHOWN_STDERR_LINES = 10


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("directory", metavar="DIR", help=f"the plugin directory: {SPEC} and handler.py")
    event = parser.add_mutually_exclusive_group()
    default = '{"name": <the spec\'s handles_event>, "payload": {}}'
    event.add_argument("--event", metavar="JSON", help=f"the sample event, a JSON object (default: {default})")
    event.add_argument("--event-file", metavar="FILE", help="read the sample event from FILE")
    parser.add_argument(
        "--seconds", type=_seconds, default=10.0, metavar="N", help="wall-clock limit for the run (default: 10)"
    )


def run(args: argparse.Namespace) -> int:
    return smoke_plugin(args.directory, event=args.event, event_file=args.event_file, seconds=args.seconds)


def smoke_plugin(
    directory: str, *, event: str | None = None, event_file: str | None = None, seconds: float = 10
) -> int:
    """Read the spec, run the handler sandboxed, print what it did: the exit code."""
    from packwarden.plugin.sandbox import SmokeError, smoke

    spec = _read_object(os.path.join(directory, SPEC), "the plugin spec")
    allowed = _outputs(spec)
    sample = _sample_event(spec, event, event_file)
    try:
        result = smoke(directory, sample, allowed, seconds=seconds)
    except (SmokeError, ValueError) as exc:  # ValueError: an event with NaN, which JSON cannot carry
        raise UsageError(str(exc)) from exc
    name = spec.get("name")
    label = f"plugin {name!r} ({directory})" if isinstance(name, str) and name else directory
    for violation in result.violations:
        print(f"{directory}: {violation}")
    if result.ok:
        print(f"{label}: smoke run passed: handle() returned only allowed actions")
        return 0
    count = len(result.violations)
    stopped = f"; stopped by the {result.killed_by} limit" if result.killed_by else ""
    print(f"{label}: smoke run failed: {count} violation{'s' if count > 1 else ''}{stopped}")
    said = result.stderr_tail.strip().splitlines()[-SHOWN_STDERR_LINES:]
    if said:
        print("the handler's standard error, last lines:", file=sys.stderr)
        for line in said:
            print(f"  | {line}", file=sys.stderr)
    return 1


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"seconds must be more than 0 and at most 3600, not {text}")
    return value


def _read_object(path: str, what: str) -> dict[str, object]:
    """A JSON object from ``path``, or a UsageError saying why not."""
    try:
        with open(path, "rb") as file:
            data = file.read(SPEC_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"cannot read {what} {path}: {exc.strerror}") from exc
    if len(data) > SPEC_BYTES:
        raise UsageError(f"{what} {path} is larger than {SPEC_BYTES} bytes")
    return _parse_object(data, f"{what} {path}")


def _parse_object(data: str | bytes, what: str) -> dict[str, object]:
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError, UnicodeDecodeError; nesting too deep
        raise UsageError(f"{what} is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise UsageError(f"{what} is not a JSON object")
    return value


def _outputs(spec: dict[str, object]) -> list[str]:
    """The actions the handler may return: the spec's ``outputs``."""
    outputs = spec.get("outputs")
    if not isinstance(outputs, list) or not all(isinstance(action, str) for action in outputs):
        raise UsageError(f"{SPEC}: outputs must be a list of action names (the actions handle() may return)")
    return [action for action in outputs if isinstance(action, str)]


def _sample_event(spec: dict[str, object], event: str | None, event_file: str | None) -> dict[str, object]:
    if event is not None:
        return _parse_object(event, "--event")
    if event_file is not None:
        return _read_object(event_file, "the event file")
    handles = spec.get("handles_event")
    if not isinstance(handles, str) or not handles:
        raise UsageError(f"{SPEC} names no handles_event to build a sample event from; give one with --event")
    return {"name": handles, "payload": {}}
