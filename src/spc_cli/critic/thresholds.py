"""The calibrated numbers that turn the analytic critic's deficits into severities.

Every attribute's deficit maps linearly to a severity between two numbers from ``T``:
``onset`` (severity 0, the edge of what good photos show) and ``full`` (severity 1). A
finding is *present* at severity >= ``PRESENT``. How each was calibrated: docs/critic.md.
"""

from __future__ import annotations

import math

PRESENT = 0.3

# Where untouched photos' illuminant estimates sit (median of four estimators; log R/B, log
# G/sqrt(RB)): photos are more often warm than cool by content. judge.cast_frame and the cast model
# (cast_model.py) measure a lean from here.
WB_CENTRE = (0.2, 0.05)

# (onset, full) per deficit, in the deficit's own units; severity 0.3 (present) sits at
# onset + 0.3 * (full - onset). See docs/critic.md for how each was calibrated.
T: dict[str, tuple[float, float]] = {
    "under_ev": (0.8, 1.8),          # stops of unused headroom, less credit for bright mid-tones -> 1.1
    "over_ev": (1.3, 4.3),           # key + floor lift above mid-grey + clipping share, no headroom -> 2.2
    "cast": (1.2, 3.5),              # cast distance in units of the clean-photo spread -> 1.9
    "flat": (0.06, 0.26),            # min(black level, 1 - white level), sRGB -> 0.12
    "dull": (0.02, 0.063),           # OKLab chroma p90 short of 0.06 -> 0.033 (p90 < 0.027)
    "vivid": (0.14, 0.5),            # share of coloured mid-tones clipped at the gamut's edge -> 0.25
    "haze": (0.16, 0.63),            # veil, less the white level's drop -> 0.30
    "noise": (0.004, 0.014),         # chroma noise sigma, sRGB-encoded -> 0.007 (1.8/255)
    "noise_luma": (0.025, 0.075),    # luma noise sigma (texture inflates it) -> 0.04
    "noise_camera": (0.5 / 255, 1.0 / 255),  # camera-processed grain (half res) -> 0.65/255
    "noise_flat": (1.7 / 255, 4.4 / 255),    # white noise on the least structured blocks -> 2.5/255
    "noise_flat_half": (1.4 / 255, 3.4 / 255),  # the same at half resolution -> 2.0/255
    "blur": (0.6, 0.93),             # scale gain above 1 -> 0.7 (gain 1.7, ~1 px of blur)
    "clipped": (0.08, 0.28),         # share of pixels clipped in all channels -> 0.14
    "crushed": (0.1, 0.3),           # share of pixels at black -> 0.16
}
# sRGB: a frame whose blacks all sit above it and whites all below 1 minus it is flat (where the
# "flat" deficit reaches PRESENT: 0.12)
FLAT_LEVEL = T["flat"][0] + PRESENT * (T["flat"][1] - T["flat"][0])
# a veil lifts the darkest spots with the rest: the darkest 0.1 % of the dark channel over its
# 10th percentile (linear) from which a veil counts in full (a page with dark text keeps them dark)
DARKEST_KEEP = (0.35, 0.55)
# Haze over part of the frame (the distance veiled, the nearest ground clear) leaves the whole
# frame's darkest spots dark, so it is also read region by region: the mean veil of the
# REGION_TOP haziest of REGION_GRID x REGION_GRID cells, less REGION_SHIFT (cells of a clean
# photo are hazier than its whole: a bright wall or a sky fills one). Set with
# benchmarks/calibrate_haze_regions.py: the smallest shift that flags none of 250 clean photos
# of the train split of ../shared/data/train (0.3 flags 1, 0.2 two); tune-split photos veiled by
# learn/defects.apply_haze with their lower 20-50 % left clear are then found 24 times in 49,
# where the whole-frame reading finds none.
# A cell whose darkest parts reach REGION_SKY of the airlight is sky (or a light), not a veiled
# surface: an overcast sky filling the top third reads 0.85, a surface behind a veil that leaves
# a third of its light (t = 0.3) about 0.7.
REGION_GRID = 3
REGION_TOP = 3
REGION_SHIFT = 0.35
REGION_SKY = 0.8
# A photo nearly without colour: at most 3 % of its lit pixels have OKLab chroma of 0.02 or more
# (``saturation.grey_share`` above this). Its saturation is intent, and its noise has no colour
# to show in. (A dense veil over a pale scene reads as nearly monochrome too.)
MONOCHROME = 0.97
# A photo with no colour at all (a greyscale photo: the most colourful 1 % of its lit pixels
# below this OKLab chroma; JPEG's rounding leaves ~0.001): its dark channel is its lightness,
# so a veil cannot be told from a light grey surface (a wall, grey paper) and no haze is read.
# Hazy colour photos keep their nearest colours: of the 153 hazy variants of the validation
# generator, the least colourful (a veil over a faded photo) reads 0.007.
COLOURLESS = 0.004


