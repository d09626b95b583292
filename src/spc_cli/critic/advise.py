"""From findings to advice: the edit plan, the 0-100 score and the short reasoning.

Each present finding maps to one op of the artist with parameters estimated from the
measurement that raised it (the correction that would undo the measured deficiency),
and a ``strength`` that scales it back when the critic is unsure (``0.8 + 0.2 *
confidence``), so an uncertain diagnosis gets a partial correction; the closed loop
(artist.refine) backs off further when the full correction does not raise the score.
"""

from __future__ import annotations

import math
from dataclasses import replace

from ..colour import LUMA, srgb_level_to_linear
from ..ops.params import (ContrastParams, DeblurParams, DehazeParams, DenoiseParams, ExposureParams,
                          SaturationParams, ToneParams, UnclipParams, WhiteBalanceParams)
from ..ops.unclip import DOME_REACH
from ..plan import Edit, EditPlan, instruction_for, merge_same_op
from .base import Finding
from .judge import CAST_WORD
from .thresholds import PRESENT, T, above_white, linear_ramp, toned

# How much each attribute weighs in the score (a fully severe, certain finding
# multiplies the score by 1 - weight).
WEIGHTS = {"exposure": 0.6, "white_balance": 0.5, "contrast": 0.45, "saturation": 0.35, "haze": 0.45,
           "noise": 0.45, "sharpness": 0.5, "highlights": 0.3, "shadows": 0.25}


# camera-processed noise (judge.camera_noise): the denoise's luma and colour sigmas per unit of
# the half-resolution grain. PolyU (true sigmas from noisy - mean): luma 1.8-4.0x the grain,
# median 2.3; colour 0.9-3.8x, median 1.55. A little under the medians: the Wiener shrinkage
# takes off about the noise it is told of, so too low a sigma leaves noise, too high wipes texture.
CAMERA_LUMA = 2.0
CAMERA_CHROMA = 1.2
# The critic reads a blur's size, not its shape, and a Gaussian inverse of a camera shake rings
# (double contours, dark halos by lamps: benchmarks/real_blur.py). So the deblur it plans is a
# partial one: DEBLUR_SHARE of a Gaussian of DEBLUR_SCALE the measured blur, regularised as for at
# least DEBLUR_NOISE_FLOOR of noise (a JPEG's quantisation and demosaicking pattern, which a full
# inverse turns into a mesh). Synthetic Gaussian blur: 25.23 -> 25.86 dB (the full inverse of the
# measured blur: 26.77, with visible ringing on the real shaken photos).
DEBLUR_NOISE_FLOOR = 4.0 / 255
DEBLUR_SCALE = 0.7
DEBLUR_SHARE = 0.6
# a blur along one direction is a camera shake or motion, which a Gaussian inverse does not undo
# (5-14 px line blurs of the training photos: +0.01 dB); the kernel estimated from the photo does,
# where its own tests trust it (+0.96 dB, at share 0.6 +0.89), in full: the estimate's inverse is
# regularised for its uncertainty (ops.deblur.SHAKE_LAM)
SHAKE_SHARE = 1.0
LOW_LIGHT_EV = 1.0  # a brightening by more than this many stops also denoises what it reveals ...
LOW_LIGHT_SHARE = 0.25  # ... once the share it takes, (ev - LOW_LIGHT_EV) / 2, reaches this (1.5 EV)
# ... and only when the noise it reveals shows: the measured sigmas (sRGB units) times the gain's
# effect on sRGB values, 2^(ev / 2.4), reach 2/255 in luminance or 1/255 in colour (the critic's own
# "clean" colour level). Less is at the 8-bit rounding's level, and a denoise of it costs seconds
# at 24 MP for nothing visible (a clean photo 1.8 EV under: luma 0.7/255 -> 1.2/255).
REVEALED_VISIBLE = (2.0 / 255, 1.0 / 255)
# A denoise found by its colour noise takes luminance noise off only as far as that shows: none
# at half of REVEALED_VISIBLE's luminance level, all of it from that level up (luminance read
# lower than that is at the 8-bit rounding's level or texture; smoothing it wipes fine detail).
LUMA_DENOISE = (REVEALED_VISIBLE[0] / 2, REVEALED_VISIBLE[0])
# A frame with no crisp edge anywhere (halving it makes its edges at least as much steeper as the
# blur reading's onset, thresholds.T["blur"]: sharp photos 1.0-1.5x) holds no detail finer than its
# blur, and its luminance grain is the only fine texture left: smoothing it makes a soft frame look
# softer still. There luminance noise is taken off from where it shows (REVEALED_VISIBLE) to twice
# that, not from half of it; colour noise, never detail, in full.
SOFT_LUMA_DENOISE = (REVEALED_VISIBLE[0], 2 * REVEALED_VISIBLE[0])
BLOWN_FULL = 0.1  # share of the frame blown (clipped in every channel) from which a darkening keeps white in full
# a darkening of a display-referred photo takes back this much of a camera's highlight roll-off
# (``keep_white`` below it): chosen on over-exposures made from train-split photos three ways (a
# camera's tone curve, scene light scaled and rendered again, its white 0.6-2.6 stops above the
# display's; a gain with a sensor clip; a gain with a soft shoulder), undone by the true EV: the
# least worst loss against each way's own best keep (docs/artist.md, "Darkening a
# display-referred photo")
CAMERA_KEEP = 0.6
COMPRESS_TOP = 1.4  # a brightening that pushes the brightest pixels past this (linear) is tone-mapped
# locally (tone.compress); below it the exposure's own per-pixel shoulder rolls them off, as one
# table lookup (a plain 1-2 EV correction of a photo whose whites were white)


