"""The Python API the CLI calls. Everything here works on files or on pixel arrays.

    >>> from spc_cli import api
    >>> out, critique, applied = api.enhance_pixels(srgb)   # (H, W, 3) sRGB array
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from typing import TYPE_CHECKING

from .registry import DEFAULT_CRITIC, make_artist, make_critic

if TYPE_CHECKING:  # torch and the backends are imported where used: a run reads its first photos meanwhile
    import numpy as np

    from .critic.base import Critique
    from .photo import Photo


FLOAT_TOP = 2.0  # the largest float value photo_from_array takes (a little past white is a float image's
# own overshoot; 255 is an 8-bit image passed as float)


def photo_from_array(srgb: np.ndarray, name: str = "<array>") -> Photo:
    """An sRGB-encoded (H, W, 3) array (uint8, uint16 or float in [0, 1]; an (H, W) array is
    grey; a fourth channel, alpha, is left out; in a float array NaN and -inf read black and
    +inf white) as a linear Photo."""
    import numpy as np
    import torch

    from .colour import srgb_to_linear
    from .photo import Metadata, Photo

    a = np.asarray(srgb)
    if a.ndim == 2:
        a = np.repeat(a[:, :, None], 3, axis=2)
    if a.ndim != 3 or a.shape[2] not in (3, 4):
        first = " (channels first? a.transpose(1, 2, 0) puts them last)" if a.ndim == 3 and a.shape[0] in (3, 4) else ""
        raise ValueError(f"expected an (H, W, 3) array (or (H, W, 4) with alpha, or (H, W) grey), not {a.shape}{first}")
    if a.dtype == np.uint8:
        x, depth = a.astype(np.float32) / 255.0, 8
    elif a.dtype == np.uint16:
        x, depth = a.astype(np.float32) / 65535.0, 16
    elif a.dtype.kind in "iu":  # which range other integers hold cannot be known
        raise ValueError(f"{a.dtype} values: pass uint8 (0-255), uint16 (0-65535) or floats in [0, 1]")
    else:
        # NaN and infinities as in a float TIFF (io.float_tiff): NaN and -inf black, +inf white
        x, depth = np.nan_to_num(a.astype(np.float32), nan=0.0, posinf=1.0, neginf=0.0), 16
        top = float(x.max()) if x.size else 0.0
        if top > FLOAT_TOP:  # 0-255 values in a float array: every pixel would read far past white
            raise ValueError(f"float values reach {top:g}: expected sRGB in [0, 1] (divide 8-bit values by 255)")
    t = srgb_to_linear(torch.from_numpy(np.ascontiguousarray(x[..., :3])).permute(2, 0, 1))
    meta = Metadata(source=Path(name), format="array", sha256=hashlib.sha256(a.tobytes()).hexdigest(),
                    width=x.shape[1], height=x.shape[0], bit_depth=depth)
    return Photo(pixels=t, meta=meta)


def photo_to_array(photo: Photo) -> np.ndarray:
    """Linear Photo back to an sRGB-encoded float32 (H, W, 3) array in [0, 1]."""
    from .colour import linear_to_srgb

    return linear_to_srgb(photo.pixels).clamp(0, 1).permute(1, 2, 0).numpy()


@lru_cache(maxsize=4)
def _backends(critic: str, artist: str):
    """Backends are built once per name pair and reused (model backends are costly to load)."""
    return make_critic(critic), make_artist(artist)


def _judgeable(srgb: np.ndarray) -> Photo:
    """``photo_from_array(srgb)``, or ValueError where it is too small to judge
    (``io.reading.MIN_SIDE``)."""
    from .io.reading import too_small

    photo = photo_from_array(srgb)
    why = too_small(photo.width, photo.height)
    if why:
        raise ValueError(why)
    return photo


def critique_pixels(srgb: np.ndarray, critic: str = DEFAULT_CRITIC) -> Critique:
    return _backends(critic, "pipeline")[0].critique([_judgeable(srgb)])[0]


def enhance_pixels(srgb: np.ndarray, critic: str = DEFAULT_CRITIC, artist: str = "pipeline",
                   strength: float = 1.0, refine: bool = True, hint: str | None = None, hint_only: bool = False):
    """Critique and enhance one sRGB array exactly as ``spc enhance`` would (closed loop included),
    or as ``spc retouch --hint`` would with ``hint`` (``hint_only``: the hint alone, as
    ``retouch --hint-only``).

    Returns (sRGB float32 array, Critique, applied list).
    """
    from .engine import choose_plan

    photo = _judgeable(srgb)
    c_backend, a_backend = _backends(critic, artist)
    c = c_backend.critique([photo])[0]
    hint_plan = None
    if hint is not None:
        from .hints import parse_hint

        hint_plan = parse_hint(hint, photo, c.measurements, None if hint_only else c.plan)
    plan, _ = choose_plan(photo, c, c_backend, a_backend, strength=strength, hint_plan=hint_plan, refine=refine,
                          hint_only=hint_only)
    r = a_backend.render([photo], [plan])[0]
    return photo_to_array(r.photo), c, [a.to_dict() for a in r.applied]


# ---------------------------------------------------------------- files

def _with_progress(progress: bool | None, verb: str, on_outcome, on_plan):
    """Callbacks that drive a tqdm bar (``progress.for_api``) around the caller's own, when
    asked for (``progress=True``) or by default where someone watches: a notebook or a terminal."""
    import sys

    from .progress import for_api, in_notebook

    if progress is None:
        progress = in_notebook() or sys.stderr.isatty()
    if not progress:
        return on_outcome, on_plan, lambda: None
    state: dict = {"bar": None}

    def plan(jobs):
        state["bar"] = for_api(verb, len(jobs))
        if on_plan is not None:
            on_plan(jobs)

    def outcome(o):
        if state["bar"] is not None:
            if o.status == "failed":
                state["bar"].note(o.reason)
            state["bar"].advance()
        if on_outcome is not None:
            on_outcome(o)

    def close():
        if state["bar"] is not None:
            state["bar"].close()

    return outcome, plan, close


def _run(inputs, settings, on_outcome=None, on_plan=None, progress: bool | None = False, verb: str = "enhancing",
         on_series=None, report: bool = False):
    on_outcome, on_plan, close = _with_progress(progress, verb, on_outcome, on_plan)
    try:
        return _run_jobs(inputs, settings, on_outcome, on_plan, on_series, report)
    finally:
        close()


ENGINES = ("local", "ray")


def _check_engine(settings) -> None:
    from .errors import UsageError

    if settings.engine not in ENGINES:
        raise UsageError(f"--engine {settings.engine}: expected one of {', '.join(ENGINES)}")
    if settings.engine != "ray":
        asked = [flag for flag, on in (("--collect", settings.collect), ("--actors", settings.actors),
                                       ("--actor-cpus", settings.actor_cpus)) if on]
        if asked:
            raise UsageError(f"{', '.join(asked)} only apply with --engine ray")


def _engine(settings):
    """The engine a run uses: this process's threads, or a Ray cluster (ray imported only then)."""
    _check_engine(settings)
    if settings.engine == "ray":
        from .engine.distributed import RayEngine

        return RayEngine(settings)
    from .engine import Engine

    return Engine(settings)


