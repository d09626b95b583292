"""The batch runner: discover -> decode -> critique -> render -> encode, resumable and locked.

Decoding and encoding run in worker threads (Pillow, OpenCV, rawpy and torch
release the GIL), overlapping with compute on the main thread. At most a bounded
number of decoded photos wait at any time, so memory stays flat however many
files a folder holds. The first photos start decoding before the engine is built
(``jobs.EarlyReads``: io needs no torch), so that reading them overlaps importing torch; the
critic's proxy is pooled in the I/O thread that decoded the photo.
"""

from __future__ import annotations

import time
from collections import deque
from contextlib import contextmanager
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from .. import sidecar
from ..errors import SpcError, UsageError
from ..plan import EditPlan
from ..sharing import Spare, each
from .jobs import EarlyReads, Job, read_job
from .own_output import note as own_note
from .own_output import own_sidecar
from .planning import accepted_score, choose_plan, series_score
from .record import Outcome, Summary, document, what_was_done, write_failure, write_image, write_record
from .resources import configure_threads, keep_freed_memory
from .settings import Settings, artist_options, critic_options

ProgressFn = Callable[[Outcome], None]


class Engine:
    """Runs one batch. Critic and artist are built once and reused for every photo."""

    def __init__(self, settings: Settings, critic=None, artist=None):
        from ..device import resolve_device, resolve_dtype
        from ..registry import make_artist, make_critic

        self.settings = settings
        self.device = resolve_device(settings.device)
        self.dtype = resolve_dtype(settings.precision, self.device)
        check_settings(settings)
        self.batch_size = settings.batch_size or (8 if self.device.type == "cuda" else 1)
        configure_threads(self.device, settings.workers)
        keep_freed_memory()
        self.hint_plan = None
        self.hint_from_photo = False
        if settings.hint is not None:
            from ..hints import needs_photo, parse_hint

            self.hint_plan = parse_hint(settings.hint)
            self.hint_from_photo = needs_photo(settings.hint)
        self.versions = sidecar.versions()  # importlib.metadata look-ups: once per run, not per photo
        self.critic = critic or make_critic(settings.critic, **critic_options(settings))
        self.artist = artist or make_artist(settings.artist, **artist_options(settings, self.device, self.batch_size))
        self.proxy_edge = proxy_edge(self.critic)
        # Batches render together in the compute thread where batching pays (a GPU) or a model
        # artist holds the device; otherwise each photo renders in the I/O thread that writes it.
        self.render_here = not (self.device.type == "cpu" and self.batch_size == 1 and settings.artist == "pipeline")
        # called in an I/O thread with (job, the input's 512-px proxy, the rendered photo): the
        # report's thumbnails (report.Report.thumbnails)
        self.on_rendered: Callable[[Job, Any, Any], None] | None = None
        # while a batch runs: its I/O threads, which take pieces of a photo's proxy, render and
        # output score (bands) when idle, so the last photos of a batch are not one core's work
        self.spare: Spare | None = None

    # -- per-photo stages -------------------------------------------------
    def _hint_for(self, photo, critique, job: Job | None = None, alone: bool = False) -> EditPlan | None:
        """The hint's edits for this photo (built from the photo where the hint depends on it);
        ``alone``: the hint is applied by itself (``--hint-only``, or spc's own output)."""
        if not self.hint_from_photo:  # set only for a given hint that names a photo-dependent edit
            return self.hint_plan
        from ..hints import composable_ops, parse_hint

        alone = alone or self.settings.hint_only
        base = None if alone else critique.plan  # solved on the photo as it will stand
        pre = None
        shared = job.series.plan(critique.measurements) if job is not None and job.series is not None else None
        if shared and not alone:
            # in a series the photo will stand as the series leaves it: its white balance and
            # exposure are the series' (``planning.choose_plan``), and a hint that turns one of
            # them by a dial goes on top of the series' edit (``pre``) instead of replacing it
            from .series import SHARED_OPS

            shared = shared.scaled(self.settings.strength)
            on_top = composable_ops(self.hint_plan.clauses)
            pre = EditPlan([e for e in shared.edits if e.op in on_top])
            base = EditPlan([e for e in shared.edits if e.op not in on_top]
                            + [e for e in critique.plan.edits if e.op not in SHARED_OPS])
        return parse_hint(self.settings.hint, photo, critique.measurements, base, pre)

    def _plan_for(self, photo, critique, hint_plan: EditPlan | None,
                  job: Job | None = None, alone: bool = False) -> tuple[EditPlan, list[str]]:
        """The plan to render and the closed loop's notes; ``alone``: the hint by itself, and no
        edit at all without one (spc's own output, ``engine.own_output``)."""
        if alone and hint_plan is None:
            return EditPlan(), []
        shared = job.series.plan(critique.measurements) if job is not None and job.series is not None else None
        return choose_plan(photo, critique, self.critic, self.artist, strength=self.settings.strength,
                           hint_plan=hint_plan, refine=self.settings.refine, shared=shared,
                           hint_only=self.settings.hint_only or alone)

    def _backends(self) -> dict[str, Any]:
        return {"critic": {"name": self.critic.name, "version": self.critic.version},
                "artist": {"name": self.artist.name, "version": self.artist.version},
                "device": str(self.device), "dtype": str(self.dtype).replace("torch.", ""),
                "versions": self.versions}

    # -- the batch --------------------------------------------------------
    def run(self, jobs: list[Job], on_outcome: ProgressFn | None = None, early: EarlyReads | None = None) -> Summary:
        """Every job through the pipeline; ``early``: the first inputs, already being read."""
        t_start = time.perf_counter()
        summary = Summary()
        finish = summary.recorder(on_outcome)
        if self.settings.dry_run:
            summary.add_planned(jobs, finish, self.settings.force)
            summary.seconds = time.perf_counter() - t_start
            return summary

        s = self.settings
        # Photos decoded ahead of the compute and written (on the CPU: rendered too) behind it:
        # enough to keep every core busy while one photo takes long (a 24 MP sharpen, about
        # 1.5 s), few enough that memory stays flat (a bounded number of photos in flight;
        # measured on 12 x 24 MP, 2 cores: 10.1-11.2 s with 2 ahead and 1 behind, 8.7-9.3 s
        # with 4 and 2, peak memory 0.9 -> 1.1 GB).
        prefetch = max(self.batch_size + 1, s.workers + 2)
        inflight = self.batch_size if self.render_here else s.workers
        slots = early.slots if early is not None else None  # the early thread's reads count in --workers
        with ThreadPoolExecutor(s.workers, thread_name_prefix="spc-io") as pool, self._sharing(pool):
            pending_dec: deque[tuple[Job, Future]] = deque()
            pending_enc: deque[tuple[Job, Future, Outcome]] = deque()
            it = iter(jobs)

            def feed() -> None:
                while len(pending_dec) < prefetch:
                    j = next(it, None)
                    if j is None:
                        return
                    pending_dec.append((j, pool.submit(self._load, j, True, early and early.take(j), slots)))

            def drain_encodes(limit: int) -> None:
                while len(pending_enc) > limit:
                    j, fut, o = pending_enc.popleft()
                    finish(_written(j, o, fut.result))
                    o.sidecar = None  # on_outcome saw it; kept for every photo, memory would grow with the count

            feed()
            while pending_dec:
                batch: list[tuple[Job, Any, float]] = []
                while pending_dec and len(batch) < self.batch_size:
                    j, fut = pending_dec.popleft()
                    feed()
                    res = _loaded(j, fut.result)
                    if isinstance(res, Outcome):
                        finish(res)
                        continue
                    batch.append((j, res[0], res[1]))
                if not batch:
                    continue
                for j, work in self._process(batch):
                    if isinstance(work, Outcome):
                        finish(work)
                        continue
                    o = Outcome(j.source, "done", j.output, score_before=work.critique.score)
                    pending_enc.append((j, pool.submit(self._finish, j, work), o))
                # bound the photos waiting to be written (memory stays flat)
                drain_encodes(inflight)
            drain_encodes(0)
        summary.seconds = time.perf_counter() - t_start
        return summary

    def complete(self, jobs: list[Job], check: bool = True) -> list[Outcome]:
        """Each job from its input path to its written output and sidecar, in this thread: decode,
        critique and plan (in batches of ``batch_size``), render, score and write, with the same
        stages and the same one-line failure reasons as ``run`` (which spreads these stages over
        its threads). ``check=False`` skips the resume check (the caller made it). Returns one
        Outcome per job, in order; the Ray engine's workers run their share of a batch through it.
        """
        outcomes: dict[int, Outcome] = {}
        ready: list[tuple[Job, Any, float]] = []
        for j in jobs:
            res = _loaded(j, lambda j=j: self._load(j, check))
            if isinstance(res, Outcome):
                outcomes[id(j)] = res
            else:
                ready.append((j, res[0], res[1]))
        for k in range(0, len(ready), self.batch_size):
            for j, work in self._process(ready[k:k + self.batch_size]):
                if isinstance(work, Outcome):
                    outcomes[id(j)] = work
                    continue
                o = Outcome(j.source, "done", j.output, score_before=work.critique.score)
                outcomes[id(j)] = _written(j, o, lambda j=j, work=work: self._finish(j, work))
        return [outcomes[id(j)] for j in jobs]

    def _load(self, job: Job, check: bool = True, early: Future | None = None, slots: Any = None):
        """Decode unless the output is current (when ``check``). Returns None to skip. ``early``:
        the job's read already under way (``EarlyReads``); ``slots``: their shared semaphore."""
        from ..io.encode import output_depth

        res = read_job(job, self.settings, check, early, slots)
        if res is None:
            return None
        photo = res[0]
        job.bit_depth = output_depth(job.fmt, photo.meta.bit_depth)
        if self.proxy_edge is None:
            return res
        t0 = time.perf_counter()  # the critique's one full-resolution pass, here beside the decode rather
        photo.proxy(self.proxy_edge, self.spare)  # than in the compute thread every photo waits on; timed as decoding
        return photo, res[1] + (time.perf_counter() - t0) * 1000

    def _process(self, batch):
        """Critique and plan one batch, and render it where batching pays (a GPU); per-photo
        failures become Outcomes. Yields (job, Work): what ``_finish`` renders (unless done
        here), documents and writes in an I/O thread.

        On the CPU each photo is rendered in the I/O thread that writes it, so rendering one
        photo overlaps critiquing the next: one compute thread would otherwise be the whole
        pipeline's critical path while the I/O threads wait.
        """
        import torch

        jobs = [b[0] for b in batch]
        photos = [b[1] for b in batch]
        stage = "critique"
        try:  # one bad photo never stops a batch: on failure, retry one at a time to isolate it
            t0 = time.perf_counter()
            critiques = self.critic.critique(photos)
            t_crit = (time.perf_counter() - t0) * 1000 / len(photos)
            stage = "planning"
            work = []
            for (j, p, t_dec), c in zip(batch, critiques):
                # an output spc wrote itself is not enhanced again (engine.own_output)
                own = None if self.settings.force else own_sidecar(j.source)
                hint = self._hint_for(p, c, j, alone=own is not None)
                plan, notes = self._plan_for(p, c, hint, j, alone=own is not None)
                if own is not None:
                    notes = [own_note(own, hinted=hint is not None)] + notes
                w = Work(p, c, plan, notes, hint, {"decode": t_dec, "critique": t_crit})
                if all(e.effective().is_neutral() for e in plan.edits):
                    w.result = {"score": c.score, "measured_on": "input"}  # nothing will change
                elif (s := accepted_score(notes)) is not None:
                    w.result = {"score": s, "measured_on": "proxy"}  # the closed loop's accepted try
                elif (s := series_score(notes)) is not None and j.series is not None and all(
                        e.op in ("white_balance", "exposure") for e in plan.edits):
                    w.result = {"score": s, "measured_on": "proxy"}  # the series' edits alone, seen on the proxy
                work.append(w)
            if self.render_here:
                stage = "rendering"
                t1 = time.perf_counter()
                with torch.inference_mode():
                    rendered = self.artist.render(photos, [w.plan for w in work])
                t_render = (time.perf_counter() - t1) * 1000 / len(photos)
                for w, r in zip(work, rendered):
                    w.rendered = r
                    w.timings["render"] = t_render
        except Exception as e:  # noqa: BLE001
            if len(batch) > 1:
                for b in batch:
                    yield from self._process([b])
                return
            known = critiques[0] if stage != "critique" else None
            yield jobs[0], self._fail(jobs[0], photos[0], stage, e, known)
            return
        yield from zip(jobs, work)

    def _fail(self, job: Job, photo, stage: str, err: Exception, critique=None, plan=None) -> Outcome:
        """A photo that was read and then failed: its outcome, and a sidecar saying why. No image
        is written for it (an earlier run's output stays as it was), so a rerun tries it again."""
        o = _failed(job, stage, err)
        try:
            write_failure(job, photo, o.reason, critique, plan, self.settings, self._backends())
        except (OSError, SpcError) as e:
            o.reason += f"; its sidecar could not be written either ({e})"
        return o

    def _finish(self, job: Job, work: Work) -> dict[str, Any]:
        """Render (unless the batch was), document and write one photo; returns its sidecar."""
        # the input as it is, before a render in place may reuse its pixels
        before = work.photo.proxy(512) if self.on_rendered is not None else None
        if work.rendered is None:
            import torch

            t0 = time.perf_counter()
            try:
                with torch.inference_mode():
                    work.rendered = self.artist.render([work.photo], [work.plan])[0]
            except Exception as e:  # noqa: BLE001
                raise StageError(self._fail(job, work.photo, "rendering", e, work.critique, work.plan).reason) from e
            work.timings["render"] = (time.perf_counter() - t0) * 1000
        written: list[tuple[list[str], float]] = []

        def encode() -> None:
            written.append(write_image(job, work.rendered, self.settings.quality))

        if work.result is None:  # the output's score and its encode need not wait on each other
            def score() -> None:
                work.result = self._score_output(work)

            each(lambda i: (encode if i else score)(), 2, self.spare)
        else:
            encode()
        series = (job.series.record(work.critique.plan, work.critique.measurements)
                  if job.series is not None else None)
        doc = document(work.photo, work.critique, work.plan, work.rendered, work.timings,
                       work.notes, work.hint, self.settings, self._backends(), work.result, series)
        if self.on_rendered is not None:
            self.on_rendered(job, before, work.rendered.photo)
        work.photo = None  # the input's pixels are not needed any more
        return write_record(job, doc, *written[0])

    @contextmanager
    def _sharing(self, pool: ThreadPoolExecutor):
        """``pool``'s threads offered to the stages that can be cut into pieces (``self.spare``,
        the artist's ``spare``) while the batch runs."""
        self.spare = Spare(pool, self.settings.workers - 1)
        shares = hasattr(self.artist, "spare")
        if shares:
            self.artist.spare = self.spare
        try:
            yield
        finally:
            self.spare = None
            if shares:
                self.artist.spare = None


    def _score_output(self, work: Work) -> dict[str, Any]:
        """The critic's score of the rendered photo itself, where the closed loop gave none (a
        hint, --no-refine, or only pixel-scale edits, which a proxy cannot show)."""
        if not work.rendered.applied:
            return {"score": work.critique.score, "measured_on": "input"}
        t0 = time.perf_counter()
        try:
            if self.proxy_edge is not None:  # the one full-resolution pass, shared with idle threads
                work.rendered.photo.proxy(self.proxy_edge, self.spare)
            score = float(self.critic.critique([work.rendered.photo])[0].score)
        except Exception as e:  # noqa: BLE001 - the photo is fine; only its second score is missing
            work.notes.append(f"the output could not be scored ({type(e).__name__}: {e})")
            return {"score": None, "measured_on": None}
        work.timings["critique_output"] = (time.perf_counter() - t0) * 1000
        return {"score": score, "measured_on": "output"}


