"""Shared fixtures: small test photos of every supported format, written into tmp_path.

Everything is generated here; no network, no ../shared/data.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms
from PIL.TiffImagePlugin import IFDRational

SAMPLE_SIZE = (48, 32)  # width, height: small, not square, even (DNG needs even sizes)


def pattern_rgb(width: int = SAMPLE_SIZE[0], height: int = SAMPLE_SIZE[1], bits: int = 8) -> np.ndarray:
    """(H, W, 3) uint8/uint16 test pattern: smooth ramps plus a red top-left marker."""
    top = (1 << bits) - 1
    yy, xx = np.mgrid[0:height, 0:width]
    r = xx / max(width - 1, 1)
    g = yy / max(height - 1, 1)
    b = 1.0 - (r + g) / 2
    arr = np.stack([r, g, b], axis=-1) * top
    arr[: height // 4, : width // 4] = (top, 0, 0)
    return np.rint(arr).astype(np.uint8 if bits == 8 else np.uint16)


def make_exif(orientation: int | None = 1, **overrides) -> Image.Exif:
    """An EXIF block like a camera writes: make, model, dates, exposure, ISO, GPS."""
    exif = Image.Exif()
    exif[0x010F] = overrides.get("make", "Canon")
    exif[0x0110] = overrides.get("model", "Canon EOS R6")
    exif[0x0132] = "2025:06:01 10:20:30"
    if orientation is not None:
        exif[0x0112] = orientation
    exif[0x8769] = {
        0x829A: IFDRational(1, 250),  # ExposureTime
        0x829D: IFDRational(56, 10),  # FNumber
        0x8827: overrides.get("iso", 800),  # ISOSpeedRatings
        0x9003: "2025:06:01 10:20:30",  # DateTimeOriginal
        0xA434: "RF24-105mm F4 L IS USM",  # LensModel
    }
    exif[0x8825] = {
        1: "N", 2: (IFDRational(48, 1), IFDRational(51, 1), IFDRational(2400, 100)),
        3: "E", 4: (IFDRational(2, 1), IFDRational(21, 1), IFDRational(700, 100)),
    }
    return exif


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def write_photo_files(folder: Path) -> dict[str, Path]:
    """Write one small photo per supported input kind into ``folder``; returns name -> path."""
    import cv2
    import tifffile

    folder.mkdir(parents=True, exist_ok=True)
    rgb8 = pattern_rgb()
    rgb16 = pattern_rgb(bits=16)
    h, w = rgb8.shape[:2]
    alpha8 = np.tile(np.linspace(0, 255, w).round().astype(np.uint8), (h, 1))
    alpha16 = alpha8.astype(np.uint16) * 257
    exif = make_exif()
    icc = srgb_icc()
    files: dict[str, Path] = {}

    def out(name: str) -> Path:
        files[name.rsplit(".", 1)[0]] = folder / name
        return folder / name

    Image.fromarray(rgb8).save(out("jpeg.jpg"), quality=95, exif=exif, icc_profile=icc)
    Image.fromarray(rgb8).save(out("png8.png"), exif=exif, icc_profile=icc)
    cv2.imwrite(str(out("png16.png")), rgb16[:, :, ::-1])
    cv2.imwrite(str(out("png16_alpha.png")), np.dstack([rgb16[:, :, ::-1], alpha16]))
    Image.fromarray(rgb8[:, :, 1]).save(out("grey.png"))
    Image.fromarray(np.dstack([rgb8[:, :, 1], alpha8]), "LA").save(out("grey_alpha.png"))
    pal = Image.fromarray(rgb8).quantize(16)
    pal.info["transparency"] = 0
    pal.save(out("palette_alpha.png"), transparency=0)
    Image.fromarray(rgb8).save(out("tiff8.tif"), exif=exif.tobytes())
    tifffile.imwrite(out("tiff16.tif"), rgb16, photometric="rgb")
    Image.fromarray(rgb8).save(out("webp.webp"), lossless=True, exif=exif, icc_profile=icc)
    Image.fromarray(rgb8).convert("CMYK").save(out("cmyk.jpg"), quality=95)
    frames = [Image.fromarray(rgb8), Image.fromarray(255 - rgb8)]
    frames[0].save(out("multiframe.tif"), save_all=True, append_images=frames[1:])

    from spc_cli.io.dng import colour_chart, write_dng

    write_dng(out("raw.dng"), colour_chart(w, h), exif={0x829A: IFDRational(1, 60), 0x8827: 200,
                                                       0x829D: IFDRational(4, 1),
                                                       0x9003: "2026:01:01 12:00:00"})
    return files


@pytest.fixture
def photo_files(tmp_path: Path) -> dict[str, Path]:
    """Small photos of every input kind (jpeg, png8, png16, png16_alpha, grey, grey_alpha,
    palette_alpha, tiff8, tiff16, webp, cmyk, multiframe, raw) in tmp_path/photos."""
    return write_photo_files(tmp_path / "photos")


@pytest.fixture
def exif_factory() -> Callable[..., Image.Exif]:
    """``exif_factory(orientation=6, make=..., model=..., iso=...)`` -> a camera-like EXIF."""
    return make_exif
