"""Closed loop with the critic: check an edit plan on a proxy, back off if it does not help.

Before the full-resolution render, the plan is rendered on the photo's 512-pixel proxy and
the result critiqued again by the same critic. A strength is accepted when the score rises and
no new deficiency vetoes it; where a finding the plan answers is pinned, so that the score
cannot move (at full severity: a photo five stops under after +3 EV; or held at its reading's
ceiling: a dark frame with lamps reads as under-exposed at most at 0.6), when the correction that
finding asks for falls or the frame's brightness moves toward it instead (``saturated_progress``).
A new finding (an attribute and direction the original did not have) vetoes when it is an
overshoot of what the plan fixes ("under" turned "over", a cast turned the other way) or at
least as severe as the worst finding the plan answers; a milder one that the correction reveals
(a darkened over-exposure that now reads a little flat, a brightened dark photo that shows its
noise) is noted and left out of the score: a fix is never refused for it. Nor for a new
white-balance finding toward which the edits move no grey (``casts_toward``: edits that keep greys
grey, ``GREY_KEEPING``, and a white balance pushing the other way or along the other axis):
they cannot have cast it, so what the critic reads is the light the photo had, which its
estimate did not see as the photo was (dark or clipped pixels left out). A brightening may not
push highlights that were below white into clipping beyond ``CLIP_SHARE`` of the frame; when it
would, the same plan with its exposure capped where the highlights stay below white is tried
before weaker strengths.
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

import math
from collections.abc import Sequence

from ..critic.base import Critic, Critique
from ..critic.thresholds import PRESENT
from ..photo import Photo
from ..plan import Edit, EditPlan, instruction_for
from ..pooling import PROXY_EDGE  # the critic's proxy: the loop judges on the one it measured, cached once
from ..tries import Try
from .base import Artist

STRENGTHS: tuple[float, ...] = (1.0, 0.7, 0.4, 0.0)
WHITE = 0.98  # linear level counted as white (clipped), as the critic measures it
CLIP_SHARE = 0.01  # share of the frame a brightening may newly push to white (specular glints, lamps)
OPPOSITE = {"under": "over", "over": "under", "warm": "cool", "cool": "warm", "green": "magenta",
            "magenta": "green", "low": "high", "high": "low"}
# Ops that act at the pixel scale (their radii and noise sigma are full-resolution
# quantities): a downscaled proxy can neither show their effect nor render them
# faithfully, so they are neither rendered on the proxy nor scaled by the loop.
PIXEL_SCALE_OPS = frozenset({"denoise", "sharpen", "deblur"})
# what each of them answers: with one planned, the proxy cannot show that attribute's fix, so the
# loop leaves it out of the comparison (dehaze on a noisy proxy shows more noise, which the
# denoise, not rendered there, takes away)
PIXEL_SCALE_ATTRIBUTES = {"denoise": "noise", "sharpen": "sharpness", "deblur": "sharpness"}
# Ops that map a grey to a grey: one gain or one curve on R, G and B alike, or detail and noise
# filters. A plan of these cannot cast a colour, so a white-balance finding that appears after one
# is the light the photo already had (its estimate moves with brightness where dark or clipped
# pixels leave it: a brightened night photo), never a veto. Saturation keeps greys too but
# enlarges a lean that is there, so it is not one of them.
GREY_KEEPING = frozenset({"exposure", "tone", "contrast", "fade", "clarity", "sharpen", "denoise", "deblur"})


def _issues(critique: Critique, skip: frozenset[str] = frozenset()) -> set[tuple[str, str]]:
    return {(f.attribute, f.direction) for f in critique.findings if f.attribute not in skip}


def _new(after: Critique, had: set[tuple[str, str]], skip: frozenset[str]) -> list[tuple[str, str]]:
    """Findings of ``after`` (attribute and direction) the photo did not have."""
    return sorted(_issues(after, skip) - had)


CAST_PUSH = 0.005  # log units toward a cast's direction under which a plan does not push greys that way


def casts_toward(plan: EditPlan, direction: str) -> float:
    """How far ``plan`` moves a grey toward a cast's ``direction`` (warm, cool, green, magenta), in
    log units of R/B or G/sqrt(RB): 0 for edits that keep greys grey, a white balance's gains along
    that axis (negative where they push the other way), and infinity for any other edit (a
    saturation change, a dehaze's airlight, a local white balance)."""
    push = 0.0
    for e in plan.edits:
        if e.op in GREY_KEEPING:
            continue
        if e.op != "white_balance" or direction not in ("warm", "cool", "green", "magenta"):
            return math.inf
        p = e.effective()
        warm = math.log(max(p.red, 1e-6) / max(p.blue, 1e-6))
        tint = math.log(max(p.green, 1e-6) / math.sqrt(max(p.red * p.blue, 1e-12)))
        push += {"warm": warm, "cool": -warm, "green": tint, "magenta": -tint}[direction]
    return push


def _worst_answered(before: Critique, fixes: set[str]) -> float:
    """The severity of the worst finding of ``before`` that the plan answers (0 where it answers none):
    what a new or growing finding is weighed against."""
    return max((f.severity for f in before.findings if f.attribute in fixes), default=0.0)


def _split_new(after: Critique, new: list[tuple[str, str]], before: Critique, fixes: set[str],
               plan: EditPlan | None = None) -> tuple[list[tuple[str, str]], list[tuple[str, str]],
                                                       list[tuple[str, str]]]:
    """(vetoing, tolerated, light) new findings. An overshoot of an attribute the plan fixes vetoes,
    and so does a new finding at least as severe as the worst finding the plan answers (with none
    answered, every new finding vetoes); a milder one the correction reveals is tolerated. A new
    white-balance finding toward which ``plan`` moves no grey (``casts_toward``: every edit keeps
    greys grey, or its white balance pushes the other way or along the other axis) is the photo's
    own light, which the edits made readable and cannot have cast, however severe: ``light``,
    tolerated too. A new low contrast is weighed by the thresholds' own reading (``rule_severity``:
    neither a black nor a white left), not by the flat model's certainty."""
    worst = _worst_answered(before, fixes)
    sev = {(f.attribute, f.direction): f.severity for f in after.findings}
    if ("contrast", "low") in sev:
        sev[("contrast", "low")] = _washed_out(after)
    had = {(f.attribute, f.direction) for f in before.findings}
    veto, tolerated, light = [], [], []
    for a, d in new:
        overshoot = (a, OPPOSITE.get(d, "")) in had and a in fixes
        if overshoot:
            veto.append((a, d))
        elif a == "white_balance" and plan is not None and casts_toward(plan, d) <= CAST_PUSH:
            light.append((a, d))
        else:
            (veto if sev[(a, d)] >= worst else tolerated).append((a, d))
    return veto, tolerated, light


def _washed_out(critique: Critique) -> float:
    """The severity of a low-contrast finding by the thresholds' own reading (``rule_severity``: neither
    a black nor a white left), not by the flat model's certainty that a photo is a faded rendering; 0
    without one. What an edit left is weighed by it: a darkened over-exposure has lowered its white and
    a dehazed frame keeps a trace of its veil, which the model was not shown."""
    return next((f.measured.get("rule_severity", f.severity) for f in critique.findings
                 if (f.attribute, f.direction) == ("contrast", "low")), 0.0)


def _score(critique: Critique, skip: frozenset[str], drop: frozenset[tuple[str, str]] = frozenset(),
           reported: bool = False) -> float:
    """The critique's score; with attributes to ``skip`` or findings to ``drop`` (or ``reported``, to
    compare with such a score), the score of its other reported findings."""
    if not skip and not drop and not reported:
        return critique.score
    from ..critic.advise import score_for

    return score_for([f for f in critique.findings if f.attribute not in skip and (f.attribute, f.direction) not in drop])


SATURATED = 0.999  # a finding at this severity or more cannot show progress in the score
PINNED = 0.005  # ... nor can one whose severity moves less than this (held at its reading's ceiling)
PROGRESS_EV = 0.1  # how far a try must move such a finding toward its fix, in stops


def saturated_progress(before: Critique, after: Critique, fixes: set[str]) -> str | None:
    """Why a try whose score did not rise still helps, or None: a finding the plan answers is
    pinned, so that the score cannot move: at full severity before and after it (a photo 5.8
    stops under is still under after +3 EV), or at the same severity (held at the ceiling its
    reading allows: a dark frame with lamps in it reads as under-exposed at most at 0.6, since it
    may be a night scene), and the try moved it toward its fix by PROGRESS_EV: the correction it
    asks for fell, or (an exposure finding) the frame's average brightness (``key_ev``) moved the
    way it asks. A finding that states neither cannot say so."""
    out = []
    now = {(f.attribute, f.direction): f for f in after.findings}
    for f in before.findings:
        g = now.get((f.attribute, f.direction))
        if f.attribute not in fixes or g is None:
            continue
        full = f.severity >= SATURATED and g.severity >= SATURATED
        if not full and abs(f.severity - g.severity) > PINNED:
            continue
        held = "at full severity" if full else f"held at severity {f.severity:.2f}"
        a, b = f.measured.get("correction_ev"), g.measured.get("correction_ev")
        if a is not None and b is not None and abs(b) <= abs(a) - PROGRESS_EV:
            out.append(f"{f.attribute} ({f.direction}) {held}, asking {a:+.1f} -> {b:+.1f} EV")
            continue
        ka, kb = f.measured.get("key_ev"), g.measured.get("key_ev")
        way = {"under": 1.0, "over": -1.0}.get(f.direction, 0.0) if f.attribute == "exposure" else 0.0
        if way and ka is not None and kb is not None and way * (kb - ka) >= PROGRESS_EV:
            out.append(f"{f.attribute} ({f.direction}) {held}, average brightness {ka:+.1f} -> {kb:+.1f} stops")
            continue
        return None
    return "; ".join(out) or None


def _worse_elsewhere(before: Critique, after: Critique, fixes: set[str]) -> bool:
    """Whether a reported finding the plan does not answer grew as severe as the worst one it
    answers (a try whose score fell is then not taken for progress: what fell was not milder)."""
    worst = _worst_answered(before, fixes)
    was = {(f.attribute, f.direction): f.severity for f in before.findings}
    return any(g.attribute not in fixes and g.severity > was.get((g.attribute, g.direction), 0.0)
               and g.severity >= worst for g in after.findings)


def newly_clipped(before: Photo, after: Photo) -> float:
    """Share of the frame below white in ``before`` that reaches white in ``after`` (same size)."""
    was = before.pixels.amax(dim=0) < WHITE
    now = after.pixels.amax(dim=0) >= WHITE
    return float((was & now).float().mean())


def exposure_cap(small: Photo, share: float = CLIP_SHARE) -> float:
    """The largest brightening (stops) that pushes at most ``share`` of the frame from below white to
    white: the top of what is below white, read where ``share`` of the frame lies above it."""
    m = small.pixels.amax(dim=0).flatten()
    below = m[m < WHITE]
    n = below.numel()
    if n == 0:
        return 0.0
    k = int(round(share * m.numel()))
    if k >= n:
        return 4.0
    top = float(below.kthvalue(n - k).values)
    return max(0.0, min(4.0, math.log2(WHITE / max(top, 1e-6))))


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
    fixed, dropped = _without_unrevealed(fixed, chosen)
    if dropped:
        more.append("denoise for the brightening: dropped with the brightening")
    return EditPlan(kept + chosen.edits + fixed), notes + more


def _without_unrevealed(fixed: list[Edit], chosen: EditPlan) -> tuple[list[Edit], bool]:
    """``fixed`` without the denoise planned for the noise a brightening reveals
    (``advise.REVEALED_NOISE``) where the loop kept no brightening: nothing is revealed, and the
    shadows keep their detail."""
    from ..critic.advise import REVEALED_NOISE

    brightened = any(e.op == "exposure" and e.params.ev > 0 and e.strength > 0 for e in chosen.edits)
    if brightened:
        return fixed, False
    kept = [e for e in fixed if not (e.op == "denoise" and e.instruction == REVEALED_NOISE)]
    return kept, len(kept) < len(fixed)


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
    fixes = {a for e in plan.edits for a in e.attribute.split("+") if a}
    notes: list[str] = []

    def attempt(candidate: EditPlan, label: str) -> tuple[EditPlan | None, float]:
        """Render and judge one try; (the plan when accepted, else None; newly clipped share)."""
        # a try that dehazes and whose only new finding is low contrast (washed out by the thresholds'
        # reading, ``_washed_out``) gets a black point: what the veil still lifts (dehaze keeps 5% of
        # it and a transmission floor) once other edits have moved white (darkening an over-exposed,
        # hazy photo); a light-toned photo without a veil has no black point to restore
        dehazes = any(e.op == "dehaze" for e in candidate.edits)
        tries = [levels] if levels is not None else ([None, "added"] if dehazes else [None])
        for lv in tries:
            extra = [] if lv is None else [_levels_after(small, candidate, artist, levels)]
            full_plan = EditPlan(candidate.edits + extra)
            rendered = _render(artist, small, full_plan)
            after = critique(rendered)
            new = _new(after, had, skip)
            if new != [("contrast", "low")] or _washed_out(after) < PRESENT:
                break  # only a washed-out result is worth a second try with levels
        veto, tolerated, light = _split_new(after, new, before, fixes, full_plan)
        drop = frozenset(tolerated + light)
        s0, s1 = _score(before, skip, reported=bool(drop)), _score(after, skip, drop)
        clipped = _clipped_by_brightening(artist, small, full_plan)
        why, progress = [], None
        if veto:
            why.append("new " + ", ".join(f"{a} ({d})" for a, d in veto))
        if clipped > CLIP_SHARE:
            why.append(f"{100 * clipped:.0f}% of the frame pushed from below white to white")
        if not why and s1 <= s0:
            # a pinned finding's progress stands even where the score fell a little through milder
            # findings, reported or not (a brightened dark frame's grain)
            progress = saturated_progress(before, after, fixes)
            if progress is not None and s1 < s0 and _worse_elsewhere(before, after, fixes):
                progress = None
            if progress is None:
                why.append("score did not rise")
        notes.append(Try(label, s0, s1, not why, levels=lv == "added", progress=progress or "", why=tuple(why),
                         milder=tuple(tolerated), light=tuple(light)).note())
        return (None if why else full_plan), clipped

    for s in strengths:
        if s <= 0.0:
            notes.append("strength 0.0: no strength improved the photo; left untouched"
                         + (" but for the levels" if base else ""))
            return EditPlan(plan.scaled(0.0).edits + base), notes
        candidate = plan.scaled(s)
        chosen, clipped = attempt(candidate, f"strength {s:.1f}")
        if chosen is not None:
            return chosen, notes
        if clipped > CLIP_SHARE:  # the brightening burns highlights: the same plan, brightened less
            capped = _capped(candidate, exposure_cap(_render(artist, small, EditPlan(
                [e for e in candidate.edits if e.op != "exposure"])) if len(candidate.edits) > 1 else small))
            if capped is not None:
                chosen, _ = attempt(capped, f"strength {s:.1f}, exposure capped, shadows lifted")
                if chosen is not None:
                    return chosen, notes
    notes.append("no strength was accepted; left untouched")
    return EditPlan(plan.scaled(0.0).edits + base), notes


def _brightens(plan: EditPlan) -> bool:
    return any(e.op == "exposure" and float(e.effective().ev) > 0 for e in plan.edits)


def _capped(plan: EditPlan, cap: float) -> EditPlan | None:
    """``plan`` with its brightening no more than ``cap`` stops, and what it brightened beyond that
    given to the shadows instead (the tone op lifts dark regions, up to 2 stops, and leaves
    everything above mid-grey alone); None when there is no brightening to cap."""
    from dataclasses import replace

    from ..ops.params import ToneParams

    edits, rest = [], 0.0
    for e in plan.edits:
        ev = float(e.effective().ev) if e.op == "exposure" else 0.0
        if e.op == "exposure" and ev > cap:
            rest = ev - cap
            if cap < 0.1:
                continue
            e = Edit(e.op, replace(e.effective(), ev=round(cap, 3)), e.reason, e.instruction, e.attribute, 1.0)
        edits.append(e)
    if rest <= 0.0:
        return None
    lift = round(min(1.0, max(0.2, rest / 2.0)), 3)
    tone = next((e for e in edits if e.op == "tone"), None)
    if tone is not None:
        edits.remove(tone)
        lift = max(lift, float(tone.effective().shadows))
        edits.append(Edit("tone", replace(tone.effective(), shadows=lift), tone.reason, tone.instruction,
                          tone.attribute, 1.0))
    else:
        edits.append(Edit("tone", ToneParams(shadows=lift), "the lights are near white: lift the shadows instead",
                          instruction_for(0.2 + 0.8 * lift, "lift", "deepen", "shadows"), "exposure", 1.0))
    return EditPlan(edits)


def _clipped_by_brightening(artist: Artist, small: Photo, plan: EditPlan) -> float:
    """Share of the proxy a brightening pushes from below white to white: the plan's edits up to and
    including the exposure (a levels stretch that sets the brightest pixel at white clips nothing)."""
    if not _brightens(plan):
        return 0.0
    from ..ops import RANK

    upto = EditPlan([e for e in plan.edits if RANK.get(e.op, 99) <= RANK["exposure"]])
    return newly_clipped(small, _render(artist, small, upto))
