"""Pieces of one photo's work shared with idle threads: every piece once, errors raised, no wait on a queue."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from spc_cli.sharing import Spare, each


def test_every_piece_runs_once_with_or_without_spare_threads():
    for spare in (None, Spare(ThreadPoolExecutor(3), helpers=3)):
        seen: list[int] = []
        lock = threading.Lock()

        def piece(i: int) -> None:
            with lock:
                seen.append(i)

        each(piece, 50, spare)
        assert sorted(seen) == list(range(50))


def test_an_idle_thread_takes_pieces_beside_the_caller():
    pool = ThreadPoolExecutor(1)
    started = threading.Barrier(2, timeout=10)
    names: set[str] = set()

    def piece(i: int) -> None:
        names.add(threading.current_thread().name)
        if i < 2:
            started.wait()  # the first two pieces only finish once two threads hold one each

    each(piece, 4, Spare(pool))
    assert len(names) == 2


def test_a_busy_pool_never_holds_the_caller_up():
    pool = ThreadPoolExecutor(1)
    release = threading.Event()
    blocker = pool.submit(release.wait)  # the only thread is busy
    done: list[int] = []
    each(done.append, 5, Spare(pool))  # the caller does every piece; its queued helper is cancelled
    assert sorted(done) == list(range(5))
    release.set()
    blocker.result()


def test_an_error_in_a_piece_is_raised_after_the_others_stop():
    pool = ThreadPoolExecutor(2)

    def piece(i: int) -> None:
        if i == 3:
            raise ValueError("piece 3")

    with pytest.raises(ValueError, match="piece 3"):
        each(piece, 20, Spare(pool, helpers=2))


def test_a_proxy_pooled_early_or_in_spare_threads_is_the_same():
    import sys
    from pathlib import Path

    import numpy as np
    import torch

    from spc_cli.photo import Metadata, Photo

    rng = np.random.default_rng(0)
    codes = rng.integers(0, 256, (1000, 1500, 3), dtype=np.uint8)

    def fresh() -> Photo:
        meta = Metadata(source=Path("x.jpg"), format="jpeg", sha256="0", width=1500, height=1000, bit_depth=8)
        return Photo(meta=meta, codes=codes)

    want = fresh().proxy(256)
    assert want.shape == (3, 171, 256)
    early = fresh()
    early.prepool(256)  # what the early reads do while torch is imported
    assert early._pooled and torch.equal(early.proxy(256), want)
    assert torch.equal(fresh().proxy(256, Spare(ThreadPoolExecutor(2), helpers=2)), want)
    assert "torch" in sys.modules  # (imported above; pooling itself needs none: engine/jobs.py)
