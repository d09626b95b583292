#!/usr/bin/env python
"""Mixed light on ordinary photos: does "neutral colours" find two lights, and what does each path cost?

``benchmarks/tonal.py`` checks the local white balance on a constructed scene (each dev photo
made grey-world neutral, four grey cards put in, left half 3000 K, right half 6500 K). Here
the scenes are as photographs come, with no card: the held-out tenth of ``train/``
(``spc_cli.learn.data``, split "val"; the colour sets), each photo lit once by one light
(2700-7500 K) and once by two (one of 2600-3600 K, one of 5000-7500 K), the boundary drawn at
random: a vertical, horizontal or diagonal cut, a soft ramp, or a pool of light. For each:

* whether the local path takes part (``ops.local_white_balance.separation_weight`` > 0);
* the colour error left once one global gain is allowed (CIEDE2000 of the result, its
  channels scaled to match the photo before it was lit, against that photo): what no global
  white balance can remove, for the global path, for the local path forced on (weight 1),
  and for "neutral colours" as it decides (the local white balance with its own weight).

    python benchmarks/mixed_light.py            # every held-out photo (about 1.5 min here)
    python benchmarks/mixed_light.py --limit 20

Reads ../shared/data; exits 0 when it is absent. JSON to benchmarks/results/.
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

GEOMETRIES = ("cut", "horizontal", "diagonal", "ramp", "pool")
LONG_EDGE = 384


def light_mask(h: int, w: int, geometry: str, rng: np.random.Generator) -> np.ndarray:
    """(h, w) share of the first light: 1 on its side, 0 on the other's."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u, v = xx / w, yy / h
    pos = rng.uniform(0.3, 0.7)
    if geometry == "cut":
        return (u < pos).astype(np.float32)
    if geometry == "horizontal":
        return (v < pos).astype(np.float32)
    if geometry == "diagonal":
        return ((u + v) / 2 < pos).astype(np.float32)
    if geometry == "ramp":
        return (1 / (1 + np.exp(-(pos - u) / rng.uniform(0.03, 0.15)))).astype(np.float32)
    cx, cy, r = rng.uniform(0.25, 0.75), rng.uniform(0.25, 0.75), rng.uniform(0.2, 0.4)
    return np.exp(-((((u - cx) ** 2 + (v - cy) ** 2) / r ** 2) ** 2)).astype(np.float32)


def lit_by(lin: np.ndarray, mask: np.ndarray, k1: float, k2: float) -> tuple[np.ndarray, float]:
    """``lin`` (h, w, 3) lit by a ``k1`` light where ``mask`` is 1 and a ``k2`` one where it is 0,
    exposed as a camera would (0.7 at its 99.5th percentile), clipped, float32; and that
    exposure's scale."""
    from spc_cli.hints.light import planck_rgb

    m = mask[..., None]
    lit = lin * (m * np.asarray(planck_rgb(k1)) + (1 - m) * np.asarray(planck_rgb(k2)))
    top = max(float(np.percentile(lit, 99.5)), 1e-3)
    return np.clip(lit * 0.7 / top, 0, 1).astype(np.float32), 0.7 / top


def left_after_gain(out: np.ndarray, ref: np.ndarray) -> float:
    """Mean CIEDE2000 of ``out`` against ``ref`` (linear, (h, w, 3)) after the one per-channel
    gain that best matches them (in log, over pixels unclipped in both)."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    use = (ref.max(2) < 0.98) & (out.max(2) < 0.98) & (ref.mean(2) > 0.01)
    gain = np.exp(np.log(ref[use] + 1e-4).mean(0) - np.log(out[use] + 1e-4).mean(0))

    def lab(lin: np.ndarray) -> np.ndarray:
        lin = np.clip(lin, 0, 1)
        return rgb2lab(np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055))

    return float(deltaE_ciede2000(lab(out * gain)[::2, ::2], lab(ref)[::2, ::2]).mean())


def measure(lin: np.ndarray, ref: np.ndarray) -> dict:
    import spc_cli.ops.local_white_balance as lwb

    x = torch.from_numpy(lin).permute(2, 0, 1)[None].contiguous()
    ctx = lwb.prepare_local_white_balance(x, region=0.08)
    weight = float(lwb.separation_weight(ctx).flatten()[0])
    warmth, tint = ctx["mean"].flatten().tolist()

    def render(local: float, forced: bool = False) -> np.ndarray:
        # forced: the op's gate 0 ("fix the mixed light"), the regional share in full whatever the gate reads
        y = lwb.adjust_local_white_balance(x, warmth=warmth, tint=tint, local=local, gate=0.0 if forced else 1.0,
                                           context=ctx)
        return y[0].permute(1, 2, 0).numpy()

    return {"weight": weight, "as_lit": left_after_gain(lin, ref), "global": left_after_gain(render(0.0), ref),
            "local": left_after_gain(render(1.0, forced=True), ref), "decided": left_after_gain(render(1.0), ref)}


def main() -> int:
    args, root = training_photo_args(__doc__, seed=11)
    if root is None:
        return 0
    from spc_cli.learn.data import list_photos, load_srgb8, srgb_to_linear

    torch.set_num_threads(1)
    train = root / "train"
    photos = [p for p in list_photos(train, "val") if p.colour_ok]
    photos = photos[: args.limit or len(photos)]
    rng = np.random.default_rng(args.seed)
    records = []
    for p in photos:
        lin = srgb_to_linear(load_srgb8(train / p.relpath, LONG_EDGE))
        h, w = lin.shape[:2]
        for case in ("one", "two"):
            if case == "one":
                mask, k1 = np.ones((h, w), np.float32), rng.uniform(2700, 7500)
                k2, geometry = k1, "one"
            else:
                k1, k2 = rng.uniform(2600, 3600), rng.uniform(5000, 7500)
                if rng.random() < 0.5:
                    k1, k2 = k2, k1
                geometry = str(rng.choice(GEOMETRIES))
                mask = light_mask(h, w, geometry, rng)
            shot, scale = lit_by(lin, mask, k1, k2)
            rec = measure(shot, np.clip(lin * scale, 0, 1))
            records.append({"photo": p.relpath, "case": case, "geometry": geometry, "kelvin": [k1, k2], **rec})
        print(f"  {len(records)} scenes", end="\r", flush=True)
    rows = []
    for case, label in (("one", "one light"), ("two", "two lights (all)"), *((g, f"  two: {g}") for g in GEOMETRIES)):
        rs = [r for r in records if (r["case"] == case if case in ("one", "two") else r["geometry"] == case)]
        if not rs:
            continue
        mean = {k: float(np.mean([r[k] for r in rs])) for k in ("as_lit", "global", "local", "decided")}
        rows.append([label, len(rs), report.fmt(float(np.mean([r["weight"] > 0 for r in rs])), pct=True),
                     report.fmt(mean["as_lit"]), report.fmt(mean["global"]), report.fmt(mean["local"]),
                     report.fmt(mean["decided"])])
    print()
    report.print_table(
        f"Mixed light on {len(photos)} held-out train/ photos (long edge {LONG_EDGE}): the local path, and the "
        "colour error left after one global gain (mean CIEDE2000)",
        ["scenes", "n", "local path taken", "as lit", "global", "local forced", '"neutral colours"'], rows,
        "one light: the local path taken is a false alarm; two lights: a detection.")
    path = report.write_json({"benchmark": "mixed_light", "environment": report.environment(),
                              "records": records}, "mixed_light")
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
