#!/usr/bin/env python
"""How the analytic critic tells a shake from a lens blur, and what each deblur gives.

A camera shake or a moving subject blurs along one direction only, so the edges across it stay
sharp and the overall edge measure (``sharpness.scale_gain``) reads the photo as nearly sharp.
The critic also reads the same measure along rows, columns and both diagonals
(``sharpness.gain_max``, ``sharpness.anisotropy``) and, where one direction is far more
blurred than the others (``judge_detail.SHAKE_ANISOTROPY``), asks for the camera-shake
deconvolution, whose kernel the op estimates from the photo (``ops/shake.py``), in place of a
Gaussian one. This prints, per blur, over the photos of the tune split of ../shared/data/train
(never the validation set): the anisotropy's spread, how often the blur is found and read as a
shake, and the PSNR against the clean photo of the untouched blurred photo, of the deblur the
critic plans, and of today's Gaussian deblur of the overall reading (``kind 0``). Blurs, in
linear light: Gaussian (sigma 1-2.5 px), a defocus disc (radius 1.5-4 px) and a line (5-14 px,
any angle); each photo also unblurred (what is found there is a false finding).

    python benchmarks/calibrate_shake.py             # 95 tune photos (about 4 min here)
    python benchmarks/calibrate_shake.py --limit 20

Reads ../shared/data/train; exits 0 when it is absent.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import report  # noqa: E402
from benchmarks.data import training_photo_args  # noqa: E402

LONG_EDGE = 512
KINDS = ("none", "gaussian", "disc", "line")


def line_psf(length: float, angle: float) -> np.ndarray:
    """A line of ``length`` px at ``angle`` (radians), anti-aliased (4x supersampled), sum 1."""
    import cv2

    n = max(int(math.ceil(length)) | 1, 3)
    big = np.zeros((n * 4, n * 4), np.float32)
    c, dx, dy = n * 2, math.cos(angle) * length * 2, math.sin(angle) * length * 2
    cv2.line(big, (int(c - dx), int(c - dy)), (int(c + dx), int(c + dy)), 1.0, 2, cv2.LINE_AA)
    k = cv2.resize(big, (n, n), interpolation=cv2.INTER_AREA)
    return k / k.sum()


def blurred(x: np.ndarray, kind: str, rng: np.random.Generator) -> np.ndarray:
    import cv2

    from spc_cli.ops.deblur import disc_psf

    if kind == "gaussian":
        return cv2.GaussianBlur(x, (0, 0), rng.uniform(1.0, 2.5), borderType=cv2.BORDER_REFLECT)
    if kind == "disc":
        k = disc_psf(rng.uniform(1.5, 4.0)).astype(np.float32)
    elif kind == "line":
        k = line_psf(rng.uniform(5.0, 14.0), rng.uniform(0.0, math.pi))
    else:
        return x
    return cv2.filter2D(x, -1, k, borderType=cv2.BORDER_REFLECT)


def deblurred(codes: np.ndarray, params) -> np.ndarray:
    """``codes`` (uint8 sRGB) through the deblur op with ``params`` (shake kernels estimated)."""
    import torch

    from spc_cli.colour import linear_to_srgb, srgb_to_linear
    from spc_cli.ops import deblur

    x = srgb_to_linear(torch.from_numpy(codes).permute(2, 0, 1)[None].float() / 255)
    kw = {"amount": params.amount, "sigma": params.sigma, "kind": params.kind, "noise": params.noise}
    with torch.no_grad():
        ctx = deblur.prepare_deblur(x, **kw) if deblur.needs_prepare(**kw) else None
        y = deblur.adjust_deblur(x, **kw, context=ctx)
    return (linear_to_srgb(y.clamp(0, 1))[0].permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2))
    return 10 * math.log10(255.0 ** 2 / max(mse, 1e-10))


def main() -> int:
    args, root = training_photo_args(__doc__, seed=11)
    if root is None:
        return 0
    import torch

    from spc_cli.api import photo_from_array
    from spc_cli.colour import linear_to_srgb
    from spc_cli.critic.advise import DEBLUR_SCALE, DEBLUR_SHARE
    from spc_cli.learn.data import list_photos, load_srgb8, srgb_to_linear
    from spc_cli.ops.params import DeblurParams
    from spc_cli.registry import make_critic

    critic = make_critic("analytic")
    train = root / "train"
    rng = np.random.default_rng(args.seed)
    rec: dict[str, list[dict]] = {k: [] for k in KINDS}
    photos = list_photos(train, "tune")
    for p in photos[: args.limit or len(photos)]:
        clean = load_srgb8(train / p.relpath, LONG_EDGE)
        x = srgb_to_linear(clean)
        for kind in KINDS:
            y = np.clip(blurred(x, kind, rng), 0, 1)
            codes = (linear_to_srgb(torch.from_numpy(y)).numpy() * 255).round().astype(np.uint8)
            c = critic.critique([photo_from_array(codes)])[0]
            m = c.measurements
            r = {"anisotropy": m["sharpness.anisotropy"], "in": psnr(codes, clean), "found": False}
            found = [f for f in c.findings if f.attribute == "sharpness"]
            edits = [e for e in c.plan.edits if e.op == "deblur"]
            if found and edits:
                r.update(found=True, shake=found[0].measured.get("shake", 0.0) > 0,
                         planned=psnr(deblurred(codes, edits[0].params), clean))
                # today's reading and plan: a Gaussian of 0.7 x the overall blur, share 0.6
                share = DEBLUR_SHARE * (1.0 - 0.6 * found[0].measured.get("grain_risk", 0.0))
                g = DeblurParams(amount=share, sigma=min(max(DEBLUR_SCALE * m["sharpness.blur_px"], 0.5), 5.0),
                                 kind=0.0, noise=edits[0].params.noise)
                r["gaussian"] = psnr(deblurred(codes, g), clean) if r["shake"] else r["planned"]
            rec[kind].append(r)
    rows = []
    for kind in KINDS:
        rs = rec[kind]
        an = np.percentile([r["anisotropy"] for r in rs], [10, 50, 90])
        hit = [r for r in rs if r["found"]]
        shake = [r for r in hit if r["shake"]]
        row = [kind, str(len(rs)), " / ".join(f"{v:.2f}" for v in an), f"{len(hit) / len(rs):.0%}",
               f"{len(shake) / len(rs):.0%}"]
        if hit:
            row += [f"{np.mean([r['in'] for r in hit]):.2f}", f"{np.mean([r['planned'] for r in hit]):.2f}",
                    f"{np.mean([r['gaussian'] for r in hit]):.2f}",
                    f"{sum(r['planned'] < r['in'] - 0.05 for r in hit)}"]
        else:
            row += ["-", "-", "-", "-"]
        rows.append(row)
    report.print_table(f"Blur shape on {len(rec['none'])} tune photos ({LONG_EDGE} px): PSNR over the photos "
                       "where a blur is found and a deblur planned",
                       ["blur", "n", "anisotropy p10 / p50 / p90", "found", "read as shake", "PSNR untouched",
                        "PSNR planned deblur", "PSNR Gaussian deblur", "planned below untouched"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
