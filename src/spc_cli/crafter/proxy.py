"""The edit's working size and the one image both the critic and the DiT see.

The release edits at about 1 MP: the photo is resized, aspect kept, to sides that are
multiples of 32 (the VAE's factor 8 times the DiT's 2x2 patches, and the multiple diffusers
rounds its conditioning image to, so the conditioning image and the edit share one size).
spc never enlarges: a photo under the working size is edited at its own size, its sides
rounded down to the multiple (only a photo with a side under 32 px is enlarged, to 32).
The critic sees the same image, as in the release, so the hidden states it hands the DiT
describe exactly the pixels the DiT edits; a fingerprint of that image pairs them.
"""

from __future__ import annotations

import hashlib
import math

import torch
import torch.nn.functional as F

from ..photo import Photo

MULTIPLE = 32
DEFAULT_MEGAPIXELS = 1.0


def working_size(height: int, width: int, megapixels: float = DEFAULT_MEGAPIXELS,
                 multiple: int = MULTIPLE) -> tuple[int, int]:
    """(h, w): about ``megapixels`` MP (never more than the photo's own area), the photo's aspect,
    both multiples of ``multiple`` and neither larger than the photo's side (unless that side is
    under ``multiple``).

    >>> working_size(3000, 4000), working_size(96, 128), working_size(100, 150)
    ((864, 1152), (96, 128), (96, 128))
    """
    if height < 1 or width < 1 or megapixels <= 0:
        raise ValueError("working_size needs a positive size and megapixels")
    scale = min(1.0, math.sqrt(megapixels * 1e6 / (height * width)))

    def side(n: int) -> int:
        cap = max(multiple, n // multiple * multiple)  # never beyond the photo (rounded down)
        return int(min(cap, max(multiple, round(n * scale / multiple) * multiple)))

    return side(height), side(width)


def resize(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(3, h, w) -> (3, *size), antialiased bilinear (an area-like average when shrinking)."""
    if tuple(image.shape[-2:]) == tuple(size):
        return image.float()
    return F.interpolate(image.float().unsqueeze(0), size=size, mode="bilinear", align_corners=False,
                         antialias=True).squeeze(0)


def to_pil(linear: torch.Tensor):
    """A (3, h, w) linear tensor as an 8-bit sRGB PIL image (NaN and infinities defined first)."""
    from PIL import Image

    from ..colour import to_srgb8

    return Image.fromarray(to_srgb8(linear))


def fingerprint(image) -> str:
    """A digest of a PIL image's size and pixels: pairs the critic's states with the DiT's input."""
    return hashlib.sha1(repr(image.size).encode() + image.tobytes()).hexdigest()


def edit_proxy(photo: Photo, megapixels: float = DEFAULT_MEGAPIXELS):
    """(linear (3, h, w) proxy, its 8-bit sRGB PIL image, fingerprint) at the working size."""
    h, w = working_size(photo.height, photo.width, megapixels)
    source = resize(photo.proxy(max(h, w)), (h, w))
    image = to_pil(source)
    return source, image, fingerprint(image)
