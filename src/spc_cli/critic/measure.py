"""What the analytic critic measures: pure functions on linear Rec.709 tensors.

Global measurements (exposure, white balance, contrast, saturation, haze,
highlights, shadows) take the photo's linear proxy, a (3, h, w) float tensor
about 512 px on its long edge, so they cost the same at any resolution.
Noise and sharpness vanish under downscaling, so they are measured on a few
full-resolution tiles (``measure_detail.py``).

Every function returns a flat ``dict[str, float]`` of named, physically
meaningful numbers (stops, fractions, sRGB-encoded levels, OKLab units) that the
critic's reasons cite.

    >>> import torch
    >>> grey = torch.full((3, 64, 64), 0.18)
    >>> round(measure_exposure(grey)["key"], 3)
    0.18
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from ..colour import LUMA, linear_to_srgb, luminance, rgb_to_oklab, srgb_level_to_linear

EPS = 1e-4
CLIP = 0.98  # linear level treated as clipped (sRGB-encoded ~0.99, 252/255)
BLACK = 0.0012  # linear level treated as crushed black (sRGB-encoded ~0.015, 4/255)


def quantiles(x: torch.Tensor, qs: list[float]) -> list[float]:
    """Quantiles from a fixed-stride subsample of at most ~8k values (sorting is the cost)."""
    flat = x.reshape(-1)
    if flat.numel() > 8_192:
        flat = flat[:: -(-flat.numel() // 8_192)]
    srt = np.sort(flat.detach().cpu().numpy())  # numpy's sort: the same order, ~10x faster here than torch's
    n = srt.size
    return [float(srt[min(n - 1, max(0, int(round(q * (n - 1)))))]) for q in qs]


# --------------------------------------------------------------------------- exposure
def measure_exposure(proxy: torch.Tensor) -> dict[str, float]:
    """Key and headroom of the linear luminance.

    ``key``: log-average luminance (Reinhard's scene key; 0.18 is mid-grey).
    ``p_hi``: the 99.5th percentile of each pixel's brightest channel, i.e. where the
    top of the histogram sits; ``headroom_ev = -log2(p_hi)`` stops below white.
    ``p_top``: the 99.9th percentile (small light sources, specular glints).
    ``p_lo``: the 1st percentile of luminance (the floor of the histogram).
    ``clipped``: share of pixels with every channel at white; ``clipped_any``: any channel.
    ``crushed``: share of pixels whose luminance is black.
    ``clipped_border``: share of the frame's outermost pixels with every channel at white (a
    white background around a product, a page, a blown sky behind a subject).
    ``key_unclipped``, ``p_lo_unclipped``: the key and the floor of the pixels with no channel at
    white (the content that holds detail; the whole frame's where less than 2 % of it does).
    ``crushed_border``: share of the frame's outermost pixels crushed to black (a product on black
    velvet); ``key_lit``, ``median_lit``: the key and the median of the pixels not crushed.
    """
    y = luminance(proxy)[0]
    maxc = proxy.amax(dim=0)
    logs = torch.log(y.clamp(min=0) + EPS)
    key = float(torch.exp(logs.mean()))
    y_med, y_lo, y_p5 = quantiles(y, [0.5, 0.01, 0.05])
    held = maxc < CLIP
    content = float(held.float().mean()) >= 0.02
    key_unclipped = float(torch.exp(logs[held].mean())) if content else key
    p_lo_unclipped = quantiles(y[held], [0.01])[0] if content else y_lo
    white = proxy.amin(dim=0) >= CLIP
    border = torch.cat([white[0], white[-1], white[1:-1, 0], white[1:-1, -1]])
    dark = y <= BLACK
    dark_border = torch.cat([dark[0], dark[-1], dark[1:-1, 0], dark[1:-1, -1]])
    lit = ~dark
    shown = float(lit.float().mean()) >= 0.02
    key_lit = float(torch.exp(logs[lit].mean())) if shown else key
    median_lit = quantiles(y[lit], [0.5])[0] if shown else y_med
    p_hi, p_top = quantiles(maxc, [0.995, 0.999])
    return {
        "key": key,
        "median": y_med,
        "p_hi": p_hi,
        "p_top": p_top,
        "p_lo": y_lo,
        "p5": y_p5,
        "headroom_ev": -math.log2(max(p_hi, 1e-4)),
        "clipped": float(white.float().mean()),
        "clipped_any": float((maxc >= CLIP).float().mean()),
        "crushed": float(dark.float().mean()),
        "clipped_border": float(border.float().mean()),
        "key_unclipped": key_unclipped,
        "p_lo_unclipped": p_lo_unclipped,
        "crushed_border": float(dark_border.float().mean()),
        "key_lit": key_lit,
        "median_lit": median_lit,
    }


# ----------------------------------------------------------------------- white balance
def _log_chroma(e: torch.Tensor) -> tuple[float, float]:
    """(warmth, tint) of an RGB illuminant: log(R/B), and log(G / sqrt(R B)) (green > 0)."""
    r, g, b = (float(v) for v in e.clamp(min=1e-6).log())
    return r - b, g - 0.5 * (r + b)


def _box3(x: torch.Tensor) -> torch.Tensor:
    """3x3 box mean of (..., H, W) with edge replication (separable, slicing only)."""
    p = torch.cat([x[..., :1, :], x, x[..., -1:, :]], dim=-2)
    v = (p[..., :-2, :] + p[..., 1:-1, :] + p[..., 2:, :]) / 3
    p = torch.cat([v[..., :1], v, v[..., -1:]], dim=-1)
    return (p[..., :-2] + p[..., 1:-1] + p[..., 2:]) / 3


def edge_magnitude(proxy: torch.Tensor) -> torch.Tensor:
    """(3, h-1, w-1) per-channel gradient magnitude of the 3x3-smoothed image (for grey-edge)."""
    sm = _box3(proxy)
    gx = (sm[:, :, 1:] - sm[:, :, :-1])[:, :-1, :]
    gy = (sm[:, 1:, :] - sm[:, :-1, :])[:, :, :-1]
    return torch.sqrt(gx * gx + gy * gy)


def illuminant_estimates(proxy: torch.Tensor, mask: torch.Tensor,
                         edges: torch.Tensor | None = None) -> dict[str, torch.Tensor]:
    """Four classic illuminant estimates over ``mask`` (unit-luminance RGB each).

    grey-world (mean), shades-of-grey (Minkowski p=6), grey-edge (p=6 norm of the
    first derivative of a slightly smoothed image) and bright-pixels (mean of the
    brightest 5% of masked pixels).
    """
    px = proxy[:, mask]  # (3, n)
    out: dict[str, torch.Tensor] = {}
    out["grey_world"] = px.mean(dim=1)
    p3 = px.clamp(min=0) ** 3
    out["shades_of_grey"] = (p3 * p3).mean(dim=1) ** (1 / 6)
    gm = edge_magnitude(proxy) if edges is None else edges
    m2 = mask[:-1, :-1] & mask[1:, :-1] & mask[:-1, 1:]
    g = gm[:, m2] if int(m2.sum()) > 16 else gm.reshape(3, -1)
    if float(g.mean()) > 1e-4:  # a featureless frame (a grey card) has no edges to read
        g3 = g * g * g
        out["grey_edge"] = (g3 * g3).mean(dim=1) ** (1 / 6)
    y = (torch.tensor(LUMA, dtype=px.dtype)[:, None] * px).sum(0)
    k = max(1, int(0.05 * y.numel()))
    out["bright"] = px[:, torch.topk(y, k).indices].mean(dim=1)
    lw = torch.tensor(LUMA, dtype=px.dtype)
    return {n: e.clamp(min=1e-6) / float((lw * e.clamp(min=1e-6)).sum()) for n, e in out.items()}


def measure_white_balance(proxy: torch.Tensor, lab: torch.Tensor | None = None) -> dict[str, float]:
    """Estimated illuminant colour and how far it is from neutral.

    Pixels used: not clipped in any channel, not near black, and (on the second
    pass, after a provisional correction) not strongly saturated, since vivid
    surfaces say more about the scene than about the light.
    ``warmth`` > 0 is a warm (orange) cast, < 0 cool (blue), in natural-log units of
    R/B (0.1 ~ a 10% channel imbalance); ``tint`` > 0 green, < 0 magenta.
    ``spread`` is how much the estimators disagree (same units). ``gain_r/g/b`` undo the whole
    estimate with the illuminant's luminance kept (the plan undoes only the part
    ``judge.cast_correction`` takes for a cast). ``bright_chroma`` is the OKLab chroma of
    the brightest pixels once a first estimate of the light is taken out (a lit, coloured sky:
    sunset, stage light), ``neutral_share``
    the share of pixels that are near-neutral after correction; ``coloured_share``,
    ``hue_spread`` and ``tone_residual`` say whether the colour is a tone (``measure_tone``).
    ``lab``: the proxy in OKLab, when the caller has it already.
    """
    y = luminance(proxy)[0]
    base = (proxy.amax(dim=0) < CLIP) & (y > 0.01)
    if int(base.sum()) < 64:
        base = torch.ones_like(y, dtype=torch.bool)
    edges = edge_magnitude(proxy)
    est = illuminant_estimates(proxy, base, edges)
    e0 = torch.stack(list(est.values())).log().median(dim=0).values.exp()
    corr = proxy / e0[:, None, None]
    as_is = rgb_to_oklab(proxy) if lab is None else lab
    lab = rgb_to_oklab(corr)
    chroma = torch.sqrt(lab[1] ** 2 + lab[2] ** 2)
    mask = base & (chroma < 0.08)
    if int(mask.sum()) < 0.05 * mask.numel():
        mask = base & (chroma < quantiles(chroma[base], [0.3])[0])
    est = illuminant_estimates(proxy, mask, edges)
    names = list(est)
    logs = torch.stack([est[n].log() for n in names])
    e = logs.median(dim=0).values.exp()  # per-channel median of the four estimates
    wt = [_log_chroma(est[n]) for n in names]
    warmth, tint = _log_chroma(e)
    spread = max(math.hypot(a - warmth, b - tint) for a, b in wt)
    lw = torch.tensor(LUMA)
    ylum = float((lw * e).sum())
    gains = ylum / e
    # the brightest region's colour against the light estimated on the first pass (``corr``): a lit,
    # coloured sky stays coloured once the scene's light is taken out
    c0 = torch.sqrt(lab[1] ** 2 + lab[2] ** 2)
    k = max(1, int(0.05 * y.numel()))
    top = torch.topk(y.reshape(-1), k).indices
    # estimates that keep clipped pixels: in a camera rendering, white and clipped areas are
    # neutral, so a cast shows plainly in them (a grey-world failure mode does not)
    yflat = y.reshape(-1)
    flat = proxy.reshape(3, -1)
    k2 = max(1, int(0.02 * yflat.numel()))
    topw = flat[:, torch.topk(yflat, k2).indices].mean(dim=1)
    maxrgb = torch.tensor(quantiles(flat[0], [0.995]) + quantiles(flat[1], [0.995]) + quantiles(flat[2], [0.995]))
    for n, v in (("white", topw), ("max_rgb", maxrgb)):
        wt.append(_log_chroma(v))
        names.append(n)
    out = {**measure_tone(proxy, as_is, lab),
           "warmth": warmth, "tint": tint, "cast": math.hypot(warmth, tint), "spread": spread,
           "gain_r": float(gains[0]), "gain_g": float(gains[1]), "gain_b": float(gains[2]),
           "bright_chroma": float(c0.reshape(-1)[top].mean()),
           "neutral_share": float((chroma < 0.04).float().mean())}
    for n, (a, b) in zip(names, wt):
        out[f"warmth_{n}"] = a
        out[f"tint_{n}"] = b
    if "grey_edge" not in names:  # keep the record complete: no edges, no evidence either way
        out["warmth_grey_edge"], out["tint_grey_edge"] = warmth, tint
    return out


# ----------------------------------------------------------------------------- contrast
def measure_contrast(proxy: torch.Tensor, lab: torch.Tensor | None = None,
                     enc: torch.Tensor | None = None, fine: torch.Tensor | None = None) -> dict[str, float]:
    """Global and local contrast of the perceptual lightness (OKLab L, 0..1).

    ``range``: L spread between the 1st and 99th percentiles; ``l_lo``/``l_hi`` those
    percentiles; ``std``: standard deviation of L; ``local``: mean absolute difference
    between L and its 9x9 local mean (texture and edge contrast at proxy scale).
    ``black``/``white``: sRGB level of the darkest channel's 0.5th percentile and the
    brightest channel's 99.5th (robust, for deciding whether the photo is washed out).
    ``black_min``/``white_max``: sRGB level of the darkest channel of the darkest pixel and
    the brightest channel of the brightest pixel, read on ``fine`` (a larger copy, the
    512-px proxy; downscaling averages the extremes inward): the black and white points a
    levels stretch can use without clipping anything or shifting colour.
    """
    lab = rgb_to_oklab(proxy) if lab is None else lab
    L = lab[0]
    lo, hi = quantiles(L, [0.01, 0.99])
    blur = F.avg_pool2d(L[None, None], 9, 1, 4, count_include_pad=False)[0, 0]
    enc = linear_to_srgb(proxy) if enc is None else enc
    (black,) = quantiles(enc.amin(dim=0), [0.005])
    (white,) = quantiles(enc.amax(dim=0), [0.995])
    black_min, white_max = levels_points(proxy if fine is None else fine)
    return {"range": hi - lo, "l_lo": lo, "l_hi": hi, "std": float(L.std()), "black": black, "white": white,
            "black_min": black_min, "white_max": white_max, "local": float((L - blur).abs().mean())}


def levels_points(image: torch.Tensor) -> tuple[float, float]:
    """(black, white): sRGB level of the darkest channel of the darkest pixel and of the
    brightest channel of the brightest pixel of a linear image (any shape). Stretching
    [black, white] to [0, 1] on every channel alike clips nothing and shifts no colour."""
    lo_hi = torch.stack([image.amin(), image.amax()]).float().clamp(0.0, 1.0)  # sRGB is monotone
    black, white = (float(v) for v in linear_to_srgb(lo_hi))
    return black, white


# --------------------------------------------------------------------------- saturation
def measure_saturation(proxy: torch.Tensor, lab: torch.Tensor | None = None,
                       enc: torch.Tensor | None = None) -> dict[str, float]:
    """OKLab chroma distribution of the lit pixels (L > 0.15).

    ``chroma_mean``, ``chroma_p90``, ``chroma_p99``; ``vivid``: share of pixels with
    chroma above 0.25 (near the edge of the sRGB gamut); ``grey_share``: share below 0.02.
    ``chroma_p90_held``, ``grey_share_held``: the same over the lit pixels not white in every
    channel (a white background's pixels left out). ``gamut_edge``: of the mid-tone pixels
    (OKLab L 0.25-0.9), the share that is coloured (chroma above 0.08) and has a channel at the
    end of its range (sRGB-encoded at most 1/255 or at least 254/255): a colour pushed past the
    gamut and clipped there, as a saturation boost leaves it (a camera's rendering of a lit
    scene puts few mid-tones there: a red flower's blue channel, a neon sign). ``enc``: the
    proxy sRGB-encoded, when the caller has it.
    """
    lab = rgb_to_oklab(proxy) if lab is None else lab
    c_all = torch.sqrt(lab[1] ** 2 + lab[2] ** 2)
    lit = lab[0] > 0.15
    c = c_all[lit] if int(lit.sum()) > 64 else c_all.reshape(-1)
    p50, p90, p99 = quantiles(c, [0.5, 0.9, 0.99])
    held = lit & (proxy.amin(dim=0) < CLIP)
    ch = c_all[held] if int(held.sum()) > 64 else c
    p90_held = p90 if ch is c else quantiles(ch, [0.9])[0]
    enc = linear_to_srgb(proxy.clamp(0.0, 1.0)) if enc is None else enc
    mid = (lab[0] > 0.25) & (lab[0] < 0.9)
    edge = (enc.amax(dim=0) >= 254.0 / 255.0) | (enc.amin(dim=0) <= 1.0 / 255.0)
    gamut_edge = float((mid & edge & (c_all > 0.08)).sum()) / max(1, int(mid.sum()))
    return {"chroma_mean": float(c.mean()), "chroma_median": p50, "chroma_p90": p90, "chroma_p99": p99,
            "vivid": float((c > 0.25).float().mean()), "grey_share": float((c < 0.02).float().mean()),
            "chroma_p90_held": p90_held, "grey_share_held": float((ch < 0.02).float().mean()),
            "gamut_edge": gamut_edge}


TONE_BINS = 16  # lightness bins the chroma a lightness alone predicts is read in
TONE_COLOURED = 0.012  # OKLab chroma from which a pixel counts as visibly coloured (JPEG's chroma noise: ~0.005)


def measure_tone(proxy: torch.Tensor, lab: torch.Tensor, lab_corr: torch.Tensor) -> dict[str, float]:
    """Whether the photo's colour is a tone: visible (``lab``: the proxy in OKLab), and once the
    light's estimated colour is taken out (``lab_corr``: the proxy divided by it, in OKLab), a
    function of its lightness alone, as in a toned monochrome photo (sepia, selenium, cyanotype,
    a tint or a gradient map over a greyscale image). Read on every other pixel of the lit,
    unclipped part of the proxy:

    ``coloured_share``: the share of those pixels with OKLab chroma above ``TONE_COLOURED`` as the
    photo is; then, with the light taken out, ``hue_spread``: within each of ``TONE_BINS`` lightness
    bins, 1 - the length of the mean unit chroma vector of its coloured pixels (0: one hue, or no
    colour left), averaged over the bins by their pixels, and ``tone_residual``: the 90th percentile of
    each pixel's chroma distance from its lightness bin's mean (a, b) (0: the colour is the
    lightness's own). A colour photo shows several colours at one lightness, under any light (a
    strong cast draws them toward its own colour as they are, not once it is taken out); a toned one,
    one."""
    lit = ((lab[0, ::2, ::2] > 0.15) & (proxy[:, ::2, ::2].amax(dim=0) < CLIP)).reshape(-1)
    if int(lit.sum()) < 256:
        return {"coloured_share": 0.0, "hue_spread": 1.0, "tone_residual": 1.0}
    c0 = torch.sqrt(lab[1, ::2, ::2] ** 2 + lab[2, ::2, ::2] ** 2).reshape(-1)[lit]
    L, a, b = (lab_corr[k, ::2, ::2].reshape(-1)[lit].double() for k in range(3))
    lo, hi = float(L.min()), float(L.max())
    idx = ((L - lo) / max(hi - lo, 1e-6) * TONE_BINS).long().clamp(0, TONE_BINS - 1)

    def per_bin(v: torch.Tensor) -> torch.Tensor:
        return torch.bincount(idx, weights=v, minlength=TONE_BINS)

    n = per_bin(torch.ones_like(a)).clamp(min=1.0)
    res = torch.sqrt((a - (per_bin(a) / n)[idx]) ** 2 + (b - (per_bin(b) / n)[idx]) ** 2)
    c = torch.sqrt(a * a + b * b)
    coloured = (c > TONE_COLOURED).double()
    cs = c.clamp(min=1e-9)
    nc = per_bin(coloured)
    ua, ub = per_bin(coloured * a / cs) / nc.clamp(min=1.0), per_bin(coloured * b / cs) / nc.clamp(min=1.0)
    counted = nc >= 32
    w = nc[counted]
    spread = (float(((1.0 - torch.sqrt(ua * ua + ub * ub))[counted] * w).sum() / w.sum())
              if bool(counted.any()) else 0.0)
    return {"coloured_share": float((c0 > TONE_COLOURED).float().mean()), "hue_spread": spread,
            "tone_residual": quantiles(res.float(), [0.9])[0]}


# --------------------------------------------------------------------------------- haze
def min_filter(x: torch.Tensor, patch: int) -> torch.Tensor:
    """Minimum of each ``patch`` x ``patch`` window of (H, W) float32, over the pixels inside the
    image (OpenCV's erosion; the same values as a max-pool of -x padded with -inf, 50x faster)."""
    import cv2

    a = np.ascontiguousarray(x.detach().float().cpu().numpy())
    return torch.from_numpy(cv2.erode(a, np.ones((patch, patch), np.uint8)))


def measure_haze(proxy: torch.Tensor, patch: int = 5, enc: torch.Tensor | None = None) -> dict[str, float]:
    """Dark-channel statistics (He et al.) in sRGB encoding.

    In haze-free outdoor photos most patches contain some pixel that is dark in one
    channel, so the dark channel sits near 0; a veil of airlight lifts it everywhere.
    ``dark_median``/``dark_p10``/``dark_p001``: the dark channel's median, 10th and 0.1th
    percentiles (the last: the darkest spots, which an additive veil lifts with the rest);
    ``airlight``: mean sRGB level of the brightest 0.1% dark-channel pixels;
    ``veil``: dark_p10 / airlight, the share of the airlight added to the darkest regions.
    Region by region (``thresholds.REGION_GRID``): ``region_veil``, the mean veil of the
    ``REGION_TOP`` haziest cells, each counted as far as its own darkest spots are lifted too
    (``DARKEST_KEEP``) and not at all when it reads as sky (``REGION_SKY``);
    ``region_transmission``, 1 - the cells' mean dark level over the airlight in linear light
    (the frame's mean transmission where part of it is clear).
    """
    enc = (linear_to_srgb(proxy) if enc is None else enc).clamp(0, 1)
    dmin = enc.amin(dim=0)
    dark = min_filter(dmin, patch)
    p001, p10, p50, p999 = quantiles(dark, [0.001, 0.10, 0.5, 0.999])
    top = dark >= p999
    air = float(enc.mean(dim=0)[top].mean()) if int(top.sum()) else 1.0
    return {"dark_median": p50, "dark_p10": p10, "dark_p001": p001, "airlight": air,
            "veil": p10 / max(air, 1e-3), **_regional_haze(dark, air)}


def _regional_haze(dark: torch.Tensor, air: float) -> dict[str, float]:
    """``region_veil`` and ``region_transmission`` of ``measure_haze`` from the dark channel."""
    from .thresholds import DARKEST_KEEP, REGION_GRID, REGION_SKY, REGION_TOP, linear_ramp

    h, w = dark.shape
    n = REGION_GRID
    veils, levels = [], []
    for i in range(n):
        for j in range(n):
            cell = dark[i * h // n:(i + 1) * h // n, j * w // n:(j + 1) * w // n]
            if cell.numel() < 4:
                continue
            p005, p10 = quantiles(cell, [0.005, 0.10])
            lin10 = srgb_level_to_linear(p10)
            gate = linear_ramp(srgb_level_to_linear(p005) / max(lin10, 1e-4), *DARKEST_KEEP)
            veil = p10 / max(air, 1e-3)
            veils.append(veil * gate if veil <= REGION_SKY else 0.0)  # a sky is not a veiled surface
            levels.append(lin10)
    if not veils:
        return {"region_veil": 0.0, "region_transmission": 1.0}
    veils.sort(reverse=True)
    top = veils[:REGION_TOP]
    return {"region_veil": sum(top) / len(top),
            "region_transmission": 1.0 - (sum(levels) / len(levels)) / max(srgb_level_to_linear(air), 1e-3)}