def _clamp(x: float, lo: float, hi: float) -> float:
    return min(max(float(x), lo), hi)


def _strength(f: Finding) -> float:
    return round(0.8 + 0.2 * _clamp(f.confidence, 0.0, 1.0), 3)


def wb_gains(warmth: float, tint: float) -> list[float]:
    """Von Kries gains that remove a cast of (log R/B, log G/sqrt(RB)), luminance kept, within
    the white balance op's bounds (0.25..4)."""
    e = [math.exp(warmth / 2), math.exp(tint), math.exp(-warmth / 2)]
    y = sum(w * c for w, c in zip(LUMA, e))
    return [_clamp(y / c, 0.25, 4.0) for c in e]


def haze_transmission(v: dict[str, float]) -> float:
    """The scene's mean transmission from a haze finding: the veil lifts the darkest regions to
    (1 - t) of the airlight in linear light, so t = 1 - dark / airlight (synthetic hazy photos:
    within 0.05 of the true mean on 17 of 21, dense haze read 0.02-0.12 high). Kept within
    [0.3, 0.95]: a misread bright scene is not dehazed as if it were fog."""
    if "transmission" in v:  # estimated by the critic itself (the learned critic's)
        return _clamp(v["transmission"], 0.3, 0.95)
    dark, air = srgb_level_to_linear(v.get("dark_p10", 0.0)), srgb_level_to_linear(v.get("airlight", 1.0))
    return _clamp(1.0 - dark / max(air, 1e-3), 0.3, 0.95)


