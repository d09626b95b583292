"""Is the photo a faded rendering, or are its tones the scene's? A logistic model of the tonal measurements.

A faded rendering (a flat tone curve, a print or scan that lost its ends, an over-eager "matte"
look) lifts the black and lowers the white. The thresholds read it where neither end is left
(``min(black, 1 - white)``, docs/critic.md): that misses fades that keep one end near its place
(a black lifted to 0.2 under a white at 0.95: of the training synthesis's fades it finds 58 %), and
it flags misty scenes and soft light, whose ends are the scene's own.
What tells them apart is how the measurements sit together: a fade lifts the darkest pixels and
the dark channel by the same level everywhere, while a scene's darkest parts vary; a dim scene
keeps its black, a veil its white.

``flat_score`` weighs ``FLAT_FEATURES`` by an L2-regularised logistic regression fitted by
``benchmarks/calibrate_contrast.py`` (seeded: the same constants every run) on the colour photos of
the train split of ../shared/data/train, as they are (with the small deviations of good photos and,
on half, another defect: a cast, a saturation change, a wrong exposure, noise) and faded by the
training synthesis (``learn.defects.apply_tone``: the black lifted and the white lowered, by
2-60 % of the tonal range together, in any share). ``FLAT_RAMP`` starts at the score that 2 % of
those good photos reach and ends two units of log-odds above; ``judge._contrast`` makes the finding
from it where the black is lifted (``FADE_BLACK``) on a colour photo that the sharpness reading does
not find blurred (docs/critic.md, "Is the photo faded?").
"""

from __future__ import annotations

import math

from .thresholds import linear_ramp, logistic_probability, logistic_score

# the measurements the model reads, as ``flat_features`` computes them from a critic's measurements
FLAT_FEATURES = ("contrast.black", "contrast.white", "contrast.black_min", "contrast.white_max", "contrast.range",
                 "haze.dark_p10", "haze.veil", "key_ev", "median_ev", "floor_ev", "exposure.headroom_ev",
                 "saturation.chroma_p90", "lift", "both_ends")

# a fade lifts the black: the training synthesis's fades from the size it calls present (18 % of the
# range) leave it (``contrast.black``, sRGB) at 0.04 or more, all of them, where 40 % of good photos
# have one. A frame darker than that has a true black, which no fade leaves: the model is not
# consulted there (a darkened over-exposure has lost its white, not its black)
FADE_BLACK = 0.04

# fitted by benchmarks/calibrate_contrast.py
FLAT_MEAN: tuple[float, ...] = (0.08151, 0.9012, 0.04672, 0.943, 0.6344, 0.1122, 0.1388, -0.4031, -0.2176, -4.057,
                                0.3675, 0.0768, 0.04618, 0.06915,)
FLAT_SCALE: tuple[float, ...] = (0.08839, 0.1117, 0.08273, 0.091, 0.1523, 0.09766, 0.1281, 0.8739, 0.9698, 1.952,
                                 0.4468, 0.03555, 0.06073, 0.07635,)
FLAT_WEIGHTS: tuple[float, ...] = (-0.522, -0.3702, 4.712, -2.091, 0.9748, -0.3672, -1.996, 0.5269, -0.2917, 0.2981,
                                   -1.245, 0.4906, 1.185, 2.498,)
FLAT_BIAS = -4.515
# log-odds: no fade below the first, a sure one from the second
FLAT_RAMP = (-1.983, 0.01663)


def flat_features(m: dict[str, float]) -> list[float]:
    """``FLAT_FEATURES`` of a critic's measurements ``m``: the black and white levels (sRGB; of the 0.5th
    and 99.5th percentiles and of the extremes), the tonal range, the dark channel's 10th percentile and
    the veil, the key, median and floor in stops from mid-grey, the headroom, the 90th percentile of
    chroma, and the two ends' lifts: the smaller and their geometric mean."""
    from . import judge as J

    black, white = m["contrast.black"], m["contrast.white"]
    out = [black, white, m.get("contrast.black_min", black), m.get("contrast.white_max", white),
           m.get("contrast.range", white - black), m.get("haze.dark_p10", black), m.get("haze.veil", 0.0),
           J._key_ev(m), J._median_ev(m), J._floor_ev(m), m["exposure.headroom_ev"],
           m.get("saturation.chroma_p90", 0.06)]
    lift_w = max(0.0, 1.0 - white)
    return out + [min(black, lift_w), math.sqrt(max(black, 0.0) * lift_w)]


def flat_score(m: dict[str, float]) -> float:
    """Log-odds that the photo measured as ``m`` is a faded rendering rather than its scene's own tones."""
    return logistic_score(flat_features(m), FLAT_MEAN, FLAT_SCALE, FLAT_WEIGHTS, FLAT_BIAS)


def flat_confidence(score: float) -> float:
    """Of a ``flat_score``: 0 below ``FLAT_RAMP``'s start (no fade read), rising to 1 at its end (a sure one)."""
    return linear_ramp(score, *FLAT_RAMP)


def flat_probability(score: float) -> float:
    """Of a ``flat_score``: the model's probability of a fade (for the reason's wording)."""
    return logistic_probability(score)
