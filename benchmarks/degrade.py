"""Synthetic photographic defects with known labels, applied the way the physics works.

Each defect is a pure function ``fn(linear, rng, **params) -> linear`` on a float32
(H, W, 3) array of linear Rec.709 light. ``make_variants`` turns one clean sRGB photo
into a reproducible, labelled set: the untouched photo, a few single defects and one
combined pair, each quantised to 8 bits like a camera file.

    from benchmarks.degrade import make_variants
    for v in make_variants(srgb_uint8, seed="kodim01", name="kodim01"):
        v.name, v.image, v.label   # label = {"defects": [...], "related": [...]}

Labels use spc's attribute words (``spc_cli.critic.base.ATTRIBUTES``):
exposure (under/over), white_balance (warm/cool/green/magenta), contrast (low),
saturation (low), haze (present), noise (present), sharpness (blurred).
``related`` lists attributes a correct critic may also report on that variant
(e.g. highlights on a clipped over-exposure); benchmarks score them as neither a
hit nor a false alarm.

Physical order when defects combine (``PIPELINE_ORDER``): atmosphere (haze), optics
(blur), illuminant (cast), exposure, sensor noise and clipping, then the rendering
steps in the encoded image (desaturation, flattened contrast), then 8-bit quantisation.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any, Callable

import cv2
import numpy as np

LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)  # Rec.709 relative luminance

# --------------------------------------------------------------------------- colour


def srgb_to_linear(srgb: np.ndarray) -> np.ndarray:
    """sRGB-encoded values in [0, 1] to linear light (float32)."""
    x = np.clip(np.asarray(srgb, dtype=np.float32), 0.0, None)
    return np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    """Linear light to sRGB encoding (float32, not clipped above 1)."""
    x = np.clip(np.asarray(linear, dtype=np.float32), 0.0, None)
    return np.where(x <= 0.0031308, x * 12.92,
                    1.055 * np.maximum(x, 0.0031308) ** (1 / 2.4) - 0.055).astype(np.float32)


def to_float(image: np.ndarray) -> np.ndarray:
    """uint8 / uint16 / float sRGB array to float32 in [0, 1], 3 channels."""
    a = np.asarray(image)
    if a.dtype == np.uint8:
        a = a.astype(np.float32) / 255.0
    elif a.dtype == np.uint16:
        a = a.astype(np.float32) / 65535.0
    else:
        a = a.astype(np.float32)
    if a.ndim == 2:
        a = np.repeat(a[..., None], 3, axis=2)
    return a[..., :3]


def quantise8(srgb: np.ndarray) -> np.ndarray:
    """sRGB float to uint8 with rounding, as a camera JPEG/PNG would store it."""
    return np.round(np.clip(srgb, 0.0, 1.0) * 255.0).astype(np.uint8)


def luminance(linear: np.ndarray) -> np.ndarray:
    """Relative luminance Y (H, W) of linear Rec.709 RGB."""
    return linear @ LUMA


# --------------------------------------------------------------------------- defects


def exposure(linear: np.ndarray, rng: np.random.Generator | None = None, *, ev: float,
             clip: bool = True) -> np.ndarray:
    """Scale linear light by 2**ev; with ``clip`` each channel saturates at 1 like a sensor.

    >>> round(float(exposure(np.full((1, 1, 3), 0.2, np.float32), ev=1.0, clip=False)[0, 0, 0]), 3)
    0.4
    """
    out = linear * np.float32(2.0 ** ev)
    return np.minimum(out, 1.0) if clip else out


def _planck_xy(kelvin: float) -> tuple[float, float]:
    """CIE 1931 xy of a blackbody (Kim et al. 2002 cubic fit, 1667-25000 K)."""
    t = float(kelvin)
    if t <= 4000:
        x = -0.2661239e9 / t**3 - 0.2343589e6 / t**2 + 0.8776956e3 / t + 0.179910
    else:
        x = -3.0258469e9 / t**3 + 2.1070379e6 / t**2 + 0.2226347e3 / t + 0.240390
    if t <= 2222:
        y = -1.1063814 * x**3 - 1.34811020 * x**2 + 2.18555832 * x - 0.20219683
    elif t <= 4000:
        y = -0.9549476 * x**3 - 1.37418593 * x**2 + 2.09137015 * x - 0.16748867
    else:
        y = 3.0817580 * x**3 - 5.87338670 * x**2 + 3.75112997 * x - 0.37001483
    return x, y


_XYZ_TO_RGB = np.array([[3.2404542, -1.5371385, -0.4985314],
                        [-0.9692660, 1.8760108, 0.0415560],
                        [0.0556434, -0.2040259, 1.0572252]])


def _planck_rgb(kelvin: float) -> np.ndarray:
    x, y = _planck_xy(kelvin)
    return _XYZ_TO_RGB @ np.array([x / y, 1.0, (1 - x - y) / y])


def _normalise_gains(gains: np.ndarray) -> np.ndarray:
    """Scale gains so a neutral grey keeps its luminance."""
    return (gains / float(LUMA @ gains)).astype(np.float32)


def cast_gains(direction: str, *, kelvin: float | None = None, tint: float | None = None) -> np.ndarray:
    """Linear RGB gains of a colour cast, luminance-normalised.

    warm / cool: the light is a blackbody at ``kelvin`` but the camera balanced for
    6500 K, so channel gains are rgb(kelvin) / rgb(6500). green / magenta: the green
    channel is multiplied by (1 + tint) or (1 - tint).
    """
    if direction in ("warm", "cool"):
        if kelvin is None:
            raise ValueError("warm/cool casts need kelvin")
        return _normalise_gains(_planck_rgb(kelvin) / _planck_rgb(6500.0))
    if direction in ("green", "magenta"):
        if tint is None:
            raise ValueError("green/magenta casts need tint")
        g = 1.0 + tint if direction == "green" else 1.0 - tint
        return _normalise_gains(np.array([1.0, g, 1.0]))
    raise ValueError(f"unknown cast direction {direction!r}")


def colour_cast(linear: np.ndarray, rng: np.random.Generator | None = None, *, direction: str,
                kelvin: float | None = None, tint: float | None = None) -> np.ndarray:
    """Von Kries channel gains in linear light (see ``cast_gains``)."""
    return linear * cast_gains(direction, kelvin=kelvin, tint=tint)


def flatten_contrast(linear: np.ndarray, rng: np.random.Generator | None = None, *,
                     keep: float) -> np.ndarray:
    """Blend toward mid-grey (0.5) in the sRGB encoding: s' = 0.5 + keep * (s - 0.5).

    A washed-out rendering: black lifted, white lowered; chroma shrinks with it.
    """
    s = linear_to_srgb(linear)
    return srgb_to_linear(0.5 + np.float32(keep) * (s - 0.5))


def desaturate(linear: np.ndarray, rng: np.random.Generator | None = None, *,
               scale: float) -> np.ndarray:
    """Blend each pixel toward its luminance in linear light (chroma times ``scale``)."""
    y = luminance(linear)[..., None]
    return y + np.float32(scale) * (linear - y)


def _smooth_field(shape: tuple[int, int], rng: np.random.Generator, cells: int = 4) -> np.ndarray:
    """A smooth random field in [0, 1] (bicubic upsampling of a coarse grid)."""
    h, w = shape
    coarse = rng.random((cells, max(2, round(cells * w / h)))).astype(np.float32)
    f = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    f -= f.min()
    return f / max(float(f.max()), 1e-6)


def haze_depth(shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A depth-like map in [0, 1]: far at the top of the frame, near at the bottom,
    with smooth random variation (landscape-like)."""
    h, w = shape
    ramp = np.linspace(1.0, 0.0, h, dtype=np.float32)[:, None] * np.ones((1, w), np.float32)
    return np.clip(0.7 * ramp + 0.3 * _smooth_field(shape, rng), 0.0, 1.0)


