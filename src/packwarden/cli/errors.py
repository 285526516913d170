"""Map failures to fixed exit codes; unexpected ones write a crash log (exit 3).

``guarded`` also stands between a command and a reader that leaves: ``packwarden check | head``
(the pipe breaks: EPIPE), ``packwarden check >&-`` (Python starts with no ``sys.stdout``) or a
descriptor closed during the run (EBADF) ends the output, never the run, so the exit code is
still the verdict's. Any other failure to write (a full disk) is an internal error.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable, Iterable, Sequence

from packwarden.model.errors import GitError, PolicyNotFoundError, PolicyValidationError, UsageError

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import TextIO

EXIT_INPUT_ERROR = 2
EXIT_INTERNAL = 3

# EPIPE: the reader left; EBADF: the descriptor is closed; Windows says EINVAL for both.
_GONE = (errno.EPIPE, errno.EBADF, *((errno.EINVAL,) if sys.platform == "win32" else ()))


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


class Output:
    """A standard stream that nobody reads any more is dropped, not raised.

    The first write or flush that fails because the reader left (EPIPE) or the stream is
    closed (EBADF) marks the stream ``lost``; what follows is discarded. The descriptor is
    pointed at the null device, so the interpreter's flush at exit finds nothing to complain
    about ("Exception ignored ... BrokenPipeError").
    """

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream
        self.lost = stream is None  # a descriptor closed before the process started

    def __getattr__(self, name: str) -> object:  # anything else a stream has (``buffer``, ``mode``)
        if name == "stream":  # not set yet (copy, pickle): no recursion
            raise AttributeError(name)
        return getattr(self.stream, name)

    def write(self, text: str) -> int:
        if self.stream is not None and not self.lost:
            try:
                self.stream.write(text)
            except OSError as exc:
                self._lose(exc)
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self.stream is not None and not self.lost:
            try:
                self.stream.flush()
            except OSError as exc:
                self._lose(exc)

    def _lose(self, exc: OSError) -> None:
        if exc.errno not in _GONE:
            raise exc
        self.lost = True
        try:
            descriptor = self.stream.fileno()  # type: ignore[union-attr]  # only a stream is lost
        except (OSError, ValueError):  # io.UnsupportedOperation is both: a stream without one
            return
        _point_at_devnull(descriptor)

    def isatty(self) -> bool:
        try:
            return self.stream is not None and not self.lost and self.stream.isatty()
        except (OSError, ValueError):
            return False

    def fileno(self) -> int:
        if self.stream is None:
            import io

            raise io.UnsupportedOperation("the stream was closed before packwarden started")
        return self.stream.fileno()

    def writable(self) -> bool:
        return True

    @property
    def encoding(self) -> str:
        return getattr(self.stream, "encoding", None) or "utf-8"

    @property
    def errors(self) -> str | None:
        return getattr(self.stream, "errors", None)

    @property
    def closed(self) -> bool:
        return False


def _point_at_devnull(descriptor: int) -> None:
    try:
        null = os.open(os.devnull, os.O_RDWR)
    except OSError:
        return
    if null != descriptor:
        os.dup2(null, descriptor)
        os.close(null)


def _reserve_standard_descriptors() -> None:
    """Python leaves ``sys.stdout`` None when descriptor 1 was closed (``>&-``); hold 0-2 open
    on the null device, so that no file or pipe opened later becomes "standard output"."""
    for descriptor, stream in enumerate((sys.stdin, sys.stdout, sys.stderr)):
        if stream is None:
            try:
                os.fstat(descriptor)
            except OSError:
                _point_at_devnull(descriptor)


def guarded(run: Callable[[], int], argv: Sequence[str], color: bool) -> int:
    """Run a command; turn known errors into exit 2 and anything else into exit 3.

    While it runs, ``sys.stdout`` and ``sys.stderr`` are ``Output`` streams: a reader that
    leaves loses the rest of the output, and the command still returns its verdict.
    """
    if sys.stdin is None or sys.stdout is None or sys.stderr is None:
        _reserve_standard_descriptors()
    saved = sys.stdout, sys.stderr
    out, err = Output(saved[0]), Output(saved[1])
    sys.stdout, sys.stderr = out, err
    try:
        return _run(run, argv, color)
    finally:
        for stream in (out, err):
            try:  # noqa: SIM105 - contextlib is one more import on the hook's path
                stream.flush()
            except OSError:
                pass  # a failure other than a lost reader, after the command's verdict
        sys.stdout, sys.stderr = saved


def _run(run: Callable[[], int], argv: Sequence[str], color: bool) -> int:
    try:
        code = run()
        sys.stdout.flush()  # now, where a dead pipe is caught, rather than at the interpreter's exit
        return code
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
    except Exception as exc:  # noqa: BLE001 - the last line of defence
        path = _write_crash_log(argv)
        where = f"; details in {path}" if path else ""
        print(f"packwarden: internal error: {type(exc).__name__}: {exc}{where}", file=sys.stderr)
        return EXIT_INTERNAL
