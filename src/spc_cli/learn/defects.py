"""The physical models the training synthesis draws from: one function per model.

Each takes linear float32 light (H, W, 3) and a random generator and returns the changed
image and what it drew; ``synth.py`` decides which to draw, how strongly, and the labels.
Colour is Rec.709 / sRGB throughout; blackbody lights through Kim et al.'s fit of the
Planckian locus.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from ..colour import planck_xy
from .data import linear_to_srgb, srgb_to_linear

LUMA = np.array([0.2126, 0.7152, 0.0722], np.float32)


# ------------------------------------------------------------------------------ colour models


XYZ_TO_RGB = np.array([[3.2404542, -1.5371385, -0.4985314], [-0.9692660, 1.8760108, 0.0415560],
                       [0.0556434, -0.2040259, 1.0572252]])


def light_rgb(kelvin: float) -> np.ndarray:
    """Linear Rec.709 RGB of a blackbody light, unit luminance."""
    x, y = planck_xy(kelvin)
    rgb = XYZ_TO_RGB @ np.array([x / y, 1.0, (1 - x - y) / y])
    return rgb / float(LUMA @ rgb)


def log_gains_of(kelvin: float, balance: float, tint: float = 0.0) -> np.ndarray:
    """Zero-mean log channel gains of a light at ``kelvin`` on a camera balanced for ``balance``,
    with ``tint`` added to log green (fluorescent and LED lights sit off the blackbody line)."""
    lg = np.log(light_rgb(kelvin) / light_rgb(balance)) + np.array([0.0, tint, 0.0])
    return lg - lg.mean()


def cast_words(lg: np.ndarray) -> tuple[float, int]:
    """(magnitude, direction index) of zero-mean log gains: a channel moves by w/2 for warmth
    (w = ln R/B) and by 2t/3 for tint (t = ln G/sqrt(RB)), and the larger names the cast."""
    w, t = lg[0] - lg[2], lg[1] - 0.5 * (lg[0] + lg[2])
    mag = float(np.sqrt(((lg - lg.mean()) ** 2).sum()))
    if abs(w) / 2 >= 2 * abs(t) / 3:
        return mag, 0 if w > 0 else 1
    return mag, 2 if t > 0 else 3


_M1 = np.array([[0.4122214708, 0.5363325363, 0.0514459929], [0.2119034982, 0.6806995451, 0.1073969566],
                [0.0883024619, 0.2817188376, 0.6299787005]], np.float32)
_M2 = np.array([[0.2104542553, 0.7936177850, -0.0040720468], [1.9779984951, -2.4285922050, 0.4505937099],
                [0.0259040371, 0.7827717662, -0.8086757660]], np.float32)


def _oklab(lin: np.ndarray) -> np.ndarray:
    return np.cbrt(np.clip(lin, 0, None) @ _M1.T) @ _M2.T


def _from_oklab(lab: np.ndarray) -> np.ndarray:
    return ((lab @ np.linalg.inv(_M2).T.astype(np.float32)) ** 3) @ np.linalg.inv(_M1).T.astype(np.float32)


# ------------------------------------------------------------------------------- helpers
def _logu(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def smooth_field(shape: tuple[int, int], rng: np.random.Generator, cells: int) -> np.ndarray:
    """A smooth random field in [0, 1]."""
    h, w = shape
    coarse = rng.random((cells, max(2, round(cells * w / h)))).astype(np.float32)
    f = cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)
    f -= f.min()
    return f / max(float(f.max()), 1e-6)


def crop_and_size(photo: np.ndarray, rng: np.random.Generator, size: tuple[int, int]) -> np.ndarray:
    """The whole frame (a third of the time) or a large crop (75-100 % of each side, so the frame
    keeps its context: a window, a lamp, the sky), flipped half the time, area-reduced in linear
    light so its long edge is within ``size`` (never enlarged): linear float32."""
    h, w = photo.shape[:2]
    whole = rng.random() < 1 / 3
    ch, cw = (h, w) if whole else (int(h * rng.uniform(0.75, 1.0)), int(w * rng.uniform(0.75, 1.0)))
    y0, x0 = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    lin = srgb_to_linear(photo[y0:y0 + ch, x0:x0 + cw])
    if rng.random() < 0.5:
        lin = lin[:, ::-1]
    edge = int(rng.integers(size[0], size[1] + 1))
    if max(ch, cw) > edge:
        s = edge / max(ch, cw)
        lin = cv2.resize(np.ascontiguousarray(lin), (max(8, round(cw * s)), max(8, round(ch * s))),
                         interpolation=cv2.INTER_AREA)
    return np.ascontiguousarray(lin, dtype=np.float32)


# ------------------------------------------------------------------------------- defects
def apply_haze(x: np.ndarray, rng: np.random.Generator, density: float) -> tuple[np.ndarray, float]:
    """Haze whose mean transmission is about 1 - ``density``; returns (image, mean transmission)."""
    h, w = x.shape[:2]
    model = rng.integers(0, 4)
    if model == 0:  # landscape: far at the top
        d = 0.7 * np.linspace(1, 0, h, dtype=np.float32)[:, None] + 0.3 * smooth_field((h, w), rng, 4)
    elif model == 1:  # an arbitrary smooth depth
        d = smooth_field((h, w), rng, int(rng.integers(2, 6)))
    elif model == 2:  # the bright parts are far (sky, distance)
        y = cv2.GaussianBlur(x @ LUMA, (0, 0), max(h, w) / 30)
        d = (y - y.min()) / max(float(y.max() - y.min()), 1e-6)
    else:  # uniform fog
        d = np.full((h, w), 0.5, np.float32)
    d = np.broadcast_to(d, (h, w)).astype(np.float32)
    spread = rng.uniform(0.0, 1.5) if model < 3 else 0.0
    # t = exp(-beta (d0 + spread d)); pick beta for the wanted mean transmission
    depth = 1.0 + spread * (d - d.mean())
    beta = -math.log(max(1.0 - density, 0.05))
    t = np.exp(-beta * np.clip(depth, 0.05, None))[..., None].astype(np.float32)
    level = rng.uniform(0.6, 1.0)
    tint = rng.integers(0, 3)
    delta = rng.uniform(0.0, 0.12)
    colour = {0: np.array([1, 1, 1]), 1: np.array([1 - delta, 1, 1 + delta]),
              2: np.array([1 + delta, 1, 1 - 2 * delta])}[int(tint)]
    air = (level * colour / float(LUMA @ colour)).astype(np.float32)
    return x * t + air * (1 - t), float(t.mean())


def blur_kernel(rng: np.random.Generator, sigma: float) -> tuple[np.ndarray | None, str]:
    """A normalised PSF of Gaussian-equivalent ``sigma``: Gaussian (None), a defocus disc or motion."""
    kind = rng.integers(0, 3)
    if kind == 0 or sigma < 0.6:
        return None, "gaussian"
    if kind == 1:  # a disc of radius r has sigma r / 2
        r = 2.0 * sigma
        n = int(math.ceil(r)) * 2 + 1
        yy, xx = np.mgrid[:n * 4, :n * 4].astype(np.float32) / 4 - n / 2 + 0.125
        k = cv2.resize((xx ** 2 + yy ** 2 <= r * r).astype(np.float32), (n, n), interpolation=cv2.INTER_AREA)
        return k / k.sum(), "defocus"
    length = sigma * math.sqrt(12.0)  # a line of length L has sigma L / sqrt(12) along it
    n = int(math.ceil(length)) | 1
    n = max(n, 3)
    big = np.zeros((n * 4, n * 4), np.float32)
    a = rng.uniform(0, math.pi)
    c = n * 2
    dx, dy = math.cos(a) * length * 2, math.sin(a) * length * 2
    cv2.line(big, (int(c - dx), int(c - dy)), (int(c + dx), int(c + dy)), 1.0, 2, cv2.LINE_AA)
    k = cv2.resize(big, (n, n), interpolation=cv2.INTER_AREA)
    return k / max(float(k.sum()), 1e-6), "motion"


def apply_blur(x: np.ndarray, rng: np.random.Generator, sigma: float) -> tuple[np.ndarray, str]:
    k, kind = blur_kernel(rng, sigma)
    if k is None:
        return cv2.GaussianBlur(x, (0, 0), sigma, borderType=cv2.BORDER_REFLECT), kind
    return cv2.filter2D(x, -1, k, borderType=cv2.BORDER_REFLECT), kind


def draw_cast(rng: np.random.Generator, strength: float) -> tuple[np.ndarray, str]:
    """Zero-mean log gains of a cast whose size is about ``strength`` (see ``cast_words``)."""
    model = rng.choice(4, p=[0.45, 0.2, 0.2, 0.15])
    balance = rng.uniform(5000, 6500)
    if model in (0, 1, 3):
        warm = rng.random() < 0.62
        # mired shift giving about the wanted magnitude (0.71 w; w ~ 0.0056 per mired near daylight)
        shift = strength / 0.71 / 0.0056 * (1 if warm else -1)
        kelvin = 1e6 / max(1e6 / balance + shift, 1e6 / 25000)
        tint = rng.normal(0, 0.02) if model == 0 else rng.uniform(-0.18, 0.18)
        lg = log_gains_of(kelvin, balance, tint)
        if model == 3:  # a second light, mixed over the frame
            other = log_gains_of(rng.uniform(2500, 9000), balance, rng.normal(0, 0.05))
            return np.stack([lg, other]), "mixed"
        return lg, "blackbody" if model == 0 else "off-locus"
    t = strength / 0.816 * (1 if rng.random() < 0.5 else -1)
    lg = np.array([0.0, t, 0.0]) + rng.normal(0, 0.01, 3)
    return lg - lg.mean(), "tint"


def apply_cast(x: np.ndarray, rng: np.random.Generator, lg: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Von Kries gains (or two mixed over a smooth field); returns (image, mean log gains)."""
    if lg.ndim == 1:
        return x * np.exp(lg - LUMA @ lg).astype(np.float32), lg
    f = smooth_field(x.shape[:2], rng, 3)[..., None] * rng.uniform(0.3, 0.8)
    g = (1 - f) * lg[0] + f * lg[1]
    y = x @ LUMA
    mean = (g * y[..., None]).sum((0, 1)) / max(float(y.sum()), 1e-6)
    return x * np.exp(g - (g @ LUMA)[..., None]).astype(np.float32), mean - mean.mean()


