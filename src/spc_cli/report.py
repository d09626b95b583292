"""``spc enhance --report``: ``index.html`` in the output folder, before and after of every photo.

One self-contained page (no network, no script: the filters are CSS ``:target`` rules) with the
thumbnails written beside it in ``index_files/``. For each photo: before and after, the critic's
score before -> after, what it found in plain words, the edits applied, what the closed loop
refused or why the photo failed; grouped by series (``engine.series``), with filters for
"changed", "left alone" and "failed". The page is rewritten (atomically: a reader never sees
half a page) as photos are finished, at most every ``UPDATE_EVERY`` seconds, and reloads itself
while the batch runs, so a long cron job can be watched in a browser.

    page = Report(out_dir, jobs)          # writes the first page: N photos to go
    engine.on_rendered = page.thumbnails  # thumbnails made from the pixels in hand (I/O threads)
    engine.run(jobs, page.watching(on_outcome))
    page.close(); page.finish(summary)
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

PAGE = "index.html"
FILES = "index_files"
THUMB_EDGE = 320
UPDATE_EVERY = 2.0  # seconds between two rewrites of the page while a batch runs

_FOUND = {
    ("exposure", "under"): "under-exposed", ("exposure", "over"): "over-exposed",
    ("white_balance", "warm"): "too warm (an orange cast)", ("white_balance", "cool"): "too cool (a blue cast)",
    ("white_balance", "green"): "tinted green", ("white_balance", "magenta"): "tinted magenta",
    ("contrast", "low"): "flat (low contrast)", ("contrast", "high"): "harsh (too much contrast)",
    ("saturation", "low"): "dull colour", ("saturation", "high"): "over-saturated",
    ("haze", "present"): "hazy", ("noise", "present"): "noisy", ("sharpness", "blurred"): "soft (blurred)",
    ("highlights", "clipped"): "highlights clipped", ("shadows", "crushed"): "shadows crushed",
}


@dataclass
class Entry:
    """One photo on the page (a few strings: the sidecar itself is not kept)."""

    order: int
    source: str  # the input, as given
    name: str = ""  # the output, relative to the page (the input's name until there is one)
    state: str = "pending"  # "changed" | "left" | "failed" | "pending"
    output: str | None = None  # link to the output, relative to the page
    up_to_date: bool = False
    score_before: float | None = None
    score_after: float | None = None
    findings: list[tuple[str, str]] = field(default_factory=list)  # (in plain words, the critic's reason)
    edits: list[tuple[str, str]] = field(default_factory=list)  # (instruction, parameters)
    refused: str | None = None
    reason: str | None = None  # why it failed
    series: str | None = None  # the series id
    series_label: str = ""
    series_rank: int = 0  # place in its series (capture order)
    series_note: str = ""  # how the photo was placed in its series
    own: str = ""  # what the critic alone would have done to white balance and exposure
    thumbs: dict[str, str] = field(default_factory=dict)  # "before" / "after" -> file name in FILES


def _relative(path: Path, folder: Path) -> str:
    try:
        return os.path.relpath(path, folder).replace(os.sep, "/")
    except ValueError:  # another drive (Windows)
        return str(path)


def thumb_key(output: str, input_sha: str, settings_key: str | None, series_key: str | None) -> str:
    """The thumbnails' file stem: it changes whenever the output does."""
    text = "\n".join([output, input_sha, settings_key or "", series_key or ""])
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def encode_thumb(pixels) -> tuple[bytes, tuple[int, int]]:
    """A JPEG of linear (3, H, W) pixels at most ``THUMB_EDGE`` on the long edge, and its size."""
    import io

    import numpy as np
    from PIL import Image

    from .colour import area_downscale, linear_to_srgb

    small = linear_to_srgb(area_downscale(pixels.float(), THUMB_EDGE).clamp(0, 1))
    arr = (small.permute(1, 2, 0).numpy() * 255.0 + 0.5).clip(0, 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=85)
    return buf.getvalue(), (arr.shape[1], arr.shape[0])


