"""EXIF, ICC and XMP: read them safely, reset orientation, rebuild EXIF for RAW files.

Everything here works on bytes and plain values; decode.py and encode.py do the file
work. EXIF blocks are kept as TIFF structures *without* the ``Exif\\0\\0`` header (the
:class:`~spc_cli.photo.Metadata` contract); :func:`exif_app1` adds it back for JPEG/WebP.
"""

from __future__ import annotations

import io
import logging
import re
from fractions import Fraction
from typing import Any

from PIL import ExifTags, Image, ImageCms, TiffImagePlugin

# Limits on metadata blocks: real files stay far below them; larger ones are hostile.
MAX_EXIF_BYTES = 4 << 20
MAX_ICC_BYTES = 8 << 20
MAX_XMP_BYTES = 16 << 20
MAX_TAG_TEXT = 512  # printable tag values are cut to this many characters

EXIF_HEADER = b"Exif\x00\x00"
ORIENTATION = 0x0112
EXIF_IFD = int(ExifTags.IFD.Exif)
GPS_IFD = int(ExifTags.IFD.GPSInfo)
INTEROP_IFD = int(ExifTags.IFD.Interop)

# IFD0 tags worth carrying from one file to another. Image-structure tags (sizes,
# strips, compression, DNG calibration) belong to the file they came from.
IFD0_KEEP = frozenset({
    0x010E,  # ImageDescription
    0x010F,  # Make
    0x0110,  # Model
    0x0112,  # Orientation (reset to 1)
    0x011A, 0x011B, 0x0128,  # XResolution, YResolution, ResolutionUnit
    0x0131,  # Software
    0x0132,  # DateTime
    0x013B,  # Artist
    0x013C,  # HostComputer
    0x0213,  # YCbCrPositioning
    0x4746, 0x4749,  # Rating, RatingPercent
    0x8298,  # Copyright
    0x9C9B, 0x9C9C, 0x9C9D, 0x9C9E, 0x9C9F,  # XPTitle .. XPSubject
    0xC614,  # UniqueCameraModel (DNG)
})
# EXIF-IFD tags that TIFF/EP and DNG writers may put in IFD0 instead.
_EXIF_IN_IFD0 = frozenset({
    0x829A, 0x829D, 0x8822, 0x8827, 0x9003, 0x9004, 0x9201, 0x9202, 0x9204, 0x9205,
    0x9207, 0x9208, 0x9209, 0x920A, 0xA431, 0xA432, 0xA433, 0xA434,
})

logging.getLogger("exifread").setLevel(logging.ERROR)


class MetadataError(ValueError):
    """A metadata block is hostile or oversized; decode turns it into an InputError."""


class TagsError(ValueError):
    """exifread could not read a file's tags. The photo still reads; its sidecar says what was lost."""


# --------------------------------------------------------------------------- exifread


def read_tags(data: bytes) -> tuple[dict[str, str], dict[str, Any]]:
    """exifread's view of a file: ``({name: printable}, {name: IfdTag})``.

    Thumbnails and maker notes are skipped. A file without EXIF gives empty dicts; one whose
    EXIF exifread cannot read raises :class:`TagsError` with the reason in one line.
    """
    import exifread

    try:
        raw = exifread.process_file(io.BytesIO(data), details=False, extract_thumbnail=False)
    except Exception as exc:  # exifread raises many kinds on odd files
        why = " ".join(str(exc).split())[:80] or type(exc).__name__
        raise TagsError(f"exifread could not read the EXIF tags ({why})") from exc
    printable: dict[str, str] = {}
    objects: dict[str, Any] = {}
    for key, value in raw.items():
        key = str(key)
        if key.startswith(("Thumbnail", "JPEGThumbnail")) or "MakerNote" in key:
            continue
        text = " ".join(str(value).split())
        printable[key] = text[:MAX_TAG_TEXT]
        objects[key] = value
    return printable, objects


def _number(text: str | None) -> float | None:
    """'1/125' -> 0.008, '28/10' -> 2.8, '[200]' -> 200.0; None when unparsable."""
    if not text:
        return None
    text = text.strip().strip("[]").split(",")[0].strip()
    try:
        value = float(Fraction(text))
    except (ValueError, ZeroDivisionError):
        return None
    return value if value == value and value not in (float("inf"), float("-inf")) else None


def _first(tags: dict[str, str], *names: str) -> str | None:
    for name in names:
        for prefix in ("EXIF ", "Image "):
            if (prefix + name) in tags:
                return tags[prefix + name]
    return None


