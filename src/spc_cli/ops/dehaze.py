"""Dehaze: the atmospheric scattering model I = J t + A (1 - t), inverted for J.

Prepared once on a downscaled copy:

* the airlight A: the colour of the haziest region, the brightest tenth of the pixels whose
  dark channel is in the top 0.1 % (He et al.), its median colour kept as it is (smog is
  yellow, a sea mist blue-grey: a coloured veil is undone with its own colour);
* the transmission: t = 1 - OMEGA * dark(I / A) (the dark channel prior). When the critic
  measured the scene's mean transmission (``transmission`` < 1), the veil 1 - t is scaled
  so its mean matches: the prior gives the shape of the depth, the critic its depth;
* the sky guard: where the photo is within SKY_K of the airlight (open sky, white walls in
  the haze), the prior reads "all veil" and dividing by a tiny t would blow the sky to noise,
  so t is raised there by SKY_K / |I - A| (Jiang et al.'s tolerance);
* a floor on t: the 1st percentile of the estimate, halved, and never below T_FLOOR, so dense
  haze is removed as far as its own map goes while noise is amplified at most 1 / T_FLOOR;
* refinement by a guided filter whose coefficients are upsampled and applied with the
  full-resolution luminance as the guide, so t follows the real edges without halos.

At full resolution the op is one per-pixel expression.
"""

from __future__ import annotations

import torch

from ._util import any_active, luma, per_image
from .filters import downscale, factor_for, guided_coeffs, min_filter, rows_from_cols, upsample_cols

OMEGA = 1.0  # share of the dark-channel veil taken as haze
T_FLOOR = 0.1  # transmission never below this: noise amplified at most 10x
SKY_K = 0.08  # linear distance to the airlight under which t is raised (sky guard)
LOW_RES = 512
DARK_WINDOW = 50
LEVEL_WIDE = 3  # the dark channel is read over windows of 2 / DARK_WINDOW of the long edge
EPS = 1e-3


def _dark_channel(x: torch.Tensor, r: int) -> torch.Tensor:
    return min_filter(x.amin(dim=1, keepdim=True), r)


def airlight(small: torch.Tensor, dark: torch.Tensor) -> torch.Tensor:
    """(B, 3, 1, 1): median colour of the brightest tenth of the haziest 0.1 % of pixels."""
    b = small.shape[0]
    flat = dark.reshape(b, -1)
    k = min(flat.shape[1], max(64, flat.shape[1] // 1000))  # >= 64 pixels: a stable estimate
    idx = flat.topk(k, dim=1).indices  # (B, k)
    colours = small.reshape(b, 3, -1).gather(2, idx.unsqueeze(1).expand(b, 3, k))
    bright = luma(colours.unsqueeze(-1)).reshape(b, k)
    top = bright.topk(max(8, k // 10), dim=1).indices
    chosen = colours.gather(2, top.unsqueeze(1).expand(b, 3, top.shape[1]))
    return chosen.median(dim=2).values.clamp(min=0.05).view(b, 3, 1, 1)


def veil_colour(small: torch.Tensor, r: int) -> torch.Tensor:
    """(B, 3, 1, 1) colour of the veil, max channel 1: each channel's own local minimum over a
    wide window is (1 - t) A_c wherever the scene holds something dark in that channel, so
    their ratios are the airlight's, whatever the haze's depth; averaged where the veil is
    thickest."""
    mins = min_filter(small, r)  # (B, 3, h, w)
    wgt = mins.amin(dim=1, keepdim=True) ** 2
    col = (mins * wgt).sum(dim=(2, 3), keepdim=True) / wgt.sum(dim=(2, 3), keepdim=True).clamp(min=1e-9)
    return col / col.amax(dim=1, keepdim=True).clamp(min=1e-6)


def prepare_dehaze(image: torch.Tensor, amount: float | torch.Tensor = 0.0,
                   transmission: float | torch.Tensor = 1.0, **_: object) -> dict:
    """Airlight (B, 3, 1, 1), the floor of t (B, 1, 1, 1) and the low-res guided coefficients of t."""
    h, w = image.shape[-2:]
    factor = factor_for(h, w, LOW_RES)
    small = downscale(image, factor).clamp(min=0.0)
    r = max(2, round(max(small.shape[-2:]) / DARK_WINDOW))
    colour = veil_colour(small, 3 * r)
    # the veil read over wide windows: a bright object (a white wall, a cloud) fills a small
    # window and reads as haze, a wide one reaches past it to something dark
    wide = _dark_channel(small / colour, LEVEL_WIDE * r)
    level = airlight(small, wide)
    level = (level / colour).amax(dim=1, keepdim=True)  # the haziest pixels fix the brightness
    target = 1.0 - per_image(transmission, small).float()
    # with the scene's mean transmission known, the brightness follows: mean(dark(I / A)) = 1 - T
    known = wide.mean(dim=(1, 2, 3), keepdim=True) / target.clamp(min=1e-3)
    level = torch.where(target > 0, known, level)
    air = (colour * level).clamp(min=0.05)
    veil = OMEGA * _dark_channel(small / air, r).clamp(0.0, 1.0)
    mean = veil.mean(dim=(1, 2, 3), keepdim=True).clamp(min=1e-3)
    veil = torch.where(target > 0, (veil * target / mean).clamp(max=1.0), veil)
    t = 1.0 - per_image(amount, small).float() * veil
    dist = (small - air).abs().amax(dim=1, keepdim=True)
    t = torch.minimum(t * (SKY_K / dist.clamp(min=1e-4)).clamp(min=1.0), torch.ones_like(t))
    floor = (0.5 * torch.quantile(t.reshape(t.shape[0], -1)[:, ::max(1, t[0].numel() // 65536)], 0.01, dim=1))
    floor = floor.clamp(min=T_FLOOR).view(-1, 1, 1, 1)
    a, bb = guided_coeffs(luma(small), t, 4 * r, EPS)
    return {"air": air, "floor": floor, "cols": upsample_cols(torch.cat([a, bb], dim=1), factor, w), "factor": factor}


def adjust_dehaze(image: torch.Tensor, amount: float | torch.Tensor = 0.0, transmission: float | torch.Tensor = 1.0,
                  *, context: dict | None = None, row0: int = 0) -> torch.Tensor:
    """Remove ``amount`` of the estimated haze veil (0 = identity, 1 = the full model estimate);
    ``transmission`` < 1 sets the veil's mean depth (the critic's measurement).

    >>> hazy = 0.6 * torch.rand(1, 3, 64, 64) + 0.4 * 0.8  # scene light seen through a veil
    >>> bool(adjust_dehaze(hazy, amount=1.0).std() > hazy.std())
    True
    """
    if not any_active(amount):
        return image
    if context is None:
        context = prepare_dehaze(image, amount, transmission)
    coeffs = rows_from_cols(context["cols"], context["factor"], row0, image.shape[-2])
    t = torch.addcmul(coeffs[:, 1:2], coeffs[:, 0:1], luma(image).float())
    t = torch.maximum(t, context["floor"]).clamp_(max=1.0)
    air = context["air"]
    out = (image.float() - air).div_(t).add_(air)  # fp32: 1/t amplifies any rounding
    return out.clamp_(min=0.0).to(image.dtype)
