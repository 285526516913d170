"""Run a plugin's ``handle()`` once, on a sample event, inside a bubblewrap sandbox.

The hook never imports or runs a handler; ``packwarden plugin smoke DIR`` is the explicit
opt-in, and this module is all it runs. ``smoke()`` refuses (``SandboxUnavailable``, with the
install hint) when ``bwrap`` is missing or cannot build the sandbox (probed once per process by
starting the interpreter in it), so a handler never runs unconfined.

What the handler gets
    A copy of the plugin directory (regular files and folders only, 16 MiB and 2000 entries at
    most; a symbolic link or a special file is refused, never followed) in a fresh temporary
    directory, bound read-write at ``/plugin``, and a private 64 MiB tmpfs at ``/tmp``: the only
    writable places, both gone when the run ends. The rest is a new, empty root holding
    read-only binds of ``/usr`` (``/bin``, ``/sbin``, ``/lib*`` as on the host: links or binds),
    ``/etc/ld.so.cache`` and ``/etc/localtime`` (a minimal ``/etc``: no passwd, no resolv.conf,
    no credentials) and the Python installation running packwarden. The checked repository,
    the home directory and the host's ``/tmp`` are not there at all. New network (loopback
    only: not even the host's 127.0.0.1 is reachable), pid, ipc, uts and cgroup namespaces; no
    capabilities; ``no_new_privs`` (bwrap sets it); an environment of ``PATH``, ``HOME=/tmp``,
    ``TMPDIR``, ``LANG`` only; ``--new-session`` (no terminal to push keystrokes into).

The command line (``{tmp}``: the temporary directory; ``{prefix}``: ``sys.base_prefix``)::

    bwrap --unshare-all --unshare-user --disable-userns --cap-drop ALL         # an ordinary user
        | --unshare-ipc --unshare-pid --unshare-net --unshare-uts --unshare-cgroup-try
          --cap-drop ALL --cap-add CAP_SETUID --cap-add CAP_SETGID             # root (see below)
      --die-with-parent --new-session --hostname packwarden-smoke
      --clearenv --setenv PATH /usr/bin:/bin --setenv HOME /tmp --setenv TMPDIR /tmp
      --setenv LANG C.UTF-8
      --ro-bind /usr /usr --symlink usr/bin /bin ...                          # /bin /sbin /lib*
      --ro-bind-try /etc/ld.so.cache /etc/ld.so.cache --ro-bind-try /etc/localtime /etc/localtime
      --proc /proc --dev /dev --perms 1777 --size 67108864 --tmpfs /tmp
      --perms 0755 --dir ... --ro-bind {prefix} {prefix}                      # unless under /usr
      --bind {tmp}/plugin /plugin
      --perms 0755 --dir /run --perms 0755 --dir /run/packwarden
      --ro-bind {tmp}/event.json /run/packwarden/event.json
      --chdir /plugin --info-fd N
      -- {python} -I -S -B -c RUNNER CONFIG

(``--dir`` makes the folders above a mount point readable: bwrap would make them 0700.)
``RUNNER`` is packwarden's fixed script below, never the plugin's. ``-I -S`` keep the plugin
folder, ``PYTHON*`` variables and site-packages off ``sys.path``: a handler gets the standard
library only, and nothing but ``/plugin/handler.py`` is loaded from the plugin. The runner's
report comes from the handler's own process, so a handler could forge it; the containment
(namespaces, limits, cleanup) does not depend on it.

Limits
    Set in bwrap's process before it starts (``preexec_fn``), so they hold for everything in the
    sandbox: ``RLIMIT_AS`` (``memory_bytes``, per process), ``RLIMIT_CPU`` (a second above
    ``seconds``), ``RLIMIT_FSIZE`` (16 MiB), ``RLIMIT_NOFILE`` (256), no core files. Then the
    wall clock: at ``seconds`` the sandbox's init (through a pidfd) and bwrap's process group
    (bwrap leads its own session) get SIGKILL. Either way ``smoke()`` returns only once the
    sandbox's init has exited, which the kernel allows only after every other process of its
    pid namespace is gone: a double-forked child that outlives the handler dies with the runner
    (bwrap's init exits when its first child does, and ``--die-with-parent``), so nothing the
    handler started is running when ``smoke()`` returns.

    **Processes: what stops a fork bomb.** ``RLIMIT_NPROC``, set by the runner *inside* the
    sandbox, before the handler is loaded. The kernel never applies it to uid 0 (the root user
    is exempt even without capabilities), so the handler must not run as root; and it counts
    a user's tasks per user namespace, so set inside the sandbox's own user namespace it counts
    the sandbox's tasks alone (set before bwrap, it would count all the user's processes on the
    host, and could stop bwrap itself).

    - An ordinary user: bwrap makes a user namespace; ``--disable-userns`` keeps the handler
      from making another.
    - Root: a user namespace would map uid 0 alone and the handler could not leave it, so there
      is none; bwrap keeps CAP_SETUID and CAP_SETGID only, and the runner sets the limit, then
      drops to ``nobody``, which takes every capability away (``no_new_privs`` blocks set-uid
      programs). ``nobody``'s count is host-wide, so the limit is ``processes`` plus the tasks
      ``nobody`` already has.

    A fork over the limit fails with EAGAIN (``killed_by="processes"``). A pids cgroup would
    bound it as well, but only where cgroups are writable; this needs nothing but bwrap.

Not bounded: memory in total (``processes`` x ``memory_bytes`` at worst), and the number of
files written under ``/plugin`` (each at most 16 MiB) before the deadline.
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import select
import selectors
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from functools import cache

from packwarden.model.errors import PolicyError

MiB = 1 << 20
INSTALL_HINT = (
    "install bubblewrap: apt-get install bubblewrap (Debian, Ubuntu), dnf install bubblewrap (Fedora), "
    "or your distribution's bubblewrap package"
)
COPY_BYTES = 16 * MiB  # the plugin copy, in total
COPY_ENTRIES = 2000  # files and folders in the plugin copy
FILE_BYTES = 16 * MiB  # RLIMIT_FSIZE: the largest file the handler may write
OPEN_FILES = 256  # RLIMIT_NOFILE
TMP_BYTES = 64 * MiB  # the sandbox's /tmp (a tmpfs: memory)
RESULT_BYTES = 1 * MiB  # the JSON of what handle() returned
TAIL_BYTES = 8 * 1024  # how much of the handler's stdout and stderr is kept
SHOWN_VIOLATIONS = 50
GRACE_SECONDS = 5.0  # the longest wait for a killed sandbox to be gone
EVENT_PATH = "/run/packwarden/event.json"
HANDLER_PATH = "/plugin/handler.py"
LABEL = "packwarden-smoke"  # in every sandbox process's command line: bwrap's (the folder), the runner's


class SmokeError(PolicyError):
    """The smoke run could not start: nothing ran (exit code 2)."""


class SandboxUnavailable(SmokeError):
    """No sandbox can be made here: ``bwrap`` is missing or cannot create its namespaces."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PluginDirError(SmokeError):
    """The plugin directory cannot be copied into the sandbox (missing, a link, too large...)."""


