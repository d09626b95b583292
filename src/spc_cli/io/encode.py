"""Encode a :class:`~spc_cli.photo.Photo` back to a file: the input's colour encoding, its
EXIF (orientation 1), ICC profile and XMP, written atomically.

JPEG and WebP go through Pillow; PNG through OpenCV (8 and 16 bit) with our own
metadata chunks; TIFF through tifffile with an EXIF and a GPS sub-IFD appended and
linked from IFD0, so exifread and other readers find the usual ``EXIF ...`` tags.
"""

from __future__ import annotations

import os
import struct
import zlib
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, TiffImagePlugin

from ..errors import OutputError, UsageError
from ..photo import Photo
from . import metadata as md
from .atomic import atomic_write
from .spaces import encode_codes_u8, encode_planes_f32, encode_planes_u8, encode_planes_u16, quantize_alpha

FORMATS = {"jpeg": ".jpg", "png": ".png", "tiff": ".tif", "webp": ".webp", "bmp": ".bmp"}
_ALIASES = {"jpg": "jpeg", "jpe": "jpeg", "jfif": "jpeg", "tif": "tiff", "dib": "bmp", "apng": "png"}
_MAX_SIDE = {"jpeg": 65535, "webp": 16383}
PNG_COMPRESSION = 3  # zlib level: PNG is lossless either way; 3 is ~2x faster than 6


def normalise_format(name: str) -> str:
    key = name.strip().lower().lstrip(".")
    key = _ALIASES.get(key, key)
    if key not in FORMATS:
        raise UsageError(f"unknown output format {name!r}; choose one of {', '.join(sorted(FORMATS))}")
    return key


def output_spec(input_format: str, requested: str | None,
                input_bit_depth: int | None = None) -> tuple[str, str, int]:
    """``(format, extension, bit_depth)`` for an output.

    Same format as the input unless ``requested``; RAW becomes 16-bit TIFF, and a format spc
    reads but does not write (GIF, TGA, JPEG 2000, ...) becomes PNG. JPEG, WebP and BMP are
    8-bit; PNG and TIFF keep 16 bits when the input had them, and TIFF keeps 32-bit float
    (``input_bit_depth``; when not given, RAW counts as 16-bit and everything else as 8-bit).

    >>> output_spec("raw", None)
    ('tiff', '.tif', 16)
    >>> output_spec("png", "jpeg", 16)
    ('jpeg', '.jpg', 8)
    >>> output_spec("gif", None)
    ('png', '.png', 8)
    """
    source = _ALIASES.get(input_format.strip().lower(), input_format.strip().lower())
    if input_bit_depth is None:
        input_bit_depth = 16 if source == "raw" else 8
    if requested:
        fmt = normalise_format(requested)
    elif source == "raw":
        fmt = "tiff"
    else:
        fmt = source if source in FORMATS else "png"
    return fmt, FORMATS[fmt], output_depth(fmt, input_bit_depth)


def output_depth(fmt: str, input_bit_depth: int) -> int:
    """Bits per sample an output of ``fmt`` gets from an input of ``input_bit_depth`` bits."""
    if fmt == "tiff" and input_bit_depth == 32:
        return 32
    return 16 if fmt in ("png", "tiff") and input_bit_depth > 8 else 8


# --------------------------------------------------------------------------- pixels


def _planes(photo: Photo) -> np.ndarray:
    import torch

    pixels = photo.pixels.detach()
    if pixels.dim() == 4 and pixels.shape[0] == 1:
        pixels = pixels[0]
    if pixels.dim() != 3 or pixels.shape[0] != 3:
        raise ValueError(f"pixels must be (3, H, W), got {tuple(pixels.shape)}")
    return pixels.to(device="cpu", dtype=torch.float32).contiguous().numpy()


def _alpha(photo: Photo, bits: int) -> np.ndarray | None:
    if photo.alpha is None:
        return None
    a = photo.alpha.detach().to("cpu").float().reshape(photo.alpha.shape[-2:]).numpy()
    if bits == 32:
        return np.clip(np.nan_to_num(a, nan=1.0), 0.0, 1.0).astype(np.float32)
    return quantize_alpha(a, bits)


def output_space(photo: Photo, bit_depth: int) -> str:
    """The encoding an output is written in: the input's own, except that the linear light of
    a 32-bit float input is sRGB-encoded when it is written with integer samples."""
    space = photo.meta.colour_space or "srgb"
    return "srgb" if space == "linear" and photo.meta.bit_depth == 32 and bit_depth != 32 else space


