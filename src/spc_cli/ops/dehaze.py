"""Dehaze: the atmospheric scattering model I = J t + A (1 - t), inverted for J.

Prepared once on a downscaled copy: the airlight A (mean colour of the haziest 0.1 % by
the dark channel prior), a raw transmission t = 1 - w * dark(I / A), refined by a guided
filter whose coefficients are upsampled and applied with the full-resolution luminance as
the guide, so the transmission follows real edges without halos. At full resolution the
op is then one per-pixel expression. t is bounded below so noise in dense haze is not
amplified more than 1 / T_MIN times.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ._util import any_active, luma, per_image
from .filters import downscale, factor_for, guided_coeffs, upsample_rows

OMEGA = 0.95  # amount = 1 removes this share of the dark-channel veil (He et al.'s choice)
T_MIN = 0.4  # lower bound on transmission: at most 2.5x amplification of noise, and a cap on
# over-correcting bright surfaces (sky, white walls) whose own dark channel is high, where the
# prior fails (synthetic hazy photos: 21.2 dB at 0.4 vs 20.9 dB at 0.25)
LOW_RES = 512
AIR_CHROMA = 0.5  # share of the estimated airlight's colour kept (the rest is pulled to grey)
AIR_FLOOR_Q = 0.995  # the airlight's brightest channel is at least this quantile of max(R,G,B)
EPS = 1e-3


def _dark_channel(x: torch.Tensor, r: int) -> torch.Tensor:
    m = x.amin(dim=1, keepdim=True)
    return -F.max_pool2d(-m, 2 * r + 1, stride=1, padding=r)


def prepare_dehaze(image: torch.Tensor, amount: float | torch.Tensor = 0.0, **_: object) -> dict:
    """Airlight (B, 3, 1, 1) and the low-res guided coefficients of the transmission map."""
    h, w = image.shape[-2:]
    factor = factor_for(h, w, LOW_RES)
    small = downscale(image, factor).clamp(min=0.0)
    r = max(2, round(max(small.shape[-2:]) / 70))
    dark = _dark_channel(small, r)
    b = small.shape[0]
    flat = dark.reshape(b, -1)
    k = min(flat.shape[1], max(64, flat.shape[1] // 1000))  # >= 64 pixels: a stable estimate
    idx = flat.topk(k, dim=1).indices  # (B, k)
    colours = small.reshape(b, 3, -1).gather(2, idx.unsqueeze(1).expand(b, 3, k))
    air = colours.mean(dim=2)
    # Without a patch of open sky the haziest pixels are bright objects seen through the
    # veil: their colour is biased and they are darker than the veil's source. Airlight is
    # near-neutral in practice, so keep only part of the estimate's chroma, and never
    # place it below the image's bright end (a veil dimmer than the scene's highlights).
    grey = air.mean(dim=1, keepdim=True)
    air = grey + AIR_CHROMA * (air - grey)
    bright = torch.quantile(small.amax(dim=1).reshape(b, -1)[:, ::max(1, flat.shape[1] // 65536)],
                            AIR_FLOOR_Q, dim=1).view(b, 1)
    air = air * (bright / air.amax(dim=1, keepdim=True)).clamp(min=1.0)
    air = air.clamp(min=0.05).view(b, 3, 1, 1)
    omega = OMEGA * per_image(amount, small).float()
    t = 1.0 - omega * _dark_channel(small / air, r)
    a, bb = guided_coeffs(luma(small), t, 4 * r, EPS)
    return {"air": air, "coeffs": torch.cat([a, bb], dim=1), "factor": factor}


def adjust_dehaze(image: torch.Tensor, amount: float | torch.Tensor = 0.0, *,
                  context: dict | None = None, row0: int = 0) -> torch.Tensor:
    """Remove ``amount`` of the estimated haze veil (0 = identity, 1 = the full model estimate).

    >>> hazy = 0.6 * torch.rand(1, 3, 64, 64) + 0.4 * 0.8  # scene light seen through a veil
    >>> bool(adjust_dehaze(hazy, amount=1.0).std() > hazy.std())
    True
    """
    if not any_active(amount):
        return image
    if context is None:
        context = prepare_dehaze(image, amount)
    rows, width = image.shape[-2:]
    coeffs = upsample_rows(context["coeffs"], context["factor"], row0, rows, width)
    t = (coeffs[:, 0:1] * luma(image).float() + coeffs[:, 1:2]).clamp(T_MIN, 1.0)
    air = context["air"]
    out = (image.float() - air) / t + air  # fp32: 1/t amplifies any rounding
    return out.clamp(min=0.0).to(image.dtype)
