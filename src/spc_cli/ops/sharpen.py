"""Sharpen: an unsharp mask on perceptual luminance, gated against noise, hue kept.

Detail = gamma-2 encoded luminance minus its Gaussian blur. A soft noise gate, d * d^2 / (d^2 + T^2),
leaves detail much smaller than ``threshold`` (noise) alone. The sharpened luma is turned
back into a linear luminance ratio that multiplies R, G and B, so colours keep their hue.
"""

from __future__ import annotations

import torch

from ._util import any_active, luma, per_image, times_gain
from .filters import gaussian_blur, gaussian_radius

MAX_RADIUS = 5.0
HALO = gaussian_radius(MAX_RADIUS)


def _pick(value: float | torch.Tensor, i: int) -> float | torch.Tensor:
    return value[i:i + 1] if isinstance(value, torch.Tensor) and value.dim() else value


def adjust_sharpen(image: torch.Tensor, amount: float | torch.Tensor = 0.0, radius: float | torch.Tensor = 1.0,
                   threshold: float | torch.Tensor = 0.0) -> torch.Tensor:
    """Add ``amount`` times the luma detail finer than ``radius`` pixels (Gaussian sigma).

    ``threshold`` (sRGB units) is the noise gate: detail of that amplitude is half
    sharpened, much smaller is left alone; set it to ~2x the measured noise sigma.
    ``amount = 0`` is an exact identity.

    >>> edge = torch.cat([torch.full((1, 3, 8, 4), 0.1), torch.full((1, 3, 8, 4), 0.5)], dim=3)
    >>> out = adjust_sharpen(edge, amount=1.0)
    >>> bool(out[0, 0, 4, 4] > edge[0, 0, 4, 4])  # the bright side of the edge brightens
    True
    """
    if not any_active(amount):
        return image
    if isinstance(radius, torch.Tensor) and radius.dim() and radius.numel() > 1:
        radii = [float(v) for v in radius]
        if len(set(radii)) > 1:  # per-image radii: run each radius on its images
            parts = [adjust_sharpen(image[i:i + 1], _pick(amount, i), radii[i], _pick(threshold, i))
                     for i in range(image.shape[0])]
            return torch.cat(parts, dim=0)
        radius = radii[0]
    radius = float(radius)
    dtype = image.dtype
    y = luma(image.float()).clamp_(min=0.0)
    ye = y.sqrt()  # gamma-2 encoding: close to perceptual, and far cheaper than a power
    detail = torch.sub(ye, gaussian_blur(ye, min(float(radius), MAX_RADIUS)))
    if any_active(threshold):
        th = per_image(threshold, ye).float()
        d2 = detail * detail
        detail = detail * d2 / (d2 + th * th + 1e-12)
    amt = per_image(amount, ye).float()
    y_new = torch.addcmul(ye, amt, detail).clamp_(min=0.0).square_()
    ratio = y_new.div_(y.clamp_(min=1e-4))
    out = times_gain(image, ratio.to(dtype))
    return out if amt.dim() == 0 else torch.where(amt > 0, out, image)