@dataclass(frozen=True)
class SmokeResult:
    """What one sandboxed run of ``handle(event)`` did.

    ``killed_by`` names the limit that stopped the handler: ``"wall-clock"``, ``"cpu"``,
    ``"memory"``, ``"processes"``, ``"file-size"``, ``"open-files"``, or the signal that ended
    it (``"SIGSEGV"``); ``None`` when it ended by itself. ``timed_out`` is true for the two
    time limits. The tails are the last bytes the handler printed (the runner's traceback of a
    failure is on stderr).
    """

    ok: bool
    violations: tuple[str, ...]
    timed_out: bool
    killed_by: str | None
    stdout_tail: str
    stderr_tail: str


def smoke(
    plugin_dir: str,
    event: Mapping[str, object],
    allowed: Collection[str],
    *,
    seconds: float = 10,
    memory_bytes: int = 256 * MiB,
    processes: int = 64,
) -> SmokeResult:
    """Run ``handle(event)`` from ``plugin_dir/handler.py`` once, in the sandbox.

    It must return a list of ``{"action": str, "payload": dict}`` whose actions are in
    ``allowed``; each departure, each exception and each limit hit is a violation. Raises
    ``SandboxUnavailable`` when no sandbox can be made and ``PluginDirError`` when the directory
    cannot be copied; ``ValueError`` for an event that is not JSON or a limit that is not positive.
    """
    if not (seconds > 0 and memory_bytes > 0 and processes > 0):
        raise ValueError("seconds, memory_bytes and processes must be positive")
    try:
        event_text = json.dumps(dict(event), allow_nan=False)
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValueError(f"the sample event is not JSON: {exc}") from exc
    sandbox = _sandbox()
    with tempfile.TemporaryDirectory(prefix=f"{LABEL}-") as scratch:
        copy = os.path.join(scratch, "plugin")
        _copy_plugin(plugin_dir, copy)
        event_file = os.path.join(scratch, "event.json")
        with open(event_file, "w", encoding="utf-8") as out:
            out.write(event_text)
        os.chmod(event_file, 0o644)
        tasks = processes
        if sandbox.user is not None:
            _give(copy, sandbox.user)
            tasks += _tasks_of(sandbox.user[0])
        run = _Run(sandbox, _Limits(seconds, memory_bytes, processes, tasks), copy, event_file)
        return run.result(frozenset(allowed))


