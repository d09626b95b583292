#!/usr/bin/env python
"""Where the critic's toned-print reading (``thresholds.toned``) sits: colour photos, the same
photos made into toned prints, and the same photos under a veil, a strong cast or desaturated.

A black-and-white print toned sepia, selenium or cyanotype, or a tinted or gradient-mapped
greyscale image, has one colour that follows its lightness; read as a colour photo, its tone
is a cast and its low chroma a lack of colour. This prints, for the photos of the train and tune
splits of ../shared/data/train (never the validation set) and versions of them made here, the
share the critic reads as toned (``measure.measure_tone``'s three readings against
``thresholds.TONED``) and the share that gets a white-balance or saturation finding:

- ``clean``: the photo as it is;
- ``tint``: its luminance times a tone in linear light (sepia, cyanotype, selenium or green, of
  random strength), ``gradient map``: its encoded luminance mapped from a dark brown to a cream,
  ``split tone``: cool shadows, warm highlights;
- ``veiled``: haze of mean transmission 0.15-0.7 (``learn.defects.apply_haze``);
- ``tungsten`` (2700-3500 K), ``shade`` (8000-14000 K), ``fluorescent`` (3800-4500 K, tinted green)
  on a 5500 K balance, as gains of linear light;
- ``muted``: chroma scaled to 0.2-0.5 in each of ``apply_saturation``'s three ways.

Each made version is saved as a JPEG (quality 70-95) and read back, as a scan or an export is.

    python benchmarks/calibrate_toned.py            # train + tune splits (about 8 min here)
    python benchmarks/calibrate_toned.py --limit 60

Reads ../shared/data/train; exits 0 when it is absent.
"""

from __future__ import annotations

import sys
import zlib
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import report  # noqa: E402
from benchmarks.data import split_photos, training_photo_args  # noqa: E402

LONG_EDGE = 1024
LUMA = np.array([0.2126, 0.7152, 0.0722])
TONES = {"sepia": (1.0, 0.8, 0.55), "cyanotype": (0.65, 0.9, 1.3), "selenium": (1.0, 0.85, 0.9),
         "green": (0.85, 1.0, 0.8)}
KINDS = ("clean", "tint", "gradient map", "split tone", "veiled", "tungsten", "shade", "fluorescent",
         "muted linear", "muted oklab", "muted encoded")
JUDGED = ("clean", "tint", "gradient map")  # the kinds critiqued whole (white balance, saturation)


def _linear(s: np.ndarray) -> np.ndarray:
    return np.where(s <= 0.04045, s / 12.92, ((s + 0.055) / 1.055) ** 2.4)


def _encoded(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055)


def jpeg(srgb: np.ndarray, quality: int) -> np.ndarray:
    """``srgb`` (float, 0..1) saved as a JPEG and read back."""
    import cv2

    u8 = (np.clip(srgb, 0, 1) * 255 + 0.5).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", np.ascontiguousarray(u8[..., ::-1]), [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1].astype(np.float32) / 255.0


def tinted(srgb: np.ndarray, tone: tuple[float, float, float], strength: float) -> np.ndarray:
    """The photo's luminance as a greyscale print toned ``tone`` ** ``strength`` (linear gains,
    luminance kept)."""
    y = _linear(srgb) @ LUMA
    t = np.asarray(tone) ** strength
    return _encoded(y[..., None] * (t / (t @ LUMA)))


def gradient_mapped(srgb: np.ndarray, dark: np.ndarray, light: np.ndarray) -> np.ndarray:
    """The photo's encoded luminance mapped from ``dark`` (black) to ``light`` (white)."""
    g = _encoded(_linear(srgb) @ LUMA)[..., None]
    return dark + (light - dark) * g


def split_toned(srgb: np.ndarray) -> np.ndarray:
    """Cool shadows and warm highlights over the photo's luminance."""
    y = _linear(srgb) @ LUMA
    w = _encoded(y)[..., None]
    return _encoded(y[..., None] * (np.array([0.85, 0.95, 1.15]) * (1 - w) + np.array([1.1, 1.0, 0.8]) * w))


