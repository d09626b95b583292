"""Series: photos of one scene under one light, corrected together so that they match.

``plan_series(jobs, settings, critic)`` is a step on the job list, run before the batch (and, in
a distributed run, on the driver before the photos are spread): it sets ``job.series`` to the
photo's ``Share``, what it takes from its series (``Share.plan()``: the white balance and
exposure edits, or none), and returns the series found.

1. A first pass reads each photo small (``io.preview``: JPEG draft-mode decoding, RAW at half
   size) in capture order and keeps a ``series_frames.Frame`` of a few hundred bytes: capture
   time, camera body, exposure settings, and the critic's own white balance and exposure
   correction (its ``EditPlan``, from a critique of the preview). Each frame is compared with
   the few frames before it (``series_frames.relate``); only those frames' small pictures are
   held, so memory does not grow with the folder.
2. Grouping. ``auto``: frames of one camera body taken at most ``MAX_GAP`` apart that register
   on each other (the same scene, reframed) are linked, and a series is a connected group of
   links spanning at most ``MAX_SPAN`` (the light of an afternoon changes); photos without a
   capture time stay alone. ``folder``: every folder is one series.
3. Pooling (``series_pool``): each frame's rendering relative to the others, and one correction
   for all from the critics' own, robustly pooled, with the camera's reaction to each framing
   read on the union of the registered frames (``series_union``) taken out. Each frame keeps a
   share of its own rendering (``series_pool.OWN_SHARE``). Blur, noise, contrast and every
   other defect stay per frame: the photo's own critique plans them as usual.

Resume: a series' key hashes the settings and every member's input (SHA-256); each member's
sidecar records it, and ``jobs.is_current`` requires it. A rerun where no member changed skips
the whole series (the first pass reuses the frame records its sidecars keep, reading no pixels);
one changed, added or removed member gives a new key, so the whole series is redone.
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..plan import Edit, EditPlan, instruction_for
from .own_output import own_record
from .series_frames import Frame, Look, capture_of, look_of, own_correction, p_top_of, read_capture, relate
from .series_pool import CAMERA_WEIGHT, Link, pool, split
from .series_union import View, grid_of, place, reaction

MODES = ("auto", "off", "folder")
SHARED_OPS = ("white_balance", "exposure")  # what a series decides; everything else is per frame
VERSION = 4  # of the series estimate: part of every series key (4: critics reading a rendering error, series_pool)
MAX_GAP = 300.0  # seconds between two linked photos (auto)
MAX_SPAN = 1800.0  # seconds from a series' first photo to its last (auto)
WINDOW = 3  # each photo is compared with this many photos before it
PREVIEW_EDGE = 512
MIN_GAIN = 0.01  # a white balance closer than this to no change is left out (1%)
MIN_EV = 0.03
DARKENED = 0.25  # stops a series' typical rendering is darkened by, from which its darkenings keep white

ProgressFn = Callable[[int, int], None]


@dataclass
class Series:
    id: str
    key: str
    label: str
    members: list[int]  # job indices, in capture order
    target: np.ndarray  # the pooled correction of the series' typical rendering, log gains


@dataclass
class Share:
    """What one photo takes from its series (``key`` None: it is in none, and is corrected alone)."""

    key: str | None
    frame: Frame
    series: Series | None = None
    correction: np.ndarray | None = None  # log gains this frame renders
    offset: np.ndarray | None = None
    placed_by: str = ""
    shoulder: float = 1.0
    mode: str = "auto"
    sources: list[Path] = field(default_factory=list)

    def plan(self, measurements: dict[str, float] | None = None) -> EditPlan | None:
        """The series' white balance and exposure edits for this photo (an empty plan when the
        series leaves it as it is), or None when the photo is in no series. ``measurements``: the
        photo's critique's, which say how far a darkening keeps its white (none: it scales)."""
        if self.series is None or self.correction is None:
            return None
        ev, gains = split(self.correction)
        n = len(self.series.members)
        why = f"shared with the {n - 1} other photo{'s' if n > 2 else ''} of series {self.series.id}"
        edits: list[Edit] = []
        if max(gains) / min(gains) > 1 + MIN_GAIN:
            from ..ops.params import WhiteBalanceParams

            warm = math.log(gains[0] / gains[2])
            p = WhiteBalanceParams(*[round(float(min(max(g, 0.25), 4.0)), 4) for g in gains])
            edits.append(Edit("white_balance", p, why, instruction_for(warm / 0.5, "increase", "reduce", "warmth")
                              + " to match its series", "white_balance"))
        if abs(ev) >= MIN_EV:
            from ..critic.advise import keep_white
            from ..ops.params import ExposureParams

            # an over-exposed series (its typical rendering darkened by DARKENED or more): its frames'
            # darkenings keep a display-referred file's white as far as the frame is blown
            # (ops.exposure, advise.keep_white); a series darkened less, or a frame brightened, scales
            over = split(self.series.target)[0] <= -DARKENED
            keep = keep_white(ev, measurements or {}) if over else 0.0
            p = ExposureParams(ev=round(float(min(max(ev, -4.0), 4.0)), 3), shoulder=self.shoulder, keep_white=keep)
            edits.append(Edit("exposure", p, why, instruction_for(ev / 2.0, "increase", "decrease", "exposure")
                              + " to match its series", "exposure"))
        return EditPlan(edits)

    def record(self, own_plan: EditPlan | None = None, measurements: dict[str, float] | None = None) -> dict[str, Any]:
        """The sidecar's ``series`` field: the series, what was shared (``plan(measurements)``) and how
        this photo was placed in it; ``frame`` is the first pass's record (a rerun reads it instead of
        the photo)."""
        frame = {**self.frame.to_dict(), "version": VERSION}
        doc: dict[str, Any] = {"key": self.key, "mode": self.mode, "frame": frame}
        if self.series is None:
            return doc
        s = self.series
        ev, gains = split(self.correction) if self.correction is not None else (0.0, np.ones(3))
        oev, ogains = split(self.offset) if self.offset is not None else (0.0, np.ones(3))
        plan = self.plan(measurements)
        doc.update({
            "id": s.id, "label": s.label, "size": len(s.members),
            "members": [str(p) for p in self.sources],
            "shared": list(SHARED_OPS),
            "offset": {"ev": round(oev, 3), "gains": [round(float(g), 4) for g in ogains], "from": self.placed_by},
            "correction": {"ev": round(ev, 3), "gains": [round(float(g), 4) for g in gains]},
            "edits": plan.to_list() if plan is not None else [],
        })
        if own_plan is not None:
            doc["own"] = [e.to_dict() for e in own_plan.edits if e.op in SHARED_OPS]
        return doc


# --------------------------------------------------------------------------- the first pass


def _cached(job, settings) -> Frame | None:
    """The frame record the photo's sidecar kept, when the output is from these settings and the
    input is unchanged (the file is hashed, not decoded)."""
    from .. import sidecar
    from .jobs import sha256_file

    side = job.sidecar
    if settings.force or not side.is_file() or not job.output.is_file():
        return None
    try:
        doc = sidecar.load(side)
        rec = (doc.get("series") or {}).get("frame")
        if doc.get("settings_key") != settings.key() or not rec or rec.get("version") != VERSION:
            return None
        if rec.get("sha256") != sha256_file(job.source):
            return None
        return Frame.from_dict(0, job.source, rec)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _read(job, max_megapixels: float) -> tuple[Any, Look, float] | None:
    """The preview, its small picture and its brightest level (an I/O thread); None if unreadable."""
    from ..io.preview import read_preview
    from ..io.reading import too_small

    try:
        photo = read_preview(job.source, PREVIEW_EDGE, max_megapixels)
    except Exception:  # noqa: BLE001 - the batch reports the file's failure; it joins no series
        return None
    if too_small(photo.width, photo.height):
        return None  # joins no series (the batch reports it if too small to judge at full size)
    return photo, look_of(photo.pixels), p_top_of(photo.pixels)


def plan_series(jobs: list, settings, critic, on_progress: ProgressFn | None = None) -> list[Series]:
    """Group ``jobs`` into series (``settings.series``: "auto" or "folder") and set each grouped
    job's ``series`` to its ``Share``. Returns the series found (two photos or more each). Only
    the pipeline artist renders the shared gains exactly: with a model artist ``auto`` does
    nothing and ``folder`` is refused."""
    mode = settings.series
    if mode not in MODES:
        from ..errors import UsageError

        raise UsageError(f"--series must be one of {', '.join(MODES)}, not {mode!r}")
    if mode == "off" or not jobs:
        return []
    if settings.artist != "pipeline":
        # a model artist edits from the plan's words, not its exact gains: frames would not match
        if mode == "folder":
            from ..errors import UsageError

            raise UsageError(f"--series folder needs the pipeline artist (--artist {settings.artist} edits from "
                             "words, so the photos of a series would not come out matching)")
        return []
    captures = [read_capture(j.source) for j in jobs]
    # spc's own outputs take no part: they are not enhanced again (engine.own_output), so they
    # neither take a series' edits nor vote for them
    own = set() if settings.force else {k for k, j in enumerate(jobs) if own_record(j.source) is not None}
    if mode == "auto":
        order = sorted((k for k, c in enumerate(captures) if c.time is not None and k not in own),
                       key=lambda k: (captures[k].body or "", captures[k].time))
    else:
        order = sorted((k for k in range(len(jobs)) if k not in own),
                       key=lambda k: (str(jobs[k].source.parent), captures[k].time or 0.0, str(jobs[k].source)))
    frames = _first_pass(jobs, order, captures, settings, critic, mode, on_progress)
    groups = _groups(jobs, order, frames, mode)
    found: list[Series] = []
    for members in groups:
        found.append(_pool_series(jobs, members, frames, settings, mode))
    for k, fr in frames.items():
        if jobs[k].series is None:
            jobs[k].series = Share(None, fr, mode=mode)
    return found


def _first_pass(jobs, order, captures, settings, critic, mode, on_progress) -> dict[int, Frame]:
    frames: dict[int, Frame] = {}
    window: deque[tuple[int, Frame, list]] = deque(maxlen=WINDOW)  # (job index, frame, [look or None])
    total = len(order)
    with ThreadPoolExecutor(max(1, settings.workers), thread_name_prefix="spc-series") as pool:
        cached = {k: _cached(jobs[k], settings) for k in order}
        ahead: deque = deque()
        it = iter(order)

        def feed() -> None:
            while len(ahead) < settings.workers + 2:
                k = next(it, None)
                if k is None:
                    return
                fut = None if cached[k] is not None else pool.submit(_read, jobs[k], settings.max_megapixels)
                ahead.append((k, fut))

        feed()
        done = 0
        while ahead:
            k, fut = ahead.popleft()
            feed()
            frame = cached[k]
            look: list = [None]
            if frame is None:
                got = fut.result()
                if got is not None:
                    photo, look[0], top = got
                    frame = Frame(k, jobs[k].source, photo.meta.sha256, capture_of(photo.meta.tags),
                                  _own(critic, photo), top, shape=tuple(look[0].grey.shape),
                                  grid=grid_of(look[0].colour))
            else:
                frame.index = k
            done += 1
            if on_progress is not None:
                on_progress(done, total)
            if frame is None:
                continue
            frames[k] = frame
            for k2, other, other_look in window:
                if not _candidates(captures[k2], captures[k], jobs[k2], jobs[k], mode):
                    continue
                if other.sha256 not in frame.links:
                    a = _look_for(jobs[k2], other_look, settings)
                    b = _look_for(jobs[k], look, settings)
                    frame.links[other.sha256] = relate(a, b) if a is not None and b is not None else None
            window.append((k, frame, look))
    return frames


def _own(critic, photo) -> np.ndarray | None:
    try:
        return own_correction(critic.critique([photo])[0].plan)
    except Exception:  # noqa: BLE001 - a critic that fails here fails again in the batch, which reports it
        return None


def _look_for(job, holder: list, settings) -> Look | None:
    """A window frame's small picture, read again for a frame whose record came from its sidecar."""
    if holder[0] is None:
        got = _read(job, settings.max_megapixels)
        holder[0] = got[1] if got is not None else None
    return holder[0]


