"""A DNG that a real camera's raw file became (Adobe DNG Converter, Canon EOS 350D), not one spc
wrote: its geometry, orientation, white level and EXIF as spc reads them. Its pixel data was
left out by its author to keep it small (tests/io/data/SOURCES.md), so pixel values are not
checked here."""

from __future__ import annotations

from pathlib import Path

import pytest

from spc_cli.errors import InputError
from spc_cli.io import metadata as md
from spc_cli.io.decode import read_photo

DNG = Path(__file__).parent / "data" / "canon_eos350d.dng"


@pytest.fixture(scope="module")
def photo():
    return read_photo(DNG)


def test_size_comes_from_the_dngs_own_structure_before_any_pixel_is_decoded():
    with pytest.raises(InputError, match=r"3474x2314 = 8.04 megapixels \(limit 5\)"):
        read_photo(DNG, max_megapixels=5)


def test_size_orientation_and_depth(photo):
    assert (photo.width, photo.height) == (3474, 2314)
    assert tuple(photo.pixels.shape) == (3, 2314, 3474)
    assert photo.meta.orientation == 1 and photo.meta.format == "raw" and photo.meta.bit_depth == 16
    assert photo.meta.sha256 == "daa9ce7a2c6923815390d8566254ef4d4a75d68d1531afdb264bd4b39a8dfd89"


def test_white_level_is_the_cameras_twelve_bits():
    import rawpy

    with rawpy.imread(str(DNG)) as raw:
        assert raw.white_level == 4095 and list(raw.camera_white_level_per_channel) == [4095] * 4
        assert raw.raw_pattern.shape == (2, 2) and raw.color_desc == b"RGBG"  # a Bayer sensor


def test_camera_facts_reach_the_critic(photo):
    m = photo.meta
    assert m.camera == "Canon EOS 350D DIGITAL"
    assert m.iso == 400 and m.exposure_time == pytest.approx(1 / 15) and m.f_number == 8
    assert m.tags["EXIF DateTimeOriginal"] == "2005:08:03 18:59:18" and m.tags["EXIF FocalLength"] == "55"
    assert not [n for n in m.notes if "EXIF" in n]


def test_exif_is_rebuilt_for_the_output(photo):
    exif = md.load_exif(photo.meta.exif)
    assert exif[0x010F] == "Canon" and exif[0x0110] == "Canon EOS 350D DIGITAL"
    assert exif.get(md.ORIENTATION, 1) == 1
    sub = exif.get_ifd(md.EXIF_IFD)
    assert sub[0x8827] == 400 and float(sub[0x829A]) == pytest.approx(1 / 15) and float(sub[0x829D]) == 8
    assert sub[0x9003] == "2005:08:03 18:59:18"
    # the DNG's own structure (colour matrices, SubIFDs, its original file name) is not carried over
    assert 0xC621 not in exif and 0x014A not in exif and 0xC68B not in exif
