"""``packwarden plugin smoke DIR``: hostile handlers, run in the real bubblewrap sandbox.

Every test builds a real plugin directory and runs ``bwrap``; they skip only where bubblewrap
is not installed, except the refusals, which run everywhere. After each run, no process of it
may be left: none whose command line carries the smoke run's label (bwrap's names the temporary
folder, the runner's carries the label, and a forked handler keeps the runner's), and none in the
sandbox's pid namespace, which each handler prints at import.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from packwarden.cli import plugin_smoke
from packwarden.cli.errors import guarded
from packwarden.plugin.sandbox import INSTALL_HINT, LABEL, PluginDirError, SandboxUnavailable, SmokeResult, smoke
from tests.acceptance.conftest import Run
from tests.support.gitrepo import REPO_ROOT

# CI sets PACKWARDEN_REQUIRE_BWRAP=1: there a missing bubblewrap fails these tests instead of skipping them.
needs_bwrap = pytest.mark.skipif(
    shutil.which("bwrap") is None and not os.environ.get("PACKWARDEN_REQUIRE_BWRAP"),
    reason="bubblewrap (bwrap) is not installed: apt-get install bubblewrap",
)

EVENT = {"name": "on_push", "payload": {}}
# At import, each handler says which pid namespace it runs in, so the test can look there afterwards.
SAYS_WHERE = """\
import os, sys
print("PIDNS", os.readlink("/proc/self/ns/pid"), file=sys.stderr, flush=True)
"""


def make_plugin(root: Path, handler: str, *, outputs: list[str] | None = None, **spec: object) -> Path:
    folder = root / "plugin"
    folder.mkdir()
    fields = {"name": "demo-plugin", "version": "1.0.0", "handles_event": "on_push", "outputs": outputs or ["notify"]}
    (folder / "plugin.spec.json").write_text(json.dumps({**fields, **spec}), encoding="utf-8")
    (folder / "handler.py").write_text(SAYS_WHERE + textwrap.dedent(handler), encoding="utf-8")
    return folder


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    """``packwarden plugin smoke ARGV``, as the command table runs it (exit codes from ``guarded``)."""
    parser = argparse.ArgumentParser(prog="packwarden plugin smoke")
    plugin_smoke.add_arguments(parser)
    capsys.readouterr()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        out, err = capsys.readouterr()
        return Run(2 if exit_.code else 0, out, err)
    rc = guarded(lambda: plugin_smoke.run(args), list(argv), False)
    out, err = capsys.readouterr()
    return Run(rc, out, err)


def sandbox_processes() -> list[str]:
    """Running processes of any smoke run, by the label in their command lines."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue  # gone meanwhile
        if LABEL.encode() in command:
            found.append(f"{entry.name}: {command[:160]!r}")
    return found


def in_namespace(result: SmokeResult) -> list[str]:
    """Host processes still running in the pid namespace the handler reported from.

    A zombie is not running: the sandbox's init may wait a moment for the host's init to reap it.
    """
    match = re.search(r"PIDNS (pid:\[\d+\])", result.stderr_tail)
    assert match, f"the handler did not say where it ran: {result.stderr_tail!r}"
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                state = (entry / "stat").read_bytes().rpartition(b")")[2].split()[0]
                if os.readlink(entry / "ns" / "pid") == match[1] and state not in (b"Z", b"X"):
                    found.append(f"{entry.name}: {(entry / 'cmdline').read_bytes()[:160]!r}")
            except OSError:
                continue  # gone meanwhile
    return found


_before: set[str] = set()  # smoke runs of other processes on this machine (another test run) when a test began


@pytest.fixture(autouse=True)
def nothing_left() -> Iterator[None]:
    """No smoke run this test started is still running when it ends. Runs another test session
    on the same machine has going are not this test's: only new ones count (the pid-namespace
    check in ``assert_gone`` is exact for the run a test made)."""
    _before.clear()
    _before.update(sandbox_processes())
    yield
    assert [process for process in sandbox_processes() if process not in _before] == []


def assert_gone(result: SmokeResult) -> None:
    assert in_namespace(result) == []
    assert [process for process in sandbox_processes() if process not in _before] == []


# --- a handler that behaves -----------------------------------------------------------------