def _run_jobs(inputs, settings, on_outcome=None, on_plan=None, on_series=None, report: bool = False):
    from .engine import EarlyReads, keep_freed_memory, plan_run
    from .engine.settings import proxy_edge_of

    paths = [Path(p) for p in inputs]
    jobs, not_read = plan_run(paths, settings)
    early = None
    if settings.engine == "local" and not settings.dry_run and jobs:
        keep_freed_memory()
        # as many as the engine holds before its first photo is written: those it reads ahead
        # (workers + 2) and those being rendered and written (workers)
        early = EarlyReads(jobs, settings, 2 * settings.workers + 2, proxy_edge_of(settings))
    try:
        return _run_engine(jobs, not_read, settings, early, on_outcome, on_plan, on_series, report)
    finally:
        if early is not None:
            early.close()


def _run_engine(jobs, not_read, settings, early, on_outcome, on_plan, on_series, report: bool):
    from .engine import output_lock

    engine = _engine(settings)
    early_reads = () if early is None else (early,)  # the Ray engine takes none
    lock_dir = settings.out_dir or (settings.out_file.parent if settings.out_file else None)
    if lock_dir is None or settings.dry_run:
        if on_plan is not None:
            on_plan(jobs)
        summary = engine.run(jobs, on_outcome, *early_reads)
    else:
        with output_lock(lock_dir):  # a refused run says so before any progress is shown
            if settings.out_dir is not None:  # temp files of a run that was killed
                from .io.atomic import remove_stale_temps

                remove_stale_temps(settings.out_dir)
            if settings.series != "off":
                from .engine.series import plan_series

                plan_series(jobs, settings, engine.critic, on_series)
            if on_plan is not None:
                on_plan(jobs)
            page = None
            if report and settings.out_dir is not None:
                from .report import Report

                page = Report(settings.out_dir, jobs, settings.key())
                engine.on_rendered = page.thumbnails
                page.thumbs_from_files = settings.engine == "ray"  # the pixels stay on the Ray workers
                on_outcome = page.watching(on_outcome)
            try:
                summary = engine.run(jobs, on_outcome, *early_reads)
            except BaseException:
                if page is not None:  # interrupted: the page says so and stops reloading
                    page.close()
                    page.finish(None, not_read)
                raise
            if page is not None:
                page.close()
                page.finish(summary, not_read)
    summary.add_not_read(not_read)
    return summary