def _candidates(a, b, job_a, job_b, mode: str) -> bool:
    if mode == "folder":
        return job_a.source.parent == job_b.source.parent
    return (a.body or "") == (b.body or "") and abs((b.time or 0.0) - (a.time or 0.0)) <= MAX_GAP


def _groups(jobs, order, frames: dict[int, Frame], mode: str) -> list[list[int]]:
    """Series as lists of job indices in capture order (two photos or more)."""
    if mode == "folder":
        by_folder: dict[Path, list[int]] = {}
        for k in order:
            if k in frames:
                by_folder.setdefault(jobs[k].source.parent, []).append(k)
        return [m for m in by_folder.values() if len(m) > 1]
    parent = {k: k for k in frames}
    span = {k: (frames[k].capture.time, frames[k].capture.time) for k in frames}

    def root(k: int) -> int:
        while parent[k] != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    sha_to_job = {fr.sha256: k for k, fr in frames.items()}
    for k in order:
        if k not in frames:
            continue
        for sha, link in frames[k].links.items():
            k2 = sha_to_job.get(sha)
            if link is None or k2 is None:
                continue
            a, b = root(k), root(k2)
            if a == b:
                continue
            lo, hi = min(span[a][0], span[b][0]), max(span[a][1], span[b][1])
            if hi - lo <= MAX_SPAN:
                parent[b] = a
                span[a] = (lo, hi)
    groups: dict[int, list[int]] = {}
    for k in order:
        if k in frames:
            groups.setdefault(root(k), []).append(k)
    return [m for m in groups.values() if len(m) > 1]


