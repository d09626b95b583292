"""The batch runner: discover -> decode -> critique -> render -> encode, resumable and locked.

Decoding and encoding run in worker threads (Pillow, OpenCV, rawpy and torch
release the GIL), overlapping with compute on the main thread. At most a bounded
number of decoded photos wait at any time, so memory stays flat however many
files a folder holds.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import __version__, sidecar
from .errors import InputError, LockedError, OutputError, SpcError, UsageError
from .plan import EditPlan

LOCK_NAME = ".spc.lock"


@dataclass(frozen=True)
class Settings:
    """Everything that shapes an output. ``key()`` decides whether an existing output is current."""

    out_dir: Path | None = None
    out_file: Path | None = None  # a single explicit output path (retouch IMG --out FILE)
    beside: bool = False  # write <stem>.spc<ext> beside each input (retouch without --out)
    format: str | None = None
    quality: int = 95
    strength: float = 1.0
    critic: str = "analytic"
    artist: str = "pipeline"
    device: str = "auto"
    precision: str = "auto"
    batch_size: int = 0  # 0 = auto: 8 on CUDA, 1 on the CPU (batching only pays on a GPU)
    workers: int = 2
    force: bool = False
    dry_run: bool = False
    max_megapixels: float = 250.0
    hint: str | None = None
    refine: bool = True
    critic_model: str | None = None  # a hub name or local folder for the model backends
    artist_model: str | None = None

    # the settings that change pixels or sidecar content (not device, workers, batching)
    OUTPUT_FIELDS = ("format", "quality", "strength", "critic", "artist", "hint", "refine",
                     "critic_model", "artist_model")

    def output_settings(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.OUTPUT_FIELDS}

    def key(self) -> str:
        """Hash of the output settings and spc's version: whether an existing output is current."""
        relevant = {**self.output_settings(), "spc": __version__}
        return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]



@dataclass
class Job:
    source: Path
    output: Path
    fmt: str = ""
    bit_depth: int = 8
    side: Path | None = None  # the sidecar, when <stem>.spc.json would be shared (see plan_jobs)

    @property
    def sidecar(self) -> Path:
        return self.side or sidecar.sidecar_path(self.output)


@dataclass
class Outcome:
    source: Path
    status: str  # "done" | "skipped" | "failed" | "planned"
    output: Path | None = None
    reason: str = ""
    score_before: float | None = None
    sidecar: dict[str, Any] | None = None
    did: str = ""  # one line of what was done, in words (kept; the sidecar itself is dropped)


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()


# ---------------------------------------------------------------- planning jobs

def plan_jobs(inputs: list[Path], settings: Settings) -> list[Job]:
    """Where each input goes. Refuses an output that would land on an input."""
    from .io import RAW_EXTENSIONS
    from .io.discover import discover
    from .io.decode import probe_bit_depth
    from .io.encode import output_spec

    if settings.out_dir is not None:
        out_real = settings.out_dir.resolve()
        for p in inputs:
            if p.is_dir() and p.resolve() == out_real:
                raise UsageError(f"--out {settings.out_dir} is an input folder; inputs are never overwritten")
            if p.is_file() and Path(os.path.realpath(p.parent)) == out_real:
                raise UsageError(f"{p} is inside --out {settings.out_dir}; inputs are never overwritten")
    found = discover(inputs, settings.out_dir)
    if settings.out_file is not None and len(found) != 1:
        raise UsageError(f"--out {settings.out_file} names one file but {len(found)} photos were given")
    jobs: list[Job] = []
    seen: dict[Path, Path] = {}
    for src, rel in found:
        in_fmt = "raw" if src.suffix.lower() in RAW_EXTENSIONS else _format_of(src)
        in_depth = probe_bit_depth(src)
        fmt, ext, depth = output_spec(in_fmt, settings.format, in_depth)
        if settings.out_file is not None:
            out = settings.out_file
            if out.suffix.lower() != ext and settings.format is None:
                fmt, ext, depth = output_spec(in_fmt, _format_of(out), in_depth)
        elif settings.beside:
            out = src.with_name(src.stem + ".spc" + ext)
        else:
            assert settings.out_dir is not None
            out = settings.out_dir / rel.parent / (rel.stem + ext)
        if out in seen:
            raise UsageError(f"{src} and {seen[out]} would both be written to {out}; "
                             "rename one or use --format")
        seen[out] = src
        jobs.append(Job(src, out, fmt, depth))
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
                j.side = j.output.with_name(j.output.name + sidecar.SUFFIX)
    sides = [j.sidecar for j in jobs]
    if len(set(sides)) != len(sides):
        raise UsageError("two outputs would share a sidecar file; rename one or use separate runs")
    return jobs


