"""Series: grouping (capture time, camera body, the same scene), the pooled white balance and
exposure, what the sidecar says, resume, and what --series off costs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from spc_cli import api
from spc_cli.engine import Settings, plan_jobs
from spc_cli.engine.series import plan_series
from spc_cli.engine.series_pool import OWN_SHARE
from spc_cli.registry import make_critic

from .shoot import CROP, FRAMES, T0, decode, scene, shoot, write


def _groups(folder, tmp_path, mode="auto"):
    settings = Settings(out_dir=tmp_path / "out", series=mode)
    jobs = plan_jobs([folder], settings)
    found = plan_series(jobs, settings, make_critic("analytic"))
    return {frozenset(jobs[k].source.stem for k in s.members) for s in found}, jobs


def test_reframings_form_one_series_and_other_scenes_minutes_apart_do_not(tmp_path):
    # scenes b and c are 2 and 4 minutes after a (within the gap two frames of one series may
    # have), so only their content keeps them apart; d is scene a again, an hour later
    shoot(tmp_path / "in", {"a": (1, T0), "b": (2, T0 + 120), "c": (3, T0 + 240), "d": (1, T0 + 3600)})
    groups, _ = _groups(tmp_path / "in", tmp_path)
    names = lambda s: frozenset(f"{s}_{k}" for k in range(len(FRAMES)))  # noqa: E731
    assert groups == {names("a"), names("b"), names("c"), names("d")}


@pytest.mark.parametrize("fmt,ext", [("HEIF", ".HEIC"), ("WEBP", ".webp")])
def test_heic_and_webp_frames_form_a_series(tmp_path, fmt, ext):
    """A phone's HEIC frames, or WebP: their capture time is read from the EXIF block in the
    file's header, where exifread cannot read the HEIF layout or finds none in WebP."""
    import pillow_heif
    from PIL import Image

    from .shoot import encode, exif, frame

    pillow_heif.register_heif_opener()
    lin = scene(4)
    folder = tmp_path / "in"
    folder.mkdir()
    for k in range(len(FRAMES)):
        Image.fromarray(encode(frame(lin, k))).save(folder / f"IMG_{k}{ext}", format=fmt, quality=95,
                                                    exif=exif(T0 + 4 * k))
    groups, _ = _groups(folder, tmp_path)
    assert groups == {frozenset(f"IMG_{k}" for k in range(len(FRAMES)))}


def test_other_camera_bodies_and_photos_without_capture_time_stay_alone(tmp_path):
    lin = scene(5)
    from .shoot import frame

    write(tmp_path / "in", "r6_0", frame(lin, 0), T0)
    write(tmp_path / "in", "r6_1", frame(lin, 1), T0 + 2)
    write(tmp_path / "in", "r5_0", frame(lin, 2), T0 + 1, body="EOS R5", serial="77")
    write(tmp_path / "in", "notime_0", frame(lin, 1), None)
    groups, jobs = _groups(tmp_path / "in", tmp_path)
    assert groups == {frozenset({"r6_0", "r6_1"})}
    by_name = {j.source.stem: j for j in jobs}
    assert by_name["r5_0"].series is not None and by_name["r5_0"].series.key is None  # read, in no series
    assert by_name["notime_0"].series is None  # no capture time: not even read


def test_folder_mode_makes_each_folder_one_series(tmp_path):
    shoot(tmp_path / "in" / "one", {"a": (1, T0)})
    lin = scene(9)
    from .shoot import frame

    for k in range(2):
        write(tmp_path / "in" / "two", f"x_{k}", frame(lin, k), None)  # no EXIF time: folder mode needs none
    groups, _ = _groups(tmp_path / "in", tmp_path, "folder")
    assert groups == {frozenset({"a_0", "a_1", "a_2"}), frozenset({"x_0", "x_1"})}


def _shared_region(path, k):
    """The part of the scene every frame holds, in frame k's pixels (linear)."""
    from PIL import Image

    (x, y), _ = FRAMES[k]
    x0, y0 = max(f[0][0] for f in FRAMES), max(f[0][1] for f in FRAMES)
    x1 = min(f[0][0] for f in FRAMES) + CROP[0]
    y1 = min(f[0][1] for f in FRAMES) + CROP[1]
    arr = decode(np.asarray(Image.open(path).convert("RGB")))
    return arr[y0 - y:y1 - y, x0 - x:x1 - x]


