"""One spc run per output folder: an advisory lock the OS drops when the process dies."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..errors import LockedError, OutputError

LOCK_NAME = ".spc.lock"


@contextmanager
def output_lock(folder: Path) -> Iterator[None]:
    """One spc run per output folder. The OS drops the lock when the process dies, even by SIGKILL."""
    import fcntl

    path = folder / LOCK_NAME
    if folder.exists() and not folder.is_dir():
        from ..errors import UsageError

        raise UsageError(f"--out {folder}: a file, not a folder (outputs go into a folder under their inputs' "
                         "names; `spc retouch --out` takes a file name)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        from ..io.atomic import describe_error

        raise OutputError(folder, f"cannot create the output folder ({describe_error(e)})") from e
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = ""
            for _ in range(10):  # the holder writes its pid just after taking the lock
                try:
                    other = os.pread(fd, 64, 0).decode(errors="replace").strip()
                except OSError:
                    break
                if other:
                    break
                time.sleep(0.02)
            raise LockedError(f"{folder}: another spc run is writing here"
                              + (f" (pid {other})" if other else "") + "; wait for it or choose another --out")
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)
