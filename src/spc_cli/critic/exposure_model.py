"""Is a bright photo over-exposed, or is that its scene? A logistic model of the exposure measurements.

The thresholds (``judge.exposure_offsets``) read an over-exposure from where the histogram sits: its
key and floor above what good photos show, no headroom under white, a share of the frame clipped.
Good photos spread as far as a mild error moves them (sunlit snow, a white church, a pale sky,
docs/critic.md, "Known limits"), so on their own the thresholds flag bright good photos: 3 % of the
training synthesis's good photos, 22 of the 668 train and tune photos as they are. What tells a
bright scene from a bright rendering is how the measurements sit together: a bright scene keeps its
deep shadows and a little headroom, an over-exposure lifts the floor with everything else.

``over_score`` weighs ``OVER_FEATURES`` by an L2-regularised logistic regression fitted by
``benchmarks/calibrate_exposure.py`` (seeded: the same constants every run) on the colour photos of
the train split of ../shared/data/train, as they are (with the small deviations of good photos and,
on half, another defect: a cast, a fade or harsh curve, a saturation change, a veil, noise) and
under the exposure errors of the training synthesis (``learn.defects.apply_exposure``: a camera's
rendering of scene light scaled by up to 2.5 stops, or a gain clipped by the sensor or a highlight
shoulder). It is a second opinion on the thresholds' finding, never a finding of its own:
``over_gate`` scales the over-exposure's severity from 0 where the score is below ``OVER_RAMP``'s
start to 1 at its end (``judge._exposure``).

The same model of under-exposure was tried and not kept: what it took for good low-key photos
(a dark frame whose brightest parts reach white) is what real night photos show too, and it
left 11 of the 12 dark DICM photos the thresholds find (docs/critic.md, "Is the bright photo
over-exposed?").
"""

from __future__ import annotations

import math

from .thresholds import linear_ramp, logistic_score

# the measurements the model reads, as ``over_features`` computes them from a critic's measurements
OVER_FEATURES = ("key_ev", "median_ev", "floor_ev", "headroom_ev", "top_ev", "p5_ev", "clipped_any_ev", "clipped_ev",
                 "under", "over", "lights", "contrast.white", "contrast.black")

# fitted by benchmarks/calibrate_exposure.py
OVER_MEAN: tuple[float, ...] = (-0.1115, 0.09252, -3.881, 0.1845, 0.1284, -2.828, -8.553, -11.2, 0.08292, 0.6589,
                                0.411, 0.9486, 0.09832,)
OVER_SCALE: tuple[float, ...] = (0.9845, 1.064, 2.333, 0.2923, 0.2341, 1.979, 4.453, 3.53, 0.4109, 1.475, 0.492,
                                 0.07729, 0.1406,)
OVER_WEIGHTS: tuple[float, ...] = (0.5599, 0.4567, 0.1905, -0.5175, -0.727, -0.2158, 0.5635, 0.5862, 0.3664, 0.1793,
                                   -0.06305, -0.7687, -0.1219,)
OVER_BIAS = -1.92
# log-odds: the thresholds' finding is dropped below the first, kept whole from the second
OVER_RAMP = (-0.3758, 0.6242)


def over_features(m: dict[str, float]) -> list[float]:
    """``OVER_FEATURES`` of a critic's measurements ``m``: the key, median and floor in stops from
    mid-grey (of the content, where the white is a background: ``judge._key_ev``), the headroom of the
    top 0.5 % and 0.1 % in stops under white, the 5th percentile in stops, the shares clipped in any
    channel and in all three as log2, the thresholds' deficits, whether lights are in frame, and the
    white and black levels."""
    from . import judge as J

    under, over = J.exposure_offsets(m)
    floor = m.get("exposure.p_lo", J.MID_KEY * 2.0 ** J.FLOOR_EV)
    top = m.get("exposure.p_top", 2.0 ** -m["exposure.headroom_ev"])
    return [J._key_ev(m), J._median_ev(m), J._floor_ev(m), m["exposure.headroom_ev"], -math.log2(max(top, 1e-4)),
            math.log2(max(m.get("exposure.p5", floor), 1e-5) / J.MID_KEY),
            math.log2(max(m["exposure.clipped_any"], 1e-4)),
            math.log2(max(m.get("exposure.clipped", m["exposure.clipped_any"]), 1e-4)),
            under, over, float(J.lights_in_frame(m)), m.get("contrast.white", 1.0), m.get("contrast.black", 0.0)]


def over_score(m: dict[str, float]) -> float:
    """Log-odds that the photo measured as ``m`` is over-exposed rather than a bright scene well exposed."""
    return logistic_score(over_features(m), OVER_MEAN, OVER_SCALE, OVER_WEIGHTS, OVER_BIAS)


def over_gate(score: float) -> float:
    """Of an ``over_score``: 0 below ``OVER_RAMP``'s start (a bright good photo's reading), rising to 1 at its
    end; the thresholds' over-exposure severity is scaled by it."""
    return linear_ramp(score, *OVER_RAMP)
