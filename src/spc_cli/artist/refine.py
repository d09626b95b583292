"""Closed loop with the critic: check an edit plan on a proxy, back off if it does not help.

Before the full-resolution render, the plan is rendered on the photo's 512-pixel proxy and
the result critiqued again. A strength is accepted when the score rises and no new
deficiency appears (a finding whose attribute and direction the original did not have:
new highlight clipping, an overshoot from "under" to "over", a cast turned the other way).
Strengths are tried from strong to weak; the first acceptable one wins, and 0 (leave the
photo as it is) is the fallback. Every try is written to ``notes`` for the sidecar.
Pixel-scale ops (denoise, sharpen) are left out of the loop and kept as planned, and the
attributes they answer (noise, sharpness) are left out of the comparison. Where the proxy is
smaller than the photo, the proxy critiques take noise and sharpness from the photo's own
critique (``full``, through the critic's ``critique_proxy``): a resampled proxy does not keep
them.

A pure levels stretch (``contrast`` with no curve, ``amount == 0``) is not scaled either: the
critic sets its black and white points to the darkest and brightest levels in the photo, so
it clips nothing and cannot overshoot, and a weaker one leaves the photo washed out. The
proxy critique cannot judge it fairly (a photo that now reaches white may read as clipped
or bright where the flat one did not), so in every try its points are re-read on the proxy
after the edits that render before it (dehaze restores the blacks itself), it is rendered
unscaled, and the loop judges the other edits against the levelled photo. A dehazing try
whose only new finding is low contrast is judged again with a black point added that way.

``base`` edits (a series' shared white balance and exposure, ``engine.series``) are rendered
into the proxy before anything is tried and kept as they are: the loop judges the photo's own
edits on top of them, and never scales them (a frame that backed off would no longer match).
"""

from __future__ import annotations

from collections.abc import Sequence

from ..critic.base import Critic, Critique
from ..photo import Photo
from ..plan import Edit, EditPlan
from .base import Artist

STRENGTHS: tuple[float, ...] = (1.0, 0.7, 0.4, 0.0)
PROXY_EDGE = 512
# Ops that act at the pixel scale (their radii and noise sigma are full-resolution
# quantities): a downscaled proxy can neither show their effect nor render them
# faithfully, so they are neither rendered on the proxy nor scaled by the loop.
PIXEL_SCALE_OPS = frozenset({"denoise", "sharpen", "deblur"})
# what each of them answers: with one planned, the proxy cannot show that attribute's fix, so the
# loop leaves it out of the comparison (dehaze on a noisy proxy shows more noise, which the
# denoise, not rendered there, takes away)
PIXEL_SCALE_ATTRIBUTES = {"denoise": "noise", "sharpen": "sharpness", "deblur": "sharpness"}


def _issues(critique: Critique, skip: frozenset[str] = frozenset()) -> set[tuple[str, str]]:
    return {(f.attribute, f.direction) for f in critique.findings if f.attribute not in skip}


def _new(after: Critique, had: set[tuple[str, str]], skip: frozenset[str]) -> list[tuple[str, str]]:
    """Findings of ``after`` (attribute and direction) the photo did not have: each vetoes a try."""
    return sorted(_issues(after, skip) - had)


def _score(critique: Critique, skip: frozenset[str]) -> float:
    """The critique's score; with attributes to ``skip``, the score of its other (reported) findings."""
    if not skip:
        return critique.score
    from ..critic.advise import score_for

    return score_for([f for f in critique.findings if f.attribute not in skip])


def refine(photo: Photo, plan: EditPlan, critic: Critic, artist: Artist,
           strengths: Sequence[float] = STRENGTHS, before: Critique | None = None,
           long_edge: int = PROXY_EDGE, full: Critique | None = None,
           base: EditPlan | None = None) -> tuple[EditPlan, list[str]]:
    """The plan scaled by the first strength that improves the proxy, and what happened.

    ``before`` is the critique of the unedited photo (critiqued on the proxy when not
    given; pass the proxy-based critique the plan came from to save one critic call).
    ``full``: the critique of the photo at its own resolution. When the proxy is smaller
    than the photo and the critic can take them (``critique_proxy``), every proxy critique
    uses its pixel-scale measurements (noise, sharpness), which a resampled proxy does not
    keep.

    ``base``: edits rendered first and kept as they are (``before`` is then the critique of the
    photo with them, made here).

    Returns ``(plan.scaled(s), notes)`` with notes like
    ``"strength 1.0: score 62 -> 84, accepted"`` (``base``'s edits first).
    """
    kept = list(base.edits) if base else []
    if not plan:
        return EditPlan(kept + plan.edits), []
    fixed = [e for e in plan.edits if e.op in PIXEL_SCALE_OPS]
    levels = next((e for e in plan.edits if e.is_levels), None)
    judged = EditPlan([e for e in plan.edits if e.op not in PIXEL_SCALE_OPS and not e.is_levels])
    notes: list[str] = []
    if fixed:
        notes.append(", ".join(sorted({e.op for e in fixed})) + ": pixel-scale, kept as planned "
                     "(not judged on the proxy)")
    if levels is not None:
        notes.append("contrast: levels to the photo's own black and white points as the edits before "
                     "them leave it, not scaled")
    if not judged:
        return EditPlan(kept + plan.edits), notes
    skip = frozenset(PIXEL_SCALE_ATTRIBUTES[e.op] for e in fixed if e.op in PIXEL_SCALE_ATTRIBUTES)
    chosen, more = _loop(photo, judged, critic, artist, strengths, None if kept else before, long_edge, levels,
                         skip, full, EditPlan(kept))
    return EditPlan(kept + chosen.edits + fixed), notes + more


