"""Defect synthesis for training the learned critic: broad, randomised physics.

One call of ``synthesise`` turns a clean photo into a training sample: the whole frame or a
large crop, at a random size up to the photo's own (noise and blur are then drawn at the scale
a photo's own pixels have, as the full-resolution measurements read them), the small
deviations every good photo has (a touch of lens softness, a tenth of a stop, a trace of cast:
labelled clean), then zero to three defects, each drawn from
several physical models and over a wide range of sizes, from invisible through mild to
severe, applied in the order light meets them:

    haze         I = J t + A (1 - t); depth from a ramp, a smooth field or the scene's own
                 brightness; dense to faint; grey, blue or yellow-brown airlight
    blur         Gaussian, defocus (a disc) or motion (a line at any angle), in linear light
    cast         a blackbody light (2300-12000 K) on a camera balanced for 5000-6500 K, with or
                 without a green-magenta tint (fluorescent, LED), a pure tint, or two lights
                 mixed across the frame
    exposure     as a camera makes it (the scene light behind the photo's tone curve, scaled and
                 rendered again: shadows sink into the toe, highlights roll off, lamps stay
                 bright), or a gain of linear light clipped by the sensor or a highlight shoulder
    noise        Poisson-Gaussian sensor noise per channel, white or as in-camera processing
                 leaves it (correlated over pixels and channels, sharpened), with or without
                 coarse colour blotches
    tone curve   a flat rendering (black lifted and white lowered) or a harsh one (an S-curve,
                 with or without crushed ends), in the encoded image
    saturation   chroma scaled down or up: in linear light, in OKLab, or in the encoded image
    JPEG         at quality 60-95 on 40% of the samples (not a defect: a file's life; the noise label
                 is what the file keeps of the noise after the tone curve, colour step and JPEG)

The label says, per attribute, whether the defect is present (1), absent (0) or too mild to
call either way (-1, not trained on), its direction, and the physical quantities that undo
it: stops, white-balance gains, black and white levels, curve, chroma scale, haze
transmission, noise sigma, blur sigma. ``target`` is what the global ops can restore: the
clean photo with its haze kept (dehaze is judged on its own quantity).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from .data import encode8, linear_to_srgb
from .defects import (LUMA, apply_blur, apply_cast, apply_exposure, apply_haze, apply_noise, apply_saturation,
                      apply_tone, cast_words, crop_and_size, draw_cast)

ATTRIBUTES = ("exposure", "white_balance", "contrast", "saturation", "haze", "noise", "sharpness")
DIRECTIONS = {"exposure": ("under", "over"), "white_balance": ("warm", "cool", "green", "magenta"),
              "contrast": ("low", "high"), "saturation": ("low", "high"), "haze": ("present",),
              "noise": ("present",), "sharpness": ("blurred",)}
# how often each attribute is drawn when a sample gets defects (the hard ones more often)
DRAW = {"exposure": 0.2, "white_balance": 0.24, "contrast": 0.12, "saturation": 0.12, "haze": 0.1,
        "noise": 0.11, "sharpness": 0.11}
COUNTS = (0.26, 0.38, 0.26, 0.10)  # probability of 0, 1, 2, 3 defects
# (absent at or below, present at or above) per attribute magnitude; between: not trained on
THRESHOLDS = {
    "exposure": (0.3, 0.5),          # |stops|
    "white_balance": (0.035, 0.08),  # norm of the zero-mean log channel gains (warmth w: 0.71 w)
    "contrast_low": (0.07, 0.18),    # share of the encoded tonal range lost
    "contrast_high": (0.15, 0.45),   # S-curve amount (gamma 2^a on each half), plus crushed ends
    "saturation": (0.1, 0.3),        # |ln chroma scale|
    "haze": (0.07, 0.18),            # 1 - mean transmission
    "noise": (1.2, 2.5),             # sigma at sRGB mid-grey, /255
    "sharpness": (0.75, 1.2),        # Gaussian-equivalent blur sigma, px
}
# a moderate warm cast looks like warm light a photographer keeps (low sun, a lamp-lit room):
# warm casts count as present only from here (absent still at or below white_balance's first value)
WARM_PRESENT = 0.12
CLEAN_NOISE = 0.5  # /255: the noise a clean photo is taken to carry (regression floor)


@dataclass
class Sample:
    image: np.ndarray  # (H, W, 3) uint8 sRGB: what the critic sees
    target: np.ndarray  # (H, W, 3) float32 linear: what the global ops should restore
    presence: dict[str, int] = field(default_factory=dict)  # 1 present, 0 absent, -1 not trained
    direction: dict[str, int] = field(default_factory=dict)  # index into DIRECTIONS, -1 none
    values: dict[str, float] = field(default_factory=dict)  # physical quantities (see module doc)
    colour_ok: bool = True
    kinds: list[str] = field(default_factory=list)  # the models drawn, for inspection


def _logu(rng: np.random.Generator, lo: float, hi: float) -> float:
    return float(math.exp(rng.uniform(math.log(lo), math.log(hi))))


def _label(values: dict[str, float], key: str, mag: float) -> int:
    lo, hi = THRESHOLDS[key]
    return 1 if mag >= hi else (0 if mag <= lo else -1)


def _related(presence: dict[str, int], drawn: set[str]) -> None:
    """A veil mutes contrast and colour, a fade mutes colour: not trained on unless drawn themselves."""
    if presence["haze"] == 1:
        for a in ("contrast", "saturation"):
            if a not in drawn:
                presence[a] = -1
    if presence["contrast"] == 1 and "saturation" not in drawn:
        presence["saturation"] = -1


def synthesise(photo: np.ndarray, rng: np.random.Generator, colour_ok: bool = True,
               size: tuple[int, int] = (320, 1024), jpeg: float = 0.4) -> Sample:
    """One training sample from a clean uint8 sRGB photo (see the module doc)."""
    x = crop_and_size(photo, rng, size)
    presence = {a: 0 for a in ATTRIBUTES}
    direction = {a: -1 for a in ATTRIBUTES}
    values = {"ev": 0.0, "wb_r": 0.0, "wb_b": 0.0, "black": 0.0, "white": 1.0, "curve": 0.0, "chroma": 0.0,
              "haze_t": 1.0, "noise": CLEAN_NOISE, "blur": 0.0}
    kinds: list[str] = []
    # the small deviations every good photo has: labelled clean
    soft = rng.uniform(0.2, 0.55) if rng.random() < 0.4 else 0.0
    if soft:
        x = cv2.GaussianBlur(x, (0, 0), soft)
    x = x * np.float32(2.0 ** float(np.clip(rng.normal(0, 0.1), -0.25, 0.25)))
    if colour_ok:
        lg = np.array([rng.normal(0, 0.02), rng.normal(0, 0.015), rng.normal(0, 0.02)])
        x = x * np.exp(lg - lg.mean() - LUMA @ (lg - lg.mean())).astype(np.float32)
    values["blur"] = soft
    pool = {a: p for a, p in DRAW.items() if colour_ok or a not in ("white_balance", "saturation")}
    names = list(pool)
    p = np.array([pool[a] for a in names])
    n = int(rng.choice(4, p=COUNTS))
    drawn = set(rng.choice(names, size=n, replace=False, p=p / p.sum()).tolist()) if n else set()

    if "haze" in drawn:
        x, t = apply_haze(x, rng, _logu(rng, 0.03, 0.8))
        values["haze_t"] = t
        presence["haze"] = _label(values, "haze", 1 - t)
        kinds.append("haze")
    target = x.copy()
    if "sharpness" in drawn:
        sigma = _logu(rng, 0.4, 4.5)
        x, kind = apply_blur(x, rng, sigma)
        values["blur"] = math.hypot(sigma, soft)
        kinds.append(kind)
    presence["sharpness"] = _label(values, "sharpness", values["blur"])
    if "white_balance" in drawn:
        lg, kind = draw_cast(rng, _logu(rng, 0.02, 1.1))
        x, lg = apply_cast(x, rng, lg)
        mag, d = cast_words(lg)
        presence["white_balance"], direction["white_balance"] = _label(values, "white_balance", mag), d
        if d == 0 and presence["white_balance"] == 1 and mag < WARM_PRESENT:
            presence["white_balance"] = -1  # warm light by intent or a mild warm cast: not trained on
        values["wb_r"], values["wb_b"] = float(lg[1] - lg[0]), float(lg[1] - lg[2])
        kinds.append(kind)
    if "exposure" in drawn:
        ev = -_logu(rng, 0.1, 3.2) if rng.random() < 0.55 else _logu(rng, 0.1, 2.5)
        x, kind = apply_exposure(x, rng, ev)
        values["ev"] = ev
        presence["exposure"], direction["exposure"] = _label(values, "exposure", abs(ev)), int(ev > 0)
        kinds.append(kind)
    quiet = None  # the same photo without its noise, to measure what noise the file keeps
    sigma = 0.0
    if "noise" in drawn:
        sigma = _logu(rng, 0.4, 16.0)
        quiet = np.clip(x, 0.0, 1.0)
        x, kind = apply_noise(x, rng, sigma)
        kinds.append(kind)
    x = np.clip(x, 0.0, 1.0)
    added = float(np.std(linear_to_srgb(x) - linear_to_srgb(quiet))) if quiet is not None else 0.0
    steps = [a for a in ("contrast", "saturation") if a in drawn]
    if len(steps) == 2 and rng.random() < 0.5:
        steps.reverse()
    plan = []  # the rendering steps' draws, so the quiet copy gets exactly the same
    for a in steps:
        if a == "contrast":
            low = rng.random() < 0.7
            plan.append((a, low, _logu(rng, 0.02, 0.6) if low else _logu(rng, 0.05, 1.3)))
        else:
            plan.append((a, None, -_logu(rng, 0.03, 2.3) if rng.random() < 0.65 else _logu(rng, 0.03, 0.9)))
    seed = int(rng.integers(2**31))
    x = _render_steps(x, plan, seed, values, presence, direction, kinds)
    q = int(rng.integers(60, 96)) if jpeg and rng.random() < jpeg else None
    image = _jpeg(encode8(x), q)
    if q:
        kinds.append(f"jpeg{q}")
    if quiet is not None:
        # what the file keeps of the noise after the tone curve, the colour step and JPEG: a fade
        # or a heavy compression takes much of it away, and the label follows what is left
        calm = _jpeg(encode8(_render_steps(quiet, plan, seed, {}, {}, {}, [])), q)
        kept = float(np.std(image.astype(np.float32) - calm.astype(np.float32))) / 255.0
        sigma *= min(1.5, kept / max(added, 1e-6))
        values["noise"] = math.hypot(sigma, CLEAN_NOISE)
        presence["noise"] = _label(values, "noise", sigma)
    _related(presence, drawn)
    if not colour_ok:
        presence["white_balance"] = presence["saturation"] = -1
    for a in ATTRIBUTES:
        if presence[a] != 1 and a not in ("haze", "noise", "sharpness"):
            direction[a] = -1
        elif presence[a] == 1 and a in ("haze", "noise", "sharpness"):
            direction[a] = 0
    return Sample(image, target.astype(np.float32), presence, direction, values, colour_ok, kinds)


def fix_of(values: dict[str, Any]) -> dict[str, float]:
    """The op parameters that undo a sample's defects (what a perfect critic would plan)."""
    return {"ev": -values["ev"], "wb_r": values["wb_r"], "wb_b": values["wb_b"], "black": values["black"],
            "white": values["white"], "curve": -values["curve"], "saturation": math.exp(-values["chroma"]) - 1}


def _render_steps(x: np.ndarray, plan: list, seed: int, values: dict, presence: dict, direction: dict,
                  kinds: list) -> np.ndarray:
    """The rendering steps (tone curve, colour) drawn in ``plan``, their own random choices from
    ``seed``; labels written into the dicts given."""
    rng = np.random.default_rng(seed)
    for a, low, size in plan:
        if a == "contrast":
            x, v, mag, kind = apply_tone(x, rng, low, size)
            values.update(v)
            presence["contrast"] = _label(values, "contrast_low" if low else "contrast_high", mag)
            direction["contrast"] = 0 if low else 1
        else:
            x, kind = apply_saturation(x, rng, math.exp(size))
            values["chroma"] = size
            presence["saturation"], direction["saturation"] = _label(values, "saturation", abs(size)), int(size > 0)
        kinds.append(kind)
    return x


def _jpeg(image: np.ndarray, quality: int | None) -> np.ndarray:
    if not quality:
        return image
    ok, buf = cv2.imencode(".jpg", image[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    return np.ascontiguousarray(cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1])