def camera_curve(x: np.ndarray, white: float, toe: float) -> np.ndarray:
    """A camera's rendering of scene-linear light to display-linear: an extended Reinhard shoulder
    reaching white at ``white`` (1.5-6: one to two and a half stops of highlight headroom above
    the display's white), then a toe (power ``toe`` >= 1 deepens the shadows)."""
    g = x * (1.0 + x / (white * white)) / (1.0 + x)
    return np.clip(g, 0.0, 1.0) ** toe


def scene_of(d: np.ndarray, rng: np.random.Generator, white: float, toe: float) -> np.ndarray:
    """The scene light behind a display-linear rendering ``d`` (``camera_curve`` inverted). Clipped
    channels were at or above white: they get a smooth random excess up to four times white (a lamp,
    the sun on a window stays bright when the exposure is lowered)."""
    g = np.clip(d, 0.0, 1.0) ** (1.0 / toe)
    w2 = white * white
    x = (np.sqrt((1 - g) ** 2 + 4 * g / w2) - (1 - g)) * w2 / 2
    clipped = d >= 0.98  # per channel: a clipped red sky keeps its green and blue
    if clipped.any():
        excess = 1.0 + 3.0 * smooth_field(d.shape[:2], rng, 4)[..., None] * rng.uniform(0.3, 1.0)
        x = np.where(clipped, x * excess, x)
    return x.astype(np.float32)


