"""The Photo contract: linear Rec.709 pixels plus everything known about the file."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from .pooling import PROXY_EDGE

if TYPE_CHECKING:  # imported where used: reading a file needs no torch
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
    exposure_bias: float | None = None  # the exposure compensation the camera was set to (EV)
    has_alpha: bool = False
    frames: int = 1  # frame count of the input; only the first is processed
    jpeg_subsampling: int | None = None  # a JPEG input's chroma subsampling (Pillow: 0 4:4:4, 1 4:2:2, 2 4:2:0)
    notes: list[str] = field(default_factory=list)


class Photo:
    """A decoded photo.

    ``pixels``: float tensor (3, H, W), linear Rec.709 light, nominally [0, 1]
    (values above 1 are allowed for RAW headroom). ``alpha``: optional (1, H, W)
    in [0, 1], passed through untouched.

    ``codes``: optional (H, W, 3) uint8 RGB, the stored 8-bit values the pixels decode from
    exactly, in ``meta.colour_space`` (an encoding with no gamut matrix: sRGB or linear).
    The decoder keeps them for 8-bit RGB files; an artist that renders per-channel curves
    as one 256-entry table per channel returns them. A photo may be made from codes alone:
    its pixels are then decoded on first use, and an 8-bit writer takes the codes as they
    are, with no float round trip.
    """

    def __init__(self, pixels: torch.Tensor | None = None, meta: Metadata | None = None,
                 alpha: torch.Tensor | None = None, codes: np.ndarray | None = None):
        if pixels is None and codes is None:
            raise ValueError("a photo needs pixels or codes")
        if meta is None:
            raise ValueError("a photo needs its metadata")
        if codes is not None and (codes.dtype != np.uint8 or codes.ndim != 3 or codes.shape[2] != 3):
            raise ValueError(f"codes must be (H, W, 3) uint8, got {codes.dtype} {codes.shape}")
        self._pixels = pixels
        self.meta = meta
        self.alpha = alpha
        self.codes = codes
        self._proxy: dict[int, torch.Tensor] = {}
        self._pooled: dict[int, tuple] = {}  # prepool's work, which proxy finishes

    @property
    def pixels(self) -> torch.Tensor:
        if self._pixels is None:
            self._pixels = self._decode(0, self.height, 0, self.width)
        return self._pixels

    def _decode(self, y0: int, y1: int, x0: int, x1: int) -> torch.Tensor:
        """Linear float32 (3, y1 - y0, x1 - x0) from the stored codes of that region."""
        import torch

        from .io.spaces import decode_codes

        return torch.from_numpy(decode_codes(self.codes[y0:y1, x0:x1], self.meta.colour_space))

    def region(self, y0: int, x0: int, height: int, width: int) -> torch.Tensor:
        """Linear float32 (3, height, width) at full resolution, decoding only that region
        when the pixels have not been decoded."""
        if self._pixels is None:
            return self._decode(y0, y0 + height, x0, x0 + width)
        return self._pixels[:, y0:y0 + height, x0:x0 + width].float().contiguous()

    @property
    def height(self) -> int:
        return int(self.codes.shape[0] if self._pixels is None else self._pixels.shape[-2])

    @property
    def width(self) -> int:
        return int(self.codes.shape[1] if self._pixels is None else self._pixels.shape[-1])

    def proxy(self, long_edge: int = PROXY_EDGE, spare=None) -> torch.Tensor:
        """A (3, h, w) float32 area-downscaled copy in linear light, cached per size. ``spare``:
        threads that may take part of the work (``sharing.Spare``; from 8-bit codes only)."""
        if long_edge not in self._proxy:
            from .colour import area_downscale, area_downscale_rows

            if self._pixels is None:  # from the codes, a band at a time: no full float image
                from .colour import from_pooled

                pooled = self._pooled.pop(long_edge, None) or self._pool(long_edge, spare)
                if pooled is not None:  # the codes' own linear values, 16-bit
                    self._proxy[long_edge] = from_pooled(pooled)
                else:
                    self._proxy[long_edge] = area_downscale_rows(
                        lambda y0, y1: self._decode(y0, y1, 0, self.width), self.height, self.width, long_edge)
            else:
                self._proxy[long_edge] = area_downscale(self._pixels, long_edge)
        return self._proxy[long_edge]

    def prepool(self, long_edge: int = PROXY_EDGE) -> None:
        """Do the full-resolution pass of ``proxy(long_edge)`` now, without torch (an 8-bit photo
        whose codes need no gamut matrix; others wait for ``proxy``)."""
        if long_edge not in self._proxy and long_edge not in self._pooled and self._pixels is None:
            pooled = self._pool(long_edge)
            if pooled is not None:
                self._pooled[long_edge] = pooled

    def _pool(self, long_edge: int, spare=None):
        """``pooling.pool_codes`` of the stored codes, or None where they need a gamut matrix."""
        from .io.spaces import decode_lut, to_rec709
        from .pooling import pool_codes

        if to_rec709(self.meta.colour_space) is not None:
            return None
        return pool_codes(self.codes, decode_lut(self.meta.colour_space, 8), long_edge, spare=spare)

    def with_pixels(self, pixels: torch.Tensor) -> "Photo":
        return Photo(pixels=pixels, meta=self.meta, alpha=self.alpha)

    def with_meta(self, meta: Metadata) -> "Photo":
        """The same pixels (codes, alpha: shared, not copied) with other metadata."""
        return Photo(pixels=self._pixels, meta=meta, alpha=self.alpha, codes=self.codes)

    def with_codes(self, codes: np.ndarray) -> "Photo":
        """The same photo with other stored codes (and the pixels they decode to)."""
        return Photo(meta=self.meta, alpha=self.alpha, codes=codes)

    def describe(self) -> dict[str, Any]:
        m = self.meta
        return {"path": str(m.source), "sha256": m.sha256, "format": m.format,
                "width": m.width, "height": m.height, "bit_depth": m.bit_depth}

    def __repr__(self) -> str:
        return f"Photo({self.meta.source}, {self.width}x{self.height}, {self.meta.format})"
