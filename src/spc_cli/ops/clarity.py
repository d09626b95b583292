"""Clarity: the local contrast of the mid-tones, raised or softened, without halos.

The base layer is the log2 luminance smoothed by a guided filter (self-guided: strong
edges stay in the base), on a downscaled copy, its coefficients upsampled and applied with
the full-resolution log luminance as guide (as in ``tone``), at a finer scale than tone's:
windows about 1/64 of the long edge. The detail, log luminance minus base, is what clarity
scales: ``amount`` 1 doubles it (in stops) in the mid-tones, -1 removes it (a soft, dreamy
rendering); deep shadows and bright highlights are weighted less, so noise in the shadows
and clipped skies are not roughened. One gain multiplies R, G and B: hue is kept.
"""

from __future__ import annotations

import math

import torch

from ._util import any_active, luma, per_image, smoothstep, times_gain
from .filters import downscale, factor_for, guided_coeffs, rows_from_cols, upsample_cols

LOW_RES = 512
WINDOW = 64  # windows of 1/WINDOW of the long edge
EPS_LOG = 0.3  # squared stops: edges stronger than ~0.5 stop stay in the base, out of reach
MID_LOG = math.log2(0.18)
SPAN = 5.0  # stops from mid-grey where the weight has fallen to 0
LIMIT = 1.5  # largest change, in stops
_FLOOR = 1e-4


def prepare_clarity(image: torch.Tensor, **_: object) -> dict:
    """Low-resolution guided-filter coefficients of the base layer, for the whole image."""
    h, w = image.shape[-2:]
    factor = factor_for(h, w, LOW_RES)
    small = downscale(image, factor)
    log_y = torch.log2(luma(small).clamp(min=_FLOOR))
    r = max(2, round(max(small.shape[-2:]) / WINDOW))
    a, b = guided_coeffs(log_y, log_y, r, EPS_LOG)
    # upsampled along the columns once here; each band then only interpolates rows
    return {"cols": upsample_cols(torch.cat([a, b], dim=1), factor, w), "factor": factor}


def adjust_clarity(image: torch.Tensor, amount: float | torch.Tensor = 0.0, *, context: dict | None = None,
                   row0: int = 0) -> torch.Tensor:
    """Scale the mid-tones' local contrast by (1 + ``amount``); 0 is an exact identity.

    >>> yy, xx = torch.meshgrid(torch.arange(32.0), torch.arange(32.0), indexing="ij")
    >>> img = (0.18 * (1 + 0.2 * torch.sin(xx))).expand(1, 3, 32, 32)  # fine texture on mid-grey
    >>> bool(adjust_clarity(img, amount=1.0).std() > img.std())
    True
    """
    if not any_active(amount):
        return image
    if context is None:
        context = prepare_clarity(image)
    coeffs = rows_from_cols(context["cols"], context["factor"], row0, image.shape[-2])
    log_y = torch.log2(luma(image).float().clamp_(min=_FLOOR))
    base = torch.addcmul(coeffs[:, 1:2], coeffs[:, 0:1], log_y)
    if torch.is_grad_enabled() and any(isinstance(v, torch.Tensor) and v.requires_grad for v in (image, amount)):
        weight = smoothstep(1.0 - (base - MID_LOG).abs() / SPAN)
        stops = (per_image(amount, log_y) * weight * (log_y - base)).clamp(-LIMIT, LIMIT)
        return image * torch.exp2(stops).to(image.dtype)
    # the same, in place: fewer passes and temporaries
    detail = torch.sub(log_y, base)
    t = base.sub_(MID_LOG).abs_().mul_(-1.0 / SPAN).add_(1.0).clamp_(0.0, 1.0)
    weight = torch.mul(t, t).mul_(t.mul_(-2.0).add_(3.0))  # smoothstep: t^2 (3 - 2 t)
    stops = weight.mul_(detail).mul_(per_image(amount, log_y)).clamp_(-LIMIT, LIMIT)
    return times_gain(image, torch.exp2_(stops).to(image.dtype))
