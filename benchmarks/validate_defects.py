"""A second, independent defect generator, for validation only: never trained or tuned on.

Written apart from ``degrade.py`` (the development generator) and from the learned critic's
training synthesis (``spc_cli/learn/synth.py``), with other models and other ranges, so
that figures on it say how the critics hold on defects they were not fitted to:

| kind | label | model here | range (mild end first) |
|---|---|---|---|
| `under`, `over` | exposure | linear gain; over: sensor clip or a rational highlight knee | -0.6 .. -2.5 EV; +0.7 .. +2.0 EV |
| `warm`, `cool`, `green`, `magenta` | white_balance | Bradford adaptation (XYZ) from the camera's balance (D65, D55 or D50) to a real light: CIE A, LED-B1, tungsten 2700-4800 K, shade and north sky on the CIE daylight locus, F2 / F11 fluorescent, and the same lights off their locus by a Duv tint | tungsten 2700-4800 K; daylight 7500-14000 K; Duv +-0.008 .. +-0.03 |
| `flat` | contrast low | CIELAB L* squeezed into [L0, L1] (a flat print), a* b* kept | L* range kept 0.50 .. 0.82 |
| `harsh` | contrast high | a logistic (sigmoidal) contrast curve on L*, ends clipped | gain 5 .. 10 |
| `muted` | saturation low | CIELAB a*, b* scaled | x0.20 .. x0.65 |
| `vivid` | saturation high | CIELAB a*, b* scaled, clipped to the gamut | x1.5 .. x2.2 |
| `haze` | haze | Koschmieder I = J t + A (1 - t); depth: a tilted plane with a sky band at the top | mean t 0.30 .. 0.80; A 0.75-1.0 grey, blue or yellow |
| `noise` | noise | Gaussian in the sRGB encoding, level rising in the shadows, luma-only or per channel, then JPEG q 70-90 on half | sigma 3 .. 12 /255 |
| `blur` | sharpness | defocus pillbox, motion line or Gaussian | pillbox r 1.5-4 px, motion 5-14 px, Gaussian 1.0-3.0 px |

Each clean photo gives six 8-bit variants: the photo itself, four single defects (kinds in a
fixed rotation, so every attribute is drawn about equally often) and one pair of different
attributes, parameters seeded by the photo's name. Labels use spc's attribute and direction
words; a cast is named by what it mostly changes (a channel moves by w/2 for warmth
w = ln R/B and by 2t/3 for tint t = ln G/sqrt(RB), measured on a grey under the light).
``related`` lists what a correct critic may also report (contrast and saturation under haze,
saturation with a flat print) without it counting either way.

The photos: the 72 development photos (kodak24, cbsd68, pypi_natural) and the held-out tenth
of ``../shared/data/train`` (``spc_cli.learn.data.split_of == "val"``, 94 photos), neither ever
trained on, at most 768 px on the long edge.

    from benchmarks.validate_defects import variants_of
    for v in variants_of(srgb_uint8, name="kodak24/kodim01"): v.name, v.image, v.label
"""

from __future__ import annotations

import math
import zlib
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from skimage import color

# ------------------------------------------------------------------------------ colour science
# CIE 1931 xy of real lights (CIE 15:2018 tables; LED-B1 from CIE 015 LED series)
LIGHTS_XY = {"A": (0.44757, 0.40745), "LED-B1": (0.4560, 0.4078), "F2": (0.37208, 0.37529),
             "F11": (0.38052, 0.37713), "D50": (0.34567, 0.35850), "D55": (0.33242, 0.34743),
             "D65": (0.31271, 0.32902)}
BRADFORD = np.array([[0.8951, 0.2664, -0.1614], [-0.7502, 1.7135, 0.0367], [0.0389, -0.0685, 1.0296]])
SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])


def daylight_xy(kelvin: float) -> tuple[float, float]:
    """CIE daylight locus (4000-25000 K), the CIE's own formula."""
    t = kelvin
    if t <= 7000:
        x = -4.6070e9 / t**3 + 2.9678e6 / t**2 + 0.09911e3 / t + 0.244063
    else:
        x = -2.0064e9 / t**3 + 1.9018e6 / t**2 + 0.24748e3 / t + 0.237040
    return x, -3.000 * x * x + 2.870 * x - 0.275


