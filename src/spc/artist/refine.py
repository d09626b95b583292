"""Closed loop with the critic: check an edit plan on a proxy, back off if it does not help.

Before the full-resolution render, the plan is rendered on the photo's 512-pixel proxy and
the result critiqued again. A strength is accepted when the score rises and no new
deficiency appears (a finding whose attribute and direction the original did not have:
new highlight clipping, an overshoot from "under" to "over", a cast turned the other way).
Strengths are tried from strong to weak; the first acceptable one wins, and 0 (leave the
photo as it is) is the fallback. Every try is written to ``notes`` for the sidecar.
Pixel-scale ops (denoise, sharpen) are left out of the loop and kept as planned.

A pure levels stretch (``contrast`` with no curve, ``amount == 0``) is not scaled either: the
critic sets its black and white points to the darkest and brightest levels in the photo, so
it clips nothing and cannot overshoot, and a weaker one leaves the photo washed out. The
proxy critique cannot judge it fairly (a photo that now reaches white may read as clipped
or bright where the flat one did not), so it is rendered at its planned strength in every
try and the loop judges the other edits against the levelled photo.
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
PIXEL_SCALE_OPS = frozenset({"denoise", "sharpen"})


def is_levels(edit: Edit) -> bool:
    """A black/white point stretch with no tone curve (kept as planned by the loop)."""
    return edit.op == "contrast" and float(getattr(edit.params, "amount", 1.0)) == 0.0


def _issues(critique: Critique) -> set[tuple[str, str]]:
    return {(f.attribute, f.direction) for f in critique.findings}


def refine(photo: Photo, plan: EditPlan, critic: Critic, artist: Artist,
           strengths: Sequence[float] = STRENGTHS, before: Critique | None = None,
           long_edge: int = PROXY_EDGE) -> tuple[EditPlan, list[str]]:
    """The plan scaled by the first strength that improves the proxy, and what happened.

    ``before`` is the critique of the unedited photo (critiqued on the proxy when not
    given; pass the proxy-based critique the plan came from to save one critic call).

    Returns ``(plan.scaled(s), notes)`` with notes like
    ``"strength 1.0: score 62 -> 84, accepted"``.
    """
    if not plan:
        return plan, []
    fixed = [e for e in plan.edits if e.op in PIXEL_SCALE_OPS]
    levels = [e for e in plan.edits if is_levels(e)]
    judged = EditPlan([e for e in plan.edits if e.op not in PIXEL_SCALE_OPS and not is_levels(e)])
    notes: list[str] = []
    if fixed:
        notes.append(", ".join(sorted({e.op for e in fixed})) + ": pixel-scale, kept as planned "
                     "(not judged on the proxy)")
    if levels:
        notes.append("contrast: levels to the photo's own black and white points, kept as planned")
    if not judged:
        return plan, notes
    chosen, more = _loop(photo, judged, critic, artist, strengths, before, long_edge, levels)
    return EditPlan(chosen.edits + levels + fixed), notes + more


def _loop(photo: Photo, plan: EditPlan, critic: Critic, artist: Artist, strengths: Sequence[float],
          before: Critique | None, long_edge: int, base: list[Edit] | None = None) -> tuple[EditPlan, list[str]]:
    """``base``: edits rendered as planned in every try; the others are judged on top of them."""
    small = Photo(pixels=photo.proxy(long_edge), meta=photo.meta)
    if before is None:
        before = critic.critique([small])[0]
    had = _issues(before)
    if base:  # judge the other edits against the photo with the base edits applied
        small_base = artist.render([small], [EditPlan(list(base))])[0].photo
        before = critic.critique([small_base])[0]
        had |= _issues(before)
    notes: list[str] = []
    for s in strengths:
        if s <= 0.0:
            notes.append("strength 0.0: no strength improved the photo; left untouched")
            return plan.scaled(0.0), notes
        candidate = plan.scaled(s)
        rendered = artist.render([small], [EditPlan(candidate.edits + list(base or []))])[0].photo
        after = critic.critique([rendered])[0]
        new = sorted(_issues(after) - had)
        head = f"strength {s:.1f}: score {before.score:.0f} -> {after.score:.0f}"
        if new:
            notes.append(f"{head}, rejected: new " + ", ".join(f"{a} ({d})" for a, d in new))
        elif after.score <= before.score:
            notes.append(f"{head}, rejected: score did not rise")
        else:
            notes.append(f"{head}, accepted")
            return candidate, notes
    notes.append("no strength was accepted; left untouched")
    return plan.scaled(0.0), notes
