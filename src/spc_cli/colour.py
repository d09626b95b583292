"""Colour encodings shared by io, critic and ops: sRGB transfer, luminance, OKLab.

All functions take (..., 3, H, W) tensors (channel third from last) and are
device- and dtype-agnostic.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

from .pooling import area_plan as _area_plan

# Rec.709 / sRGB primaries, D65: relative luminance weights.
LUMA = (0.2126, 0.7152, 0.0722)


def srgb_to_linear(image: torch.Tensor) -> torch.Tensor:
    """sRGB-encoded [0, 1] values to linear light.

    >>> float(srgb_to_linear(torch.tensor(0.5)))  # doctest: +ELLIPSIS
    0.214...
    """
    x = image.clamp(min=0.0)
    return torch.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)


def srgb_level_to_linear(level: float) -> float:
    """``srgb_to_linear`` of one number, in plain Python (a critic's scalar measurements).

    >>> round(srgb_level_to_linear(0.5), 4)
    0.214
    """
    s = max(float(level), 0.0)
    return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4


def linear_to_srgb(image: torch.Tensor) -> torch.Tensor:
    """Linear light to sRGB encoding (values above 1 keep growing; callers clip)."""
    x = image.clamp(min=0.0)
    return torch.where(x <= 0.0031308, x * 12.92, 1.055 * x.clamp(min=0.0031308) ** (1 / 2.4) - 0.055)


def unit_range(image: torch.Tensor) -> torch.Tensor:
    """Values in [0, 1] with NaN and -inf as 0 and +inf as 1, defined before any quantisation
    (a clamp keeps NaN, and what a cast makes of NaN is not a contract)."""
    return torch.nan_to_num(image, nan=0.0, posinf=1.0, neginf=0.0).clamp(0.0, 1.0)


def to_srgb8(image: torch.Tensor) -> np.ndarray:
    """Linear (3, H, W) -> sRGB-encoded (H, W, 3) uint8, rounded, every value defined."""
    srgb = unit_range(linear_to_srgb(unit_range(image.float())))
    return np.ascontiguousarray((srgb.permute(1, 2, 0).cpu().numpy() * 255.0 + 0.5).astype(np.uint8))


def luminance(image: torch.Tensor) -> torch.Tensor:
    """Relative luminance Y of linear Rec.709 RGB; returns (..., 1, H, W)."""
    r, g, b = image.unbind(-3)
    return (LUMA[0] * r + LUMA[1] * g + LUMA[2] * b).unsqueeze(-3)


_RGB_TO_LMS = torch.tensor([
    [0.4122214708, 0.5363325363, 0.0514459929],
    [0.2119034982, 0.6806995451, 0.1073969566],
    [0.0883024619, 0.2817188376, 0.6299787005],
])
_LMS_TO_LAB = torch.tensor([
    [0.2104542553, 0.7936177850, -0.0040720468],
    [1.9779984951, -2.4285922050, 0.4505937099],
    [0.0259040371, 0.7827717662, -0.8086757660],
])


def _mix(matrix: torch.Tensor, image: torch.Tensor) -> torch.Tensor:
    m = matrix.to(device=image.device, dtype=image.dtype)
    return torch.einsum("ij,...jhw->...ihw", m, image)


def rgb_to_oklab(image: torch.Tensor) -> torch.Tensor:
    """Linear Rec.709 RGB to OKLab (L, a, b). Negative inputs are clamped to 0."""
    lms = _mix(_RGB_TO_LMS, image.clamp(min=0.0))
    return _mix(_LMS_TO_LAB, lms.clamp(min=1e-12) ** (1.0 / 3.0))


def oklab_to_rgb(lab: torch.Tensor) -> torch.Tensor:
    """OKLab back to linear Rec.709 RGB (may leave the gamut; callers clip)."""
    lms_ = _mix(torch.linalg.inv(_LMS_TO_LAB.double()).float(), lab)
    return _mix(torch.linalg.inv(_RGB_TO_LMS.double()).float(), lms_ ** 3)


def _pool_int(x: torch.Tensor, k: int) -> torch.Tensor:
    """k x k means of (..., H, W) float32, with the partial windows at the bottom and right
    edges averaged over the pixels they have (what ``avg_pool2d(ceil_mode=True,
    count_include_pad=False)`` gives, a few times faster): OpenCV's integer-factor area
    resize (multithreaded, one pass over memory) on the whole windows, torch on the edges."""
    import cv2

    H, W = x.shape[-2:]
    hq, hr = divmod(H, k)
    wq, wr = divmod(W, k)
    oh, ow = hq + (hr > 0), wq + (wr > 0)
    lead = x.shape[:-2]
    flat = x.reshape(-1, H, W)
    if hq == 0 or wq == 0 or k > 64:  # tiny outputs: not worth it, and long float sums drift
        return F.avg_pool2d(flat[:, None], k, k, ceil_mode=True, count_include_pad=False).reshape(*lead, oh, ow)
    n = flat.shape[0]
    out = torch.empty(n, oh, ow, dtype=torch.float32)
    for i in range(n):  # written in place: a torch copy after OpenCV's threads costs as much as the resize
        dst = out[i].numpy()[:hq, :wq]
        res = cv2.resize(flat[i, : hq * k, : wq * k].numpy(), (wq, hq), dst=dst, interpolation=cv2.INTER_AREA)
        if res.ctypes.data != dst.ctypes.data:  # OpenCV allocated instead (should not happen)
            out[i, :hq, :wq] = torch.from_numpy(res)
    if hr:
        out[:, -1, :wq] = flat[:, hq * k:, : wq * k].reshape(n, hr, wq, k).mean((1, 3))
    if wr:
        out[:, :hq, -1] = flat[:, : hq * k, wq * k:].reshape(n, hq, k, wr).mean((2, 3))
    if hr and wr:
        out[:, -1, -1] = flat[:, hq * k:, wq * k:].mean((1, 2))
    return out.reshape(*lead, oh, ow)


def area_downscale(image: torch.Tensor, long_edge: int) -> torch.Tensor:
    """Area-average (..., C, H, W) so its long edge is at most ``long_edge``; float32 result.

    Averaging happens in whatever encoding the input is in (linear light for a Photo),
    which is the physically right place to average.
    """
    h, w = image.shape[-2:]
    plan = _area_plan(h, w, long_edge)
    x = image.float()
    if plan is None:
        return x.clone()
    k, th, tw = plan
    squeeze = x.dim() == 3
    if squeeze:
        x = x.unsqueeze(0)
    # integer pre-pool (cheap, exact area average) then a fractional area resize
    if k > 1:
        x = _pool_int(x.detach().cpu().contiguous(), k) if x.device.type == "cpu" else \
            F.avg_pool2d(x, kernel_size=k, stride=k, ceil_mode=True, count_include_pad=False)
    if (x.shape[-2], x.shape[-1]) != (th, tw):
        x = F.interpolate(x, size=(th, tw), mode="area")
    return x.squeeze(0) if squeeze else x


def area_downscale_rows(rows: Callable[[int, int], torch.Tensor], h: int, w: int, long_edge: int,
                        band: int = 64) -> torch.Tensor:
    """``area_downscale`` of a (C, h, w) image given band by band, on the CPU.

    ``rows(y0, y1)`` returns rows y0..y1 as (C, y1 - y0, w) float32. Bands are whole
    multiples of the pre-pool factor, so every window is averaged as in one piece (the
    result is the same to the bit), while no more than a band is ever held in float.
    """
    plan = _area_plan(h, w, long_edge)
    if plan is None:
        return rows(0, h).float().clone()
    k, th, tw = plan
    if k == 1:
        return area_downscale(rows(0, h), long_edge)
    step = max(1, band // k) * k
    x = torch.cat([_pool_int(rows(y, min(h, y + step)).float().contiguous()[None], k)
                   for y in range(0, h, step)], dim=-2)
    if (x.shape[-2], x.shape[-1]) != (th, tw):
        x = F.interpolate(x, size=(th, tw), mode="area")
    return x[0]


def from_pooled(pooled) -> torch.Tensor:
    """The (3, h, w) float32 proxy from ``pooling.pool_codes``' result: its whole-window means
    area-resized to the target size where that is not a whole factor."""
    small, (th, tw) = pooled
    x = torch.from_numpy(np.ascontiguousarray(small.transpose(2, 0, 1)))
    if (x.shape[-2], x.shape[-1]) != (th, tw):
        x = F.interpolate(x[None], size=(th, tw), mode="area")[0]
    return x


def planck_xy(kelvin: float) -> tuple[float, float]:
    """CIE 1931 xy of a black body at ``kelvin`` (1667-25000 K; Kim et al.'s cubic fit)."""
    t = min(max(float(kelvin), 1667.0), 25000.0)
    if t <= 4000:
        x = -0.2661239e9 / t ** 3 - 0.2343589e6 / t ** 2 + 0.8776956e3 / t + 0.179910
    else:
        x = -3.0258469e9 / t ** 3 + 2.1070379e6 / t ** 2 + 0.2226347e3 / t + 0.240390
    if t <= 2222:
        y = -1.1063814 * x ** 3 - 1.34811020 * x ** 2 + 2.18555832 * x - 0.20219683
    elif t <= 4000:
        y = -0.9549476 * x ** 3 - 1.37418593 * x ** 2 + 2.09137015 * x - 0.16748867
    else:
        y = 3.0817580 * x ** 3 - 5.87338670 * x ** 2 + 3.75112997 * x - 0.37001483
    return x, y
