"""Deciding what is deficient: measured numbers -> findings with severity and confidence.

Every attribute turns its measurement into a *deficit* in natural units (stops, log
channel ratios, OKLab units, sRGB levels, pixels of blur) and maps it linearly to a
severity with two calibrated numbers from ``thresholds.T``: ``onset`` (severity 0, the edge of what
good photos show) and ``full`` (severity 1). A finding is *present* at severity >=
``PRESENT`` (0.3). The numbers and how they were calibrated are in docs/critic.md.

Inferred intent lowers confidence, and severity with it, never the other way round:
a dark photo with its highlights near white (a night scene with lights, a low-key
portrait), a warm photo whose brightest areas are themselves vividly coloured (a
sunset), a long exposure at high ISO, or (with no EXIF to say so) the noise of a
camera that raised its gain.
"""

from __future__ import annotations

import math

import torch

from ..colour import linear_to_srgb, srgb_level_to_linear
from ..photo import Metadata
from .base import Finding
from .cast_model import CAST_RAMP, cast_confidence, cast_probability, cast_score
from .contrast_model import FADE_BLACK, FLAT_RAMP, flat_confidence, flat_probability, flat_score
from .exposure_model import over_gate, over_score
from .judge_detail import high_gain, noise_findings, sharpness_findings
from .thresholds import (DARKEST_KEEP, FLAT_LEVEL, MONOCHROME, PRESENT, REGION_SHIFT, WB_CENTRE, above_white,
                         colourless, linear_ramp, ramp, toned)

MID_KEY = 0.18  # log-average luminance of a well-exposed average scene (18% grey)
DARK_WEIGHT = 2.5  # under-exposure deficit per stop of median below 0.032
# the brightest key (stops over mid-grey) good photos show: clean calibration photos reach
# +0.57 at the 90th percentile, +0.86 at the 95th, +1.26 at most (a sunlit snow or sky scene)
MAX_KEY_EV = 1.0
# where a good photo's floor sits: the 1st percentile of luminance, in stops from mid-grey
# (72 clean photos: median -3.7); an over-exposure gain lifts it with everything else
FLOOR_EV = -3.5
FLOOR_LIFT = (-1.0, 2.0)  # the floor's lift counted toward over-exposure, in stops, clamped to this
# where a gain's darkening is measured from: the key of a metered average scene (mid-grey) and a
# floor half a stop over FLOOR_EV. A gain g lifts both by g, so min(key_ev - 0, floor_ev + 3) reads
# g plus min(k0, f0 + 3) of the scene itself; over the 72 clean photos that term is <= 0 for 90%
# of them (its 90th percentile -0.04, median -1.1): the estimate over-darkens at most 1 in 10 scenes
GAIN_REF = (0.0, -3.0)
# how far under white the top of a good photo's histogram sits (headroom_ev of the 72 clean photos:
# median 0.05 stop, 90th percentile 0.54, 95th 0.74, at most 1.19)
HIGHLIGHT_DEPTH = 0.75
# the share of the frame's border white in every channel (``exposure.clipped_border``), or crushed
# to black (``crushed_border``), over which that white or black is read as a background
# (``background``, ``black_background``): on 300 train-split photos over-exposed by a gain (+0.7,
# +1.3, +2.0 EV, then clipped) the border's white share is at most 0.32 / 0.52 / 0.69 at the 99th
# percentile (good photos with any clipping: 0.21); under-exposed by -1, -2, -3 EV (8-bit), its
# black share 0.27 / 0.48 / 0.63; a product on a white seamless or black velvet near 1
BACKGROUND_BORDER = (0.6, 0.85)


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%" if x >= 0.01 else f"{100 * x:.1f}%"


def judge(m: dict[str, float], meta: Metadata | None = None, cast: bool | None = None,
          veil: bool | None = None) -> list[Finding]:
    """All findings with severity > 0 (present or minor), each citing its numbers. ``cast``: whether
    a colour cast was found, where another reader judges white balance (the hybrid critic's
    network); None, the white-balance reading here decides (the exposure reading asks). ``veil``:
    the same for haze (the contrast reading asks)."""
    out: list[Finding] = []
    exposure = _exposure if cast is None else (lambda m_, meta_, found: _exposure(m_, meta_, found, cast))
    contrast = _contrast if veil is None else (lambda m_, meta_, found: _contrast(m_, meta_, found, veil=veil))
    for fn in (exposure, _white_balance, _haze, contrast, _saturation, noise_findings, sharpness_findings,
               clipping_findings):
        out += [f for f in fn(m, meta, out) if f.severity > 0.0]
    return out


# --------------------------------------------------------------------------- exposure
def _night_prior(meta: Metadata | None) -> float:
    """0..1: how strongly EXIF says 'this was shot in the dark on purpose'."""
    if meta is None:
        return 0.0
    t = meta.exposure_time or 0.0
    iso = meta.iso or 0.0
    p = 0.0
    if t >= 1 / 15:
        p += 0.5
    if t >= 0.5:
        p += 0.3
    if iso >= 1600:
        p += 0.3
    return min(1.0, p)


COMPENSATION_NAMED = 0.7  # stops of exposure compensation from which a reason names it