def camera_facts(tags: dict[str, str]) -> dict[str, Any]:
    """Camera name, ISO, exposure time (s), f-number and exposure compensation (EV, either sign)
    from exifread's printable tags."""
    make = (tags.get("Image Make") or "").strip()
    model = (tags.get("Image Model") or tags.get("Image UniqueCameraModel") or "").strip()
    if make and model and model.lower().startswith(make.split()[0].lower()):
        camera = model
    else:
        camera = " ".join(p for p in (make, model) if p) or None
    iso = _number(_first(tags, "ISOSpeedRatings", "PhotographicSensitivity", "ISOSpeed"))
    exposure = _number(_first(tags, "ExposureTime"))
    f_number = _number(_first(tags, "FNumber"))
    bias = _number(_first(tags, "ExposureBiasValue"))
    return {
        "camera": camera,
        "iso": iso if iso and iso > 0 else None,
        "exposure_time": exposure if exposure and exposure > 0 else None,
        "f_number": f_number if f_number and f_number > 0 else None,
        "exposure_bias": bias,
    }


# --------------------------------------------------------------------------- EXIF blocks


def strip_header(exif: bytes) -> bytes:
    return exif[len(EXIF_HEADER):] if exif.startswith(EXIF_HEADER) else exif


def exif_app1(exif: bytes) -> bytes:
    """The EXIF block with its ``Exif\\0\\0`` header, as JPEG APP1 and WebP want it."""
    return exif if exif.startswith(EXIF_HEADER) else EXIF_HEADER + exif


def check_size(kind: str, block: bytes | None, limit: int) -> None:
    if block is not None and len(block) > limit:
        raise MetadataError(f"{kind} block too large ({len(block)} bytes, limit {limit})")


def orientation_of(exif: Image.Exif, notes: list[str] | None = None) -> int:
    """The EXIF orientation 1-8; a value outside that is taken as 1 (as stored), and ``notes``
    says so."""
    value = exif.get(ORIENTATION, 1)
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if 1 <= number <= 8:
        return number
    if notes is not None:
        notes.append(f"EXIF orientation {repr(value)[:20]} is not 1-8: the photo is taken as stored")
    return 1


def sanitise_exif(exif: Image.Exif, width: int | None = None, height: int | None = None,
                  notes: list[str] | None = None) -> bytes | None:
    """A fresh EXIF block from ``exif``: descriptive IFD0 tags, Exif and GPS IFDs.

    Orientation becomes 1 (pixels are upright), pixel dimensions are updated, thumbnails
    and image-structure tags are dropped. None when nothing worth keeping remains. What
    could not be carried (an unreadable interoperability block) is said in ``notes``.
    """
    out = Image.Exif()
    for tag, value in exif.items():
        if tag in IFD0_KEEP:
            out[tag] = value
    if ORIENTATION in exif:
        out[ORIENTATION] = 1
    sub = dict(exif.get_ifd(EXIF_IFD))
    for tag, value in exif.items():
        if tag in _EXIF_IN_IFD0 and tag not in sub:
            sub[tag] = value
    if INTEROP_IFD in sub:
        interop = interop_ifd(exif, notes)
        if interop:
            sub[INTEROP_IFD] = interop
        else:
            del sub[INTEROP_IFD]
    if sub and width and height:
        if 0xA002 in sub:
            sub[0xA002] = int(width)
        if 0xA003 in sub:
            sub[0xA003] = int(height)
    if sub:
        out[EXIF_IFD] = sub
    gps = dict(exif.get_ifd(GPS_IFD))
    if gps:
        out[GPS_IFD] = gps
    if not len(out):
        return None
    block = strip_header(out.tobytes())
    check_size("EXIF", block, MAX_EXIF_BYTES)
    return block


def interop_ifd(exif: Image.Exif, notes: list[str] | None = None) -> dict:
    """The EXIF interoperability block, or {} (and a note) when Pillow cannot read it."""
    try:
        return dict(exif.get_ifd(INTEROP_IFD))
    except Exception as exc:  # noqa: BLE001 - a malformed sub-IFD: only that block is lost
        if notes is not None:
            notes.append(f"EXIF interoperability block unreadable, not carried over "
                         f"({' '.join(str(exc).split())[:60] or type(exc).__name__})")
        return {}


def load_exif(block: bytes) -> Image.Exif:
    """Parse an EXIF block (with or without header) with Pillow."""
    exif = Image.Exif()
    exif.load(exif_app1(block))
    return exif


def normalise_exif(block: bytes | None, notes: list[str] | None = None) -> bytes | None:
    """Make sure a block headed for an output says orientation 1 and has no header.

    A block Pillow cannot read is not written (its orientation could not be reset, and a
    viewer would turn the upright pixels again); ``notes`` says so.
    """
    if not block:
        return None
    try:
        exif = load_exif(block)
        if ORIENTATION in exif and exif.get(ORIENTATION) != 1:
            exif[ORIENTATION] = 1
            return strip_header(exif.tobytes())
    except Exception as exc:  # noqa: BLE001 - said in notes; the photo is still written
        if notes is not None:
            why = " ".join(str(exc).split())[:60] or type(exc).__name__
            notes.append(f"EXIF block unreadable, not written ({why})")
        return None
    return strip_header(block)


