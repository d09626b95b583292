"""Read a photo file into a :class:`~spc_cli.photo.Photo`: linear Rec.709, upright, with metadata.

Every failure is an :class:`~spc_cli.errors.InputError` naming the file and saying why in one
line: empty, truncated, not an image, unsupported pixel format, larger than the
megapixel limit (refused from the header, before any pixel memory is allocated),
hostile metadata, a RAW that LibRaw cannot read.
"""

from __future__ import annotations

import hashlib
import io
import os
import stat
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, ImageCms, UnidentifiedImageError

from ..errors import InputError
from ..photo import Metadata, Photo
from . import RAW_EXTENSIONS
from . import metadata as md
from .float_tiff import is_float_tiff, read_float_tiff
from .raw import read_raw
from .reading import check_size, fill_tags, orient, short
from .spaces import decode_planes, to_rec709

__all__ = ["orient", "read_photo", "sniff"]

try:  # keep OpenCV's own error printing out of our output
    import cv2

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
except Exception:  # pragma: no cover - older OpenCV builds
    import cv2

# Pillow warns (DecompressionBombWarning, "possibly corrupt EXIF", ...) where we either
# refuse the file or record a note; keep those warnings off the user's terminal. Done
# once, globally, because warnings.catch_warnings() is not thread-safe and the engine
# decodes in threads.
warnings.filterwarnings("ignore", module=r"PIL(\..*)?$")
warnings.filterwarnings("ignore", category=Image.DecompressionBombWarning)

_PIL_FORMAT = {"jpeg": "JPEG", "png": "PNG", "tiff": "TIFF", "webp": "WEBP", "bmp": "BMP"}
# The other formats read through Pillow (see ``io.PILLOW_EXTENSIONS``), by Pillow's name.
# Their content decides, not the extension: a GIF named .jpg is read as the GIF it is.
OTHER_PIL_FORMATS = ("GIF", "TGA", "PPM", "PCX", "SGI", "SUN", "QOI", "PSD", "JPEG2000", "AVIF", "PCD", "DIB",
                     "HEIF")
# HEIF brands of still images (ISO/IEC 23008-12): HEVC-coded (phones, Canon's .hif) and the
# generic ones; AVIF ("avif", "avis") is Pillow's own
_HEIF_BRANDS = (b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1")


def is_heif(data: bytes) -> bool:
    """An ISO base media file whose major brand is a HEIF still image's (not AVIF)."""
    return len(data) >= 12 and data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS


def exif_block(path: Path) -> bytes | None:
    """A file's EXIF as a TIFF structure, read from its header without decoding its pixels, for
    the containers exifread misses (HEIF layouts, WebP); None when there is none."""
    with open(path, "rb") as fh:
        if is_heif(fh.read(16)):
            register_heif()
    with Image.open(path) as img:  # the header only: no pixels are decoded
        block = img.info.get("exif")
    return md.strip_header(block) if isinstance(block, bytes) and block else None


def register_heif() -> None:
    """Teach Pillow HEIF (pillow-heif, imported only for a HEIF file). Images come upright (the
    file's own rotation applied, its EXIF orientation then set to 1) and 8 bits per sample."""
    import pillow_heif

    pillow_heif.register_heif_opener()


_NOT_PHOTO_MAGIC = {b"%!PS": "PostScript", b"\xc5\xd0\xd3\xc6": "EPS", b"%PDF": "PDF", b"SIMPLE  =": "FITS"}


def sniff(data: bytes) -> str | None:
    """The container format from the file's first bytes ("jpeg", "png", "tiff", "webp")."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:4] in (b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+"):
        return "tiff"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"BM" and len(data) >= 26:
        return "bmp"
    return None


def _identify(data: bytes) -> str | None:
    """The kind ("gif", "jpeg2000", ...) of a file in one of Pillow's other formats, from its content."""
    if is_heif(data[:16]):
        register_heif()
    try:
        with Image.open(io.BytesIO(data), formats=list(OTHER_PIL_FORMATS)) as img:
            return str(img.format).lower()
    except Exception:  # noqa: BLE001 - any failure to identify means "not one of them"
        return None


def read_photo(path: Path, max_megapixels: float = 250.0) -> Photo:
    """Decode ``path`` to a Photo: float32 (3, H, W) linear Rec.709, EXIF orientation applied.

    >>> photo = read_photo(Path("examples/coffee.jpg"))  # doctest: +SKIP
    >>> photo.pixels.shape, photo.meta.format  # doctest: +SKIP
    (torch.Size([3, 427, 640]), 'jpeg')
    """
    path = Path(path)
    try:
        return _read(path, max_megapixels)
    except InputError:
        raise
    except md.MetadataError as exc:
        raise InputError(path, str(exc)) from exc
    except MemoryError as exc:
        raise InputError(path, "not enough memory to decode this image") from exc
    except Image.DecompressionBombError as exc:
        raise InputError(path, f"image too large ({short(exc)})") from exc
    except Exception as exc:
        raise InputError(path, f"corrupt or unreadable image ({short(exc)})") from exc


def _read_bytes(path: Path) -> bytes:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror or exc}") from exc
    if not stat.S_ISREG(st.st_mode):
        raise InputError(path, "not a regular file")
    if st.st_size == 0:
        raise InputError(path, "empty file (0 bytes)")
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise InputError(path, f"cannot read: {(exc.strerror or str(exc)).lower()}") from exc


