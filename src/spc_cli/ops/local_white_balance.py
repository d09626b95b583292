"""Local white balance: the light's colour removed region by region, for photos under mixed light.

One global gain cannot neutralise a room lit by a tungsten lamp and a window at once: it
leaves one part orange and turns the other blue. Here the light's colour is estimated per
region and removed per pixel:

* Prepared once on a copy downscaled to ``LOW_RES``: each pixel's log chromaticity
  (log R/B, log G / sqrt(R B)), from pixels neither clipped nor near black. A first local
  mean over windows ``region`` x the long edge wide; pixels far from it (vivid surfaces say
  more about the scene than about the light) are then down-weighted, and a weighted guided
  filter of the chromaticity, guided by log luminance, gives the light-colour field: smooth
  within a region, following strong luminance edges (a window frame, a lamp's pool of light).
  Where a window holds few usable pixels the field falls back to the photo's mean light.
* At full resolution the field's coefficients are upsampled (``filters.upsample_rows``) and
  applied with the full-resolution log luminance as the guide, so a band of rows gives
  exactly the whole image's values.
* The cast removed at each pixel is ``(warmth, tint) + local * (field - mean light)``: the
  global cast everywhere plus ``local`` of the region's departure from the mean, removed by
  von Kries gains that keep a grey's luminance. ``local = 0`` is the global white balance
  (the gains of ``critic.advise.wb_gains``); a photo under one light has a flat field, so
  ``local = 1`` then gives the global result too.
"""

from __future__ import annotations

import torch

from ._util import any_active, luma, per_image
from .filters import box_mean, downscale, factor_for, upsample_rows

LOW_RES = 256  # long edge of the grid the light field is estimated on
SIGMA = 0.25  # log-chromaticity distance from the local light at which a pixel's weight is 1/e
EPS = 1.0  # guided-filter epsilon in squared stops: only luminance edges of a stop or more steer the field
MASS = 0.05  # windows with fewer usable pixels than this share lean on the photo's mean light
SLOPE = 0.25  # largest change of the field per stop of luminance (guards deep shadows and texture)
MAX_WARMTH = 1.2  # largest departure of a region's light from the mean (log R/B: about 2700 K vs 6500 K)
MAX_TINT = 0.2  # lights differ little in tint (log G/sqrt(RB)); vivid green or magenta is a surface
CLIP = 0.98
DARK = 0.01
_FLOOR = 1e-4
_LUMA = (0.2126, 0.7152, 0.0722)


def log_chroma(image: torch.Tensor) -> torch.Tensor:
    """(B, 2, H, W): log R/B and log G/sqrt(R B) of a linear (B, 3, H, W) image (float32)."""
    lg = image.float().clamp(min=_FLOOR).log()
    r, g, b = lg[:, 0:1], lg[:, 1:2], lg[:, 2:3]
    return torch.cat([r - b, g - 0.5 * (r + b)], dim=1)


def cast_gains(cast: torch.Tensor) -> torch.Tensor:
    """Von Kries gains (B, 3, ...) removing a light of log chromaticity ``cast`` (B, 2, ...),
    a grey's luminance kept: the per-pixel form of ``critic.advise.wb_gains``."""
    w, t = cast[:, 0:1], cast[:, 1:2]
    e = torch.cat([torch.exp(w / 2), torch.exp(t), torch.exp(-w / 2)], dim=1)
    y = _LUMA[0] * e[:, 0:1] + _LUMA[1] * e[:, 1:2] + _LUMA[2] * e[:, 2:3]
    return (y / e).clamp(0.25, 4.0)


def _wmean(x: torch.Tensor, w: torch.Tensor, wm: torch.Tensor, r: int) -> torch.Tensor:
    return box_mean(w * x, r) / wm


def prepare_local_white_balance(image: torch.Tensor, region: float | torch.Tensor = 0.1, **_: object) -> dict:
    """The light-colour field's guided-filter coefficients on a low-resolution grid, and the
    photo's mean light (B, 2, 1, 1); see the module docstring."""
    h, w = image.shape[-2:]
    factor = factor_for(h, w, LOW_RES)
    small = downscale(image, factor).clamp(min=0.0)
    b = small.shape[0]
    y = luma(small)
    g = torch.log2(y.clamp(min=_FLOOR))
    c = log_chroma(small)
    valid = ((small.amax(dim=1, keepdim=True) < CLIP) & (y > DARK)).float()
    size = max(small.shape[-2:])
    reg = per_image(region, small).float().reshape(-1)
    radii = [max(2, round(float(v) * size)) for v in (reg if reg.dim() else reg.reshape(1))]
    outs = [_field(c[i:i + 1], g[i:i + 1], valid[i:i + 1], radii[min(i, len(radii) - 1)]) for i in range(b)]
    return {"coeffs": torch.cat([o[0] for o in outs]), "mean": torch.cat([o[1] for o in outs]),
            "factor": factor}


