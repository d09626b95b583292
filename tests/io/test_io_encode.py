"""output_spec and write_photo: formats, precision, colour spaces, metadata round trips."""

from __future__ import annotations

import errno

import cv2
import exifread
import numpy as np
import pytest
import torch
from PIL import Image

from spc_cli.errors import OutputError, UsageError
from spc_cli.io import encode as enc
from spc_cli.io.decode import read_photo
from spc_cli.io.encode import output_spec, write_photo
from spc_cli.io.spaces import encode_planes_u8, encode_planes_u16, encode_transfer


@pytest.mark.parametrize("source, requested, depth, expected", [
    ("jpeg", None, None, ("jpeg", ".jpg", 8)),
    ("png", None, None, ("png", ".png", 8)),
    ("png", None, 16, ("png", ".png", 16)),
    ("tiff", None, 16, ("tiff", ".tif", 16)),
    ("webp", None, None, ("webp", ".webp", 8)),
    ("raw", None, None, ("tiff", ".tif", 16)),
    ("raw", "jpeg", None, ("jpeg", ".jpg", 8)),
    ("raw", "png", 16, ("png", ".png", 16)),
    ("png", "jpeg", 16, ("jpeg", ".jpg", 8)),
    ("jpeg", "tiff", 8, ("tiff", ".tif", 8)),
    ("jpeg", "jpg", None, ("jpeg", ".jpg", 8)),
    ("tiff", "webp", 16, ("webp", ".webp", 8)),
])
def test_output_spec(source, requested, depth, expected):
    assert output_spec(source, requested, depth) == expected


def test_output_spec_rejects_unknown_format():
    with pytest.raises(UsageError, match="gif"):
        output_spec("jpeg", "gif")


def _exif_view(path):
    with open(path, "rb") as fh:
        tags = exifread.process_file(fh, details=False)
    return {k: str(v) for k, v in tags.items()}


ROUND_TRIPS = [("jpeg", 8, ".jpg"), ("png", 8, ".png"), ("png", 16, ".png"), ("webp", 8, ".webp"),
               ("tiff", 8, ".tif"), ("tiff", 16, ".tif")]


def _src_with_metadata(tmp_path, exif_factory, orientation=6):
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6" '
           b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>spc test</dc:creator>'
           b"</rdf:Description></rdf:RDF></x:xmpmeta>")
    src = tmp_path / "src.jpg"
    rgb = np.random.default_rng(2).integers(0, 256, (24, 40, 3), dtype=np.uint8)
    Image.fromarray(rgb).save(src, quality=95, exif=exif_factory(orientation), icc_profile=icc, xmp=xmp)
    return src, icc


@pytest.mark.parametrize("fmt, depth, ext", ROUND_TRIPS)
def test_metadata_round_trip(tmp_path, exif_factory, fmt, depth, ext):
    src, icc = _src_with_metadata(tmp_path, exif_factory)
    photo = read_photo(src)
    out = tmp_path / f"out{ext}"
    write_photo(photo, out, fmt, depth)
    tags = _exif_view(out)
    assert tags["Image Make"] == "Canon"
    assert tags["Image Model"] == "Canon EOS R6"
    assert tags["EXIF DateTimeOriginal"] == "2025:06:01 10:20:30"
    assert tags["EXIF ExposureTime"] == "1/250"
    assert tags["EXIF ISOSpeedRatings"] == "800"
    assert tags["EXIF FNumber"] == "28/5"
    assert tags["EXIF LensModel"] == "RF24-105mm F4 L IS USM"
    assert tags["GPS GPSLatitude"] == "[48, 51, 24]" and tags["GPS GPSLatitudeRef"] == "N"
    assert tags["Image Orientation"] == "Horizontal (normal)"
    back = read_photo(out)
    assert back.meta.icc == icc
    assert back.meta.orientation == 1
    assert (back.width, back.height) == (photo.width, photo.height) == (24, 40)
    assert back.meta.bit_depth == depth
    assert back.meta.xmp is not None and b"spc test" in back.meta.xmp
    assert b'tiff:Orientation="1"' in back.meta.xmp
    assert back.meta.camera == "Canon EOS R6" and back.meta.iso == 800
    # and the output's EXIF can travel on again (TIFF/PNG/WebP as inputs)
    carried = Image.Exif()
    carried.load(b"Exif\x00\x00" + back.meta.exif)
    assert carried[0x0110] == "Canon EOS R6" and carried[0x0112] == 1
    assert carried.get_ifd(0x8769)[0x9003] == "2025:06:01 10:20:30"
    assert carried.get_ifd(0x8825)[1] == "N"