@needs_bwrap
def test_a_good_handler_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plugin = make_plugin(
        tmp_path,
        """
        def handle(event):
            print("handling", event["name"])
            if event != {"name": "on_push", "payload": {}}:  # the sample event built from the spec
                return [{"action": "unexpected-event", "payload": {"got": event}}]
            return [{"action": "notify", "payload": {"event": event["name"]}}]
        """,
    )
    result = smoke(str(plugin), EVENT, {"notify"})
    assert result == SmokeResult(
        ok=True,
        violations=(),
        timed_out=False,
        killed_by=None,
        stdout_tail="handling on_push\n",
        stderr_tail=result.stderr_tail,
    )
    assert_gone(result)
    ran = cli(capsys, str(plugin))
    assert ran.rc == 0, ran.text
    assert ran.out == f"plugin 'demo-plugin' ({plugin}): smoke run passed: handle() returned only allowed actions\n"


@needs_bwrap
def test_an_event_given_on_the_command_line_or_in_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plugin = make_plugin(
        tmp_path,
        """
        def handle(event):
            return [{"action": "notify" if event["payload"] == {"ref": "main"} else "wrong", "payload": {}}]
        """,
    )
    event = json.dumps({"name": "on_push", "payload": {"ref": "main"}})
    assert cli(capsys, str(plugin), "--event", event).rc == 0
    (tmp_path / "event.json").write_text(event, encoding="utf-8")
    assert cli(capsys, str(plugin), "--event-file", str(tmp_path / "event.json")).rc == 0
    ran = cli(capsys, str(plugin))  # the default event has an empty payload
    assert ran.rc == 1
    assert "handle()[0].action 'wrong' is not an allowed action (allowed: notify)" in ran.out


# --- what handle() returns ------------------------------------------------------------------


@needs_bwrap
def test_each_disallowed_action_and_bad_payload_is_a_violation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plugin = make_plugin(
        tmp_path,
        """
        def handle(event):
            return [
                {"action": "notify", "payload": {"ok": True}},
                {"action": "delete_repository", "payload": {}},
                {"action": "notify", "payload": ["not", "a", "dict"]},
                "not an object",
                {"payload": {}},
                {"action": 7},
            ]
        """,
        outputs=["notify", "open_ticket"],
    )
    result = smoke(str(plugin), EVENT, {"notify", "open_ticket"})
    assert result.violations == (
        "handle()[1].action 'delete_repository' is not an allowed action (allowed: notify, open_ticket)",
        "handle()[2].payload is a list, not an object",
        "handle()[3] is a string, not an object with action and payload",
        "handle()[4] has no action",
        "handle()[5].action is a number, not a string",
        "handle()[5] has no payload",
    )
    assert not result.ok and not result.timed_out and result.killed_by is None
    ran = cli(capsys, str(plugin))
    assert ran.rc == 1
    lines = ran.out.splitlines()
    assert lines[:6] == [f"{plugin}: {violation}" for violation in result.violations]
    assert lines[6:] == [f"plugin 'demo-plugin' ({plugin}): smoke run failed: 6 violations"]


@needs_bwrap
@pytest.mark.parametrize(
    ("returned", "violation"),
    [
        ('{"action": "notify", "payload": {}}', "handle() returned an object, not a list of {action, payload} objects"),
        ("None", "handle() returned null, not a list of {action, payload} objects"),
        (
            "{1, 2}",
            "handle() returned a value that is not JSON: TypeError: Object of type set is not JSON serializable",
        ),
    ],
)
def test_a_result_that_is_not_a_list_of_actions(tmp_path: Path, returned: str, violation: str) -> None:
    plugin = make_plugin(tmp_path, f"def handle(event):\n    return {returned}\n")
    assert smoke(str(plugin), EVENT, {"notify"}).violations == (violation,)


@needs_bwrap
@pytest.mark.parametrize(
    ("source", "violation"),
    [
        ("def handle(event):\n    raise ValueError('boom')\n", "handle() raised ValueError: boom"),
        ("raise RuntimeError('at import')\n", "importing handler.py raised RuntimeError: at import"),
        ("def handle(event:\n", "importing handler.py raised SyntaxError: '(' was never closed"),
        ("handle = 'not a function'\n", "handler.py defines no callable handle()"),
        (
            "import os\ndef handle(event):\n    os._exit(3)\n",
            "the handler process exited with status 3 without a result",
        ),
    ],
)
def test_a_crashing_handler_is_reported_with_the_last_traceback_line(
    tmp_path: Path, source: str, violation: str
) -> None:
    result = smoke(str(make_plugin(tmp_path, source)), EVENT, {"notify"})
    assert len(result.violations) == 1
    assert result.violations[0].startswith(violation)  # with the last line it printed, if it died
    assert result.killed_by is None and not result.timed_out
    if "raised" in violation:
        assert "Traceback (most recent call last)" in result.stderr_tail


