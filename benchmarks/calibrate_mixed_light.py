#!/usr/bin/env python
"""Fit the gate of the local white balance: when do two regions differ by their light, not their colour?

``ops.local_white_balance.separation_weight`` decides whether "neutral colours" corrects region
by region. It reads twelve numbers of the photo (``GATE_FEATURES``: the separations of the
coolest and warmest regions' lights by their grey worlds and by their achromatic modes, and
``gate_features``: where those regions sit in the frame, how bright, how varied in colour and
how textured they are, how much of the photo's spread in warmth is large-scale, and how far
apart across the frame the two regions lie) and
weighs them by a logistic model fitted here.

Scenes: the colour photos of the train split of ../shared/data/train (never the development
photos or the validation split), half of them first balanced to a grey world (as a camera's
automatic white balance may render a scene), each under one light (2700-7500 K), under two lights split
down the middle (3000 K and 6500 K, either side), and under two lights of random temperatures
(one of 2600-3600 K, one of 5000-7500 K) over a random boundary (a vertical, horizontal or
diagonal cut, a soft ramp, a pool of light; ``benchmarks.mixed_light.light_mask``), each at
the two sizes the op sees (the hint's 192 px copy, the artist's 256 px grid). The model is an
L2-regularised logistic regression on standardised features (Newton's method, seeded scenes:
the same constants every run). The ramp starts at the 98th percentile of the one-light scenes'
scores (2 % of photos under one light take the regional path at all) and ends one unit of
log-odds above it. The gate reads two lights only where the photo's mean light is as warm or
as cool as the two-light scenes' (GATE_WARMTH: their 0.5th and 99.5th percentiles); beyond, a
colour far from what lights give (a deep blue filter, an underwater photo) is not told apart.

The same figures are printed for the tune split (scenes made the same way, other photos), and
the constants in the form ``local_white_balance.py`` holds them.

    python benchmarks/calibrate_mixed_light.py           # train + tune splits (about 10 min here)
    python benchmarks/calibrate_mixed_light.py --limit 40

Reads ../shared/data/train; exits 0 when it is absent.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import report  # noqa: E402
from benchmarks.data import training_photo_args  # noqa: E402
from benchmarks.mixed_light import GEOMETRIES, light_mask, lit_by  # noqa: E402

SIZES = (192, 256)
CASES = ("one", "halves", "random")
FALSE_ALARMS = 0.02  # share of one-light scenes where the ramp starts
CACHE = Path(__file__).resolve().parent / "_work" / "mixed_light_gate.npz"  # git-ignored
RAMP = 1.0  # log-odds from the ramp's start to its end
WARMTH_PAD = 0.25  # log R/B beyond GATE_WARMTH over which the gate fades out (ops.local_white_balance)
L2 = 1.0  # penalty on the standardised weights (the data term sums over scenes)


def scenes(lin: np.ndarray, rng: np.random.Generator):
    """(case, lit linear image) for one photo: one light, the halves, a random boundary."""
    h, w = lin.shape[:2]
    for case in CASES:
        if case == "one":
            mask, k1 = np.ones((h, w), np.float32), rng.uniform(2700, 7500)
            k2 = k1
        elif case == "halves":
            mask = np.zeros((h, w), np.float32)
            mask[:, : w // 2] = 1
            k1, k2 = (3000.0, 6500.0) if rng.random() < 0.5 else (6500.0, 3000.0)
        else:
            k1, k2 = rng.uniform(2600, 3600), rng.uniform(5000, 7500)
            if rng.random() < 0.5:
                k1, k2 = k2, k1
            mask = light_mask(h, w, str(rng.choice(GEOMETRIES)), rng)
        base = lin
        if rng.random() < 0.5:  # as a camera's grey-world auto white balance would have rendered it
            mean = lin.reshape(-1, 3).mean(0)
            base = lin * (mean.mean() / np.maximum(mean, 1e-4))
        yield case, lit_by(base, mask, k1, k2)[0]


def features(split: str, root: Path, limit: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features (n, 12), case names (n,), the mean light's warmth (n,)) over the colour photos of ``split``."""
    from spc_cli.colour import area_downscale
    from spc_cli.learn.data import list_photos, load_srgb8, srgb_to_linear
    from spc_cli.ops.local_white_balance import gate_inputs, prepare_local_white_balance

    train = root / "train"
    photos = [p for p in list_photos(train, split) if p.colour_ok]
    photos = photos[: limit or len(photos)]
    rng = np.random.default_rng(seed)
    rows, cases, warmth = [], [], []
    for i, p in enumerate(photos):
        lin = srgb_to_linear(load_srgb8(train / p.relpath, max(SIZES)))
        for case, lit in scenes(lin, rng):
            x = torch.from_numpy(lit).permute(2, 0, 1).contiguous()
            for size in SIZES:
                small = area_downscale(x, size)[None]
                ctx = prepare_local_white_balance(small)
                rows.append(gate_inputs(ctx).flatten().numpy())
                cases.append(case)
                warmth.append(float(ctx["mean"].flatten()[0]))
        print(f"  {split}: {i + 1}/{len(photos)} photos", end="\r", flush=True)
    print()
    x, c, w = np.array(rows, dtype=np.float64), np.array(cases), np.array(warmth)
    CACHE.parent.mkdir(exist_ok=True)
    np.savez(CACHE.with_name(f"{CACHE.stem}-{split}.npz"), x=x, cases=c, warmth=w)  # for a look at other fits
    return x, c, w


