"""Issue 6, "Acceptance": property-based fuzzing of the decode and metadata layers with mutated real
files. Nothing but our own error type escapes; a successful decode gives finite pixels of the
declared shape; the file read is never modified.

Default: 150 examples per property. ``SPC_SLOW=1`` (or ``--runslow``): 3,000 per property.
tests/io/test_io_errors.py holds a small JPEG/PNG byte-flip fuzz; this one covers every
format, RAW, structural mutations and random metadata payloads.
"""

from __future__ import annotations

import io
import os
import re
import struct
import tempfile
import zlib
from pathlib import Path

import numpy as np
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms

from spc_cli.errors import InputError, SpcError
from spc_cli.io import metadata as md
from spc_cli.io.decode import read_photo

from .helpers import EXAMPLES, scene

SLOW = os.environ.get("SPC_SLOW", "").strip() not in ("", "0")
EXAMPLES_PER_PROPERTY = 3000 if SLOW else 150
FUZZ = settings(max_examples=EXAMPLES_PER_PROPERTY, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
LIMIT_MP = 1.0  # mutated headers may declare huge sizes; keep each decode's memory small

_DIR = Path(tempfile.mkdtemp(prefix="spc-fuzz-"))


# ---------------------------------------------------------------- the corpus: real files

def _exif() -> Image.Exif:
    e = Image.Exif()
    e[0x010F], e[0x0110], e[0x0112], e[0x0132] = "Canon", "Canon EOS R6", 6, "2025:06:01 10:20:30"
    e[0x8769] = {0x829A: 0.004, 0x8827: 800, 0x9003: "2025:06:01 10:20:30"}
    return e


def _corpus() -> dict[str, bytes]:
    import cv2
    import tifffile

    rgb = scene(24, 32, seed=9)
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF><rdf:Description tiff:Orientation="6"/></rdf:RDF></x:xmpmeta>'

    def pil(fmt, img=None, **kw):
        buf = io.BytesIO()
        (img or Image.fromarray(rgb)).save(buf, fmt, **kw)
        return buf.getvalue()

    def tif(arr, **kw):
        buf = io.BytesIO()
        tifffile.imwrite(buf, arr, **kw)
        return buf.getvalue()

    alpha16 = np.dstack([rgb.astype(np.uint16) * 257, np.full(rgb.shape[:2], 40000, np.uint16)])
    frames = [Image.fromarray(rgb), Image.fromarray(255 - rgb)]
    buf = io.BytesIO()
    frames[0].save(buf, "TIFF", save_all=True, append_images=frames[1:])
    small_example = Image.open(EXAMPLES / "chelsea.jpg")
    small_example.thumbnail((64, 64))
    return {
        "example.jpg": (EXAMPLES / "chelsea_underexposed.jpg").read_bytes(),
        "example_small.jpg": pil("JPEG", small_example, quality=85, exif=_exif(), icc_profile=icc, xmp=xmp),
        "cmyk.jpg": pil("JPEG", Image.fromarray(rgb).convert("CMYK")),
        "progressive.jpg": pil("JPEG", progressive=True, quality=80),
        "meta.png": pil("PNG", exif=_exif(), icc_profile=icc, pnginfo=None),
        "deep_alpha.png": cv2.imencode(".png", alpha16)[1].tobytes(),
        "palette.png": pil("PNG", Image.fromarray(rgb).quantize(8), transparency=0),
        "grey.png": pil("PNG", Image.fromarray(rgb[:, :, 0])),
        "tiff8.tif": pil("TIFF", exif=_exif().tobytes()),
        "tiff16.tif": tif(rgb.astype(np.uint16) * 257, photometric="rgb"),
        "frames.tif": buf.getvalue(),
        "webp.webp": pil("WEBP", lossless=True, exif=_exif(), icc_profile=icc),
        "raw.dng": (EXAMPLES / "synthetic.dng").read_bytes(),
    }


CORPUS = _corpus()
RASTER = sorted(k for k in CORPUS if not k.endswith(".dng"))


# ---------------------------------------------------------------- mutations

@st.composite
def mutated(draw, names=tuple(RASTER)):
    name = draw(st.sampled_from(names))
    data = bytearray(CORPUS[name])
    for _ in range(draw(st.integers(1, 4))):
        n = len(data)
        if n < 2:
            break
        head = st.integers(0, min(n - 1, 600))  # headers and metadata live near the start
        pos = draw(st.one_of(head, st.integers(0, n - 1)))
        op = draw(st.sampled_from(["flip", "flip", "int32", "truncate", "insert", "delete", "dup", "zero"]))
        if op == "flip":
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "int32":
            value = draw(st.sampled_from([0, 1, 0xFFFF, 0x7FFFFFFF, 0xFFFFFFFF, 1 << 16, 100_000]))
            data[pos: pos + 4] = struct.pack(draw(st.sampled_from([">I", "<I"])), value)
        elif op == "truncate":
            del data[max(1, pos):]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=64))
        elif op == "delete":
            del data[pos: pos + draw(st.integers(1, 64))]
        elif op == "dup":
            end = min(n, pos + draw(st.integers(1, 256)))
            data[pos:pos] = data[pos:end]
        else:
            data[pos: pos + draw(st.integers(1, 256))] = bytes(min(n - pos, 256))[: len(data[pos: pos + 256])]
    return name, bytes(data)


