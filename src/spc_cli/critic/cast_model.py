"""Is the photo's colour a cast, or the scene's own? A logistic model of the white-balance measurements.

The analytic critic's illuminant estimate (``measure.measure_white_balance``) places the light;
whether an estimate away from where good photos sit is a cast or a coloured scene (a warm room,
foliage, a blue evening) the distance alone does not say: good photos spread as far as a mild cast
moves them (docs/critic.md, "Known limits"). What does say more is where each estimator sits
(grey edges stay near neutral under a coloured scene and move with a cast), how much of the
frame is coloured and how many near-neutral surfaces the estimate leaves, how far the estimators
disagree. Clipping is left out: an over-exposure clips single channels as a cast does.

``cast_score`` weighs ``CAST_FEATURES`` by an L2-regularised logistic regression fitted by
``benchmarks/calibrate_casts.py`` (seeded: the same constants every run) on the colour photos of
the train split of ../shared/data/train, as they are (with the small deviations of good photos
and, on half, another defect: an exposure, a fade, a saturation change, a veil) and under casts
of the training synthesis (``learn.defects``: blackbody lights on a daylight balance, off-locus
lights, pure tints, two lights mixed), crops of 256-512 px as the critic reads them.
``CAST_RAMP`` starts at the score that 3 % of those good photos reach (the false alarms allowed)
and ends two units of log-odds above it. ``judge._white_balance`` makes the finding from it
(docs/critic.md, "Is the lean a cast?").
"""

from __future__ import annotations

from .thresholds import WB_CENTRE, linear_ramp, logistic_probability, logistic_score

# each estimator's offset from where good photos sit (WB_CENTRE), one side of one axis at a time
# ("warm grey_edge": how much warmer than WB_CENTRE the grey-edge estimate is, 0 where it is
# cooler); "estimate" is the critic's own (the per-channel median of the four classic ones),
# "spreads" its offset in spreads of good photos on each side, as the thresholds read it
# (judge.cast_frame: narrower when the estimators agree, and on the cool side along the daylight
# locus). measure.measure_white_balance has them all.
ESTIMATORS = ("estimate", "grey_world", "grey_edge", "bright", "white", "max_rgb", "shades_of_grey", "spreads")
SIDES = ("warm", "cool", "green", "magenta")
CONTEXT = ("white_balance.coloured_share", "white_balance.neutral_share", "white_balance.hue_spread",
           "white_balance.spread", "contrast.black_min", "exposure.p_top",
           "white_balance.bright_chroma", "white_balance.tone_residual", "saturation.chroma_p90",
           "saturation.grey_share")
# what the fit may use; it keeps every context measurement and the offsets whose weight comes out
# positive (a larger offset of an estimator is never evidence against a cast: the score of a photo
# rises with any cast laid over it), refitting without the others until none is negative
CANDIDATES = tuple(f"{side} {e}" for e in ESTIMATORS for side in SIDES) + CONTEXT

# fitted by benchmarks/calibrate_casts.py
CAST_FEATURES: tuple[str, ...] = ("cool grey_world", "magenta grey_world", "warm grey_edge", "cool grey_edge",
                                  "green grey_edge", "magenta bright", "cool max_rgb", "green max_rgb",
                                  "warm spreads", "magenta spreads", "white_balance.coloured_share",
                                  "white_balance.neutral_share", "white_balance.hue_spread", "white_balance.spread",
                                  "contrast.black_min", "exposure.p_top", "white_balance.bright_chroma",
                                  "white_balance.tone_residual", "saturation.chroma_p90", "saturation.grey_share",)
CAST_MEAN: tuple[float, ...] = (0.1743, 0.05235, 0.2657, 0.171, 0.1006, 0.04587, 0.1542, 0.1093, 0.5066, 0.3026,
                                0.8859, 0.6653, 0.2734, 0.2917, 0.05268, 0.9154, 0.0255, 0.04646, 0.0858, 0.2195,)
CAST_SCALE: tuple[float, ...] = (0.3177, 0.1215, 0.4998, 0.2421, 0.1913, 0.1111, 0.2145, 0.2128, 0.8774, 0.7679,
                                 0.1706, 0.2518, 0.1757, 0.2234, 0.126, 0.144, 0.02379, 0.02825, 0.03997, 0.241,)
CAST_WEIGHTS: tuple[float, ...] = (0.02964, 0.2303, 0.6674, 0.4455, 0.1071, 0.1994, 0.07428, 0.582, 0.07894, 0.1275,
                                   0.3603, 0.09781, 0.1038, -0.05226, 0.1756, 0.2641, 0.05078, -0.1799, 0.1115,
                                   -0.02702,)
CAST_BIAS = 0.04461
CAST_RAMP = (1.067, 3.067)  # log-odds: no cast below the first, a sure one from the second


def _value(m: dict[str, float], name: str) -> float:
    side, _, est = name.partition(" ")
    if side in SIDES and est == "spreads":
        from .judge import cast_frame

        _, dw, dt, sw, st = cast_frame(m["white_balance.warmth"], m["white_balance.tint"], m["white_balance.spread"])
        z = dw / sw if side in ("warm", "cool") else dt / st
        return max(0.0, z if side in ("warm", "green") else -z)
    if side in SIDES:
        suffix = "" if est == "estimate" else "_" + est
        if side in ("warm", "cool"):
            off = float(m["white_balance.warmth" + suffix]) - WB_CENTRE[0]
        else:
            off = float(m["white_balance.tint" + suffix]) - WB_CENTRE[1]
        return max(0.0, off if side in ("warm", "green") else -off)
    return float(m.get(name, 0.0))


def cast_features(m: dict[str, float], names: tuple[str, ...] | None = None) -> list[float]:
    """``names`` (``CAST_FEATURES``) of a critic's measurements ``m``."""
    return [_value(m, n) for n in (CAST_FEATURES if names is None else names)]


def cast_score(m: dict[str, float]) -> float:
    """Log-odds that the photo measured as ``m`` carries a cast (its light's colour is not the scene's)."""
    return logistic_score(cast_features(m), CAST_MEAN, CAST_SCALE, CAST_WEIGHTS, CAST_BIAS)


def cast_confidence(score: float) -> float:
    """Of a ``cast_score``: 0 below ``CAST_RAMP``'s start (no cast read), rising to 1 at its end (a sure cast)."""
    return linear_ramp(score, *CAST_RAMP)


def cast_probability(score: float) -> float:
    """Of a ``cast_score``: the model's probability of a cast (for the reason's wording)."""
    return logistic_probability(score)
