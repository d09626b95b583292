"""read_photo: every input kind decodes to upright linear Rec.709 with its metadata."""

from __future__ import annotations

import hashlib
import io

import cv2
import numpy as np
import pytest
import tifffile
import torch
from PIL import Image, ImageOps

from spc_cli.io.decode import orient, read_photo
from spc_cli.photo import Photo


def srgb_to_linear(codes, top=255):
    v = np.asarray(codes, dtype=np.float64) / top
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def _hwc(photo: Photo) -> np.ndarray:
    return photo.pixels.numpy().transpose(1, 2, 0)


def test_flat_srgb_128_is_0_2158_linear(tmp_path):
    path = tmp_path / "flat.jpg"
    Image.new("RGB", (64, 48), (128, 128, 128)).save(path, quality=95)
    photo = read_photo(path)
    assert photo.pixels.dtype.is_floating_point and str(photo.pixels.dtype) == "torch.float32"
    assert tuple(photo.pixels.shape) == (3, 48, 64)
    assert photo.pixels.is_contiguous()
    assert np.allclose(photo.pixels.numpy(), 0.2158, atol=1e-3)
    m = photo.meta
    assert (m.format, m.width, m.height, m.bit_depth, m.colour_space) == ("jpeg", 64, 48, 8, "srgb")
    assert m.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert photo.alpha is None and not m.has_alpha


def test_png8_every_code_uses_exact_srgb_curve(tmp_path):
    codes = np.tile(np.arange(256, dtype=np.uint8), (3, 1))
    rgb = np.stack([codes, codes[:, ::-1], codes], axis=-1)
    path = tmp_path / "ramp.png"
    Image.fromarray(rgb).save(path)
    px = _hwc(read_photo(path))
    assert np.abs(px - srgb_to_linear(rgb)).max() < 1e-6


def test_png16_keeps_16_bit_precision(tmp_path):
    rng = np.random.default_rng(1)
    rgb16 = rng.integers(0, 65536, (20, 30, 3), dtype=np.uint16)
    path = tmp_path / "deep.png"
    cv2.imwrite(str(path), rgb16[:, :, ::-1])
    photo = read_photo(path)
    assert photo.meta.bit_depth == 16
    assert np.abs(_hwc(photo) - srgb_to_linear(rgb16, 65535)).max() < 2e-6


def test_every_sample_kind_decodes(photo_files):
    expected_rgb = None
    for name in ("jpeg", "png8", "png16", "tiff8", "tiff16", "webp"):
        photo = read_photo(photo_files[name])
        px = _hwc(photo)
        assert px.shape == (32, 48, 3), name
        # the marker is red, the ramps agree between formats
        assert px[2, 2, 0] > 0.9 and px[2, 2, 1] < 0.02 and px[2, 2, 2] < 0.02, name
        if expected_rgb is None:
            expected_rgb = px
        assert np.abs(px - expected_rgb).mean() < 0.01, name
    for name, depth in [("png16", 16), ("tiff16", 16), ("tiff8", 8), ("png8", 8)]:
        assert read_photo(photo_files[name]).meta.bit_depth == depth


def test_formats_are_named(photo_files):
    names = {"jpeg": "jpeg", "png8": "png", "tiff16": "tiff", "webp": "webp", "raw": "raw", "cmyk": "jpeg"}
    for key, fmt in names.items():
        assert read_photo(photo_files[key]).meta.format == fmt


def test_greyscale_becomes_three_equal_channels(photo_files):
    px = read_photo(photo_files["grey"]).pixels
    assert px.shape[0] == 3
    assert float((px[0] - px[1]).abs().max()) == 0 and float((px[1] - px[2]).abs().max()) == 0


def test_grey_alpha_and_palette_alpha_are_kept(photo_files):
    for name in ("grey_alpha", "palette_alpha"):
        photo = read_photo(photo_files[name])
        assert photo.alpha is not None and photo.meta.has_alpha, name
        assert tuple(photo.alpha.shape) == (1, 32, 48)
        assert float(photo.alpha.min()) >= 0 and float(photo.alpha.max()) <= 1
    grey_alpha = read_photo(photo_files["grey_alpha"]).alpha[0].numpy()
    # alpha is coverage: linear, not sRGB-decoded
    assert np.allclose(grey_alpha[0], np.linspace(0, 255, 48).round() / 255, atol=1e-6)
    palette = read_photo(photo_files["palette_alpha"]).alpha
    assert float(palette.min()) == 0.0 and float(palette.max()) == 1.0


def test_png16_alpha_is_16_bit(photo_files):
    photo = read_photo(photo_files["png16_alpha"])
    assert photo.meta.bit_depth == 16 and photo.alpha is not None
    expected = np.linspace(0, 255, 48).round() * 257 / 65535
    assert np.allclose(photo.alpha[0, 0].numpy(), expected, atol=1e-6)
    red = _hwc(photo)[2, 2]
    assert red[0] > 0.99 and red[1] < 1e-4