def _compensation_words(meta: Metadata | None, sign: int) -> str:
    """"; the camera was set ... (exposure compensation) ..." where the photographer moved the
    exposure the way the finding reads (``sign`` -1 darker, +1 brighter) by ``COMPENSATION_NAMED``
    or more, else "": the reading stands, and the reason says what the camera was told."""
    bias = (meta.exposure_bias if meta is not None else None) or 0.0
    if bias * sign < COMPENSATION_NAMED:
        return ""
    word = "darker" if sign < 0 else "brighter"
    return f"; the camera was set to {bias:+.1f} EV of exposure compensation: {word} than its meter chose, on purpose"


def background(m: dict[str, float]) -> float:
    """0..1: how far the frame's clipped white is a background around what it shows (a product on a
    white seamless, a page, a subject against a blown sky): the share of the frame's border that is
    white in every channel, over BACKGROUND_BORDER. There the white holds nothing to judge exposure
    by, and darkening only greys it: the exposure is read on the content that holds detail."""
    return linear_ramp(m.get("exposure.clipped_border", 0.0), *BACKGROUND_BORDER)


def black_background(m: dict[str, float]) -> float:
    """0..1: the same for a black background (a product on black velvet, a low-key studio shot): the
    share of the frame's border crushed to black, over BACKGROUND_BORDER, less any white one. There
    the black says nothing of the exposure, and brightening only greys it: the exposure is read on
    the pixels not crushed."""
    return min(linear_ramp(m.get("exposure.crushed_border", 0.0), *BACKGROUND_BORDER), 1.0 - background(m))


def _blend_log(value: float, others: tuple[tuple[float, float], ...]) -> float:
    """exp of ``value``'s log moved toward each (weight, other)'s log by its weight."""
    out = math.log(max(value, 1e-5))
    for w, other in others:
        if w > 0.0:
            out = (1.0 - w) * out + w * math.log(max(other, 1e-5))
    return math.exp(out)


def _key_ev(m: dict[str, float]) -> float:
    """The scene key (log-average luminance) in stops from mid-grey; where the white or the black
    is the background (``background``, ``black_background``), the key of the content."""
    key = _blend_log(m["exposure.key"], ((background(m), m.get("exposure.key_unclipped", m["exposure.key"])),
                                         (black_background(m), m.get("exposure.key_lit", m["exposure.key"]))))
    return math.log2(max(key, 1e-4) / MID_KEY)


def _median_ev(m: dict[str, float]) -> float:
    """The frame's median luminance in stops from mid-grey (of the pixels not crushed, where the black
    is the background: ``black_background``)."""
    lit = m.get("exposure.median_lit", m["exposure.median"])
    median = _blend_log(m["exposure.median"], ((black_background(m), lit),))
    return math.log2(max(median, 1e-5) / MID_KEY)


def _floor_ev(m: dict[str, float]) -> float:
    """The frame's floor (1st percentile of luminance) in stops from mid-grey; where the clipped
    white is the background (``background``), the floor of the content that holds detail."""
    floor = m.get("exposure.p_lo", MID_KEY * 2.0 ** FLOOR_EV)
    floor = _blend_log(floor, ((background(m), m.get("exposure.p_lo_unclipped", floor)),))
    return math.log2(max(floor, 1e-5) / MID_KEY)


def _lift_gate(m: dict[str, float], clipped: float) -> float:
    """How far the floor's lift counts as a gain's (``_clip_gate``: in proportion to the clipping, since
    a bright page with nothing dark in it lifts the floor without any). Where the clipped white is a
    background, its clipping vouches for nothing, and the content's own floor is read in full."""
    b = background(m)
    return (1.0 - b) * _clip_gate(clipped) + b


def _clip_gate(clipped: float) -> float:
    """0..1: how far a clipped share vouches for a gain (none at 2% of the frame, in full from 8%)."""
    return min(1.0, max(0.0, 0.5 * math.log2(max(clipped, 1e-4) / 0.02)))


def key_bound_ev(key_ev: float) -> float:
    """Stops of darkening (>= 0, at most 2) that the key alone proves: its excess over the
    brightest key good photos show (``MAX_KEY_EV``), a lower bound that never over-darkens."""
    return min(2.0, max(0.0, key_ev - MAX_KEY_EV))


def exposure_offsets(m: dict[str, float], clipped: float | None = None) -> tuple[float, float]:
    """(under, over) exposure deficits in stops-like units, both >= 0.

    Under: the top of the histogram sits ``headroom_ev`` stops below white; a photo whose
    mid-tones are already bright (log-average key above -1.3 stops from mid-grey) is
    not under-exposed whatever its highlights do (fog, a grey day), so its bright key
    takes credit away. Over: mid-tones above mid-grey plus a share of the frame clipped
    (``clipped``: in any channel unless the caller says otherwise), and only when the
    histogram reaches white (no headroom). A gain lifts the whole histogram, its floor too,
    while a bright good photo (a clipped sky, snow) keeps deep shadows: the floor's lift over
    ``FLOOR_EV`` (clamped to ``FLOOR_LIFT``) adds to the key, its upward part only in
    proportion to the clipping (none at 2% clipped, in full from 8%), since a bright page or
    wall with nothing dark in it lifts the floor without clipping.
    """
    key_ev = _key_ev(m)
    hr = m["exposure.headroom_ev"]
    under = max(0.0, hr - 1.0 * max(0.0, key_ev + 1.3))  # a stop of bright key cancels a stop of headroom
    # a frame whose median pixel is darker than any good photo's (2.5 stops under mid-grey,
    # luminance 0.032, sRGB 50/255) is dark whatever its highlights do (a back-lit subject
    # under a clipped sky); present from a median of ~0.023 (sRGB 43/255)
    median_ev = _median_ev(m)
    under = max(under, DARK_WEIGHT * max(0.0, -median_ev - 2.5))
    clip_any = max(m["exposure.clipped_any"] if clipped is None else clipped, 1e-4)
    lift = min(FLOOR_LIFT[1], max(FLOOR_LIFT[0], _floor_ev(m) - FLOOR_EV))
    # a white background's clipping is the background's, not the exposure's (``background``): it
    # counts toward over-exposure in no way, and the lift is the content's floor (``_lift_gate``)
    if lift > 0:
        lift *= _lift_gate(m, clip_any)
    clip_term = (1.0 - background(m)) * 0.5 * math.log2(clip_any / 0.02)
    over = max(0.0, key_ev + lift + clip_term - 3.0 * max(0.0, hr))
    return under, over


