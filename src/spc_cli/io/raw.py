"""Camera RAW through rawpy (LibRaw): linear camera-to-Rec.709 light, 16 bits, EXIF rebuilt."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

from ..errors import InputError
from ..photo import Metadata, Photo
from . import metadata as md
from .reading import check_size, fill_tags, short
from .spaces import decode_planes

_LIBRAW_FLIP_TO_EXIF = {0: 1, 3: 3, 5: 8, 6: 6}


def read_raw(path: Path, data: bytes, digest: str, max_megapixels: float) -> Photo:
    import rawpy

    try:
        raw = rawpy.imread(io.BytesIO(data))
    except Exception as exc:
        raise InputError(path, f"not a readable RAW file ({short(exc)[:100]})") from exc
    with raw:
        sizes = raw.sizes
        check_size(path, int(sizes.width), int(sizes.height), max_megapixels)
        check_size(path, int(sizes.raw_width), int(sizes.raw_height), max_megapixels * 1.5)
        try:
            rgb = raw.postprocess(
                gamma=(1, 1), no_auto_bright=True, output_bps=16, use_camera_wb=True,
                output_color=rawpy.ColorSpace.sRGB,
                # LibRaw would otherwise rescale to the brightest pixel when it is within
                # 75% of the white level: exposure must not depend on the content.
                adjust_maximum_thr=0.0,
            )
        except Exception as exc:
            raise InputError(path, f"RAW data cannot be decoded ({short(exc)[:100]})") from exc
        flip = int(sizes.flip)
    if rgb.ndim != 3 or rgb.shape[2] < 3 or rgb.size == 0:
        raise InputError(path, "RAW decoder returned no image")
    codes = np.ascontiguousarray(rgb[:, :, :3].transpose(2, 0, 1))
    planes = decode_planes(codes, "linear")
    h, w = planes.shape[1:]
    meta = Metadata(
        source=path, format="raw", sha256=digest, width=int(w), height=int(h), bit_depth=16,
        colour_space="srgb", orientation=_LIBRAW_FLIP_TO_EXIF.get(flip, 1),
    )
    objects = fill_tags(meta, data)
    try:
        meta.exif = md.exif_from_tags(objects, meta.notes)
    except Exception as exc:
        meta.notes.append(f"EXIF could not be rebuilt from the RAW file ({short(exc)[:60]})")
    import torch

    return Photo(pixels=torch.from_numpy(planes), meta=meta)