@needs_bwrap
@pytest.mark.parametrize(
    ("source", "violation", "killed_by"),
    [
        (
            "import os, signal\ndef handle(event):\n    os.kill(os.getpid(), signal.SIGSEGV)\n",
            "the handler process was killed by SIGSEGV",
            "SIGSEGV",
        ),
        (  # the handler may lower its own CPU limit: the kernel's signal is the same
            "import resource\ndef handle(event):\n    resource.setrlimit(resource.RLIMIT_CPU, (1, 10))\n"
            "    while True:\n        pass\n",
            "handle() used more than 11 s of CPU time: killed",
            "cpu",
        ),
    ],
)
def test_a_handler_killed_by_a_signal(tmp_path: Path, source: str, violation: str, killed_by: str) -> None:
    result = smoke(str(make_plugin(tmp_path, source)), EVENT, {"notify"})
    assert result.violations == (violation,)
    assert result.killed_by == killed_by
    assert result.timed_out is (killed_by == "cpu")
    assert_gone(result)


@needs_bwrap
def test_many_violations_are_counted_after_the_first_fifty(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path, "def handle(event):\n    return [{'action': 'x', 'payload': {}}] * 80\n")
    result = smoke(str(plugin), EVENT, {"notify"})
    assert len(result.violations) == 51
    assert result.violations[-1] == "... and 30 more violations"


@needs_bwrap
@pytest.mark.parametrize(
    ("write", "violation"),
    [
        ("b'not json'", "the handler process exited with status 0 without a result"),
        ("b'[' * (2 << 20)", "the sandbox's report is larger than 1048576 bytes"),
    ],
)
def test_a_report_the_runner_did_not_write(tmp_path: Path, write: str, violation: str) -> None:
    """The handler runs in the runner's process and can reach its report: containment does not rely on it."""
    plugin = make_plugin(
        tmp_path,
        f"""
        import json, os, sys
        def handle(event):
            data = {write}
            descriptor = json.loads(sys.argv[1])["result_fd"]
            while data:
                data = data[os.write(descriptor, data):]
            os._exit(0)
        """,
    )
    result = smoke(str(plugin), EVENT, {"notify"})
    assert result.violations[0].startswith(violation)
    assert_gone(result)


# --- limits -----------------------------------------------------------------------------------


@needs_bwrap
def test_an_infinite_loop_is_killed_at_the_wall_clock_limit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plugin = make_plugin(tmp_path, "def handle(event):\n    while True:\n        pass\n")
    result = smoke(str(plugin), EVENT, {"notify"}, seconds=2)
    assert result.violations == ("handle() did not finish within 2 s: the sandbox was killed",)
    assert result.timed_out and result.killed_by == "wall-clock"
    assert_gone(result)
    ran = cli(capsys, str(plugin), "--seconds", "1.5")
    assert ran.rc == 1
    assert ran.out.splitlines()[-1].endswith("smoke run failed: 1 violation; stopped by the wall-clock limit")


@needs_bwrap
def test_a_handler_that_sleeps_and_ignores_signals_is_killed(tmp_path: Path) -> None:
    plugin = make_plugin(
        tmp_path,
        """
        import signal, time
        def handle(event):
            for number in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
                signal.signal(number, signal.SIG_IGN)
            time.sleep(1000)
        """,
    )
    result = smoke(str(plugin), EVENT, {"notify"}, seconds=1)
    assert result.timed_out and result.killed_by == "wall-clock"
    assert_gone(result)


@needs_bwrap
def test_a_memory_hog_is_stopped_at_the_memory_limit(tmp_path: Path) -> None:
    plugin = make_plugin(
        tmp_path,
        """
        def handle(event):
            hoard = []
            while True:
                hoard.append(bytearray(8 << 20))
        """,
    )
    result = smoke(str(plugin), EVENT, {"notify"}, memory_bytes=128 << 20)
    assert result.violations == ("handle() raised MemoryError (memory limit: 128 MiB)",)
    assert result.killed_by == "memory" and not result.timed_out
    assert_gone(result)