def over_correction(m: dict[str, float], clipped: float | None = None) -> float:
    """Stops to darken a frame found over-exposed (>= 0, at most 2).

    What clipped is lost and the scene's true key is unknown. Two reads of the gain:
    the key's excess over the brightest key good photos show (``MAX_KEY_EV``), a lower bound
    that never over-darkens; and the lift of the whole histogram: a gain lifts the key and
    the floor (``p_lo``) by the same stops, while a bright scene keeps deep shadows and a
    scene with a high floor (a misty or flat one) keeps an ordinary key, so the smaller of
    the two lifts over ``GAIN_REF`` is what both agree on. That read counts in proportion to
    the clipping (none at 2% of the frame clipped, in full from 8%, as the floor's lift does
    in ``exposure_offsets``): without clipping a lifted floor is more often the scene's.
    """
    key_ev = _key_ev(m)
    bound = key_bound_ev(key_ev)
    lift = max(0.0, min(key_ev - GAIN_REF[0], _floor_ev(m) - GAIN_REF[1]))
    lift *= _lift_gate(m, m["exposure.clipped_any"] if clipped is None else clipped)
    # what clipped held the scene's brightest content, and darkening puts it that many stops under
    # white: no further than the top of a good photo sits (HIGHLIGHT_DEPTH)
    lift = min(lift, HIGHLIGHT_DEPTH)
    # darkening turns clipped white grey: a frame whose darkest channel would stay above the level
    # where "nothing is black" begins (FLAT_LEVEL) while its white falls below 1 - FLAT_LEVEL is
    # left with neither black nor white (a flat frame, which the closed loop rejects). Its blacks
    # were lifted by more than a gain could explain (haze, mist, a flat scene), so the floor does
    # not vouch for the key: the lower bound alone
    white, black = m.get("contrast.white", 1.0), m.get("contrast.black", 0.0)
    keep_white = math.log2(max(srgb_level_to_linear(white), 1e-6) / srgb_level_to_linear(1.0 - FLAT_LEVEL))
    keep_black = math.log2(max(srgb_level_to_linear(black), 1e-6) / srgb_level_to_linear(FLAT_LEVEL))
    if keep_white < lift < keep_black:
        lift = 0.0
    return min(2.0, max(bound, lift))


def lights_in_frame(m: dict[str, float]) -> bool:
    """Light sources in frame: the brightest 0.1 % near white while next to nothing clips (in a dark
    frame, a night or low-key scene exposed for its lights)."""
    return m.get("exposure.p_top", 0.0) >= 0.85 and m["exposure.clipped_any"] < 0.01


def _exposure(m, meta, _, cast: bool | None = None, gated: bool = True):
    """The thresholds' exposure finding (``_exposure_reading``); an over-exposure's severity scaled by
    the exposure model's second opinion (``exposure_model.over_gate``) unless ``gated`` is False."""
    found = _exposure_reading(m, meta, cast)
    if not gated:
        return found
    out = []
    for f in found:
        if f.direction == "over":
            score = over_score(m)
            gate = over_gate(score)
            reason = f.reason if gate >= 1.0 else (
                f"{f.reason}; but photos measured like this are {'often' if gate > 0 else 'nearly always'} "
                "bright scenes well exposed")
            f = Finding(f.attribute, f.direction, f.severity * gate, f.confidence,
                        {**f.measured, "over_score": score}, reason)
        out.append(f)
    return out