def _edit_for(f: Finding, m: dict[str, float], noisy: bool) -> Edit | None:
    a, d, s, v = f.attribute, f.direction, f.severity, f.measured
    if a == "exposure":
        ev = _clamp(v.get("correction_ev", 0.0), -3.0, 3.0)
        if abs(ev) < 0.05:
            return None
        # the highlight shoulder only matters when the gain pushes the brightest pixels past
        # white; below that it would needlessly compress the top of an honest correction
        # the highlight shoulder only matters when the gain pushes the brightest pixels past
        # white; a push far past it is brought back by local tone mapping instead
        # (restoration_edits), where a per-pixel shoulder would flatten whole lit areas
        top = m.get("exposure.p_top", 1.0) * 2.0 ** ev
        shoulder = 1.0 if ev <= 0 or top <= 0.95 or top > COMPRESS_TOP else 0.9
        # a darkening of a display-referred file keeps its white as far as the frame is blown
        # (ops.exposure): scaled down, it turns a flat grey; a scene-linear file's is rebuilt (unclip)
        return Edit("exposure", ExposureParams(ev=round(ev, 3), shoulder=shoulder, keep_white=keep_white(ev, m)),
                    f.reason,
                    instruction_for(ev / 2.0, "increase", "decrease", "exposure"), a, _strength(f))
    if a == "white_balance":
        gains = wb_gains(v.get("correct_warmth", 0.0), v.get("correct_tint", 0.0))
        if max(gains) / min(gains) < 1.01:
            return None
        mag = math.log(max(gains) / min(gains)) / 0.5
        if d in ("warm", "cool"):
            instr = instruction_for(mag if d == "cool" else -mag, "increase", "reduce", "warmth")
        else:
            instr = instruction_for(-mag, "add", "reduce", f"{d} tint")
        return Edit("white_balance", WhiteBalanceParams(*[round(g, 4) for g in gains]), f.reason, instr, a,
                    _strength(f))
    if a == "contrast":
        if d == "low":
            # a washed-out rendering is undone by the levels stretch alone: an S-curve on top
            # over-steepens the mid-tones (measured: 55 dB for levels only vs 35 dB with a
            # curve on the synthetic fades). Black and white points are the darkest channel of
            # the darkest pixel and the brightest channel of the brightest: the same for all
            # three channels (no colour shift) and the mildest stretch that reaches a true black
            # and a true white, so nothing clips; noise or a stray pixel only makes it milder.
            # It is a lower bound, not a guess, so it is not scaled back by confidence.
            amount = 0.0
            black = _clamp(v.get("black_min", v.get("black", 0.0)), 0.0, 0.3)
            white = _clamp(v.get("white_max", v.get("white", 1.0)), 0.5, 1.0)
            return Edit("contrast", ContrastParams(amount=round(amount, 3), black=round(black, 4),
                                                   white=round(white, 4)),
                        f.reason, instruction_for(0.2 + 0.8 * s, "increase", "reduce", "contrast"), a, 1.0)
        # a curve the critic estimated (the learned critic's), else one scaled by severity
        amount = _clamp(v["amount"], -1.0, 0.0) if "amount" in v else -_clamp(0.1 + 0.3 * s, 0.0, 0.5)
        if abs(amount) < 0.02:
            return None
        return Edit("contrast", ContrastParams(amount=round(amount, 3)), f.reason,
                    instruction_for(-(0.2 + 0.8 * s), "increase", "reduce", "contrast"), a, _strength(f))
    if a == "saturation":
        if v.get("explained", 0.0):
            # the exposure, dehaze or levels edit planned with it restores the colour its cause
            # muted (measured on the synthetic hazy photos: adding the chroma boost on top of
            # dehaze cost 3-5 dB); the finding stays in the critique
            return None
        if noisy:
            # a chroma boost scales whatever colour noise the denoise leaves along with the
            # scene's colour, as sharpening does its grain (PolyU: -2 dB on both dim, near-grey
            # crops it was planned for; no synthetic or clean photo has the pair); the finding stays
            return None
        ratio = v.get("target_ratio", 1.0)  # chroma wanted / chroma measured
        change = _clamp(ratio - 1.0, -0.6, 1.0)
        # a faded photo lost chroma everywhere alike: restore it uniformly (vibrance would
        # under-correct the colours it protects)
        sat, vib = round(change, 3), 0.0
        return Edit("saturation", SaturationParams(saturation=sat, vibrance=vib), f.reason,
                    instruction_for(0.2 + 0.8 * s if change > 0 else -(0.2 + 0.8 * s), "increase", "reduce",
                                    "saturation"), a, _strength(f))
    if a == "haze":
        return Edit("dehaze", DehazeParams(amount=1.0, transmission=round(haze_transmission(v), 3)), f.reason,
                    instruction_for(-(0.2 + 0.8 * s), "add", "reduce", "haze"), a, _strength(f))
    if a == "noise":
        return _denoise_edit(f, m)
    if a == "sharpness":
        if noisy or v.get("grain_risk", 0.0) >= 0.5:
            return None  # never sharpen visible noise (the finding stays in the critique)
        return _deblur_edit(f, m)
    if a == "highlights":
        h = -_clamp(0.25 + 0.6 * s, 0.0, 1.0)
        return Edit("tone", ToneParams(highlights=round(h, 3)), f.reason,
                    instruction_for(0.2 + 0.8 * s, "recover", "recover", "highlights"), a, _strength(f))
    if a == "shadows":
        sh = _clamp(0.2 + 0.5 * s, 0.0, 1.0)
        return Edit("tone", ToneParams(shadows=round(sh, 3)), f.reason,
                    instruction_for(0.2 + 0.8 * s, "lift", "deepen", "shadows"), a, _strength(f))
    return None