_FORMATS = {".jpg": "jpeg", ".jpeg": "jpeg", ".jpe": "jpeg", ".png": "png", ".tif": "tiff", ".tiff": "tiff",
            ".webp": "webp"}


def _format_of(path: Path) -> str:
    return _FORMATS.get(path.suffix.lower(), "jpeg")


# ---------------------------------------------------------------- lock

@contextmanager
def output_lock(folder: Path) -> Iterator[None]:
    """One spc run per output folder. The OS drops the lock when the process dies, even by SIGKILL."""
    import fcntl

    path = folder / LOCK_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        from .io.atomic import describe_error

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


# ---------------------------------------------------------------- resume

def is_current(job: Job, settings: Settings, input_sha: Callable[[], str]) -> bool:
    """An output counts as done when it and its sidecar exist and match this input and settings.

    ``input_sha`` is called only when everything else matches, so a first run (no outputs
    yet) never reads its inputs twice: decoding hashes the bytes it reads anyway.
    """
    side = job.sidecar
    if settings.force or not job.output.is_file() or not side.is_file():
        return False
    try:
        doc = sidecar.load(side)
    except (OSError, ValueError):
        return False
    return (doc.get("settings_key") == settings.key()
            and (doc.get("output") or {}).get("bytes") == job.output.stat().st_size
            and doc.get("input", {}).get("sha256") == input_sha())


# ---------------------------------------------------------------- the runner

ProgressFn = Callable[[Outcome], None]


