"""Issue 6, "Handled correctly rather than refused": odd but valid photos go through the whole CLI.

Decoder-level checks of the same kinds are in tests/io/test_io_decode.py; here each one is
enhanced end to end and its output is checked: mode, depth, alpha, orientation, sidecar.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from .helpers import cli, decode_pixels, outputs, save, scene, sidecar_of, temp_files

# Pillow's exif_transpose: orientation -> the transpose that makes the stored pixels upright
_UPRIGHT = {2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
            5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
            8: Image.Transpose.ROTATE_90}
_INVERSE = {**{k: v for k, v in _UPRIGHT.items()}, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}


def _upright(h=48, w=80) -> np.ndarray:
    """Not symmetric in any way: a red block top-left, a blue block bottom-right."""
    a = scene(h, w, seed=7, ev=-1.5)  # dark: it needs an edit, so it is re-encoded, not copied
    a[: h // 4, : w // 4] = (200, 20, 20)
    a[-h // 4:, -w // 4:] = (20, 30, 200)
    return a


def _write_oriented(path, orientation: int) -> None:
    img = Image.fromarray(_upright())
    stored = img if orientation == 1 else img.transpose(_INVERSE[orientation])
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x010F] = "TestCam"
    stored.save(path, quality=95, exif=exif)


def _write_odd_photos(shoot) -> None:
    import cv2

    rgb = scene(40, 56, seed=4)
    Image.fromarray(scene(40, 56, seed=4, ev=-1.5)).convert("CMYK").save(shoot / "cmyk.jpg", quality=95)
    Image.fromarray(rgb[:, :, 1]).save(shoot / "grey.png")
    Image.fromarray(rgb[:, :, 1]).save(shoot / "grey.jpg", quality=95)
    alpha16 = np.tile(np.linspace(0, 65535, 56).round().astype(np.uint16), (40, 1))
    cv2.imwrite(str(shoot / "deep_alpha.png"), np.dstack([rgb[:, :, ::-1].astype(np.uint16) * 257, alpha16]))
    pal = Image.fromarray(rgb).quantize(16)
    pal.save(shoot / "palette.png", transparency=0)
    frames = [Image.fromarray(rgb), Image.fromarray(255 - rgb), Image.fromarray(rgb[::-1].copy())]
    frames[0].save(shoot / "frames.tif", save_all=True, append_images=frames[1:])
    frames[0].save(shoot / "frames.webp", save_all=True, append_images=frames[1:], lossless=True)


def test_odd_but_valid_photos_are_processed_not_refused(tmp_path, guard):
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    _write_odd_photos(shoot)
    guard.freeze(shoot)
    # enhance: a photo needing no edit may be copied byte for byte, but a multi-frame file still
    # comes out as its first frame only, as its sidecar says
    out = tmp_path / "out_enhance"
    r = cli("enhance", shoot, "--out", out, "--no-refine")
    assert r.exit_code == 0 and "done 7" in r.output and "failed 0" in r.output, r.output
    for name in ("frames.tif", "frames.webp"):
        with Image.open(out / name) as im:
            assert getattr(im, "n_frames", 1) == 1, f"{name}: the sidecar says first frame only"
    # a hint forces an edit on every photo, so each is decoded, converted and re-encoded
    out = tmp_path / "out"
    r = cli("retouch", shoot, "--hint", "a bit brighter", "--out", out)
    assert r.exit_code == 0, r.output
    got = outputs(out)
    assert set(got) == {"cmyk.jpg", "grey.png", "grey.jpg", "deep_alpha.png", "palette.png", "frames.tif",
                        "frames.webp"}

    cmyk = Image.open(out / "cmyk.jpg")  # dark, so edited and re-encoded (as RGB)
    assert cmyk.mode == "RGB" and cmyk.size == (56, 40)
    assert any("CMYK" in n for n in sidecar_of(out / "cmyk.jpg")["notes"])

    for name in ("grey.png", "grey.jpg"):
        arr = decode_pixels(out / name)
        assert arr.shape[:2] == (40, 56) and sidecar_of(out / name)["output"]["bit_depth"] == 8

    deep = decode_pixels(out / "deep_alpha.png")  # OpenCV: BGRA, uint16
    assert deep.dtype == np.uint16 and deep.shape == (40, 56, 4)
    src_alpha = decode_pixels(shoot / "deep_alpha.png")[:, :, 3]
    assert np.array_equal(deep[:, :, 3], src_alpha), "alpha must be kept exactly"
    assert sidecar_of(out / "deep_alpha.png")["output"]["bit_depth"] == 16

    pal_out = Image.open(out / "palette.png")
    assert pal_out.mode in ("RGBA", "LA")
    src_alpha = np.asarray(Image.open(shoot / "palette.png").convert("RGBA"))[:, :, 3]
    assert np.array_equal(np.asarray(pal_out.convert("RGBA"))[:, :, 3], src_alpha)
    assert (src_alpha == 0).any() and (src_alpha == 255).any()

    for name in ("frames.tif", "frames.webp"):
        doc = sidecar_of(out / name)
        assert doc["input"]["frames"] == 3
        assert any("3 frames" in n and "first" in n for n in doc["notes"]), doc["notes"]
        with Image.open(out / name) as im:  # edited or not (copied), the output holds one frame
            assert getattr(im, "n_frames", 1) == 1
        # the first frame, not the inverted second one
        a = decode_pixels(out / name).astype(float)[..., :3].mean()
        assert abs(a - scene(40, 56, seed=4).mean()) < abs(a - (255 - scene(40, 56, seed=4)).mean())
    assert not temp_files(out)
    # grey.png and grey.jpg each keep their own sidecar, so a rerun finds everything up to date
    r = cli("retouch", shoot, "--hint", "a bit brighter", "--out", out)
    assert r.exit_code == 0 and "done 0" in r.output and "skipped 7" in r.output, r.output


def test_raw_and_jpeg_pair_with_one_stem_keep_separate_sidecars(tmp_path, guard):
    """IMG_1.dng -> IMG_1.tif and IMG_1.jpg -> IMG_1.jpg would both own IMG_1.spc.json."""
    from .helpers import EXAMPLES

    shoot = tmp_path / "shoot"
    shoot.mkdir()
    (shoot / "IMG_1.dng").write_bytes((EXAMPLES / "synthetic.dng").read_bytes())
    save(shoot / "IMG_1.jpg", scene(48, 64))
    guard.freeze(shoot)
    out = tmp_path / "out"
    assert cli("enhance", shoot, "--out", out, "--no-refine").exit_code == 0
    assert sidecar_of(out / "IMG_1.tif")["input"]["format"] == "raw"
    assert sidecar_of(out / "IMG_1.jpg")["input"]["format"] == "jpeg"
    r = cli("enhance", shoot, "--out", out, "--no-refine")
    assert "done 0" in r.output and "skipped 2" in r.output, r.output


def test_every_exif_orientation_comes_out_upright_with_orientation_1(tmp_path, guard):
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    for o in range(1, 9):
        _write_oriented(shoot / f"o{o}.jpg", o)
    guard.freeze(shoot)
    h, w = _upright().shape[:2]
    # enhance: each output is either the input's own bytes (no edit needed: the orientation tag
    # and stored pixels travel together) or upright pixels tagged 1
    out = tmp_path / "out_enhance"
    r = cli("enhance", shoot, "--out", out, "--no-refine")
    assert r.exit_code == 0 and "done 8" in r.output, r.output
    copied = [o for o in range(1, 9) if (out / f"o{o}.jpg").read_bytes() == (shoot / f"o{o}.jpg").read_bytes()]
    _check_upright(out, [o for o in range(1, 9) if o not in copied], h, w)
    # a hint forces an edit: every one is decoded upright and re-encoded with orientation 1
    out = tmp_path / "out"
    r = cli("retouch", shoot, "--hint", "a bit brighter", "--out", out)
    assert r.exit_code == 0 and "done 8" in r.output, r.output
    _check_upright(out, range(1, 9), h, w)


def _check_upright(out, orientations, h, w) -> None:
    for o in orientations:
        img = Image.open(out / f"o{o}.jpg")
        assert img.size == (w, h), (o, img.size)
        assert img.getexif().get(0x0112, 1) == 1, o
        a = np.asarray(img).astype(int)
        tl = a[: h // 5, : w // 5].mean(axis=(0, 1))
        br = a[-h // 5:, -w // 5:].mean(axis=(0, 1))
        assert tl[0] > tl[2] + 80 and br[2] > br[0] + 80, (o, tl, br)  # red top-left, blue bottom-right
        assert sidecar_of(out / f"o{o}.jpg")["input"]["orientation"] == o


NAMES = ["with space.jpg", "ünïcødé 写真.png", "-leading-dash.jpg", "--double-dash.png", "tab\tand'quote\".jpg",
         "ends with space .png", "UPPER.JPG", "l" * 230 + ".png"]


def test_awkward_file_names_in_a_folder_and_as_arguments(tmp_path, guard):
    shoot = tmp_path / "shoot"
    for i, name in enumerate(NAMES):
        save(shoot / "deep dir" / "ü" / name, scene(24, 32, seed=i))
    guard.freeze(shoot)
    out = tmp_path / "out folder é"
    r = cli("enhance", shoot, "--out", out, "--no-refine")
    assert r.exit_code == 0, r.output
    # the same format keeps the input's name and extension as they are (UPPER.JPG stays .JPG)
    assert sorted(outputs(out)) == sorted(f"deep dir/ü/{n}" for n in NAMES)
    for p in outputs(out).values():
        sidecar_of(p)
        decode_pixels(p)
    # as arguments: a leading dash after "--" is a file, not an option
    out2 = tmp_path / "out2"
    files = [shoot / "deep dir" / "ü" / n for n in NAMES]
    r = cli("enhance", "--out", out2, "--no-refine", "--", *files)
    assert r.exit_code == 0, r.output
    assert len(outputs(out2)) == len(NAMES) and (out2 / "-leading-dash.jpg").is_file()
    # a bare relative "-name" without "--" is refused as an unknown option, never mistaken silently
    r = cli("enhance", "-leading-dash.jpg", "--out", out2)
    assert r.exit_code == 2
    assert not temp_files(out) and not temp_files(out2)