def _field(c: torch.Tensor, g: torch.Tensor, valid: torch.Tensor, r: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Coefficients (1, 4, h, w) of field = A * log2 luminance + B (2 channels each), and the mean light."""
    total = valid.sum().clamp(min=1.0)
    mean = ((c * valid).sum(dim=(2, 3), keepdim=True) / total)
    # first pass: plain local means of the usable pixels
    w1 = valid
    m1 = box_mean(w1, r).clamp(min=1e-6)
    local1 = torch.where(m1 > 1e-3, _wmean(c, w1, m1, r), mean.expand_as(c))
    # second pass: pixels close to their region's light (likely grey surfaces) count most
    d2 = ((c - local1) ** 2).sum(dim=1, keepdim=True)
    w2 = valid * torch.exp(-d2 / SIGMA ** 2)
    wsum = w2.sum().clamp(min=1e-6)
    mean = (c * w2).sum(dim=(2, 3), keepdim=True) / wsum
    wm = box_mean(w2, r).clamp(min=1e-6)
    mg = _wmean(g, w2, wm, r)
    mc = _wmean(c, w2, wm, r)
    cov = _wmean(g * c, w2, wm, r) - mg * mc
    var = (_wmean(g * g, w2, wm, r) - mg * mg).clamp(min=0.0)
    a = (cov / (var + EPS)).clamp(-SLOPE, SLOPE)
    bb = mc - a * mg
    # little evidence in a window: lean on the photo's mean light
    trust = wm / (wm + MASS)
    a = a * trust
    bb = trust * bb + (1 - trust) * mean
    return torch.cat([box_mean(a, r), box_mean(bb, r)], dim=1), mean


def adjust_local_white_balance(image: torch.Tensor, warmth: float | torch.Tensor = 0.0,
                               tint: float | torch.Tensor = 0.0, local: float | torch.Tensor = 0.0,
                               region: float | torch.Tensor = 0.1, *, context: dict | None = None,
                               row0: int = 0) -> torch.Tensor:
    """Remove the cast ``(warmth, tint)`` (log R/B, log G/sqrt(RB)) everywhere, and ``local`` of
    each region's departure from the photo's mean light (regions ``region`` x the long edge).

    All zero is an exact identity; ``local = 0`` is a global von Kries white balance.
    ``context``/``row0``: coefficients prepared on the whole image and a band's first row.

    >>> img = torch.full((1, 3, 8, 8), 0.2) * torch.tensor([1.3, 1.0, 0.7]).view(1, 3, 1, 1)
    >>> out = adjust_local_white_balance(img, warmth=0.62, local=1.0)
    >>> float(out[0, 0].mean() / out[0, 2].mean()) < 1.01  # the orange cast is gone
    True
    """
    if not any_active(warmth, tint, local):
        return image
    x = image.float()
    base = torch.cat(torch.broadcast_tensors(per_image(warmth, x).reshape(-1, 1, 1, 1),
                                             per_image(tint, x).reshape(-1, 1, 1, 1)), dim=1)
    if any_active(local):
        if context is None:
            context = prepare_local_white_balance(image, region)
        rows, width = image.shape[-2:]
        coeffs = upsample_rows(context["coeffs"], context["factor"], row0, rows, width)
        g = torch.log2(luma(x).clamp(min=_FLOOR))
        field = coeffs[:, 0:2] * g + coeffs[:, 2:4]
        dev = field - context["mean"]
        dev = torch.cat([dev[:, 0:1].clamp(-MAX_WARMTH, MAX_WARMTH), dev[:, 1:2].clamp(-MAX_TINT, MAX_TINT)], dim=1)
        cast = base + per_image(local, x).reshape(-1, 1, 1, 1) * dev
    else:
        cast = base
    return (x * cast_gains(cast)).to(image.dtype)
