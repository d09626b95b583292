"""What --explain says against what retouch renders, the critique table, the records of failed
and untouched photos, and retouch's output naming with several inputs."""

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from spc_cli import api
from spc_cli.cli import app

from .test_cli_hints import _dark_scene

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HINT = "much warmer, more saturated, keep the highlights"  # saturation is solved on the photo as the critic leaves it


@pytest.fixture()
def dark(tmp_path):
    p = tmp_path / "a.png"
    Image.fromarray(_dark_scene()).save(p)
    return p


def _rendered(output: str) -> dict[str, str]:
    """{op: 'k=v, ...'} of the --explain lines 'renders op (who: words): params'."""
    out = {}
    for line in output.splitlines():
        line = line.strip()
        if line.startswith("renders ") and not line.startswith("renders no "):
            op = line.split()[1]
            out[op] = (line.split(" (", 1)[1].split(":", 1)[0], line.rsplit("): ", 1)[1])
    return out


def _params(applied: dict) -> str:
    return ", ".join(f"{k}={v:g}" for k, v in applied["params"].items())


def test_explain_names_exactly_what_retouch_then_renders(dark, tmp_path):
    r = runner.invoke(app, ["retouch", str(dark), "--hint", HINT, "--explain"])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == str(dark)  # no "(hint only)" without --hint-only
    said = _rendered(r.output)
    out = tmp_path / "o.png"
    assert runner.invoke(app, ["retouch", str(dark), "--hint", HINT, "--out", str(out)]).exit_code == 0
    applied = json.loads(out.with_suffix(".spc.json").read_text())["applied"]
    assert [a["op"] for a in applied] == list(said)
    for a in applied:
        assert said[a["op"]][1] == _params(a), a["op"]
    # who asked for each edit: the hint, the critic (the photo is dark), the protection
    assert said["white_balance"][0] == said["saturation"][0] == "hint" and said["exposure"][0] == "critic"
    assert said["tone"][0] == "protection"


def test_explain_with_hint_only_says_so_and_renders_only_the_hint(dark, tmp_path):
    r = runner.invoke(app, ["retouch", str(dark), "--hint", HINT, "--explain", "--hint-only"])
    assert r.exit_code == 0, r.output
    assert r.output.splitlines()[0] == f"{dark} (hint only)"
    said = _rendered(r.output)
    out = tmp_path / "o.png"
    assert runner.invoke(app, ["retouch", str(dark), "--hint", HINT, "--hint-only", "--out", str(out)]).exit_code == 0
    applied = json.loads(out.with_suffix(".spc.json").read_text())["applied"]
    assert [a["op"] for a in applied] == list(said) and "exposure" not in said
    for a in applied:
        assert said[a["op"]][1] == _params(a), a["op"]


def test_explain_of_a_photo_it_cannot_read_names_it_and_fails(tmp_path, dark):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 not a jpeg")
    r = runner.invoke(app, ["retouch", str(bad), str(dark), "--hint", "warmer", "--explain"])
    assert r.exit_code == 1
    failed = [line for line in r.output.splitlines() if line.startswith("failed ")]
    assert len(failed) == 1 and str(bad) in failed[0]
    assert str(dark) in r.output  # the other photo is still explained


def test_explain_passes_the_run_options_to_the_critique():
    got = []
    summary = api.explain([str(_write_scene())], "warmer", lambda p, x: got.append(x), max_megapixels=0.001)
    (failed,) = got
    assert summary.exit_code == 1 and failed.status == "failed" and "image too large" in failed.reason


def _write_scene():
    import tempfile

    p = Path(tempfile.mkdtemp()) / "scene.png"
    Image.fromarray(_dark_scene()).save(p)
    return p


def test_critique_table_has_its_columns_and_a_left_title(dark):
    r = runner.invoke(app, ["critique", str(dark), "--critic", "analytic"])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert any(line.rstrip() == "findings" for line in lines)  # the title, flush left
    header = next(line for line in lines if "attribute" in line)
    for col in ("attribute", "direction", "severity", "confidence", "reason"):
        assert col in header


def test_critique_of_a_model_critic_uses_the_model_folder_given(dark, tmp_path):
    missing = tmp_path / "no-such-model"
    r = runner.invoke(app, ["critique", str(dark), "--critic", "vlm", "--critic-model", str(missing)])
    assert r.exit_code == 2
    assert str(missing) in r.output


def test_critique_pixels_defaults_to_a_working_critic():
    rng = np.random.default_rng(0)
    img = (rng.random((64, 96, 3)) * 60 + 10).astype(np.uint8)  # dark, noisy
    c = api.critique_pixels(img)
    assert 0 <= c.score < 90 and any(f.attribute == "exposure" for f in c.findings)