def _denoise_sigmas(v: dict[str, float]) -> tuple[float, float]:
    """(luma, colour) noise sigmas for the denoise op from a noise finding's measurements."""
    if v.get("camera_route", 0.0) > 0:
        cam = v.get("camera_grain", 0.0)
        return CAMERA_LUMA * cam, CAMERA_CHROMA * cam
    return v.get("luma_sigma", 0.0), v.get("chroma_sigma", 0.0)


def soft_frame(m: dict[str, float]) -> bool:
    """No crisp edge anywhere: the frame's edges steepen under a 2x downscale at least as much as
    where the blur reading starts to count (``thresholds.T["blur"]``)."""
    return m.get("sharpness.scale_gain", 1.0) - 1.0 >= T["blur"][0]


def _denoise_edit(f: Finding, m: dict[str, float]) -> Edit | None:
    sl, sc = (_clamp(x, 0.0, 0.2) for x in _denoise_sigmas(f.measured))
    if sl <= 0 and sc <= 0:
        return None
    reason, noun = f.reason, "noise"
    if f.measured.get("camera_route", 0.0) > 0:
        luma = 1.0
    else:
        soft = soft_frame(m)
        luma = linear_ramp(sl, *(SOFT_LUMA_DENOISE if soft else LUMA_DENOISE))
        if soft and luma < linear_ramp(sl, *LUMA_DENOISE):
            reason += ("; the frame has no crisp edge, so its fine luminance grain, the only fine texture it has, "
                       + ("is kept" if luma == 0 else "is only partly smoothed"))
        if luma == 0:
            noun = "colour noise"
    return Edit("denoise", DenoiseParams(luma=round(luma, 3), chroma=1.0, sigma=round(sl, 4), chroma_sigma=round(sc, 4)),
                reason, instruction_for(-(0.2 + 0.8 * f.severity), "increase", "reduce", noun), f.attribute,
                _strength(f))


def _deblur_edit(f: Finding, m: dict[str, float]) -> Edit:
    """A partial Gaussian deconvolution of the measured blur, regularised for the measured noise
    (see DEBLUR_SCALE); a blur along one direction (the finding's ``shake``) asks for the camera
    shake deconvolution instead, whose kernel the op estimates from the photo (its size from the
    most blurred direction) and which leaves the photo alone, saying why, where that estimate
    is not reliable.

    The inverse is regularised for the strongest noise the critic read, whether or not it made a
    finding of it: a camera's or a JPEG's noise is correlated over 2-3 px, at the scale a
    deconvolution of a 1-2 px blur amplifies most, and reads there at half resolution; its
    full-resolution level is CAMERA_LUMA times that read (as the denoise takes it)."""
    noise = max(m.get("noise.luma_sigma", 0.0), CAMERA_LUMA * m.get("noise.flat_sigma_half", 0.0),
                DEBLUR_NOISE_FLOOR)
    if f.measured.get("shake", 0.0) > 0:
        sigma, kind, share = _clamp(f.measured.get("blur_px", 1.5), 0.5, 5.0), 2.0, SHAKE_SHARE
    else:
        sigma, kind, share = _clamp(DEBLUR_SCALE * f.measured.get("blur_px", 1.5), 0.5, 5.0), 0.0, DEBLUR_SHARE
    amount = share * (1.0 - 0.6 * f.measured.get("grain_risk", 0.0))
    return Edit("deblur", DeblurParams(amount=round(amount, 3), sigma=round(sigma, 2), kind=kind,
                                       noise=round(_clamp(noise, 0.0, 0.1), 4)), f.reason,
                instruction_for(0.2 + 0.8 * f.severity, "increase", "reduce", "sharpness"), f.attribute, _strength(f))