def _exposure_reading(m, meta, cast: bool | None = None):
    key = m["exposure.key"]
    hr = m["exposure.headroom_ev"]
    # a colour cast scales one or two channels up, and where the scene is bright those clip
    # while the others do not: with a cast found (by ``cast`` where given), that clipping is the
    # cast's, so only pixels clipped in all three channels count toward over-exposure; so with a
    # toned print's tone
    if cast is None:
        cast = "white_balance.warmth" in m and any(f.severity >= PRESENT for f in _white_balance(m, meta, []))
    cast = cast or ("white_balance.warmth" in m and toned(m))
    clipped = m["exposure.clipped"] if cast else m["exposure.clipped_any"]
    under, over = exposure_offsets(m, clipped)
    night = _night_prior(meta)
    key_ev = _key_ev(m)
    if under >= over and under > 0:
        lights = float(lights_in_frame(m))
        # camera-processed noise of a high gain: the camera had already raised its gain for a dim
        # scene, so the dimness is more likely the scene's, and a push would amplify that noise
        gain = high_gain(m)
        intent = (1.0 - 0.6 * night) * (1.0 - 0.4 * lights) * (1.0 - 0.8 * gain)
        conf = 0.9 * intent
        sev = ramp(under, "under_ev") * intent
        # brighten until the top of the histogram sits ~0.15 stop below white, but no further
        # than mid-tones 0.5 stop above mid-grey
        cap = 3.0
        corr = min(cap, max(0.0, min(hr - 0.15, 0.5 - key_ev)))
        median_ev = _median_ev(m)
        if corr < 0.5 and median_ev < -2.5:  # dark frame with lights or a clipped sky: lift the
            corr = min(cap, -median_ev - 2.0)  # median toward 2 stops under mid-grey
        reason = (f"the brightest pixels reach only {m['exposure.p_hi']:.2f} of white ({hr:.1f} stops of headroom "
                  f"left) and the average brightness is {-key_ev:.1f} stops below mid-grey")
        if night > 0:
            reason += "; the long exposure and high ISO suggest a night scene, so some darkness is intended"
        elif lights:
            reason += "; small light sources reach white, so this may be a low-key or night scene"
        if gain > 0.2:
            reason += "; its noise is that of a camera that raised its gain, so the scene was probably dim"
        reason += _compensation_words(meta, -1)
        return [Finding("exposure", "under", sev, conf, {"headroom_ev": hr, "key": key, "key_ev": key_ev,
                                                          "correction_ev": corr}, reason)]
    if over > 0:
        sev = ramp(over, "over_ev")
        conf = 0.7
        corr = -over_correction(m, clipped)
        if background(m) > 0.0:
            reason = (f"on its white background (white along {_pct(m['exposure.clipped_border'])} of the frame's edge, "
                      f"left out) the subject averages {key_ev:+.1f} stops from mid-grey and its darkest tones sit "
                      f"{_floor_ev(m):+.1f} stops from it" + _compensation_words(meta, +1))
        else:
            reason = (f"{_pct(clipped)} of the pixels are clipped to white{' in all channels' if cast else ''} and the "
                      f"average brightness is {key_ev:+.1f} stops from mid-grey, with no headroom left"
                      + _compensation_words(meta, +1))
        return [Finding("exposure", "over", sev, conf, {"clipped_any": clipped, "key": key,
                                                         "key_ev": key_ev, "correction_ev": corr,
                                                         "key_bound_ev": key_bound_ev(key_ev)},
                        reason)]
    return []



# ----------------------------------------------------------------------- white balance
# How far untouched photos' illuminant estimates spread on each side of where they sit
# (thresholds.WB_CENTRE): photos are more often warm than cool by content.
WB_SPREAD = {"warm": 0.75, "cool": 0.5, "green": 0.25, "magenta": 0.17}
# largest |log R/B| and |log tint| of an estimate taken as a cast in full. A 2700 K lamp on a
# 6500 K balance is log R/B 2.3 (3000 K on 5500 K: 1.6; Planckian locus, Rec.709), so 1.4 reads the
# strongest tungsten casts as coloured scenes too: it is a line against false alarms, not the
# physical bound (2.6 was tried: docs/critic.md, "Known limits")
WB_PLAUSIBLE = (1.4, 0.6)
# the line on the cool side stands at the physical bound: daylight (6500 K) on a camera left on its
# tungsten preset (2700 K) is log R/B -2.3. Good photos' estimates stay far from it (the coolest of
# 378 train and tune photos: -0.89; warm scenes, sunsets, lamp light, wood, are what reach the warm
# line), while photos taken outdoors on an indoor preset read beyond -1.4 (the 10th percentile of
# 291 train photos so cast: -1.48; benchmarks/README.md has no such set, lab code, 2026-12-07)
WB_PLAUSIBLE_COOL = 2.3
# the physical bound on the warm side: a 2300 K flame-lit scene on a 6500 K balance (log R/B 2.6).
# The cast model (cast_model.py) reads casts up to these bounds; beyond them a colour is not a light's
WB_PHYSICAL_WARM = 2.6
WB_AGREE = 0.15  # estimator disagreement (log units) below which the prior is relaxed
# a colour-temperature error moves log G/sqrt(RB) by 0.12-0.15 per unit of log R/B (blackbody
# 2500-15000 K relative to 6500 K, in Rec.709); a cool offset within WB_LOCUS_WIDTH of that
# line is judged against a cool spread WB_LOCUS_COOL narrower
WB_LOCUS_SLOPE = 0.12
WB_LOCUS_WIDTH = 0.06
WB_LOCUS_COOL = 0.3
CAST_WORD = {"warm": "orange", "cool": "blue", "green": "green", "magenta": "magenta"}  # a cast by its colour


def cast_frame(w: float, t: float, spread: float) -> tuple[float, float, float, float, float]:
    """(k, dw, dt, sw, st): the estimate's offset from where good photos sit and their
    spread on its side of each axis, all shrunk by k when the estimators agree.

    When the estimators agree closely (``spread`` under WB_AGREE, e.g. a grey card or a
    chart, where every estimator sees the same neutral surfaces) the photo-population
    prior matters less: centre and spread shrink toward neutral, down to a fifth.
    A cool offset that lies along the daylight (Planckian) locus, the way a too-low
    colour-temperature setting shifts a whole photo (log tint ~ WB_LOCUS_SLOPE x log R/B),
    is judged against a narrower cool spread: cool content (foliage and sky, shade) sits
    off that line, green of it. Warm offsets along the locus are left alone: tungsten
    interiors, golden hour and sunsets put intended warmth on the same line.
    """
    k = min(1.0, max(0.2, spread / WB_AGREE))
    dw, dt = w - k * WB_CENTRE[0], t - k * WB_CENTRE[1]
    sw = k * WB_SPREAD["warm" if dw > 0 else "cool"]
    if dw < 0:
        sw *= 1.0 - WB_LOCUS_COOL * on_locus(dw, dt)
    st = k * WB_SPREAD["green" if dt > 0 else "magenta"]
    return k, dw, dt, sw, st


