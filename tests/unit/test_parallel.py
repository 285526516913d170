"""Forked workers: the same results as one process, and failures that say what failed."""

from __future__ import annotations

import os

import pytest

from packwarden.parallel import WorkerError, balance, map_forked

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def test_results_come_back_in_order_from_every_process() -> None:
    def square_with_pid(chunk: list[int]) -> list[tuple[int, int]]:
        return [(n * n, os.getpid()) for n in chunk]

    results = map_forked(square_with_pid, [list(range(34)), list(range(34, 67)), list(range(67, 100))])
    assert [value for value, _ in results] == [n * n for n in range(100)]
    pids = {pid for _, pid in results}
    assert len(pids) == 3
    assert os.getpid() in pids  # this process works its own chunk


def test_a_large_result_does_not_block_the_pipe() -> None:
    results = map_forked(lambda chunk: ["x" * 100_000 for _ in chunk], [[0], [1, 2, 3], [4]])
    assert len(results) == 5
    assert all(len(text) == 100_000 for text in results)


def test_an_exception_in_a_child_raises_with_its_traceback() -> None:
    def fail_on_seven(chunk: list[int]) -> list[int]:
        if 7 in chunk:
            raise ValueError("seven is not allowed")
        return chunk

    with pytest.raises(WorkerError, match="ValueError: seven is not allowed"):
        map_forked(fail_on_seven, [[1, 2], [7, 8]])


def test_a_child_that_dies_without_answering_is_an_error() -> None:
    def die(chunk: list[int]) -> list[int]:
        if chunk == [2]:
            os._exit(9)
        return chunk

    with pytest.raises(WorkerError, match="died"):
        map_forked(die, [[1], [2]])


def test_an_exception_here_still_reaps_the_children() -> None:
    def fail_here(chunk: list[int]) -> list[int]:
        if chunk == [1]:
            raise KeyError("here")
        return chunk

    with pytest.raises(KeyError):
        map_forked(fail_here, [[1], [2], [3]])
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child left behind, not even a zombie


def test_balance_spreads_weight_and_keeps_every_item_once() -> None:
    work = [("registry", 50), *((f"skill{i}", 1) for i in range(60)), ("run", 5)]

    chunks = balance(work, 2, lambda item: item[1])

    assert sorted(item for chunk in chunks for item in chunk) == sorted(work)
    assert sorted(sum(weight for _, weight in chunk) for chunk in chunks) == [57, 58]
    assert balance([], 3, len) == []
    assert balance(["a"], 4, len) == [["a"]]


def test_the_first_chunk_gets_less_by_the_work_its_process_does_besides() -> None:
    """This process also reads and looks up the registry units: its chunk is that much lighter,
    down to nothing when that outweighs the rest."""
    work = [(f"skill{i}", 10) for i in range(40)]

    light, heavy = balance(work, 2, lambda item: item[1], head=100)

    assert (sum(w for _, w in light), sum(w for _, w in heavy)) == (150, 250)
    assert sorted(light + heavy) == sorted(work)
    assert balance(work[:3], 2, lambda item: item[1], head=1000) == [[], work[:3]]


def test_the_first_chunk_may_run_differently_here() -> None:
    assert map_forked(lambda chunk: [("child", *chunk)], [[1], [2]], here=lambda chunk: [("here", *chunk)]) == [
        ("here", 1),
        ("child", 2),
    ]