def enhance(inputs, out, on_outcome=None, on_plan=None, progress: bool | None = None, series: str = "auto",
            report: bool = False, on_series=None, **options):
    """Critique and fix every photo under ``inputs``, mirrored under ``out``. Returns engine.Summary.

    ``progress``: a tqdm bar (a widget in a notebook); by default shown in a notebook or on a
    terminal. ``series``: "auto" (photos of one scene taken together are corrected together),
    "folder" (each folder is one series) or "off"; ``on_series(done, total)`` follows its first
    pass. ``report``: write ``index.html`` in ``out``, a before/after page kept up to date as the
    batch runs. ``options`` are ``engine.Settings`` fields (``strength``, ``format``, ...)."""
    from .engine import Settings

    return _run(inputs, Settings(out_dir=Path(out), series=series, **options), on_outcome, on_plan, progress,
                "enhancing", on_series, report)


def retouch(inputs, hint: str, out=None, on_outcome=None, on_plan=None, progress: bool | None = None, **options):
    """Apply the critic's fixes plus the user's hint. ``out``: a file, a folder, or None (beside input)."""
    from .engine import Settings
    from .io import SUPPORTED_EXTENSIONS

    options.setdefault("series", "off")  # a hint is applied to each photo as asked: no series matching
    if out is None:
        settings = Settings(beside=True, hint=hint, **options)
    else:
        o = Path(out)
        single = len(inputs) == 1 and Path(inputs[0]).is_file()
        if single and not o.is_dir() and o.suffix.lower() in SUPPORTED_EXTENSIONS:
            settings = Settings(out_file=o, hint=hint, **options)
        else:
            settings = Settings(out_dir=o, hint=hint, **options)
    return _run(inputs, settings, on_outcome, on_plan, progress, "retouching")


def critique(inputs, on_result, on_plan=None, **options):
    """Critique every photo; ``on_result(path, photo, critique_or_failed_outcome)`` per file (with
    ``engine="ray"`` the photo is None: its pixels stay on the worker that critiqued it);
    ``on_plan(paths)`` once with the photos found, before any is read."""
    from .engine import Settings, critique_files

    settings = Settings(**options)
    _check_engine(settings)
    if settings.engine == "ray":
        from .engine.distributed import critique_on_ray

        return critique_on_ray([Path(p) for p in inputs], settings, on_result, on_plan)
    return critique_files([Path(p) for p in inputs], settings, on_result, on_plan)


def explain(inputs, hint: str, on_result, hint_only: bool = False, **options):
    """How ``hint`` is understood for each photo, writing nothing: ``on_result(path, lines)``
    with one line per clause (clause -> op, direction, amount) and the plan that would be
    rendered, or ``on_result(path, failed Outcome)``. ``options``: ``engine.Settings`` fields
    (critic, device, workers, max_megapixels, ...). Returns the critique run's Summary."""
    from .engine import Settings, choose_plan, critique_files
    from .hints import explain_lines, parse_hint

    parse_hint(hint)  # an unknown hint is a usage error before any photo is read

    def each(path, photo, c):
        if photo is None:
            on_result(path, c)
            return
        hint_plan = parse_hint(hint, photo, c.measurements, None if hint_only else c.plan)
        plan, notes = choose_plan(photo, c, None, None, hint_plan=hint_plan, refine=False, hint_only=hint_only)
        lines = explain_lines(hint_plan)
        hinted = {id(e.params) for e in hint_plan.edits}
        for e in plan.ordered():
            who = "hint" if id(e.params) in hinted else ("protection" if e.reason.startswith("keep the") else "critic")
            if e.effective().is_neutral():  # the artist skips it: nothing to render
                lines.append(f"renders no {e.op} ({who}: {e.instruction or e.op}): it changes nothing on this photo")
                continue
            params = ", ".join(f"{k}={v:g}" for k, v in e.effective().to_dict().items())
            lines.append(f"renders {e.op} ({who}: {e.instruction or e.op}): {params}")
        lines += [f"note: {n}" for n in notes]
        on_result(path, lines)

    return critique_files([Path(p) for p in inputs], Settings(hint=hint, hint_only=hint_only, **options), each)
