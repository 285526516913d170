"""Run programs and collect what they print, without importing ``subprocess``.

``subprocess`` costs ~48 M instructions to import (~12 ms: threading, selectors, signal, ...),
more than a whole warm run's share of Python. Where the OS has ``posix_spawn``, a program is
started with it, its standard input is ``/dev/null``, and its output and error pipes are read
together with ``select.poll`` (so a program filling one pipe while packwarden waits on the
other never deadlocks). Elsewhere ``subprocess`` does the same job.

Several programs may be started at once (``run_all``): they run side by side and are read
together, so two git calls cost little more than one.
"""

# No ``from __future__ import annotations``: the commit-msg gate imports this module, and
# __future__ costs it ~0.8 M instructions (docs/performance.md); annotations are quoted instead.

import os
import sys

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence  # collections costs ~7 M instructions when -c starts

Completed = tuple[int, bytes, bytes]  # exit status (negative: killed by that signal), output, error
_CHUNK = 1 << 16


def run(argv: "Sequence[str]", env: "Mapping[str, str] | None" = None) -> Completed:
    """Run ``argv`` (its program found on PATH) in ``env`` (default: this process's).

    Raises OSError when the program cannot be started.
    """
    return run_all([argv], env)[0]


def run_all(commands: "Sequence[Sequence[str]]", env: "Mapping[str, str] | None" = None) -> list[Completed]:
    """Run every command at once, in ``env``; their results in the same order."""
    environment = os.environ if env is None else env
    if sys.platform == "win32" or not hasattr(os, "posix_spawnp"):  # pragma: no cover - POSIX CI
        return [_run_with_subprocess(argv, environment) for argv in commands]
    return _run_spawned(commands, environment)


def _run_with_subprocess(argv: "Sequence[str]", env: "Mapping[str, str]") -> Completed:  # pragma: no cover
    import subprocess

    done = subprocess.run(list(argv), stdin=subprocess.DEVNULL, capture_output=True, check=False, env=dict(env))
    return done.returncode, done.stdout, done.stderr


def _run_spawned(commands: "Sequence[Sequence[str]]", env: "Mapping[str, str]") -> list[Completed]:
    import select

    pids: list[int] = []
    readers: list[tuple[int, int]] = []  # each command's (output, error) pipe ends
    chunks: dict[int, list[bytes]] = {}
    try:
        for argv in commands:
            out_read, out_write = os.pipe()  # not inherited (O_CLOEXEC) unless duplicated below
            err_read, err_write = os.pipe()
            chunks[out_read], chunks[err_read] = [], []
            readers.append((out_read, err_read))
            try:
                actions = [
                    (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
                    (os.POSIX_SPAWN_DUP2, out_write, 1),
                    (os.POSIX_SPAWN_DUP2, err_write, 2),
                ]
                pids.append(os.posix_spawnp(argv[0], list(argv), env, file_actions=actions))
            finally:
                os.close(out_write)
                os.close(err_write)
        poller = select.poll()
        for descriptor in chunks:
            poller.register(descriptor, select.POLLIN)
        remaining = len(chunks)
        while remaining:
            for descriptor, _ in poller.poll():
                data = os.read(descriptor, _CHUNK)
                if data:
                    chunks[descriptor].append(data)
                else:  # end of file: the program closed it (or exited)
                    poller.unregister(descriptor)
                    remaining -= 1
    finally:
        for descriptor in chunks:
            os.close(descriptor)
        statuses = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
    return [
        (status, b"".join(chunks[out_read]), b"".join(chunks[err_read]))
        for status, (out_read, err_read) in zip(statuses, readers, strict=True)
    ]
