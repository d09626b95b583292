"""Harder synthetic defects than the dev set's, for measuring how far each restoration op goes.

``benchmarks/degrade.py`` stays the dev benchmark (its kinds and ranges are what quality.py
has always measured). These kinds reach where real photos go and the dev set does not:

* ``dense_haze``: transmission 0.3-0.5 near, 0.08-0.25 far, and an airlight with a colour
  (smog-yellow, blue-grey or neutral), so a levels stretch cannot undo it;
* ``clipped_over``: 1.3-2.2 EV over-exposure, each channel clipped at the sensor's white;
* ``defocus``: a disc (pillbox) point-spread function of radius 2-4.5 px;
* ``motion``: camera shake, a random-walk trajectory 7-15 px long rendered as a kernel;
* ``lowlight``: a night scene: the ambient light 2.5-3.5 EV under while the scene's own light
  sources (its brightest regions) keep their brightness, then sensor noise;
* ``tint``: green or magenta tints stronger than the dev set's (0.2-0.35).

Each is ``fn(linear, rng, **params) -> linear`` on float32 (H, W, 3) linear Rec.709, as in
degrade.py, and ``apply_hard`` quantises to 8 bits like a camera file. The parameters drawn
are the label a perfect critic would know (benchmarks/oracle.py renders from them).
"""

from __future__ import annotations

import math
from typing import Any, Callable

import cv2
import numpy as np

from . import degrade as D

AIRLIGHTS = {"smog": (0.95, 0.85, 0.62), "blue": (0.72, 0.82, 0.95), "grey": (0.88, 0.88, 0.88)}


def disc_kernel(radius: float) -> np.ndarray:
    """A pillbox PSF of ``radius`` px, anti-aliased at its rim (16x supersampled), sum 1."""
    r = int(math.ceil(radius)) + 1
    ss = 16
    t = (np.arange(-r * ss, (r + 1) * ss) + 0.5 - ss / 2) / ss
    yy, xx = np.meshgrid(t, t, indexing="ij")
    inside = (xx * xx + yy * yy <= radius * radius).astype(np.float64)
    k = inside.reshape(2 * r + 1, ss, 2 * r + 1, ss).mean(axis=(1, 3))
    return (k / k.sum()).astype(np.float32)


def shake_kernel(length: float, rng: np.random.Generator, size: int | None = None) -> np.ndarray:
    """A camera-shake PSF: a smooth random walk (momentum, small random turns) of about
    ``length`` px of path, splatted bilinearly on a grid and slightly blurred (sum 1)."""
    steps = 400
    angle = rng.uniform(0, 2 * math.pi)
    turn = rng.normal(0.0, 0.08, steps).cumsum() * 0.6
    d = np.stack([np.cos(angle + turn), np.sin(angle + turn)], 1) * (length / steps)
    path = np.cumsum(d, 0)
    path -= path.mean(0)
    size = size or (int(math.ceil(np.abs(path).max())) * 2 + 5)
    k = np.zeros((size, size), np.float64)
    c = size // 2
    for x, y in path:
        x0, y0 = int(math.floor(x + c)), int(math.floor(y + c))
        fx, fy = x + c - x0, y + c - y0
        for dy, wy in ((0, 1 - fy), (1, fy)):
            for dx, wx in ((0, 1 - fx), (1, fx)):
                k[y0 + dy, x0 + dx] += wy * wx
    k = cv2.GaussianBlur(k, (0, 0), 0.5)
    return (k / k.sum()).astype(np.float32)


def kernel_sigma(k: np.ndarray) -> float:
    """The Gaussian-equivalent sigma of a PSF: sqrt of its mean variance along x and y."""
    h, w = k.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    s = k.sum()
    my, mx = (k * yy).sum() / s, (k * xx).sum() / s
    vy, vx = (k * (yy - my) ** 2).sum() / s, (k * (xx - mx) ** 2).sum() / s
    return float(math.sqrt(0.5 * (vx + vy)))


def convolve(linear: np.ndarray, k: np.ndarray) -> np.ndarray:
    return cv2.filter2D(linear, -1, k[::-1, ::-1].copy(), borderType=cv2.BORDER_REFLECT)


