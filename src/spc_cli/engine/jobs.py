"""Planning the jobs: where each input goes, and whether its output is already current."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import sidecar
from ..errors import UsageError
from ..manifest import sha256_of
from .settings import Settings


@dataclass
class Job:
    source: Path
    output: Path
    fmt: str = ""
    bit_depth: int = 8  # set from the decoded input (``io.encode.output_depth``) before writing
    side: Path | None = None  # the sidecar, when <stem>.spc.json would be shared (see plan_jobs)
    series: Any = None  # engine.series.Share: what the photo takes from its series (set by plan_series)

    @property
    def sidecar(self) -> Path:
        return self.side or sidecar.sidecar_path(self.output)


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, read in chunks (the resume check's content hash)."""
    return sha256_of(path)


def plan_jobs(inputs: list[Path], settings: Settings) -> list[Job]:
    """Where each input goes. Refuses an output that would land on an input."""
    return plan_run(inputs, settings)[0]


def plan_run(inputs: list[Path], settings: Settings) -> tuple[list[Job], list]:
    """``(jobs, not_read)``: where each photo goes, and the files found that spc does not read
    (``io.discover.NotRead``). Refuses an output that would land on an input."""
    from ..io import RAW_EXTENSIONS
    from ..io.discover import find_photos
    from ..io.encode import output_spec

    if settings.out_dir is not None:
        out_real = settings.out_dir.resolve()
        for p in inputs:
            if p.is_dir() and p.resolve() == out_real:
                raise UsageError(f"--out {settings.out_dir} is an input folder; inputs are never overwritten")
            if p.is_file() and Path(os.path.realpath(p.parent)) == out_real:
                raise UsageError(f"{p} is inside --out {settings.out_dir}; inputs are never overwritten")
    found, not_read = find_photos(inputs, settings.out_dir)
    if settings.out_file is not None and len(found) != 1:
        raise UsageError(f"--out {settings.out_file} names one file but {len(found)} photos were given")
    jobs: list[Job] = []
    seen: dict[Path, Path] = {}
    for src, rel in found:
        in_fmt = "raw" if src.suffix.lower() in RAW_EXTENSIONS else _format_of(src)
        fmt, ext, _ = output_spec(in_fmt, settings.format)
        if fmt == in_fmt:
            ext = src.suffix  # the same format keeps its extension as it is: IMG_1.JPG, a.jpeg
        if settings.out_file is not None:
            out = settings.out_file
            if out.suffix.lower() != ext.lower() and settings.format is None:
                fmt, ext, _ = output_spec(in_fmt, _format_of(out))
        elif settings.beside:
            out = src.with_name(src.stem + ".spc" + ext)
        else:
            assert settings.out_dir is not None
            out = settings.out_dir / rel.parent / (rel.stem + ext)
        if out in seen:
            raise UsageError(f"{src} and {seen[out]} would both be written to {out}; "
                             "rename one or use --format")
        seen[out] = src
        jobs.append(Job(src, out, fmt))
    # an output reached through a symlink (e.g. one inside --out) must not land on any input
    sources = {j.source.resolve(): j.source for j in jobs}
    for j in jobs:
        hit = sources.get(j.output.resolve())
        if hit is not None:
            raise UsageError(f"{j.source}: output {j.output} would overwrite the input {hit}")
    # IMG_1.jpg and IMG_1.tif (a RAW+JPEG pair) would share IMG_1.spc.json: name theirs in full
    by_side: dict[Path, list[Job]] = {}
    for j in jobs:
        by_side.setdefault(sidecar.sidecar_path(j.output), []).append(j)
    for group in by_side.values():
        if len(group) > 1:
            for j in group:
                j.side = sidecar.full_name_path(j.output)
    # <stem>.spc.json already there as the record of another file that is still there (a retouch
    # beside an output spc wrote, x.spc.jpg beside x.jpg; an earlier run into --out in another
    # format): that record is kept, and this output's is named in full
    # (and one named in full by an earlier run stays this output's, once the other file is gone)
    for j in jobs:
        if j.side is None and (sidecar.records_another(sidecar.sidecar_path(j.output), j.output)
                               or sidecar.records(sidecar.full_name_path(j.output), j.output)):
            j.side = sidecar.full_name_path(j.output)
    sides = [j.sidecar for j in jobs]
    if len(set(sides)) != len(sides):
        raise UsageError("two outputs would share a sidecar file; rename one or use separate runs")
    return jobs, not_read


_FORMATS = {".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg", ".jfif": "jpeg", ".png": "png", ".apng": "png",
            ".tif": "tiff", ".tiff": "tiff", ".webp": "webp", ".bmp": "bmp", ".dib": "bmp"}


def _format_of(path: Path) -> str:
    """The format a file's extension names ("jpeg", "png", ..., or the extension itself for the
    formats spc reads but does not write: "gif", "tga", ...)."""
    suffix = path.suffix.lower()
    return _FORMATS.get(suffix, suffix.lstrip(".") or "jpeg")


