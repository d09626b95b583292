"""Atomic file writes: write a temp file beside the target, fsync, rename over it.

A crash, a full disk or an encoder error never leaves a half-written output: either the
old file is still there untouched, or the new one is complete.
"""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from ..errors import OutputError

TEMP_MARK = ".spc-tmp"

_REASONS = {
    errno.ENOSPC: "disk full",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "read-only file system",
    errno.ENOENT: "folder does not exist",
    errno.ENOTDIR: "parent is not a folder",
    errno.EISDIR: "is a folder",
    errno.ENAMETOOLONG: "file name too long",
    errno.EFBIG: "file too large for this file system",
    errno.EIO: "I/O error",
}


def is_temp_name(name: str) -> bool:
    """True for the names :func:`temp_path` makes (hidden, containing ``.spc-tmp``)."""
    return name.startswith(".") and TEMP_MARK in name


def cut_name(name: str, limit: int) -> str:
    """``name`` cut to at most ``limit`` bytes as the file system stores it ("é" takes two),
    never inside a character."""
    return os.fsencode(name)[:limit].decode("utf-8", errors="ignore")


def temp_path(path: Path) -> Path:
    """A fresh temp name beside ``path`` that keeps its suffix (encoders look at it)."""
    # the name is cut so that a long but valid file name still leaves room for the temp marks
    # within the file systems' 255 bytes
    return path.with_name(f".{cut_name(path.name, 120)}.{os.getpid()}.{secrets.token_hex(4)}{TEMP_MARK}{path.suffix}")


def remove_stale_temps(folder: Path) -> int:
    """Delete temp files under ``folder`` left by runs that died (SIGKILL, power loss).

    Call it only while holding the folder's lock; a temp whose writer is still alive is kept.
    Returns how many were removed.
    """
    removed = 0
    for dirpath, _dirs, names in os.walk(folder):
        for name in names:
            if not is_temp_name(name):
                continue
            try:
                pid = int(name[: name.rindex(TEMP_MARK)].rsplit(".", 2)[1])
            except (ValueError, IndexError):
                pid = 0
            if pid > 0 and pid != os.getpid():
                try:
                    os.kill(pid, 0)
                    continue  # its writer is alive
                except ProcessLookupError:
                    pass
                except OSError:
                    continue
            try:
                os.unlink(os.path.join(dirpath, name))
                removed += 1
            except OSError:
                pass
    return removed


def describe_error(exc: BaseException) -> str:
    """One line saying why a write failed ("disk full", "permission denied", ...)."""
    if isinstance(exc, OSError) and exc.errno in _REASONS:
        return _REASONS[exc.errno]
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror.lower()
    text = " ".join(str(exc).split()) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:300]


def _fsync_file(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a directory; the rename is still atomic
    finally:
        os.close(fd)


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write(tmp)`` to create a temp file beside ``path``, then rename it onto ``path``.

    On any failure the temp file is removed, an existing ``path`` is left untouched, and
    :class:`OutputError` is raised (the original exception chained). Ctrl-C cleans up too
    and propagates unchanged.
    """
    path = Path(path)
    tmp = temp_path(path)
    try:
        write(tmp)
        if not tmp.exists():
            raise OutputError(path, "encoder wrote nothing")
        _fsync_file(tmp)
        os.replace(tmp, path)
    except BaseException as exc:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass
        if isinstance(exc, OutputError) or not isinstance(exc, Exception):
            raise
        raise OutputError(path, describe_error(exc)) from exc
    _fsync_dir(path.parent)


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Atomically replace ``path`` with ``data``."""

    def write(tmp: Path) -> None:
        with open(tmp, "xb") as fh:
            fh.write(data)

    atomic_write(path, write)


def atomic_write_text(path: Path, text: str, encoding: str = "utf-8") -> None:
    """Atomically replace ``path`` with ``text``."""
    atomic_write_bytes(path, text.encode(encoding))