class Report:
    """The page of one run, kept up to date as its photos are finished."""

    def __init__(self, folder: Path, jobs: list, settings_key: str | None = None):
        self.folder = Path(folder)
        self.files = self.folder / FILES
        self.files.mkdir(parents=True, exist_ok=True)
        self.settings_key = settings_key
        self.thumbs_from_files = False  # True where the photos are rendered elsewhere (the Ray engine)
        self.jobs = {j.source: j for j in jobs}
        self.entries = {j.source: Entry(k, str(j.source), _relative(j.output, self.folder))
                        for k, j in enumerate(jobs)}
        self.unread: list[str] = []
        self.started = time.time()
        self.finished: float | None = None
        self.summary_line = ""
        self.lock = threading.Lock()
        self.sizes: dict[str, tuple[int, int]] = {}
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="spc-report")
        self.pending: list[Future] = []
        self.last_write = 0.0
        self.write()

    # -- thumbnails -----------------------------------------------------------
    def _save(self, name: str, data: bytes, size: tuple[int, int]) -> None:
        from .io.atomic import atomic_write_bytes

        atomic_write_bytes(self.files / name, data)
        with self.lock:
            self.sizes[name] = size

    def thumbnails(self, job, before, after_photo) -> None:
        """Before and after of a photo just rendered (an I/O thread; a failure only costs the pictures)."""
        try:
            series_key = job.series.key if job.series is not None else None
            stem = thumb_key(str(job.output), after_photo.meta.sha256, self.settings_key, series_key)
            for name, pixels in ((f"{stem}-b.jpg", before), (f"{stem}-a.jpg", after_photo.proxy(512))):
                data, size = encode_thumb(pixels)
                self._save(name, data, size)
        except Exception:  # noqa: BLE001 - the page shows the photo without pictures
            pass

    def _from_files(self, source: Path, output: Path | None, stem: str) -> None:
        """Thumbnails read back from the files (a photo up to date from an earlier run, or failed)."""
        from .io.preview import read_preview

        from PIL import Image

        for name, path in ((f"{stem}-b.jpg", source), (f"{stem}-a.jpg", output)):
            if path is None:
                continue
            try:
                if (self.files / name).is_file():  # made by an earlier run for the same output
                    with Image.open(self.files / name) as im:
                        size = im.size
                    with self.lock:
                        self.sizes[name] = size
                    continue
            except OSError:
                pass
            try:
                data, size = encode_thumb(read_preview(path, 2 * THUMB_EDGE).pixels)
                self._save(name, data, size)
            except Exception:  # noqa: BLE001 - an unreadable file shows as text
                pass

    # -- outcomes ------------------------------------------------------------
    def watching(self, on_outcome=None):
        """``on_outcome`` with the page following along."""

        def both(o) -> None:
            self.outcome(o)
            if on_outcome is not None:
                on_outcome(o)

        return both

    def outcome(self, o) -> None:
        from . import sidecar
        from .report_page import fill

        job = self.jobs.get(o.source)
        entry = self.entries.get(o.source)
        if entry is None or job is None:
            return
        doc = o.sidecar
        if doc is None and o.status == "skipped":
            try:
                doc = sidecar.load(job.sidecar)
            except (OSError, ValueError):
                doc = None
        fill(entry, o, doc, self.folder)
        stem = None
        if doc is not None and doc.get("output"):
            stem = thumb_key(doc["output"]["path"], doc["input"]["sha256"], doc.get("settings_key"),
                             (doc.get("series") or {}).get("key"))
        elif o.status == "failed":
            stem = "failed-" + hashlib.sha256(str(o.source).encode()).hexdigest()[:16]
        if stem is not None:
            entry.thumbs = {"before": f"{stem}-b.jpg", "after": f"{stem}-a.jpg"}
            if o.status != "done" or self.thumbs_from_files:  # a photo done here had its pictures
                # made from the pixels in hand
                out = Path(doc["output"]["path"]) if doc is not None and doc.get("output") else None
                self.pending.append(self.pool.submit(self._from_files, o.source, out, stem))
        if time.monotonic() - self.last_write >= UPDATE_EVERY:
            self.write()

    def close(self) -> None:
        """Wait for the thumbnails still being made."""
        for fut in self.pending:
            fut.exception()
        self.pool.shutdown(wait=True)

    def finish(self, summary, not_read=()) -> None:
        """The final page: every photo, the files not read, and the run's totals (``summary``
        None: the run was interrupted)."""
        self.unread = [f"{n.path}: {n.reason}" for n in not_read]
        if summary is None:
            done = sum(e.state != "pending" for e in self.entries.values())
            self.summary_line = f"interrupted after {done} of {len(self.entries)} photos; a rerun continues"
        else:
            n = summary.count
            self.summary_line = (f"done {n('done')}, up to date {n('skipped')}, failed {n('failed')}"
                                 f" in {summary.seconds:.1f} s")
        self.finished = time.time()
        self._clean()
        self.write()

    def _clean(self) -> None:
        """Remove thumbnails no photo on the page shows any more (outputs redone since)."""
        shown = {name for e in self.entries.values() for name in e.thumbs.values()}
        for p in self.files.glob("*.jpg"):
            if p.name not in shown:
                try:
                    p.unlink()
                except OSError:
                    pass

    def write(self) -> None:
        from .io.atomic import atomic_write_text
        from .report_page import render

        with self.lock:
            sizes = dict(self.sizes)
        entries = sorted(self.entries.values(), key=lambda e: e.order)
        text = render(entries, sizes, FILES, title=os.path.basename(os.path.abspath(self.folder)),
                      started=self.started, finished=self.finished, summary=self.summary_line,
                      unread=self.unread)
        atomic_write_text(self.folder / PAGE, text)
        self.last_write = time.monotonic()