def test_cmyk_jpeg_becomes_rgb(photo_files):
    photo = read_photo(photo_files["cmyk"])
    px = _hwc(photo)
    assert px.shape == (32, 48, 3)
    assert px[2, 2, 0] > 0.8 and px[2, 2, 1] < 0.1
    assert any("CMYK" in n for n in photo.meta.notes)


def test_multiframe_reads_first_frame_and_says_so(photo_files):
    photo = read_photo(photo_files["multiframe"])
    assert photo.meta.frames == 2
    assert any("frames" in n for n in photo.meta.notes)
    assert _hwc(photo)[2, 2, 0] > 0.9  # the first frame has the red marker; the second is inverted


def test_metadata_fields_from_exif(photo_files):
    m = read_photo(photo_files["jpeg"]).meta
    assert m.camera == "Canon EOS R6"
    assert m.iso == 800 and m.exposure_time == pytest.approx(1 / 250) and m.f_number == pytest.approx(5.6)
    assert m.tags["Image Make"] == "Canon"
    assert m.tags["EXIF DateTimeOriginal"] == "2025:06:01 10:20:30"
    assert not any(k.startswith("JPEGThumbnail") or "MakerNote" in k for k in m.tags)
    assert m.icc is not None and m.exif is not None and not m.exif.startswith(b"Exif")


def test_webp_exif_and_icc_are_read(photo_files):
    m = read_photo(photo_files["webp"]).meta
    assert m.icc and m.exif and m.camera == "Canon EOS R6"


@pytest.mark.parametrize("orientation", range(1, 9))
def test_orientation_is_applied(tmp_path, orientation, exif_factory):
    rng = np.random.default_rng(orientation)
    stored = rng.integers(0, 256, (6, 10, 3), dtype=np.uint8)
    img = Image.fromarray(stored)
    img.info["exif"] = exif_factory(orientation).tobytes()
    path = tmp_path / f"o{orientation}.png"
    img.save(path, exif=exif_factory(orientation))
    # Pillow's exif_transpose is the reference for what "upright" means
    with Image.open(path) as ref:
        upright = np.asarray(ImageOps.exif_transpose(ref).convert("RGB"))
    photo = read_photo(path)
    assert np.abs(_hwc(photo) - srgb_to_linear(upright)).max() < 1e-6
    assert (photo.meta.width, photo.meta.height) == (upright.shape[1], upright.shape[0])
    assert photo.meta.orientation == orientation
    exif = Image.Exif()
    exif.load(b"Exif\x00\x00" + photo.meta.exif)
    assert exif[0x0112] == 1
    assert exif[0x010F] == "Canon"


def test_orientation_on_jpeg_swaps_width_and_height(tmp_path, exif_factory):
    path = tmp_path / "portrait.jpg"
    arr = np.zeros((40, 60, 3), np.uint8)
    arr[:10, :10] = (255, 0, 0)  # top-left as stored
    Image.fromarray(arr).save(path, exif=exif_factory(6), quality=95)
    photo = read_photo(path)
    assert (photo.width, photo.height) == (40, 60)
    # orientation 6: the stored top-left corner ends up top-right
    px = _hwc(photo)
    assert px[3, -3, 0] > 0.8 and px[3, 3, 0] < 0.1


def test_orient_matches_pillow_transpose():
    arr = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    methods = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180,
               4: Image.Transpose.FLIP_TOP_BOTTOM, 5: Image.Transpose.TRANSPOSE,
               6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE, 8: Image.Transpose.ROTATE_90}
    for o, method in methods.items():
        expected = np.asarray(Image.fromarray(arr).transpose(method))
        assert np.array_equal(orient(arr, o), expected), o


def test_xmp_orientation_is_reset(tmp_path):
    xmp = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
           b'<rdf:Description xmlns:tiff="http://ns.adobe.com/tiff/1.0/" tiff:Orientation="6">'
           b"<tiff:Orientation>6</tiff:Orientation></rdf:Description></rdf:RDF></x:xmpmeta>")
    path = tmp_path / "xmp.jpg"
    Image.new("RGB", (8, 8)).save(path, xmp=xmp)
    m = read_photo(path).meta
    assert m.xmp is not None
    assert b'tiff:Orientation="1"' in m.xmp and b"<tiff:Orientation>1</tiff:Orientation>" in m.xmp
    assert b"6" not in m.xmp.split(b"Orientation")[1][:5]


