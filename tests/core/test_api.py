"""The Python API on pixel arrays: the same critique and edit as the CLI gives the same photo."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from spc_cli import api
from spc_cli.cli import app
from spc_cli.colour import srgb_to_linear

from .test_cli import _dark, _scene


@pytest.mark.parametrize("dtype,top,depth", [(np.uint8, 255, 8), (np.uint16, 65535, 16), (np.float32, 1.0, 16)])
def test_photo_from_array_is_linear_light_with_its_depth(dtype, top, depth):
    a = (np.linspace(0, 1, 5 * 7 * 3).reshape(5, 7, 3) * top).astype(dtype)
    photo = api.photo_from_array(a, name="x.png")
    assert tuple(photo.pixels.shape) == (3, 5, 7) and photo.pixels.dtype == torch.float32
    expected = srgb_to_linear(torch.from_numpy(a.astype(np.float32) / top)).permute(2, 0, 1)
    assert torch.allclose(photo.pixels, expected, atol=1e-6)
    m = photo.meta
    assert (m.width, m.height, m.bit_depth, m.format, str(m.source)) == (7, 5, depth, "array", "x.png")
    import hashlib

    assert m.sha256 == hashlib.sha256(a.tobytes()).hexdigest()
    back = api.photo_to_array(photo)
    assert back.shape == (5, 7, 3) and back.dtype == np.float32
    assert np.allclose(back, a.astype(np.float32) / top, atol=1e-5)


def test_photo_from_array_takes_rgba_and_refuses_other_shapes():
    rgba = np.zeros((4, 6, 4), np.uint8)
    rgba[..., 0] = 200
    photo = api.photo_from_array(rgba)
    assert tuple(photo.pixels.shape) == (3, 4, 6) and float(photo.pixels[1].max()) == 0.0
    assert str(photo.meta.source) == "<array>"
    for bad in (np.zeros((4, 6, 2), np.uint8), np.zeros((2, 4, 6, 3), np.uint8)):
        with pytest.raises(ValueError, match=r"\(H, W, 3\)"):
            api.photo_from_array(bad)


def test_photo_from_array_reads_a_2d_array_as_grey_and_refuses_8_bit_values_as_float():
    grey = np.full((4, 6), 128, np.uint8)
    photo = api.photo_from_array(grey)
    assert tuple(photo.pixels.shape) == (3, 4, 6)
    assert float((photo.pixels - photo.pixels[1:2]).abs().max()) < 1e-6  # one grey in all three
    with pytest.raises(ValueError, match="expected sRGB in \\[0, 1\\]"):
        api.critique_pixels(np.full((8, 8, 3), 200.0, np.float32))  # 8-bit values passed as float
    api.photo_from_array(np.full((8, 8, 3), 1.2, np.float32))  # a float image's own overshoot is kept


def test_photo_to_array_clips_to_the_unit_range():
    photo = api.photo_from_array(np.full((2, 2, 3), 0.5, np.float32))
    photo.pixels[0] = 4.0
    photo.pixels[1] = -1.0
    out = api.photo_to_array(photo)
    assert out[..., 0].max() == 1.0 and out[..., 1].min() == 0.0


def test_critique_pixels_is_the_cli_critique(tmp_path):
    dark = _dark(_scene(seed=1), ev=-2.0)
    c = api.critique_pixels(dark, critic="analytic")
    path = tmp_path / "dark.png"
    Image.fromarray(dark).save(path)
    r = CliRunner().invoke(app, ["critique", str(path), "--json", "--critic", "analytic"])
    (line,) = [json.loads(x) for x in r.stdout.splitlines()]
    assert c.to_dict()["score"] == line["critique"]["score"] < 70
    assert c.plan.to_list() == line["plan"] and [f.attribute for f in c.findings][0] == "exposure"


@pytest.mark.parametrize("refine", [True, False])
def test_enhance_pixels_gives_what_enhance_writes(tmp_path, refine):
    dark = _dark(_scene(seed=1))
    out, critique, applied = api.enhance_pixels(dark, critic="analytic", refine=refine)
    assert out.shape == dark.shape and out.dtype == np.float32 and 0 <= out.min() and out.max() <= 1
    assert critique.score < 90 and applied and applied[0]["op"] == "exposure"
    src = tmp_path / "dark.png"
    Image.fromarray(dark).save(src)
    args = ["enhance", str(src), "--out", str(tmp_path / "o"), "--critic", "analytic"]
    args += [] if refine else ["--no-refine"]
    assert CliRunner().invoke(app, args).exit_code == 0
    doc = json.loads((tmp_path / "o" / "dark.spc.json").read_text())
    assert applied == doc["applied"]
    written = np.asarray(Image.open(tmp_path / "o" / "dark.png"), dtype=np.float32) / 255
    assert np.abs(written - out).max() <= 1 / 255 + 1e-4


def test_enhance_pixels_strength_and_hint():
    dark = _dark(_scene(seed=1))
    _, _, full = api.enhance_pixels(dark, critic="analytic", refine=False)
    _, _, half = api.enhance_pixels(dark, critic="analytic", refine=False, strength=0.5)
    assert half[0]["params"]["ev"] == pytest.approx(0.5 * full[0]["params"]["ev"], rel=1e-3)
    out0, _, none = api.enhance_pixels(dark, critic="analytic", strength=0.0)
    assert none == [] and np.allclose(out0, dark / 255.0, atol=1e-5)
    _, _, warm = api.enhance_pixels(_scene(), critic="analytic", hint="much warmer")
    (wb,) = [a for a in warm if a["op"] == "white_balance"]
    assert wb["params"]["red"] > 1 > wb["params"]["blue"]


def test_enhance_pixels_runs_the_closed_loop_by_default(monkeypatch):
    from spc_cli import engine

    seen = []
    real = engine.choose_plan
    monkeypatch.setattr(engine, "choose_plan", lambda *a, **kw: seen.append(kw["refine"]) or real(*a, **kw))
    dark = _dark(_scene(seed=1))
    api.enhance_pixels(dark, critic="analytic")
    api.enhance_pixels(dark, critic="analytic", refine=False)
    assert seen == [True, False]


def test_outcomes_and_plans_reach_the_callers(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(_dark(_scene(48, 64, seed=1))).save(src / "a.png")
    (src / "broken.jpg").write_bytes(b"\xff\xd8\xff not a jpeg")
    out = tmp_path / "out"
    plans, outcomes = [], []
    summary = api.enhance([src], out, on_plan=plans.append, on_outcome=outcomes.append, critic="analytic")
    ((jobs),) = plans
    assert sorted(j.output.name for j in jobs) == ["a.png", "broken.jpg"]
    by = {o.source.name: o for o in outcomes}
    assert by["a.png"].status == "done" and by["a.png"].output == out / "a.png" and by["a.png"].score_before < 90
    assert by["a.png"].did.startswith("score ")
    assert by["broken.jpg"].status == "failed" and by["broken.jpg"].output == out / "broken.jpg"
    assert summary.count("done") == 1 and summary.exit_code == 1
    again = []
    api.enhance([src / "a.png"], out, on_outcome=again.append, critic="analytic")
    assert [(o.status, o.reason, o.output) for o in again] == [("skipped", "up to date", out / "a.png")]


def test_critique_hands_on_each_photo_and_counts_them(tmp_path):
    from spc_cli.photo import Photo

    Image.fromarray(_scene(48, 64)).save(tmp_path / "a.png")
    Image.fromarray(_dark(_scene(48, 64, seed=2))).save(tmp_path / "b.png")
    got = []
    summary = api.critique([tmp_path], lambda path, photo, c: got.append((path.name, photo, c)), critic="analytic")
    assert sorted(name for name, _, _ in got) == ["a.png", "b.png"]
    assert all(isinstance(photo, Photo) and photo.width == 64 and c.summary for _, photo, c in got)
    assert summary.count("done") == 2 and summary.exit_code == 0 and summary.seconds > 0


def test_progress_bar_notes_each_failure(tmp_path, capsys):
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff not a jpeg")
    api.enhance([tmp_path / "broken.jpg"], tmp_path / "out", progress=True, critic="analytic")
    err = capsys.readouterr().err
    assert f"failed {tmp_path / 'broken.jpg'}:" in err


def test_photo_from_array_explains_channels_first_other_integers_and_defines_nan():
    with pytest.raises(ValueError, match=r"channels first\? a\.transpose\(1, 2, 0\)"):
        api.photo_from_array(np.zeros((3, 16, 24), np.uint8))
    with pytest.raises(ValueError, match=r"int32 values: pass uint8 \(0-255\), uint16"):
        api.photo_from_array(np.full((8, 8, 3), 128, np.int32))
    with pytest.raises(ValueError, match="int64 values"):
        api.critique_pixels(np.full((8, 8, 3), 128).tolist())  # a nested list of 0-255 numbers
    # NaN and -inf read black, +inf white, as in a float TIFF
    a = np.full((8, 8, 3), 0.5, np.float32)
    a[0, 0], a[0, 1], a[0, 2] = np.nan, np.inf, -np.inf
    x = api.photo_from_array(a).pixels
    assert torch.isfinite(x).all()
    assert x[:, 0, 0].tolist() == [0.0, 0.0, 0.0] and x[:, 0, 2].tolist() == [0.0, 0.0, 0.0]
    assert x[:, 0, 1].tolist() == pytest.approx([1.0, 1.0, 1.0])
    out, _, _ = api.enhance_pixels(np.where(np.random.default_rng(0).random((32, 48, 1)) < 0.02, np.nan,
                                            np.full((32, 48, 3), 0.4, np.float32)))
    assert np.isfinite(out).all()
