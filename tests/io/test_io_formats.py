"""Formats beyond JPEG, PNG, TIFF and WebP: every raster format Pillow decodes by itself,
32-bit float TIFF, and what a run says about files it does not read."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import tifffile
from PIL import Image
from typer.testing import CliRunner

from spc_cli.cli import app
from spc_cli.errors import InputError
from spc_cli.io import PILLOW_EXTENSIONS, SUPPORTED_EXTENSIONS
from spc_cli.io.decode import read_photo
from spc_cli.io.encode import output_spec, write_photo

runner = CliRunner()


def _rgb(h=24, w=32, seed=0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([x / w, y / h, 0.5 + 0.0 * x], -1) * 200 + 20
    return np.clip(base + rng.normal(0, 3, base.shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize("ext,pil", [(".bmp", "BMP"), (".gif", "GIF"), (".tga", "TGA"), (".ppm", "PPM"),
                                     (".pcx", "PCX"), (".sgi", "SGI"), (".qoi", "QOI"), (".jp2", "JPEG2000")])
def test_pillow_formats_are_read(tmp_path, ext, pil):
    from PIL import features

    if pil == "JPEG2000" and not features.check("jpg_2000"):
        pytest.skip("this Pillow has no JPEG 2000 codec")
    arr = _rgb()
    path = tmp_path / f"photo{ext}"
    Image.fromarray(arr).save(path, format=pil)
    assert ext in SUPPORTED_EXTENSIONS
    photo = read_photo(path)
    assert (photo.width, photo.height) == (32, 24) and photo.pixels.shape == (3, 24, 32)
    assert photo.meta.format == ("bmp" if ext == ".bmp" else pil.lower())
    if pil in ("BMP", "TGA", "PPM", "PCX", "SGI", "QOI"):  # lossless, no palette
        assert np.array_equal(photo.codes, arr)


def test_sixteen_bit_grey_ppm_keeps_its_depth(tmp_path):
    grey = (np.linspace(0, 65535, 24 * 32).reshape(24, 32)).astype(np.uint16)
    path = tmp_path / "deep.pgm"
    Image.fromarray(grey).save(path)  # Pillow writes mode I;16 as a 16-bit PGM
    photo = read_photo(path)
    assert photo.meta.bit_depth == 16
    assert output_spec(photo.meta.format, None, photo.meta.bit_depth) == ("png", ".png", 16)


def test_content_decides_not_the_extension(tmp_path):
    path = tmp_path / "really_a_gif.jpg"
    Image.fromarray(_rgb()).save(path, format="GIF")
    assert read_photo(path).meta.format == "gif"


def test_formats_spc_does_not_write_become_png_and_bmp_stays_bmp():
    assert output_spec("gif", None) == ("png", ".png", 8)
    assert output_spec("tga", None) == ("png", ".png", 8)
    assert output_spec("bmp", None) == ("bmp", ".bmp", 8)
    assert output_spec("bmp", "jpeg") == ("jpeg", ".jpg", 8)
    assert output_spec("tiff", None, 32) == ("tiff", ".tif", 32)
    assert output_spec("tiff", "png", 32) == ("png", ".png", 16)


def test_not_a_photo_format_is_refused_by_content(tmp_path):
    path = tmp_path / "drawing.jpg"
    path.write_bytes(b"%!PS-Adobe-3.0 EPSF-3.0\n" + b"x" * 100)
    with pytest.raises(InputError, match="PostScript"):
        read_photo(path)
    assert ".eps" not in SUPPORTED_EXTENSIONS and ".ico" not in SUPPORTED_EXTENSIONS
    assert ".gif" in PILLOW_EXTENSIONS


def test_float_tiff_is_linear_light_and_stays_float(tmp_path):
    lin = np.zeros((16, 20, 3), np.float32)
    lin[:, :10] = 0.18
    lin[:, 10:] = 2.5  # light above white: kept, not clipped
    lin[0, 0] = np.nan
    src = tmp_path / "hdr.tif"
    tifffile.imwrite(src, lin, photometric="rgb")
    photo = read_photo(src)
    assert photo.meta.bit_depth == 32 and photo.meta.colour_space == "linear"
    px = photo.pixels
    assert torch_close(px[:, 5, 5], 0.18) and torch_close(px[:, 5, 15], 2.5)
    assert float(px[0, 0, 0]) == 0.0  # NaN read as 0
    out = tmp_path / "out.tif"
    write_photo(photo, out, "tiff", 32)
    back = tifffile.imread(out)
    assert back.dtype == np.float32 and np.allclose(back[5, 5], 0.18) and np.allclose(back[5, 15], 2.5)
    # written with integer samples, the linear light is sRGB-encoded (mid-grey 0.18 -> code 118)
    jpg = tmp_path / "out.png"
    write_photo(photo, jpg, "png", 8)
    with Image.open(jpg) as img:
        assert abs(int(np.asarray(img)[5, 5, 0]) - 118) <= 1 and np.asarray(img)[5, 15, 0] == 255


def torch_close(t, value, tol=1e-6) -> bool:
    return bool((t - value).abs().max() <= tol)


def test_a_folder_run_names_what_it_does_not_read_and_reads_bmp(tmp_path):
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    for i in range(3):
        Image.fromarray(_rgb(seed=i)).save(shoot / f"scan{i}.bmp")
    for i in range(4):
        Image.fromarray(_rgb(seed=10 + i)).save(shoot / f"IMG_{i}.JPG", quality=95)
    (shoot / "notes.txt").write_text("shot list")
    (shoot / ".DS_Store").write_bytes(b"\0")
    out = tmp_path / "out"
    r = runner.invoke(app, ["enhance", str(shoot), "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert "done 7" in r.output and "not read 1" in r.output
    assert "notes.txt: not a photo format spc reads (.txt)" in r.output and ".DS_Store" not in r.output
    # the same format keeps the input's extension as it is
    assert sorted(p.name for p in out.iterdir() if not p.name.endswith(".json") and not p.name.startswith(".")) == \
        ["IMG_0.JPG", "IMG_1.JPG", "IMG_2.JPG", "IMG_3.JPG", "scan0.bmp", "scan1.bmp", "scan2.bmp"]
    with Image.open(out / "scan0.bmp") as img:
        assert img.format == "BMP"


def test_a_named_input_that_is_not_read_fails_the_run(tmp_path):
    photo = tmp_path / "x.bmp"
    Image.fromarray(_rgb()).save(photo)
    notes = tmp_path / "notes.txt"
    notes.write_text("x")
    r = runner.invoke(app, ["enhance", str(notes), str(photo), "--out", str(tmp_path / "out")])
    assert r.exit_code == 1, r.output
    assert "done 1" in r.output and "failed 1" in r.output and "notes.txt: not a photo format" in r.output
    r = runner.invoke(app, ["critique", str(notes), "--json"])
    assert r.exit_code == 1


def test_the_summary_gives_the_score_before_and_after(tmp_path):
    src = Path(__file__).resolve().parents[2] / "examples" / "chelsea_underexposed.jpg"
    out = tmp_path / "out"
    r = runner.invoke(app, ["enhance", str(src), "--out", str(out)])
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "chelsea_underexposed.spc.json").read_text())
    before, after = doc["critique"]["score"], doc["result"]["score"]
    assert doc["result"]["measured_on"] in ("proxy", "output") and after > before
    assert f"score {before:.0f} -> {after:.0f}; " in r.output


@pytest.mark.parametrize("size", [(1, 1), (2, 300), (300, 3)])
def test_a_file_too_small_to_judge_is_a_one_line_error_and_the_batch_goes_on(tmp_path, size):
    """Below 4 pixels on a side the critics have nothing to read (their 2 x 2 wavelet blocks of a
    2x reduced copy): a clear reason naming the file, not an internal error; exit 1."""
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    w, h = size
    Image.fromarray(np.full((h, w, 3), 128, np.uint8)).save(shoot / "icon.png")
    Image.fromarray(np.random.default_rng(0).integers(0, 255, (48, 64, 3), dtype=np.uint8)).save(shoot / "ok.png")
    assert read_photo(shoot / "icon.png").pixels.shape[1:] == (h, w)  # the decoder reads it
    for series in ("auto", "folder"):
        out = tmp_path / f"out-{series}"
        r = CliRunner().invoke(app, ["enhance", str(shoot), "--out", str(out), "--quiet", "--series", series])
        assert r.exit_code == 1 and (out / "ok.png").exists() and not (out / "icon.png").exists()
        lines = [ln for ln in r.output.splitlines() if "icon.png" in ln]
        assert lines and all(f"too small: {w}x{h} pixels" in ln and "Error" not in ln for ln in lines)
    r = CliRunner().invoke(app, ["critique", str(shoot / "icon.png")])
    assert r.exit_code == 1 and r.output.count("too small") == 1  # said once, not again as a recap
    from spc_cli import api

    with pytest.raises(ValueError, match="too small"):
        api.critique_pixels(np.zeros((h, w, 3), np.float32))
    with pytest.raises(ValueError, match="too small"):
        api.critique_pixels(np.zeros((h, w), np.uint8))  # a grey array too


def test_a_thin_panorama_is_judged_by_every_critic(tmp_path):
    """A strip 6 pixels tall and 1000 wide: its ~128 px copy for the learned critic's colour
    histogram is one row high (no vertical differences), which every critic reads."""
    from spc_cli import api

    strip = np.random.default_rng(1).random((6, 1000, 3)).astype(np.float32)
    for critic in ("analytic", "learned", "hybrid"):
        c = api.critique_pixels(strip, critic=critic)
        assert 0.0 <= c.score <= 100.0


def _heic(path: Path, arr: np.ndarray, **options) -> Path:
    import pillow_heif

    pillow_heif.register_heif_opener()
    Image.fromarray(arr).save(path, format="HEIF", quality=100, **options)
    return path


def test_heic_from_a_phone_is_read_upright_with_its_exif_and_written_as_png(tmp_path):
    """HEIC is what phones save by default (HEIF with HEVC; Canon's .hif too): read through
    pillow-heif, upright (the file's rotation applied once), its EXIF kept into the PNG output."""
    from spc_cli.io.decode import is_heif

    shoot = tmp_path / "phone"
    shoot.mkdir()
    arr = _rgb(48, 64)
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera held upright: a quarter turn
    exif[0x0110] = "Phone 15"
    src = _heic(shoot / "IMG_0042.HEIC", arr, exif=exif.tobytes())
    assert ".heic" in SUPPORTED_EXTENSIONS and is_heif(src.read_bytes()[:16])
    photo = read_photo(src)
    assert photo.meta.format == "heif" and (photo.width, photo.height) == (48, 64)  # turned once
    assert float(np.abs(photo.codes.astype(int) - np.rot90(arr, -1)).mean()) < 4  # lossy HEVC, same picture
    r = runner.invoke(app, ["enhance", str(shoot), "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    out = tmp_path / "out" / "IMG_0042.png"
    with Image.open(out) as im:
        assert im.size == (48, 64) and im.getexif().get(0x0110) == "Phone 15"


def test_heic_declared_display_p3_without_a_profile_becomes_srgb(tmp_path):
    """Many phones describe HEIC colour with an nclx box (Display P3) and no ICC profile; the
    output carries none, so the samples are converted: a P3 red is redder than the same sRGB
    codes, a grey stays grey."""
    arr = np.zeros((16, 16, 3), np.uint8)
    arr[:, :8] = (200, 60, 40)
    arr[:, 8:] = 128
    nclx = {"color_primaries": 12, "transfer_characteristics": 13, "matrix_coefficients": 6, "full_range_flag": 1}
    photo = read_photo(_heic(tmp_path / "p3.heic", arr, nclx_profile=nclx))
    red, grey = photo.codes[8, 2].astype(int), photo.codes[8, 12].astype(int)
    assert red[0] > 210 and red[1] < 50 and red[2] < 30
    assert np.abs(grey - 128).max() <= 2
    assert any("Display P3" in n for n in photo.meta.notes)
    srgb = read_photo(_heic(tmp_path / "srgb.heic", arr))  # BT.709 primaries: as stored
    assert np.abs(srgb.codes[8, 2].astype(int) - (200, 60, 40)).max() <= 3 and not srgb.meta.notes
    hdr = dict(nclx, color_primaries=9, transfer_characteristics=16)  # BT.2020 primaries, PQ
    assert any("HDR" in n for n in read_photo(_heic(tmp_path / "pq.heic", arr, nclx_profile=hdr)).meta.notes)
