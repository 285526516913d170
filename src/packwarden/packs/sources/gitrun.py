"""The git processes of a git source: GitPython's, with no GIT_* variable, no prompt, no hook.

A hook inherits ``GIT_DIR``, ``GIT_INDEX_FILE`` and more from the git that runs it; a fetch
that saw them would write into the user's repository and index. GitPython builds every
child's environment from ``os.environ`` and can add variables but never remove one (its
suggestion, an empty value, is a path to git, not an absent variable). So while a source is
fetched, ``without_git_variables`` takes every ``GIT_*`` variable out of ``os.environ`` and
puts them back afterwards. ``pull`` fetches its sources one at a time on one thread; a lock
keeps two fetches in threads from interleaving their changes.

Every command runs with the options below (no hooks, no submodules, no background gc, only the
source's own protocol), standard input from /dev/null and in a session of its own, so ssh
has no terminal to ask on; a command is stopped after ``NETWORK_TIMEOUT`` seconds (fetch) or
``LOCAL_TIMEOUT`` (the rest).
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Any

NETWORK_TIMEOUT = 300.0
LOCAL_TIMEOUT = 60.0

_ENVIRON = threading.Lock()

# Added to the environment of each command.
EXTRA_ENVIRONMENT = {
    "GIT_TERMINAL_PROMPT": "0",  # https: no username/password prompt
    "SSH_ASKPASS_REQUIRE": "never",  # ssh: no graphical passphrase prompt either
    "LC_ALL": "C",  # git's messages, shown in errors, in one language
}

# Options of every command: what the user's global config could otherwise switch on.
OPTIONS = (
    "core.hooksPath=/dev/null",  # fetch runs the reference-transaction hook
    "core.fsmonitor=false",
    "fetch.recurseSubmodules=false",
    "submodule.recurse=false",
    "fetch.fsckObjects=true",  # refuse malformed trees (names such as .. or .git) on the way in
    "gc.auto=0",  # no gc left running in the background after pull returns
    "maintenance.auto=false",
    "fetch.writeCommitGraph=false",
    "protocol.allow=never",  # then only the protocol of the source's own URL (see options)
    "credential.interactive=false",
)


def options(protocol: str | None) -> list[str]:
    """``-c`` arguments for a source reached over ``protocol`` (https, ssh, file; None: local
    commands that reach no source)."""
    settings = [*OPTIONS, f"protocol.{protocol}.allow=always"] if protocol else list(OPTIONS)
    return [argument for setting in settings for argument in ("-c", setting)]


@contextmanager
def without_git_variables() -> Iterator[None]:
    """``os.environ`` without any ``GIT_*`` variable for the duration (see the module docstring)."""
    with _ENVIRON:
        saved = {name: value for name, value in os.environ.items() if name.startswith("GIT_")}
        for name in saved:
            del os.environ[name]
        try:
            yield
        finally:
            for name in [name for name in os.environ if name.startswith("GIT_")]:
                del os.environ[name]
            os.environ.update(saved)


class GitFailed(Exception):
    """A git command exited non-zero; ``reason`` is the last line it wrote to its error."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


def run(git_dir: str, protocol: str | None, arguments: Sequence[str], *, timeout: float = LOCAL_TIMEOUT) -> str:
    """What ``git arguments`` prints in the bare repository ``git_dir``; GitFailed when it fails
    or takes longer than ``timeout`` seconds. Call only inside ``without_git_variables``.

    GitPython starts the process; the wait is subprocess's own, and a command that outlives it
    is killed with its whole process group (ssh, git-remote-https, upload-pack), so no helper
    keeps the pipes open (GitPython's own kill_after_timeout finds children with ps and
    leaves a timer thread behind).
    """
    from git.cmd import Git
    from git.exc import GitCommandNotFound

    command = ["git", f"--git-dir={git_dir}", *options(protocol), *arguments]
    # Untyped on purpose: GitPython 3.1.40's overloads of execute leave out the keyword
    # arguments it takes (istream, env, subprocess's own); 3.2 lists them.
    execute: Callable[..., Any] = Git(git_dir).execute
    try:
        handle = execute(
            command, istream=subprocess.DEVNULL, as_process=True, env=EXTRA_ENVIRONMENT, start_new_session=True
        )
    except GitCommandNotFound:
        raise GitFailed("git is not installed (not found on PATH)") from None
    process: subprocess.Popen[bytes] | None = handle.proc
    assert process is not None  # set until the handle is dropped
    try:
        output, error = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        _kill_group(process)
        raise GitFailed(f"git {arguments[0]} did not finish within {timeout:.0f} seconds and was stopped") from None
    if process.returncode != 0:
        reason = _last_line(error.decode("utf-8", "replace"))
        raise GitFailed(reason or f"git {arguments[0]} exited with status {process.returncode}")
    return str(output.decode("utf-8", "surrogateescape"))


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with suppress(OSError):  # already gone
        os.killpg(process.pid, signal.SIGKILL)
    try:
        process.communicate(timeout=5)
    except subprocess.TimeoutExpired:  # a helper that left the group still holds a pipe: let go
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()
        process.wait()


def succeeds(git_dir: str, arguments: Sequence[str]) -> bool:
    """Whether ``git arguments`` exits 0 (for questions such as ``cat-file -e``)."""
    try:
        run(git_dir, None, arguments)
    except GitFailed:
        return False
    return True


def _last_line(stderr: str) -> str:
    lines = [line.strip() for line in stderr.replace("\r", "\n").splitlines() if line.strip()]
    return "".join(c if c.isprintable() else "?" for c in lines[-1]) if lines else ""