def _check_decode(name: str, data: bytes) -> None:
    path = _DIR / f"fuzz_{name}"
    path.write_bytes(data)
    mtime = path.stat().st_mtime_ns
    try:
        photo = read_photo(path, max_megapixels=LIMIT_MP)
    except InputError as err:
        text = str(err)
        assert str(path) in text and "\n" not in text and len(text) < 600, text
    else:
        px = photo.pixels
        h, w = photo.meta.height, photo.meta.width
        assert px.dtype == torch.float32 and tuple(px.shape) == (3, h, w) and h > 0 and w > 0
        assert h * w <= LIMIT_MP * 1e6 * 1.5
        assert bool(torch.isfinite(px).all())
        if photo.alpha is not None:
            assert tuple(photo.alpha.shape) == (1, h, w) and bool(torch.isfinite(photo.alpha).all())
            assert float(photo.alpha.min()) >= 0 and float(photo.alpha.max()) <= 1
        assert 1 <= photo.meta.orientation <= 8 and photo.meta.frames >= 1
        assert all(isinstance(n, str) and "\n" not in n for n in photo.meta.notes)
        if photo.meta.exif is not None:
            assert isinstance(photo.meta.exif, bytes) and len(photo.meta.exif) <= md.MAX_EXIF_BYTES
    assert path.read_bytes() == data and path.stat().st_mtime_ns == mtime, "read_photo modified its input"


def test_every_corpus_file_decodes_unmutated():
    for name in CORPUS:
        path = _DIR / f"clean_{name}"
        path.write_bytes(CORPUS[name])
        photo = read_photo(path)
        assert bool(torch.isfinite(photo.pixels).all()), name


@FUZZ
@given(mutated())
def test_mutated_files_decode_or_raise_input_error(case):
    _check_decode(*case)