@needs_bwrap
def test_a_huge_file_is_stopped_at_the_file_size_limit(tmp_path: Path) -> None:
    plugin = make_plugin(
        tmp_path,
        """
        def handle(event):
            with open("/plugin/huge.bin", "wb") as file:
                for _ in range(64):
                    file.write(bytes(1 << 20))
        """,
    )
    result = smoke(str(plugin), EVENT, {"notify"})
    assert result.violations == ("handle() raised OSError: [Errno 27] File too large (file size limit: 16 MiB)",)
    assert result.killed_by == "file-size"


@needs_bwrap
def test_what_the_handler_prints_and_returns_is_bounded(tmp_path: Path) -> None:
    plugin = make_plugin(
        tmp_path,
        """
        import sys
        def handle(event):
            for line in range(200_000):
                print(f"out {line:06d}", flush=False)
                print(f"err {line:06d}", file=sys.stderr)
            return [{"action": "notify", "payload": {"blob": "x" * (2 << 20)}}]
        """,
    )
    result = smoke(str(plugin), EVENT, {"notify"})
    assert len(result.violations) == 1
    assert re.fullmatch(r"handle\(\) returned \d+ bytes of JSON, more than 1048576 bytes", result.violations[0])
    assert len(result.stdout_tail) <= 8192 and result.stdout_tail.endswith("out 199999\n")
    assert len(result.stderr_tail) <= 8192 and result.stderr_tail.endswith("err 199999\n")


@needs_bwrap
def test_a_fork_bomb_is_contained(tmp_path: Path) -> None:
    plugin = make_plugin(tmp_path, "import os\ndef handle(event):\n    while True:\n        os.fork()\n")
    result = smoke(str(plugin), EVENT, {"notify"}, processes=32)
    assert result.killed_by == "processes"
    assert result.violations[0] == (
        "handle() raised BlockingIOError: [Errno 11] Resource temporarily unavailable (process limit: 32)"
    )
    assert all("left" in violation for violation in result.violations[1:])  # the bomb's other processes
    assert_gone(result)
    assert subprocess.run(["true"], check=False).returncode == 0  # the host can still start processes


@needs_bwrap
def test_the_process_limit_holds_exactly(tmp_path: Path) -> None:
    plugin = make_plugin(
        tmp_path,
        """
        import os, time
        def handle(event):
            made = 0
            try:
                while True:
                    if os.fork() == 0:
                        time.sleep(1000)
                        os._exit(0)
                    made += 1
            except BlockingIOError:
                print("made", made)
            return []
        """,
    )
    result = smoke(str(plugin), EVENT, {"notify"}, processes=16)
    made = int(result.stdout_tail.split()[-1])
    assert 12 <= made < 16, result.stdout_tail  # the handler itself counts, and bwrap may
    assert len(result.violations) == 1
    assert result.violations[0].startswith(f"handle() left {made} processes running when it was done: pid ")
    assert_gone(result)


@needs_bwrap
def test_a_fork_bomb_that_swallows_the_error_runs_out_of_time(tmp_path: Path) -> None:
    plugin = make_plugin(
        tmp_path,
        """
        import os
        def handle(event):
            while True:
                try:
                    os.fork()
                except OSError:
                    pass
        """,
    )
    result = smoke(str(plugin), EVENT, {"notify"}, seconds=2, processes=32)
    assert result.timed_out and result.killed_by == "wall-clock"
    assert_gone(result)


@needs_bwrap
def test_a_double_forked_child_does_not_outlive_the_run(tmp_path: Path) -> None:
    plugin = make_plugin(
        tmp_path,
        """
        import os, time
        def handle(event):
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:  # the daemon: no parent, no session, no standard streams
                    for descriptor in (0, 1, 2):
                        os.close(descriptor)
                    time.sleep(1000)
                os._exit(0)
            os.wait()
            return [{"action": "notify", "payload": {}}]
        """,
    )
    result = smoke(str(plugin), EVENT, {"notify"})
    assert len(result.violations) == 1
    assert re.fullmatch(
        r"handle\(\) left 1 process running when it was done: pid \d+ \(python[\d.]+\); the sandbox killed them",
        result.violations[0],
    )
    assert_gone(result)


