"""Nothing read or written is lost in silence: metadata spc cannot read or carry becomes a one-line
note in ``Metadata.notes`` and so in the sidecar, and a clean file gets none."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from spc_cli.cli import app
from spc_cli.io import metadata as md
from spc_cli.io.decode import read_photo


@pytest.fixture
def exifread_fails(monkeypatch):
    import exifread

    def broken(*args, **kwargs):
        raise IndexError("tuple index out of range")

    monkeypatch.setattr(exifread, "process_file", broken)


def test_every_clean_file_reads_without_notes_about_its_metadata(photo_files):
    for name, path in photo_files.items():
        notes = read_photo(path).meta.notes
        assert not [n for n in notes if "EXIF" in n or "exifread" in n], (name, notes)


def test_exifread_failure_is_a_note_and_the_critic_gets_no_camera_facts(photo_files, exifread_fails):
    photo = read_photo(photo_files["jpeg"])  # its EXIF says ISO 800, 1/250 s, f/5.6
    m = photo.meta
    assert m.iso is None and m.exposure_time is None and m.f_number is None and m.camera is None and m.tags == {}
    (note,) = [n for n in m.notes if "exifread" in n]
    assert note.startswith("exifread could not read the EXIF tags (tuple index out of range)")
    assert "without the camera's ISO and exposure time" in note and "\n" not in note
    assert m.exif is not None  # a JPEG's EXIF block itself is still carried (Pillow reads it)


def test_exifread_failure_on_a_raw_file_says_its_exif_is_lost(photo_files, exifread_fails):
    m = read_photo(photo_files["raw"]).meta
    assert m.exif is None and m.iso is None
    assert any("exifread" in n and "the output carries no EXIF" in n for n in m.notes)


def test_exifread_failure_reaches_the_sidecar(photo_files, tmp_path, exifread_fails):
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["enhance", str(photo_files["jpeg"]), "--out", str(out), "--critic", "analytic"])
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "jpeg.spc.json").read_text())
    assert doc["input"]["exif"] == {}
    assert any("exifread could not read the EXIF tags" in n for n in doc["notes"])


def test_camera_facts_with_exifread_working(photo_files):
    m = read_photo(photo_files["jpeg"]).meta
    assert m.iso == 800 and m.exposure_time == pytest.approx(1 / 250) and m.camera == "Canon EOS R6"


def test_an_invalid_orientation_is_taken_as_stored_and_said(tmp_path, exif_factory):
    path = tmp_path / "o9.jpg"
    Image.fromarray(np.zeros((8, 12, 3), np.uint8)).save(path, exif=exif_factory(orientation=9))
    photo = read_photo(path)
    assert photo.meta.orientation == 1 and (photo.width, photo.height) == (12, 8)
    assert any("orientation 9" in n and "as stored" in n for n in photo.meta.notes)


def test_orientation_of_valid_values_adds_no_note():
    notes: list[str] = []
    for value in range(1, 9):
        exif = Image.Exif()
        exif[md.ORIENTATION] = value
        assert md.orientation_of(exif, notes) == value
    assert md.orientation_of(Image.Exif(), notes) == 1 and notes == []
    exif = Image.Exif()
    exif[md.ORIENTATION] = "up"
    assert md.orientation_of(exif, notes) == 1
    assert notes == ["EXIF orientation 'up' is not 1-8: the photo is taken as stored"]


def test_what_a_bmp_cannot_hold_is_said_in_the_sidecar(photo_files, tmp_path):
    out = tmp_path / "out"
    r = CliRunner().invoke(app, ["enhance", str(photo_files["jpeg"]), "--out", str(out), "--format", "bmp",
                                 "--critic", "analytic"])
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "jpeg.spc.json").read_text())
    assert "BMP holds no EXIF, ICC profile or XMP: they were not written" in doc["notes"]


def test_an_exif_block_that_cannot_be_read_back_is_not_written_and_said():
    notes: list[str] = []
    assert md.normalise_exif(b"XX\x00*\x00\x00\x00\x08\xff\xff" + b"\x01" * 8, notes) is None
    assert len(notes) == 1 and notes[0].startswith("EXIF block unreadable, not written")
    exif = Image.Exif()
    exif[md.ORIENTATION] = 6
    block = md.normalise_exif(exif.tobytes(), notes)
    assert md.load_exif(block)[md.ORIENTATION] == 1 and len(notes) == 1


def test_exif_tags_that_cannot_be_rebuilt_are_named():
    class Tag:
        def __init__(self, number, ftype, values):
            self.tag, self.field_type, self.values = number, ftype, values

    objects = {"Image Make": Tag(0x010F, 2, "Canon"), "EXIF ISOSpeedRatings": Tag(0x8827, 3, [400]),
               "EXIF LensModel": Tag(0xA434, 99, [1]), "Image Tag 0xC621": Tag(0xC621, 99, [1])}
    notes: list[str] = []
    block = md.exif_from_tags(objects, notes)
    exif = md.load_exif(block)
    assert exif[0x010F] == "Canon" and exif.get_ifd(md.EXIF_IFD)[0x8827] == 400
    # the lens is named; the DNG colour matrix is not carried anyway, so it is not a loss
    assert notes == ["1 EXIF tag(s) could not be carried over: EXIF LensModel"]


def test_an_unreadable_interoperability_block_is_dropped_and_said():
    class Exif(Image.Exif):
        def get_ifd(self, tag):
            if tag == md.INTEROP_IFD:
                raise SyntaxError("not a TIFF IFD")
            return super().get_ifd(tag)

    exif = Exif()
    exif[0x010F] = "Canon"
    notes: list[str] = []
    assert md.interop_ifd(exif, notes) == {}
    assert notes == ["EXIF interoperability block unreadable, not carried over (not a TIFF IFD)"]


def test_a_cmyk_profile_that_cannot_be_used_is_said(tmp_path):
    path = tmp_path / "cmyk.jpg"
    Image.fromarray(np.full((8, 8, 3), 120, np.uint8)).convert("CMYK").save(path, icc_profile=b"\x00" * 300)
    notes = read_photo(path).meta.notes
    assert any("could not be used" in n and "approximate" in n for n in notes), notes