def test_adobe_rgb_profile_is_decoded_to_rec709(tmp_path, adobe_icc):
    rgb = np.zeros((4, 6, 3), np.uint8)
    rgb[:, :3] = (128, 128, 128)
    rgb[:, 3:] = (0, 255, 0)
    path = tmp_path / "adobe.png"
    Image.fromarray(rgb).save(path, icc_profile=adobe_icc)
    photo = read_photo(path)
    assert photo.meta.colour_space == "adobe_rgb" and photo.meta.icc == adobe_icc
    px = _hwc(photo)
    assert np.allclose(px[0, 0], (128 / 255) ** (563 / 256), atol=1e-5)  # neutral stays neutral
    # Adobe RGB's green lies outside Rec.709: negative red and blue, kept (not clipped)
    assert px[0, 4, 1] == pytest.approx(1.0, abs=1e-4)
    assert px[0, 4, 0] == pytest.approx(-0.3983, abs=2e-3)
    assert px[0, 4, 2] == pytest.approx(-0.0429, abs=2e-3)


def test_display_p3_profile_is_detected(tmp_path, p3_icc):
    path = tmp_path / "p3.jpg"
    Image.new("RGB", (8, 8), (255, 0, 0)).save(path, icc_profile=p3_icc, quality=100)
    photo = read_photo(path)
    assert photo.meta.colour_space == "display_p3"
    r, g, b = _hwc(photo)[4, 4]
    assert r > 1.1 and g < 0 and b < 0  # P3 red is more saturated than Rec.709 red


def test_unreadable_icc_is_dropped_not_fatal(tmp_path):
    path = tmp_path / "badicc.png"
    Image.new("RGB", (8, 8), (10, 20, 30)).save(path, icc_profile=b"not an icc profile" * 10)
    photo = read_photo(path)
    assert photo.meta.icc is None and photo.meta.colour_space == "srgb"
    assert any("ICC" in n for n in photo.meta.notes)


def test_synthetic_dng_decodes_through_rawpy(photo_files):
    from spc_cli.io.dng import colour_chart

    photo = read_photo(photo_files["raw"])
    m = photo.meta
    assert (m.format, m.bit_depth, m.width, m.height) == ("raw", 16, 48, 32)
    assert m.camera == "spc Synthetic Bayer" and m.iso == 200 and m.exposure_time == pytest.approx(1 / 60)
    assert m.f_number == pytest.approx(4.0)
    exif = Image.Exif()
    exif.load(b"Exif\x00\x00" + m.exif)
    assert exif[0x010F] == "spc" and exif.get_ifd(0x8769)[0x8827] == 200
    scene = colour_chart(48, 32)
    px = _hwc(photo)
    surround = px[1, 24]  # mid-grey surround: stays neutral and at the right level
    assert np.ptp(surround) < 0.01 * surround.mean()
    assert surround.mean() == pytest.approx(scene[1, 24].mean(), rel=0.03)
    assert np.median(np.abs(px[4:-4, 4:-4] - scene[4:-4, 4:-4])) < 0.01


def test_dng_colours_survive_rawpy(tmp_path):
    from spc_cli.io.dng import write_dng

    scene = np.zeros((64, 96, 3))
    scene[:, :32] = (0.6, 0.05, 0.05)
    scene[:, 32:64] = (0.05, 0.5, 0.05)
    scene[:, 64:] = (0.18, 0.18, 0.18)
    path = tmp_path / "rgb.dng"
    write_dng(path, scene, neutral=(0.45, 1.0, 0.6))
    px = _hwc(read_photo(path))
    for x, expected in ((16, scene[0, 0]), (48, scene[0, 40]), (80, scene[0, 80])):
        assert np.allclose(px[32, x], expected, atol=0.01), (x, px[32, x])


def test_dng_orientation_is_applied(tmp_path):
    from spc_cli.io.dng import write_dng

    scene = np.zeros((32, 48, 3)) + 0.1
    scene[:8, :8] = (0.8, 0.1, 0.1)
    path = tmp_path / "rot.dng"
    write_dng(path, scene, orientation=6)
    photo = read_photo(path)
    assert (photo.width, photo.height) == (32, 48) and photo.meta.orientation == 6
    assert _hwc(photo)[3, -3, 0] > 0.5


def test_inputs_are_not_modified(photo_files):
    before = {k: p.read_bytes() for k, p in photo_files.items()}
    for p in photo_files.values():
        read_photo(p)
    assert before == {k: p.read_bytes() for k, p in photo_files.items()}


def test_16bit_tiff_lzw_via_opencv(tmp_path):
    rgb16 = np.random.default_rng(3).integers(0, 65536, (12, 10, 3), dtype=np.uint16)
    ok, buf = cv2.imencode(".tif", rgb16[:, :, ::-1], [cv2.IMWRITE_TIFF_COMPRESSION, 5])
    path = tmp_path / "lzw.tif"
    path.write_bytes(buf.tobytes())
    photo = read_photo(path)
    assert photo.meta.bit_depth == 16
    assert np.abs(_hwc(photo) - srgb_to_linear(rgb16, 65535)).max() < 2e-6


