#!/usr/bin/env python
"""Where the analytic critic's regional haze reading sets in (``critic.thresholds.REGION_SHIFT``).

Haze over part of the frame (the distance veiled, the nearest ground clear) leaves the whole
frame's darkest spots dark; the critic then reads the dark channel cell by cell. This prints,
for candidate shifts, how many clean photos of the train split the regional reading would
flag as hazy (present), and how many veiled photos of the tune split it would find: each
veiled by ``learn/defects.apply_haze`` (the learned critic's training haze: a ramp, a smooth
field or the brightness as depth, grey or tinted airlight, density 0.15-0.8) with its lower
20-50 % left clear. Neither split is the validation set (``benchmarks/validate_defects.py``).

    python benchmarks/calibrate_haze_regions.py            # 250 train + 90 tune photos (about 3 min here)
    python benchmarks/calibrate_haze_regions.py --limit 40

Reads ../shared/data/train; exits 0 when it is absent.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import report  # noqa: E402
from benchmarks.data import training_photo_args  # noqa: E402

LONG_EDGE = 384
SHIFTS = (0.2, 0.25, 0.3, 0.35, 0.4)


def readings(critic, lin: np.ndarray) -> tuple[float, float, float]:
    """(region veil less the white drop, whole-frame haze severity, region veil) of a linear photo."""
    import torch

    from spc_cli.api import photo_from_array
    from spc_cli.colour import linear_to_srgb
    from spc_cli.critic.judge import haze_white_drop

    codes = (linear_to_srgb(torch.from_numpy(np.clip(lin, 0, 1))).numpy() * 255).round().astype(np.uint8)
    c = critic.critique([photo_from_array(codes)])[0]
    m = c.measurements
    white_drop = haze_white_drop(m)
    whole = [f for f in c.findings if f.attribute == "haze" and not f.measured.get("regional")]
    return m["haze.region_veil"] - 2.0 * white_drop, (whole[0].severity if whole else 0.0), m["haze.region_veil"]


def main() -> int:
    args, root = training_photo_args(__doc__, seed=3, limit_help="photos per split at most")
    if root is None:
        return 0
    from spc_cli.critic.thresholds import PRESENT, T
    from spc_cli.learn.data import list_photos, load_srgb8, srgb_to_linear
    from spc_cli.learn.defects import apply_haze
    from spc_cli.registry import make_critic

    critic = make_critic("analytic")
    train = root / "train"
    rng = np.random.default_rng(args.seed)
    present = T["haze"][0] + PRESENT * (T["haze"][1] - T["haze"][0])  # the veil at which a finding is present
    clean = [readings(critic, srgb_to_linear(load_srgb8(train / p.relpath, LONG_EDGE)))
             for p in [p for p in list_photos(train, "train") if p.colour_ok][: args.limit or 250]]
    veiled = []
    for p in [p for p in list_photos(train, "tune") if p.colour_ok][: args.limit or 90]:
        x = srgb_to_linear(load_srgb8(train / p.relpath, LONG_EDGE))
        y, t = apply_haze(x, rng, float(np.exp(rng.uniform(np.log(0.15), np.log(0.8)))))
        h = x.shape[0]
        clear = np.clip((np.linspace(0, 1, h)[:, None, None] - (1 - rng.uniform(0.2, 0.5))) / 0.08, 0, 1)
        density = (1 - t) * (1 - float(clear.mean()))
        if density >= 0.18:  # a veil the learned critic is taught to call present
            veiled.append(readings(critic, (y * (1 - clear) + x * clear).astype(np.float32)))
    rows = []
    for shift in SHIFTS:
        flagged = sum(r - shift >= present for r, _, _ in clean)
        found = sum((r - shift >= present) or w >= PRESENT for r, w, _ in veiled)
        rows.append([f"{shift:.2f}", f"{flagged} ({flagged / len(clean):.1%})",
                     f"{found} ({found / max(1, len(veiled)):.0%})"])
    whole = np.mean([w >= PRESENT for _, w, _ in veiled])
    report.print_table(f"Regional haze: {len(clean)} clean train photos, {len(veiled)} tune photos veiled "
                       f"over their upper part (the whole-frame reading finds {whole:.0%} of them)",
                       ["REGION_SHIFT", "clean photos flagged", "veiled photos found"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