def on_locus(dw: float, dt: float) -> float:
    """1 where an offset (log R/B, log tint from where good photos sit) lies along the daylight
    locus, as a wrong colour-temperature setting moves a whole photo, falling to 0 off it."""
    return math.exp(-(((dt - WB_LOCUS_SLOPE * dw) / WB_LOCUS_WIDTH) ** 2))


def cast_distance(w: float, t: float, spread: float = 0.15) -> tuple[float, str]:
    """Distance of the illuminant estimate from where good photos sit, in units of their
    spread (see ``cast_frame``), and the direction of the largest excess."""
    _, dw, dt, sw, st = cast_frame(w, t, spread)
    zw, zt = dw / sw, dt / st
    if abs(zw) >= abs(zt):
        direction = "warm" if zw > 0 else "cool"
    else:
        direction = "green" if zt > 0 else "magenta"
    return math.hypot(zw, zt), direction


def cast_correction(w: float, t: float, spread: float = 0.15) -> tuple[float, float]:
    """The part of the cast worth undoing, (warmth, tint) in log units, each toward neutral.

    A blind estimate is the photo's own colour plus any cast; good photos spread over
    ``WB_SPREAD`` around ``WB_CENTRE``, so on each axis only the excess beyond one spread
    of that centre is taken for the cast (a soft threshold: it never moves the estimate
    past the centre, corrects a little when the excess is small and in full beyond it).
    Each axis is judged on its own, so a warm photo given a green cast keeps its warmth.
    When the estimators agree closely (k < 1: the estimate is the light's, not the
    content's) the margin shrinks by k once more than centre and spread do.
    The margin stays whole however far out the estimate lies: good photos' estimates are
    heavier-tailed than a Laplace, so the part of a far offset that may be the scene's own
    colour does not shrink with the offset (a garrote or SCAD rule that undoes more of a
    far cast took warm and green scenes' own colour; docs/critic.md).
    """
    k, dw, dt, sw, st = cast_frame(w, t, spread)
    return math.copysign(max(0.0, abs(dw) - k * sw), dw), math.copysign(max(0.0, abs(dt) - k * st), dt)


# OKLab chroma of the brightest areas (the first estimate of the light taken out) above which a
# warm lean is the light's own colour: a sunset, firelight
SUNSET_CHROMA = 0.13


def _coloured_light(direction: str, m: dict[str, float]) -> bool:
    """A warm lean whose brightest areas are themselves strongly coloured (a sunset, firelight):
    the light itself is coloured, and its warmth is likely intended."""
    return direction == "warm" and m["white_balance.bright_chroma"] > SUNSET_CHROMA


def _threshold_reading(m: dict[str, float]) -> tuple[float, float, str, float, float, float]:
    """The thresholds' reading of the white balance: (severity, confidence, direction, distance,
    correction of warmth and tint). Its severity is the cast model's fallback and what
    ``calibrate_casts.py`` compares the model with."""
    w, t = m["white_balance.warmth"], m["white_balance.tint"]
    d, direction = cast_distance(w, t, m["white_balance.spread"])
    cw, ct = cast_correction(w, t, m["white_balance.spread"])
    if cw or ct:  # name the cast by what the correction mostly changes (a channel moves by w/2 or 2t/3)
        direction = _cast_direction(cw, ct)
    conf = max(0.2, 0.9 - m["white_balance.spread"] / 1.0)
    intent = 0.4 if _coloured_light(direction, m) else 1.0
    # estimators that disagree (grey-world says orange, the white patch says neutral) mean the
    # scene's content, not the light, is coloured: we cannot tell, so the severity stays low
    agree = min(1.0, max(0.3, 1.0 - (m["white_balance.spread"] - 0.3) / 0.6))
    # an estimate beyond WB_PLAUSIBLE is more often a strongly coloured scene (a red wall, foliage
    # filling the frame, a lamp-lit room kept warm) than a cast we can correct, so it is reported
    # with low severity and confidence
    plausible = 1.0 if -WB_PLAUSIBLE_COOL <= w <= WB_PLAUSIBLE[0] and abs(t) <= WB_PLAUSIBLE[1] else 0.25
    conf *= intent * plausible
    sev = ramp(d, "cast") * intent * agree * plausible
    return sev, conf, direction, d, cw, ct


def threshold_white_balance(m: dict[str, float]) -> float:
    """The severity the thresholds alone would give the white balance (before the cast model)."""
    return 0.0 if toned(m) else _threshold_reading(m)[0]


def _cast_direction(cw: float, ct: float) -> str:
    return ("warm" if cw > 0 else "cool") if abs(cw) / 2 >= 2 * abs(ct) / 3 else ("green" if ct > 0 else "magenta")


# the smallest correction worth an edit (a channel moving by 1.5 %): a cast the model is sure of
# whose estimate sits at the centre of good photos names no direction to correct
CAST_MIN_EDIT = 0.015
# the most a white-balance reading the cast model does not take for a cast may weigh (below PRESENT:
# it lowers the score a little and the summary names the lean; nothing is planned for it)
LEAN_SEVERITY = 0.2
# estimators this close (log units) read one light: 0.1 % of good photos (benchmarks/calibrate_casts.py's
# samples), a grey card or a flat wall
CAST_AGREE = 0.02