def haze(linear: np.ndarray, rng: np.random.Generator | None = None, *, t_near: float,
         t_far: float, airlight: tuple[float, float, float], depth_seed: int = 0) -> np.ndarray:
    """Atmospheric scattering I = J * t + A * (1 - t) in linear light.

    Transmission t runs from ``t_near`` (bottom, near) to ``t_far`` (top, far) along a
    depth-like smooth map seeded by ``depth_seed``; ``airlight`` A is a bright near-white.
    With t_near == t_far the haze is uniform.
    """
    d = haze_depth(linear.shape[:2], np.random.default_rng(depth_seed))
    t = (t_near + (t_far - t_near) * d)[..., None].astype(np.float32)
    a = np.asarray(airlight, dtype=np.float32)
    return linear * t + a * (1.0 - t)


def noise_model(sigma_mid: float) -> tuple[float, float]:
    """Poisson-Gaussian parameters (a, b) with variance a * x + b in linear light such
    that the noise std at sRGB mid-grey (0.5 -> linear 0.214) is ``sigma_mid`` / 255 in
    the sRGB encoding. Read noise b carries 2 % of the variance at mid-grey."""
    x_mid = float(srgb_to_linear(np.float32(0.5)))
    slope = 1.055 / 2.4 * x_mid ** (1 / 2.4 - 1)  # d sRGB / d linear at mid-grey
    var = (sigma_mid / 255.0 / slope) ** 2
    b = 0.02 * var
    a = (var - b) / x_mid
    return a, b


