"""The calibrated numbers that turn the analytic critic's deficits into severities.

Every attribute's deficit maps linearly to a severity between two numbers from ``T``:
``onset`` (severity 0, the edge of what good photos show) and ``full`` (severity 1). A
finding is *present* at severity >= ``PRESENT``. How each was calibrated: docs/critic.md.
"""

from __future__ import annotations

PRESENT = 0.3

# (onset, full) per deficit, in the deficit's own units; severity 0.3 (present) sits at
# onset + 0.3 * (full - onset). See docs/critic.md for how each was calibrated.
T: dict[str, tuple[float, float]] = {
    "under_ev": (0.8, 1.8),          # stops of unused headroom, less credit for bright mid-tones -> 1.1
    "over_ev": (1.3, 4.3),           # key + floor lift above mid-grey + clipping share, no headroom -> 2.2
    "cast": (1.2, 3.5),              # cast distance in units of the clean-photo spread -> 1.9
    "flat": (0.06, 0.26),            # min(black level, 1 - white level), sRGB -> 0.12
    "dull": (0.02, 0.063),           # OKLab chroma p90 short of 0.06 -> 0.033 (p90 < 0.027)
    "haze": (0.16, 0.63),            # veil, less the white level's drop -> 0.30
    "noise": (0.004, 0.014),         # chroma noise sigma, sRGB-encoded -> 0.007 (1.8/255)
    "noise_luma": (0.025, 0.075),    # luma noise sigma (texture inflates it) -> 0.04
    "noise_camera": (0.5 / 255, 1.0 / 255),  # camera-processed grain (half res) -> 0.65/255
    "blur": (0.6, 0.93),             # scale gain above 1 -> 0.7 (gain 1.7, ~1 px of blur)
    "clipped": (0.08, 0.28),         # share of pixels clipped in all channels -> 0.14
    "crushed": (0.1, 0.3),           # share of pixels at black -> 0.16
}
# sRGB: a frame whose blacks all sit above it and whites all below 1 minus it is flat (where the
# "flat" deficit reaches PRESENT: 0.12)
FLAT_LEVEL = T["flat"][0] + PRESENT * (T["flat"][1] - T["flat"][0])


def linear_ramp(x: float, lo: float, hi: float) -> float:
    """0 at ``lo``, 1 at ``hi`` (either order), linear between, clamped."""
    return min(1.0, max(0.0, (x - lo) / (hi - lo)))


def ramp(x: float, key: str) -> float:
    """The severity of deficit ``x`` on ``T[key]``'s scale."""
    return linear_ramp(x, *T[key])