class Engine:
    """Runs one batch. Critic and artist are built once and reused for every photo."""

    def __init__(self, settings: Settings, critic=None, artist=None):
        from .device import resolve_device, resolve_dtype
        from .registry import make_artist, make_critic

        self.settings = settings
        self.device = resolve_device(settings.device)
        self.dtype = resolve_dtype(settings.precision, self.device)
        if settings.batch_size < 0 or settings.workers < 1:
            raise UsageError("--batch-size must be 0 (auto) or more, --workers at least 1")
        self.batch_size = settings.batch_size or (8 if self.device.type == "cuda" else 1)
        configure_threads(self.device, settings.workers)
        keep_freed_memory()
        if not 0.0 <= settings.strength <= 2.0:
            raise UsageError("--strength must be between 0 and 2")
        self.hint_plan = None
        self.hint_from_photo = False
        if settings.hint is not None:
            from .hints import needs_photo, parse_hint

            self.hint_plan = parse_hint(settings.hint)
            self.hint_from_photo = needs_photo(settings.hint)
        self.versions = sidecar.versions()  # importlib.metadata look-ups: once per run, not per photo
        self.critic = critic or make_critic(settings.critic, **critic_options(settings))
        artist_opts: dict[str, Any] = {"model": settings.artist_model} if settings.artist_model else {}
        if settings.artist == "pipeline":
            artist_opts["inplace"] = True  # the engine never reuses a photo's input pixels after rendering
        self.artist = artist or make_artist(settings.artist, device=self.device, precision=settings.precision,
                                            batch_size=self.batch_size, **artist_opts)
        # Batches render together in the compute thread where batching pays (a GPU) or a model
        # artist holds the device; otherwise each photo renders in the I/O thread that writes it.
        self.render_here = not (self.device.type == "cpu" and self.batch_size == 1 and settings.artist == "pipeline")

    # -- per-photo stages -------------------------------------------------
    def _encode(self, job: Job, rendered, doc: dict[str, Any]) -> dict[str, Any]:
        from .io.atomic import atomic_write_text
        from .io.encode import write_photo

        t0 = time.perf_counter()
        try:
            job.output.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            from .io.atomic import describe_error

            raise OutputError(job.output, f"cannot create its folder ({describe_error(e)})") from e
        meta = rendered.photo.meta
        if (not rendered.applied and job.fmt == meta.format and job.bit_depth == meta.bit_depth
                and meta.frames == 1):  # a copy would keep every frame; the sidecar says first only
            # Nothing to fix: the output is the input's own bytes, so a good photo loses
            # nothing to re-encoding and keeps every byte of its metadata.
            import shutil

            from .io.atomic import atomic_write

            atomic_write(job.output, lambda tmp: shutil.copyfile(job.source, tmp))
            doc["notes"].append("no edit needed: the input file was copied unchanged")
        else:
            write_photo(rendered.photo, job.output, job.fmt, job.bit_depth, quality=self.settings.quality)
        doc["timings_ms"]["encode"] = (time.perf_counter() - t0) * 1000
        doc["output"] = {"path": str(job.output), "format": job.fmt, "bit_depth": job.bit_depth,
                         "bytes": job.output.stat().st_size}
        doc["timings_ms"]["total"] = sum(v for k, v in doc["timings_ms"].items() if k != "total")
        doc["timings_ms"] = {k: round(v, 1) for k, v in doc["timings_ms"].items()}
        atomic_write_text(job.sidecar, sidecar.dumps(doc))
        return doc

    def _hint_for(self, photo, critique) -> EditPlan | None:
        """The hint's edits for this photo (built from the photo where the hint depends on it)."""
        if not self.hint_from_photo:  # set only for a given hint that names a photo-dependent edit
            return self.hint_plan
        from .hints import parse_hint

        return parse_hint(self.settings.hint, photo, critique.measurements)

    def _plan_for(self, photo, critique, hint_plan: EditPlan | None) -> tuple[EditPlan, list[str]]:
        return choose_plan(photo, critique, self.critic, self.artist, strength=self.settings.strength,
                           hint_plan=hint_plan, refine=self.settings.refine)

    def _document(self, job: Job, photo, critique, plan: EditPlan, rendered, timings: dict[str, float],
                  notes: list[str], hint_plan: EditPlan | None) -> dict[str, Any]:
        s = self.settings
        info = photo.describe()
        info.update(bit_depth=photo.meta.bit_depth, colour_space=photo.meta.colour_space,
                    orientation=photo.meta.orientation, frames=photo.meta.frames)
        return sidecar.build(
            photo_info=info, output_info=None, critique=critique.to_dict(), plan=plan.to_list(),
            applied=[a.to_dict() for a in rendered.applied],
            backends={"critic": {"name": self.critic.name, "version": self.critic.version},
                      "artist": {"name": self.artist.name, "version": self.artist.version},
                      "device": str(self.device), "dtype": str(self.dtype).replace("torch.", ""),
                      "versions": self.versions},
            settings=s.output_settings(),
            settings_key=s.key(), timings_ms=timings, exif=sidecar.exif_summary(photo.meta.tags),
            refine=[n for n in notes if n.startswith("strength")],
            notes=list(photo.meta.notes) + list(rendered.notes) + [n for n in notes if not n.startswith("strength")],
            hint=({"text": s.hint, "edits": hint_plan.to_list()} if hint_plan is not None else None))

    # -- the batch --------------------------------------------------------
    def run(self, jobs: list[Job], on_outcome: ProgressFn | None = None) -> Summary:
        t_start = time.perf_counter()
        summary = Summary()
        report = on_outcome or (lambda o: None)

        def finish(o: Outcome) -> None:
            summary.outcomes.append(o)
            report(o)

        if self.settings.dry_run:
            for j in jobs:
                finish(Outcome(j.source, "planned", j.output))
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
        with ThreadPoolExecutor(s.workers, thread_name_prefix="spc-io") as pool:
            pending_dec: deque[tuple[Job, Future]] = deque()
            pending_enc: deque[tuple[Job, Future, Outcome]] = deque()
            it = iter(jobs)

            def feed() -> None:
                while len(pending_dec) < prefetch:
                    j = next(it, None)
                    if j is None:
                        return
                    pending_dec.append((j, pool.submit(self._load, j)))

            def drain_encodes(limit: int) -> None:
                while len(pending_enc) > limit:
                    j, fut, o = pending_enc.popleft()
                    try:
                        o.sidecar = fut.result()
                        o.did = what_was_done(o.sidecar)
                    except SpcError as e:
                        o.status, o.reason = "failed", _reason(e, j)
                    except Exception as e:  # noqa: BLE001 - one bad file never stops a batch
                        o.status, o.reason = "failed", f"internal error while writing: {type(e).__name__}: {e}"
                    finish(o)
                    o.sidecar = None  # on_outcome saw it; kept for every photo, memory would grow with the count

            feed()
            while pending_dec:
                batch: list[tuple[Job, Any, float]] = []
                while pending_dec and len(batch) < self.batch_size:
                    j, fut = pending_dec.popleft()
                    feed()
                    try:
                        res = fut.result()
                    except SpcError as e:
                        finish(Outcome(j.source, "failed", j.output, _reason(e, j)))
                        continue
                    except Exception as e:  # noqa: BLE001
                        finish(Outcome(j.source, "failed", j.output,
                                       f"{j.source}: could not be read ({type(e).__name__}: {e})"))
                        continue
                    if res is None:
                        finish(Outcome(j.source, "skipped", j.output, "up to date"))
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

    def _load(self, job: Job):
        """Decode unless the output is current. Returns None to skip."""
        from .io.decode import read_photo

        t0 = time.perf_counter()

        def digest() -> str:
            try:
                return sha256_file(job.source)
            except OSError as e:
                raise InputError(job.source, f"cannot be read ({e.strerror or e})") from e

        if is_current(job, self.settings, digest):
            return None
        photo = read_photo(job.source, max_megapixels=self.settings.max_megapixels)
        return photo, (time.perf_counter() - t0) * 1000

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
                hint = self._hint_for(p, c)
                plan, notes = self._plan_for(p, c, hint)
                work.append(Work(p, c, plan, notes, hint, {"decode": t_dec, "critique": t_crit}))
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
            yield jobs[0], _failed(jobs[0], stage, e)
            return
        yield from zip(jobs, work)

    def _finish(self, job: Job, work: Work) -> dict[str, Any]:
        """Render (unless the batch was), document and write one photo; returns its sidecar."""
        if work.rendered is None:
            import torch

            t0 = time.perf_counter()
            try:
                with torch.inference_mode():
                    work.rendered = self.artist.render([work.photo], [work.plan])[0]
            except Exception as e:  # noqa: BLE001
                raise StageError(_failed(job, "rendering", e).reason) from e
            work.timings["render"] = (time.perf_counter() - t0) * 1000
        doc = self._document(job, work.photo, work.critique, work.plan, work.rendered, work.timings,
                             work.notes, work.hint)
        work.photo = None  # the input's pixels are not needed any more
        return self._encode(job, work.rendered, doc)


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


