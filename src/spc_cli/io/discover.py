"""Turn command-line inputs (files and folders) into the list of photos to process."""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

from ..errors import UsageError
from . import SUPPORTED_EXTENSIONS
from .atomic import is_temp_name

SIDECAR_SUFFIX = ".spc.json"
OUTPUT_MARK = ".spc"  # stem suffix of outputs written beside their inputs


class NotRead(NamedTuple):
    """A file a run found and does not read, and why."""

    path: Path
    reason: str
    named: bool  # given on the command line by name (not found in a folder)


# files Windows keeps beside photos (its thumbnail cache, a folder's view settings)
SYSTEM_FILES = frozenset({"thumbs.db", "ehthumbs.db", "desktop.ini"})


def is_ours(name: str) -> bool:
    """Files a run writes or that belong to the system, never reported: our temp files, our
    sidecars and lock, outputs written beside their inputs ("IMG_1.spc.jpg"), hidden files
    (".DS_Store", macOS AppleDouble forks "._IMG_1.jpg"), Windows' ``SYSTEM_FILES``."""
    if is_temp_name(name) or name.endswith(SIDECAR_SUFFIX) or name.startswith("."):
        return True
    if name.lower() in SYSTEM_FILES:
        return True
    stem = os.path.splitext(name)[0]
    return stem.lower().endswith(OUTPUT_MARK)


# folders a walk does not enter: the thumbnail caches, recycle bins and indexes that NAS
# systems, desktops and Windows keep beside the photos (a Synology share holds a small JPEG of
# every photo in "@eaDir"); other folders are walked whatever their names ("..x", "...")
SYSTEM_DIRS = frozenset({"@eadir", "#recycle", "#snapshot", "$recycle.bin", "system volume information",
                         ".thumbnails", ".trash", ".trashes", ".spotlight-v100", ".fseventsd", ".appledouble",
                         ".git"})


def is_system_dir(name: str) -> bool:
    """A folder of the system's, not of photos: one of ``SYSTEM_DIRS``, or a desktop's recycle bin
    (".Trash-1000")."""
    low = name.lower()
    return low in SYSTEM_DIRS or low.startswith(".trash-")


def is_candidate(name: str) -> bool:
    """True when a file name looks like a photo we process (supported suffix, not ours)."""
    return not is_ours(name) and os.path.splitext(name)[1].lower() in SUPPORTED_EXTENSIONS


def not_read_reason(name: str) -> str:
    suffix = os.path.splitext(name)[1].lower()
    return f"not a photo format spc reads ({suffix or 'no extension'})"


def _inside(path: str, folder: str | None) -> bool:
    return folder is not None and (path == folder or path.startswith(folder.rstrip(os.sep) + os.sep))


def _walk(root: Path, out_real: str | None, seen_dirs: set[str],
          not_read: list[NotRead]) -> list[tuple[Path, Path]]:
    found: list[tuple[Path, Path]] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        real_dir = os.path.realpath(dirpath)
        if real_dir in seen_dirs or _inside(real_dir, out_real):
            dirnames[:] = []
            continue
        seen_dirs.add(real_dir)
        keep = []
        for d in sorted(dirnames):
            if is_system_dir(d):
                continue
            real = os.path.realpath(os.path.join(dirpath, d))
            if real not in seen_dirs and not _inside(real, out_real):
                keep.append(d)
        dirnames[:] = keep
        for name in sorted(filenames):
            if not is_candidate(name):
                if not is_ours(name):
                    not_read.append(NotRead(Path(dirpath) / name, not_read_reason(name), named=False))
                continue
            full = Path(dirpath) / name
            if full.is_file():  # follows symlinked files; drops dangling links, fifos
                found.append((full, full.relative_to(root)))
    found.sort(key=lambda item: item[1].parts)
    return found


def discover(inputs: list[Path], out_dir: Path | None) -> list[tuple[Path, Path]]:
    """List ``(source file, relative output path)`` for every photo under ``inputs``
    (``find_photos`` without the files it does not read)."""
    return find_photos(inputs, out_dir)[0]


def find_photos(inputs: list[Path], out_dir: Path | None) -> tuple[list[tuple[Path, Path]], list[NotRead]]:
    """``(photos, not_read)``: ``(source file, relative output path)`` for every photo under
    ``inputs``, and every other file found there with the reason, so a run can name what it
    did not read (our own files and hidden files are not listed; ``named`` marks a file given
    by name, which a run counts as a failure).

    A file gives its own name as the relative path; a folder is walked recursively (in
    sorted order) and gives paths relative to itself. Unsupported suffixes, our temp
    files and sidecars, and anything inside ``out_dir`` are skipped. Symlinked files are
    followed, symlinked folders are walked once (loops terminate), and the same real file
    is listed once. A missing input is a :class:`UsageError`, and so are two different
    photos that would be written to the same relative path under ``out_dir``.
    """
    out_real = os.path.realpath(out_dir) if out_dir is not None else None
    seen_dirs: set[str] = set()
    seen_files: set[str] = set()
    claimed: dict[str, Path] = {}
    result: list[tuple[Path, Path]] = []
    not_read: list[NotRead] = []
    for given in inputs:
        given = Path(given)
        if not given.exists():
            raise UsageError(f"{given}: no such file or folder")
        if given.is_dir():
            items = _walk(given, out_real, seen_dirs, not_read)
        elif given.is_file():
            items = [(given, Path(given.name))] if is_candidate(given.name) else []
            if not items:
                not_read.append(NotRead(given, not_read_reason(given.name), named=True))
        else:
            raise UsageError(f"{given}: not a regular file or folder")
        for source, rel in items:
            real = os.path.realpath(source)
            if real in seen_files or _inside(real, out_real):
                continue
            seen_files.add(real)
            if out_dir is not None:
                key = rel.as_posix().lower()
                if key in claimed:
                    raise UsageError(
                        f"{claimed[key]} and {source} would both be written to {out_dir / rel}; "
                        "process them in separate runs or rename one"
                    )
                claimed[key] = source
            result.append((source, rel))
    return result, not_read