def _render(artist: Artist, small: Photo, plan: EditPlan) -> Photo:
    """``small`` rendered with ``plan`` on a copy: an artist allowed to work in place (the batch
    engine's) would otherwise leave each try's edits in the proxy the next try starts from."""
    return artist.render([small.with_pixels(small.pixels.clone())], [plan])[0].photo


def _levels_after(small: Photo, plan: EditPlan, artist: Artist, like: Edit | None) -> Edit:
    """A levels edit to the black and white points of ``small`` as the edits of ``plan`` that
    render before the contrast op leave it (dehaze, for one, restores the blacks itself)."""
    from ..critic.measure import levels_points
    from ..ops import RANK
    from ..ops.params import ContrastParams
    from ..plan import instruction_for

    pre = EditPlan([e for e in plan.edits if RANK.get(e.op, 0) < RANK["contrast"]])
    img = _render(artist, small, pre) if pre else small
    black, white = levels_points(img.pixels)
    params = ContrastParams(amount=0.0, black=round(min(max(black, 0.0), 0.3), 4),
                            white=round(min(max(white, 0.5), 1.0), 4))
    if like is not None:
        return Edit(like.op, params, like.reason, like.instruction, like.attribute, 1.0)
    # added after the fact: set the black point only; where white sits is the other edits' choice
    # (a darkened over-exposure is meant to leave white)
    params = ContrastParams(amount=0.0, black=params.black, white=1.0)
    return Edit("contrast", params, "the other edits leave no true black",
                instruction_for(0.5, "increase", "reduce", "contrast"), "contrast", 1.0)


def _proxy_critic(photo: Photo, critic: Critic, long_edge: int, full: Critique | None):
    """One proxy critique: with the photo's own pixel-scale measurements where the proxy is
    resampled and the critic can take them, else the critic's plain critique."""
    resampled = max(photo.width, photo.height) > long_edge
    by_proxy = getattr(critic, "critique_proxy", None)
    if resampled and full is not None and by_proxy is not None:
        return lambda p: by_proxy([p], full)[0]
    return lambda p: critic.critique([p])[0]


def _loop(photo: Photo, plan: EditPlan, critic: Critic, artist: Artist, strengths: Sequence[float],
          before: Critique | None, long_edge: int, levels: Edit | None = None,
          skip: frozenset[str] = frozenset(), full: Critique | None = None,
          shared: EditPlan | None = None) -> tuple[EditPlan, list[str]]:
    """``levels``: a planned levels edit, rendered unscaled in every try with its black and white
    points re-read after that try's other edits; the other edits are judged on top of it. A try
    whose only new finding is low contrast gets such a levels edit too and is judged again.
    ``shared``: edits already decided, rendered into the proxy before everything else."""
    small = Photo(pixels=photo.proxy(long_edge), meta=photo.meta)
    if shared:
        small = _render(artist, small, shared)
    critique = _proxy_critic(photo, critic, long_edge, full)
    if before is None:
        before = critique(small)
    had = _issues(before, skip)
    base: list[Edit] = []
    if levels is not None:  # judge the other edits against the levelled photo
        base = [_levels_after(small, EditPlan([]), artist, levels)]
        before = critique(_render(artist, small, EditPlan(base)))
        had |= _issues(before, skip)
    notes: list[str] = []
    for s in strengths:
        if s <= 0.0:
            notes.append("strength 0.0: no strength improved the photo; left untouched"
                         + (" but for the levels" if base else ""))
            return EditPlan(plan.scaled(0.0).edits + base), notes
        candidate = plan.scaled(s)
        # a try that dehazes and whose only new finding is low contrast gets a black point: what
        # the veil still lifts (dehaze keeps 5% of it and a transmission floor) once other edits
        # have moved white (darkening an over-exposed, hazy photo); a light-toned photo without
        # a veil has no black point to restore
        dehazes = any(e.op == "dehaze" for e in candidate.edits)
        tries = [levels] if levels is not None else ([None, "added"] if dehazes else [None])
        for lv in tries:
            extra = [] if lv is None else [_levels_after(small, candidate, artist, levels)]
            full_plan = EditPlan(candidate.edits + extra)
            after = critique(_render(artist, small, full_plan))
            new = _new(after, had, skip)
            if new != [("contrast", "low")]:
                break  # only a washed-out result is worth a second try with levels
        s0, s1 = _score(before, skip), _score(after, skip)
        head = f"strength {s:.1f}: score {s0:.0f} -> {s1:.0f}"
        if lv == "added":
            head += " with levels"
        if new:
            notes.append(f"{head}, rejected: new " + ", ".join(f"{a} ({d})" for a, d in new))
        elif s1 <= s0:
            notes.append(f"{head}, rejected: score did not rise")
        else:
            notes.append(f"{head}, accepted")
            return full_plan, notes
    notes.append("no strength was accepted; left untouched")
    return EditPlan(plan.scaled(0.0).edits + base), notes