def _white_balance(m, meta, _):
    if toned(m):
        return []  # a toned monochrome photo: its colour is the tone it was given, not a cast
    w, t = m["white_balance.warmth"], m["white_balance.tint"]
    rule_sev, conf, direction, d, cw, ct = _threshold_reading(m)
    # whether the estimate's offset is a cast or the scene's own colour: the cast model
    # (cast_model.py, fitted on photographs under casts and as they are) decides; how much is
    # undone grows with its certainty, from the part beyond good photos' spread
    # (``cast_correction``) to the whole offset from where good photos sit
    model = score = cast_score(m)  # the model's own reading; ``score`` may be raised below
    sure = cast_confidence(model)
    _, dw, dt, _, _ = cast_frame(w, t, m["white_balance.spread"])
    measured = {"warmth": w, "tint": t, "distance": d, "spread": m["white_balance.spread"],
                "cast_score": round(score, 3)}
    reason = (f"the neutral-looking areas lean {{}} (illuminant estimate R/B {math.exp(w):.2f}, "
              f"G/sqrt(R*B) {math.exp(t):.2f}")
    odds = (f"the cast model gives it {cast_probability(model):.0%} and reports a cast from "
            f"{cast_probability(CAST_RAMP[0]):.0%}")
    why = f"the estimators and what the frame holds read a light of that colour, not the scene's own ({odds})"
    if m["white_balance.spread"] < CAST_AGREE and rule_sev >= PRESENT:
        # every estimator reads the same light (a frame filled by a grey card): the estimate is the
        # light's, and the thresholds' reading (whose prior shrinks toward neutral there) stands
        sure = max(sure, 1.0 - m["white_balance.spread"] / CAST_AGREE)
        score = max(score, CAST_RAMP[0])
        why = "every estimator reads the same light, as on a grey card"
    elif score < CAST_RAMP[0] and rule_sev >= PRESENT and direction == "cool" and dw < 0 and on_locus(dw, dt) > 0.5:
        # a cool offset along the daylight locus, as a colour temperature set too low (an indoor
        # preset outdoors) moves a whole photo: the thresholds' reading, narrower there, stands
        # (0.7 % more of calibrate_casts.py's good crops flagged, cool casts found 24 -> 29 %)
        score = CAST_RAMP[0]
        why = "the lean lies along the daylight locus, as a colour temperature set too low moves a whole photo"
    physical = -WB_PLAUSIBLE_COOL <= w <= WB_PHYSICAL_WARM and abs(t) <= WB_PLAUSIBLE[1]
    if score >= CAST_RAMP[0] and physical:
        fw, ft = cw + (dw - cw) * sure, ct + (dt - ct) * sure
        towards = _cast_direction(fw, ft)
        # a sunset's or a fire's warmth is kept, as the thresholds keep it
        if max(abs(fw) / 2, 2 * abs(ft) / 3) >= CAST_MIN_EDIT and not _coloured_light(towards, m):
            # as severe as the correction is large (the instruction's degree: a channel moved by half
            # a log unit against another is a strong edit), or as the model is sure
            logs = (fw / 2, ft, -fw / 2)
            sev = PRESENT + (1.0 - PRESENT) * max(sure, min(1.0, (max(logs) - min(logs)) / 0.5))
            reason = reason.format(CAST_WORD[towards]) + f", {d:.1f}x the spread of well-balanced photos); {why}"
            return [Finding("white_balance", towards, sev, max(conf, 0.5 + 0.4 * sure),
                            {**measured, "correct_warmth": fw, "correct_tint": ft}, reason)]
    # not read as a cast: what the thresholds see stays below an edit (it lowers the score a
    # little, and the summary names a large lean) and is left as the scene's colour
    sev = min(rule_sev, LEAN_SEVERITY)
    reason = reason.format(CAST_WORD[direction]) + f", {d:.1f}x the spread of well-balanced photos)"
    if _coloured_light(direction, m):
        reason += "; the brightest areas are strongly coloured, as in a sunset, so this may be the light itself"
    elif not physical:
        reason += "; that is more than a mis-set white balance produces, so the scene itself is likely coloured"
    else:
        reason += f"; read as the scene's own colour ({odds})"
    return [Finding("white_balance", direction, sev, conf, {**measured, "correct_warmth": cw, "correct_tint": ct},
                    reason)]


def _reads_dark(m: dict[str, float]) -> bool:
    """The frame reads dark enough for an under-exposure finding before any intent is
    weighed: whether or not the darkness is the scene's, it is what shortens the tonal
    range and mutes the colours, so contrast and saturation are not blamed for it."""
    return ramp(exposure_offsets(m)[0], "under_ev") >= PRESENT


# ----------------------------------------------------------------------------- contrast
def _blurred(m: dict[str, float], meta: Metadata | None) -> bool:
    """Whether the sharpness reading finds the frame blurred (where the measurements hold it)."""
    return "sharpness.scale_gain" in m and any(f.severity >= PRESENT for f in sharpness_findings(m, meta, []))


