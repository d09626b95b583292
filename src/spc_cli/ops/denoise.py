"""Denoise: luma and chroma separately, edge-preserving, scaled by the measured noise.

Works on square-root encoded light, which is close to the sRGB encoding the noise is
measured in (within ~10 % of its slope between linear 0.02 and 1) and far cheaper, and
evens out photon noise (the Anscombe idea). The encoded image is split into a luma and two
colour differences:

* luma: a self-guided filter at full resolution whose epsilon is the noise variance, so
  flat areas (local variance ~ sigma^2) are smoothed and edges (variance >> sigma^2) kept;
* chroma: colour noise is coarser and the eye forgives soft colour edges, so it is
  filtered on a half-resolution copy with a wider window, steered by the luma (a fast
  guided filter: the coefficients are upsampled and applied with the full-res luma).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ._util import any_active, per_image
from .filters import guided_coeffs

WR, WG, WB = 0.2126, 0.7152, 0.0722
LUMA_RADIUS = 2  # full-resolution pixels
CHROMA_RADIUS = 3  # half-resolution pixels (a 14-pixel window at full resolution)
LUMA_EPS = 1.0  # epsilon = (LUMA_EPS * sigma)^2
CHROMA_EPS = 2.0
# Rows of neighbourhood read: luma 2 * 2; chroma 2 * 3 half-res pixels + bilinear support,
# rounded up to an even number so half-resolution grids of tiles line up.
HALO = 16


def adjust_denoise(image: torch.Tensor, luma: float | torch.Tensor = 0.0, chroma: float | torch.Tensor = 0.0,
                   sigma: float | torch.Tensor = 0.0) -> torch.Tensor:
    """Remove ``luma``/``chroma`` shares of noise of standard deviation ``sigma``.

    ``sigma`` is the noise standard deviation in sRGB-encoded units (0..1 scale, e.g.
    skimage ``estimate_sigma`` on the encoded image; for white sensor noise the wavelet
    MAD estimate is right, for JPEG-smeared real noise it reads 5-10x low and must be
    corrected by the caller). ``luma = 1`` and ``chroma = 1`` apply the full filters
    tuned for that sigma; 0.5 goes half way from the input to them. ``sigma = 0`` or
    ``luma = chroma = 0`` is an exact identity. Tiles must start on even rows.

    >>> clean = torch.full((1, 3, 32, 32), 0.2)
    >>> noisy = clean * (1 + 0.1 * torch.randn(1, 3, 32, 32))
    >>> out = adjust_denoise(noisy, luma=1.0, chroma=1.0, sigma=0.05)
    >>> bool((out - clean).std() < (noisy - clean).std())
    True
    """
    if not any_active(sigma) or not any_active(luma, chroma):
        return image
    dtype = image.dtype
    h, w = image.shape[-2:]
    enc = image.float().clamp(min=0.0).sqrt()
    r, g, b = enc[:, 0:1], enc[:, 1:2], enc[:, 2:3]
    y = WR * r + WG * g + WB * b
    diff = torch.cat([b - y, r - y], dim=1)  # Cb, Cr (unscaled)
    s = per_image(sigma, y).float()
    kl = per_image(luma, y).float()
    kc = per_image(chroma, y).float()
    if any_active(luma):
        a_l, b_l = guided_coeffs(y, y, LUMA_RADIUS, (LUMA_EPS * s) ** 2 + 1e-8)
        y2 = y + kl * (a_l * y + b_l - y)
    else:
        y2 = y
    if any_active(chroma):
        y_half = F.avg_pool2d(y, 2, ceil_mode=True, count_include_pad=False)
        d_half = F.avg_pool2d(diff, 2, ceil_mode=True, count_include_pad=False)
        a_c, b_c = guided_coeffs(y_half, d_half, CHROMA_RADIUS, (CHROMA_EPS * s) ** 2 + 1e-8)
        coeffs = F.interpolate(torch.cat([a_c, b_c], 1), scale_factor=2.0, mode="bilinear",
                               align_corners=False)[..., :h, :w]
        d_f = coeffs[:, 0:2] * y + coeffs[:, 2:4]
        d2 = diff + kc * (d_f - diff)
    else:
        d2 = diff
    r2 = y2 + d2[:, 1:2]
    b2 = y2 + d2[:, 0:1]
    g2 = (y2 - WR * r2 - WB * b2) / WG
    out = torch.cat([r2, g2, b2], dim=1).clamp_(min=0.0)
    out = (out * out).to(dtype)
    active = (s > 0) & ((kl > 0) | (kc > 0))
    return torch.where(active, out, image) if active.dim() else out