def _read(path: Path, max_megapixels: float) -> Photo:
    data = _read_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    kind = sniff(data)
    if path.suffix.lower() in RAW_EXTENSIONS and kind != "jpeg":
        return read_raw(path, data, digest, max_megapixels)
    if kind is None:
        for magic, name in _NOT_PHOTO_MAGIC.items():
            if data.startswith(magic):
                raise InputError(path, f"unsupported image format ({name})")
        kind = _identify(data)
        if kind is None:
            raise InputError(path, "not an image file (unrecognised content)")
    if kind == "tiff" and is_float_tiff(data):
        return read_float_tiff(path, data, digest, max_megapixels)
    return _read_raster(path, data, digest, kind, max_megapixels)


def _allow_pillow(max_megapixels: float) -> None:
    """Let Pillow open images up to our own limit (we check the header size ourselves)."""
    limit = int(max_megapixels * 1e6)
    current = Image.MAX_IMAGE_PIXELS
    if current is not None and current * 2 < limit:
        Image.MAX_IMAGE_PIXELS = limit // 2 + 1


# --------------------------------------------------------------------------- raster


def _png_bit_depth(data: bytes) -> int:
    return 16 if data[12:16] == b"IHDR" and data[24] == 16 else 8


def _xmp_of(img: Image.Image, kind: str) -> bytes | None:
    value = img.info.get("xmp") or img.info.get("XML:com.adobe.xmp")
    if value is None and kind == "tiff":
        value = img.tag_v2.get(700)
    if value is None:
        return None
    if isinstance(value, str):
        value = value.encode("utf-8")
    if isinstance(value, tuple):
        value = bytes(value)
    return bytes(value) or None


def _decode16(path: Path, data: bytes, kind: str) -> tuple[np.ndarray, bool]:
    """16-bit PNG/TIFF pixels at full precision: (H, W) or (H, W, C) uint16, RGB order.

    Returns ``(array, upright)``: OpenCV's TIFF reader applies the TIFF orientation
    itself (whatever the flags), so its TIFF results are already upright. TIFF goes
    through tifffile first (as stored), OpenCV when tifffile lacks a codec (LZW, JPEG
    need imagecodecs); PNG through OpenCV, which leaves eXIf orientation alone.
    """
    if kind == "tiff":
        import tifffile

        try:
            with tifffile.TiffFile(io.BytesIO(data)) as tif:
                page = tif.pages.first
                arr = page.asarray()
                if page.axes.startswith("S") and arr.ndim == 3:
                    arr = np.moveaxis(arr, 0, -1)
            upright = False
        except Exception:
            arr, upright = None, True
    if kind != "tiff" or arr is None:
        arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
        upright = kind == "tiff"
        if arr is not None and arr.ndim == 3 and arr.shape[2] == 3:
            arr = arr[:, :, ::-1]  # OpenCV gives BGR
        elif arr is not None and arr.ndim == 3 and arr.shape[2] == 4:
            arr = arr[:, :, [2, 1, 0, 3]]
    if arr is None:
        raise InputError(path, f"cannot decode 16-bit {kind.upper()} pixels (corrupt or truncated)")
    if arr.dtype not in (np.uint8, np.uint16):
        raise InputError(path, f"unsupported sample type {arr.dtype}")
    if arr.ndim == 3 and arr.shape[2] not in (1, 2, 3, 4):
        raise InputError(path, f"unsupported channel count ({arr.shape[2]})")
    return arr, upright