def _log_ratios(files):
    """Per frame, the log ratio of its shared region's mean colour to the first frame's."""
    base = _shared_region(files[0], 0).reshape(-1, 3).mean(0)
    return np.array([np.log(_shared_region(f, k).reshape(-1, 3).mean(0) / base) for k, f in enumerate(files)])


def test_frames_of_a_series_come_out_matching_and_the_sidecar_says_what_was_shared(tmp_path):
    files = shoot(tmp_path / "in", {"a": (1, T0)})["a"]
    for mode in ("off", "auto"):
        api.enhance([tmp_path / "in"], tmp_path / mode, progress=False, series=mode)
    off = _log_ratios([tmp_path / "off" / f.name for f in files])
    auto = _log_ratios([tmp_path / "auto" / f.name for f in files])
    assert np.abs(off).max() > 0.15, off  # corrected one by one, the frames still differ
    # in a series, they match: what differs is the share of its own rendering each frame keeps
    assert np.abs(auto).max() < OWN_SHARE * np.abs(off).max() + 0.02, (auto, off)
    doc = json.loads((tmp_path / "auto" / "a_1.spc.json").read_text())
    s = doc["series"]
    assert doc["schema"] == 5 and s["size"] == 3 and s["shared"] == ["white_balance", "exposure"]
    assert s["members"] == [str(f) for f in files] and s["offset"]["from"] == "matched"
    assert {e["op"] for e in s["edits"]} <= {"white_balance", "exposure"} and s["edits"]
    assert [a["op"] for a in doc["applied"]][:1] in (["white_balance"], ["exposure"])
    assert json.loads((tmp_path / "off" / "a_1.spc.json").read_text())["series"] is None


def test_resume_skips_an_unchanged_series_without_reading_it_and_redoes_one_whose_input_changed(tmp_path,
                                                                                               monkeypatch):
    files = shoot(tmp_path / "in", {"a": (1, T0), "b": (2, T0 + 600)})
    out = tmp_path / "out"
    first = api.enhance([tmp_path / "in"], out, progress=False)
    assert first.count("done") == 6

    import spc_cli.io.preview as preview

    reads = []
    real = preview.read_preview
    monkeypatch.setattr(preview, "read_preview", lambda *a, **k: reads.append(a[0]) or real(*a, **k))
    again = api.enhance([tmp_path / "in"], out, progress=False)
    assert again.count("skipped") == 6 and reads == []  # the frame records came from the sidecars

    from .shoot import frame

    write(tmp_path / "in", "a_2", frame(scene(1), 2) * 1.3, T0 + 8)  # one input of series a changed
    third = api.enhance([tmp_path / "in"], out, progress=False)
    done = sorted(o.source.stem for o in third.outcomes if o.status == "done")
    assert done == ["a_0", "a_1", "a_2"]  # the whole of series a, and nothing of b
    assert sorted(p.stem for p in reads) == ["a_0", "a_1", "a_2"]  # the changed one and those it is compared with
    keys = {json.loads((out / f"a_{k}.spc.json").read_text())["series"]["key"] for k in range(3)}
    assert len(keys) == 1 and keys != {json.loads((out / "b_0.spc.json").read_text())["series"]["key"]}
    del files


def test_series_off_reads_nothing_more(tmp_path, monkeypatch):
    shoot(tmp_path / "in", {"a": (1, T0)})
    import spc_cli.engine.series as series

    def boom(*a, **k):
        raise AssertionError("series planning ran")

    monkeypatch.setattr(series, "plan_series", boom)
    summary = api.enhance([tmp_path / "in"], tmp_path / "out", progress=False, series="off")
    assert summary.count("done") == 3


def test_an_unknown_series_mode_is_a_usage_error(tmp_path):
    from typer.testing import CliRunner

    from spc_cli.cli import app

    r = CliRunner().invoke(app, ["enhance", str(tmp_path), "--out", str(tmp_path / "o"), "--series", "sometimes"])
    assert r.exit_code == 2 and "--series" in r.output