def _pool_series(jobs, members: list[int], frames: dict[int, Frame], settings, mode: str) -> Series:
    pos = {k: i for i, k in enumerate(members)}
    by_sha = {frames[k].sha256: k for k in members}
    links: list[Link] = []
    homs: dict[tuple[int, int], np.ndarray] = {}
    for k in members:
        for sha, g in frames[k].links.items():
            k2 = by_sha.get(sha)
            if g is not None and k2 is not None and g[3] > 0:
                links.append(Link(pos[k2], pos[k], np.asarray(g[:3]), float(g[3]), "matched"))
                if len(g) >= 13:
                    homs[(pos[k2], pos[k])] = np.asarray(g[4:13], dtype=np.float64).reshape(3, 3)
    links += _camera_links(members, frames, pos, links)
    ends = [i for pair in homs for i in pair]
    placed = place(len(members), homs, max(set(ends), key=ends.count) if ends else 0)
    views = [View(frames[k].grid, frames[k].shape, placed[pos[k]]) for k in members]
    pooled = pool([frames[k].own for k in members], links, framing=lambda offsets: reaction(views, offsets))
    shas = sorted(frames[k].sha256 for k in members)
    key = hashlib.sha256(json.dumps({"settings": settings.key(), "mode": mode, "version": VERSION,
                                     "inputs": shas}).encode()).hexdigest()[:16]
    series = Series(key[:8], key, _label(members, frames), members, pooled.target)
    sources = [jobs[k].source for k in members]
    for k in members:
        i = pos[k]
        corr = pooled.corrections[i]
        ev, _ = split(corr)
        top = frames[k].p_top * math.exp(float(corr.max()))
        jobs[k].series = Share(key, frames[k], series, corr, pooled.offsets[i], pooled.how[i],
                               shoulder=0.9 if ev > 0 and top > 0.95 else 1.0, mode=mode, sources=sources)
    return series


