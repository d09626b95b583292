"""How a run splits the machine: compute threads beside the I/O threads, and the allocator's settings."""

from __future__ import annotations

import os
import subprocess
import sys

import cv2
import pytest
import torch

from spc_cli.engine import resources


@pytest.fixture
def threads(monkeypatch):
    """Restores torch's and OpenCV's thread counts; the machine seems to have 8 cores."""
    before = torch.get_num_threads(), cv2.getNumThreads()
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    monkeypatch.setattr(resources.os, "cpu_count", lambda: 8)
    yield
    torch.set_num_threads(before[0])
    cv2.setNumThreads(before[1])


@pytest.mark.parametrize("device,workers,compute,opencv", [("cpu", 2, 6, 4), ("cpu", 3, 5, 2), ("cpu", 8, 1, 1),
                                                           ("cpu", 12, 1, 1), ("cuda", 2, 8, 4)])
def test_compute_threads_leave_the_io_threads_their_cores(threads, device, workers, compute, opencv):
    resources.configure_threads(torch.device(device), workers)
    assert torch.get_num_threads() == compute and cv2.getNumThreads() == opencv


def test_the_early_reads_get_the_io_threads_opencv_share_before_torch_is_imported(threads, tmp_path):
    from spc_cli.engine import Settings
    from spc_cli.engine.jobs import EarlyReads

    cv2.setNumThreads(8)
    EarlyReads([], Settings(out_dir=tmp_path, workers=2), 4).close()
    assert cv2.getNumThreads() == 4  # 8 cores over 2 I/O threads, as configure_threads leaves it


def test_an_unknown_core_count_counts_as_one(threads, monkeypatch):
    monkeypatch.setattr(resources.os, "cpu_count", lambda: None)
    resources.configure_threads(torch.device("cpu"), 1)
    assert torch.get_num_threads() == 1 and cv2.getNumThreads() == 1


def test_omp_num_threads_set_by_the_user_is_respected(threads, monkeypatch):
    torch.set_num_threads(3)
    monkeypatch.setenv("OMP_NUM_THREADS", "3")
    resources.configure_threads(torch.device("cpu"), 2)
    assert torch.get_num_threads() == 3


def test_freed_photo_memory_is_kept_on_the_main_heap(monkeypatch):
    calls = []

    class Libc:
        def mallopt(self, param, value):
            calls.append((param, value))
            return 1

    import ctypes
    import sys

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(ctypes, "CDLL", lambda name: Libc() if name == "libc.so.6" else None)
    resources.keep_freed_memory()
    # M_MMAP_THRESHOLD 1 GiB, M_TRIM_THRESHOLD 2 GiB, M_ARENA_MAX 1 (as documented in the function)
    assert calls == [(-3, 1 << 30), (-1, 1 << 31), (-8, 1)]
    calls.clear()
    monkeypatch.setattr(sys, "platform", "darwin")
    resources.keep_freed_memory()
    assert calls == []

    def no_libc(name):
        raise OSError("libc.so.6: cannot open shared object file")

    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(ctypes, "CDLL", no_libc)
    resources.keep_freed_memory()  # musl and others: nothing to tune, nothing to say


def test_numpy_is_told_not_to_ask_for_huge_pages(monkeypatch):
    import sys

    from numpy._core import multiarray

    before = multiarray._set_madvise_hugepage(True)
    try:
        monkeypatch.setattr(sys, "platform", "linux")
        monkeypatch.delenv("NUMPY_MADVISE_HUGEPAGE", raising=False)
        resources.keep_freed_memory()
        assert multiarray._set_madvise_hugepage(True) is False  # it was switched off
        monkeypatch.setenv("NUMPY_MADVISE_HUGEPAGE", "1")  # the user's own choice stands
        resources.keep_freed_memory()
        assert multiarray._set_madvise_hugepage(True) is True
    finally:
        multiarray._set_madvise_hugepage(before)


def test_the_command_gives_numpy_one_blas_thread_unless_the_user_chose():
    """numpy's OpenBLAS reads its thread count when it loads: ``spc`` sets one first, and keeps a
    count the user set (OPENBLAS_NUM_THREADS or OMP_NUM_THREADS)."""
    code = ("import os; from spc_cli import cli; cli._one_blas_thread(); import numpy; "
            "print(os.environ.get('OPENBLAS_NUM_THREADS'), len(os.listdir('/proc/self/task')) "
            "if os.path.isdir('/proc/self/task') else -1)")
    base = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS")}

    def run(**extra: str) -> list[str]:
        return subprocess.run([sys.executable, "-c", code], env={**base, **extra}, capture_output=True, text=True,
                              check=True).stdout.split()

    setting, tasks = run()
    assert setting == "1" and int(tasks) in (1, -1)  # no BLAS worker thread was started
    assert run(OPENBLAS_NUM_THREADS="2")[0] == "2"
    assert run(OMP_NUM_THREADS="3")[0] == "None"