def encode_pixels(photo: Photo, bit_depth: int, with_alpha: bool) -> np.ndarray:
    """(H, W, 3|4) uint8/uint16/float32 in RGB(A) order, in the output's colour encoding
    (``output_space``). Every sample is defined: NaN becomes 0, +inf white, -inf 0."""
    alpha = _alpha(photo, bit_depth) if with_alpha else None
    space = output_space(photo, bit_depth)
    if bit_depth == 8 and photo.codes is not None and space == photo.meta.colour_space:
        # the photo's own 8-bit codes (as decoded, or rendered as tables): nothing to round
        if alpha is None:
            return photo.codes
        channels = list(cv2.split(photo.codes))
    elif bit_depth == 8 and alpha is None:
        return encode_codes_u8(_planes(photo), space)  # interleaved as it is encoded: no merge pass
    else:
        planes = _planes(photo)
        encode = {8: encode_planes_u8, 16: encode_planes_u16, 32: encode_planes_f32}[bit_depth]
        channels = list(encode(planes, space))
    if alpha is not None:
        if alpha.shape != channels[0].shape:
            raise ValueError("alpha size does not match the pixels")
        channels.append(alpha)
    return cv2.merge(channels)


# --------------------------------------------------------------------------- writers


def _write_pillow(path: Path, arr: np.ndarray, fmt: str, quality: int, exif: bytes | None,
                  icc: bytes | None, xmp: bytes | None, notes: list[str],
                  subsampling: int | None = None) -> None:
    img = _rgbx(arr) if fmt == "jpeg" else Image.fromarray(arr)  # RGB or RGBA from the shape
    params: dict = {"quality": int(quality)}
    if icc:
        params["icc_profile"] = icc
    if fmt == "jpeg":
        # a JPEG input keeps its own chroma subsampling (a camera's 4:2:0 stays 4:2:0, a
        # 4:4:4 master stays 4:4:4); other inputs get 4:4:4 at high quality, 4:2:0 below
        if subsampling not in (0, 1, 2):
            subsampling = 0 if quality >= 90 else 2
        params.update(subsampling=subsampling, optimize=False)
        if exif and len(md.exif_app1(exif)) > 65533:
            exif = _without_makernote(exif)
            if exif and len(md.exif_app1(exif)) > 65533:
                notes.append("EXIF too large for JPEG; not written")
                exif = None
        if xmp and len(xmp) > 65504 - 29:
            notes.append("XMP too large for JPEG; not written")
            xmp = None
    else:
        params["method"] = 4
    if exif:
        params["exif"] = md.exif_app1(exif)
    if xmp:
        params["xmp"] = xmp
    img.save(path, format="JPEG" if fmt == "jpeg" else "WEBP", **params)
    if fmt == "webp" and exif:
        _webp_exif_header(path)


def _rgbx(arr: np.ndarray) -> Image.Image:
    """An (H, W, 3) uint8 array as a Pillow image for the JPEG encoder: padded to RGBX by OpenCV and
    mapped, not copied, where Pillow would unpack it into its own four-byte pixels (24 MP: 30 ->
    14 ms; the same JPEG bytes, which the encoder reads as RGB either way). Other arrays as
    ``Image.fromarray`` makes them."""
    if arr.dtype != np.uint8 or arr.ndim != 3 or arr.shape[2] != 3:
        return Image.fromarray(arr)
    h, w = arr.shape[:2]
    padded = cv2.cvtColor(np.ascontiguousarray(arr), cv2.COLOR_RGB2RGBA)
    return Image.frombuffer("RGBX", (w, h), padded, "raw", "RGBX", 0, 1)


def _webp_exif_header(path: Path) -> None:
    """Give the WebP EXIF chunk the ``Exif\\0\\0`` prefix.

    Pillow writes the bare TIFF structure; exifread (our tag reader) only finds EXIF
    in WebP after that prefix, and Pillow, exiftool and browsers read either form.
    """
    data = Path(path).read_bytes()
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return
    out = bytearray(data[:12])
    pos = 12
    while pos + 8 <= len(data):
        kind = data[pos:pos + 4]
        size = struct.unpack("<I", data[pos + 4:pos + 8])[0]
        body = data[pos + 8:pos + 8 + size]
        pos += 8 + size + (size & 1)
        if kind == b"EXIF" and not body.startswith(md.EXIF_HEADER):
            body = md.EXIF_HEADER + body
        out += kind + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) & 1 else b"")
    out[4:8] = struct.pack("<I", len(out) - 8)
    Path(path).write_bytes(bytes(out))


