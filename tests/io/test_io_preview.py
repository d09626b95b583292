"""The small preview decode (series planning, report thumbnails): the same colours as the full
decoder's proxy, upright, hashed over the whole file."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from spc_cli.io.decode import read_photo
from spc_cli.io.preview import read_preview

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def _big_jpeg(path: Path, orientation: int = 1) -> Path:
    rng = np.random.default_rng(0)
    y, x = np.mgrid[0:1200, 0:1800] / 1800.0
    img = np.stack([0.2 + 0.6 * x, 0.3 + 0.4 * y, 0.5 - 0.3 * x * y], -1)
    img += 0.03 * rng.standard_normal((1200, 1800, 1))
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray((np.clip(img, 0, 1) * 255).astype(np.uint8)).save(path, quality=92, exif=exif)
    return path


@pytest.mark.parametrize("orientation", [1, 6])
def test_a_jpeg_preview_matches_the_full_decode_small(tmp_path, orientation):
    path = _big_jpeg(tmp_path / "big.jpg", orientation)
    small = read_preview(path, 256)
    full = read_photo(path)
    ref = full.proxy(256)
    assert small.pixels.shape == ref.shape  # upright like the full decode (6: rotated a quarter turn)
    assert float((small.pixels - ref).abs().mean()) < 0.01
    assert small.meta.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_other_formats_and_raw_preview_small(tmp_path):
    png = tmp_path / "a.png"
    Image.open(_big_jpeg(tmp_path / "b.jpg")).save(png)
    assert max(read_preview(png, 300).pixels.shape[1:]) == 300
    raw = read_preview(EXAMPLES / "synthetic.dng", 128)
    full = read_photo(EXAMPLES / "synthetic.dng").proxy(128)
    assert raw.pixels.shape == full.shape and float((raw.pixels - full).abs().mean()) < 0.03
    assert raw.meta.tags  # EXIF read: series planning needs the capture time


def test_an_unreadable_file_is_an_input_error(tmp_path):
    from spc_cli.errors import InputError

    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 nothing here")
    with pytest.raises(InputError):
        read_preview(bad, 256)


def test_jpeg_and_raw_previews_take_their_small_decoders_not_the_full_one(tmp_path, monkeypatch):
    """The preview exists to be cheap: a JPEG decodes at a reduced DCT scale and a RAW at half
    size. Both paths fall back to the full decoder on an odd file, so a failure inside them is
    silent; here the full decoder is unavailable and both must still read."""
    import spc_cli.io.decode as decode

    def full_decode(*_a, **_k):
        raise AssertionError("the full decoder was used")

    jpeg = _big_jpeg(tmp_path / "big.jpg")
    monkeypatch.setattr(decode, "read_photo", full_decode)
    assert max(read_preview(jpeg, 256).pixels.shape[1:]) >= 256
    assert read_preview(EXAMPLES / "synthetic.dng", 128).meta.tags
