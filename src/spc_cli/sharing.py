"""One photo's work cut into pieces that idle threads may take.

The batch engine keeps its cores busy by working on several photos at once. At the end of a
batch only one photo is left, and one core would do its render, score and encode while the
others wait. ``Spare`` names the engine's I/O threads: a stage cut into independent pieces
(the bands of a render, the bands of a proxy) is offered to them, and whichever are idle take
pieces beside the caller; while they are busy with other photos the caller does every piece
itself, so nothing waits on a queued task (no deadlock, whatever the pool's size).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Spare:
    """Threads of ``pool`` that may help with one photo's pieces: up to ``helpers`` at once."""

    pool: Executor
    helpers: int = 1


def each(fn: Callable[[int], Any], count: int, spare: Spare | None = None) -> None:
    """Call ``fn(i)`` once for each ``i`` in ``range(count)``, in this thread and in the spare
    threads that start while pieces remain; returns when every piece is done. The pieces must
    be independent (write disjoint parts of an output). An error in a piece is raised here,
    once the pieces already started have finished.

    >>> out = [0] * 4
    >>> each(lambda i: out.__setitem__(i, i * i), 4)
    >>> out
    [0, 1, 4, 9]
    """
    if spare is None or spare.helpers < 1 or count < 2:
        for i in range(count):
            fn(i)
        return
    lock = threading.Lock()
    state = {"next": 0, "stop": False}

    def work() -> None:
        while True:
            with lock:
                i = state["next"]
                if state["stop"] or i >= count:
                    return
                state["next"] = i + 1
            try:
                fn(i)
            except BaseException:
                state["stop"] = True
                raise

    helpers: list[Future] = [spare.pool.submit(work) for _ in range(min(spare.helpers, count - 1))]
    try:
        work()
    finally:
        failed = None
        for f in helpers:
            if f.cancel():  # never started: nothing to wait for
                continue
            try:
                f.result()
            except BaseException as e:  # noqa: BLE001 - raised below, after every helper stopped
                failed = failed or e
        if failed is not None:
            raise failed