@settings(FUZZ, max_examples=max(30, EXAMPLES_PER_PROPERTY // 5))
@given(mutated(names=("raw.dng",)))
def test_mutated_raw_decodes_or_raises_input_error(case):
    _check_decode(*case)


# ---------------------------------------------------------------- random metadata payloads

def _tiff_header_ifd(draw) -> bytes:
    """A TIFF structure with random IFD entries (tags, types, counts, offsets)."""
    order = draw(st.sampled_from([b"II", b"MM"]))
    e = "<" if order == b"II" else ">"
    tags = [0x010F, 0x0110, 0x0112, 0x0132, 0x8769, 0x8825, 0xA005, 0x927C, 0x829A, 0x8827, 0x9003, 0x0201]
    entries = draw(st.lists(st.tuples(st.one_of(st.sampled_from(tags), st.integers(0, 0xFFFF)),
                                      st.integers(0, 20), st.integers(0, 0xFFFFFFFF), st.binary(min_size=4, max_size=4)),
                            max_size=12))
    body = struct.pack(e + "H", len(entries))
    for tag, typ, count, value in entries:
        body += struct.pack(e + "HHI", tag, typ, count) + value
    body += struct.pack(e + "I", draw(st.sampled_from([0, 8, 0xFFFFFFFF])))
    return order + struct.pack(e + "H", 42) + struct.pack(e + "I", 8) + body + draw(st.binary(max_size=200))


@st.composite
def payload_files(draw):
    exif = _tiff_header_ifd(draw) if draw(st.booleans()) else draw(st.binary(max_size=300))
    icc = draw(st.one_of(
        st.none(), st.binary(min_size=1, max_size=400),
        st.builds(lambda size, rest: struct.pack(">I", size) + b"lcms\x02\x10\x00\x00mntrRGB XYZ " + rest,
                  st.sampled_from([0, 128, 400, 0xFFFFFFFF]), st.binary(max_size=300))))
    xmp = draw(st.one_of(st.none(), st.binary(min_size=1, max_size=300),
                         st.builds(lambda pad, v: b'<x tiff:Orientation="' + b" " * pad + v + b'"/>',
                                   st.integers(0, 5000), st.binary(max_size=12))))
    fmt = draw(st.sampled_from(["JPEG", "PNG", "WEBP", "TIFF"]))
    img = Image.fromarray(scene(16, 24, seed=1))
    buf = io.BytesIO()
    kw = {}
    if fmt == "PNG":  # Pillow's PNG writer checks ICC; put raw chunks in ourselves
        img.save(buf, "PNG")
        png = buf.getvalue()
        chunks = b""
        for kind, body in ((b"eXIf", exif), (b"iCCP", b"p\x00\x00" + zlib.compress(icc) if icc else None),
                           (b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + xmp if xmp else None)):
            if body is not None:
                chunks += struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        return "payload.png", png[:33] + chunks + png[33:]
    if fmt == "TIFF":
        kw["exif"] = exif
    else:
        kw["exif"] = b"Exif\x00\x00" + exif
    if icc:
        kw["icc_profile"] = icc
    if xmp and fmt != "TIFF":
        kw["xmp"] = xmp
    try:
        img.save(buf, fmt, **kw)
    except Exception:  # Pillow refused to write this combination; fall back to EXIF only
        buf = io.BytesIO()
        img.save(buf, fmt)
    return f"payload.{fmt.lower()}", buf.getvalue()


@FUZZ
@given(payload_files())
def test_random_exif_icc_xmp_payloads_decode_or_raise_input_error(case):
    _check_decode(*case)


# ---------------------------------------------------------------- the metadata functions themselves

def _check_rebuilt(block, notes) -> None:
    """A rebuilt EXIF block Pillow reads back: orientation 1 (or none), only the tags spc carries
    from file to file, and every loss a one-line note."""
    assert all(isinstance(n, str) and "\n" not in n for n in notes)
    if block is None:
        return
    assert isinstance(block, bytes) and not block.startswith(md.EXIF_HEADER)
    exif = md.load_exif(block)
    assert exif.get(md.ORIENTATION, 1) == 1
    assert set(exif) <= md.IFD0_KEEP | {md.EXIF_IFD, md.GPS_IFD}


@FUZZ
@given(st.one_of(st.builds(lambda c: c[1], mutated()), st.binary(max_size=2000)))
def test_read_tags_gives_bounded_tags_or_says_why_and_rebuilt_exif_is_clean(data):
    try:
        printable, objects = md.read_tags(data)
    except md.TagsError as err:  # exifread failed: one line for the sidecar, never an empty success
        text = str(err)
        assert text.startswith("exifread could not read the EXIF tags (") and "\n" not in text and len(text) < 200
        return
    assert set(printable) == set(objects)
    assert all(isinstance(v, str) and len(v) <= md.MAX_TAG_TEXT and "\n" not in v for v in printable.values())
    assert not [k for k in printable if k.startswith(("Thumbnail", "JPEGThumbnail")) or "MakerNote" in k]
    facts = md.camera_facts(printable)
    for key in ("iso", "exposure_time", "f_number"):
        assert facts[key] is None or (np.isfinite(facts[key]) and facts[key] > 0)
    notes: list[str] = []
    _check_rebuilt(md.exif_from_tags(objects, notes), notes)


def test_read_tags_of_the_corpus_finds_the_camera():
    printable, _ = md.read_tags(CORPUS["example_small.jpg"])
    facts = md.camera_facts(printable)
    assert facts["camera"] == "Canon EOS R6" and facts["iso"] == 800.0 and facts["f_number"] is None


@FUZZ
@given(st.binary(max_size=600))
def test_icc_info_raises_only_metadata_error(icc):
    try:
        model, description, space = md.icc_info(icc)
    except md.MetadataError:
        return
    assert isinstance(model, str) and isinstance(description, str)
    assert space in ("srgb", "adobe_rgb", "display_p3")


_ORIENTATION_VALUE = re.compile(rb"(?:tiff|exif):Orientation\s*(?:=\s*[\"']|>)\s*([0-9]+)")


@FUZZ
@given(st.binary(max_size=600), st.integers(1, 8), st.sampled_from([b"tiff", b"exif"]), st.booleans())
def test_xmp_orientation_is_always_reset_to_one_and_nothing_else_changes(blob, value, ns, attribute):
    packet = (blob + (b"<x %s:Orientation=\"%d\"/>" % (ns, value) if attribute
                      else b"<%s:Orientation> %d </%s:Orientation>" % (ns, value, ns)))
    out = md.reset_xmp_orientation(packet)
    assert [int(v) for v in _ORIENTATION_VALUE.findall(out)] == [1] * len(_ORIENTATION_VALUE.findall(packet))
    assert _ORIENTATION_VALUE.findall(out)  # the one written above is there, as 1
    assert md.reset_xmp_orientation(out) == out  # idempotent
    if b"Orientation" not in blob:
        assert out.startswith(blob)  # only the orientation was touched


@st.composite
def exif_blocks(draw):
    exif = Image.Exif()
    if draw(st.booleans()):
        exif[md.ORIENTATION] = draw(st.integers(1, 8))
    exif[0x010F] = draw(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20))
    if draw(st.booleans()):
        exif[0x8769] = {0x8827: draw(st.integers(1, 102400))}
    block = exif.tobytes()
    return block if draw(st.booleans()) else block[6:]


@FUZZ
@given(st.one_of(exif_blocks(), st.binary(max_size=600)))
def test_normalise_exif_gives_an_upright_block_or_none_and_says_why(blob):
    notes: list[str] = []
    out = md.normalise_exif(blob, notes)
    if out is None:
        assert not blob or (len(notes) == 1 and notes[0].startswith("EXIF block unreadable, not written"))
        return
    assert notes == [] and not out.startswith(md.EXIF_HEADER)
    exif = md.load_exif(out)
    assert exif.get(md.ORIENTATION, 1) == 1
    before = md.load_exif(blob)
    assert {k: v for k, v in exif.items() if k != md.ORIENTATION} == \
        {k: v for k, v in before.items() if k != md.ORIENTATION}


@FUZZ
@given(st.dictionaries(st.sampled_from(["Image Make", "Image Model", "EXIF ISOSpeedRatings", "EXIF ExposureTime",
                                        "EXIF FNumber", "Image UniqueCameraModel"]), st.text(max_size=40)))
def test_camera_facts_are_positive_numbers_or_none(tags):
    facts = md.camera_facts(tags)
    assert set(facts) == {"camera", "iso", "exposure_time", "f_number", "exposure_bias"}
    for key in ("iso", "exposure_time", "f_number"):
        assert facts[key] is None or (np.isfinite(facts[key]) and facts[key] > 0)
    for key, name in (("iso", "EXIF ISOSpeedRatings"), ("exposure_time", "EXIF ExposureTime")):
        if facts[key] is not None:  # a number only where the tag holds one
            assert any(ch.isdigit() for ch in tags[name])
    model = (tags.get("Image Model") or tags.get("Image UniqueCameraModel") or "").strip()
    parts = [p for p in (tags.get("Image Make", "").strip(), model) if p]
    assert facts["camera"] is None or facts["camera"] in " ".join(tags.values()) or facts["camera"] == " ".join(parts)


def test_errors_are_ours():
    assert issubclass(InputError, SpcError)
