"""White balance: von Kries channel gains in linear light."""

from __future__ import annotations

import torch

from ._util import per_image


def adjust_white_balance(image: torch.Tensor, red: float | torch.Tensor = 1.0,
                         green: float | torch.Tensor = 1.0,
                         blue: float | torch.Tensor = 1.0) -> torch.Tensor:
    """Multiply each linear channel by its gain.

    >>> img = torch.full((1, 3, 1, 1), 0.2)
    >>> adjust_white_balance(img, red=2.0)[0, :, 0, 0].tolist()  # doctest: +ELLIPSIS
    [0.4..., 0.2..., 0.2...]
    """
    gains = torch.stack(torch.broadcast_tensors(per_image(red, image), per_image(green, image),
                                                per_image(blue, image)), dim=0)
    if gains.dim() == 1:  # three scalars
        return image * gains.reshape(3, 1, 1)
    # (3, B, 1, 1, 1) -> (B, 3, 1, 1)
    return image * gains.squeeze(-3).movedim(0, 1)