_DEEP_GREY = ("I;16", "I;16B", "I;16L", "I;16N", "I")


def _png_complete(data: bytes) -> bool:
    return data.rstrip(b"\x00")[-8:-4] == b"IEND" or b"IEND" in data[-64:]


def _cmyk_to_rgb(img: Image.Image, icc: bytes | None) -> tuple[Image.Image, bytes | None, str]:
    if icc:
        try:
            src = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            dst = ImageCms.createProfile("sRGB")
            rgb = ImageCms.profileToProfile(img, src, dst, outputMode="RGB")
            srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
            return rgb, srgb, "CMYK converted to sRGB through its ICC profile"
        except Exception as exc:  # noqa: BLE001 - the profile is unusable: converted without it, and said so
            return img.convert("RGB"), None, ("CMYK converted to RGB without its ICC profile, which could not be "
                                              f"used ({short(exc)[:60]}); colours are approximate")
    return img.convert("RGB"), None, "CMYK converted to RGB without a profile (approximate)"


def _colour_space(icc: bytes | None, notes: list[str]) -> tuple[bytes | None, str]:
    """The encoding an ICC profile declares, and the profile to keep (None to drop it)."""
    if not icc:
        return None, "srgb"
    try:
        model, description, space = md.icc_info(icc)
    except md.MetadataError as exc:
        notes.append(f"{exc}; dropped, treated as sRGB")
        return None, "srgb"
    if model != "RGB":
        # a grey (or other) profile cannot describe the RGB file we will write
        notes.append(f"{model or 'unknown'} ICC profile dropped (outputs are RGB)")
        return None, "srgb"
    if space == "srgb" and "srgb" not in description.lower():
        notes.append(f"ICC profile '{description[:60]}' not recognised; treated as sRGB")
    return icc, space


# nclx colour primaries (ITU-T H.273) a HEIF may declare instead of an ICC profile
_NCLX_PRIMARIES = {1: "srgb", 12: "display_p3"}


def _heif_nclx_to_srgb(arr: np.ndarray, nclx: dict, notes: list[str]) -> np.ndarray:
    """8-bit HEIF samples described by an nclx box, not an ICC profile (Display P3 from many
    phones): as sRGB codes, so the output, which carries no profile, shows the same colours
    (colours outside sRGB are clipped)."""
    from .spaces import decode_planes, encode_planes_u8

    primaries = int(nclx.get("color_primaries", 2))
    transfer = int(nclx.get("transfer_characteristics", 2))
    space = "srgb" if primaries == 2 else _NCLX_PRIMARIES.get(primaries)  # 2: unspecified
    if space is None or transfer not in (1, 2, 13) or arr.dtype != np.uint8:  # 1 BT.709, 13 sRGB curve
        notes.append(f"HEIF colour (nclx primaries {primaries}, transfer {transfer}) not recognised, as an "
                     "HDR one (PQ, HLG) is not; treated as sRGB")
        return arr
    if space == "srgb":
        return arr
    rgb = np.ascontiguousarray(arr[:, :, :3].transpose(2, 0, 1))
    srgb = encode_planes_u8(decode_planes(rgb, space), "srgb").transpose(1, 2, 0)
    notes.append("HEIF colour declared Display P3 (nclx) converted to sRGB")
    if arr.shape[2] == 4:
        return np.ascontiguousarray(np.concatenate([srgb, arr[:, :, 3:]], axis=2))
    return np.ascontiguousarray(srgb)