def test_16bit_grey_tiff(tmp_path):
    grey = np.arange(0, 65536, 257, dtype=np.uint16).reshape(16, 16)
    path = tmp_path / "grey16.tif"
    tifffile.imwrite(path, grey, photometric="minisblack")
    px = read_photo(path).pixels.numpy()
    assert np.abs(px[1] - srgb_to_linear(grey, 65535)).max() < 2e-6


def test_jpeg_bytes_behind_a_png_name_decode_by_content(tmp_path):
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (128, 128, 128)).save(buf, "JPEG")
    path = tmp_path / "actually_jpeg.png"
    path.write_bytes(buf.getvalue())
    assert read_photo(path).meta.format == "jpeg"


@pytest.mark.parametrize("fmt", ["png", "tiff"])
def test_orientation_on_16_bit_files_is_applied_once(tmp_path, exif_factory, fmt):
    stored = np.zeros((20, 30, 3), np.uint16)
    stored[:5, :5] = (65535, 0, 0)  # stored top-left
    path = tmp_path / f"o6.{fmt}"
    if fmt == "tiff":
        tifffile.imwrite(path, stored, photometric="rgb", extratags=[(274, "H", 1, 6, True)])
    else:
        ok, buf = cv2.imencode(".png", stored[:, :, ::-1])
        png = buf.tobytes()
        exif = exif_factory(6).tobytes()[6:]
        import struct
        import zlib

        chunk = struct.pack(">I", len(exif)) + b"eXIf" + exif + struct.pack(">I", zlib.crc32(b"eXIf" + exif))
        path.write_bytes(png[:33] + chunk + png[33:])
    photo = read_photo(path)
    assert photo.meta.bit_depth == 16 and photo.meta.orientation == 6
    assert (photo.width, photo.height) == (20, 30)
    px = _hwc(photo)
    assert px[2, -3, 0] == 1.0 and px[2, 2, 0] == 0.0  # top-left went top-right, once


@pytest.mark.parametrize("compression", [None, "tiff_adobe_deflate", "tiff_lzw", "jpeg"])
def test_orientation_on_8_bit_tiff_is_applied_once(tmp_path, exif_factory, compression):
    stored = np.zeros((24, 32, 3), np.uint8)
    stored[:8, :8] = (255, 0, 0)
    path = tmp_path / "o6.tif"
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.fromarray(stored).save(path, compression=compression, exif=exif.tobytes())
    photo = read_photo(path)
    assert photo.meta.orientation == 6 and (photo.width, photo.height) == (24, 32)
    px = _hwc(photo)
    assert px[3, -3, 0] > 0.8 and px[3, 3, 0] < 0.1


def test_8_bit_rgb_keeps_its_codes_and_decodes_float_only_where_asked(tmp_path):
    from spc_cli.colour import area_downscale

    rng = np.random.default_rng(5)
    rgb = rng.integers(0, 256, (1300, 700, 3), dtype=np.uint8)
    path = tmp_path / "codes.png"
    Image.fromarray(rgb).save(path)
    photo = read_photo(path)
    assert np.array_equal(photo.codes, rgb)
    assert (photo.height, photo.width) == (1300, 700)
    proxy = photo.proxy(256)  # banded, from the codes
    tile = photo.region(100, 200, 64, 32)
    assert photo._pixels is None  # neither needed the whole image in float
    # through a 16-bit table of the linear values: within a step of it (1/65535) of the float path
    assert (proxy - area_downscale(photo.pixels, 256)).abs().max() < 1.6e-5
    assert torch.equal(tile, photo.pixels[:, 100:164, 200:232])
    assert np.abs(_hwc(photo) - srgb_to_linear(rgb)).max() < 1e-6


def test_codes_are_kept_only_where_the_pixels_decode_from_them_channel_by_channel(tmp_path, adobe_icc):
    grey = tmp_path / "grey.png"
    Image.new("L", (8, 6), 90).save(grey)
    deep = tmp_path / "deep.png"
    cv2.imwrite(str(deep), np.full((6, 8, 3), 30000, np.uint16))
    wide = tmp_path / "wide.png"
    Image.new("RGB", (8, 6), (10, 200, 30)).save(wide, icc_profile=adobe_icc)  # a gamut matrix mixes channels
    rgba = tmp_path / "rgba.png"
    Image.new("RGBA", (8, 6), (10, 200, 30, 128)).save(rgba)
    assert [read_photo(p).codes is None for p in (grey, deep, wide)] == [True, True, True]
    photo = read_photo(rgba)
    assert photo.codes.shape == (6, 8, 3) and photo.alpha is not None
