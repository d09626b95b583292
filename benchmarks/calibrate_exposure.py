#!/usr/bin/env python
"""Fit the analytic critic's over-exposure model: is a bright photo over-exposed, or is that its scene?

``critic.exposure_model.over_score`` weighs the exposure measurements (``OVER_FEATURES``: the key,
median and floor in stops, the headroom, the brightest 0.1 %, what clips, the thresholds' own
deficits, the white and black levels) by a logistic model fitted here; the thresholds'
over-exposure finding keeps its severity in full where the score passes ``OVER_RAMP``'s end, none
below its start (``over_gate``).

Samples: the colour photos of the train split of ../shared/data/train (never the development
photos or the validation split), each read as the critic reads a photo (a crop of 75-100 % of
each side or the whole frame, 256-768 px, 8-bit sRGB): four good ones (with the small deviations
of good photos: a tenth of a stop, a trace of cast; half of them with another defect: a cast, a
fade or harsh curve, a saturation change, a veil, noise) and three over-exposed by the training
synthesis (``learn.defects.apply_exposure``: 0.1-2.5 stops, log-uniform, as a camera renders it or
a gain clipped by the sensor or a highlight shoulder; 40 % with another defect), labelled as the
learned critic's trainer labels them (``learn.synth.THRESHOLDS``: an error from half a stop, none
up to 0.3; between, left out of the fit). The model is an L2-regularised logistic regression on
standardised features (Newton's method; seeded samples: the same constants every run). Its ramp
starts at the score that ``GOOD_KEPT`` of the good samples the thresholds flag stay under (so
that share of the thresholds' false alarms is dropped) and ends ``RAMP`` log-odds above.

Printed: for the train split (fitted) and the tune split (samples made the same way, other
photos), the good samples flagged and the over-exposures found, by the thresholds alone and
gated; and the constants in the form ``exposure_model.py`` holds them.

    python benchmarks/calibrate_exposure.py            # train + tune splits (about 1 min here)
    python benchmarks/calibrate_exposure.py --limit 40

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

GOOD, OVER = 4, 3  # samples per photo
SIZES = (256, 768)
# of the good samples the thresholds flag, the share whose score stays under the ramp's start
GOOD_KEPT = 0.3
RAMP = 1.0  # log-odds from the ramp's start to its end
OTHER = ("cast", "saturation", "tone", "haze", "noise")  # the other defects a sample may carry
CACHE = Path(__file__).resolve().parent / "_work" / "exposure.npz"  # git-ignored


def other_defect(x: np.ndarray, rng: np.random.Generator, kinds: tuple[str, ...] = OTHER) -> np.ndarray:
    """Another defect on top, one of ``kinds`` (cast, saturation, tone, haze, noise, blur, exposure), as
    photos have them, or none (one draw in len(kinds) + 1)."""
    from spc_cli.learn import defects as DF

    k = int(rng.integers(0, len(kinds) + 1))
    kind = kinds[k] if k < len(kinds) else None
    if kind == "cast":
        lg, _ = DF.draw_cast(rng, DF._logu(rng, 0.05, 1.0))
        x, _ = DF.apply_cast(x, rng, lg)
    elif kind == "saturation":
        x, _ = DF.apply_saturation(x, rng, float(np.exp(rng.uniform(-0.8, 0.6))))
    elif kind == "tone":
        x, *_ = DF.apply_tone(x, rng, bool(rng.random() < 0.6), float(rng.uniform(0.1, 0.4)))
    elif kind == "haze":
        x, _ = DF.apply_haze(x, rng, float(rng.uniform(0.1, 0.5)))
    elif kind == "noise":
        x, _ = DF.apply_noise(np.clip(x, 0.0, 1.0), rng, DF._logu(rng, 1.0, 10.0))
    elif kind == "blur":
        x, _ = DF.apply_blur(x, rng, DF._logu(rng, 0.6, 4.0))
    elif kind == "exposure":
        x, _ = DF.apply_exposure(np.clip(x, 0.0, 1.0), rng, float(rng.choice([-1.0, 1.0]) * rng.uniform(0.5, 2.0)))
    return np.clip(x, 0.0, None).astype(np.float32)


def good_crop(photo: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A crop of ``photo`` as the critic reads one (``SIZES``), with the small deviations every good photo
    has: a tenth of a stop, a trace of cast (linear float32)."""
    from spc_cli.learn import defects as DF

    x = DF.crop_and_size(photo, rng, SIZES)
    x = x * np.float32(2.0 ** float(np.clip(rng.normal(0, 0.1), -0.25, 0.25)))
    lg = np.array([rng.normal(0, 0.02), rng.normal(0, 0.015), rng.normal(0, 0.02)])
    lg -= lg.mean()
    return x * np.exp(lg - DF.LUMA @ lg).astype(np.float32)