def _read_raster(path: Path, data: bytes, digest: str, kind: str, max_megapixels: float) -> Photo:
    notes: list[str] = []
    _allow_pillow(max_megapixels)
    try:
        img = Image.open(io.BytesIO(data), formats=[_PIL_FORMAT.get(kind, kind.upper())])
    except Image.DecompressionBombError as exc:
        raise InputError(path, f"image too large ({short(exc)})") from exc
    except UnidentifiedImageError as exc:
        raise InputError(path, f"not a valid {kind.upper()} file (corrupt header)") from exc
    width, height = img.size
    check_size(path, width, height, max_megapixels)
    frames = int(getattr(img, "n_frames", 1) or 1)
    if frames > 1:
        notes.append(f"{frames} frames in the file; only the first was processed")
        img.seek(0)

    # ---- metadata blocks
    icc = img.info.get("icc_profile") or None
    md.check_size("ICC", icc, md.MAX_ICC_BYTES)
    xmp = _xmp_of(img, kind)
    md.check_size("XMP", xmp, md.MAX_XMP_BYTES)
    raw_exif = img.info.get("exif")
    if isinstance(raw_exif, bytes):
        md.check_size("EXIF", raw_exif, md.MAX_EXIF_BYTES + 6)
    try:
        exif = img.getexif()
    except Exception as exc:
        exif = Image.Exif()
        notes.append(f"EXIF unreadable, dropped ({short(exc)[:60]})")
    orientation = md.orientation_of(exif, notes)

    # ---- pixels
    if kind == "tiff":
        bits = img.tag_v2.get(258, 8)
        bits = max(bits) if isinstance(bits, tuple) else int(bits)
        if bits not in (1, 8, 16):
            raise InputError(path, f"unsupported TIFF sample depth ({bits}-bit)")
        bit_depth = 16 if bits == 16 else 8
    elif kind == "png":
        bit_depth = _png_bit_depth(data)
    else:
        bit_depth = 16 if img.mode in _DEEP_GREY else 8  # I: Pillow's 16-bit PGM
    mode = img.mode
    upright = False
    if bit_depth == 16 and kind not in ("png", "tiff"):
        img.load()  # Pillow's 16-bit grey (PGM, SGI, ...), mode I;16 or 32-bit I
        arr = np.clip(np.asarray(img), 0, 65535).astype(np.uint16)
    elif bit_depth == 16:
        if kind == "png" and not _png_complete(data):
            raise InputError(path, "truncated PNG (no IEND chunk)")
        arr, upright = _decode16(path, data, kind)
    else:
        tagged = kind == "tiff" and md.ORIENTATION in img.tag_v2
        if kind == "jpeg" and mode == "RGB":
            # libjpeg-turbo through OpenCV, straight into a numpy array: the same pixels as
            # Pillow's, about twice as fast at 24 MP (Pillow's array export copies twice)
            arr = _decode_jpeg_rgb(path, data, width, height)
            mode = "decoded"
        else:
            arr = None
        try:
            if arr is None:
                img.load()
        except OSError as exc:
            raise InputError(path, f"truncated or corrupt {kind.upper()} data ({short(exc)[:80]})") from exc
        # Pillow (>= 11) turns TIFFs upright while loading and then drops the tag
        upright = tagged and md.ORIENTATION not in img.tag_v2
        if mode == "CMYK":
            img, icc, note = _cmyk_to_rgb(img, icc)
            notes.append(note)
            mode = "RGB"
        elif mode in ("P", "PA"):
            has_t = mode == "PA" or "transparency" in img.info
            img = img.convert("RGBA" if has_t else "RGB")
        elif mode == "1":
            img = img.convert("L")
        elif mode == "RGBX":
            img = img.convert("RGB")
        elif mode not in ("RGB", "RGBA", "L", "LA", "decoded"):
            raise InputError(path, f"unsupported pixel format ({mode})")
        if arr is None:
            arr = np.asarray(img)
    if arr.ndim == 3 and arr.shape[2] > 4:  # e.g. RGB + several extra samples
        arr = arr[:, :, :4]
    if arr.shape[0] * arr.shape[1] != width * height:
        raise InputError(path, f"decoded size {arr.shape[1]}x{arr.shape[0]} does not match header")

    icc, colour_space = _colour_space(icc, notes)
    if kind == "heif" and icc is None and arr.ndim == 3:
        arr = _heif_nclx_to_srgb(arr, img.info.get("nclx_profile") or {}, notes)

    # ---- orientation, alpha, linearisation
    if not upright:
        arr = orient(arr, orientation)
    if arr.ndim == 2:
        arr = arr[:, :, None]
    channels = arr.shape[2]
    colour = arr[:, :, :3] if channels >= 3 else arr[:, :, :1]
    alpha_codes = arr[:, :, channels - 1] if channels in (2, 4) else None
    # 8-bit RGB in an encoding without a gamut matrix: keep the stored codes and decode to
    # float only where it is needed (the critic reads a banded proxy and a few tiles;
    # per-channel edits render as 8-bit tables and are written without a float round trip)
    stored = np.ascontiguousarray(colour) if colour.dtype == np.uint8 and colour.shape[2] == 3 \
        and to_rec709(colour_space) is None else None
    planes = None
    if stored is None:
        planes = decode_planes(np.ascontiguousarray(colour.transpose(2, 0, 1)), colour_space)
        if planes.shape[0] == 1:
            planes = np.repeat(planes, 3, axis=0)
    alpha = None
    if alpha_codes is not None:
        top = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}.get(alpha_codes.dtype, 1.0)
        alpha = _tensor(np.clip(np.ascontiguousarray(alpha_codes, dtype=np.float32) / top, 0, 1)[None])

    h, w = colour.shape[:2]
    meta = Metadata(
        source=path, format=kind, sha256=digest, width=int(w), height=int(h),
        bit_depth=bit_depth, colour_space=colour_space, icc=icc,
        xmp=md.reset_xmp_orientation(xmp) if xmp else None, orientation=orientation,
        has_alpha=alpha is not None, frames=frames, notes=notes,
        jpeg_subsampling=_jpeg_subsampling(img) if kind == "jpeg" else None,
    )
    try:
        meta.exif = md.sanitise_exif(exif, w, h, notes) if len(exif) else None
    except md.MetadataError:
        raise
    except Exception as exc:
        notes.append(f"EXIF could not be carried over ({short(exc)[:60]})")
    exif_block = md.strip_header(raw_exif) if isinstance(raw_exif, bytes) and raw_exif else None
    fill_tags(meta, data, exif_block)
    return Photo(pixels=None if planes is None else _tensor(planes), meta=meta, alpha=alpha, codes=stored)