# --- the sandbox: found and probed once -----------------------------------------------------


@dataclass(frozen=True)
class _Sandbox:
    bwrap: str
    python: str  # the interpreter's real path
    roots: tuple[str, ...]  # what the interpreter needs, outside /usr
    user: tuple[int, int] | None  # (uid, gid) the runner drops to: as root only

    def command(self, argv: list[str], run: tuple[str, str, int] | None = None) -> list[str]:
        """The bwrap command line running the interpreter with ``argv``.

        ``run`` is (the plugin copy, the event file, the --info-fd descriptor); without it, the
        same layout without the plugin (the probe).
        """
        if self.user is None:
            namespaces = ["--unshare-all", "--unshare-user", "--disable-userns"]
        else:  # no user namespace: it would map uid 0 alone (see the module's docstring)
            namespaces = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
        capabilities = ["--cap-drop", "ALL"]  # in this order: bwrap applies them one after the other
        if self.user is not None:
            capabilities += ["--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]  # for the runner's drop
        line = [self.bwrap, *namespaces, *capabilities, "--die-with-parent", "--new-session"]
        line += ["--hostname", LABEL, "--clearenv", "--setenv", "PATH", "/usr/bin:/bin"]
        line += ["--setenv", "HOME", "/tmp", "--setenv", "TMPDIR", "/tmp", "--setenv", "LANG", "C.UTF-8"]
        line += ["--ro-bind", "/usr", "/usr"]
        for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            path = f"/{name}"
            if os.path.islink(path):
                line += ["--symlink", os.readlink(path), path]
            elif os.path.isdir(path):
                line += ["--ro-bind", path, path]
        for path in ("/etc/ld.so.cache", "/etc/localtime"):
            line += ["--ro-bind-try", path, path]
        line += ["--proc", "/proc", "--dev", "/dev", "--perms", "1777", "--size", str(TMP_BYTES), "--tmpfs", "/tmp"]
        made = {"/usr", "/proc", "/dev", "/tmp", "/etc"}
        for root in self.roots:  # after /tmp: an interpreter under /tmp stays visible
            line += [*_folders(root, made), "--ro-bind", root, root]
        if run is not None:
            copy, event, info = run
            line += ["--bind", copy, "/plugin", *_folders(EVENT_PATH, made), "--ro-bind", event, EVENT_PATH]
            line += ["--chdir", "/plugin", "--info-fd", str(info)]
        return [*line, "--", self.python, "-I", "-S", "-B", *argv]


def _folders(path: str, made: set[str]) -> list[str]:
    """Create the folders above a mount point readable by all (bwrap would make them 0700)."""
    above = []
    folder = os.path.dirname(path)
    while folder not in ("/", ""):
        above.append(folder)
        folder = os.path.dirname(folder)
    line = []
    for folder in reversed(above):
        if folder not in made:
            made.add(folder)
            line += ["--perms", "0755", "--dir", folder]
    return line


def _sandbox() -> _Sandbox:
    if not sys.platform.startswith("linux"):  # pragma: no cover - the tests run on Linux
        raise SandboxUnavailable(f"the plugin smoke run needs Linux and bubblewrap (this is {sys.platform})")
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        raise SandboxUnavailable(f"bubblewrap (bwrap) is not on PATH; {INSTALL_HINT}")
    executable = getattr(sys, "_base_executable", "") or sys.executable  # the venv's base interpreter
    if not executable:  # pragma: no cover - an embedded interpreter
        raise SandboxUnavailable("cannot find the Python interpreter to run the handler with")
    python = os.path.realpath(executable)
    wanted = {os.path.realpath(path) for path in (sys.base_prefix, sys.base_exec_prefix, os.path.dirname(python))}
    outside = sorted(path for path in wanted if not _under(path, "/usr"))
    roots = tuple(path for path in outside if not any(_under(path, other) for other in outside if other != path))
    sandbox = _Sandbox(os.path.realpath(bwrap), python, roots, _sandbox_user())
    _probe(sandbox)
    return sandbox


def _under(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _sandbox_user() -> tuple[int, int] | None:
    """Whom the handler runs as when packwarden runs as root: ``nobody`` (65534)."""
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        entry = pwd.getpwnam("nobody")
    except KeyError:  # pragma: no cover - every Linux has nobody
        return 65534, 65534
    return entry.pw_uid, entry.pw_gid


# Whether the interpreter starts, and reads its standard library as the sandbox's user.
PROBE = """import os, sys
if len(sys.argv) > 1:
    os.setgroups([])
    os.setgid(int(sys.argv[2]))
    os.setuid(int(sys.argv[1]))
import importlib.util, json, resource
"""


@cache
def _probe(sandbox: _Sandbox) -> None:
    """Start the interpreter in the sandbox's layout once: namespaces, mounts, libraries, user."""
    try:
        done = subprocess.run(
            sandbox.command(["-c", PROBE, *(str(n) for n in sandbox.user or ())]),
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=60,
            check=False,
            env={"PATH": os.defpath},
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SandboxUnavailable(f"bubblewrap ({sandbox.bwrap}) cannot start: {exc}; {INSTALL_HINT}") from exc
    if done.returncode != 0:
        said = done.stderr.decode(errors="replace").strip().splitlines()
        why = said[-1] if said else f"exit status {done.returncode}"
        hint = (
            "; unprivileged user namespaces may be disabled (sysctl user.max_user_namespaces, "
            "kernel.unprivileged_userns_clone, or AppArmor's restriction on Ubuntu 24.04)"
            if sandbox.user is None
            else ""
        )
        raise SandboxUnavailable(f"bubblewrap ({sandbox.bwrap}) cannot create the sandbox here: {why}{hint}")


# --- the plugin copy -------------------------------------------------------------------------


def _copy_plugin(source: str, target: str) -> None:
    """Copy regular files and folders, refusing links and special files, within the caps."""
    try:
        top = os.stat(source)
    except OSError as exc:
        raise PluginDirError(f"cannot read the plugin directory {source}: {exc.strerror}") from exc
    if not stat.S_ISDIR(top.st_mode):
        raise PluginDirError(f"{source} is not a directory")
    handler = os.path.join(source, "handler.py")
    if not os.path.isfile(handler) or os.path.islink(handler):
        raise PluginDirError(f"{source} has no handler.py (a regular file) to run")
    total, entries = 0, 0
    pending = [(source, target)]
    while pending:
        folder, copy = pending.pop()
        os.mkdir(copy, 0o755)
        try:
            with os.scandir(folder) as listing:
                found = sorted(listing, key=lambda entry: entry.name)
        except OSError as exc:
            raise PluginDirError(f"cannot read {folder}: {exc.strerror}") from exc
        for entry in found:
            entries += 1
            if entries > COPY_ENTRIES:
                raise PluginDirError(f"{source} holds more than {COPY_ENTRIES} files and folders")
            there = os.path.join(copy, entry.name)
            if entry.is_symlink():
                out = not _under(os.path.realpath(entry.path), os.path.realpath(source))
                where = "points outside the plugin directory" if out else "is a symbolic link"
                raise PluginDirError(f"{entry.path} {where}; the smoke run copies regular files and follows no link")
            if entry.is_dir(follow_symlinks=False):
                pending.append((entry.path, there))
            elif entry.is_file(follow_symlinks=False):
                total += _copy_file(entry.path, there, COPY_BYTES - total)
            else:
                raise PluginDirError(f"{entry.path} is not a regular file or folder; the smoke run copies neither")


def _copy_file(source: str, target: str, room: int) -> int:
    try:  # no link followed and no FIFO waited on, even if the entry changed since it was listed
        descriptor = os.open(source, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise PluginDirError(f"cannot read {source}: {exc.strerror}") from exc
    with open(descriptor, "rb") as file:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            raise PluginDirError(f"{source} is not a regular file")
        data = file.read(room + 1)
    if len(data) > room:
        raise PluginDirError(f"the plugin directory holds more than {COPY_BYTES // MiB} MiB; the smoke run copies less")
    with open(target, "wb") as out:
        out.write(data)
    os.chmod(target, 0o755 if info.st_mode & 0o111 else 0o644)
    return len(data)


def _give(folder: str, user: tuple[int, int]) -> None:
    """Make the copy the sandbox user's: ``/plugin`` is where the handler may write."""
    uid, gid = user
    os.chown(folder, uid, gid)
    for parent, folders, files in os.walk(folder):
        for name in folders + files:
            os.lchown(os.path.join(parent, name), uid, gid)


def _tasks_of(uid: int) -> int:
    """Tasks (processes and threads) the host already has under ``uid``: RLIMIT_NPROC counts them."""
    count = 0
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", encoding="utf-8", errors="replace") as file:
                fields = dict(line.split(":", 1) for line in file if ":" in line)
        except OSError:
            continue  # gone meanwhile
        if int(fields.get("Uid", "-1").split()[0]) == uid:
            count += int(fields.get("Threads", "1"))
    return count


# --- one run ---------------------------------------------------------------------------------

# Runs inside the sandbox, as ``python -I -S -B -c RUNNER CONFIG``: packwarden's code, fixed. It
# sets the process limit (see the module's docstring), drops to the sandbox user when started as
# root, loads /plugin/handler.py, calls handle(event) and writes one JSON report to the result
# descriptor. What the handler prints goes to stdout and stderr. A process the handler forked
# never reports; processes still running when handle() is done are named in the report.
RUNNER = r"""
import json, os, resource, sys

def lingering(me):
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) in (1, me):
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as file:
                state = file.read().rpartition(b")")[2].split()[:1]
            with open(f"/proc/{name}/comm", "rb") as file:
                command = file.read().decode(errors="replace").strip()
        except OSError:
            continue
        if state not in ([b"Z"], [b"X"]):
            found.append(f"pid {name} ({command})")
    return found

def main():
    config = json.loads(sys.argv[1])
    reserve = bytearray(1 << 20)  # given back on MemoryError, so that the report can be made
    resource.setrlimit(resource.RLIMIT_NPROC, (config["tasks"], config["tasks"]))
    if config["uid"] is not None:
        os.setgroups([])
        os.setgid(config["gid"])
        os.setuid(config["uid"])
    result = config["result_fd"]
    os.set_inheritable(result, False)
    with open(config["event"], encoding="utf-8") as file:
        event = json.load(file)
    me, stage = os.getpid(), "import"
    try:
        import importlib.util
        spec = importlib.util.spec_from_file_location("handler", config["handler"])
        module = importlib.util.module_from_spec(spec)
        sys.modules["handler"] = module
        spec.loader.exec_module(module)
        handle = getattr(module, "handle", None)
        if callable(handle):
            stage = "call"
            report = {"status": "returned", "value": handle(event)}
        else:
            report = {"status": "no-handle"}
    except BaseException as exc:
        del reserve
        if os.getpid() != me:
            os._exit(1)
        import traceback
        traceback.clear_frames(exc.__traceback__)  # the handler's locals: the memory a hog holds
        try:
            sys.stderr.write("".join(traceback.format_exception(exc)))
        except BaseException:
            pass
        report = {
            "status": "raised",
            "stage": stage,
            "error": traceback.format_exception_only(exc)[-1].strip(),
            "type": type(exc).__name__,
            "errno": getattr(exc, "errno", None) if isinstance(exc, OSError) else None,
        }
        del exc
    if os.getpid() != me:
        os._exit(0)
    report["lingering"] = lingering(me)
    try:
        data = json.dumps(report, allow_nan=False).encode()
    except BaseException as exc:
        data = json.dumps({"status": "unencodable", "error": f"{type(exc).__name__}: {exc}"}).encode()
    if len(data) > config["result_max"]:
        data = json.dumps({"status": "too-large", "size": len(data)}).encode()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            pass
    while data:
        data = data[os.write(result, data):]
    os._exit(0)

main()
"""


@dataclass(frozen=True)
class _Limits:
    seconds: float
    memory_bytes: int
    processes: int  # what the caller asked for
    tasks: int  # RLIMIT_NPROC: ``processes``, plus what the sandbox user already has (as root)

    def apply(self) -> Callable[[], None]:
        """The ``preexec_fn`` that sets the limits in bwrap's process, before it runs."""
        import resource

        cpu = math.ceil(self.seconds) + 1  # the wall clock comes first; this holds every process
        wanted = [
            (resource.RLIMIT_AS, self.memory_bytes, self.memory_bytes),
            (resource.RLIMIT_CPU, cpu, cpu + 1),  # SIGXCPU, then SIGKILL a second later
            (resource.RLIMIT_FSIZE, FILE_BYTES, FILE_BYTES),
            (resource.RLIMIT_NOFILE, OPEN_FILES, OPEN_FILES),
            (resource.RLIMIT_CORE, 0, 0),
        ]
        limits = []
        for kind, soft, hard in wanted:
            ceiling = resource.getrlimit(kind)[1]  # never above the current hard limit: that fails
            if ceiling != resource.RLIM_INFINITY:
                soft, hard = min(soft, ceiling), min(hard, ceiling)
            limits.append((kind, (soft, hard)))

        def apply() -> None:
            for kind, pair in limits:
                resource.setrlimit(kind, pair)

        return apply


class _Run:
    """One sandbox: started, read with bounded buffers, stopped, judged."""

    def __init__(self, sandbox: _Sandbox, limits: _Limits, copy: str, event_file: str) -> None:
        self.sandbox, self.limits, self.copy, self.event_file = sandbox, limits, copy, event_file
        self.buffers: dict[str, bytearray] = {name: bytearray() for name in ("stdout", "stderr", "result", "info")}
        self.overflow = False
        self.init: _Init | None = None  # the sandbox's pid 1, once bwrap has said which it is

    def result(self, allowed: frozenset[str]) -> SmokeResult:
        returncode, timed_out = self._execute()
        stdout = bytes(self.buffers["stdout"][-TAIL_BYTES:]).decode(errors="replace")
        stderr = bytes(self.buffers["stderr"][-TAIL_BYTES:]).decode(errors="replace")
        if timed_out:
            violations = [f"handle() did not finish within {self.limits.seconds:g} s: the sandbox was killed"]
            killed_by: str | None = "wall-clock"
        else:
            violations, killed_by = self._judge(returncode, allowed)
        if len(violations) > SHOWN_VIOLATIONS:
            violations[SHOWN_VIOLATIONS:] = [f"... and {len(violations) - SHOWN_VIOLATIONS} more violations"]
        return SmokeResult(
            ok=not violations,
            violations=tuple(violations),
            timed_out=timed_out or killed_by == "cpu",
            killed_by=killed_by,
            stdout_tail=stdout,
            stderr_tail=stderr,
        )

    def _execute(self) -> tuple[int, bool]:
        """Run the sandbox to its end or its deadline: (bwrap's exit status, timed out)."""
        result_read, result_write = os.pipe()
        info_read, info_write = os.pipe()
        config = {
            "label": LABEL,
            "tasks": self.limits.tasks,
            "uid": None if self.sandbox.user is None else self.sandbox.user[0],
            "gid": None if self.sandbox.user is None else self.sandbox.user[1],
            "result_fd": result_write,
            "result_max": RESULT_BYTES,
            "event": EVENT_PATH,
            "handler": HANDLER_PATH,
        }
        argv = self.sandbox.command(["-c", RUNNER, json.dumps(config)], (self.copy, self.event_file, info_write))
        deadline = time.monotonic() + self.limits.seconds
        try:
            process = subprocess.Popen(
                argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(result_write, info_write),
                start_new_session=True,  # bwrap leads its own process group: one killpg stops it
                preexec_fn=self.limits.apply(),  # noqa: PLW1509 - only setrlimit, in a single-threaded CLI
                env={"PATH": os.defpath},
            )
        except BaseException:
            for descriptor in (result_read, result_write, info_read, info_write):
                os.close(descriptor)
            raise
        os.close(result_write)
        os.close(info_write)
        assert process.stdout is not None and process.stderr is not None
        sources = {
            process.stdout.fileno(): "stdout",
            process.stderr.fileno(): "stderr",
            result_read: "result",
            info_read: "info",
        }
        with process, selectors.DefaultSelector() as selector:
            for descriptor in sources:
                selector.register(descriptor, selectors.EVENT_READ)
            try:
                timed_out = not self._read(selector, sources, deadline)
                if not timed_out:
                    try:
                        process.wait(max(0.0, deadline - time.monotonic()))
                    except subprocess.TimeoutExpired:
                        timed_out = True
                if timed_out:
                    self._kill(process)
                    self._read(selector, sources, time.monotonic() + GRACE_SECONDS)  # the rest of the output
            finally:
                if process.poll() is None:  # interrupted (Ctrl-C): nothing is left behind
                    self._kill(process)
                self._await_init()
                os.close(result_read)
                os.close(info_read)
        return process.returncode, timed_out

    def _read(self, selector: selectors.BaseSelector, sources: dict[int, str], deadline: float) -> bool:
        """Read until every pipe is closed (True) or the deadline passes (False)."""
        while selector.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            for key, _ in selector.select(remaining):
                chunk = os.read(key.fd, 1 << 16)
                if not chunk:
                    selector.unregister(key.fd)
                    continue
                name = sources[key.fd]
                buffer = self.buffers[name]
                buffer += chunk
                if name in ("stdout", "stderr") and len(buffer) > 4 * TAIL_BYTES:
                    del buffer[:-TAIL_BYTES]
                elif name == "result" and len(buffer) > RESULT_BYTES:
                    self.overflow = True
                    del buffer[RESULT_BYTES:]
                elif name == "info" and self.init is None:
                    pid = _child_pid(buffer)
                    self.init = None if pid is None else _Init(pid)
        return True

    def _kill(self, process: subprocess.Popen[bytes]) -> None:
        """Kill the sandbox's init (its whole pid namespace goes with it), then bwrap's group."""
        if self.init is not None:
            self.init.kill()
        with contextlib.suppress(ProcessLookupError, PermissionError):  # gone already
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()

    def _await_init(self) -> None:
        """Return only when the sandbox's init has exited: every process of the sandbox is gone.

        bwrap itself may exit first: it reports the runner's exit status as soon as its init sends
        it, while the init is still ending the namespace (and ``--die-with-parent`` kills it).
        """
        if self.init is None:
            return  # bwrap never made a sandbox
        try:
            if not self.init.wait(GRACE_SECONDS):
                self.init.kill()
                self.init.wait(GRACE_SECONDS)
        finally:
            self.init.close()

    def _judge(self, returncode: int, allowed: frozenset[str]) -> tuple[list[str], str | None]:
        """The violations, and the limit that stopped the handler, from the runner's report."""
        if self.overflow:  # only a handler writing to the runner's descriptor gets here
            return [f"the sandbox's report is larger than {RESULT_BYTES} bytes"], None
        report: object = None
        if self.buffers["result"]:
            try:
                report = json.loads(self.buffers["result"])
            except (ValueError, RecursionError):  # made in the sandbox: it may be anything
                report = None
        if not isinstance(report, dict):
            return _died(returncode, self.limits, self.buffers["stderr"])
        status = report.get("status")
        lingering = report.get("lingering")
        lingering = lingering if isinstance(lingering, list) else []
        violations: list[str] = []
        killed_by = None
        if status == "returned":
            violations += _check_value(report.get("value"), allowed)
        elif status == "raised":
            killed_by = _limit_of(report)
            where = "importing handler.py" if report.get("stage") == "import" else "handle()"
            violations.append(f"{where} raised {_short(report.get('error'))}{_limit_note(killed_by, self.limits)}")
        elif status == "no-handle":
            violations.append("handler.py defines no callable handle()")
        elif status == "unencodable":
            violations.append(f"handle() returned a value that is not JSON: {_short(report.get('error'))}")
        elif status == "too-large":
            violations.append(f"handle() returned {report.get('size')} bytes of JSON, more than {RESULT_BYTES} bytes")
        else:
            violations.append("the sandbox's report is not understood")
        if lingering:
            named = ", ".join(_short(one) for one in lingering[:5]) + (", ..." if len(lingering) > 5 else "")
            count = f"{len(lingering)} process" + ("es" if len(lingering) > 1 else "")
            violations.append(f"handle() left {count} running when it was done: {named}; the sandbox killed them")
        return violations, killed_by


def _child_pid(info: bytearray) -> int | None:
    try:
        data = json.loads(info)
    except ValueError:
        return None  # not all of it yet
    pid = data.get("child-pid") if isinstance(data, dict) else None
    return pid if isinstance(pid, int) and pid > 0 else None


class _Init:
    """The sandbox's init (pid 1 of its namespace), held by a pidfd where the kernel has them.

    The kernel lets a pid namespace's init finish exiting only once every other process of the
    namespace is gone, so its exit is the end of everything the handler started. The pidfd is
    opened while bwrap, its parent, is alive: the pid cannot have been reused by then.
    """

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.gone = False
        self.fd: int | None = None
        try:
            self.fd = os.pidfd_open(pid)
        except ProcessLookupError:
            self.gone = True
        except (AttributeError, OSError):  # pragma: no cover - Linux before 5.3
            self.fd = None

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if self.fd is not None:
                signal.pidfd_send_signal(self.fd, signal.SIGKILL)
            elif not self.gone:  # pragma: no cover - Linux before 5.3
                os.kill(self.pid, signal.SIGKILL)

    def wait(self, seconds: float) -> bool:
        """Whether it exited within ``seconds``."""
        if self.gone:
            return True
        if self.fd is not None:
            poller = select.poll()
            poller.register(self.fd, select.POLLIN)  # readable once the process has exited
            return bool(poller.poll(seconds * 1000))
        deadline = time.monotonic() + seconds  # pragma: no cover - Linux before 5.3
        while time.monotonic() < deadline:  # pragma: no cover
            try:
                with open(f"/proc/{self.pid}/stat", "rb") as file:
                    state = file.read().rpartition(b")")[2].split()[:1]
            except OSError:
                return True
            if state in ([b"Z"], [b"X"]):
                return True
            time.sleep(0.01)
        return False  # pragma: no cover

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None


# An OSError's errno, and the limit it suggests: a fork() over RLIMIT_NPROC fails with EAGAIN.
_LIMIT_BY_ERRNO = {errno.EAGAIN: "processes", errno.EFBIG: "file-size", errno.EMFILE: "open-files"}


def _limit_of(report: Mapping[str, object]) -> str | None:
    """The limit behind an exception the handler raised, if it looks like one."""
    if report.get("type") == "MemoryError":
        return "memory"
    number = report.get("errno")
    return _LIMIT_BY_ERRNO.get(number) if isinstance(number, int) else None


def _limit_note(limit: str | None, limits: _Limits) -> str:
    notes = {
        "memory": f" (memory limit: {limits.memory_bytes // MiB} MiB)",
        "processes": f" (process limit: {limits.processes})",
        "file-size": f" (file size limit: {FILE_BYTES // MiB} MiB)",
        "open-files": f" (open file limit: {OPEN_FILES})",
    }
    return notes.get(limit or "", "")


def _died(returncode: int, limits: _Limits, stderr: bytearray) -> tuple[list[str], str | None]:
    """No report: the runner was killed, exited early, or the sandbox failed to start."""
    if returncode > 128:  # bwrap reports a child killed by signal N as 128 + N
        number = returncode - 128
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = f"signal {number}"
        if number == signal.SIGXCPU:
            return [f"handle() used more than {math.ceil(limits.seconds) + 1} s of CPU time: killed"], "cpu"
        return [f"the handler process was killed by {name}"], name
    said = bytes(stderr).decode(errors="replace").strip().splitlines()
    last = f": {_short(said[-1])}" if said else ""
    return [f"the handler process exited with status {returncode} without a result{last}"], None


def _check_value(value: object, allowed: frozenset[str]) -> list[str]:
    """Each way ``value`` departs from a list of ``{action: allowed str, payload: object}``."""
    if not isinstance(value, list):
        return [f"handle() returned {_kind(value)}, not a list of {{action, payload}} objects"]
    listed = ", ".join(sorted(allowed)) if allowed else "none"
    violations = []
    for index, item in enumerate(value):
        where = f"handle()[{index}]"
        if not isinstance(item, dict):
            violations.append(f"{where} is {_kind(item)}, not an object with action and payload")
            continue
        action = item.get("action")
        if "action" not in item:
            violations.append(f"{where} has no action")
        elif not isinstance(action, str):
            violations.append(f"{where}.action is {_kind(action)}, not a string")
        elif action not in allowed:
            violations.append(f"{where}.action {_short(repr(action))} is not an allowed action (allowed: {listed})")
        if "payload" not in item:
            violations.append(f"{where} has no payload")
        elif not isinstance(item["payload"], dict):
            violations.append(f"{where}.payload is {_kind(item['payload'])}, not an object")
    return violations


def _short(text: object, limit: int = 200) -> str:
    """``text`` for one line of a report: what the sandbox sends may be of any length."""
    shown = str(text)
    return shown if len(shown) <= limit else f"{shown[: limit - 3]}..."


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    return "a list" if isinstance(value, list) else "an object"