# the instruction of the denoise a brightening plans for the noise it reveals (``restoration_edits``):
# the closed loop drops it where it drops the brightening (artist/refine.py)
REVEALED_NOISE = "reduce the noise the brightening reveals"


def scene_linear(m: dict[str, float]) -> bool:
    """Whether the photo's values are the scene's light as the sensor recorded it (a raw file, a
    linear encoding: ``exposure.scene_linear``), where a clipped channel can be rebuilt from the
    others at the colour ratios around it. A display-referred file (a camera JPEG, an sRGB TIFF)
    has had its highlights rolled toward white and paled by the camera's curve: rebuilt from the
    colour of darker surroundings, they came out as blotches (pink on blown skin, a brick's orange
    on a white window, white islands in grey fur) on each of three real over-exposed photos, and
    on the synthetic sets the unclip was worth no more than its absence (docs/artist.md)."""
    return m.get("exposure.scene_linear", 0.0) >= 0.5


def keep_white(ev: float, m: dict[str, float]) -> float:
    """The exposure op's ``keep_white`` for a change of ``ev`` stops. For a darkening of a
    display-referred file, CAMERA_KEEP: a camera's tone curve rolled its highlights off toward
    white, and a plain scaling would turn them grey (an over-exposed portrait's window, a pale
    background: a fog over the frame); more as more of the frame is blown (clipped in every
    channel), in full from BLOWN_FULL: a blown sky or wall holds nothing a darkening could show,
    so it stays white. The roll-off darkens the bright subject a little less than the plain
    scaling (``ops.exposure``). Else 0: a brightening scales every level, a scene-linear file's
    clipped highlights are rebuilt instead (``restoration_edits``), and a file nothing was
    measured of (``m`` without ``exposure.scene_linear``: a hint parsed with no photo, a critic
    that does not measure it) is scaled as it is asked."""
    if ev >= 0 or "exposure.scene_linear" not in m or scene_linear(m):
        return 0.0
    return round(min(1.0, max(CAMERA_KEEP, max(0.0, m.get("exposure.clipped", 0.0)) / BLOWN_FULL)), 3)


def restoration_edits(edits: list[Edit], m: dict[str, float]) -> list[Edit]:
    """What an exposure change needs besides itself: a darkening of a scene-linear photo (a raw
    file) rebuilds the clipped highlights first (unclip, as far above white as it darkens), so
    they show gradation, not a flat grey (``scene_linear``: not on a display-referred file);
    a brightening that pushes the brightest regions far past white (COMPRESS_TOP) brings them
    back under it on the base layer (tone.compress), and one of 1.5 stops or more also denoises
    the shadows it reveals, with the measured sigmas, in proportion to the gain above LOW_LIGHT_EV,
    when that noise will show (REVEALED_VISIBLE)."""
    out = []
    for e in edits:
        if e.op != "exposure":
            continue
        ev = e.params.ev
        if ev < 0 and scene_linear(m):
            out.append(Edit("unclip", UnclipParams(amount=1.0, headroom=round(_clamp(-ev, 0.0, 3.0), 3),
                                                   reach=DOME_REACH),
                            e.reason, "rebuild the clipped highlights", e.attribute, e.strength))
        elif m.get("exposure.p_top", 1.0) * 2.0 ** ev > COMPRESS_TOP:
            out.append(Edit("tone", ToneParams(compress=1.0), e.reason, "keep the bright areas below white",
                            e.attribute, e.strength))
        share = _clamp((ev - LOW_LIGHT_EV) / 2.0, 0.0, 1.0)
        if share >= LOW_LIGHT_SHARE:
            sl, sc = m.get("noise.luma_sigma", 0.0), m.get("noise.chroma_sigma", 0.0)
            gain = 2.0 ** (ev / 2.4)
            if sl * gain >= REVEALED_VISIBLE[0] or sc * gain >= REVEALED_VISIBLE[1]:
                out.append(Edit("denoise", DenoiseParams(luma=round(share, 3), chroma=round(share, 3),
                                                         sigma=round(_clamp(sl, 0.0, 0.2), 4),
                                                         chroma_sigma=round(_clamp(sc, 0.0, 0.2), 4)),
                                e.reason, REVEALED_NOISE, "noise", 1.0))
    return out