@pytest.mark.parametrize("strength", [0.5, 1.0])
def test_shared_edits_are_scaled_by_strength_and_kept_by_the_closed_loop(strength):
    import torch

    from spc_cli.engine.planning import choose_plan
    from spc_cli.ops.params import ContrastParams, ExposureParams, WhiteBalanceParams
    from spc_cli.photo import Metadata, Photo
    from spc_cli.plan import Edit, EditPlan
    from spc_cli.registry import make_artist

    critic, artist = make_critic("analytic"), make_artist("pipeline")
    rng = np.random.default_rng(0)
    pixels = torch.from_numpy(np.ascontiguousarray(scene(4).transpose(2, 0, 1))) * 0.5
    photo = Photo(pixels=pixels + 0.01 * torch.from_numpy(rng.random(pixels.shape).astype(np.float32)),
                  meta=Metadata(source=__import__("pathlib").Path("x.png"), format="png", sha256="0", width=720,
                                height=480, bit_depth=8))
    critique = critic.critique([photo])[0]
    critique.plan = EditPlan(critique.plan.edits + [Edit("exposure", ExposureParams(ev=1.0)),
                                                    Edit("contrast", ContrastParams(amount=0.3))])
    shared = EditPlan([Edit("white_balance", WhiteBalanceParams(1.1, 1.0, 0.9)),
                       Edit("exposure", ExposureParams(ev=0.4, shoulder=1.0))])
    plan, _ = choose_plan(photo, critique, critic, artist, strength=strength, shared=shared)
    by_op = {e.op: e for e in plan.edits}
    assert by_op["exposure"].params.ev == 0.4 and by_op["exposure"].strength == strength  # the series', not own
    assert by_op["white_balance"].strength == strength
    assert sum(e.op == "exposure" for e in plan.edits) == 1


def test_the_series_correction_drops_a_frames_own_edit_but_never_adds_one(monkeypatch):
    # once the series' white balance has taken out a warm cast, the photo reads dull and the critic
    # would boost its saturation: an edit the photo itself did not ask for, which answers the series'
    # correction and not the photo; its own contrast edit the correction made unnecessary goes
    from types import SimpleNamespace

    import torch

    from spc_cli.engine import planning
    from spc_cli.ops.params import ContrastParams, DenoiseParams, SaturationParams, WhiteBalanceParams
    from spc_cli.photo import Metadata, Photo
    from spc_cli.plan import Edit, EditPlan

    photo = Photo(pixels=torch.full((3, 32, 48), 0.4),
                  meta=Metadata(source=__import__("pathlib").Path("x.png"), format="png", sha256="0", width=48,
                                height=32, bit_depth=8))
    own = SimpleNamespace(score=80.0, plan=EditPlan([Edit("contrast", ContrastParams(amount=0.3)),
                                                     Edit("denoise", DenoiseParams(luma=0.3)),
                                                     Edit("white_balance", WhiteBalanceParams(0.9, 1.0, 1.1))]))
    seen = SimpleNamespace(score=85.0, plan=EditPlan([Edit("saturation", SaturationParams(saturation=0.9)),
                                                      Edit("denoise", DenoiseParams(luma=0.5)),
                                                      Edit("white_balance", WhiteBalanceParams(0.95, 1.0, 1.05))]))
    monkeypatch.setattr(planning, "after_shared", lambda *a: seen)
    shared = EditPlan([Edit("white_balance", WhiteBalanceParams(0.8, 1.0, 1.2))])
    plan, _ = planning.choose_plan(photo, own, None, None, refine=False, shared=shared)
    by_op = {e.op: e for e in plan.edits}
    assert set(by_op) == {"white_balance", "denoise"}
    assert by_op["white_balance"].params.red == 0.8  # the series'
    assert by_op["denoise"].params == DenoiseParams(luma=0.5)  # as planned on the matched photo


def test_a_model_artist_gets_no_series(tmp_path):
    from spc_cli.errors import UsageError

    shoot(tmp_path / "in", {"a": (1, T0)})
    settings = Settings(out_dir=tmp_path / "out", series="auto", artist="diffusion")
    jobs = plan_jobs([tmp_path / "in"], settings)
    assert plan_series(jobs, settings, make_critic("analytic")) == [] and all(j.series is None for j in jobs)
    with pytest.raises(UsageError):
        plan_series(jobs, Settings(out_dir=tmp_path / "out", series="folder", artist="diffusion"),
                    make_critic("analytic"))