def _ifd_value(tag: Any) -> Any:
    """An exifread IfdTag's values as the Python value Pillow writes with the right type."""
    values = tag.values
    ftype = int(tag.field_type)
    if ftype == 2:  # ASCII
        return str(values).rstrip("\x00")
    if ftype in (1, 7):  # BYTE, UNDEFINED
        if isinstance(values, (bytes, bytearray)):
            return bytes(values)
        return bytes(int(v) & 0xFF for v in values)
    if ftype in (5, 10):  # RATIONAL, SRATIONAL
        items = [TiffImagePlugin.IFDRational(int(v.numerator), int(v.denominator) or 1) for v in values]
    elif ftype in (3, 4, 8, 9, 16, 17):  # (S)SHORT, (S)LONG, (S)LONG8
        items = [int(v) for v in values]
    elif ftype in (11, 12):  # FLOAT, DOUBLE
        items = [float(v) for v in values]
    else:
        raise ValueError(f"unsupported field type {ftype}")
    return items[0] if len(items) == 1 else tuple(items)


def exif_from_tags(objects: dict[str, Any], notes: list[str] | None = None) -> bytes | None:
    """Rebuild an EXIF block (IFD0 + Exif IFD + GPS IFD) from exifread's tag objects.

    Used for RAW inputs, whose EXIF lives in a camera-specific container. Tags that cannot be
    rebuilt are left out and named in ``notes``.
    """
    dropped: list[str] = []
    ifd0: dict[int, Any] = {}
    sub: dict[int, Any] = {}
    gps: dict[int, Any] = {}
    for key, tag in objects.items():
        group = key.split(" ", 1)[0]
        number = getattr(tag, "tag", None)
        if not isinstance(number, int):
            continue
        if group == "GPS":
            dest = gps
        elif group == "EXIF" and number not in (INTEROP_IFD, 0x927C):
            dest = sub
        elif group == "Image" and number in IFD0_KEEP:
            dest = ifd0
        elif group == "Image" and number in _EXIF_IN_IFD0:
            dest = sub  # the Exif IFD's own value wins where both are present
        else:
            continue  # image structure, thumbnails, maker notes: not carried from file to file
        try:
            value = _ifd_value(tag)
        except Exception:  # noqa: BLE001 - named in notes below
            dropped.append(key)
            continue
        if group == "Image" and dest is sub:
            sub.setdefault(number, value)
        else:
            dest[number] = value
    if dropped and notes is not None:
        notes.append(f"{len(dropped)} EXIF tag(s) could not be carried over: {', '.join(dropped[:5])}"
                     + (", ..." if len(dropped) > 5 else ""))
    exif = Image.Exif()
    for number, value in ifd0.items():
        exif[number] = value
    if ORIENTATION in exif:
        exif[ORIENTATION] = 1
    if sub:
        exif[EXIF_IFD] = sub
    if gps:
        exif[GPS_IFD] = gps
    if not len(exif):
        return None
    try:
        return strip_header(exif.tobytes())
    except Exception as exc:  # noqa: BLE001 - a value Pillow cannot type: keep the core tags only
        if notes is not None:
            notes.append(f"EXIF rebuilt with camera, model and date only ({' '.join(str(exc).split())[:60]})")
        core = Image.Exif()
        for number in (0x010F, 0x0110, 0x0132):
            if number in ifd0 and isinstance(ifd0[number], str):
                core[number] = ifd0[number]
        return strip_header(core.tobytes()) if len(core) else None


# --------------------------------------------------------------------------- XMP

_XMP_ORIENTATION = [
    re.compile(rb'((?:tiff|exif):Orientation\s*=\s*["\'])\s*[0-9]+\s*(["\'])'),
    re.compile(rb"(<(?:tiff|exif):Orientation>)\s*[0-9]+\s*(</(?:tiff|exif):Orientation>)"),
]


def reset_xmp_orientation(xmp: bytes) -> bytes:
    """Set any tiff:Orientation / exif:Orientation in an XMP packet to 1."""
    for pattern in _XMP_ORIENTATION:
        xmp = pattern.sub(rb"\g<1>1\g<2>", xmp)
    return xmp


# --------------------------------------------------------------------------- ICC

def icc_info(icc: bytes) -> tuple[str, str, str]:
    """``(colour model, description, colour space)`` of an ICC profile.

    The colour model is the profile's data space ("RGB", "GRAY", "CMYK", ...); the colour
    space is "adobe_rgb", "display_p3" or "srgb" (anything not recognised is treated as
    sRGB). Raises MetadataError for a profile that cannot be parsed.
    """
    check_size("ICC", icc, MAX_ICC_BYTES)
    try:
        profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        description = (ImageCms.getProfileDescription(profile) or "").strip()
        model = (profile.profile.xcolor_space or "").strip().upper()
    except Exception as exc:
        raise MetadataError(f"unreadable ICC profile ({' '.join(str(exc).split())[:80]})") from exc
    low = description.lower()
    if "adobe rgb" in low or "adobergb" in low:
        space = "adobe_rgb"
    elif "p3" in low and ("display" in low or "dci" not in low):
        space = "display_p3"
    else:
        space = "srgb"
    return model, description, space
