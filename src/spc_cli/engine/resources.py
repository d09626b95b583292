"""How a run uses the machine: threads for compute and I/O, and the allocator's freed memory."""

from __future__ import annotations

import os


def keep_freed_memory() -> None:
    """Let glibc keep freed photo-sized blocks for the next photo instead of unmapping them.

    Every photo allocates the same few large arrays (a 24 MP photo: 288 MB of float32). By
    default glibc returns each to the kernel on free and the next photo page-faults a fresh
    one in: measured on 24 MP JPEGs, decode 0.51 -> 0.28 s and encode 0.64 -> 0.52 s once the
    blocks are reused. Peak memory is unchanged (it stays flat at the pipeline's working set).

    All threads share the one main heap: the I/O threads decode, render and encode too, and
    a thread's own arena holds at most 64 MB, so its photo-sized blocks were mapped fresh
    each time, and each arena kept its own freed memory. Measured on 24 MP JPEGs (2 cores,
    the speed benchmark's photos): 24 photos 21.4 -> 17.4 s, peak memory 1.46 -> 1.34 GB,
    the same as for 12 photos. Elsewhere than glibc this does nothing.
    """
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return
    _no_huge_pages()
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 30)  # M_MMAP_THRESHOLD: serve blocks up to 1 GiB from the heap
        libc.mallopt(-1, 1 << 31)  # M_TRIM_THRESHOLD: keep up to 2 GiB of freed heap for reuse
        libc.mallopt(-8, 1)  # M_ARENA_MAX: every thread allocates from the main heap
    except (OSError, AttributeError):  # not glibc (musl, ...)
        pass


def _no_huge_pages() -> None:
    """Stop NumPy asking the kernel for transparent huge pages on its large arrays.

    NumPy madvises every array of 4 MB or more (OpenCV's decoded images included: its Python
    binding allocates through NumPy) for huge pages. Where the kernel must compact memory to
    find them (``defrag`` = madvise, the common default) and often fails, a first touch costs
    far more than with small pages: a fresh 72 MB array (a 24 MP photo's codes) took 180 ms
    of system time instead of 30 ms; 6 x 24 MP JPEGs through ``spc enhance``: 1.0-1.3 s of
    system time -> 0.45 s. The photo-sized blocks are reused (``keep_freed_memory``), so huge
    pages have little to save here anyway. NUMPY_MADVISE_HUGEPAGE, when set, is respected.
    """
    if os.environ.get("NUMPY_MADVISE_HUGEPAGE"):
        return
    try:
        from numpy._core.multiarray import _set_madvise_hugepage
    except ImportError:  # NumPy 1.x
        try:
            from numpy.core.multiarray import _set_madvise_hugepage
        except ImportError:  # pragma: no cover - a NumPy without the switch
            return
    _set_madvise_hugepage(False)


def configure_threads(device, workers: int) -> None:
    """Split the CPU between compute and the decode/encode threads.

    On the CPU, torch's intra-op threads and the I/O threads would otherwise fight for the
    same cores (measured on 2 cores: a 24 MP sharpen took 9-19 s with 2 torch threads
    beside busy I/O threads, 1.8 s with one). Photos are then processed in parallel by
    pipelining, not by splitting each op. OMP_NUM_THREADS, when set, is respected.
    """
    import torch

    if os.environ.get("OMP_NUM_THREADS"):
        return
    cores = os.cpu_count() or 1
    compute = cores if device.type == "cuda" else max(1, cores - workers)
    torch.set_num_threads(compute)
    configure_io_threads(workers)


def configure_io_threads(workers: int) -> None:
    """OpenCV's threads per I/O thread (decode, proxy, encode): the cores shared among the
    ``workers``. Set before the first photos are read (``jobs.EarlyReads``), so that their
    proxies do not take a second core from the import running beside them."""
    if os.environ.get("OMP_NUM_THREADS"):
        return
    try:
        import cv2

        cv2.setNumThreads(max(1, (os.cpu_count() or 1) // max(1, workers)))
    except ImportError:  # pragma: no cover
        pass
