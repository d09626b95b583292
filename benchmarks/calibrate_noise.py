#!/usr/bin/env python
"""How often the analytic critic finds noise on clean photos, and on the same photos with noise.

Grey noise (the same in all three channels, as a camera's luminance noise is once its own
processing has removed the colour noise) carries no colour, so the critic's colour-noise
routes never see it, and its texture-limited luma route cannot tell it from fine detail; a
JPEG then takes most of it from the finest scale. The critic reads it on the frame's least
structured blocks, at full and at half resolution (``measure_detail.flat_noise``), and the
judge's ``noise_flat`` thresholds and ``FLAT_ISO`` gates decide. This prints, for the clean
photos of the train split of ../shared/data/train (never the validation set) the share with
a noise finding, by route, and for the photos of the tune split the share found under generic
noise: Gaussian in the sRGB encoding at 2, 4 and 7 /255, grey or independent per channel, with
and without a JPEG at quality 70-94.

    python benchmarks/calibrate_noise.py             # train + tune splits (about 3 min here)
    python benchmarks/calibrate_noise.py --limit 40

Reads ../shared/data/train; exits 0 when it is absent.
"""

from __future__ import annotations

import io
import sys
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import report  # noqa: E402
from benchmarks.data import split_photos, training_photo_args  # noqa: E402

LONG_EDGE = 768
SIGMAS = (2.0, 4.0, 7.0)
KINDS = ("grey", "colour", "grey + JPEG", "colour + JPEG")


def noisy(srgb8: np.ndarray, kind: str, sigma: float, rng: np.random.Generator) -> np.ndarray:
    """``srgb8`` (H, W, 3 uint8) with Gaussian noise of ``sigma`` /255 in the encoding: ``grey`` the
    same in all three channels, ``colour`` independent per channel; "+ JPEG" then saved at quality
    70-94."""
    from PIL import Image

    shape = srgb8.shape[:2] + ((1,) if kind.startswith("grey") else (3,))
    out = np.clip(np.round(srgb8.astype(np.float32) + rng.normal(0.0, sigma, shape)), 0, 255).astype(np.uint8)
    if kind.endswith("JPEG"):
        buf = io.BytesIO()
        Image.fromarray(out).save(buf, "JPEG", quality=int(rng.integers(70, 95)))
        buf.seek(0)
        with Image.open(buf) as im:
            out = np.asarray(im.convert("RGB"))
    return out


def route_of(critique) -> str | None:
    """Which of the critic's noise routes found noise (None: no noise finding)."""
    f = next((f for f in critique.findings if f.attribute == "noise"), None)
    if f is None:
        return None
    if "flattest" in f.reason:
        return "flat, half resolution" if "half resolution" in f.reason else "flat"
    return "camera" if f.measured.get("camera_route") else "colour / luma"


def _photo(task: tuple[int, str, str]) -> list[tuple[str, float, str | None]]:
    from spc_cli import api
    from spc_cli.learn.data import load_srgb8

    i, path, split = task
    img = load_srgb8(Path(path), LONG_EDGE)
    crit = lambda a: route_of(api.critique_pixels(a.astype(np.float32) / 255.0, critic="analytic"))  # noqa: E731
    out = [("clean", 0.0, crit(img))]
    if split == "tune":
        rng = np.random.default_rng(i)
        out += [(k, s, crit(noisy(img, k, s, rng))) for k in KINDS for s in SIGMAS]
    return out


def main() -> int:
    from multiprocessing import Pool

    args, root = training_photo_args(__doc__, seed=0)
    if root is None:
        return 0
    tasks = [(i + args.seed, path, split) for i, path, split in split_photos(root, args.limit)]
    with Pool(2) as pool:
        results = pool.map(_photo, tasks, chunksize=2)
    clean = {s: [r[0][2] for r, t in zip(results, tasks) if t[2] == s] for s in ("train", "tune")}
    rows = []
    for split, routes in clean.items():
        c = Counter(r for r in routes if r)
        rows.append([f"clean, {split} split", len(routes), report.fmt(sum(c.values()) / max(1, len(routes)), pct=True),
                     ", ".join(f"{k} {v}" for k, v in sorted(c.items()))])
    found = defaultdict(list)
    for r, t in zip(results, tasks):
        for kind, sigma, route in r[1:]:
            found[(kind, sigma)].append(route)
    for (kind, sigma), routes in found.items():
        c = Counter(r for r in routes if r)
        rows.append([f"{kind}, sigma {sigma:g}/255 (tune)", len(routes),
                     report.fmt(sum(c.values()) / max(1, len(routes)), pct=True),
                     ", ".join(f"{k} {v}" for k, v in sorted(c.items()))])
    print(report.markdown_table(["photos", "n", "noise found", "by route"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