def _without_makernote(exif: bytes) -> bytes | None:
    e = md.load_exif(exif)
    sub = dict(e.get_ifd(md.EXIF_IFD))
    sub.pop(0x927C, None)
    e[md.EXIF_IFD] = sub
    return md.strip_header(e.tobytes())


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def png_with_metadata(png: bytes, exif: bytes | None, icc: bytes | None, xmp: bytes | None) -> bytes:
    """Insert iCCP, eXIf and XMP iTXt chunks right after IHDR of an encoded PNG."""
    if png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("encoder did not produce a PNG")
    end_ihdr = 8 + 12 + struct.unpack(">I", png[8:12])[0]
    extra = b""
    if icc:
        extra += _png_chunk(b"iCCP", b"ICC Profile\x00\x00" + zlib.compress(icc))
    if exif:
        extra += _png_chunk(b"eXIf", md.strip_header(exif))
    if xmp:
        extra += _png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + xmp)
    return png[:end_ihdr] + extra + png[end_ihdr:]


def _write_png(path: Path, arr: np.ndarray, exif: bytes | None, icc: bytes | None,
               xmp: bytes | None) -> None:
    bgr = arr[:, :, [2, 1, 0, 3]] if arr.shape[2] == 4 else arr[:, :, ::-1]
    ok, buf = cv2.imencode(".png", np.ascontiguousarray(bgr), [cv2.IMWRITE_PNG_COMPRESSION, PNG_COMPRESSION])
    if not ok:
        raise ValueError("PNG encoder failed")
    data = png_with_metadata(buf.tobytes(), exif, icc, xmp)
    with open(path, "xb") as fh:
        fh.write(data)


# TIFF ----------------------------------------------------------------------------------

_TIFF_ASCII = {0x010F: "Make", 0x0110: "Model", 0x0132: "DateTime", 0x013B: "Artist",
               0x013C: "HostComputer", 0x8298: "Copyright"}


