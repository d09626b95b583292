"""How well does white-balance evidence separate synthetic casts from clean photos?

    python -m benchmarks.wb_evidence            # 72 clean photos x (clean + 4 casts), ~2 min
    python -m benchmarks.wb_evidence --others   # also the 7 other defect kinds (false alarms), ~6 min

Every estimator here is scale-equivariant, so a von Kries cast moves each one by the
same log gains (up to clipping and 8-bit quantisation); what decides recall is how
widely each estimate scatters over clean photos. For each estimate on the critic's own
256-px copy of ``photo.proxy(512)`` this prints the clean photos' 10-90% range of
warmth ln(R/B) and tint ln(G/sqrt(RB)); the recall per cast kind with one threshold
per direction letting at most 1 clean photo out on that side; the share of all casts
found by a 2-D distance (offset from the clean median over the 80th-percentile offset
on its side, per axis) letting 1, 3 or 5 of the 72 clean photos out; and the same with
the threshold set on one half of the clean photos and counted on the other half
("recall / clean photos out", both ways). The variants are those of
``benchmarks.calibrate_critic`` ("#all" draw), so the photos' casts are the ones it scores.

Estimates: ``current`` (``measure_white_balance``: per-channel median of four classic
estimators), each classic estimator, the grey-pixel estimate (``grey_pixel`` below)
and its variants, the median with the grey-pixel estimate as a fifth vote, and the
current distance discounted by the disagreement between grey-pixel and current
estimates (agreement as confidence).
"""

from __future__ import annotations

import argparse
import sys

import numpy as np
import torch

from benchmarks.data import CLEAN_LONG_EDGE, clean_photos, load_srgb, require_data_root
from benchmarks.degrade import KINDS, make_variants

CASTS = ("warm", "cool", "green", "magenta")
CLASSIC = ("grey_world", "shades_of_grey", "grey_edge", "bright")


def grey_pixel(img: torch.Tensor, share: float = 0.03, weighted: bool = True,
               min_contrast: float = 0.02) -> torch.Tensor:
    """Grey-pixel illuminant estimate of a (3, h, w) linear image, unit-luminance RGB.

    Under one light each channel is reflectance times illuminant, so in log space the
    light adds a constant per channel and local contrast (log minus its 3x3 mean) does
    not depend on it. At a grey surface the three channels' log-contrasts are equal. The
    greyness index is their relative deviation (std / mean over channels); over
    unclipped, not-dark pixels with enough contrast the greyest ``share`` are averaged
    as chromaticities (RGB over its sum), weighted by 1 / (index + 0.001) when
    ``weighted`` (then the index is 3x3-smoothed first).
    """
    from spc_cli.colour import LUMA
    from spc_cli.critic.measure import CLIP, _box3

    logs = img.clamp(min=1e-4).log()
    c = (logs - _box3(logs)).abs()
    mc = c.mean(dim=0)
    gi = c.std(dim=0, unbiased=False) / (mc + 1e-6)
    if weighted:
        gi = _box3(gi[None])[0]
    y = (torch.tensor(LUMA, dtype=img.dtype)[:, None, None] * img).sum(0)
    ok = (img.amax(dim=0) < CLIP) & (y > 0.01) & (mc > min_contrast)
    if int(ok.sum()) < 16:
        ok = torch.ones_like(y, dtype=torch.bool)
    g = gi[ok]
    idx = torch.topk(g, min(g.numel(), max(16, int(share * g.numel()))), largest=False).indices
    px = img[:, ok][:, idx]
    px = px / px.sum(dim=0, keepdim=True).clamp(min=1e-6)
    w = 1.0 / (g[idx] + 1e-3) if weighted else torch.ones_like(g[idx])
    e = ((px * w).sum(dim=1) / w.sum()).clamp(min=1e-6)
    return e / float((torch.tensor(LUMA, dtype=e.dtype) * e).sum())


def estimates(small: torch.Tensor) -> dict[str, tuple[float, float]]:
    from spc_cli.critic import measure as M

    m = M.measure_white_balance(small)
    out = {"current": (m["warmth"], m["tint"])}
    out.update({n: (m[f"warmth_{n}"], m[f"tint_{n}"]) for n in CLASSIC})
    out["grey_pixel_3%_weighted"] = M._log_chroma(grey_pixel(small))
    out["grey_pixel_1%"] = M._log_chroma(grey_pixel(small, 0.01, weighted=False))
    out["grey_pixel_3%"] = M._log_chroma(grey_pixel(small, 0.03, weighted=False))
    out["grey_pixel_10%"] = M._log_chroma(grey_pixel(small, 0.10, weighted=False))
    votes = np.array([out[n] for n in CLASSIC + ("grey_pixel_3%_weighted",)])
    out["median_with_grey_pixel"] = tuple(float(v) for v in np.median(votes, axis=0))
    return out