def apply_exposure(x: np.ndarray, rng: np.random.Generator, ev: float) -> tuple[np.ndarray, str]:
    """A wrong exposure: most often as a camera makes it (the scene light behind the photo's
    rendering, scaled, rendered again through the same tone curve: shadows sink into the toe,
    highlights roll off and clip, lamps stay bright), else a gain of the photo's own light with a
    sensor clip or a highlight shoulder."""
    if rng.random() < 0.6:
        white, toe = _logu(rng, 1.5, 6.0), rng.uniform(1.0, 1.25)
        return camera_curve(scene_of(x, rng, white, toe) * np.float32(2.0 ** ev), white, toe), "camera"
    out = x * np.float32(2.0 ** ev)
    if ev > 0 and rng.random() < 0.4:  # a camera's highlight shoulder instead of a hard clip
        k = rng.uniform(0.6, 0.9)
        rolled = k + (1 - k) * (1 - np.exp(-(out - k) / (1 - k)))
        return np.where(out > k, rolled, out).astype(np.float32), "shoulder"
    return np.minimum(out, 1.0), "clip"


def apply_noise(x: np.ndarray, rng: np.random.Generator, sigma_mid: float) -> tuple[np.ndarray, str]:
    """Poisson-Gaussian noise with std ``sigma_mid``/255 at sRGB mid-grey, per channel."""
    x_mid = 0.2140
    slope = 1.055 / 2.4 * x_mid ** (1 / 2.4 - 1)
    var = (sigma_mid / 255.0 / slope) ** 2
    read = rng.uniform(0.02, 0.5)
    a, b = var * (1 - read) / x_mid, var * read
    n = rng.standard_normal(x.shape).astype(np.float32)
    kind = "white"
    if rng.random() < 0.5:  # in-camera processing: demosaicing and noise reduction correlate it over
        # 2-3 px and across channels (the colour matrix mixes them), sharpening lifts its finest grain
        shared = rng.uniform(0.0, 0.8)
        n = math.sqrt(1 - shared) * n + math.sqrt(shared) * rng.standard_normal(x.shape[:2] + (1,)).astype(np.float32)
        n = cv2.GaussianBlur(n, (0, 0), rng.uniform(0.5, 1.1))
        if rng.random() < 0.6:
            n = n + rng.uniform(0.3, 1.2) * (n - cv2.GaussianBlur(n, (0, 0), 1.0))
        n /= max(float(n.std()), 1e-6)
        kind = "processed"
    out = x + np.sqrt(np.clip(a * x + b, 0, None)) * n
    if rng.random() < 0.3:  # coarse colour blotches
        c = cv2.GaussianBlur(rng.standard_normal(x.shape).astype(np.float32), (0, 0), rng.uniform(1.5, 3.0))
        c -= (c @ LUMA)[..., None]
        c /= max(float(c.std()), 1e-6)
        out = out + rng.uniform(0.3, 1.0) * math.sqrt(var) * c * np.sqrt(np.clip(x / x_mid, 0.05, 4))
        kind += "+chroma"
    return out.astype(np.float32), kind