def _tensor(a: np.ndarray):
    """``a`` as a torch tensor (torch is imported here, not with this module: an 8-bit file decodes
    to codes with no tensor, so the first photos can be read while torch is still being imported)."""
    import torch

    return torch.from_numpy(a)


def _jpeg_subsampling(img: Image.Image) -> int | None:
    """Pillow's code for a JPEG's chroma subsampling (0, 1, 2), or None when unusual."""
    from PIL import JpegImagePlugin

    try:
        code = JpegImagePlugin.get_sampling(img)
    except Exception:  # noqa: BLE001 - an odd header only loses the hint
        return None
    return code if code in (0, 1, 2) else None


def _decode_jpeg_rgb(path: Path, data: bytes, width: int, height: int) -> np.ndarray:
    """A colour JPEG as (H, W, 3) uint8 RGB, as stored (orientation is applied by the caller).

    OpenCV fills a truncated stream with grey instead of failing, so the end-of-image
    marker is checked first: a file cut short is an error, as it is through Pillow.
    """
    if data.rstrip(b"\x00")[-2:] != b"\xff\xd9":
        raise InputError(path, "truncated or corrupt JPEG data (no end-of-image marker)")
    arr = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR_RGB | cv2.IMREAD_IGNORE_ORIENTATION)
    if arr is None or arr.shape[:2] != (height, width):
        raise InputError(path, "truncated or corrupt JPEG data")
    return arr
