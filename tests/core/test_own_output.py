"""A photo spc wrote itself is not enhanced again (engine.own_output): recognised by the sidecar
beside it, left as it is unless --force, with a hint applied alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from spc_cli import sidecar
from spc_cli.cli import app
from spc_cli.engine.own_output import NOTE, noted, own_record
from spc_cli.engine.record import what_was_done

from .test_cli import _dark, _scene

runner = CliRunner()
ANALYTIC = ["--critic", "analytic"]


def _enhance(src: Path, out: Path, *args) -> str:
    r = runner.invoke(app, ["enhance", str(src), "--out", str(out), *ANALYTIC, *map(str, args)])
    assert r.exit_code == 0, r.output
    return r.output


def _doc(path: Path) -> dict:
    return json.loads(sidecar.sidecar_path(path).read_text())


@pytest.fixture
def dark(tmp_path):
    """A folder with one photo 1.5 stops under (the critic brightens it)."""
    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(_dark(_scene(48, 64, seed=3))).save(src / "dark.png")
    return src


def _claim(photo: Path, **output) -> Path:
    """A sidecar beside ``photo`` saying spc wrote it (its name and size, unless ``output`` says
    otherwise)."""
    doc = sidecar.build(photo_info={"path": "elsewhere/dark.png"},
                        output_info={"path": str(photo), "format": "png", "bit_depth": 8,
                                     "bytes": photo.stat().st_size, **output},
                        critique={"score": 40.0, "findings": [], "summary": ""},
                        plan=[{"op": "exposure", "instruction": "strongly increase exposure"}],
                        applied=[{"op": "exposure", "version": 2, "params": {"ev": 1.5}}],
                        backends={}, settings={}, settings_key="x", timings_ms={})
    side = sidecar.sidecar_path(photo)
    side.write_text(sidecar.dumps(doc))
    return side


def test_a_photo_whose_sidecar_says_spc_wrote_it_is_left_as_it_is(dark, tmp_path):
    photo = dark / "dark.png"
    # without the sidecar the critic brightens it ...
    _enhance(dark, tmp_path / "plain")
    assert _doc(tmp_path / "plain" / "dark.png")["applied"], "the dark photo should be edited"
    # ... with it, the photo is spc's own output: copied byte for byte, and the line says why
    side = _claim(photo)
    text = _enhance(dark, tmp_path / "again")
    out = tmp_path / "again" / "dark.png"
    assert out.read_bytes() == photo.read_bytes()
    doc = _doc(out)
    assert doc["applied"] == [] and doc["plan"] == []
    assert doc["critique"]["findings"], "its critique is still made and recorded"
    assert noted(doc["notes"])
    own = next(n for n in doc["notes"] if n.startswith(NOTE))
    assert side.name in own and "strongly increase exposure" in own and "--force" in own
    assert "spc's own output" in text and "not enhanced again" in text
    # --force enhances it again
    _enhance(dark, tmp_path / "forced", "--force")
    doc = _doc(tmp_path / "forced" / "dark.png")
    assert doc["applied"] and not noted(doc["notes"])


def test_a_hint_is_applied_alone_to_spc_s_own_output(dark, tmp_path):
    _claim(dark / "dark.png")
    text = _enhance(dark, tmp_path / "out", "--hint", "warmer")
    doc = _doc(tmp_path / "out" / "dark.png")
    assert [a["op"] for a in doc["applied"]] == ["white_balance"], doc["applied"]
    assert {e["op"] for e in doc["plan"]} == {"white_balance"}
    assert "the hint alone" in text


def test_spc_s_own_outputs_take_no_part_in_a_series(dark, tmp_path):
    Image.fromarray(_dark(_scene(48, 64, seed=3), ev=-1.2)).save(dark / "dark2.png")
    _claim(dark / "dark.png")
    _enhance(dark, tmp_path / "out", "--series", "folder")
    assert _doc(tmp_path / "out" / "dark.png")["series"] is None
    assert (tmp_path / "out" / "dark.png").read_bytes() == (dark / "dark.png").read_bytes()


def test_enhancing_spc_s_outputs_again_changes_nothing(dark, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    _enhance(dark, first)
    assert _doc(first / "dark.png")["applied"]
    _enhance(first, second)
    assert (second / "dark.png").read_bytes() == (first / "dark.png").read_bytes()
    assert noted(_doc(second / "dark.png")["notes"])


@pytest.mark.parametrize("change", ["name", "size", "failed", "corrupt", "none"])
def test_only_a_sidecar_that_names_this_very_file_makes_it_spc_s_output(dark, change):
    photo = dark / "dark.png"
    if change == "name":  # the sidecar of another file (the input a retouch output sits beside)
        _claim(photo, path=str(dark / "dark.spc.png"))
    elif change == "size":  # the file was edited since spc wrote it
        _claim(photo, bytes=photo.stat().st_size + 1)
    elif change == "failed":  # a photo that failed has no output
        side = _claim(photo)
        doc = json.loads(side.read_text())
        doc["output"] = None
        side.write_text(json.dumps(doc))
    elif change == "corrupt":
        sidecar.sidecar_path(photo).write_text("{ not json")
    assert own_record(photo) is None
    if change == "none":
        _claim(photo)
        assert own_record(photo) is not None


def test_the_summary_line_names_spc_s_own_output():
    doc = {"critique": {"score": 52.0, "findings": [{"attribute": "exposure", "direction": "under", "severity": 0.8}],
                        "summary": ""},
           "plan": [], "applied": [], "refine": [], "result": {"score": 52.0},
           "notes": [f"{NOTE} (a.spc.json records it: strongly increase exposure): not enhanced again; "
                     "--force enhances it again"]}
    line = what_was_done(doc)
    assert line.startswith("score 52 -> 52; left as it was: spc's own output"), line


def test_critique_says_a_photo_is_spc_s_own_output(dark):
    photo = dark / "dark.png"
    r = runner.invoke(app, ["critique", str(photo), *ANALYTIC])
    assert r.exit_code == 0 and "spc's own output" not in r.output
    _claim(photo)
    r = runner.invoke(app, ["critique", str(photo), *ANALYTIC])
    assert r.exit_code == 0 and "spc's own output" in r.output, r.output
    assert "under" in r.output  # the critique itself is as before


def test_a_retouch_beside_spc_s_output_keeps_that_output_s_record(dark, tmp_path):
    out = tmp_path / "out"
    _enhance(dark, out)
    photo, side = out / "dark.png", out / "dark.spc.json"
    record = side.read_text()
    r = runner.invoke(app, ["retouch", str(photo), "--hint", "warmer", *ANALYTIC])
    assert r.exit_code == 0, r.output
    retouched = out / "dark.spc.png"
    assert retouched.is_file()
    # dark.spc.json is dark.png's record and stays so; the retouch's own is named in full
    assert side.read_text() == record
    own = out / "dark.spc.png.spc.json"
    assert json.loads(own.read_text())["output"]["path"].endswith("dark.spc.png")
    assert own_record(photo) is not None and own_record(retouched) is not None
    # a second retouch is up to date, and still leaves dark.png's record alone
    r = runner.invoke(app, ["retouch", str(photo), "--hint", "warmer", *ANALYTIC])
    assert r.exit_code == 0 and "skipped 1" in r.output, r.output
    assert side.read_text() == record


def test_an_output_in_another_format_keeps_the_earlier_output_s_record(dark, tmp_path):
    out = tmp_path / "out"
    _enhance(dark, out, "--format", "jpeg")
    record = (out / "dark.spc.json").read_text()
    _enhance(dark, out)  # dark.png now, beside the earlier dark.jpg
    assert (out / "dark.spc.json").read_text() == record
    assert json.loads((out / "dark.png.spc.json").read_text())["output"]["path"].endswith("dark.png")
    # the earlier output removed, dark.png keeps its record where it is: up to date, nothing doubled
    (out / "dark.jpg").unlink()
    assert "skipped 1" in _enhance(dark, out)
    assert json.loads((out / "dark.png.spc.json").read_text())["output"]["path"].endswith("dark.png")


def test_a_dry_run_says_which_photos_are_spc_s_own_outputs(dark, tmp_path):
    _claim(dark / "dark.png")
    text = _enhance(dark, tmp_path / "out", "--dry-run")
    assert "would write" in text and "spc's own output" in text and "copied as it is" in text
    assert "spc's own output" not in _enhance(dark, tmp_path / "out", "--dry-run", "--force")
    assert not (tmp_path / "out").exists()