@dataclass
class Work:
    """One photo between planning and writing."""

    photo: Any
    critique: Any
    plan: EditPlan
    notes: list[str]
    hint: EditPlan | None
    timings: dict[str, float]
    rendered: Any = None
    result: dict[str, Any] | None = None  # the critic's score of the photo as written


class StageError(SpcError):
    """A photo failed in a stage run in an I/O thread; the message is the whole reason."""


def check_settings(settings: Settings) -> None:
    """The usage errors a run refuses before any work (whichever engine runs it)."""
    if settings.batch_size < 0 or settings.workers < 1:
        raise UsageError("--batch-size must be 0 (auto) or more, --workers at least 1")
    if not 0.0 <= settings.strength <= 2.0:
        raise UsageError("--strength must be between 0 and 2")
    if settings.hint is not None:
        from ..hints import parse_hint

        parse_hint(settings.hint)  # an unknown hint is a usage error


def proxy_edge(critic) -> int | None:
    """The long edge of the proxy a critic measures on, where it says (``proxy``: the analytic
    critic, and the learned one through the analytic critic it holds), else None."""
    for c in (critic, getattr(critic, "analytic", None)):
        edge = getattr(c, "proxy", None)
        if isinstance(edge, int) and not isinstance(edge, bool):
            return edge
    return None