def plan_for(findings: list[Finding], m: dict[str, float]) -> EditPlan:
    """The edits answering the present findings, most important first (the artist reorders)."""
    noisy = any(f.attribute == "noise" for f in findings)
    edits = [e for f in findings if (e := _edit_for(f, m, noisy)) is not None]
    if not above_white(m) and not (scene_linear(m) and any(e.op == "exposure" and e.params.ev < 0 for e in edits)):
        # the file holds nothing above white (an 8-bit or display-referred photo) and no darkening
        # rebuilds it (restoration_edits' unclip, on a scene-linear photo): its clipped areas are
        # flat white, and pulling them down only turns them grey (a studio's white background, a
        # bright sky); the finding stays
        edits = [e for e in edits if e.attribute != "highlights"]
    edits += restoration_edits(edits, m)
    if any(e.op == "dehaze" for e in edits):
        # levels render after dehaze, which restores the blacks itself: a black point read on the
        # hazy input would crush them (the closed loop re-reads both points after the dehaze)
        edits = [Edit(e.op, replace(e.params, black=0.0), e.reason, e.instruction, e.attribute, e.strength)
                 if e.is_levels else e for e in edits]
    return EditPlan(merge_same_op(edits))


def _weight_of(severity: float) -> float:
    """Severity as it counts in the score: itself from the reporting threshold (0.3) up, and
    falling off as a cube below it (continuous and increasing), so minor findings cost little."""
    s = _clamp(severity, 0.0, 1.0)
    return s if s >= 0.3 else 0.3 * (s / 0.3) ** 3


def score_for(findings: list[Finding]) -> float:
    """0-100, monotone non-increasing in every severity: 100 * prod(1 - w * g(s) * (0.5 + 0.5 c)).

    ``w`` per attribute (``WEIGHTS``), ``g`` as in ``_weight_of``, ``c`` the confidence. A photo with
    no findings scores 100; a minor finding (s = 0.2) costs at most 5 points; one present exposure
    finding (s >= 0.3) brings it under 85.
    """
    q = 1.0
    for f in findings:
        w = WEIGHTS.get(f.attribute, 0.4)
        q *= 1.0 - w * _weight_of(f.severity) * (0.5 + 0.5 * _clamp(f.confidence, 0, 1))
    return round(100.0 * q, 1)


def _sentence(text: str) -> str:
    text = text.strip()
    return (text[0].upper() + text[1:]).rstrip(".") + "." if text else ""


TONE_SENTENCE = ("Its colour is one tone that follows the lightness throughout, as in a toned print (sepia, "
                 "cyanotype), and is kept as it is; the hint \"black and white\" removes it.")