def test_raw_to_tiff16_carries_exif(tmp_path, photo_files):
    photo = read_photo(photo_files["raw"])
    fmt, ext, depth = output_spec("raw", None)
    out = tmp_path / f"raw{ext}"
    write_photo(photo, out, fmt, depth)
    tags = _exif_view(out)
    assert tags["Image Make"] == "spc" and tags["Image Model"] == "Synthetic Bayer"
    assert tags["EXIF ExposureTime"] == "1/60" and tags["EXIF ISOSpeedRatings"] == "200"
    assert tags["EXIF DateTimeOriginal"] == "2026:01:01 12:00:00"
    back = read_photo(out)
    assert back.meta.bit_depth == 16 and back.meta.format == "tiff"
    assert torch.allclose(back.pixels, photo.pixels.clamp(0, 1), atol=2e-4)


@pytest.mark.parametrize("fmt, ext", [("png", ".png"), ("tiff", ".tif")])
def test_lossless_8bit_round_trip_is_exact(tmp_path, fmt, ext):
    codes = np.arange(256, dtype=np.uint8)
    rgb = np.stack(list(np.meshgrid(codes, codes[::-1])) + [np.add.outer(codes, codes).astype(np.uint8)], -1)
    src = tmp_path / f"src{ext}"
    Image.fromarray(rgb).save(src)
    photo = read_photo(src)
    # the stored codes as they are, and the float path: both give the input back
    for i, p in enumerate((photo, photo.with_pixels(photo.pixels))):
        out = tmp_path / f"out{i}{ext}"
        write_photo(p, out, fmt, 8)
        with Image.open(out) as img:
            back = np.asarray(img.convert("RGB"))
        assert np.array_equal(back, rgb)


def test_8_bit_codes_with_alpha_and_at_16_bits(tmp_path):
    rgba = np.random.default_rng(7).integers(0, 256, (9, 11, 4), dtype=np.uint8)
    src = tmp_path / "src.png"
    Image.fromarray(rgba).save(src)
    photo = read_photo(src)
    assert photo.codes is not None and photo.alpha is not None
    write_photo(photo, tmp_path / "a.png", "png", 8)
    with Image.open(tmp_path / "a.png") as img:
        assert np.array_equal(np.asarray(img), rgba)
    write_photo(photo, tmp_path / "b.png", "png", 16)  # deeper than the codes: the float path
    back = cv2.imread(str(tmp_path / "b.png"), cv2.IMREAD_UNCHANGED)
    assert back.dtype == np.uint16
    assert np.array_equal(np.round(back[:, :, [2, 1, 0]] / 257.0).astype(np.uint8), rgba[:, :, :3])


@pytest.mark.parametrize("fmt, ext", [("png", ".png"), ("tiff", ".tif")])
def test_16bit_round_trip_within_one_code(tmp_path, fmt, ext):
    rgb16 = np.random.default_rng(4).integers(0, 65536, (30, 20, 3), dtype=np.uint16)
    rgb16[0, :3] = [[0, 0, 0], [65535, 65535, 65535], [1, 2, 3]]
    src = tmp_path / f"src{ext}"
    cv2.imwrite(str(src), rgb16[:, :, ::-1])
    photo = read_photo(src)
    out = tmp_path / f"out{ext}"
    write_photo(photo, out, fmt, 16)
    back = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)[:, :, ::-1]
    assert back.dtype == np.uint16
    assert np.abs(back.astype(int) - rgb16).max() <= 1