def measurements(lin: np.ndarray) -> dict[str, float]:
    """The analytic critic's measurements of a linear (H, W, 3) crop stored as 8-bit sRGB, with the
    thresholds' over-exposure severity before the gate ("rule.over", 0 where it finds none) and their
    flat (low contrast) severity before the flat model ("rule.flat")."""
    import torch

    from spc_cli.colour import linear_to_srgb, srgb_to_linear
    from spc_cli.critic import judge as J
    from spc_cli.critic.analytic import AnalyticCritic
    from spc_cli.photo import Metadata, Photo

    t = torch.from_numpy(np.ascontiguousarray(lin.transpose(2, 0, 1))).float().clamp(0, 1)
    t = srgb_to_linear(torch.round(linear_to_srgb(t) * 255) / 255)
    meta = Metadata(source=Path("crop.png"), format="png", sha256="", width=t.shape[2], height=t.shape[1],
                    bit_depth=8)
    m = AnalyticCritic().measure(Photo(pixels=t, meta=meta))
    found = [f.severity for f in J._exposure(m, None, [], gated=False) if f.direction == "over"]
    m["rule.over"] = found[0] if found else 0.0
    flat = J._contrast(m, None, J._exposure(m, None, []), modelled=False)
    m["rule.flat"] = flat[0].severity if flat else 0.0
    return m


def photo_samples(job: tuple[int, str, str, int]) -> list[tuple[list[float], int, float, str]]:
    """(features, label 1/0/-1, the rule's over-exposure severity, split) of one photo's samples."""
    import torch

    from spc_cli.critic.exposure_model import over_features
    from spc_cli.learn import defects as DF
    from spc_cli.learn.data import load_srgb8
    from spc_cli.learn.synth import THRESHOLDS

    i, path, split, seed = job
    torch.set_num_threads(1)
    rng = np.random.default_rng([seed, i, 0 if split == "train" else 1])
    photo = load_srgb8(Path(path), 1024)
    lo, hi = THRESHOLDS["exposure"]
    out = []
    for k in range(GOOD + OVER):
        x = good_crop(photo, rng)
        if k < GOOD:
            label = 0
            if rng.random() < 0.5:
                x = other_defect(x, rng)
        else:
            ev = DF._logu(rng, 0.1, 2.5)
            if rng.random() < 0.4:  # a veil or a cast meets the light before the camera renders it
                x = other_defect(x, rng)
            x, _ = DF.apply_exposure(np.clip(x, 0.0, 1.0), rng, ev)
            label = 1 if ev >= hi else (0 if ev <= lo else -1)
        m = measurements(np.clip(x, 0.0, 1.0))
        out.append((over_features(m), label, m["rule.over"], split, k < GOOD))
    return out


def fitted_samples(samples, root: Path, limit: int, seed: int, names: tuple[str, ...], cache: Path):
    """``samples`` (a ``photo_samples``: (features, label, the thresholds' severity, split, good) per sample)
    over the train and tune split photos, in two worker processes, as arrays (x, label, rule, split,
    good), saved to ``cache`` for a look at other fits; the logistic model fitted on the train split's
    labelled samples ((mean, scale, weights, bias), ``fit``) and every sample's score."""
    jobs = [(i, path, split, seed) for i, path, split in split_photos(root, limit)]
    with Pool(2) as pool:
        rows = [r for rs in pool.imap(samples, jobs, chunksize=4) for r in rs]
    x = np.array([r[0] for r in rows], dtype=np.float64)
    label, rule, split, good = (np.array([r[k] for r in rows]) for k in (1, 2, 3, 4))
    cache.parent.mkdir(exist_ok=True)
    np.savez(cache, x=x, label=label, rule=rule, split=split, good=good, names=np.array(names))
    fitted = (split == "train") & (label >= 0)
    model = fit(x[fitted], label[fitted].astype(np.float64))
    mean, scale, weights, bias = model
    return x, label, rule, split, good, model, ((x - mean) / scale) @ weights + bias


def main() -> int:
    args, root = training_photo_args(__doc__, seed=29)
    if root is None:
        return 0
    from spc_cli.critic.exposure_model import OVER_FEATURES

    x, label, rule, split, good, model, score = fitted_samples(photo_samples, root, args.limit, args.seed,
                                                               OVER_FEATURES, CACHE)
    start = float(np.quantile(score[(split == "train") & good & (rule >= 0.3)], GOOD_KEPT))
    gate = np.clip((score - start) / RAMP, 0.0, 1.0)
    table = []
    for s in ("train", "tune"):
        for reader, sev in (("thresholds (before)", rule), ("gated", rule * gate)):
            m = split == s
            found = sev >= 0.3
            table.append([f"{s} (fitted)" if s == "train" else s, reader, int((m & good).sum()),
                          report.fmt(float(found[m & good].mean()), pct=True), int((m & (label == 1)).sum()),
                          report.fmt(float(found[m & (label == 1)].mean()), pct=True)])
    report.print_table("Over-exposure findings on good photos and over-exposed ones",
                       ["samples of", "reader", "good", "good flagged", "over-exposed", "found"], table,
                       "good: the photos as they are (half with another defect); over-exposed: from half a stop.")
    print("\n# constants for spc_cli/critic/exposure_model.py:")
    print_constants("OVER", *model, (start, start + RAMP))
    return 0


if __name__ == "__main__":
    sys.exit(main())