def _loaded(job: Job, load: Callable[[], Any]):
    """``load()``'s decoded (photo, ms), or the job's Outcome: skipped (up to date) or failed."""
    try:
        res = load()
    except SpcError as e:
        return Outcome(job.source, "failed", job.output, _reason(e, job))
    except Exception as e:  # noqa: BLE001 - one bad file never stops a batch
        return Outcome(job.source, "failed", job.output, f"{job.source}: could not be read ({type(e).__name__}: {e})")
    if res is None:
        return Outcome(job.source, "skipped", job.output, "up to date")
    return res


def _written(job: Job, o: Outcome, write: Callable[[], dict[str, Any]]) -> Outcome:
    """``o`` once ``write()`` (``Engine._finish``) returned the sidecar, or failed with its reason."""
    try:
        o.sidecar = write()
        o.did = what_was_done(o.sidecar)
    except SpcError as e:
        o.status, o.reason = "failed", _reason(e, job)
    except Exception as e:  # noqa: BLE001 - one bad file never stops a batch
        o.status, o.reason = "failed", f"internal error while writing: {type(e).__name__}: {e}"
    return o


def _failed(job: Job, stage: str, e: Exception) -> Outcome:
    detail = str(e) if isinstance(e, SpcError) else f"{type(e).__name__}: {e}"
    return Outcome(job.source, "failed", job.output, f"{job.source}: {stage} failed ({detail})")


def _reason(err: SpcError, job: Job) -> str:
    text = str(err)
    return text if str(job.source) in text or str(job.output) in text else f"{job.source}: {text}"
