"""Programs run without subprocess: real processes, real pipes."""

from __future__ import annotations

import sys

import pytest

from packwarden import spawn

PRINTS_BOTH = "import sys; sys.stderr.write('e' * 300000); sys.stdout.write('o' * 500000); sys.exit(3)"


def test_run_returns_status_output_and_error() -> None:
    status, out, err = spawn.run([sys.executable, "-c", "import sys; print('out'); print('err', file=sys.stderr)"])

    assert (status, out, err) == (0, b"out\n", b"err\n")


def test_both_pipes_are_read_together_so_a_full_one_never_deadlocks() -> None:
    status, out, err = spawn.run([sys.executable, "-c", PRINTS_BOTH])

    assert (status, len(out), len(err)) == (3, 500000, 300000)


def test_run_all_runs_side_by_side_and_answers_in_order() -> None:
    results = spawn.run_all([[sys.executable, "-c", f"print({n}); raise SystemExit({n})"] for n in (2, 0, 1)])

    assert results == [(2, b"2\n", b""), (0, b"0\n", b""), (1, b"1\n", b"")]


def test_a_program_killed_by_a_signal_has_a_negative_status() -> None:
    status, _, _ = spawn.run([sys.executable, "-c", "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"])

    assert status == -15


def test_standard_input_is_empty() -> None:
    _, out, _ = spawn.run([sys.executable, "-c", "import sys; print(repr(sys.stdin.read()))"])

    assert out == b"''\n"


def test_a_missing_program_raises_os_error_and_leaves_no_pipe_open() -> None:
    import os

    before = len(os.listdir("/proc/self/fd")) if os.path.isdir("/proc/self/fd") else None

    with pytest.raises(OSError):
        spawn.run_all([[sys.executable, "-c", "pass"], ["packwarden-no-such-program"]])

    if before is not None:
        assert len(os.listdir("/proc/self/fd")) == before
