"""A small, cheap decode of a photo: about ``long_edge`` pixels on the long edge, for looking at a
whole folder before processing it (grouping into series, report thumbnails).

A JPEG is decoded at reduced size by libjpeg itself (Pillow's draft mode scales the DCT by
1/2, 1/4 or 1/8, so a 24 MP file costs about a tenth of a full decode); a camera RAW is
demosaiced at half size; any other format is decoded in full and area-downscaled. Colours are
as ``read_photo`` gives them: linear Rec.709, upright, through the file's ICC profile.

    >>> photo = read_preview(Path("examples/coffee.jpg"), 256)  # doctest: +SKIP
    >>> max(photo.width, photo.height) <= 256  # doctest: +SKIP
    True
"""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from ..errors import InputError
from ..photo import Metadata, Photo
from . import RAW_EXTENSIONS
from . import metadata as md


def read_preview(path: Path, long_edge: int = 512, max_megapixels: float = 250.0) -> Photo:
    """A Photo of ``path`` at most ``long_edge`` pixels on its long edge (linear Rec.709, upright),
    with the file's metadata (``meta.tags``, ``meta.sha256`` of the whole file). Raises
    ``InputError`` as ``read_photo`` does."""
    from .decode import read_photo, sniff

    path = Path(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from exc
    digest = hashlib.sha256(data).hexdigest()
    try:
        if sniff(data[:16]) == "jpeg":
            small = _jpeg_draft(path, data, digest, long_edge, max_megapixels)
            if small is not None:
                return small
        elif path.suffix.lower() in RAW_EXTENSIONS:
            return _raw_half(path, data, digest, long_edge, max_megapixels)
    except InputError:
        raise
    except Exception:  # noqa: BLE001 - an odd file: the full decoder says what is wrong with it
        pass
    photo = read_photo(path, max_megapixels)
    return Photo(pixels=photo.proxy(long_edge).clone(), meta=photo.meta)


def _shrunk(pixels: torch.Tensor, meta: Metadata, long_edge: int) -> Photo:
    from ..colour import area_downscale

    return Photo(pixels=area_downscale(pixels, long_edge).contiguous(), meta=meta)


def _jpeg_draft(path: Path, data: bytes, digest: str, long_edge: int, max_megapixels: float) -> Photo | None:
    """A colour or grey JPEG decoded by libjpeg at the smallest DCT scale that still gives at
    least ``long_edge`` pixels; None for what draft mode does not cover (CMYK)."""
    from .decode import _colour_space, orient
    from .reading import check_size
    from .spaces import decode_planes

    img = Image.open(io.BytesIO(data), formats=["JPEG"])
    width, height = img.size
    check_size(path, width, height, max_megapixels)
    if img.mode not in ("RGB", "L"):
        return None
    scale = max(width, height) / max(long_edge, 1)
    img.draft(img.mode, (max(1, int(width / scale)), max(1, int(height / scale))))
    img.load()
    arr = np.asarray(img)
    if arr.ndim == 2:
        arr = np.repeat(arr[:, :, None], 3, axis=2)
    notes: list[str] = []
    icc, space = _colour_space(img.info.get("icc_profile") or None, notes)
    try:
        orientation = md.orientation_of(img.getexif())
    except Exception:  # noqa: BLE001 - unreadable EXIF: as the full decoder, upright as stored
        orientation = 1
    arr = np.ascontiguousarray(orient(arr, orientation))
    planes = decode_planes(np.ascontiguousarray(arr.transpose(2, 0, 1)), space)
    tags, _ = md.read_tags(data)
    h, w = arr.shape[:2]
    meta = Metadata(source=path, format="jpeg", sha256=digest, width=int(w), height=int(h), bit_depth=8,
                    colour_space=space, icc=icc, orientation=orientation, tags=tags, notes=notes)
    for key, value in md.camera_facts(tags).items():
        setattr(meta, key, value)
    return _shrunk(torch.from_numpy(planes), meta, long_edge)


def _raw_half(path: Path, data: bytes, digest: str, long_edge: int, max_megapixels: float) -> Photo:
    """A camera RAW demosaiced at half size with the full decoder's settings (camera white
    balance, linear sRGB primaries, no auto-brightening)."""
    import rawpy

    from .reading import check_size
    from .spaces import decode_planes

    try:
        raw = rawpy.imread(io.BytesIO(data))
    except Exception as exc:
        raise InputError(path, f"not a readable RAW file ({str(exc)[:100]})") from exc
    with raw:
        check_size(path, int(raw.sizes.width), int(raw.sizes.height), max_megapixels)
        rgb = raw.postprocess(gamma=(1, 1), no_auto_bright=True, output_bps=16, use_camera_wb=True,
                              output_color=rawpy.ColorSpace.sRGB, adjust_maximum_thr=0.0, half_size=True)
    planes = decode_planes(np.ascontiguousarray(rgb[:, :, :3].transpose(2, 0, 1)), "linear")
    tags, _ = md.read_tags(data)
    meta = Metadata(source=path, format="raw", sha256=digest, width=int(planes.shape[2]),
                    height=int(planes.shape[1]), bit_depth=16, tags=tags)
    for key, value in md.camera_facts(tags).items():
        setattr(meta, key, value)
    return _shrunk(torch.from_numpy(planes), meta, long_edge)