def versions(srgb: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Every kind of ``KINDS`` made from the clean photo ``srgb`` (float sRGB)."""
    from spc_cli.learn.defects import apply_haze, apply_saturation, log_gains_of

    q = int(rng.integers(70, 96))
    lin = _linear(srgb).astype(np.float32)
    tone = TONES[str(rng.choice(list(TONES)))]
    out = {"clean": srgb,
           "tint": jpeg(tinted(srgb, tone, float(rng.uniform(0.4, 1.3))), q),
           "gradient map": jpeg(gradient_mapped(srgb, rng.uniform(0, 0.25, 3) * np.array([1.0, 0.8, 0.6]),
                                                1 - rng.uniform(0, 0.15, 3) * np.array([0.2, 0.5, 1.0])), q),
           "split tone": jpeg(split_toned(srgb), q)}
    veiled, _ = apply_haze(lin, rng, float(rng.uniform(0.3, 0.85)))
    out["veiled"] = jpeg(_encoded(veiled), q)
    for kind, lg in (("tungsten", log_gains_of(rng.uniform(2700, 3500), 5500, 0.0)),
                     ("shade", log_gains_of(rng.uniform(8000, 14000), 5500, 0.0)),
                     ("fluorescent", log_gains_of(rng.uniform(3800, 4500), 5500, 0.08))):
        out[kind] = jpeg(_encoded(lin * np.exp(lg).astype(np.float32)), q)
    scale = float(rng.uniform(0.2, 0.5))
    for model in ("linear", "oklab", "encoded"):
        x, _ = apply_saturation(lin, rng, scale, model)
        out[f"muted {model}"] = jpeg(_encoded(x), q)
    return out


def _photo(path: str) -> dict[str, tuple[bool, bool]]:
    """Per kind: (read as toned, a white-balance or saturation finding)."""
    import torch

    torch.set_num_threads(1)
    from spc_cli.api import photo_from_array
    from spc_cli.critic.analytic import AnalyticCritic
    from spc_cli.critic.thresholds import toned
    from spc_cli.learn.data import load_srgb8

    critic = AnalyticCritic()
    srgb = load_srgb8(Path(path), LONG_EDGE).astype(np.float32) / 255.0
    out = {}
    for kind, img in versions(srgb, np.random.default_rng(zlib.crc32(path.encode()))).items():
        photo = photo_from_array(np.clip(img, 0, 1).astype(np.float32))
        if kind in JUDGED:
            c = critic.critique_one(photo)
            out[kind] = (toned(c.measurements),
                         any(f.attribute in ("white_balance", "saturation") for f in c.findings))
        else:
            out[kind] = (toned(critic.measure(photo)), False)
    return out


def main() -> int:
    from multiprocessing import Pool

    args, root = training_photo_args(__doc__, seed=0)
    if root is None:
        return 0
    paths = [path for _, path, _ in split_photos(root, args.limit)]
    with Pool(2) as pool:  # before the critic (and torch) is imported here: a fork after it can hang
        results = pool.map(_photo, paths, chunksize=2)
    from spc_cli.critic.thresholds import TONED

    rows = []
    for kind in KINDS:
        got = [r[kind] for r in results]
        rows.append([kind, len(got), f"{sum(t for t, _ in got)} ({report.fmt(np.mean([t for t, _ in got]), pct=True)})",
                     f"{sum(f for _, f in got)}" if kind in JUDGED else "-"])
    print(f"thresholds.TONED = {TONED} (coloured share, hue spread, tone residual, tonal range)")
    print(report.markdown_table(["photos", "n", "read as toned", "white balance or saturation finding"], rows))
    toned_clean = [p for p, r in zip(paths, results) if r["clean"][0]]
    if toned_clean:
        print("clean photos read as toned: " + ", ".join(Path(p).name for p in toned_clean))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