def summary_for(findings: list[Finding], all_findings: list[Finding] | None = None,
                plan: EditPlan | None = None, measurements: dict[str, float] | None = None) -> str:
    """2-4 sentences: the most important problem first, the others, then what to do. A photo whose
    colour is one tone (``thresholds.toned`` of ``measurements``: a toned print) is said to be one,
    never "balanced": its white balance and saturation were not judged."""
    lean = (TONE_SENTENCE if measurements is not None and toned(measurements)
            else _colour_lean(findings, all_findings or []))
    if not findings:
        minor = sorted((all_findings or []), key=lambda f: -f.severity)
        if lean:
            return f"The photo looks well exposed, with clean, sharp detail. Nothing needs fixing. {lean}"
        text = "The photo looks well exposed and balanced, with clean, sharp detail. Nothing needs fixing."
        if minor and minor[0].severity >= 0.15:
            text += f" At most it is {_short(minor[0])}, too little to be worth an edit."
        return text
    first, rest = findings[0], findings[1:]
    out = [_sentence(f"The photo is {_short(first)}: {first.reason[0].lower() + first.reason[1:]}")]
    if rest:
        names = [_short(f) for f in rest[:3]]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        out.append(_sentence(f"It is also {joined}"))
    if plan is not None and plan.edits:
        steps = [e.instruction for e in plan.edits[:3]]
        out.append(_sentence("Suggested: " + ", then ".join(steps)))
    if lean:
        out.append(lean)
    return " ".join(out)


# an illuminant estimate as many spreads of well-balanced photos from where they sit as a cast the
# critic reports (where thresholds.T["cast"]'s ramp reaches PRESENT: 1.9) is a lean worth naming even
# where the critic reads it as the scene's colour (its estimators disagree, or the lean is larger
# than a mis-set white balance makes) and plans nothing for it
LEAN_DISTANCE = T["cast"][0] + PRESENT * (T["cast"][1] - T["cast"][0])
LEAN_OPENING = "Its colours lean "  # how the sentence begins (``lean_in`` finds it in a summary)


def _colour_lean(findings: list[Finding], all_findings: list[Finding]) -> str:
    """A sentence naming a colour lean the critic left as the scene's own ("" where there is none,
    or a white-balance finding is reported): so that "balanced" is never said of a photo whose
    light reads far from neutral, and the user knows how to remove the lean."""
    if any(f.attribute == "white_balance" for f in findings):
        return ""
    wb = [f for f in all_findings
          if f.attribute == "white_balance" and f.measured.get("distance", 0.0) >= LEAN_DISTANCE]
    if not wb:
        return ""
    f = wb[0]
    return (f"{LEAN_OPENING}{CAST_WORD.get(f.direction, f.direction)} ({f.measured['distance']:.1f}x the spread "
            f"of well-balanced photos), read as the scene's own colour and left as they are; the hint "
            f"\"neutral colours\" removes the lean.")


def toned_in(summary: str) -> bool:
    """Whether a summary says the photo's colour is one tone, kept (``TONE_SENTENCE``)."""
    return TONE_SENTENCE in summary


def lean_in(summary: str) -> str:
    """The colour a summary says the photo leans to and was left (``_colour_lean``'s sentence), or ""."""
    _, found, rest = summary.partition(LEAN_OPENING)
    return rest.split(" ", 1)[0] if found else ""


_SHORT = {
    ("exposure", "under"): "under-exposed", ("exposure", "over"): "over-exposed",
    ("white_balance", "warm"): "too warm (an orange cast)", ("white_balance", "cool"): "too cool (a blue cast)",
    ("white_balance", "green"): "tinted green", ("white_balance", "magenta"): "tinted magenta",
    ("contrast", "low"): "flat (low contrast)", ("contrast", "high"): "harsh (too much contrast)",
    ("saturation", "low"): "dull (muted colour)", ("saturation", "high"): "over-saturated",
    ("haze", "present"): "hazy", ("noise", "present"): "noisy", ("sharpness", "blurred"): "soft (blurred)",
    ("highlights", "clipped"): "clipped in the highlights", ("shadows", "crushed"): "crushed in the shadows",
}


def finding_words(attribute: str, direction: str) -> str | None:
    """What a finding says of the photo in a few words ("under-exposed", "too warm (an orange
    cast)"), or None for an attribute and direction with no words of their own."""
    return _SHORT.get((attribute, direction))


def _short(f: Finding) -> str:
    words = finding_words(f.attribute, f.direction) or f"off in {f.attribute.replace('_', ' ')}"
    strong = "much " if words.startswith("too ") else "very "  # "much too warm", not "very too warm"
    degree = "slightly " if f.severity < 0.45 else (strong if f.severity >= 0.8 else "")
    return degree + words