def read_job(job: Job, settings: Settings, check: bool = True, early: Any = None, slots: Any = None):
    """``(photo, ms)``: the job's input decoded (in ms), or None when its output is already
    current (asked only when ``check``). ``early``: the Future of a decode already under way
    (``EarlyReads``), taken once the output is known not to be current, or cancelled if it has
    not started (the input is then read here). ``slots``: a semaphore held while decoding
    (``EarlyReads.slots``: the early reads and the engine's share ``--workers``)."""
    from ..errors import InputError

    def digest() -> str:
        if job.series is not None and job.series.frame.sha256:
            return job.series.frame.sha256  # hashed by series planning moments ago: not read twice
        try:
            return sha256_file(job.source)
        except OSError as e:
            raise InputError(job.source, f"cannot be read ({e.strerror or e})") from e

    if check and is_current(job, settings, digest):
        if early is not None:
            early.cancel()
        return None
    if early is not None and not early.cancel():  # started (or done): its result; else read here,
        res = early.result()  # rather than wait for the one early thread to reach it
        if res is not None:  # None: the early thread took the output for current and read nothing
            return res
    with slots or nullcontext():
        return decode_job(job, settings)


def decode_job(job: Job, settings: Settings):
    """``(photo, ms)``: the job's input decoded, and how long that took. Imports no torch: an
    8-bit file decodes to its codes, so the first photos can be read while torch and the
    backends are still being imported."""
    import time

    from ..io.decode import read_photo
    from ..io.reading import check_judgeable

    t0 = time.perf_counter()
    photo = read_photo(job.source, max_megapixels=settings.max_megapixels)
    check_judgeable(job.source, photo)
    return photo, (time.perf_counter() - t0) * 1000


class EarlyReads:
    """The first jobs' inputs read in a thread of their own while the caller goes on (imports
    torch and builds the backends: about 1.1 s of one core, while the other would wait), and
    the full-resolution pass of each one's proxy done there too (``Photo.prepool``) where the
    critic's proxy size is known (``proxy_edge``).

    ``slots``: ``--workers`` decodes at a time, shared with the engine's I/O threads (which
    ``Engine.run`` reads with once it starts): the early thread is one of them, not one more."""

    def __init__(self, jobs: list[Job], settings: Settings, count: int, proxy_edge: int | None = None):
        import threading
        from concurrent.futures import ThreadPoolExecutor

        from .resources import configure_io_threads

        configure_io_threads(settings.workers)
        self.slots = threading.BoundedSemaphore(max(1, settings.workers))
        self._pool = ThreadPoolExecutor(1, thread_name_prefix="spc-early")
        self._reads = {id(j): self._pool.submit(_read_early, j, settings, proxy_edge, self.slots)
                       for j in jobs[:count]}

    def take(self, job: Job):
        """The Future of ``job``'s decode (``decode_job``), or None when it was not started here."""
        return self._reads.pop(id(job), None)

    def close(self) -> None:
        """Cancel the reads not started; those not taken are dropped."""
        self._reads.clear()
        self._pool.shutdown(wait=False, cancel_futures=True)


def _read_early(job: Job, settings: Settings, proxy_edge: int | None, slots: Any):
    """``decode_job``, and the proxy's full-resolution pass (timed with the decode, as the engine
    times the proxy it makes beside a decode)."""
    import time

    if _finished(job, settings) is not None:
        return None  # a rerun: the engine checks it in full and reads it only if it must
    with slots:
        photo, ms = decode_job(job, settings)
    if proxy_edge is None:
        return photo, ms
    t0 = time.perf_counter()
    photo.prepool(proxy_edge)
    return photo, ms + (time.perf_counter() - t0) * 1000


def is_current(job: Job, settings: Settings, input_sha: Callable[[], str]) -> bool:
    """An output counts as done when it and its sidecar exist and match this input and settings,
    and, for a photo of a series, the series' key (every member's input: ``engine.series``).

    ``input_sha`` is called only when everything else matches, so a first run (no outputs
    yet) never reads its inputs twice: decoding hashes the bytes it reads anyway.
    """
    doc = _finished(job, settings)
    series_key = job.series.key if job.series is not None else None
    return (doc is not None and (doc.get("series") or {}).get("key") == series_key
            and doc.get("input", {}).get("sha256") == input_sha())


def _finished(job: Job, settings: Settings) -> dict | None:
    """The sidecar of an output that exists and was written with these settings (its size as
    the sidecar records it), else None: ``is_current`` less the input's hash and the series'
    key, which the early reads check before either is known."""
    side = job.sidecar
    if settings.force or not job.output.is_file() or not side.is_file():
        return None
    try:
        doc = sidecar.load(side)
    except (OSError, ValueError):
        return None
    if doc.get("settings_key") != settings.key() or (doc.get("output") or {}).get("bytes") != job.output.stat().st_size:
        return None
    return doc