def dense_haze(linear: np.ndarray, rng: np.random.Generator | None = None, *, t_near: float, t_far: float,
               airlight: list[float], depth_seed: int = 0) -> np.ndarray:
    return D.haze(linear, rng, t_near=t_near, t_far=t_far, airlight=tuple(airlight), depth_seed=depth_seed)


def defocus_disc(linear: np.ndarray, rng: np.random.Generator | None = None, *, radius: float) -> np.ndarray:
    return convolve(linear, disc_kernel(radius))


def motion(linear: np.ndarray, rng: np.random.Generator | None = None, *, length: float,
           kernel_seed: int = 0) -> np.ndarray:
    return convolve(linear, shake_kernel(length, np.random.default_rng(kernel_seed)))


def lights_mask(linear: np.ndarray) -> np.ndarray:
    """Where a night version of the scene keeps its light: a smooth mask of the brightest
    regions (the top 4 % of a slightly blurred luminance), 0..1."""
    y = cv2.GaussianBlur(D.luminance(linear), (0, 0), max(1.0, max(linear.shape[:2]) / 300))
    lo, hi = np.quantile(y, [0.96, 0.995])
    t = np.clip((y - lo) / max(hi - lo, 1e-4), 0.0, 1.0)
    return (t * t * (3 - 2 * t)).astype(np.float32)


def lowlight(linear: np.ndarray, rng: np.random.Generator, *, ev: float, sigma_mid: float) -> np.ndarray:
    """Ambient light ``ev`` stops under, light sources kept, then Poisson-Gaussian noise."""
    m = lights_mask(linear)[..., None]
    dark = linear * (np.float32(2.0 ** ev) * (1 - m) + m)
    return np.clip(D.sensor_noise(dark, rng, sigma_mid=sigma_mid), 0.0, 1.0)


def clipped_over(linear: np.ndarray, rng: np.random.Generator | None = None, *, ev: float) -> np.ndarray:
    return D.exposure(linear, ev=ev)


def tint(linear: np.ndarray, rng: np.random.Generator | None = None, *, direction: str, tint: float) -> np.ndarray:
    return D.colour_cast(linear, direction=direction, tint=tint)


def _r(g: np.random.Generator, lo: float, hi: float, nd: int = 3) -> float:
    return round(float(g.uniform(lo, hi)), nd)


def _draw_haze(g: np.random.Generator) -> dict[str, Any]:
    name = str(g.choice(list(AIRLIGHTS)))
    level = _r(g, 0.8, 1.0)
    return {"t_near": _r(g, 0.3, 0.5), "t_far": _r(g, 0.08, 0.25),
            "airlight": [round(level * c, 3) for c in AIRLIGHTS[name]], "depth_seed": int(g.integers(0, 2**31))}


# name -> (draw params, apply, the dev attribute and direction it answers)
HARD_KINDS: dict[str, tuple[Callable[[np.random.Generator], dict[str, Any]], Callable[..., np.ndarray], str, str]] = {
    "dense_haze": (_draw_haze, dense_haze, "haze", "present"),
    "clipped_over": (lambda g: {"ev": _r(g, 1.3, 2.2, 2)}, clipped_over, "exposure", "over"),
    "defocus": (lambda g: {"radius": _r(g, 2.0, 4.5, 2)}, defocus_disc, "sharpness", "blurred"),
    "motion": (lambda g: {"length": _r(g, 7.0, 15.0, 1), "kernel_seed": int(g.integers(0, 2**31))},
               motion, "sharpness", "blurred"),
    "lowlight": (lambda g: {"ev": _r(g, -3.5, -2.5, 2), "sigma_mid": _r(g, 3.0, 6.0, 2)},
                 lowlight, "exposure", "under"),
    "tint": (lambda g: {"direction": str(g.choice(["green", "magenta"])), "tint": _r(g, 0.2, 0.35)},
             tint, "white_balance", "tint"),
}


def apply_hard(image_srgb: np.ndarray, kind: str, params: dict[str, Any], seed: int = 0) -> np.ndarray:
    """One hard defect on an sRGB photo (uint8 or float); returns uint8 sRGB."""
    rng = np.random.default_rng(seed)
    x = D.srgb_to_linear(D.to_float(image_srgb))
    x = HARD_KINDS[kind][1](x, rng, **params)
    return D.quantise8(D.linear_to_srgb(np.clip(x, 0.0, 1.0)))