# --- isolation --------------------------------------------------------------------------------


@needs_bwrap
@pytest.mark.parametrize("where", ["internet", "host"])
def test_the_network_is_unreachable(tmp_path: Path, where: str) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        address = ("1.1.1.1", 80) if where == "internet" else listener.getsockname()
        plugin = make_plugin(
            tmp_path,
            f"""
            import socket
            def handle(event):
                socket.create_connection({address!r}, timeout=5).close()
                return [{{"action": "notify", "payload": {{}}}}]
            """,
        )
        result = smoke(str(plugin), EVENT, {"notify"})
        listener.setblocking(False)
        with pytest.raises(BlockingIOError):
            listener.accept()  # nobody connected
    assert len(result.violations) == 1
    expected = "OSError: [Errno 101] Network is unreachable" if where == "internet" else "ConnectionRefusedError"
    assert result.violations[0].startswith(f"handle() raised {expected}")
    assert_gone(result)


@needs_bwrap
def test_nothing_is_written_outside_the_temporary_copy(tmp_path: Path) -> None:
    mark = uuid.uuid4().hex
    plugin = make_plugin(
        tmp_path,
        """
        import os, sys
        def handle(event):
            outcomes = {}
            for path in event["payload"]["paths"] + [sys.prefix + "/escaped.txt", "/plugin/inside.txt"]:
                try:
                    os.makedirs(os.path.dirname(path), exist_ok=True)
                    with open(path, "w") as file:
                        file.write("escaped")
                    outcomes[path] = "written"
                except OSError as exc:
                    outcomes[path] = exc.strerror
            print(outcomes)
            return [{"action": "notify", "payload": outcomes}]
        """,
    )
    before = sorted(plugin.rglob("*"))
    targets = [plugin / f"escaped-{mark}.txt", Path.home() / f"escaped-{mark}.txt", Path(f"/tmp/escaped-{mark}.txt")]
    targets.append(tmp_path / "elsewhere" / f"escaped-{mark}.txt")
    try:
        result = smoke(str(plugin), {"name": "on_push", "payload": {"paths": [str(t) for t in targets]}}, {"notify"})
        assert result.ok, result.violations
        assert "'/plugin/inside.txt': 'written'" in result.stdout_tail  # the copy is writable
        assert [target for target in targets if target.exists()] == []
        assert sorted(plugin.rglob("*")) == before
        assert not (Path(sys.base_prefix) / "escaped.txt").exists()
    finally:
        for target in targets:
            target.unlink(missing_ok=True)


@needs_bwrap
def test_the_handler_sees_neither_the_repository_nor_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PACKWARDEN_SECRET", "hunter2")
    plugin = make_plugin(
        tmp_path,
        """
        import json, os
        def handle(event):
            seen = {
                "environment": sorted(os.environ),
                "repository": os.path.exists(event["payload"]["repo"]),
                "cwd": os.getcwd(),
                "root": sorted(os.listdir("/")),
            }
            print(json.dumps(seen))
            return []
        """,
    )
    result = smoke(str(plugin), {"name": "on_push", "payload": {"repo": str(REPO_ROOT)}}, {"notify"})
    assert result.ok, result.violations
    seen = json.loads(result.stdout_tail)
    assert seen["environment"] == ["HOME", "LANG", "PATH", "PWD", "TMPDIR"]
    assert seen["repository"] is False
    assert seen["cwd"] == "/plugin"
    assert {"plugin", "proc", "dev", "tmp", "usr"} <= set(seen["root"])
    assert not {"home", "work", "var", "srv"} & set(seen["root"])


# --- the plugin directory ---------------------------------------------------------------------


@needs_bwrap
@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda folder: (folder / "passwd").symlink_to("/etc/passwd"), "points outside the plugin directory"),
        (lambda folder: (folder / "alias.py").symlink_to("handler.py"), "is a symbolic link"),
        (lambda folder: os.mkfifo(folder / "pipe"), "is not a regular file or folder"),
        (lambda folder: (folder / "handler.py").unlink(), "has no handler.py"),
        (lambda folder: (folder / "big.bin").write_bytes(b"\0" * (17 << 20)), "holds more than 16 MiB"),
        (lambda folder: [(folder / f"{n}.txt").touch() for n in range(2000)], "more than 2000 files and folders"),
    ],
)
def test_a_plugin_directory_that_cannot_be_copied_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], make: object, message: str
) -> None:
    plugin = make_plugin(tmp_path, "def handle(event):\n    return []\n")
    make(plugin)  # type: ignore[operator]
    with pytest.raises(PluginDirError, match=message):
        smoke(str(plugin), EVENT, {"notify"})
    ran = cli(capsys, str(plugin))
    assert ran.rc == 2
    assert message in ran.err