def _contrast(m, meta, found, modelled: bool = True, veil: bool | None = None):
    """A faded rendering: read by the flat model (``contrast_model.flat_score``) unless ``modelled`` is
    False (the thresholds' reading alone, ``min(black, 1 - white)``, which calibrate_contrast.py compares
    the model with). What the thresholds see that the model does not take for a fade stays below an
    edit (``LEAN_SEVERITY``). The model reads colour photos with a lifted black (``FADE_BLACK``), what
    it was fitted on; a nearly colourless one (``MONOCHROME``: a grey wall, a black-and-white print) is
    the thresholds', and so is a veiled one (a haze finding, or ``veil`` where another reader judges
    haze) and a blurred one (a blur averages the darkest and brightest pixels inward, as a fade lifts
    them)."""
    black, white = m["contrast.black"], m["contrast.white"]
    rng = m["contrast.range"]
    # washed out: neither a true black nor a true white anywhere in the frame
    lift = min(black, 1.0 - white)
    sev = rule = ramp(lift, "flat")
    measured = {"range": rng, "black": black, "white": white, "lift": lift, "rule_severity": rule,
                "black_min": m.get("contrast.black_min", black), "white_max": m.get("contrast.white_max", white)}
    reason = (f"nothing in the frame is black or white: the darkest channel stays above {black:.2f} and the "
              f"brightest below {white:.2f} (sRGB levels), so the tones span only {rng:.2f} of the lightness scale")
    if modelled:
        score = flat_score(m)
        measured["flat_score"] = round(score, 3)
        if veil is None:
            veil = any(f.attribute == "haze" and f.severity >= PRESENT for f in found)
        if m.get("saturation.grey_share", 0.0) > MONOCHROME or veil or _blurred(m, meta):
            # a nearly colourless photo or a veiled one, which the model was not fitted on (a veil lifts
            # the black as a fade does, and the haze reading names it), or a blurred one, whose darkest
            # and brightest pixels the blur averaged inward as a fade would lift them: the thresholds'
            pass
        elif score >= FLAT_RAMP[0] and black >= FADE_BLACK:
            sev = max(rule, PRESENT + (1.0 - PRESENT) * flat_confidence(score))
            reason = (f"the tones span only {rng:.2f} of the lightness scale: the darkest channel stays above "
                      f"{black:.2f} and the brightest below {white:.2f} (sRGB levels), as a faded rendering leaves "
                      f"them (the flat model gives it {flat_probability(score):.0%})")
        else:
            sev = min(rule, LEAN_SEVERITY)
    if not sev:
        return []
    conf = 0.8
    # a haze veil needs no such allowance: it leaves the whites white, which this deficit requires
    # to be missing (a photo both hazy and flat has both findings)
    explained = [f.attribute for f in found if f.attribute == "exposure" and f.severity >= PRESENT]
    if explained or _reads_dark(m):
        # an exposure error explains the short range; fix that first: below an edit (a third of a sure
        # fade would still be planned beside the exposure's fix; the thresholds-alone reading that
        # calibrate_contrast.py compares with keeps its third)
        sev = min(sev * 0.3, LEAN_SEVERITY) if modelled else sev * 0.3
        conf *= 0.5
    return [Finding("contrast", "low", sev, conf, measured, reason)]


# --------------------------------------------------------------------------- saturation
def _saturation(m, meta, found):
    # a white background's colourless pixels say nothing of the subject's colour (``background``)
    b = background(m)
    p90 = (1.0 - b) * m["saturation.chroma_p90"] + b * m.get("saturation.chroma_p90_held", m["saturation.chroma_p90"])
    grey = (1.0 - b) * m["saturation.grey_share"] + b * m.get("saturation.grey_share_held", m["saturation.grey_share"])
    if grey > MONOCHROME or toned(m):
        return []  # monochrome (or toned monochrome) by intent
    high = _over_saturated(m)
    if high:
        return high
    sev = ramp(0.06 - p90, "dull")
    if not sev:
        return []
    conf = 0.6
    reason = f"the most colourful 10% of pixels reach only {p90:.3f} in OKLab chroma (0.06-0.15 is usual)"
    explained = (any(f.attribute in ("exposure", "haze", "contrast") and f.severity >= PRESENT for f in found)
                 or _reads_dark(m))
    if explained:
        sev *= 0.3  # darkness, a veil or a flat curve mutes colour too; fix those first
        conf *= 0.5
        reason += "; the exposure, veil or flat tones found mute colour too, and their fix restores it first"
    return [Finding("saturation", "low", sev, conf, {"chroma_p90": p90, "target_ratio": 0.08 / max(p90, 0.01),
                                                      "explained": float(explained)}, reason)]


# A boost's correction: chroma scaled by 1 / (1 + OVER_SATURATION_UNDO x severity). What was clipped
# at the gamut's edge does not come back, and a scene's own vivid colour may share the frame, so
# this undoes less than a full boost (x1.5 at full severity; calibrate_saturation.py: x1.6-2.3
# boosts reach severity 0.3-1)
OVER_SATURATION_UNDO = 0.5


def _over_saturated(m):
    """Colours pushed past the gamut: coloured mid-tones clipped at a channel's end
    (``saturation.gamut_edge``; benchmarks/calibrate_saturation.py)."""
    edge = m.get("saturation.gamut_edge", 0.0)
    sev = ramp(edge, "vivid")
    if not sev:
        return []
    ratio = 1.0 / (1.0 + OVER_SATURATION_UNDO * sev)
    reason = (f"{edge:.0%} of the coloured mid-tones are clipped at the edge of the colour range, as a saturation "
              f"boost leaves them (a camera's rendering puts a few percent there at most; the most colourful 10% "
              f"reach {m['saturation.chroma_p90']:.3f} in OKLab chroma)")
    return [Finding("saturation", "high", sev, 0.6, {"gamut_edge": edge, "chroma_p90": m["saturation.chroma_p90"],
                                                     "target_ratio": ratio}, reason)]