def _distance(v: np.ndarray, clean: np.ndarray) -> np.ndarray:
    c = np.median(v[clean], axis=0)
    dv = v - c
    z = []
    for ax in (0, 1):
        x = dv[clean, ax]
        up, dn = np.percentile(x[x > 0], 80), np.percentile(-x[x < 0], 80)
        z.append(np.where(dv[:, ax] > 0, dv[:, ax] / up, dv[:, ax] / dn))
    return np.hypot(*z)


def report(feats: list[dict], kinds: np.ndarray, half: np.ndarray) -> None:
    clean = kinds == "clean"
    cast = np.isin(kinds, CASTS)
    other = ~clean & ~cast
    cur = np.array([f["current"] for f in feats])
    gp = np.array([f["grey_pixel_3%_weighted"] for f in feats])
    disagree = np.hypot(*(cur - gp).T)
    scores = {n: _distance(np.array([f[n] for f in feats]), clean) for n in feats[0]}
    for s in (0.2, 0.4):
        scores[f"current / (1 + disagreement/{s})"] = scores["current"] / (1 + disagree / s)
    print(f"{'estimate':34s} {'clean warmth 10-90%':>20s} {'tint 10-90%':>14s} | per direction (<=1 clean each):"
          f" warm cool green magenta | all casts at 1 / 3 / 5 clean out | cross-half (threshold: 1 of 36 out) | other kinds out at 3")
    for n, d in scores.items():
        if n in feats[0]:
            v = np.array([f[n] for f in feats])
            qw, qt = np.percentile(v[clean, 0], [10, 90]), np.percentile(v[clean, 1], [10, 90])
            side = {"warm": v[:, 0], "cool": -v[:, 0], "green": v[:, 1], "magenta": -v[:, 1]}
            per = [float(np.mean(side[k][kinds == k] > np.sort(side[k][clean])[::-1][1])) for k in CASTS]
            head = f"{qw[0]:+.2f}..{qw[1]:+.2f}".rjust(20) + f"{qt[0]:+.2f}..{qt[1]:+.2f}".rjust(15)
            per_s = " ".join(f"{r:.2f}" for r in per)
        else:
            head, per_s = " " * 35, " " * 19
        at = []
        for allow in (1, 3, 5):
            thr = np.sort(d[clean])[::-1][allow]
            at.append(f"{np.mean(d[cast] > thr):.2f}")
        thr3 = np.sort(d[clean])[::-1][3]
        xh = []
        for fit in (0, 1):
            t = np.sort(d[clean & (half == fit)])[::-1][1]
            ev = half != fit
            xh.append(f"{np.mean(d[ev & cast] > t):.2f}/{int(np.sum(d[ev & clean] > t))}")
        oth = int(np.sum(d[other] > thr3)) if other.any() else 0
        print(f"{n:34s}{head} | {per_s} | {' / '.join(at)} | {' '.join(xh)} | {oth}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--others", action="store_true", help="also the other defect kinds (false alarms)")
    ap.add_argument("--limit", type=int, default=0,
                    help="clean photos to use (at least 16: the figures count up to 5 clean photos "
                         "let out, per half and per side; default all)")
    a = ap.parse_args()
    if a.limit and a.limit < 16:
        ap.error("--limit must be 0 (all) or at least 16")
    from spc_cli.api import photo_from_array
    from spc_cli.colour import area_downscale

    root = require_data_root()
    if root is None:
        return
    torch.set_num_threads(1)
    paths = clean_photos(root)[: a.limit or None]
    feats, kinds, half = [], [], []
    for i, path in enumerate(paths):
        name = f"{path.parent.name}/{path.stem}"
        img8 = (np.clip(load_srgb(path, CLEAN_LONG_EDGE), 0, 1) * 255 + 0.5).astype(np.uint8)
        want = list(KINDS) if a.others else list(CASTS)
        # the "#all" draw of calibrate_critic: every kind, drawn in KINDS order, so the params match
        for v in make_variants(img8, seed=name + "#all", name=name + "#all", kinds=list(KINDS), combined=False):
            k = v.name.split("__")[-1]
            if k != "clean" and k not in want:
                continue
            small = area_downscale(photo_from_array(v.image, v.name).proxy(512).float(), 256)
            with torch.no_grad():
                feats.append(estimates(small))
            kinds.append(k)
            half.append(i % 2)
        print(f"{i + 1}/{len(paths)} {name}", file=sys.stderr)
    report(feats, np.array(kinds), np.array(half))


if __name__ == "__main__":
    main()
