#!/usr/bin/env python
"""Fit the analytic critic's cast model: is the photo's colour a cast or the scene's own?

``critic.cast_model.cast_score`` weighs seventeen of the critic's measurements (``CAST_FEATURES``:
the grey-edge estimate's offset, how the estimators sit, the clipped whites, how much of the frame
is coloured and how much near-neutral) by a logistic model fitted here; the white-balance
finding is made where its score passes ``CAST_RAMP``.

Samples: the colour photos of the train split of ../shared/data/train (never the development
photos or the validation split), each read as the critic reads a photo (a crop of 75-100 % of
each side or the whole frame, 256-512 px, 8-bit sRGB, measured on its 256-px copy): four good
ones (with the small deviations of good photos: a trace of cast; half of them with another
defect: a wrong exposure, a fade or harsh curve, a saturation change, a veil) and five under a
cast of the training synthesis (``learn.defects.draw_cast``: blackbody lights on a 5000-6500 K
balance, off-locus lights, pure tints, two lights mixed over the frame; 40 % with another
defect), labelled as the learned critic's trainer labels them (``learn.synth.THRESHOLDS``: a cast
from 0.08 in log-gain norm, a warm one from 0.12; milder ones are left out of the fit). The
model is an L2-regularised logistic regression on standardised features (Newton's method; seeded
samples: the same constants every run). ``CAST_RAMP`` starts at the score 3 % of the good
samples reach and ends two units of log-odds above it.

The same figures are printed for the tune split (samples made the same way, other photos), beside
the thresholds' reading that the model replaced (a white-balance finding of severity 0.3 or more),
and the constants in the form ``cast_model.py`` holds them.

    python benchmarks/calibrate_casts.py            # train + tune splits (about 1 min here)
    python benchmarks/calibrate_casts.py --limit 40

Reads ../shared/data/train; exits 0 when it is absent.
"""

from __future__ import annotations

import sys
from multiprocessing import Pool
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import report  # noqa: E402
from benchmarks.calibrate_mixed_light import fit, print_constants  # noqa: E402
from benchmarks.data import split_photos, training_photo_args  # noqa: E402

GOOD, CAST = 4, 5  # samples per photo
FALSE_ALARMS = 0.03  # share of good samples where the ramp starts
RAMP = 2.0  # log-odds from the ramp's start to its end
SIZES = (256, 512)
DIRECTIONS = ("warm", "cool", "green", "magenta")
CACHE = Path(__file__).resolve().parent / "_work" / "casts.npz"  # git-ignored