def sensor_noise(linear: np.ndarray, rng: np.random.Generator, *, sigma_mid: float) -> np.ndarray:
    """Signal-dependent sensor noise: photon shot noise (Poisson, scaled) plus Gaussian
    read noise, independent per channel, in linear light. Not clipped (the caller clips)."""
    a, b = noise_model(sigma_mid)
    x = np.clip(linear, 0.0, None).astype(np.float64)
    shot = rng.poisson(x / a) * a
    read = rng.normal(0.0, np.sqrt(b), size=x.shape)
    return (shot + read).astype(np.float32)


def defocus(linear: np.ndarray, rng: np.random.Generator | None = None, *, radius: float) -> np.ndarray:
    """Mild defocus: a Gaussian point-spread function of standard deviation ``radius`` px,
    applied in linear light (optics blur light, not code values)."""
    return cv2.GaussianBlur(linear, (0, 0), sigmaX=float(radius), sigmaY=float(radius),
                            borderType=cv2.BORDER_REFLECT)


# --------------------------------------------------------------------------- labelled kinds


@dataclass(frozen=True)
class DefectKind:
    """One kind of defect: how to draw its parameters, apply it, and label it."""

    name: str
    attribute: str
    direction: str
    stage: int  # position in the physical pipeline (see PIPELINE_ORDER)
    draw: Callable[[np.random.Generator], dict[str, Any]]
    apply: Callable[..., np.ndarray]
    related: tuple[str, ...] = ()  # attributes a correct critic may also report


def _r(rng: np.random.Generator, lo: float, hi: float, nd: int = 3) -> float:
    return round(float(rng.uniform(lo, hi)), nd)


PIPELINE_ORDER = ("haze", "blur", "cast", "exposure", "noise", "saturation", "contrast")

KINDS: dict[str, DefectKind] = {k.name: k for k in (
    DefectKind("under", "exposure", "under", 3, lambda g: {"ev": _r(g, -2.0, -1.0, 2)},
               exposure, ("shadows",)),
    DefectKind("over", "exposure", "over", 3, lambda g: {"ev": _r(g, 0.6, 1.2, 2)},
               exposure, ("highlights",)),
    DefectKind("warm", "white_balance", "warm", 2, lambda g: {"kelvin": float(round(g.uniform(4000, 5000), -1))},
               lambda x, rng, **p: colour_cast(x, rng, direction="warm", **p)),
    DefectKind("cool", "white_balance", "cool", 2, lambda g: {"kelvin": float(round(g.uniform(9000, 12000), -1))},
               lambda x, rng, **p: colour_cast(x, rng, direction="cool", **p)),
    DefectKind("green", "white_balance", "green", 2, lambda g: {"tint": _r(g, 0.12, 0.22)},
               lambda x, rng, **p: colour_cast(x, rng, direction="green", **p)),
    DefectKind("magenta", "white_balance", "magenta", 2, lambda g: {"tint": _r(g, 0.12, 0.22)},
               lambda x, rng, **p: colour_cast(x, rng, direction="magenta", **p)),
    DefectKind("flat", "contrast", "low", 6, lambda g: {"keep": _r(g, 0.55, 0.7)},
               flatten_contrast, ("saturation",)),
    DefectKind("desaturated", "saturation", "low", 5, lambda g: {"scale": _r(g, 0.4, 0.6)},
               desaturate),
    DefectKind("haze", "haze", "present", 0,
               lambda g: {"t_near": _r(g, 0.75, 0.88), "t_far": _r(g, 0.55, 0.7),
                          "airlight": [_r(g, 0.78, 0.84), _r(g, 0.82, 0.87), _r(g, 0.86, 0.92)],
                          "depth_seed": int(g.integers(0, 2**31))},
               haze, ("contrast", "saturation")),
    DefectKind("noise", "noise", "present", 4, lambda g: {"sigma_mid": _r(g, 4.0, 10.0, 2)},
               sensor_noise),
    DefectKind("blur", "sharpness", "blurred", 1, lambda g: {"radius": _r(g, 1.5, 2.5, 2)},
               defocus),
)}