def tungsten_xy(kelvin: float) -> tuple[float, float]:
    """A blackbody by Planck's law integrated against a Gaussian fit of the CIE 1931 observer
    (Wyman, Sloan and Shirley 2013), 380-780 nm."""
    lam = np.arange(380.0, 781.0, 5.0)

    def g(x, mu, s1, s2):
        return np.exp(-0.5 * ((x - mu) / np.where(x < mu, s1, s2)) ** 2)

    xb = 1.056 * g(lam, 599.8, 37.9, 31.0) + 0.362 * g(lam, 442.0, 16.0, 26.7) - 0.065 * g(lam, 501.1, 20.4, 26.2)
    yb = 0.821 * g(lam, 568.8, 46.9, 40.5) + 0.286 * g(lam, 530.9, 16.3, 31.1)
    zb = 1.217 * g(lam, 437.0, 11.8, 36.0) + 0.681 * g(lam, 459.0, 26.0, 13.8)
    lm = lam * 1e-9
    spd = 1.0 / (lm**5 * (np.exp(1.4388e-2 / (lm * kelvin)) - 1.0))
    X, Y, Z = (spd * xb).sum(), (spd * yb).sum(), (spd * zb).sum()
    return X / (X + Y + Z), Y / (X + Y + Z)


def _xyz(xy: tuple[float, float]) -> np.ndarray:
    x, y = xy
    return np.array([x / y, 1.0, (1 - x - y) / y])


def with_duv(xy: tuple[float, float], duv: float) -> tuple[float, float]:
    """Move a chromaticity by ``duv`` in CIE 1960 uv, perpendicular to the daylight direction
    (positive: toward green)."""
    x, y = xy
    d = -2 * x + 12 * y + 3
    u, v = 4 * x / d, 6 * y / d
    # the locus runs roughly along (1, 0.55) in uv near daylight: its normal toward green is (-0.48, 0.88)
    u, v = u - 0.48 * duv, v + 0.88 * duv
    d = 2 * u - 8 * v + 4
    return 3 * u / d, 2 * v / d


def cast_matrix(light: tuple[float, float], balance: tuple[float, float]) -> np.ndarray:
    """Linear sRGB 3x3: a photo balanced for ``balance`` as it renders when the light was
    ``light`` (Bradford adaptation from the balance's white to the light's)."""
    src, dst = BRADFORD @ _xyz(balance), BRADFORD @ _xyz(light)
    m = np.linalg.inv(BRADFORD) @ np.diag(dst / src) @ BRADFORD
    full = np.linalg.inv(SRGB_TO_XYZ) @ m @ SRGB_TO_XYZ
    grey = full @ np.ones(3)
    return full / float(np.array([0.2126729, 0.7151522, 0.0721750]) @ grey)  # a grey keeps its luminance


def cast_direction(m: np.ndarray) -> str:
    """The spc word for a cast matrix, from a grey under it."""
    lg = np.log(np.clip(m @ np.ones(3), 1e-6, None))
    w, t = lg[0] - lg[2], lg[1] - 0.5 * (lg[0] + lg[2])
    if abs(w) / 2 >= 2 * abs(t) / 3:
        return "warm" if w > 0 else "cool"
    return "green" if t > 0 else "magenta"


def lin(srgb: np.ndarray) -> np.ndarray:
    s = np.clip(srgb, 0, 1)
    return np.where(s <= 0.04045, s / 12.92, ((s + 0.055) / 1.055) ** 2.4)


def enc(linear: np.ndarray) -> np.ndarray:
    x = np.clip(linear, 0, 1)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)


# ---------------------------------------------------------------------------------- defects
def d_exposure(s, rng, ev: float, knee: float | None):
    x = lin(s) * 2.0 ** ev
    if knee is None:
        return enc(np.minimum(x, 1.0))
    # rational shoulder: identity to the knee, then x' = k + (x - k) / (1 + (x - k) / (1 - k))
    over = np.maximum(x - knee, 0)
    return enc(np.where(x > knee, knee + over / (1 + over / (1 - knee)), x))


