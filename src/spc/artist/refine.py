"""Closed loop with the critic: check an edit plan on a proxy, back off if it does not help.

Before the full-resolution render, the plan is rendered on the photo's 512-pixel proxy and
the result critiqued again. A strength is accepted when the score rises and no new
deficiency appears (a finding whose attribute and direction the original did not have:
new highlight clipping, an overshoot from "under" to "over", a cast turned the other way).
Strengths are tried from strong to weak; the first acceptable one wins, and 0 (leave the
photo as it is) is the fallback. Every try is written to ``notes`` for the sidecar.
Pixel-scale ops (denoise, sharpen) are left out of the loop and kept as planned.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..critic.base import Critic, Critique
from ..photo import Photo
from ..plan import EditPlan
from .base import Artist

STRENGTHS: tuple[float, ...] = (1.0, 0.7, 0.4, 0.0)
PROXY_EDGE = 512
# Ops that act at the pixel scale (their radii and noise sigma are full-resolution
# quantities): a downscaled proxy can neither show their effect nor render them
# faithfully, so they are neither rendered on the proxy nor scaled by the loop.
PIXEL_SCALE_OPS = frozenset({"denoise", "sharpen"})


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
    judged = EditPlan([e for e in plan.edits if e.op not in PIXEL_SCALE_OPS])
    notes: list[str] = []
    if fixed:
        notes.append(", ".join(sorted({e.op for e in fixed})) + ": pixel-scale, kept as planned "
                     "(not judged on the proxy)")
    if not judged:
        return plan, notes
    chosen, more = _loop(photo, judged, critic, artist, strengths, before, long_edge)
    return EditPlan(chosen.edits + fixed), notes + more


def _loop(photo: Photo, plan: EditPlan, critic: Critic, artist: Artist, strengths: Sequence[float],
          before: Critique | None, long_edge: int) -> tuple[EditPlan, list[str]]:
    small = Photo(pixels=photo.proxy(long_edge), meta=photo.meta)
    if before is None:
        before = critic.critique([small])[0]
    had = _issues(before)
    notes: list[str] = []
    for s in strengths:
        if s <= 0.0:
            notes.append("strength 0.0: no strength improved the photo; left untouched")
            return plan.scaled(0.0), notes
        candidate = plan.scaled(s)
        rendered = artist.render([small], [candidate])[0].photo
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
