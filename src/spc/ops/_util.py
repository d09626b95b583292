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
