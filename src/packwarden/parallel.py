"""Map a function over chunks of work in forked processes, this one included.

A ``ProcessPoolExecutor`` costs more than it saves at hook scale: importing multiprocessing and
concurrent.futures, then starting and feeding its workers, takes as long as checking a few
hundred manifests. Forking does all a run needs: children inherit the compiled policy and the
imported engine, each handles one chunk and pickles its results back through a pipe, and this
process handles the first chunk meanwhile. A child that fails sends its traceback instead.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable, Sequence

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (~3 ms)
if TYPE_CHECKING:
    from typing import TypeVar

    Item = TypeVar("Item")
    Result = TypeVar("Result")


class WorkerError(RuntimeError):
    """A forked worker failed; the message is its traceback."""


def balance(work: Sequence[Item], parts: int, weight: Callable[[Item], int], head: int = 0) -> list[list[Item]]:
    """``parts`` chunks of about equal total ``weight``: the heaviest item first, each onto the
    lightest chunk so far, so that a protocol run is not left with whichever process was handed
    the end of the list. ``head``: work the first chunk's process does besides its items (it
    gets that much less); only the first chunk may be empty, when ``head`` outweighs the rest."""
    if not work:
        return []
    parts = max(1, min(parts, len(work)))
    chunks: list[list[Item]] = [[] for _ in range(parts)]
    loads = [head] + [0] * (parts - 1)
    weighed = sorted(((weight(item), item) for item in work), key=lambda pair: pair[0], reverse=True)
    for load, item in weighed:
        lightest = loads.index(min(loads))
        chunks[lightest].append(item)
        loads[lightest] += load
    return chunks


def _child(function: Callable[[list[Item]], list[Result]], chunk: list[Item], write_end: int) -> None:
    """Runs in the forked child: never returns."""
    code = 0
    try:
        payload = pickle.dumps((True, function(chunk)), protocol=pickle.HIGHEST_PROTOCOL)
    except BaseException:  # noqa: BLE001 - everything goes back to the parent
        import traceback

        payload, code = pickle.dumps((False, traceback.format_exc())), 1
    try:
        with os.fdopen(write_end, "wb") as out:
            out.write(payload)
    finally:
        os._exit(code)


def map_forked(
    function: Callable[[list[Item]], list[Result]],
    chunks: list[list[Item]],
    here: Callable[[list[Item]], list[Result]] | None = None,
) -> list[Result]:
    """``function`` over every chunk, the first here (with ``here`` when given: what only this
    process can do) and the others in forked children, in order."""
    children: list[tuple[int, int]] = []
    try:
        for chunk in chunks[1:]:
            read_end, write_end = os.pipe()
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child's coverage is not collected
                os.close(read_end)
                _child(function, chunk, write_end)
            os.close(write_end)
            children.append((pid, read_end))
        results = (here or function)(chunks[0]) if chunks else []
        for _, read_end in children:
            with os.fdopen(read_end, "rb", closefd=False) as pipe:
                payload = pipe.read()
            ok, value = pickle.loads(payload) if payload else (False, "the worker process died")
            if not ok:
                raise WorkerError(value)
            results.extend(value)  # type: ignore[arg-type]
        return results
    finally:
        for pid, read_end in children:
            os.close(read_end)
            os.waitpid(pid, 0)