# A toned monochrome photo (sepia, selenium, cyanotype, a tint or a gradient map over a greyscale
# image): its colour is visible (at least TONED[0] of the lit pixels coloured) and is its lightness's
# own once the light's estimated colour is taken out: one hue at every lightness
# (``white_balance.hue_spread`` at most TONED[1]) and the chroma a lightness alone predicts
# (``white_balance.tone_residual`` at most TONED[2]), over a picture's range of
# tones (``contrast.range`` at least TONED[3]: a frame filled by one flat surface, a grey card, is no
# print). The tone is intent, not a cast nor a lack of colour. Set on train and tune photos of
# ../shared/data/train and the same photos toned (docs/critic.md, "Toned monochrome photos").
TONED = (0.4, 0.006, 0.008, 0.25)


def toned(m: dict[str, float]) -> bool:
    """Whether measurements ``m`` are of a toned monochrome photo (``TONED``): its white balance
    and saturation are left as they are."""
    return (m.get("white_balance.coloured_share", 0.0) >= TONED[0]
            and m.get("white_balance.hue_spread", 1.0) <= TONED[1]
            and m.get("white_balance.tone_residual", 1.0) <= TONED[2] and m.get("contrast.range", 0.0) >= TONED[3])


ABOVE_WHITE = 1.001  # linear level of the brightest 0.1% (exposure.p_top) from which a file holds highlight detail


def above_white(m: dict[str, float]) -> bool:
    """Whether the photo holds values above white (a raw file's or a linear HDR's headroom), which a
    recovery of the highlights can bring back under it; True where the measurements do not say."""
    return m.get("exposure.p_top", ABOVE_WHITE) >= ABOVE_WHITE


def colourless(m: dict[str, float]) -> bool:
    """Whether measurements ``m`` are of a photo with no colour at all (``COLOURLESS``), where
    neither the thresholds nor the network read haze."""
    return m.get("saturation.chroma_p99", 1.0) < COLOURLESS


def linear_ramp(x: float, lo: float, hi: float) -> float:
    """0 at ``lo``, 1 at ``hi`` (either order), linear between, clamped."""
    return min(1.0, max(0.0, (x - lo) / (hi - lo)))


def logistic_score(values: list[float], mean: tuple[float, ...], scale: tuple[float, ...],
                   weights: tuple[float, ...], bias: float) -> float:
    """The log-odds of a fitted logistic model (``cast_model``, ``exposure_model``, ``contrast_model``):
    ``bias`` plus each standardised value times its weight."""
    return bias + sum(w * (v - mu) / sd for v, mu, sd, w in zip(values, mean, scale, weights))


def logistic_probability(score: float) -> float:
    """The probability a log-odds ``score`` stands for (a fitted model's, for a reason's wording)."""
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, score))))


def ramp(x: float, key: str) -> float:
    """The severity of deficit ``x`` on ``T[key]``'s scale."""
    return linear_ramp(x, *T[key])

# A blur this much stronger along one direction than across it (the directions' scale gains,
# max - min) may be a camera shake or a moving subject: Gaussian and defocus blurs of the
# training photos read 0.03-0.13 at the 10th-90th percentile, 5-14 px line blurs 0.16-0.39
# (benchmarks/calibrate_shake.py). It is reported as one only where a shake kernel estimated
# on the photo's two most detailed tiles is trusted (ops/shake.py) and at least SHAKE_SIGMA px
# long: clean training photos whose texture runs one way read 0-0.8 px or no trusted kernel,
# line blurs 1.3 px and more.
SHAKE_ANISOTROPY = 0.15
SHAKE_SIGMA = 1.0
