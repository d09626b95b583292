"""Closed loop with the critic: check an edit plan on a proxy, back off if it does not help.

Before the full-resolution render, the plan is rendered on the photo's 512-pixel proxy and
the result critiqued again. A strength is accepted when the score rises and no new
deficiency appears (a finding whose attribute and direction the original did not have:
new highlight clipping, an overshoot from "under" to "over", a cast turned the other way).
Strengths are tried from strong to weak; the first acceptable one wins, and 0 (leave the
photo as it is) is the fallback. Every try is written to ``notes`` for the sidecar.
Pixel-scale ops (denoise, sharpen) are left out of the loop and kept as planned, and the
attributes they answer (noise, sharpness) are left out of the comparison.

A pure levels stretch (``contrast`` with no curve, ``amount == 0``) is not scaled either: the
critic sets its black and white points to the darkest and brightest levels in the photo, so
it clips nothing and cannot overshoot, and a weaker one leaves the photo washed out. The
proxy critique cannot judge it fairly (a photo that now reaches white may read as clipped
or bright where the flat one did not), so in every try its points are re-read on the proxy
after the edits that render before it (dehaze restores the blacks itself), it is rendered
unscaled, and the loop judges the other edits against the levelled photo. A dehazing try
whose only new finding is low contrast is judged again with a black point added that way.

A brightening try (exposure up, shadows lifted) whose only new finding is noise is not
rejected for it: the noise was there all along, hidden in the dark. Its proxy cannot say how
strong that noise is at full resolution (a 512-px proxy reads far less noise than the photo,
and resampled film grain can take on a camera's fingerprint there), so the loop predicts the
full-resolution reading: the original photo's full-resolution noise levels, each scaled by
how much the try amplified it on the proxy (after / before), judged by the critic's noise
rule. Only when that prediction is a noise finding is a denoise added, planned from it, with
its sigma at the scale of the input it renders on (denoise runs before the push). Otherwise
the push is accepted as it is. Either way the score is compared with noise left aside, and
the note says what happened.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..critic.base import Critic, Critique
from ..critic.judge import PRESENT
from ..photo import Photo
from ..plan import Edit, EditPlan
from .base import Artist

STRENGTHS: tuple[float, ...] = (1.0, 0.7, 0.4, 0.0)
PROXY_EDGE = 512
# Ops that act at the pixel scale (their radii and noise sigma are full-resolution
# quantities): a downscaled proxy can neither show their effect nor render them
# faithfully, so they are neither rendered on the proxy nor scaled by the loop.
PIXEL_SCALE_OPS = frozenset({"denoise", "sharpen"})
# noise levels a tone change scales (sRGB-encoded units); the spectral readings (fine-to-half-res
# ratios, shares, isotropy) are left as the full-resolution photo reads them
NOISE_LEVELS = ("luma_sigma", "chroma_sigma", "luma_sigma_min", "grain", "floor")
RATIO_FLOOR = 0.1 / 255  # a proxy level under this gives no ratio of its own (the luma ratio stands in)
RATIO_RANGE = (0.25, 8.0)  # a 3-stop push amplifies the darkest encoded levels at most 8x
# what each of them answers: with one planned, the proxy cannot show that attribute's fix, so the
# loop leaves it out of the comparison (dehaze on a noisy proxy shows more noise, which the
# denoise, not rendered there, takes away)
PIXEL_SCALE_ATTRIBUTES = {"denoise": "noise", "sharpen": "sharpness"}


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
           long_edge: int = PROXY_EDGE, original: Critique | None = None) -> tuple[EditPlan, list[str]]:
    """The plan scaled by the first strength that improves the proxy, and what happened.

    ``before`` is the critique of the unedited photo (critiqued on the proxy when not
    given; pass the proxy-based critique the plan came from to save one critic call).
    ``original``: the full-resolution critique of the photo, whose noise measurements a
    brightening that reveals noise is judged from (measured here when it has none).

    Returns ``(plan.scaled(s), notes)`` with notes like
    ``"strength 1.0: score 62 -> 84, accepted"``.
    """
    if not plan:
        return plan, []
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
        return plan, notes
    skip = frozenset(PIXEL_SCALE_ATTRIBUTES[e.op] for e in fixed if e.op in PIXEL_SCALE_ATTRIBUTES)
    chosen, more = _loop(photo, judged, critic, artist, strengths, before, long_edge, levels, skip, original)
    return EditPlan(chosen.edits + fixed), notes + more


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


def _brightens(plan: EditPlan) -> bool:
    """The plan raises the exposure or lifts the shadows (what brings hidden noise into view)."""
    return any((e.op == "exposure" and getattr(e.params, "ev", 0.0) > 0)
               or (e.op == "tone" and getattr(e.params, "shadows", 0.0) > 0) for e in plan.edits if e.strength > 0)


def _noise_readings(critique: Critique | None, pixels) -> dict[str, float]:
    """The ``noise.*`` measurements of ``critique``, or, where it has none (another critic, or none
    given), those of ``pixels`` measured the analytic critic's way (six 192-px tiles, full resolution)."""
    m = {} if critique is None else critique.measurements
    if "noise.luma_sigma" in m:
        return {k: v for k, v in m.items() if k.startswith("noise.") or k == "saturation.grey_share"}
    from ..colour import area_downscale
    from ..critic import measure as M

    tiles = M.encode_tiles(M.pick_tiles(pixels, area_downscale(pixels, 256), 192, 6))
    return {f"noise.{k}": v for k, v in M.measure_noise(tiles).items()}