# One kind per attribute family when drawing a random single defect, so every
# attribute is drawn about equally often (casts and exposure have several directions).
FAMILIES: tuple[tuple[str, ...], ...] = (
    ("under", "over"), ("warm", "cool", "green", "magenta"), ("flat",), ("desaturated",),
    ("haze",), ("noise",), ("blur",))


def apply_defects(image_srgb: np.ndarray, defects: list[tuple[str, dict[str, Any]]],
                  seed: int = 0) -> np.ndarray:
    """Apply named defects with given params to an sRGB photo; returns uint8 sRGB.

    Defects run in physical order whatever order they are listed in; exposure clips at
    the sensor's white point, and the result is clipped and quantised to 8 bits.
    """
    rng = np.random.default_rng(seed)
    x = srgb_to_linear(to_float(image_srgb))
    for name, params in sorted(defects, key=lambda d: KINDS[d[0]].stage):
        x = KINDS[name].apply(x, rng, **params)
        if KINDS[name].stage in (3, 4):  # the sensor clips what it records
            x = np.clip(x, 0.0, 1.0)
    return quantise8(linear_to_srgb(np.clip(x, 0.0, 1.0)))


def label_for(defects: list[tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """The label dict of a list of (kind name, params)."""
    related: list[str] = []
    for name, _ in defects:
        related += [a for a in KINDS[name].related if a not in related]
    attrs = {KINDS[n].attribute for n, _ in defects}
    return {"defects": [{"attribute": KINDS[n].attribute, "direction": KINDS[n].direction,
                         "kind": n, "params": p} for n, p in defects],
            "related": [a for a in related if a not in attrs]}


@dataclass
class Variant:
    name: str  # e.g. "kodim01__under" or "kodim01__clean"
    image: np.ndarray  # uint8 sRGB (H, W, 3)
    label: dict[str, Any] = field(default_factory=dict)


def seed_of(seed: int | str) -> int:
    """A stable integer seed (Python's hash() of a str changes between processes)."""
    return seed if isinstance(seed, int) else zlib.crc32(str(seed).encode("utf-8"))


def make_variants(image_srgb: np.ndarray, seed: int | str, *, kinds: list[str] | None = None,
                  n_single: int = 2, combined: bool = True, name: str | None = None) -> list[Variant]:
    """Labelled variants of one clean photo: untouched + single defects + one combined pair.

    ``seed`` (an int or the photo's name) makes the set reproducible. ``kinds`` forces the
    single defects (names in ``KINDS``); otherwise ``n_single`` are drawn from distinct
    attribute families. The combined pair joins two kinds of different attributes that
    do not contradict each other. The untouched variant is the photo quantised to 8 bits.
    """
    base = name if name is not None else str(seed)
    rng = np.random.default_rng(seed_of(seed))
    if kinds is None:
        fams = rng.choice(len(FAMILIES), size=min(n_single, len(FAMILIES)), replace=False)
        kinds = [str(rng.choice(FAMILIES[i])) for i in fams]
    for k in kinds:
        if k not in KINDS:
            raise ValueError(f"unknown defect kind {k!r}; choose from {', '.join(KINDS)}")
    out = [Variant(f"{base}__clean", quantise8(to_float(image_srgb)), label_for([]))]
    for i, k in enumerate(kinds):
        d = [(k, KINDS[k].draw(rng))]
        out.append(Variant(f"{base}__{k}", apply_defects(image_srgb, d, seed_of(seed) + 1 + i), label_for(d)))
    if combined:
        fam_of = {k: i for i, f in enumerate(FAMILIES) for k in f}
        fa, fb = rng.choice(len(FAMILIES), size=2, replace=False)
        ka, kb = str(rng.choice(FAMILIES[fa])), str(rng.choice(FAMILIES[fb]))
        assert fam_of[ka] != fam_of[kb]
        d = [(ka, KINDS[ka].draw(rng)), (kb, KINDS[kb].draw(rng))]
        out.append(Variant(f"{base}__{ka}+{kb}", apply_defects(image_srgb, d, seed_of(seed) + 99), label_for(d)))
    return out