def _camera_links(members: list[int], frames: dict[int, Frame], pos: dict[int, int],
                  matched: list[Link]) -> list[Link]:
    """Links from the EXIF between consecutive frames that no registration connects: the camera's
    exposure settings, and a white balance set by hand on both."""
    from .series_pool import _labels

    group = _labels(len(members), matched)
    out: list[Link] = []
    for a, b in zip(members, members[1:]):
        i, j = pos[a], pos[b]
        if group[i] == group[j]:
            continue
        ca, cb = frames[a].capture, frames[b].capture
        if ca.gain_ev is not None and cb.gain_ev is not None:
            out.append(Link(i, j, np.full(3, (cb.gain_ev - ca.gain_ev) * math.log(2.0)), CAMERA_WEIGHT, "camera",
                            colour=False))
        if ca.wb_manual and cb.wb_manual:
            out.append(Link(i, j, np.zeros(3), CAMERA_WEIGHT, "camera", exposure=False))
    return out


def _label(members: list[int], frames: dict[int, Frame]) -> str:
    """"6 photos, 2025-06-01 10:20-10:24, Canon EOS R6" (what is known of them)."""
    times = [frames[k].capture.time for k in members if frames[k].capture.time is not None]
    parts = [f"{len(members)} photos"]
    if len(times) == len(members):
        lo, hi = time.localtime(min(times)), time.localtime(max(times))
        parts.append(time.strftime("%Y-%m-%d %H:%M", lo) + ("" if hi[:5] == lo[:5] else time.strftime("-%H:%M", hi)))
    bodies = sorted({frames[k].capture.body or "" for k in members})
    if len(bodies) == 1 and bodies[0]:
        parts.append(bodies[0])
    return ", ".join(parts)
