"""Fade: the blacks lifted toward a grey, for a matte or film look.

A straight line on each channel's sRGB encoding from (0, ``lift``) to (1, 1): black
becomes a dark grey, white stays white, and the steps in between shrink evenly as seen.
A per-channel curve, so the artist fuses it into one table with the other curves.
"""

from __future__ import annotations

import torch

from ..colour import linear_to_srgb, srgb_to_linear
from ._util import any_active, per_image


def adjust_fade(image: torch.Tensor, lift: float | torch.Tensor = 0.0) -> torch.Tensor:
    """Map sRGB-encoded black to ``lift`` (0..0.25) and white to white; 0 is an exact identity.

    >>> out = adjust_fade(torch.zeros(1, 3, 1, 1), lift=0.1)
    >>> round(float(out.flatten()[0]), 4)  # linear value of sRGB 0.1
    0.01
    """
    if not any_active(lift):
        return image
    dtype = image.dtype
    x = image if image.dtype == torch.float64 else image.float()
    v = per_image(lift, x)
    out = srgb_to_linear(v + (1.0 - v) * linear_to_srgb(x))
    if v.dim():
        out = torch.where(v == 0, x, out)  # images of the batch left alone stay bit-exact
    return out.to(dtype)