# --------------------------------------------------------------------------------- haze
def _encoded(value: float) -> float:
    """sRGB encoding of one linear value."""
    return float(linear_to_srgb(torch.tensor(value, dtype=torch.float64)))


def haze_white_drop(m) -> float:
    """How far the whites fell short of white, as the haze reading counts it against a veil."""
    white_drop = max(0.0, 0.93 - m["contrast.l_hi"])  # a veil is bright: whites stay white
    # ... unless the scene has none: a photo without highlights seen through a veil keeps its
    # brightest channel near white (the veil adds to it) while a fade pulls it down as far as
    # it lifts the blacks, so the drop counts no further than the brightest channel fell short
    return min(white_drop, max(0.0, 1.0 - m["contrast.white"]))


def _haze(m, meta, found):
    if colourless(m):
        # the dark channel of a greyscale photo is its lightness: a light grey wall lifts it as
        # a veil would, and nothing in a grey photo tells them apart
        return []
    veil = m["haze.veil"]
    over = [f for f in found if f.attribute == "exposure" and f.direction == "over" and f.severity >= PRESENT]
    if over and m["haze.airlight"] >= 0.98:
        # an over-exposure gain lifts the dark channel (linear light x gain) while the airlight,
        # already clipped at white, cannot rise with it, so the ratio grows with the gain alone:
        # take back out of the dark channel the gain the key's excess alone shows (the lower bound,
        # not the planned darkening, which also reads the floor)
        gain = 2.0 ** -over[0].measured["key_bound_ev"]
        dark = _encoded(srgb_level_to_linear(m["haze.dark_p10"]) * gain)
        veil = min(veil, dark / max(m["haze.airlight"], 1e-3))
    # a veil is additive (linear light): it lifts the darkest spots of the frame with the rest,
    # so they keep most of the 10th percentile's lift. A bright surface with dark marks on it
    # (a page with text) has a high dark channel with no veil, and its marks stay dark: the
    # share of the lift the darkest 0.1% keep gates the veil (synthetic hazy photos >= 0.65)
    keep = srgb_level_to_linear(m.get("haze.dark_p001", m["haze.dark_p10"])) / max(srgb_level_to_linear(m["haze.dark_p10"]), 1e-4)
    veil *= linear_ramp(keep, *DARKEST_KEEP)
    white_drop = haze_white_drop(m)
    v = veil - 2.0 * white_drop
    sev = ramp(v, "haze")
    # haze over part of the frame, the rest clear: the whole frame's darkest spots are in the
    # clear part, so its hazy cells are read as a veil of their own (thresholds.REGION_SHIFT),
    # where the whole frame's reading finds none; the plan then takes the frame's mean
    # transmission from the cells. (With an over-exposure, whose gain lifts every cell's darks,
    # the whole frame's reading above stands alone.)
    regional = False
    if sev < PRESENT and not (over and m["haze.airlight"] >= 0.98):
        r_sev = ramp(m.get("haze.region_veil", 0.0) - REGION_SHIFT - 2.0 * white_drop, "haze")
        if r_sev >= PRESENT:
            sev, veil, regional = r_sev, m["haze.region_veil"] - REGION_SHIFT, True
    if not sev:
        return []
    conf = 0.7
    measured = {"veil": veil, "dark_p10": m["haze.dark_p10"], "darkest_keep": keep, "airlight": m["haze.airlight"]}
    if regional:
        measured.update(regional=1.0, transmission=m["haze.region_transmission"])
        return [Finding("haze", "present", sev, conf, measured,
                        f"part of the frame is veiled: its haziest regions' darkest parts are lifted to "
                        f"{m['haze.region_veil']:.0%} of the airlight level while the brightest stay near white")]
    return [Finding("haze", "present", sev, conf, measured,
                    f"even the darkest regions are lifted to {veil:.0%} of the airlight level (dark channel "
                    f"{m['haze.dark_p10']:.2f}) while the brightest stay near white")]


# ------------------------------------------------------------------ highlights, shadows
# what a clipping finding says of a file with nothing above white, where no darkening rebuilds it
# (advise.plan_for then plans nothing for it; the batch line reads it back)
UNRECOVERABLE = "the file holds nothing above white there to bring back"


def clipping_findings(m, meta, found):
    out = []
    exp = {f.direction for f in found if f.attribute == "exposure" and f.severity >= PRESENT}
    c = m["exposure.clipped"]
    b = background(m)  # a white background is white on purpose
    sev = ramp(c, "clipped") * (0.5 if "over" in exp else 1.0) * (1.0 - b)
    if sev:
        reason = f"{_pct(c)} of the pixels are clipped to white in all three channels"
        if not above_white(m) and "over" not in exp:
            reason += f"; {UNRECOVERABLE}, so they are left white"
        out.append(Finding("highlights", "clipped", sev, 0.9, {"clipped": c}, reason))
    k = m["exposure.crushed"]
    sev = ramp(k, "crushed") * (0.5 if "under" in exp else 1.0) * (1.0 - black_background(m))  # black on purpose
    if sev:
        out.append(Finding("shadows", "crushed", sev, 0.8, {"crushed": k},
                           f"{_pct(k)} of the pixels are crushed to black"))
    return out
