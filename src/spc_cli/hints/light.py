"""The colour of light: kelvin white points and the photo's estimated light (log chromaticity).

Colours of light are handled as log chromaticity (log R/B, log G / sqrt(R B)) of linear
Rec.709 RGB, the coordinates the critic measures a cast in (``white_balance.warmth`` and
``white_balance.tint``). A number in kelvin is a *target*: the colour the light should have
in the result, on the photographer's scale where daylight (5500 K, the camera's daylight
balance) renders neutral, 3200 K is tungsten's orange and 8000 K a bluish shade.
"""

from __future__ import annotations

import math

from ..colour import planck_xy

DAYLIGHT_K = 5500.0
_XYZ_TO_RGB = ((3.2404542, -1.5371385, -0.4985314), (-0.9692660, 1.8760108, 0.0415560),
               (0.0556434, -0.2040259, 1.0572252))


def planck_rgb(kelvin: float) -> tuple[float, float, float]:
    """Linear Rec.709 colour of a ``kelvin`` light as a camera balanced for daylight (5500 K)
    records it, luminance 1: (1, 1, 1) at 5500 K, orange below, blue above.

    >>> [round(v, 3) for v in planck_rgb(5500)]
    [1.0, 1.0, 1.0]
    """
    def rgb(k: float) -> list[float]:
        x, y = planck_xy(k)
        xyz = (x / y, 1.0, (1 - x - y) / y)
        return [sum(m * v for m, v in zip(row, xyz)) for row in _XYZ_TO_RGB]

    c = [a / b for a, b in zip(rgb(kelvin), rgb(DAYLIGHT_K))]
    y = 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2]
    return c[0] / y, c[1] / y, c[2] / y


def log_chroma(rgb) -> tuple[float, float]:
    """(log R/B, log G/sqrt(R B)) of a linear RGB triple."""
    r, g, b = (math.log(max(float(v), 1e-6)) for v in rgb)
    return r - b, g - 0.5 * (r + b)


def kelvin_chroma(kelvin: float) -> tuple[float, float]:
    """The log chromaticity of a ``kelvin`` light on the daylight-balanced scale."""
    return log_chroma(planck_rgb(kelvin))


def chroma_kelvin(warmth: float, lo: float = 1500.0, hi: float = 20000.0) -> float:
    """The temperature of the black-body light as warm as ``warmth`` (log R/B on the
    daylight-balanced scale), within [lo, hi] (``kelvin_chroma``'s inverse in warmth).

    >>> round(chroma_kelvin(kelvin_chroma(3200.0)[0]))
    3200
    """
    if warmth >= kelvin_chroma(lo)[0]:
        return lo
    if warmth <= kelvin_chroma(hi)[0]:
        return hi
    a, b = math.log(lo), math.log(hi)  # warmth falls as the temperature rises
    for _ in range(60):
        mid = 0.5 * (a + b)
        a, b = (mid, b) if kelvin_chroma(math.exp(mid))[0] > warmth else (a, mid)
    return math.exp(0.5 * (a + b))


def estimated_cast(photo, measurements: dict[str, float] | None = None) -> tuple[float, float]:
    """The photo's whole estimated light colour (log R/B, log G/sqrt(RB)): from the critic's
    measurements when it took them, else measured on the photo's proxy."""
    m = measurements or {}
    if "white_balance.warmth" in m and "white_balance.tint" in m:
        return float(m["white_balance.warmth"]), float(m["white_balance.tint"])
    from ..colour import area_downscale
    from ..critic.measure import measure_white_balance

    wb = measure_white_balance(area_downscale(photo.proxy(512).float(), 256))
    return wb["warmth"], wb["tint"]