@needs_bwrap
def test_a_missing_plugin_directory_or_a_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PluginDirError, match=r"cannot read the plugin directory .*: No such file or directory"):
        smoke(str(tmp_path / "missing"), EVENT, {"notify"})
    (tmp_path / "file").write_text("", encoding="utf-8")
    with pytest.raises(PluginDirError, match="is not a directory"):
        smoke(str(tmp_path / "file"), EVENT, {"notify"})


def test_the_limits_and_the_event_are_checked_first(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="must be positive"):
        smoke(str(tmp_path), EVENT, {"notify"}, seconds=0)
    with pytest.raises(ValueError, match="the sample event is not JSON"):
        smoke(str(tmp_path), {"name": float("nan")}, {"notify"})
    with pytest.raises(ValueError, match="the sample event is not JSON"):
        smoke(str(tmp_path), {"name": object()}, {"notify"})


@needs_bwrap
def test_the_copy_keeps_subfolders_and_leaves_no_temporary_folder(tmp_path: Path) -> None:
    plugin = make_plugin(
        tmp_path,
        """
        def handle(event):
            with open("/plugin/data/table.txt") as file:
                return [{"action": "notify", "payload": {"table": file.read()}}]
        """,
    )
    (plugin / "data").mkdir()
    (plugin / "data" / "table.txt").write_text("rows", encoding="utf-8")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tempfile, "tempdir", str(scratch))
        assert smoke(str(plugin), EVENT, {"notify"}).ok
    assert list(scratch.iterdir()) == []


# --- no sandbox: refuse, and say what to install ----------------------------------------------


def test_without_bubblewrap_the_smoke_run_refuses_with_the_install_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    plugin = make_plugin(tmp_path, "def handle(event):\n    return []\n")
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    with pytest.raises(SandboxUnavailable) as refused:
        smoke(str(plugin), EVENT, {"notify"})
    assert "apt-get install bubblewrap" in refused.value.message
    ran = cli(capsys, str(plugin))
    assert ran.rc == 2
    assert ran.out == ""
    assert ran.err == f"packwarden: error: bubblewrap (bwrap) is not on PATH; {INSTALL_HINT}\n"


@pytest.mark.parametrize(
    ("script", "message"),
    [
        (
            "#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n",
            "cannot create the sandbox here: bwrap: No permissions to create new namespace",
        ),
        ("#!/nonexistent/interpreter\n", "cannot start: "),
    ],
)
def test_a_bubblewrap_that_cannot_make_the_sandbox_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], script: str, message: str
) -> None:
    plugin = make_plugin(tmp_path, "def handle(event):\n    return []\n")
    folder = tmp_path / "bin"
    folder.mkdir()
    fake = folder / "bwrap"
    fake.write_text(script, encoding="utf-8")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    with pytest.raises(SandboxUnavailable, match=re.escape(message)):
        smoke(str(plugin), EVENT, {"notify"})
    ran = cli(capsys, str(plugin))
    assert ran.rc == 2
    assert message in ran.err


# --- usage ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "argv", "message"),
    [
        (None, (), "cannot read the plugin spec"),
        ("{not json", (), "is not JSON"),
        ("[]", (), "is not a JSON object"),
        ('{"handles_event": "on_push"}', (), "outputs must be a list of action names"),
        ('{"handles_event": "on_push", "outputs": ["a", 1]}', (), "outputs must be a list of action names"),
        ('{"outputs": ["notify"]}', (), "names no handles_event"),
        ('{"outputs": ["notify"]}', ("--event", "[1]"), "--event is not a JSON object"),
        ('{"outputs": ["notify"]}', ("--event", "{"), "--event is not JSON"),
        ('{"outputs": ["notify"]}', ("--event", "[" * 100_000), "--event is not JSON"),
        ('{"outputs": ["notify"]}', ("--event-file", "missing.json"), "cannot read the event file"),
        ('{"outputs": ["notify"]}', ("--seconds", "0"), "seconds must be more than 0"),
        ('{"outputs": ["notify"]}', ("--seconds", "soon"), "not a number of seconds: 'soon'"),
        ('{"outputs": ["notify"], "pad": "' + "x" * (1 << 20) + '"}', (), "is larger than 1048576 bytes"),
        ('{"outputs": ["notify"]}', ("--event", "{}", "--event-file", "x"), "not allowed with argument"),
    ],
)
def test_unreadable_input_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], spec: str | None, argv: tuple[str, ...], message: str
) -> None:
    plugin = tmp_path / "plugin"
    plugin.mkdir()
    if spec is not None:
        (plugin / "plugin.spec.json").write_text(spec, encoding="utf-8")
    ran = cli(capsys, str(plugin), *argv)
    assert ran.rc == 2
    assert message in ran.err
    assert "Traceback" not in ran.text