def d_cast(s, rng, light: list[float], balance: list[float]):
    m = cast_matrix(tuple(light), tuple(balance))
    return enc(np.clip(lin(s) @ m.T, 0, 1))


def _to_rgb(lab: np.ndarray) -> np.ndarray:
    """CIELAB back to sRGB, out-of-gamut colours clipped (scikit-image warns about each; that is the intent)."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return np.clip(color.lab2rgb(lab), 0, 1)


def d_flat(s, rng, l0: float, l1: float):
    lab = color.rgb2lab(np.clip(s, 0, 1))
    lab[..., 0] = l0 + lab[..., 0] * (l1 - l0) / 100.0
    return _to_rgb(lab)


def d_harsh(s, rng, gain: float):
    lab = color.rgb2lab(np.clip(s, 0, 1))
    f = lambda v: 1 / (1 + np.exp(-gain * (v - 0.5)))  # noqa: E731
    lab[..., 0] = 100 * (f(lab[..., 0] / 100) - f(0)) / (f(1) - f(0))
    return _to_rgb(lab)


def d_chroma(s, rng, scale: float):
    lab = color.rgb2lab(np.clip(s, 0, 1))
    lab[..., 1:] *= scale
    return _to_rgb(lab)


def d_haze(s, rng, t_mean: float, air: list[float], tilt: list[float], horizon: float):
    h, w = s.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    depth = 0.5 + tilt[0] * (xx - xx.mean()) + tilt[1] * (yy.mean() - yy)
    depth = np.where(yy * max(h, w) / h < horizon, depth.max() + 0.3, depth)
    depth = cv2.GaussianBlur(depth.astype(np.float32), (0, 0), max(h, w) / 60)
    beta = -math.log(t_mean) / float(depth.mean())
    t = np.exp(-beta * depth)[..., None]
    return enc(lin(s) * t + np.array(air) * (1 - t))


def d_noise(s, rng, sigma: float, chroma: bool, jpeg: int | None):
    n = rng.standard_normal(s.shape if chroma else s.shape[:2])
    if not chroma:
        n = np.repeat(n[..., None], 3, axis=2)
    scale = sigma / 255.0 * (1.4 - 0.8 * s)  # more in the shadows, as a camera's gain lifts them
    out = np.clip(s + scale * n, 0, 1)
    if jpeg:
        ok, buf = cv2.imencode(".jpg", np.round(out[..., ::-1] * 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, jpeg])
        out = cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1].astype(np.float64) / 255.0
    return out


def d_blur(s, rng, kind: str, size: float, angle: float):
    x = lin(s).astype(np.float32)
    if kind == "gaussian":
        return enc(cv2.GaussianBlur(x, (0, 0), size))
    n = int(2 * math.ceil(size) + 1) if kind == "pillbox" else int(math.ceil(size)) | 1
    if kind == "pillbox":
        yy, xx = np.mgrid[:n, :n] - n // 2
        k = (xx**2 + yy**2 <= size * size).astype(np.float32)
    else:
        k = np.zeros((n, n), np.float32)
        c = n // 2
        for i in np.linspace(-size / 2, size / 2, 4 * n):
            k[int(round(c + i * math.sin(angle))), int(round(c + i * math.cos(angle)))] = 1.0
    return enc(cv2.filter2D(x, -1, k / k.sum(), borderType=cv2.BORDER_REFLECT))


# ----------------------------------------------------------------------------- labelled kinds
@dataclass(frozen=True)
class Kind:
    name: str
    attribute: str
    stage: int  # application order: haze 0, blur 1, cast 2, exposure 3, tone 4, chroma 5, noise 6
    draw: Any  # rng -> params
    apply: Any  # (srgb float64, rng, **params) -> srgb float64
    direction: Any  # params -> spc direction word
    related: tuple[str, ...] = ()


def _u(rng, lo, hi, nd=3):
    return round(float(rng.uniform(lo, hi)), nd)


def _warm(rng):
    bal = str(rng.choice(["D65", "D55", "D50"]))
    src = rng.integers(0, 3)
    if src == 0:
        light = LIGHTS_XY[str(rng.choice(["A", "LED-B1"]))]
    else:
        top = {"D65": 4800, "D55": 4000, "D50": 3600}[bal]
        light = tungsten_xy(_u(rng, 2700, top, 0))
    return {"light": list(light), "balance": list(LIGHTS_XY[bal])}


def _cool(rng):
    bal = str(rng.choice(["D65", "D55", "D50"]))
    lo = {"D65": 9000, "D55": 7500, "D50": 7000}[bal]
    return {"light": list(daylight_xy(_u(rng, lo, 14000, 0))), "balance": list(LIGHTS_XY[bal])}


def _tinted(rng, sign):
    if sign > 0 and rng.random() < 0.5:  # fluorescent tubes on a daylight balance
        return {"light": list(LIGHTS_XY[str(rng.choice(["F2", "F11"]))]),
                "balance": list(LIGHTS_XY[str(rng.choice(["D65", "D55"]))])}
    bal = str(rng.choice(["D65", "D55"]))
    return {"light": list(with_duv(LIGHTS_XY[bal], sign * _u(rng, 0.008, 0.03))), "balance": list(LIGHTS_XY[bal])}


def _cast_dir(p):
    return cast_direction(cast_matrix(tuple(p["light"]), tuple(p["balance"])))


def _flat(rng):
    keep = _u(rng, 0.5, 0.82)
    l0 = _u(rng, 0.0, (1 - keep) * 100, 1)
    return {"l0": l0, "l1": round(l0 + keep * 100, 1)}


def _haze(rng):
    level = _u(rng, 0.75, 1.0)
    tint = [np.array([1.0, 1.0, 1.0]), np.array([0.92, 0.97, 1.05]), np.array([1.05, 1.0, 0.85])][int(rng.integers(0, 3))]
    return {"t_mean": _u(rng, 0.3, 0.8), "air": [round(float(v), 3) for v in level * tint],
            "tilt": [_u(rng, -0.6, 0.6), _u(rng, 0.2, 1.2)], "horizon": _u(rng, 0.0, 0.35) if rng.random() < 0.6 else 0.0}


def _blur(rng):
    kind = str(rng.choice(["pillbox", "motion", "gaussian"]))
    size = {"pillbox": _u(rng, 1.5, 4.0, 2), "motion": _u(rng, 5.0, 14.0, 1), "gaussian": _u(rng, 1.0, 3.0, 2)}[kind]
    return {"kind": kind, "size": size, "angle": _u(rng, 0, math.pi)}


KINDS: dict[str, Kind] = {k.name: k for k in (
    Kind("under", "exposure", 3, lambda g: {"ev": _u(g, -2.5, -0.6, 2), "knee": None}, d_exposure,
         lambda p: "under", ("shadows",)),
    Kind("over", "exposure", 3, lambda g: {"ev": _u(g, 0.7, 2.0, 2), "knee": None if g.random() < 0.5 else _u(g, 0.75, 0.9)},
         d_exposure, lambda p: "over", ("highlights",)),
    Kind("warm", "white_balance", 2, _warm, d_cast, _cast_dir),
    Kind("cool", "white_balance", 2, _cool, d_cast, _cast_dir),
    Kind("green", "white_balance", 2, lambda g: _tinted(g, +1), d_cast, _cast_dir),
    Kind("magenta", "white_balance", 2, lambda g: _tinted(g, -1), d_cast, _cast_dir),
    Kind("flat", "contrast", 4, _flat, d_flat, lambda p: "low", ("saturation",)),
    Kind("harsh", "contrast", 4, lambda g: {"gain": _u(g, 5.0, 10.0, 2)}, d_harsh, lambda p: "high",
         ("highlights", "shadows", "saturation")),
    Kind("muted", "saturation", 5, lambda g: {"scale": _u(g, 0.2, 0.65)}, d_chroma, lambda p: "low"),
    Kind("vivid", "saturation", 5, lambda g: {"scale": _u(g, 1.5, 2.2)}, d_chroma, lambda p: "high"),
    Kind("haze", "haze", 0, _haze, d_haze, lambda p: "present", ("contrast", "saturation")),
    Kind("noise", "noise", 6, lambda g: {"sigma": _u(g, 3.0, 12.0, 2), "chroma": bool(g.random() < 0.6),
                                         "jpeg": int(g.integers(70, 91)) if g.random() < 0.5 else None},
         d_noise, lambda p: "present"),
    Kind("blur", "sharpness", 1, _blur, d_blur, lambda p: "blurred"),
)}
# single defects rotate through this list, four per photo: every attribute four times in 28
ROTATION = ("under", "warm", "flat", "muted", "haze", "noise", "blur",
            "over", "cool", "harsh", "vivid", "noise", "blur", "haze",
            "under", "green", "flat", "muted", "blur", "haze", "noise",
            "over", "magenta", "flat", "muted", "haze", "noise", "blur")
FAMILIES = {"exposure": ("under", "over"), "white_balance": ("warm", "cool", "green", "magenta"),
            "contrast": ("flat", "flat", "harsh"), "saturation": ("muted", "muted", "vivid"), "haze": ("haze",),
            "noise": ("noise",), "sharpness": ("blur",)}


@dataclass
class Variant:
    name: str
    image: np.ndarray  # uint8 sRGB
    label: dict[str, Any] = field(default_factory=dict)


def apply(srgb: np.ndarray, defects: list[tuple[str, dict]], seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = np.asarray(srgb, np.float64)
    for name, p in sorted(defects, key=lambda d: KINDS[d[0]].stage):
        x = KINDS[name].apply(x, rng, **p)
    return np.round(np.clip(x, 0, 1) * 255).astype(np.uint8)


def label_of(defects: list[tuple[str, dict]]) -> dict[str, Any]:
    attrs = [KINDS[n].attribute for n, _ in defects]
    related = sorted({r for n, _ in defects for r in KINDS[n].related} - set(attrs))
    return {"defects": [{"attribute": KINDS[n].attribute, "direction": KINDS[n].direction(p), "kind": n, "params": p}
                        for n, p in defects], "related": related}


def seed_of(name: str) -> int:
    return zlib.crc32(("validate:" + name).encode())


def variants_of(srgb: np.ndarray, name: str, index: int) -> list[Variant]:
    """The six labelled variants of clean photo number ``index`` (sRGB uint8 or float in [0, 1])."""
    s = np.asarray(srgb)
    s = s.astype(np.float64) / 255.0 if s.dtype == np.uint8 else s.astype(np.float64)
    rng = np.random.default_rng(seed_of(name))
    out = [Variant(f"{name}__clean", np.round(np.clip(s, 0, 1) * 255).astype(np.uint8), label_of([]))]
    for k in range(4):
        kind = ROTATION[(4 * index + k) % len(ROTATION)]
        d = [(kind, KINDS[kind].draw(rng))]
        out.append(Variant(f"{name}__{kind}", apply(s, d, seed_of(name) + k + 1), label_of(d)))
    fams = list(FAMILIES)
    a, b = rng.choice(len(fams), size=2, replace=False)
    ka, kb = str(rng.choice(FAMILIES[fams[a]])), str(rng.choice(FAMILIES[fams[b]]))
    d = [(ka, KINDS[ka].draw(rng)), (kb, KINDS[kb].draw(rng))]
    out.append(Variant(f"{name}__{ka}+{kb}", apply(s, d, seed_of(name) + 99), label_of(d)))
    return out


def validation_photos(root) -> list[tuple[str, Any]]:
    """(name, path) of the validation photos: the 72 development photos and the held-out tenth
    of ``root/train`` (never trained on), in a fixed order."""
    from pathlib import Path

    from spc_cli.learn.data import list_photos

    from . import data

    out = [(f"{p.parent.name}/{p.stem}", p) for p in data.clean_photos(Path(root))]
    train = Path(root) / "train"
    if train.is_dir():
        out += [(f"train/{p.relpath.rsplit('.', 1)[0]}", train / p.relpath) for p in list_photos(train, "val")]
    return out
