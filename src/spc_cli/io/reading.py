"""Helpers every decoder shares: one-line reasons, the size limit, EXIF orientation, tags."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputError
from ..photo import Metadata
from . import metadata as md


def short(exc: BaseException) -> str:
    arg = exc.args[0] if len(exc.args) == 1 else None
    text = arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(exc)
    text = " ".join(text.split()) or type(exc).__name__
    return text[:160]


def orient(array: np.ndarray, orientation: int) -> np.ndarray:
    """Apply an EXIF orientation (1-8) to an (H, W, ...) array; returns a view."""
    if orientation == 2:
        return array[:, ::-1]
    if orientation == 3:
        return array[::-1, ::-1]
    if orientation == 4:
        return array[::-1]
    if orientation == 5:
        return array.swapaxes(0, 1)
    if orientation == 6:
        return np.rot90(array, k=-1)
    if orientation == 7:
        return array[::-1, ::-1].swapaxes(0, 1)
    if orientation == 8:
        return np.rot90(array, k=1)
    return array


def check_size(path: Path, width: int, height: int, max_megapixels: float) -> None:
    if width <= 0 or height <= 0:
        raise InputError(path, f"invalid image size {width}x{height}")
    megapixels = width * height / 1e6
    if megapixels > max_megapixels:
        raise InputError(
            path, f"image too large: {width}x{height} = {megapixels:.3g} megapixels "
                  f"(limit {max_megapixels:g})"
        )


# the fewest pixels a side of a photo to judge may have: the critics read 2 x 2 wavelet blocks of
# a 2x reduced copy (a 3-pixel side has none). The decoders read smaller images; the engine and
# the API's critique and enhance refuse them
MIN_SIDE = 4


def too_small(width: int, height: int) -> str | None:
    """Why an image of this size cannot be judged, or None."""
    if min(width, height) < MIN_SIDE:
        return f"too small: {width}x{height} pixels (a photo needs at least {MIN_SIDE} on each side)"
    return None


def check_judgeable(path: Path, photo) -> None:
    """``InputError`` naming ``path`` when ``photo`` (a Photo) is too small to judge. Reads its
    size only: an 8-bit photo's pixels stay undecoded codes until they are needed."""
    why = too_small(photo.width, photo.height)
    if why:
        raise InputError(path, why)


def fill_tags(meta: Metadata, data: bytes, exif_block: bytes | None = None) -> dict:
    """exifread's tags of the file (``meta.tags``) and the camera facts from them (camera, ISO,
    exposure time, f-number). Tags exifread cannot read are said in ``meta.notes``: the critic
    then judges without the camera's ISO and exposure time, and a RAW file's EXIF is lost."""
    failure: md.TagsError | None = None
    try:
        printable, objects = md.read_tags(data)
    except md.TagsError as exc:
        printable, objects, failure = {}, {}, exc
    if not printable and exif_block and exif_block[:2] in (b"II", b"MM"):
        # exifread misses EXIF in some containers (e.g. WebP without the "Exif" prefix):
        # the block itself is a TIFF structure it can read.
        try:
            printable, objects = md.read_tags(exif_block)
        except md.TagsError as exc:
            failure = failure or exc
    if failure is not None and not printable:
        rebuilt = meta.format == "raw" or meta.colour_space == "linear"  # EXIF rebuilt from these tags
        meta.notes.append(f"{failure}: the critic judged without the camera's ISO and exposure time"
                          + ("; the output carries no EXIF" if rebuilt else ""))
    meta.tags = printable
    for key, value in md.camera_facts(printable).items():
        setattr(meta, key, value)
    return objects
