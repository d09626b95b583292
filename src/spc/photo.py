"""The Photo contract: linear Rec.709 pixels plus everything known about the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch


@dataclass
class Metadata:
    """What the input file told us, kept to be written back into the output.

    ``exif`` is the raw EXIF block (TIFF structure, no ``Exif\\0\\0`` header) with the
    orientation already reset to 1 when pixels were rotated upright; ``tags`` is
    exifread's view of the input (printable strings), used as critic context and
    recorded in the sidecar.
    """

    source: Path
    format: str  # "jpeg" | "png" | "tiff" | "webp" | "raw"
    sha256: str
    width: int  # after orientation is applied
    height: int
    bit_depth: int  # 8 or 16 (RAW reports 16)
    colour_space: str = "srgb"  # encoding of the input: "srgb" | "adobe_rgb" | "display_p3" | "linear"
    exif: bytes | None = None
    icc: bytes | None = None
    xmp: bytes | None = None
    orientation: int = 1  # orientation the input declared (already applied to pixels)
    tags: dict[str, str] = field(default_factory=dict)
    camera: str | None = None
    iso: float | None = None
    exposure_time: float | None = None  # seconds
    f_number: float | None = None
    has_alpha: bool = False
    frames: int = 1  # frame count of the input; only the first is processed
    jpeg_subsampling: int | None = None  # a JPEG input's chroma subsampling (Pillow: 0 4:4:4, 1 4:2:2, 2 4:2:0)
    notes: list[str] = field(default_factory=list)


@dataclass
class Photo:
    """A decoded photo.

    ``pixels``: float tensor (3, H, W), linear Rec.709 light, nominally [0, 1]
    (values above 1 are allowed for RAW headroom). ``alpha``: optional (1, H, W)
    in [0, 1], passed through untouched.
    """

    pixels: torch.Tensor
    meta: Metadata
    alpha: torch.Tensor | None = None
    _proxy: dict[int, torch.Tensor] = field(default_factory=dict, repr=False)

    @property
    def height(self) -> int:
        return int(self.pixels.shape[-2])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[-1])

    def proxy(self, long_edge: int = 512) -> torch.Tensor:
        """A (3, h, w) float32 area-downscaled copy in linear light, cached per size."""
        if long_edge not in self._proxy:
            from .colour import area_downscale

            self._proxy[long_edge] = area_downscale(self.pixels, long_edge)
        return self._proxy[long_edge]

    def with_pixels(self, pixels: torch.Tensor) -> "Photo":
        return Photo(pixels=pixels, meta=self.meta, alpha=self.alpha)

    def describe(self) -> dict[str, Any]:
        m = self.meta
        return {"path": str(m.source), "sha256": m.sha256, "format": m.format,
                "width": m.width, "height": m.height, "bit_depth": m.bit_depth}
