"""Map failures to fixed exit codes; unexpected ones write a crash log (exit 3)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence

from packwarden.model.errors import GitError, PolicyNotFoundError, PolicyValidationError, UsageError

EXIT_INPUT_ERROR = 2
EXIT_INTERNAL = 3


def crash_log_path() -> str:
    from packwarden.cache.location import user_cache_dir

    return os.path.join(os.environ.get("PACKWARDEN_HOME") or user_cache_dir(), "crash.log")


def _write_crash_log(argv: Sequence[str]) -> str | None:
    import platform
    import traceback

    from packwarden.model.version import VERSION

    path = crash_log_path()
    text = (
        f"packwarden {VERSION}\npython {sys.version.split()[0]} on {platform.platform()}\n"
        f"argv: {list(argv)}\ncwd: {os.getcwd()}\n\n{traceback.format_exc()}"
    )
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8") as out:
            out.write(text)
    except OSError:
        return None
    return path


def guarded(run: Callable[[], int], argv: Sequence[str], color: bool) -> int:
    """Run a command; turn known errors into exit 2 and anything else into exit 3."""
    try:
        return run()
    except PolicyValidationError as exc:
        from packwarden.report.text import render_findings

        render_findings(exc.errors + exc.warnings, sys.stdout, color)
        print(f"packwarden: the policy is invalid ({len(exc.errors)} error(s)); nothing was checked", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except (PolicyNotFoundError, UsageError, GitError) as exc:
        print(f"packwarden: error: {exc}", file=sys.stderr)
        return EXIT_INPUT_ERROR
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader left (`packwarden check | head`): nothing more can be said, and the
        # interpreter must not complain on exit while flushing the dead pipe either.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        path = _write_crash_log(argv)
        where = f"; details in {path}" if path else ""
        print(f"packwarden: internal error: {type(exc).__name__}: {exc}{where}", file=sys.stderr)
        return EXIT_INTERNAL
