"""The visible quantities a hint's degree is measured in: CIELAB L*, a*, b*, chroma, RMS contrast.

A degree word sets the size of a change *as seen*, so it is measured the way a viewer sees
it: in CIELAB (D65 white, the sRGB display's), averaged over the photo. Everything takes
linear Rec.709 (B, 3, H, W) or (3, H, W) tensors and returns float32 per image.
"""

from __future__ import annotations

import torch

# linear Rec.709 -> XYZ (D65), rows divided by the white's X, Y, Z (0.95047, 1, 1.08883)
_RGB_TO_XYZN = torch.tensor([
    [0.4124564 / 0.95047, 0.3575761 / 0.95047, 0.1804375 / 0.95047],
    [0.2126729, 0.7151522, 0.0721750],
    [0.0193339 / 1.08883, 0.1191920 / 1.08883, 0.9503041 / 1.08883],
])
_EPS = (6 / 29) ** 3


def _f(t: torch.Tensor) -> torch.Tensor:
    return torch.where(t > _EPS, t.clamp(min=_EPS) ** (1 / 3), t / (3 * (6 / 29) ** 2) + 4 / 29)


def rgb_to_lab(image: torch.Tensor) -> torch.Tensor:
    """Linear Rec.709 RGB (..., 3, H, W) to CIELAB (L*, a*, b*), D65; float32. Values above
    white stay above 100 (callers that render clip first).

    >>> [round(v, 2) for v in rgb_to_lab(torch.full((3, 1, 1), 0.18)).flatten().tolist()]
    [49.5, 0.0, 0.0]
    """
    x = image.float().clamp(min=0.0)
    xyz = torch.einsum("ij,...jhw->...ihw", _RGB_TO_XYZN.to(x.device), x)
    fx, fy, fz = _f(xyz).unbind(-3)
    return torch.stack([116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz)], dim=-3)


def _batch(image: torch.Tensor) -> torch.Tensor:
    return image.unsqueeze(0) if image.dim() == 3 else image


def measure(image: torch.Tensor, key: str) -> torch.Tensor:
    """One visible quantity per image (B,) of a linear image clipped to [0, 1] as a display
    shows it: "L" mean L*, "a" mean a*, "b" mean b*, "chroma" mean C*ab, "rms" RMS contrast
    (standard deviation of L*). Only the channels the quantity needs are converted."""
    x = _batch(image).float().clamp(0.0, 1.0)
    m = _RGB_TO_XYZN.to(x.device)
    rows = {"L": (1,), "rms": (1,), "a": (0, 1), "b": (1, 2)}.get(key, (0, 1, 2))
    f = {i: _f(torch.einsum("j,bjhw->bhw", m[i], x)).flatten(1) for i in rows}
    if key in ("L", "rms"):
        lum = 116 * f[1] - 16
        return lum.mean(1) if key == "L" else lum.std(1, unbiased=False)
    if key == "a":
        return (500 * (f[0] - f[1])).mean(1)
    if key == "b":
        return (200 * (f[1] - f[2])).mean(1)
    if key == "chroma":
        return torch.sqrt((500 * (f[0] - f[1])) ** 2 + (200 * (f[1] - f[2])) ** 2).mean(1)
    raise ValueError(f"unknown measure {key!r}")


def measures(image: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per image (B,): every quantity of ``measure``."""
    return {k: measure(image, k) for k in ("L", "a", "b", "chroma", "rms")}


def region_lightness(image: torch.Tensor, region: torch.Tensor) -> torch.Tensor:
    """Mean L* over a boolean (H, W) region, per image (B,)."""
    lum = rgb_to_lab(_batch(image).clamp(0.0, 1.0))[:, 0]
    return (lum * region).flatten(1).sum(1) / region.sum().clamp(min=1)
