"""Small helpers shared by the ops."""

from __future__ import annotations

import torch


def per_image(value: float | torch.Tensor, image: torch.Tensor) -> torch.Tensor:
    """A float or a (B,) tensor as a (B, 1, 1, 1) tensor (or scalar) broadcastable to ``image``."""
    if isinstance(value, torch.Tensor):
        v = value.to(device=image.device, dtype=image.dtype)
        if v.dim() == 0:
            return v
        return v.reshape(-1, *([1] * (image.dim() - 1)))
    return torch.tensor(float(value), device=image.device, dtype=image.dtype)


def any_active(*values: float | torch.Tensor) -> bool:
    """True when any value (float or tensor) is non-zero: a cheap early exit for neutral calls."""
    for v in values:
        if isinstance(v, torch.Tensor):
            if bool((v != 0).any()):
                return True
        elif float(v) != 0.0:
            return True
    return False


def smoothstep(t: torch.Tensor) -> torch.Tensor:
    """3t^2 - 2t^3 on t clamped to [0, 1]."""
    t = t.clamp(0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def luma(image: torch.Tensor) -> torch.Tensor:
    """Rec.709 luminance (B, 1, H, W) of a (B, 3, H, W) image, in the image's dtype."""
    y = image[:, 0:1] * 0.2126  # accumulated in place: three passes, one allocation
    return y.add_(image[:, 1:2], alpha=0.7152).add_(image[:, 2:3], alpha=0.0722)


def times_gain(image: torch.Tensor, gain: torch.Tensor) -> torch.Tensor:
    """``image * gain`` for a per-pixel (B, 1, H, W) ``gain`` of the image's dtype; a plane at a time
    when no gradient is needed (each plane one contiguous pass, no broadcast over the channels)."""
    if torch.is_grad_enabled() and (image.requires_grad or gain.requires_grad):
        return image * gain
    out = torch.empty_like(image)
    for c in range(image.shape[1]):
        torch.mul(image[:, c:c + 1], gain, out=out[:, c:c + 1])
    return out