def smoothstep(t: np.ndarray) -> np.ndarray:
    t = np.clip(t, 0.0, 1.0)
    return t * t * (3 - 2 * t)


def fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(mean, scale, weights, bias) of an L2-regularised logistic regression (Newton's method)."""
    mean, scale = x.mean(0), x.std(0) + 1e-9
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], L2)
    penalty[-1] = 0.0  # the bias is not penalised
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ beta))
        grad = z.T @ (p - y) + penalty * beta
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-10:
            break
    return mean, scale, beta[:-1], float(beta[-1])


def print_constants(prefix: str, mean, scale, weights, bias: float, ramp: tuple[float, float]) -> None:
    """A fitted logistic model's constants (``fit``) and its ramp, as the module that reads them holds
    them (``<prefix>_MEAN = (...)`` ...)."""
    def tup(v) -> str:
        return "(" + ", ".join(f"{float(a):.4g}" for a in v) + ")"

    print(f"{prefix}_MEAN = {tup(mean)}")
    print(f"{prefix}_SCALE = {tup(scale)}")
    print(f"{prefix}_WEIGHTS = {tup(weights)}")
    print(f"{prefix}_BIAS = {bias:.4g}")
    print(f"{prefix}_RAMP = ({ramp[0]:.4g}, {ramp[1]:.4g})")


def main() -> int:
    args, root = training_photo_args(__doc__, seed=17)
    if root is None:
        return 0
    from spc_cli.ops.local_white_balance import GATE_FEATURES

    torch.set_num_threads(1)
    x, cases, warmth = features("train", root, args.limit, args.seed)
    mean, scale, weights, bias = fit(x, (cases != "one").astype(np.float64))

    def scores(f: np.ndarray) -> np.ndarray:
        return ((f - mean) / scale) @ weights + bias

    start = float(np.quantile(scores(x)[cases == "one"], 1 - FALSE_ALARMS))
    end = start + RAMP
    two = cases != "one"
    lo, hi = (float(v) for v in np.quantile(warmth[two], [0.005, 0.995]))
    xt, ct, wt = features("tune", root, args.limit, args.seed + 1)
    rows = []
    for name, f, c, mw in (("train (fitted)", x, cases, warmth), ("tune", xt, ct, wt)):
        w = smoothstep((scores(f) - start) / (end - start))
        w = w * smoothstep((mw - lo) / WARMTH_PAD + 1) * smoothstep((hi - mw) / WARMTH_PAD + 1)
        for case in CASES:
            m = c == case
            rows.append([name, case, int(m.sum()), report.fmt(float((w[m] > 0).mean()), pct=True),
                         report.fmt(float((w[m] >= 0.95).mean()), pct=True), report.fmt(float(w[m].mean()))])
    report.print_table("The local white balance's gate: share of scenes taking the regional path",
                       ["scenes of", "lights", "n", "regional path at all", "in full (weight >= 0.95)", "mean weight"],
                       rows, "one: a false alarm; halves and random: detections. Each photo at 192 and 256 px.")

    print("\n# constants for spc_cli/ops/local_white_balance.py, in the order of GATE_FEATURES:")
    print("#", ", ".join(GATE_FEATURES))
    print_constants("GATE", mean, scale, weights, bias, (start, end))
    print(f"GATE_WARMTH = ({lo:.4g}, {hi:.4g})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