def _revealed_noise(full: dict[str, float], before: dict[str, float], after: dict[str, float],
                    meta, present: float) -> tuple[Edit | None, str]:
    """What a brightening's new noise amounts to at full resolution: a denoise, or none.

    ``full``: the original photo's full-resolution noise readings; ``before``/``after``: the
    proxy's, unedited and as the try renders it. Each full-resolution level is scaled by the
    try's amplification of it on the proxy and the result judged by the critic's noise rule.
    """
    from ..critic.advise import _edit_for
    from ..critic.judge import camera_noise, noise_findings

    def ratio(k: str, fallback: float) -> float:
        b, a = before.get(f"noise.{k}", 0.0), after.get(f"noise.{k}", 0.0)
        r = a / b if b >= RATIO_FLOOR else fallback
        return min(max(r, RATIO_RANGE[0]), RATIO_RANGE[1])

    gain = ratio("luma_sigma", 1.0)
    pred = dict(full)
    for k in NOISE_LEVELS:
        pred[f"noise.{k}"] = full.get(f"noise.{k}", 0.0) * ratio(k, gain)
    found = [f for f in noise_findings(pred, meta) if f.severity >= present]
    sl, sc, cam = pred["noise.luma_sigma"], pred["noise.chroma_sigma"], camera_noise(pred)[1]
    reading = (f"{sl * 255:.1f}/255 in luminance, {sc * 255:.1f}/255 in colour, {cam * 255:.2f}/255 "
               f"camera-processed (the proxy shows it amplified {gain:.2f}x)")
    if not found:
        return None, (f"brightening revealed noise on the proxy only: at full resolution it would read "
                      f"{reading}, under the noise threshold: no denoise")
    edit = _edit_for(found[0], pred, True)
    if edit is None or edit.op != "denoise":
        return None, f"brightening revealed noise ({reading}) but no denoise was planned for it"
    # the denoise renders before the push, on the input: its sigma is the input's noise level
    if found[0].measured.get("camera_route", 0.0) > 0:
        lvl_in, lvl_out = camera_noise(full)[1], cam
    else:
        lvl_in, lvl_out = full.get("noise.luma_sigma", 0.0), sl
    sigma = round(edit.params.sigma * (lvl_in / lvl_out if lvl_out > 0 else 1.0), 4)
    from dataclasses import replace

    edit = Edit(edit.op, replace(edit.params, sigma=sigma), "brightening reveals noise: " + edit.reason,
                edit.instruction, edit.attribute, edit.strength)
    return edit, (f"brightening revealed noise: denoise added (sigma {sigma * 255:.1f}/255 on the input, "
                  f"which the push amplifies to {reading})")


def _loop(photo: Photo, plan: EditPlan, critic: Critic, artist: Artist, strengths: Sequence[float],
          before: Critique | None, long_edge: int, levels: Edit | None = None,
          skip: frozenset[str] = frozenset(), original: Critique | None = None) -> tuple[EditPlan, list[str]]:
    """``levels``: a planned levels edit, rendered unscaled in every try with its black and white
    points re-read after that try's other edits; the other edits are judged on top of it. A try
    whose only new finding is low contrast gets such a levels edit too and is judged again."""
    small = Photo(pixels=photo.proxy(long_edge), meta=photo.meta)
    if before is None:
        before = critic.critique([small])[0]
    had = _issues(before, skip)
    base: list[Edit] = []
    start = small  # the photo the tries are judged against
    if levels is not None:  # judge the other edits against the levelled photo
        base = [_levels_after(small, EditPlan([]), artist, levels)]
        start = _render(artist, small, EditPlan(base))
        before = critic.critique([start])[0]
        had |= _issues(before, skip)
    notes: list[str] = []
    full_noise: dict[str, float] | None = None
    before_noise: dict[str, float] = {}
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
            full = EditPlan(candidate.edits + extra)
            shown = _render(artist, small, full)
            after = critic.critique([shown])[0]
            new = _new(after, had, skip)
            if new != [("contrast", "low")]:
                break  # only a washed-out result is worth a second try with levels
        # a brightening try whose only new finding is noise: the noise was there all along, hidden
        # in the dark; judge what it is at full resolution instead of on the proxy
        revealed = new == [("noise", "present")] and _brightens(candidate)
        tail, added = "", None
        if revealed:
            if full_noise is None:
                full_noise = _noise_readings(original, photo.pixels)
                before_noise = _noise_readings(before, start.pixels)
            added, tail = _revealed_noise(full_noise, before_noise, _noise_readings(after, shown.pixels),
                                          photo.meta, getattr(critic, "present", PRESENT))
            tail = "; " + tail
            new = []
        judge_skip = skip | {"noise"} if revealed else skip
        s0, s1 = _score(before, judge_skip), _score(after, judge_skip)
        head = f"strength {s:.1f}: score {s0:.0f} -> {s1:.0f}" + (" with noise left aside" if revealed else "")
        if lv == "added":
            head += " with levels"
        if new:
            notes.append(f"{head}, rejected: new " + ", ".join(f"{a} ({d})" for a, d in new))
        elif s1 <= s0:
            notes.append(f"{head}, rejected: score did not rise")
        else:
            notes.append(f"{head}, accepted{tail}")
            return (EditPlan(full.edits + [added]) if added is not None else full), notes
    notes.append("no strength was accepted; left untouched")
    return EditPlan(plan.scaled(0.0).edits + base), notes
