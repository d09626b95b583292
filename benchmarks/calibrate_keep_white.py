#!/usr/bin/env python
"""Choose how much of a camera's highlight roll-off a darkening of a display-referred photo takes back.

The ``exposure`` op darkens through a highlight roll-off where ``keep_white`` > 0 (each channel
``x g' / (1 + keep x (g' - 1))``, mid-grey moved by exactly the EV; ``ops/exposure.py``). 0 is a
plain scaling, right for an over-exposure made by a gain and a hard clip; 1 keeps white white,
right for a blown area that holds nothing. A camera JPEG lies between: its tone curve rolled the
highlights off toward white, and scaled down they turn grey. ``advise.CAMERA_KEEP`` is the value
every darkening of a display-referred photo gets at the least (more as more of the frame is blown).

Samples: crops of the colour photos of the train split of ../shared/data/train (never the
development photos or the validation split; 256-384 px, 8-bit sRGB), each over-exposed three ways
by the training synthesis's models (``learn.defects``), +0.7 to +2 EV:

- ``camera``: the scene light behind the photo's rendering (``scene_of``: an extended Reinhard
  shoulder reaching white 0.6-2.6 stops above the display's, a toe), scaled, rendered again through
  the same curve (``camera_curve``): as a camera makes an over-exposure;
- ``clip``: a gain and a sensor clip (the benchmarks' synthetic over-exposure);
- ``shoulder``: a gain and a soft exponential shoulder from 0.6-0.9.

Each is darkened by the true EV with each ``keep_white`` of ``KEEPS`` (the critic's EV aside: only
the curve is compared) and scored against the clean crop (PSNR, CIEDE2000). Which model real
photos follow is not known, so each measure picks the keep whose worst loss against each model's
own best keep is least (minimax regret), and the value chosen is halfway between the two picks:
PSNR, which weighs the camera model's brightest areas most, picks a larger keep than CIEDE2000.

    python benchmarks/calibrate_keep_white.py              # 120 train-split photos (about 40 s here)
    python benchmarks/calibrate_keep_white.py --limit 20

Reads ../shared/data/train; exits 0 when it is absent.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import degrade, report  # noqa: E402
from benchmarks.data import split_photos, training_photo_args  # noqa: E402

KEEPS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 1.0)
MODELS = ("camera", "clip", "shoulder")
LIMIT = 120  # photos of the train split (the default --limit)
EV = (0.7, 2.0)


def over_exposed(x: np.ndarray, model: str, ev: float, rng: np.random.Generator) -> np.ndarray:
    """The linear crop ``x`` over-exposed by ``ev`` stops the way ``model`` says (module docstring)."""
    from spc_cli.learn import defects as DF

    if model == "camera":
        white, toe = DF._logu(rng, 1.5, 6.0), float(rng.uniform(1.0, 1.25))
        return DF.camera_curve(DF.scene_of(x, rng, white, toe) * np.float32(2.0 ** ev), white, toe)
    out = x * np.float32(2.0 ** ev)
    if model == "shoulder":
        k = float(rng.uniform(0.6, 0.9))
        return np.where(out > k, k + (1 - k) * (1 - np.exp(-(out - k) / (1 - k))), out).astype(np.float32)
    return np.minimum(out, 1.0)


def _srgb8(lin: np.ndarray) -> np.ndarray:
    """The linear image stored as 8-bit sRGB, as float sRGB."""
    return degrade.quantise8(degrade.linear_to_srgb(lin)) / np.float32(255.0)


def scores(x: np.ndarray, rng: np.random.Generator) -> dict[str, list[tuple[float, float]]]:
    """Per model, (PSNR dB, mean CIEDE2000) of the crop ``x`` over-exposed and darkened back with each
    of KEEPS."""
    import torch
    from skimage.color import deltaE_ciede2000, rgb2lab

    from spc_cli.colour import srgb_to_linear
    from spc_cli.ops import OPS

    clean = _srgb8(x)
    lab = rgb2lab(clean)
    out: dict[str, list[tuple[float, float]]] = {}
    for model in MODELS:
        ev = float(rng.uniform(*EV))
        seen = srgb_to_linear(torch.from_numpy(_srgb8(over_exposed(x, model, ev, rng))).float()).permute(2, 0, 1)[None]
        row = []
        for k in KEEPS:
            back = _srgb8(OPS["exposure"].fn(seen, ev=-ev, shoulder=0.994, keep_white=k)[0].permute(1, 2, 0).numpy())
            mse = float(np.mean((back - clean) ** 2))
            row.append((10 * np.log10(1.0 / max(mse, 1e-10)), float(deltaE_ciede2000(lab, rgb2lab(back)).mean())))
        out[model] = row
    return out


def worst_loss(score: dict[str, np.ndarray], higher_better: bool = True) -> np.ndarray:
    """Per keep of KEEPS, the largest loss against each model's own best keep (``score``: per model,
    the mean score of each keep)."""
    regret = [(v.max() - v) if higher_better else (v - v.min()) for v in score.values()]
    return np.max(np.stack(regret), axis=0)


def choose(psnr: dict[str, np.ndarray], delta_e: dict[str, np.ndarray]) -> tuple[float, float, float]:
    """(the chosen keep, PSNR's minimax pick, CIEDE2000's minimax pick): halfway between the picks."""
    by_psnr = KEEPS[int(np.argmin(worst_loss(psnr)))]
    by_de = KEEPS[int(np.argmin(worst_loss(delta_e, higher_better=False)))]
    return round((by_psnr + by_de) / 2, 2), by_psnr, by_de


def main() -> int:
    args, root = training_photo_args(__doc__, seed=43)
    if root is None:
        return 0
    from spc_cli.critic.advise import CAMERA_KEEP
    from spc_cli.learn import defects as DF
    from spc_cli.learn.data import load_srgb8

    rng = np.random.default_rng(args.seed)
    photos = split_photos(root, args.limit or LIMIT, ("train",))
    acc = {m: [] for m in MODELS}
    for _, path, _ in photos:
        x = DF.crop_and_size(load_srgb8(Path(path), 512), rng, (256, 384))
        for m, row in scores(x, rng).items():
            acc[m].append(row)
    table = {m: np.asarray(v) for m, v in acc.items()}  # (photos, keeps, 2)
    psnr = {m: v[..., 0].mean(0) for m, v in table.items()}
    delta_e = {m: v[..., 1].mean(0) for m, v in table.items()}
    best, by_psnr, by_de = choose(psnr, delta_e)
    loss_psnr, loss_de = worst_loss(psnr), worst_loss(delta_e, higher_better=False)
    rows = []
    for i, k in enumerate(KEEPS):
        rows.append([f"{k:.1f}"] + [f"{psnr[m][i]:.2f} / {delta_e[m][i]:.2f}" for m in MODELS]
                    + [f"{loss_psnr[i]:.2f} / {loss_de[i]:.2f}"])
    report.print_table(f"Over-exposures of {len(photos)} train-split crops darkened back by the true EV",
                       ["keep_white"] + [f"{m}: dB / ΔE00" for m in MODELS] + ["worst loss: dB / ΔE00"], rows,
                       "camera: a camera's tone curve; clip: a gain and a sensor clip; shoulder: a gain and a soft "
                       "shoulder; worst loss: against each model's own best keep.")
    print(f"\nleast worst loss: keep_white {by_psnr} by PSNR, {by_de} by CIEDE2000; halfway {best} "
          f"(advise.CAMERA_KEEP is {CAMERA_KEEP})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