def test_untouched_photo_records_the_input_score_as_its_result(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    shutil.copy(EXAMPLES / "coffee.jpg", src)  # a good photo: the analytic critic leaves it alone
    r = runner.invoke(app, ["enhance", str(src), "--out", str(tmp_path / "out"), "--critic", "analytic"])
    assert r.exit_code == 0, r.output
    doc = json.loads((tmp_path / "out" / "coffee.spc.json").read_text())
    assert doc["applied"] == []
    assert doc["result"] == {"score": doc["critique"]["score"], "measured_on": "input"}


def test_retouch_of_several_photos_to_a_name_with_an_extension_writes_a_folder(dark, tmp_path):
    other = tmp_path / "b.png"
    Image.fromarray(_dark_scene(seed=1)).save(other)
    out = tmp_path / "result.png"
    r = runner.invoke(app, ["retouch", str(dark), str(other), "--hint", "warmer", "--out", str(out)])
    assert r.exit_code == 0, r.output
    assert out.is_dir() and sorted(p.name for p in out.glob("*.png")) == ["a.png", "b.png"]


class _Broken:
    """An artist that fails every render, as one out of memory would."""

    name, version = "broken", "1"

    def render(self, photos, plans):
        raise RuntimeError("no memory left")


def _run_broken(tmp_path, photo: str, **settings) -> tuple[object, dict]:
    """Run the engine with ``_Broken`` on tmp_path/in; returns the summary and the photo's sidecar."""
    from spc_cli.engine import Engine, Settings, plan_jobs

    s = Settings(out_dir=tmp_path / "out", refine=False, critic="analytic", **settings)
    summary = Engine(s, artist=_Broken()).run(plan_jobs([tmp_path / "in"], s))
    doc = json.loads((tmp_path / "out" / Path(photo).with_suffix(".spc.json")).read_text())
    return summary, doc


def test_a_failed_photo_keeps_its_camera_details_in_its_record(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    exif = Image.Exif()
    exif[0x010F] = "Testmaker"  # Make
    exif[0x0110] = "Model 7"  # Model
    Image.fromarray(_dark_scene()).save(src / "dark.jpg", quality=92, exif=exif)
    summary, doc = _run_broken(tmp_path, "dark.jpg")
    assert len(summary.failed) == 1
    assert doc["error"] and doc["output"] is None
    assert doc["input"]["exif"]["Image Make"] == "Testmaker" and doc["input"]["exif"]["Image Model"] == "Model 7"


def test_a_failed_photo_records_the_plan_it_was_to_render_hint_included(tmp_path):
    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(_dark_scene()).save(src / "dark.png")
    _, doc = _run_broken(tmp_path, "dark.png", hint="much cooler")
    assert sorted(e["op"] for e in doc["plan"]) == ["exposure", "white_balance"]  # the critic's and the hint's


def test_an_artist_that_applies_nothing_leaves_the_input_score_as_the_result(tmp_path):
    from spc_cli.artist.base import Rendered
    from spc_cli.engine import Engine, Settings, plan_jobs

    src = tmp_path / "in"
    src.mkdir()
    Image.fromarray(_dark_scene()).save(src / "dark.png")

    class Declines:
        name, version = "declines", "1"

        def render(self, photos, plans):
            return [Rendered(p, [], ["declined"]) for p in photos]

    settings = Settings(out_dir=tmp_path / "out", refine=False, critic="analytic")
    Engine(settings, artist=Declines()).run(plan_jobs([src], settings))
    doc = json.loads((tmp_path / "out" / "dark.spc.json").read_text())
    assert doc["plan"] and doc["applied"] == []
    assert doc["result"] == {"score": doc["critique"]["score"], "measured_on": "input"}


def test_the_critique_api_reports_each_photos_score():
    got = []
    summary = api.critique([str(_write_scene())], lambda p, photo, c: got.append(c), critic="analytic")
    (c,) = got
    (o,) = summary.outcomes
    assert o.status == "done" and o.score_before == c.score


@pytest.mark.parametrize("options,words", [({"workers": 0}, "--batch-size must be 0 (auto) or more, --workers at least 1"),
                                           ({"batch_size": -1}, "--batch-size must be 0 (auto) or more"),
                                           ({"strength": 2.5}, "--strength must be between 0 and 2")])
def test_the_api_refuses_bad_settings_before_any_work_saying_why(tmp_path, options, words):
    from spc_cli.errors import UsageError

    with pytest.raises(UsageError, match=re.escape(words)):
        api.enhance([str(_write_scene())], tmp_path / "out", **options)
    assert not (tmp_path / "out").exists()


def test_explain_says_when_an_edit_changes_nothing_on_the_photo(tmp_path):
    # "neutral colours" on a grey photo: the white balance it plans is the identity, which the
    # artist skips; --explain says so instead of listing gains of one
    grey = tmp_path / "grey.png"
    Image.fromarray(np.full((48, 64), 120, np.uint8)).save(grey)
    r = CliRunner().invoke(app, ["retouch", str(grey), "--hint", "neutral colours", "--explain"])
    assert r.exit_code == 0, r.output
    assert "renders no white_balance (hint: neutralise the colour cast): it changes nothing on this photo" in r.output