def _ascii(value) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("latin-1", "replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value or None


def tiff_tags_from_exif(exif: bytes | None,
                        notes: list[str] | None = None) -> tuple[list[tuple], dict, dict, dict]:
    """Split an EXIF block for a TIFF writer.

    Returns ``(extratags for IFD0, exif sub-IFD dict, gps sub-IFD dict, other)`` where
    ``other`` holds ImageDescription / Software for tifffile's own parameters. An
    interoperability block that cannot be read is left out, and ``notes`` says so.
    """
    if not exif:
        return [], {}, {}, {}
    e = md.load_exif(exif)
    extratags: list[tuple] = []
    other: dict = {}
    for tag, name in _TIFF_ASCII.items():
        text = _ascii(e.get(tag))
        if text:
            extratags.append((tag, "s", 0, text, True))
    if md.ORIENTATION in e:
        extratags.append((md.ORIENTATION, "H", 1, 1, True))
    for tag, key in ((0x010E, "description"), (0x0131, "software")):
        text = _ascii(e.get(tag))
        if text:
            other[key] = text
    sub = dict(e.get_ifd(md.EXIF_IFD))
    interop = {}
    if md.INTEROP_IFD in sub:
        sub.pop(md.INTEROP_IFD)
        interop = md.interop_ifd(e, notes)
    if interop:
        sub[md.INTEROP_IFD] = interop
    gps = dict(e.get_ifd(md.GPS_IFD))
    return extratags, sub, gps, other


# tifffile refuses to write 34665/34853 itself: write LONG placeholders under the tag
# numbers just below them (same sort position in IFD0), then rename them in place.
PLACEHOLDER = {md.EXIF_IFD: md.EXIF_IFD - 1, md.GPS_IFD: md.GPS_IFD - 1}


def attach_sub_ifds(path: Path, subs: dict[int, dict]) -> None:
    """Append EXIF/GPS sub-IFDs to a classic TIFF and link them from IFD0.

    ``path`` must have been written with a LONG entry tagged ``PLACEHOLDER[tag]`` in
    IFD0 for each key of ``subs`` (34665 ExifIFD, 34853 GPSInfo); each becomes the real
    pointer tag, pointing at the sub-IFD appended at the end of the file.
    """
    wanted = {PLACEHOLDER[tag]: tag for tag in subs}
    with open(path, "r+b") as fh:
        head = fh.read(8)
        order = head[:2]
        if order not in (b"II", b"MM") or struct.unpack(("<" if order == b"II" else ">") + "H", head[2:4])[0] != 42:
            raise ValueError("not a classic TIFF")
        e = "<" if order == b"II" else ">"
        ifd0 = struct.unpack(e + "I", head[4:8])[0]
        fh.seek(ifd0)
        count = struct.unpack(e + "H", fh.read(2))[0]
        entries = fh.read(12 * count)
        slots = {}
        for i in range(count):
            tag = struct.unpack(e + "H", entries[12 * i:12 * i + 2])[0]
            if tag in wanted:
                slots[wanted[tag]] = ifd0 + 2 + 12 * i
        for tag, values in subs.items():
            if not values or tag not in slots:
                continue
            fh.seek(0, os.SEEK_END)
            offset = fh.tell()
            if offset % 2:
                fh.write(b"\x00")
                offset += 1
            ifd = TiffImagePlugin.ImageFileDirectory_v2(ifh=order + head[2:4] + b"\x00" * 4, group=tag)
            for key, value in values.items():
                ifd[key] = value
            blob = ifd.tobytes(offset)
            fh.write(blob)
            fh.seek(slots[tag])
            fh.write(struct.pack(e + "HHII", tag, 4, 1, offset))


def _write_tiff(path: Path, arr: np.ndarray, exif: bytes | None, icc: bytes | None,
                xmp: bytes | None, notes: list[str] | None = None) -> None:
    import tifffile

    extratags, sub, gps, other = tiff_tags_from_exif(exif, notes)
    subs = {}
    if sub:
        extratags.append((PLACEHOLDER[md.EXIF_IFD], "I", 1, 0, True))
        subs[md.EXIF_IFD] = sub
    if gps:
        extratags.append((PLACEHOLDER[md.GPS_IFD], "I", 1, 0, True))
        subs[md.GPS_IFD] = gps
    if xmp:
        extratags.append((700, "B", len(xmp), xmp, True))
    kwargs = dict(
        # the float predictor needs imagecodecs, which is not a dependency: float TIFFs go without
        photometric="rgb", compression="zlib", compressionargs={"level": 4}, predictor=arr.dtype != np.float32,
        metadata=None, extratags=sorted(extratags, key=lambda t: t[0]), bigtiff=False,
        software=other.get("software", ""), description=other.get("description"),
        rowsperstrip=64, maxworkers=min(4, os.cpu_count() or 1),
    )
    if arr.shape[2] == 4:
        kwargs["extrasamples"] = ("unassalpha",)
    if icc:
        kwargs["iccprofile"] = icc
    tifffile.imwrite(path, arr, **kwargs)
    if subs:
        attach_sub_ifds(path, subs)


# --------------------------------------------------------------------------- entry point


def write_photo(photo: Photo, path: Path, fmt: str, bit_depth: int, quality: int = 95) -> None:
    """Encode ``photo`` to ``path`` (atomically) as ``fmt`` at ``bit_depth`` bits.

    Pixels are clipped to [0, 1] and rounded into the input's colour encoding
    (``photo.meta.colour_space``); alpha is kept for PNG, TIFF and WebP; EXIF
    (orientation 1), ICC and XMP are written when the photo has them. Any failure is an
    :class:`OutputError`; an existing file at ``path`` is left untouched on failure.
    """
    path = Path(path)
    try:
        fmt = normalise_format(fmt)
    except UsageError as exc:
        raise OutputError(path, str(exc)) from exc
    if fmt in ("jpeg", "webp", "bmp") or bit_depth not in (8, 16, 32):
        bit_depth = 8
    elif fmt == "png" and bit_depth == 32:
        bit_depth = 16
    if not 1 <= int(quality) <= 100:
        raise OutputError(path, f"quality must be 1-100, got {quality}")
    limit = _MAX_SIDE.get(fmt)
    if limit and max(photo.width, photo.height) > limit:
        raise OutputError(path, f"{photo.width}x{photo.height} is too large for {fmt.upper()} "
                                f"(max {limit} px a side)")
    meta = photo.meta
    exif = md.normalise_exif(meta.exif, meta.notes)
    icc, xmp = meta.icc, meta.xmp
    keep_alpha = photo.alpha is not None and fmt not in ("jpeg", "bmp")
    if output_space(photo, bit_depth) != meta.colour_space:
        icc = None  # the float input's profile described linear samples; sRGB needs none

    def write(tmp: Path) -> None:
        arr = encode_pixels(photo, bit_depth, keep_alpha)
        if fmt in ("jpeg", "webp"):
            _write_pillow(tmp, arr, fmt, quality, exif, icc, xmp, meta.notes, meta.jpeg_subsampling)
        elif fmt == "bmp":
            if exif or icc or xmp:
                meta.notes.append("BMP holds no EXIF, ICC profile or XMP: they were not written")
            Image.fromarray(arr).save(tmp, format="BMP")
        elif fmt == "png":
            _write_png(tmp, arr, exif, icc, xmp)
        else:
            _write_tiff(tmp, arr, exif, icc, xmp, meta.notes)

    atomic_write(path, write)