def _other(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Another defect on top, as photos have them (or none, a third of the time)."""
    from spc_cli.learn import defects as DF

    k = int(rng.integers(0, 6))
    if k == 0:
        x, _ = DF.apply_exposure(x, rng, float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2.0)))
    elif k == 1:
        x, _ = DF.apply_saturation(x, rng, float(np.exp(rng.uniform(-0.8, 0.6))))
    elif k == 2:
        x, *_ = DF.apply_tone(x, rng, bool(rng.random() < 0.6), float(rng.uniform(0.1, 0.4)))
    elif k == 3:
        x, _ = DF.apply_haze(x, rng, float(rng.uniform(0.1, 0.5)))
    return np.clip(x, 0.0, None).astype(np.float32)


def measurements(lin: np.ndarray) -> dict[str, float]:
    """The analytic critic's measurements of a linear (H, W, 3) crop stored as 8-bit sRGB (all but
    the full-resolution noise and sharpness tiles), with the thresholds' white-balance severity
    ("rule.severity")."""
    import torch

    from spc_cli.colour import linear_to_srgb, srgb_to_linear
    from spc_cli.critic import judge as J
    from spc_cli.critic.analytic import AnalyticCritic
    from spc_cli.photo import Metadata, Photo

    t = torch.from_numpy(np.ascontiguousarray(lin.transpose(2, 0, 1))).float().clamp(0, 1)
    t = srgb_to_linear(torch.round(linear_to_srgb(t) * 255) / 255)
    meta = Metadata(source=Path("crop.png"), format="array", sha256="", width=t.shape[2], height=t.shape[1],
                    bit_depth=8)
    m = AnalyticCritic().measure(Photo(pixels=t, meta=meta), pixel_scale={})
    m["rule.severity"] = J.threshold_white_balance(m)
    return m


def photo_samples(job: tuple[int, str, str, int]) -> list[tuple[list[float], int, int, float, str]]:
    """(features, label 1/0/-1, direction index or -1, the rule's severity, split) of one photo's samples."""
    import torch

    from spc_cli.critic.cast_model import CANDIDATES, cast_features
    from spc_cli.learn import defects as DF
    from spc_cli.learn.data import load_srgb8
    from spc_cli.learn.synth import THRESHOLDS, WARM_PRESENT

    i, path, split, seed = job
    torch.set_num_threads(1)
    rng = np.random.default_rng([seed, i, 0 if split == "train" else 1])
    photo = load_srgb8(Path(path), 768)
    lo, hi = THRESHOLDS["white_balance"]
    out = []
    for k in range(GOOD + CAST):
        x = DF.crop_and_size(photo, rng, SIZES)
        if k < GOOD:  # a good photo's trace of cast
            lg = np.array([rng.normal(0, 0.02), rng.normal(0, 0.015), rng.normal(0, 0.02)])
            lg -= lg.mean()
            x = x * np.exp(lg - DF.LUMA @ lg).astype(np.float32)
            label, d = 0, -1
            if rng.random() < 0.5:
                x = _other(x, rng)
        else:
            lg, _ = DF.draw_cast(rng, DF._logu(rng, 0.02, 1.1))
            x, lg = DF.apply_cast(x, rng, lg)
            mag, d = DF.cast_words(lg)
            label = 1 if mag >= hi else (0 if mag <= lo else -1)
            if d == 0 and label == 1 and mag < WARM_PRESENT:
                label = -1  # a mild warm shift: what a photographer keeps from low sun or a lamp
            if rng.random() < 0.4:
                x = _other(x, rng)
        m = measurements(x)
        out.append((cast_features(m, CANDIDATES), label, d if label == 1 else -1, float(m["rule.severity"]), split,
                    k < GOOD))
    return out


def main() -> int:
    args, root = training_photo_args(__doc__, seed=23)
    if root is None:
        return 0
    from spc_cli.critic.cast_model import CANDIDATES, CONTEXT

    jobs = [(i, path, split, args.seed) for i, path, split in split_photos(root, args.limit)]
    with Pool(2) as pool:
        rows = [r for rs in pool.imap(photo_samples, jobs, chunksize=4) for r in rs]
    x = np.array([r[0] for r in rows], dtype=np.float64)
    label = np.array([r[1] for r in rows])
    direction = np.array([r[2] for r in rows])
    rule = np.array([r[3] for r in rows])
    split = np.array([r[4] for r in rows])
    good = np.array([r[5] for r in rows])
    CACHE.parent.mkdir(exist_ok=True)  # for a look at other fits
    np.savez(CACHE, x=x, label=label, direction=direction, rule=rule, split=split, good=good,
             names=np.array(CANDIDATES))
    fitted = (split == "train") & (label >= 0)
    keep = list(range(len(CANDIDATES)))
    while True:  # refit without the estimators' offsets that came out as evidence against a cast
        mean, scale, weights, bias = fit(x[fitted][:, keep], label[fitted].astype(np.float64))
        against = {k for k, w in zip(keep, weights) if w < 0 and CANDIDATES[k] not in CONTEXT}
        if not against:
            break
        keep = [k for k in keep if k not in against]
    names = tuple(CANDIDATES[k] for k in keep)
    x = x[:, keep]
    score = ((x - mean) / scale) @ weights + bias
    start = float(np.quantile(score[(split == "train") & good], 1 - FALSE_ALARMS))
    end = start + RAMP
    table = []
    for s in ("train", "tune"):
        for name, flagged in (("thresholds (before)", rule >= 0.3), ("cast model", score >= start)):
            m = split == s
            cells = [f"{s} (fitted)" if s == "train" else s, name, int((m & good).sum()),
                     report.fmt(float(flagged[m & good].mean()), pct=True), int((m & (label == 1)).sum()),
                     report.fmt(float(flagged[m & (label == 1)].mean()), pct=True)]
            cells += [report.fmt(float(flagged[m & (direction == d)].mean()), pct=True) for d in range(4)]
            table.append(cells)
    report.print_table("White-balance findings on good photos and under casts",
                       ["samples of", "reader", "good", "good flagged", "casts", "casts found"]
                       + [f"{d} found" for d in DIRECTIONS], table,
                       "good: the photos as they are (half with another defect); casts: from 0.08 in log-gain norm "
                       "(a warm one from 0.12).")

    print("\n# constants for spc_cli/critic/cast_model.py:")
    print("CAST_FEATURES = (" + ", ".join(f'"{n}"' for n in names) + ",)")
    print_constants("CAST", mean, scale, weights, bias, (start, end))
    return 0


if __name__ == "__main__":
    sys.exit(main())