class StageError(SpcError):
    """A photo failed in a stage run in an I/O thread; the message is the whole reason."""


def _failed(job: Job, stage: str, e: Exception) -> Outcome:
    detail = str(e) if isinstance(e, SpcError) else f"{type(e).__name__}: {e}"
    return Outcome(job.source, "failed", job.output, f"{job.source}: {stage} failed ({detail})")


def choose_plan(photo, critique, critic, artist, strength: float = 1.0, hint_plan: EditPlan | None = None,
                refine: bool = True) -> tuple[EditPlan, list[str]]:
    """The plan to render: the critic's, with the user's hint winning on the ops it names, scaled
    by ``strength``, then checked on a proxy by the closed loop (``artist.refine``) unless a hint
    asked for it explicitly. Returns the plan and notes for the sidecar."""
    plan, notes = critique.plan, []
    if hint_plan is not None:
        from .hints import merge

        plan, notes = merge(plan, hint_plan)
    plan = plan.scaled(strength)
    if refine and plan and hint_plan is None:
        from .artist.refine import refine as closed_loop

        plan, more = closed_loop(photo, plan, critic, artist, full=critique)
        notes = notes + more
    return plan, notes


def what_was_done(doc: dict[str, Any]) -> str:
    """One line from a sidecar: the score and the edits rendered, in words."""
    applied = {a["op"] for a in doc.get("applied", [])}
    words = [e["instruction"] for e in doc.get("plan", []) if e["op"] in applied and e.get("instruction")]
    score = (doc.get("critique") or {}).get("score")
    head = f"score {score:.0f}; " if isinstance(score, (int, float)) else ""
    if not words:
        return head + "left as it was"
    eased = [n.split(":")[0] for n in doc.get("refine", []) if n.endswith("accepted") and not n.startswith("strength 1.0")]
    return head + "; ".join(words) + (f" (eased to {eased[0]})" if eased else "")


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
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 1 << 30)  # M_MMAP_THRESHOLD: serve blocks up to 1 GiB from the heap
        libc.mallopt(-1, 1 << 31)  # M_TRIM_THRESHOLD: keep up to 2 GiB of freed heap for reuse
        libc.mallopt(-8, 1)  # M_ARENA_MAX: every thread allocates from the main heap
    except (OSError, AttributeError):  # not glibc (musl, ...)
        pass


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
    try:
        import cv2

        cv2.setNumThreads(max(1, cores // max(1, workers)))
    except ImportError:  # pragma: no cover
        pass


def critic_options(settings: Settings) -> dict[str, Any]:
    """Options for the critic backend: the analytic critic measures a CPU proxy and takes none;
    model critics get the device, precision, batch size and model folder."""
    if settings.critic == "analytic":
        return {}
    opts: dict[str, Any] = {"device": settings.device, "precision": settings.precision,
                            "batch_size": settings.batch_size or 1}
    if settings.critic_model:
        opts["model"] = settings.critic_model
    return opts


def _reason(err: SpcError, job: Job) -> str:
    text = str(err)
    return text if str(job.source) in text or str(job.output) in text else f"{job.source}: {text}"


def critique_files(inputs: list[Path], settings: Settings, on_result: Callable[[Path, Any, Any], None]) -> Summary:
    """Critique only: decode each photo (threads), critique, hand (path, photo, critique) to on_result."""
    from .io.discover import discover
    from .io.decode import read_photo
    from .registry import make_critic

    t0 = time.perf_counter()
    summary = Summary()
    critic = make_critic(settings.critic, **critic_options(settings))
    found = [src for src, _ in discover(inputs, None)]
    with ThreadPoolExecutor(settings.workers, thread_name_prefix="spc-io") as pool:
        futures: deque[tuple[Path, Future]] = deque()
        it = iter(found)
        while True:
            while len(futures) < settings.workers * 2 and (src := next(it, None)) is not None:
                futures.append((src, pool.submit(read_photo, src, settings.max_megapixels)))
            if not futures:
                break
            src, fut = futures.popleft()
            try:
                photo = fut.result()
                c = critic.critique([photo])[0]
            except SpcError as e:
                o = Outcome(src, "failed", None, str(e) if str(src) in str(e) else f"{src}: {e}")
                summary.outcomes.append(o)
                on_result(src, None, o)
                continue
            except Exception as e:  # noqa: BLE001
                o = Outcome(src, "failed", None, f"{src}: {type(e).__name__}: {e}")
                summary.outcomes.append(o)
                on_result(src, None, o)
                continue
            summary.outcomes.append(Outcome(src, "done", None, score_before=c.score))
            on_result(src, photo, c)
    summary.seconds = time.perf_counter() - t0
    return summary
