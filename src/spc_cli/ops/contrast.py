"""Contrast: black/white point and a filmic S-curve around mid-grey, in sRGB encoding."""

from __future__ import annotations

import torch

from ..colour import linear_to_srgb, srgb_to_linear
from ._util import any_active, per_image

MID = 0.5  # perceptual mid-grey in sRGB encoding (about 21% linear)


def s_curve(x: torch.Tensor, amount: torch.Tensor) -> torch.Tensor:
    """A smooth S (amount > 0) or inverse S (amount < 0) through (0,0), (MID,MID), (1,1).

    Built from a power curve mirrored around MID, so it is monotone for |amount| <= 1.
    """
    gamma = torch.exp2(amount)  # > 1 steepens the middle
    lo = MID * _power(x.clamp(0, MID) / MID, gamma)
    hi = 1.0 - (1.0 - MID) * _power((1.0 - x.clamp(MID, 1.0)) / (1.0 - MID), gamma)
    return torch.where(x < MID, lo, hi)


def _power(base: torch.Tensor, gamma: torch.Tensor) -> torch.Tensor:
    """base ** gamma for base in [0, 1], 0 at 0, with finite gradients there (a plain power's
    gradient with respect to gamma is 0 * log 0 at 0; the critic trains through this op)."""
    positive = base > 0
    return torch.where(positive, torch.where(positive, base, torch.ones_like(base)) ** gamma, torch.zeros_like(base))


def adjust_contrast(image: torch.Tensor, amount: float | torch.Tensor = 0.0,
                    black: float | torch.Tensor = 0.0, white: float | torch.Tensor = 1.0) -> torch.Tensor:
    """Stretch [black, white] to [0, 1] and apply an S-curve on each channel's sRGB encoding.

    Works on linear light in and out; the curve acts in sRGB encoding where equal steps look equal.

    >>> img = torch.full((1, 3, 1, 1), 0.214)
    >>> abs(float(adjust_contrast(img, amount=0.5)[0, 0, 0, 0]) - 0.214) < 1e-3  # mid-grey fixed
    True
    """
    if not any_active(amount, black, _minus_one(white)):
        return image
    dtype = image.dtype
    image = image.float()  # powers and a division: half precision would cost ~1 % here
    a = per_image(amount, image)
    b = per_image(black, image)
    w = per_image(white, image)
    enc = linear_to_srgb(image)
    enc = ((enc - b) / (w - b).clamp(min=1e-3)).clamp(min=0.0)
    over = (enc - 1.0).clamp(min=0.0)  # keep headroom above white untouched by the curve
    curved = s_curve(enc.clamp(max=1.0), a) + over
    out = srgb_to_linear(curved)
    if a.dim() == 0:
        return out.to(dtype)
    neutral = (a == 0) & (b == 0) & (w == 1)  # images of the batch left alone stay bit-exact
    return torch.where(neutral, image, out).to(dtype)


def _minus_one(v: float | torch.Tensor) -> float | torch.Tensor:
    return v - 1.0