def test_series_has_one_default_for_the_cli_the_api_and_the_engine(tmp_path, monkeypatch):
    import inspect

    from typer.testing import CliRunner

    from spc_cli.cli import app

    assert Settings().series == "auto"
    assert inspect.signature(api.enhance).parameters["series"].default == "auto"
    seen = []

    def enhance(*args, **kwargs):
        seen.append(kwargs["series"])
        raise RuntimeError("stop here")  # what the CLI asked for is all this test needs

    monkeypatch.setattr(api, "enhance", enhance)
    CliRunner().invoke(app, ["enhance", str(tmp_path), "--out", str(tmp_path / "o")])
    assert seen == ["auto"]


def test_retouch_applies_its_hint_to_each_photo_without_series_matching(tmp_path):
    shoot(tmp_path / "in", {"a": (1, T0)})
    api.retouch([tmp_path / "in"], "a bit warmer", tmp_path / "out", progress=False, critic="analytic")
    assert json.loads((tmp_path / "out" / "a_1.spc.json").read_text())["series"] is None


@pytest.mark.parametrize("hint", ["slightly cooler", "+0.3 EV"])
def test_a_dial_hint_goes_on_top_of_the_series_and_the_frames_still_match(tmp_path, hint):
    """``spc enhance ./shoot --hint "slightly cooler"``: the hint turns every frame by the same
    visible step on top of the series' matching edit of that op, so the frames match as without
    it; the sidecar says so. ("neutral colours", which sets the white balance itself, replaces
    the series' edit, and says that.)"""
    files = shoot(tmp_path / "in", {"a": (1, T0)})["a"]
    api.enhance([tmp_path / "in"], tmp_path / "plain", progress=False, series="auto", critic="analytic")
    api.enhance([tmp_path / "in"], tmp_path / "hint", progress=False, series="auto", critic="analytic", hint=hint)
    plain = _log_ratios([tmp_path / "plain" / f.name for f in files])
    hinted = _log_ratios([tmp_path / "hint" / f.name for f in files])
    assert np.abs(hinted).max() < np.abs(plain).max() + 0.03, (hinted, plain)
    op = "exposure" if "EV" in hint else "white_balance"
    notes = [n for f in files for n in json.loads((tmp_path / "hint" / f"{f.stem}.spc.json").read_text())["notes"]]
    assert any(n.startswith(f"the hint's {op} edit goes on top of the series'") for n in notes), notes
    assert not any("replaces the series'" in n for n in notes)
    api.enhance([tmp_path / "in"], tmp_path / "neutral", progress=False, series="auto", critic="analytic",
                hint="neutral colours")
    notes = [n for f in files for n in json.loads((tmp_path / "neutral" / f"{f.stem}.spc.json").read_text())["notes"]]
    assert any(n.startswith("the hint replaces the series' white_balance edit") for n in notes), notes


def test_stacking_multiplies_gains_and_adds_stops():
    from spc_cli.engine.planning import stack
    from spc_cli.ops.params import ExposureParams, WhiteBalanceParams
    from spc_cli.plan import Edit

    wb = stack(Edit("white_balance", WhiteBalanceParams(red=0.8, green=1.0, blue=1.3), instruction="match"),
               Edit("white_balance", WhiteBalanceParams(red=1.1, green=1.0, blue=0.9), instruction="warmer"))
    assert (wb.params.red, wb.params.green, wb.params.blue) == pytest.approx((0.88, 1.0, 1.17))
    assert wb.instruction == "match, then warmer" and wb.strength == 1.0
    ex = stack(Edit("exposure", ExposureParams(ev=0.7, shoulder=1.0), strength=0.5),
               Edit("exposure", ExposureParams(ev=0.3, shoulder=0.9)))
    assert ex.params.ev == pytest.approx(0.65) and ex.params.shoulder == 0.9
    # a darkening keeps white where either edit would (a display-referred file); a brightening never
    dark = stack(Edit("exposure", ExposureParams(ev=-0.4, keep_white=1.0)), Edit("exposure", ExposureParams(ev=-0.2)))
    assert dark.params.ev == pytest.approx(-0.6) and dark.params.keep_white == 1.0
    up = stack(Edit("exposure", ExposureParams(ev=-0.2, keep_white=1.0)), Edit("exposure", ExposureParams(ev=0.5)))
    assert up.params.ev == pytest.approx(0.3) and up.params.keep_white == 0.0