def s_curve(s: np.ndarray, amount: float, mid: float = 0.5) -> np.ndarray:
    """The contrast op's S-curve (gamma 2^amount on each half around ``mid``); -amount undoes it."""
    g = 2.0 ** amount
    lo = mid * (np.clip(s, 0, mid) / mid) ** g
    hi = 1 - (1 - mid) * ((1 - np.clip(s, mid, 1)) / (1 - mid)) ** g
    return np.where(s < mid, lo, hi).astype(np.float32)


SATURATION_MODELS = ("linear", "oklab", "encoded")


def apply_saturation(x: np.ndarray, rng: np.random.Generator, scale: float,
                     model: str | None = None) -> tuple[np.ndarray, str]:
    """Chroma scaled by ``scale`` in one of ``SATURATION_MODELS``: ``model``, or one drawn from
    ``rng`` (the trainer's way)."""
    model = SATURATION_MODELS.index(model) if model is not None else rng.integers(0, 3)
    if model == 0:  # linear light, around luminance
        y = (x @ LUMA)[..., None]
        return np.clip(y + scale * (x - y), 0, 1), "linear"
    if model == 1:  # OKLab chroma
        lab = _oklab(x)
        lab[..., 1:] *= scale
        return np.clip(_from_oklab(lab), 0, 1), "oklab"
    s = linear_to_srgb(x)  # the encoded image, around the channel mean
    m = s.mean(axis=2, keepdims=True)
    return srgb_to_linear_f(np.clip(m + scale * (s - m), 0, 1)), "encoded"


def srgb_to_linear_f(s: np.ndarray) -> np.ndarray:
    s = np.clip(s, 0, 1)
    return np.where(s <= 0.04045, s / 12.92, ((s + 0.055) / 1.055) ** 2.4).astype(np.float32)


def apply_tone(x: np.ndarray, rng: np.random.Generator, low: bool, size: float) -> tuple[np.ndarray, dict, float, str]:
    """A flat (``low``) or harsh rendering in the encoded image: (image, values, magnitude, model)."""
    s = linear_to_srgb(x)
    if low:  # black lifted and white lowered: s' = b + (w - b) s, undone by levels (b, w). A fade
        # that only lowers the white is a dim photo and one that only lifts the black a veil: their
        # words are exposure and haze, so a flat rendering here always moves both ends
        share = rng.uniform(0.15, 0.85)
        b, w = share * size, 1 - (1 - share) * size
        return srgb_to_linear_f(b + (w - b) * s), {"black": b, "white": w}, size, "fade"
    crush = rng.uniform(0.0, 0.07) if rng.random() < 0.5 else 0.0
    if crush:
        s = np.clip((s - crush) / (1 - 2 * crush), 0, 1)
    return srgb_to_linear_f(s_curve(s, size)), {"curve": size}, size + 3 * crush, "s-curve"