def test_jpeg_round_trip_is_close(tmp_path):
    rgb = cv2.GaussianBlur(np.random.default_rng(5).integers(0, 256, (64, 96, 3), dtype=np.uint8), (9, 9), 3)
    src = tmp_path / "src.jpg"
    Image.fromarray(rgb).save(src, quality=95)
    with Image.open(src) as img:
        decoded = np.asarray(img).astype(int)
    out = tmp_path / "out.jpg"
    write_photo(read_photo(src), out, "jpeg", 8, quality=95)
    with Image.open(out) as img:
        again = np.asarray(img).astype(int)
    assert np.abs(again - decoded).mean() < 1.0


def test_alpha_round_trip(tmp_path, photo_files):
    photo = read_photo(photo_files["png16_alpha"])
    for fmt, ext, depth in (("png", ".png", 16), ("tiff", ".tif", 16), ("png", ".png", 8), ("webp", ".webp", 8)):
        out = tmp_path / f"alpha{depth}{ext}"
        write_photo(photo, out, fmt, depth)
        back = read_photo(out)
        assert back.alpha is not None, fmt
        tol = 1 / 65535 + 1e-6 if depth == 16 else 0.5 / 255 + 1e-6
        assert float((back.alpha - photo.alpha).abs().max()) <= tol, fmt
    out = tmp_path / "alpha.jpg"
    write_photo(photo, out, "jpeg", 8)
    assert read_photo(out).alpha is None


def test_adobe_rgb_round_trip_keeps_wide_gamut(tmp_path, adobe_icc):
    rgb = np.zeros((4, 6, 3), np.uint8)
    rgb[:, :2] = (0, 255, 0)
    rgb[:, 2:4] = (200, 30, 90)
    rgb[:, 4:] = (128, 128, 128)
    src = tmp_path / "adobe.png"
    Image.fromarray(rgb).save(src, icc_profile=adobe_icc)
    photo = read_photo(src)
    out = tmp_path / "adobe_out.png"
    write_photo(photo, out, "png", 8)
    with Image.open(out) as img:
        assert img.info["icc_profile"] == adobe_icc
        assert np.array_equal(np.asarray(img.convert("RGB")), rgb)


def test_display_p3_round_trip(tmp_path, p3_icc):
    rgb = np.array([[[255, 0, 0], [10, 200, 30], [128, 128, 128]]], np.uint8)
    src = tmp_path / "p3.png"
    Image.fromarray(rgb).save(src, icc_profile=p3_icc)
    out = tmp_path / "p3_out.png"
    write_photo(read_photo(src), out, "png", 8)
    with Image.open(out) as img:
        assert np.abs(np.asarray(img.convert("RGB")).astype(int) - rgb).max() <= 1


def test_u8_quantiser_rounds_like_the_exact_curve():
    x = np.linspace(-0.1, 1.1, 600_003, dtype=np.float32).reshape(3, 1, -1)
    fast = encode_planes_u8(x, "srgb").astype(int)
    exact = np.rint(encode_transfer(x.astype(np.float64), "srgb") * 255).astype(int)
    diff = np.abs(fast - exact)
    assert diff.max() <= 1 and (diff > 0).mean() < 1e-3
    assert fast.min() == 0 and fast.max() == 255
    # every code's own linear value quantises back to that code
    codes = np.arange(256, dtype=np.float64) / 255
    lin = np.where(codes <= 0.04045, codes / 12.92, ((codes + 0.055) / 1.055) ** 2.4).astype(np.float32)
    assert np.array_equal(encode_planes_u8(np.tile(lin, (3, 1, 1)), "srgb")[0, 0], np.arange(256))
    lin16 = np.linspace(0, 1, 65536, dtype=np.float64) ** 2.2
    u16 = encode_planes_u16(np.tile(lin16.astype(np.float32), (3, 1, 1)), "adobe_rgb")
    assert u16.dtype == np.uint16


