"""32-bit float TIFF: linear light, kept as float (Pillow reads no colour float TIFF; tifffile does)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..photo import Metadata, Photo
from . import metadata as md
from .reading import check_size, fill_tags, orient, short


def is_float_tiff(data: bytes) -> bool:
    """Whether a TIFF's first page holds 32-bit IEEE float samples (Pillow reads none of them
    in colour; any other TIFF, a broken one included, goes the usual way and is reported there)."""
    import tifffile

    try:
        with tifffile.TiffFile(io.BytesIO(data)) as tif:
            page = tif.pages.first
            return int(page.sampleformat) == 3 and int(page.bitspersample) == 32
    except Exception:  # noqa: BLE001 - not readable as float: the Pillow path names the problem
        return False


def read_float_tiff(path: Path, data: bytes, digest: str, max_megapixels: float) -> Photo:
    """A 32-bit float TIFF: linear light (the convention of float images; 1.0 is white, light
    above it kept). NaN and negative samples become 0 and infinities 1, so nothing undefined
    reaches the ops; an ICC profile is not kept (float samples are read as linear Rec.709)."""
    import tifffile

    notes: list[str] = []
    try:
        with tifffile.TiffFile(io.BytesIO(data)) as tif:
            page = tif.pages.first
            check_size(path, int(page.imagewidth), int(page.imagelength), max_megapixels)
            frames = len(tif.pages)
            arr = page.asarray()
            if page.axes.startswith("S") and arr.ndim == 3:
                arr = np.moveaxis(arr, 0, -1)
            tag = page.tags.get(274)
            orientation = int(tag.value) if tag is not None and int(tag.value) in range(1, 9) else 1
            icc = page.tags.get(34675)
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - reported as this file's one-line error
        raise InputError(path, f"cannot decode float TIFF pixels ({short(exc)[:80]})") from exc
    if arr.ndim == 3 and arr.shape[2] not in (1, 2, 3, 4):
        raise InputError(path, f"unsupported channel count ({arr.shape[2]})")
    if icc is not None:
        notes.append("the ICC profile of a 32-bit float TIFF was not kept: its samples are read as "
                     "linear Rec.709 light")
    if frames > 1:
        notes.append(f"{frames} frames in the file; only the first was processed")
    import torch

    arr = np.nan_to_num(np.asarray(arr, dtype=np.float32), nan=0.0, posinf=1.0, neginf=0.0)
    arr = orient(np.maximum(arr, 0.0, out=arr), orientation)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    channels = arr.shape[2]
    colour = arr[:, :, :3] if channels >= 3 else np.repeat(arr[:, :, :1], 3, axis=2)
    alpha = None
    if channels in (2, 4):
        alpha = torch.from_numpy(np.clip(np.ascontiguousarray(arr[:, :, -1]), 0.0, 1.0)[None])
    h, w = colour.shape[:2]
    meta = Metadata(source=path, format="tiff", sha256=digest, width=int(w), height=int(h), bit_depth=32,
                    colour_space="linear", orientation=orientation, has_alpha=alpha is not None,
                    frames=frames, notes=notes)
    objects = fill_tags(meta, data)
    try:
        meta.exif = md.exif_from_tags(objects, notes) if objects else None
    except Exception as exc:  # noqa: BLE001 - the photo reads; its EXIF is not carried over, and the sidecar says so
        notes.append(f"EXIF could not be carried over ({short(exc)[:60]})")
    pixels = torch.from_numpy(np.ascontiguousarray(colour.transpose(2, 0, 1)))
    return Photo(pixels=pixels, meta=meta, alpha=alpha)
