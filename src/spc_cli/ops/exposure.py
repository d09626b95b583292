"""Exposure in linear light with a smooth highlight shoulder instead of a hard clip.

A darkening scales every level, which is right for a scene-linear file (a raw photo, whose
clipped highlights ``unclip`` rebuilds first). A display-referred file (a camera JPEG, an sRGB
TIFF) is different: the camera rolled its highlights off toward white, and what reached white
holds no more light than it shows. Scaled down, its white areas turn a flat grey, a fog over
a blown sky, a white wall, the bright side of a face. With ``keep_white`` the darkening goes
through a highlight roll-off instead (``white_kept``): each channel is taken back through the
curve ``t(L) = L / (1 + L)``, scaled, and rolled off again, which is

    f(x) = x g' / (1 + x (g' - 1))

White stays white, the levels just under it spread out (the gradation the roll-off had
pressed together shows again, and the deepest blue of a pale sky comes back), and ``g'`` is
chosen so that mid-grey (0.18) moves by exactly ``ev``, as it does without it: the levels above
it darken less than the plain scaling, the deepest shadows a little more (0.06 stops more at
-0.3 EV, 0.15 at -1, 0.24 at -2.5). A curve that scaled everything up to a knee and rolled only
the band above it back up to white was tried and not kept: stretched that steeply, the 8-bit
levels near white showed as bands of colour across a pale sky.
"""

from __future__ import annotations

import torch

from ._util import per_image

MID_GREY = 0.18  # the level a darkening with keep_white moves by exactly ev


def shoulder_curve(x: torch.Tensor, knee: torch.Tensor) -> torch.Tensor:
    """Identity below ``knee``; above it an exponential roll-off approaching 1 with slope 1 at the knee."""
    k = knee.clamp(max=0.9999)
    head = 1.0 - k
    # the roll-off read only above the knee: below it exp() would overflow, and its gradient, though
    # not selected, would turn the backward pass's zeros into NaN (0 * inf)
    rolled = k + head * (1.0 - torch.exp(-(torch.maximum(x, k) - k) / head))
    return torch.where(x > k, rolled, x)


def white_kept(x: torch.Tensor, gain: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
    """A darkening by ``gain`` (< 1) through the roll-off ``x g' / (1 + keep x (g' - 1))``, with ``g'``
    such that mid-grey moves by ``gain`` (``keep`` 1: white stays white; 0: ``x gain``). Levels above
    white (where an earlier gain took a channel) come down as the plain scaling takes them."""
    m = MID_GREY * keep
    g = gain * (1.0 - m) / (1.0 - m * gain)
    c = x.clamp(max=1.0)
    return c * g / (1.0 + keep * c * (g - 1.0)) + (x - c) * gain


def adjust_exposure(image: torch.Tensor, ev: float | torch.Tensor = 0.0,
                    shoulder: float | torch.Tensor = 0.9, keep_white: float | torch.Tensor = 0.0) -> torch.Tensor:
    """Scale linear light by 2**ev; values pushed above ``shoulder`` roll off smoothly toward 1.
    ``keep_white`` (a darkening only; 1 for a display-referred file): darken through a highlight
    roll-off that keeps white at white, mid-grey still moving by ``ev`` (``white_kept``); 0 scales
    every level.

    >>> img = torch.full((1, 3, 2, 2), 0.1)
    >>> round(float(adjust_exposure(img, ev=1.0)[0, 0, 0, 0]), 4)
    0.2
    >>> white = torch.ones(1, 3, 1, 1)
    >>> [round(float(adjust_exposure(white, ev=-1.0, keep_white=k).max()), 4) for k in (0.0, 1.0)]
    [0.5, 1.0]
    """
    gain = torch.exp2(per_image(ev, image))
    out = image * gain
    knee = per_image(shoulder, image)
    # Only roll off highlights the gain created: where the input already was at or above the
    # knee (and ev <= 0) the pixel stays as scaled.
    rolled = shoulder_curve(out, knee)
    out = torch.where((gain > 1.0) & (knee < 1.0), rolled, out)
    if not isinstance(keep_white, torch.Tensor) and keep_white <= 0.0:
        return out
    keep = per_image(keep_white, image)
    darkened = (gain < 1.0) & (keep > 0.0)
    if not bool(darkened.any()):
        return out
    return torch.where(darkened, white_kept(image, gain, keep.clamp(0.0, 1.0)), out)