def test_nan_and_out_of_range_pixels_are_clipped(tmp_path, photo_files):
    photo = read_photo(photo_files["png8"])
    px = photo.pixels.clone()
    px[:, 0, 0] = float("nan")
    px[:, 0, 1] = 5.0
    px[:, 0, 2] = -3.0
    out = tmp_path / "clip.png"
    write_photo(photo.with_pixels(px), out, "png", 8)
    with Image.open(out) as img:
        arr = np.asarray(img)
    assert arr[0, 0].tolist() == [0, 0, 0] and arr[0, 1].tolist() == [255] * 3 and arr[0, 2].tolist() == [0] * 3


def test_half_precision_and_batched_pixels(tmp_path, photo_files):
    photo = read_photo(photo_files["png8"])
    out = tmp_path / "half.png"
    write_photo(photo.with_pixels(photo.pixels.half()[None]), out, "png", 8)
    assert read_photo(out).width == photo.width


def test_write_failure_is_output_error_and_leaves_nothing(tmp_path, photo_files, monkeypatch):
    photo = read_photo(photo_files["jpeg"])
    out = tmp_path / "out.jpg"
    out.write_bytes(b"old")

    def boom(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(enc, "_write_pillow", boom)
    with pytest.raises(OutputError, match="disk full") as info:
        write_photo(photo, out, "jpeg", 8)
    assert isinstance(info.value.__cause__, OSError)
    assert out.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jpg", "photos"]


def test_missing_folder_is_output_error(tmp_path, photo_files):
    photo = read_photo(photo_files["png8"])
    with pytest.raises(OutputError, match="folder does not exist"):
        write_photo(photo, tmp_path / "nope" / "x.png", "png", 8)


def test_webp_size_limit_is_output_error(tmp_path):
    from spc_cli.photo import Metadata, Photo

    meta = Metadata(source=tmp_path / "x", format="png", sha256="", width=17000, height=1, bit_depth=8)
    photo = Photo(pixels=torch.zeros(3, 1, 17000), meta=meta)
    with pytest.raises(OutputError, match="too large for WEBP"):
        write_photo(photo, tmp_path / "wide.webp", "webp", 8)


def test_jpeg_quality_and_subsampling(tmp_path, photo_files):
    photo = read_photo(photo_files["png8"])
    hi, lo = tmp_path / "hi.jpg", tmp_path / "lo.jpg"
    write_photo(photo, hi, "jpeg", 8, quality=95)
    write_photo(photo, lo, "jpeg", 8, quality=70)
    from PIL import JpegImagePlugin

    with Image.open(hi) as a, Image.open(lo) as b:
        assert JpegImagePlugin.get_sampling(a) == 0 and JpegImagePlugin.get_sampling(b) == 2
    assert lo.stat().st_size < hi.stat().st_size


@pytest.mark.parametrize("subsampling", [0, 2])
def test_jpeg_output_keeps_the_inputs_chroma_subsampling(tmp_path, subsampling):
    from PIL import JpegImagePlugin

    rng = np.random.default_rng(1)
    src = tmp_path / "in.jpg"
    Image.fromarray(rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(src, quality=95, subsampling=subsampling)
    photo = read_photo(src)
    assert photo.meta.jpeg_subsampling == subsampling
    out = tmp_path / "out.jpg"
    write_photo(photo, out, "jpeg", 8, quality=95)
    with Image.open(out) as im:
        assert JpegImagePlugin.get_sampling(im) == subsampling


@pytest.mark.parametrize("subsampling", [0, 2])
def test_a_jpeg_from_8_bit_codes_is_the_bytes_pillow_writes_from_the_array(subsampling):
    import io

    arr = np.random.default_rng(3).integers(0, 256, (37, 53, 3), dtype=np.uint8)
    a, b = io.BytesIO(), io.BytesIO()
    Image.fromarray(arr).save(a, format="JPEG", quality=95, subsampling=subsampling)
    enc._rgbx(arr).save(b, format="JPEG", quality=95, subsampling=subsampling)
    assert a.getvalue() == b.getvalue()
    assert enc._rgbx(arr[..., 0].copy()).mode == "L"  # anything else as Pillow takes it
