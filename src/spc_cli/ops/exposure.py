"""Exposure in linear light with a smooth highlight shoulder instead of a hard clip."""

from __future__ import annotations

import torch

from ._util import per_image


def shoulder_curve(x: torch.Tensor, knee: torch.Tensor) -> torch.Tensor:
    """Identity below ``knee``; above it an exponential roll-off approaching 1 with slope 1 at the knee."""
    k = knee.clamp(max=0.9999)
    head = 1.0 - k
    rolled = k + head * (1.0 - torch.exp(-(x - k) / head))
    return torch.where(x > k, rolled, x)


def adjust_exposure(image: torch.Tensor, ev: float | torch.Tensor = 0.0,
                    shoulder: float | torch.Tensor = 0.9) -> torch.Tensor:
    """Scale linear light by 2**ev; values pushed above ``shoulder`` roll off smoothly toward 1.

    >>> img = torch.full((1, 3, 2, 2), 0.1)
    >>> round(float(adjust_exposure(img, ev=1.0)[0, 0, 0, 0]), 4)
    0.2
    """
    gain = torch.exp2(per_image(ev, image))
    out = image * gain
    knee = per_image(shoulder, image)
    # Only roll off highlights the gain created: where the input already was at or above the
    # knee (and ev <= 0) the pixel stays as scaled.
    rolled = shoulder_curve(out, knee)
    return torch.where((gain > 1.0) & (knee < 1.0), rolled, out)
