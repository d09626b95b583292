#!/usr/bin/env python
"""Where the analytic critic's over-saturation reading sits on clean photos and on boosted ones.

A saturation boost pushes colours past the sRGB gamut, where they clip: a coloured mid-tone
with a channel at 0 or 255 (``measure.measure_saturation``'s ``gamut_edge``: of the mid-tone
pixels, the share coloured and clipped so). A camera's rendering of a lit scene puts few
mid-tones there. This prints the distribution of ``gamut_edge`` (and the chroma the judge's
target comes from) on the clean photos of the train split of ../shared/data/train (never the
validation set): the quantile the judge's onset is set at, and how many clean photos reach it;
and, for the photos of the tune split, the share found when their chroma is scaled by 1.3-2.3
in each of three ways (``learn.defects.apply_saturation``: around the luminance in linear
light, in OKLab, around the channel mean in the encoding; none of them the validation
generator's).

    python benchmarks/calibrate_saturation.py            # train + tune splits (about 1 min here)
    python benchmarks/calibrate_saturation.py --limit 60

Reads ../shared/data/train; exits 0 when it is absent.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import report  # noqa: E402
from benchmarks.data import split_photos, training_photo_args  # noqa: E402

LONG_EDGE = 768
SCALES = (1.3, 1.6, 2.0, 2.3)
MODELS = ("linear", "oklab", "encoded")  # learn.defects.SATURATION_MODELS (not imported here: it imports torch)


def boosted(srgb8: np.ndarray, scale: float, model: str) -> np.ndarray:
    """``srgb8`` with its chroma scaled by ``scale`` in one of ``apply_saturation``'s ways, clipped."""
    from spc_cli.learn import defects as D

    lin = D.srgb_to_linear_f(srgb8.astype(np.float32) / 255.0)
    out, _ = D.apply_saturation(lin, np.random.default_rng(0), scale, model)
    return np.round(np.clip(D.linear_to_srgb(out), 0, 1) * 255.0).astype(np.uint8)


def _reading(srgb8: np.ndarray) -> tuple[float, float, bool]:
    """(gamut_edge, chroma p90, an over-saturation finding?) of the analytic critic."""
    from spc_cli import api

    c = api.critique_pixels(srgb8.astype(np.float32) / 255.0, critic="analytic")
    m = c.measurements
    high = any(f.attribute == "saturation" and f.direction == "high" for f in c.findings)
    return m["saturation.gamut_edge"], m["saturation.chroma_p90"], high


def _photo(task: tuple[str, str]) -> list[tuple[str, float, float, float, bool]]:
    from spc_cli.learn.data import load_srgb8

    path, split = task
    img = load_srgb8(Path(path), LONG_EDGE)
    out = [("clean", 1.0, *_reading(img))]
    if split == "tune":
        out += [(m, s, *_reading(boosted(img, s, m))) for m in MODELS for s in SCALES]
    return out


def main() -> int:
    from multiprocessing import Pool

    args, root = training_photo_args(__doc__, seed=0)
    if root is None:
        return 0
    tasks = [(path, split) for _, path, split in split_photos(root, args.limit)]
    with Pool(2) as pool:  # before the critic (and torch) is imported here: a fork after it can hang
        results = pool.map(_photo, tasks, chunksize=2)
    from spc_cli.critic.thresholds import T

    rows = []
    for split in ("train", "tune"):
        clean = [r[0] for r, t in zip(results, tasks) if t[1] == split]
        edge = np.array([c[2] for c in clean])
        p90 = np.array([c[3] for c in clean])
        rows.append([f"clean, {split} split", len(clean),
                     " / ".join(f"{q:.3f}" for q in np.quantile(edge, [0.5, 0.9, 0.98, 0.99])),
                     f"{np.median(p90):.3f} / {np.quantile(p90, 0.9):.3f}",
                     f"{int((edge >= T['vivid'][0]).sum())}", report.fmt(np.mean([c[4] for c in clean]), pct=True)])
    for model in MODELS:
        for scale in SCALES:
            got = [x for r, t in zip(results, tasks) if t[1] == "tune" for x in r[1:] if x[:2] == (model, scale)]
            edge = np.array([g[2] for g in got])
            rows.append([f"{model} x{scale:g} (tune)", len(got),
                         " / ".join(f"{q:.3f}" for q in np.quantile(edge, [0.5, 0.9, 0.98, 0.99])),
                         f"{np.median([g[3] for g in got]):.3f}", f"{int((edge >= T['vivid'][0]).sum())}",
                         report.fmt(np.mean([g[4] for g in got]), pct=True)])
    print(f"judge onset T['vivid'] = {T['vivid']}")
    print(report.markdown_table(["photos", "n", "gamut_edge median / p90 / p98 / p99", "chroma p90 median (/ p90)",
                                 "at or past onset", "over-saturation found"], rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