@needs_bwrap
def test_the_user_namespace_command_line_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line an ordinary user gets, here run by root (so no process limit applies)."""
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    plugin = make_plugin(
        tmp_path,
        "import os\ndef handle(event):\n    return [{'action': 'notify', 'payload': {'uid': os.getuid()}}]\n",
    )
    result = smoke(str(plugin), EVENT, {"notify"})
    assert result.ok, result.violations
    assert_gone(result)


# --- as an ordinary user: the user-namespace path ---------------------------------------------

USER_RUN = """
import importlib.util, json, os, sys
spec = importlib.util.spec_from_file_location("sandbox", sys.argv[1])
sandbox = sys.modules["sandbox"] = importlib.util.module_from_spec(spec)
spec.loader.exec_module(sandbox)
results = {}
for name in sorted(os.listdir("plugins")):
    result = sandbox.smoke(os.path.join("plugins", name), {"name": "on_push", "payload": {}}, {"notify"}, processes=16)
    results[name] = [result.ok, list(result.violations), result.killed_by, result.stdout_tail]
print(json.dumps(results))
"""


@needs_bwrap
@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root, to become an ordinary user")
def test_as_an_ordinary_user_the_sandbox_has_its_own_user_namespace() -> None:
    """Root runs the handler as nobody without a user namespace; everyone else gets one."""
    python = "/usr/bin/python3"
    probe = subprocess.run(
        [python, "-c", "import sys; print(sys.version_info >= (3, 11))"], capture_output=True, check=False
    )
    if probe.stdout.strip() != b"True":
        pytest.skip("needs a system Python 3.11 that an ordinary user can run")
    work = Path(tempfile.mkdtemp(prefix="pw-user-mode-"))  # /tmp: nobody cannot enter pytest's folders
    try:
        handlers = {
            "good": "def handle(event):\n    return [{'action': 'notify', 'payload': {}}]\n",
            "bomb": "import os\ndef handle(event):\n    while True:\n        os.fork()\n",
            "counted": "import os, time\ndef handle(event):\n    made = 0\n    try:\n        while True:\n"
            "            if os.fork() == 0:\n                time.sleep(1000)\n                os._exit(0)\n"
            "            made += 1\n    except OSError:\n        print(made)\n    return []\n",
        }
        for name, source in handlers.items():
            (work / "plugins" / name).mkdir(parents=True)
            (work / "plugins" / name / "handler.py").write_text(source, encoding="utf-8")
        for path in [work, *work.rglob("*")]:
            os.chown(path, 65534, 65534)
        done = subprocess.run(
            [python, "-c", USER_RUN, str(REPO_ROOT / "src" / "packwarden" / "plugin" / "sandbox.py")],
            cwd=work,
            env={"PATH": "/usr/bin:/bin", "HOME": str(work), "PYTHONPATH": str(REPO_ROOT / "src")},
            user=65534,
            group=65534,
            extra_groups=[],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode != 0 and "Permission denied" in done.stderr:
            pytest.skip(f"an ordinary user cannot read this checkout: {done.stderr.strip().splitlines()[-1]}")
        assert done.returncode == 0, done.stderr
        results = json.loads(done.stdout)
    finally:
        shutil.rmtree(work)
    assert results["good"] == [True, [], None, ""]
    ok, _, killed_by, _ = results["bomb"]
    assert not ok and killed_by == "processes"
    made = int(results["counted"][3])
    assert 12 <= made < 16
    assert sandbox_processes() == []
