"""Protections: "keep the highlights" / "keep the shadows" limit every other edit of the plan.

Measured on the photo's proxy with the whole plan (the critic's edits and the hint's). The
highlights are kept when no more than CLIP_SLACK of the pixels newly clip and the input's
brightest PART of pixels neither rise above WHITE_L (L*) nor, if they were there already,
by more than TOLERANCE: a dark photo's highlights may still brighten, they may not be pushed
into white. The shadows likewise: no more than CLIP_SLACK newly crushed to black, and the
darkest PART not sunk below BLACK_L nor, if already there, by more than TOLERANCE.
A photographer's way first: the tone op pulls the highlights back (lifts the shadows) as
far as it can while the rest of the plan keeps its strength; only what that cannot hold
eases every other edit back together.
"""

from __future__ import annotations

import torch

from ..ops.params import ToneParams
from ..plan import Edit, EditPlan
from .solve import proxy_of, render
from .visible import rgb_to_lab

PART = 0.05
TOLERANCE = 1.0  # L*
WHITE_L = 92.0  # L* the brightest part may rise to (paper white with detail left in it)
BLACK_L = 8.0  # L* the darkest part may sink to
CLIP_SLACK = 0.002
CLIPPED = 0.995  # linear level counted as clipped (any channel)
BLACK = 0.002  # linear luminance counted as crushed
STEPS = 12


def _state(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    lum = rgb_to_lab(x.clamp(0, 1))[0, 0]
    clipped = x[0].amax(dim=0) >= CLIPPED
    y = 0.2126 * x[0, 0] + 0.7152 * x[0, 1] + 0.0722 * x[0, 2]
    return lum, clipped, y <= BLACK


def _violation(x0: torch.Tensor, y: torch.Tensor, what: str, regions: dict) -> float:
    """How far the rendered proxy ``y`` breaks the protection (<= 0: kept)."""
    lum0, clip0, black0 = regions["state"]
    lum, clip, black = _state(y)
    if what == "highlights":
        r = regions["hi"]
        before, after = float(lum0[r].mean()), float(lum[r].mean())
        rise = after - max(before, WHITE_L)
        newly = float((clip & ~clip0).float().mean())
        return max(rise - TOLERANCE * (before >= WHITE_L), (newly - CLIP_SLACK) * 100)
    r = regions["lo"]
    before, after = float(lum0[r].mean()), float(lum[r].mean())
    fall = min(before, BLACK_L) - after
    newly = float((black & ~black0).float().mean())
    return max(fall - TOLERANCE * (before <= BLACK_L), (newly - CLIP_SLACK) * 100)


def protect_plan(plan: EditPlan, protect: tuple[str, ...], photo) -> tuple[EditPlan, list[str]]:
    """The plan with every protection kept, and notes saying what it took."""
    x0 = proxy_of(photo)
    lum0 = _state(x0)[0]
    flat = lum0.flatten()
    regions = {"state": _state(x0), "hi": lum0 >= torch.quantile(flat, 1 - PART),
               "lo": lum0 <= torch.quantile(flat, PART)}
    notes: list[str] = []
    edits = list(plan.edits)
    for what in protect:
        if _violation(x0, render(x0, edits), what, regions) <= 0:
            notes.append(f"keep the {what}: the plan keeps them as they are")
            continue
        edits, note = _compensate(x0, edits, what, regions)
        if _violation(x0, render(x0, edits), what, regions) > 0:
            edits, eased = _ease(x0, edits, what, regions)
            note += f"; every other edit eased to {eased:.2f} of its strength"
        notes.append(f"keep the {what}: {note}")
    return EditPlan(edits), notes


def _with_tone(edits: list[Edit], what: str, v: float) -> list[Edit]:
    out, found = [], False
    for e in edits:
        if e.op == "tone":
            p = e.params.to_dict()
            p[what] = v
            out.append(Edit("tone", type(e.params).from_dict(p), e.reason, e.instruction, e.attribute, e.strength))
            found = True
        else:
            out.append(e)
    if not found:
        # what the protection does, not a request to change them: they are held where they were
        verb = f"hold the {what} where they were"
        out.append(Edit("tone", ToneParams(**{what: v}), reason=f"keep the {what}", instruction=verb,
                        attribute=what))
    return out


def _compensate(x0, edits, what, regions) -> tuple[list[Edit], str]:
    """Pull the highlights back (lift the shadows) with the tone op, no further than needed."""
    tone = next((e for e in edits if e.op == "tone"), None)
    start = float(getattr(tone.effective(), what)) if tone is not None else 0.0
    end = -1.0 if what == "highlights" else 1.0
    if (end - start) * (1 if what == "shadows" else -1) <= 0:
        return edits, "the tone op is already at its limit"
    lo, hi = 0.0, 1.0  # share of the way from start to end
    if _violation(x0, render(x0, _with_tone(edits, what, end)), what, regions) > 0:
        return _with_tone(edits, what, end), f"the {what} pulled back as far as the tone op goes"
    for _ in range(STEPS):
        mid = 0.5 * (lo + hi)
        v = start + mid * (end - start)
        if _violation(x0, render(x0, _with_tone(edits, what, v)), what, regions) > 0:
            lo = mid
        else:
            hi = mid
    v = round(start + hi * (end - start), 4)
    return _with_tone(edits, what, v), f"tone {what} set to {v:+.2f} to hold them"


def _ease(x0, edits, what, regions) -> tuple[list[Edit], float]:
    """Scale every edit but the protecting tone edit by the largest strength that keeps them."""
    def scaled(s: float) -> list[Edit]:
        return [e if e.op == "tone" else Edit(e.op, e.params, e.reason, e.instruction, e.attribute, e.strength * s)
                for e in edits]

    lo, hi = 0.0, 1.0
    for _ in range(STEPS):
        mid = 0.5 * (lo + hi)
        if _violation(x0, render(x0, scaled(mid)), what, regions) > 0:
            hi = mid
        else:
            lo = mid
    return scaled(lo), lo
