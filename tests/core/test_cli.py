"""The `spc` command end to end: outputs, sidecars, exit codes, resume, lock, dry run, retouch, critique.

Tests that depend on what the critic decides name ``--critic analytic``: the default critic may change."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from spc_cli import sidecar
from spc_cli.cli import app

runner = CliRunner()


def _scene(h=96, w=128, seed=0):
    """A smooth, textured, natural-looking sRGB scene (uint8)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    base = np.stack([0.45 + 0.3 * np.sin(6 * x + 1), 0.45 + 0.25 * np.cos(5 * y), 0.4 + 0.3 * x * y], -1)
    base += 0.08 * np.sin(40 * x * (1 + y) + 3 * rng.random())[..., None]
    base[h // 3: h // 2, w // 4: w // 2] = [0.92, 0.9, 0.88]
    base[2 * h // 3:, : w // 5] = [0.02, 0.025, 0.015]  # a true black, as a good photo has
    return (np.clip(base, 0, 1) * 255).round().astype(np.uint8)


def _dark(img, ev=-1.5):
    lin = (img / 255.0) ** 2.2 * 2 ** ev
    return (np.clip(lin, 0, 1) ** (1 / 2.2) * 255).round().astype(np.uint8)


@pytest.fixture()
def shoot(tmp_path):
    d = tmp_path / "shoot"
    (d / "day2").mkdir(parents=True)
    Image.fromarray(_scene()).save(d / "good.jpg", quality=95)
    Image.fromarray(_dark(_scene(seed=1))).save(d / "day2" / "dark.png")
    (d / "notes.txt").write_text("not a photo")
    (d / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 this is not really a jpeg")
    return d


def test_help_is_fast_and_does_not_import_torch():
    code = "import sys, spc_cli.cli; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    r = runner.invoke(app, ["--help"])
    assert r.exit_code == 0 and "enhance" in r.output and "critique" in r.output and "retouch" in r.output
    for cmd in ("enhance", "critique", "retouch"):
        assert runner.invoke(app, [cmd, "--help"]).exit_code == 0


def test_version():
    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and r.output.startswith("spc ")


def test_enhance_folder_mirrors_paths_writes_sidecars_and_reports_failures(shoot, tmp_path):
    out = tmp_path / "out"
    r = runner.invoke(app, ["enhance", "--critic", "analytic", str(shoot), "--out", str(out)])
    assert r.exit_code == 1, r.output
    assert "broken.jpg" in r.output
    assert (out / "good.jpg").is_file() and (out / "day2" / "dark.png").is_file()
    assert not (out / "notes.txt").exists() and not (out / "broken.jpg").exists()
    doc = json.loads((out / "day2" / "dark.spc.json").read_text())
    assert doc["schema"] == sidecar.SCHEMA == 5 and doc["error"] is None and doc["left_alone"] == []
    assert set(doc["input"]) >= {"path", "sha256", "format", "width", "height"}
    assert doc["output"]["format"] == "png" and doc["output"]["bit_depth"] == 8
    assert 0 <= doc["critique"]["score"] <= 100 and doc["critique"]["summary"]
    for f in doc["critique"]["findings"]:
        assert set(f) >= {"attribute", "direction", "severity", "measured", "reason"}
    assert any(f["attribute"] == "exposure" and f["direction"] == "under" for f in doc["critique"]["findings"])
    assert any(e["op"] == "exposure" and "increase" in e["instruction"] for e in doc["plan"])
    assert [a["op"] for a in doc["applied"]] and all({"op", "version", "params"} <= set(a) for a in doc["applied"])
    assert doc["backends"]["critic"]["name"] == "analytic" and "versions" in doc["backends"]
    assert doc["timings_ms"]["total"] > 0
    # the darkened photo was brightened
    before = np.asarray(Image.open(shoot / "day2" / "dark.png"), dtype=float).mean()
    after = np.asarray(Image.open(out / "day2" / "dark.png"), dtype=float).mean()
    assert after > before + 10
    # no temporaries left anywhere
    assert not [p for p in out.rglob("*") if "spc-tmp" in p.name]


def test_rerun_skips_up_to_date_outputs_and_force_redoes(shoot, tmp_path):
    out = tmp_path / "out"
    (shoot / "broken.jpg").unlink()
    assert runner.invoke(app, ["enhance", str(shoot), "--out", str(out)]).exit_code == 0
    mtime = (out / "good.jpg").stat().st_mtime_ns
    r = runner.invoke(app, ["enhance", str(shoot), "--out", str(out)])
    assert r.exit_code == 0 and "skipped 2" in r.output
    assert (out / "good.jpg").stat().st_mtime_ns == mtime
    # changed settings are not "up to date"
    r = runner.invoke(app, ["enhance", str(shoot), "--out", str(out), "--strength", "0.5"])
    assert "done 2" in r.output
    r = runner.invoke(app, ["enhance", str(shoot), "--out", str(out), "--strength", "0.5", "--force"])
    assert "done 2" in r.output


def _tree(root):
    """Every file and folder under ``root`` with its inode and mtime."""
    return {str(p.relative_to(root)): (p.stat().st_ino, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))}


def test_dry_run_writes_nothing(shoot, tmp_path):
    out = tmp_path / "out"
    inputs = _tree(shoot)
    r = runner.invoke(app, ["enhance", str(shoot), "--out", str(out), "--dry-run"])
    assert r.exit_code == 0 and "dry run: 3 photo(s) would be processed" in r.output  # broken.jpg is not decoded
    assert f"would write {out / 'good.jpg'}" in r.output and f"would write {out / 'day2' / 'dark.png'}" in r.output
    assert f"not read: {shoot / 'notes.txt'}" in r.output and "would write None" not in r.output
    assert not out.exists()  # no image of any format, no sidecar, no lock, not even the folder
    assert _tree(shoot) == inputs
    # over an earlier run's outputs, even with --force: nothing is rewritten, the lock included
    (shoot / "broken.jpg").unlink()
    assert runner.invoke(app, ["enhance", str(shoot), "--out", str(out)]).exit_code == 0
    before = _tree(out)
    for extra in ([], ["--force"], ["--format", "tiff"]):
        r = runner.invoke(app, ["enhance", str(shoot), "--out", str(out), "--dry-run", *extra])
        assert r.exit_code == 0 and "would write" in r.output
        assert _tree(out) == before, extra
    inputs = _tree(shoot)
    r = runner.invoke(app, ["retouch", str(shoot / "good.jpg"), "--hint", "warmer", "--dry-run"])
    assert r.exit_code == 0 and f"would write {shoot / 'good.spc.jpg'}" in r.output
    assert _tree(shoot) == inputs


def test_a_second_run_on_the_same_out_refuses(shoot, tmp_path):
    from spc_cli.engine import output_lock

    out = tmp_path / "out"
    with output_lock(out):
        assert (out / ".spc.lock").read_text() == str(os.getpid())
        r = runner.invoke(app, ["enhance", str(shoot / "good.jpg"), "--out", str(out)])
    assert r.exit_code == 2 and "another spc run" in r.output
    assert f"{out}: another spc run is writing here (pid {os.getpid()}); wait for it or choose another --out" \
        in " ".join(r.output.split())
    assert not (out / "good.jpg").exists()
    assert runner.invoke(app, ["enhance", str(shoot / "good.jpg"), "--out", str(out)]).exit_code == 0


def test_out_equal_to_an_input_folder_is_refused(shoot):
    r = runner.invoke(app, ["enhance", str(shoot), "--out", str(shoot)])
    assert r.exit_code == 2 and "never overwritten" in r.output


def test_out_naming_an_existing_file_is_a_usage_error(shoot, tmp_path):
    taken = tmp_path / "fixed.jpg"
    taken.write_bytes(b"not ours")
    r = runner.invoke(app, ["enhance", str(shoot), "--out", str(taken)])
    assert r.exit_code == 2 and "a file, not a folder" in r.output and taken.read_bytes() == b"not ours"


def test_out_named_like_a_photo_is_a_usage_error_not_a_folder_called_so(shoot, tmp_path):
    r = runner.invoke(app, ["enhance", str(shoot), "--out", str(tmp_path / "fixed.jpg")])
    assert r.exit_code == 2 and "names a photo file" in r.output and "--out" in r.output
    assert not (tmp_path / "fixed.jpg").exists()
    # a folder that already has such a name is a folder
    (tmp_path / "2019.06.tif").mkdir()
    r = runner.invoke(app, ["enhance", str(shoot), "--out", str(tmp_path / "2019.06.tif"), "--quiet"])
    assert r.exit_code in (0, 1) and any((tmp_path / "2019.06.tif").iterdir())


def test_missing_input_is_a_usage_error(tmp_path):
    r = runner.invoke(app, ["enhance", str(tmp_path / "nope.jpg"), "--out", str(tmp_path / "o")])
    assert r.exit_code == 2


def test_quiet_prints_nothing_on_success(shoot, tmp_path):
    (shoot / "broken.jpg").unlink()
    r = runner.invoke(app, ["enhance", str(shoot), "--out", str(tmp_path / "o"), "--quiet"])
    assert r.exit_code == 0 and r.output.strip() == ""


def test_retouch_writes_beside_the_input_and_never_over_it(shoot):
    src = shoot / "good.jpg"
    before = src.read_bytes()
    r = runner.invoke(app, ["retouch", str(src), "--hint", "warmer tones"])
    assert r.exit_code == 0, r.output
    out = shoot / "good.spc.jpg"
    assert out.is_file() and src.read_bytes() == before
    doc = json.loads((shoot / "good.spc.json").read_text())  # not good.spc.spc.json
    assert not (shoot / "good.spc.spc.json").exists()
    assert doc["hint"]["text"] == "warmer tones"
    wb = [a for a in doc["applied"] if a["op"] == "white_balance"]
    assert wb and wb[0]["params"]["red"] > 1 > wb[0]["params"]["blue"]
    a = np.asarray(Image.open(src), dtype=float)
    b = np.asarray(Image.open(out), dtype=float)
    assert (b[..., 0] - b[..., 2]).mean() > (a[..., 0] - a[..., 2]).mean() + 3


def test_retouch_to_an_explicit_file(shoot, tmp_path):
    target = tmp_path / "x" / "final.png"
    r = runner.invoke(app, ["retouch", str(shoot / "good.jpg"), "--hint", "a bit brighter", "--out", str(target)])
    assert r.exit_code == 0, r.output
    assert Image.open(target).format == "PNG"


def test_unknown_hint_is_exit_2(shoot):
    r = runner.invoke(app, ["retouch", str(shoot / "good.jpg"), "--hint", "make it pop like a unicorn"])
    assert r.exit_code == 2 and "not understood" in r.output


def test_critique_prints_a_table_and_json_lines(shoot):
    r = runner.invoke(app, ["critique", "--critic", "analytic", str(shoot / "day2" / "dark.png")])
    assert r.exit_code == 0 and "score" in r.output and "exposure" in r.output
    r = runner.invoke(app, ["critique", "--critic", "analytic", str(shoot), "--json"])
    assert r.exit_code == 1  # broken.jpg
    lines = [json.loads(x) for x in r.output.strip().splitlines() if x.startswith("{")]
    ok = [x for x in lines if "critique" in x]
    assert len(ok) == 2 and all("plan" in x and "score" in x["critique"] for x in ok)
    assert any("error" in x and "broken.jpg" in x["error"] for x in lines)


@pytest.mark.parametrize("hint", [None, "sharper and more vivid", "much brighter, sharper"])
def test_applied_list_replays_to_the_output(shoot, tmp_path, hint):
    """The 8-bit code paths (exact tables; bands from codes to codes) write what the float
    render of the sidecar's ``applied`` list gives, to an 8-bit level."""
    import torch

    from spc_cli.artist.pipeline import replay
    from spc_cli.io.decode import read_photo

    out = tmp_path / "out"
    args = ["enhance"] if hint is None else ["retouch", "--hint", hint]
    args += ["--critic", "analytic"]
    assert runner.invoke(app, [*args, str(shoot / "day2" / "dark.png"), "--out", str(out)]).exit_code == 0
    doc = json.loads((out / "dark.spc.json").read_text())
    if hint is not None:
        assert {"sharpen", "saturation"} & {a["op"] for a in doc["applied"]}
    src = read_photo(shoot / "day2" / "dark.png")
    again = replay(src.pixels, doc["applied"])
    written = read_photo(out / "dark.png")
    from spc_cli.colour import linear_to_srgb

    diff = (linear_to_srgb(again).clamp(0, 1) - linear_to_srgb(written.pixels)).abs().max()
    assert float(diff) <= 1.0 / 255 + 1e-4, float(diff)
    assert torch.isfinite(again).all()


def test_sixteen_bit_inputs_stay_sixteen_bit_and_raw_becomes_tiff(tmp_path):
    import cv2

    src = tmp_path / "in"
    src.mkdir()
    img16 = (_scene().astype(np.uint16) * 257)[..., ::-1]  # BGR for OpenCV
    cv2.imwrite(str(src / "deep.png"), img16)
    examples = Path(__file__).resolve().parents[2] / "examples" / "synthetic.dng"
    (src / "raw.dng").write_bytes(examples.read_bytes())
    out = tmp_path / "out"
    r = runner.invoke(app, ["enhance", "--critic", "analytic", str(src), "--out", str(out)])
    assert r.exit_code == 0, r.output
    deep = cv2.imread(str(out / "deep.png"), cv2.IMREAD_UNCHANGED)
    assert deep.dtype == np.uint16
    raw = cv2.imread(str(out / "raw.tif"), cv2.IMREAD_UNCHANGED)
    assert raw.dtype == np.uint16 and raw.shape[:2] == (192, 256)
    doc = json.loads((out / "raw.spc.json").read_text())
    assert doc["input"]["format"] == "raw" and doc["output"] == {**doc["output"], "format": "tiff", "bit_depth": 16}


def test_a_photo_that_needs_nothing_is_copied_byte_for_byte(tmp_path):
    examples = Path(__file__).resolve().parents[2] / "examples"
    out = tmp_path / "out"
    r = runner.invoke(app, ["enhance", "--critic", "analytic", str(examples / "coffee.jpg"), "--out", str(out)])
    assert r.exit_code == 0, r.output
    doc = json.loads((out / "coffee.spc.json").read_text())
    assert doc["applied"] == [] and doc["plan"] == []
    assert (out / "coffee.jpg").read_bytes() == (examples / "coffee.jpg").read_bytes()
    assert any("copied unchanged" in n for n in doc["notes"])


def test_a_photo_whose_render_fails_is_reported_and_the_batch_goes_on(shoot, tmp_path):
    from spc_cli.engine import Engine, Settings, plan_jobs
    from spc_cli.errors import ParamError
    from spc_cli.registry import make_artist

    real = make_artist("pipeline", device="cpu")

    class Flaky:
        name, version = "flaky", "1"

        def render(self, photos, plans):
            if any("dark" in str(p.meta.source) for p in photos):
                raise ParamError("exposure.ev=9 is outside [-4, 4]")
            return real.render(photos, plans)

    (shoot / "broken.jpg").unlink()
    settings = Settings(out_dir=tmp_path / "out", batch_size=2, refine=False, strength=2.0)
    jobs = plan_jobs([shoot], settings)
    summary = Engine(settings, artist=Flaky()).run(jobs)
    assert summary.count("done") == 1 and len(summary.failed) == 1
    (bad,) = summary.failed
    assert "dark.png" in bad.reason and "rendering failed" in bad.reason and "outside" in bad.reason
    assert (tmp_path / "out" / "good.jpg").is_file()
    # the failed photo is not written; its sidecar says why, with what the critic said
    assert not (tmp_path / "out" / "day2" / "dark.png").exists()
    doc = json.loads((tmp_path / "out" / "day2" / "dark.spc.json").read_text())
    assert doc["error"] == bad.reason and doc["output"] is None and doc["applied"] == []
    assert doc["critique"]["findings"] and [e["op"] for e in doc["plan"]] == ["exposure"]
    assert doc["settings_key"] == settings.key() and doc["backends"]["artist"]["name"] == "flaky"
    # an earlier run's output is left as it was, and a rerun does the photo again
    Engine(settings).run(plan_jobs([shoot], settings))
    written = (tmp_path / "out" / "day2" / "dark.png").read_bytes()
    forced = Settings(out_dir=tmp_path / "out", batch_size=2, refine=False, strength=2.0, force=True)
    summary = Engine(forced, artist=Flaky()).run(plan_jobs([shoot], forced))
    assert len(summary.failed) == 1 and (tmp_path / "out" / "day2" / "dark.png").read_bytes() == written
    doc = json.loads((tmp_path / "out" / "day2" / "dark.spc.json").read_text())
    assert doc["error"] and any("an earlier run's output" in n for n in doc["notes"])
    assert Engine(settings).run(plan_jobs([shoot], settings)).count("done") == 1  # not taken as up to date


@pytest.mark.parametrize("batch_size", [1, 2])
def test_an_unexpected_render_error_names_its_kind(shoot, tmp_path, batch_size):
    from spc_cli.engine import Engine, Settings, plan_jobs

    class Broken:
        name, version = "broken", "1"

        def render(self, photos, plans):
            raise RuntimeError("out of memory on the device")

    (shoot / "broken.jpg").unlink()
    settings = Settings(out_dir=tmp_path / "out", batch_size=batch_size, refine=False, critic="analytic")
    summary = Engine(settings, artist=Broken()).run(plan_jobs([shoot / "day2"], settings))
    (bad,) = summary.failed
    assert bad.reason == f"{shoot / 'day2' / 'dark.png'}: rendering failed (RuntimeError: out of memory on the device)"


def test_an_input_that_cannot_be_read_again_for_its_checksum_fails_with_the_reason(shoot, tmp_path, monkeypatch):
    from spc_cli.engine import jobs as engine_jobs

    (shoot / "broken.jpg").unlink()
    out = tmp_path / "out"
    assert runner.invoke(app, ["enhance", str(shoot / "good.jpg"), "--out", str(out)]).exit_code == 0

    def denied(path, chunk=1 << 20):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(engine_jobs, "sha256_file", denied)
    r = runner.invoke(app, ["enhance", str(shoot / "good.jpg"), "--out", str(out)])
    assert r.exit_code == 1 and f"{shoot / 'good.jpg'}: cannot be read (Permission denied)" in " ".join(r.output.split())


def test_no_collections_while_a_batch_starts_and_collecting_again_once_it_runs(shoot, tmp_path, monkeypatch):
    import gc

    from spc_cli import api

    seen = []
    enhance = api.enhance

    def watched(*args, on_plan=None, **kw):
        seen.append(gc.isenabled())  # while torch and the backends are imported

        def plan(jobs):
            on_plan(jobs)
            seen.append(gc.isenabled())  # the batch runs
            assert gc.get_freeze_count() > 0  # with what the imports made set aside

        return enhance(*args, on_plan=plan, **kw)

    monkeypatch.setattr(api, "enhance", watched)
    r = CliRunner().invoke(app, ["enhance", str(shoot), "--out", str(tmp_path / "o"), "--quiet"])
    assert r.exit_code in (0, 1) and seen == [False, True] and gc.isenabled()
    assert gc.get_freeze_count() == 0  # set aside while the batch ran, and given back after


def test_a_caller_s_own_frozen_objects_stay_frozen_after_a_batch(shoot, tmp_path):
    import gc

    gc.freeze()  # an in-process caller that set its own objects aside
    try:
        before = gc.get_freeze_count()
        assert before > 0
        r = CliRunner().invoke(app, ["enhance", str(shoot), "--out", str(tmp_path / "o"), "--quiet"])
        assert r.exit_code in (0, 1) and gc.isenabled()
        # neither given back (0) nor grown by the batch's objects; a frozen object whose last
        # reference goes is still freed, so a few hundred of the caller's may be gone
        assert 0.9 * before < gc.get_freeze_count() <= before
    finally:
        gc.unfreeze()


def test_inputs_with_no_photos_say_so_and_exit_0(tmp_path):
    """An empty folder (a share not mounted, an empty drop folder): one warning line, not a bare
    "done 0"; exit 0, under --quiet and --json too (the warning goes to stderr)."""
    empty = tmp_path / "incoming"
    empty.mkdir()
    out = tmp_path / "out"
    for args in (["enhance", str(empty), "--out", str(out)], ["enhance", str(empty), "--out", str(out), "-q"],
                 ["enhance", str(empty), "--out", str(out), "--json"],
                 ["retouch", str(empty), "--hint", "warmer", "--out", str(out)],
                 ["critique", str(empty)], ["critique", str(empty), "-q"]):
        r = runner.invoke(app, args)
        assert r.exit_code == 0, (args, r.output)
        assert f"warning: no photos found in {empty}" in r.output, args
    (empty / "notes.txt").write_text("a file, not a photo: named as not read, no warning")
    r = runner.invoke(app, ["enhance", str(empty), "--out", str(out)])
    assert r.exit_code == 0 and "not read" in r.output and "no photos found" not in r.output


def test_critique_names_the_files_it_does_not_read(shoot):
    """A file named on the command line that spc does not read fails the critique (exit 1) with
    its reason said, in text and as a JSON line; one found in a folder is named as not read."""
    r = runner.invoke(app, ["critique", str(shoot / "notes.txt")])
    assert r.exit_code == 1 and f"{shoot / 'notes.txt'}: not a photo format spc reads (.txt)" in r.output
    r = runner.invoke(app, ["critique", str(shoot / "notes.txt"), "--json"])
    lines = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    assert r.exit_code == 1 and lines == [{"path": str(shoot / "notes.txt"),
                                           "error": f"{shoot / 'notes.txt'}: not a photo format spc reads (.txt)"}]
    r = runner.invoke(app, ["critique", "--critic", "analytic", str(shoot)])
    assert r.exit_code == 1 and f"not read: {shoot / 'notes.txt'}" in r.output and "broken.jpg" in r.output


def test_file_names_with_square_brackets_are_printed_whole(tmp_path):
    """Rich reads "[...]" as markup: a name like "[2019] party/x.jpg" must reach the terminal as
    it is, in critiques, failures and errors."""
    d = tmp_path / "[2019] party"
    d.mkdir()
    Image.fromarray(_scene()).save(d / "[red] a.jpg", quality=95)
    (d / "[bold]b.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a jpeg")
    r = runner.invoke(app, ["critique", "--critic", "analytic", str(d / "[red] a.jpg")])
    assert r.exit_code == 0 and str(d / "[red] a.jpg") in r.output
    r = runner.invoke(app, ["critique", "--critic", "analytic", str(d)])
    assert r.exit_code == 1 and str(d / "[bold]b.jpg") in r.output
    squeezed = "".join(c for c in r.output if c not in " \n│")  # the table folds long names
    assert "".join(c for c in str(d / "[red] a.jpg") if c != " ") in squeezed
    r = runner.invoke(app, ["enhance", str(d), "--out", str(tmp_path / "out")])
    assert r.exit_code == 1 and f"x {d / '[bold]b.jpg'}" in r.output
    r = runner.invoke(app, ["enhance", str(d / "[red] a.jpg"), "--out", str(d / "[red] a.jpg")])
    assert r.exit_code == 2 and f"--out {d / '[red] a.jpg'}" in r.output


def test_retouch_explain_names_what_it_does_not_read(shoot, tmp_path):
    r = runner.invoke(app, ["retouch", str(shoot / "notes.txt"), "--hint", "warmer", "--explain"])
    assert r.exit_code == 1 and "notes.txt: not a photo format spc reads (.txt)" in r.output
    empty = tmp_path / "empty"
    empty.mkdir()
    r = runner.invoke(app, ["retouch", str(empty), "--hint", "warmer", "--explain"])
    assert r.exit_code == 0 and f"warning: no photos found in {empty}" in r.output


def test_photos_whose_names_near_the_limit_get_a_sidecar_too(tmp_path):
    """A photo named with 248 bytes (or 124 two-byte letters) has a valid name, but "<stem>.spc.json"
    would not be: its sidecar's stem is cut and marked with a hash of the output's name, distinct
    for a RAW+JPEG-like pair, and a rerun finds it (up to date)."""
    from spc_cli.sidecar import NAME_MAX

    shoot = tmp_path / "shoot"
    shoot.mkdir()
    for name in ("a" * 248 + ".jpg", "a" * 248 + ".png", "é" * 124 + ".jpg"):
        Image.fromarray(_scene()).save(shoot / name)
    out = tmp_path / "out"
    r = runner.invoke(app, ["retouch", str(shoot), "--hint", "warmer", "--out", str(out)])
    assert r.exit_code == 0, r.output
    sides = sorted(p.name for p in out.iterdir() if p.name.endswith(".spc.json"))
    assert len(sides) == 3 and all(len(os.fsencode(s)) <= NAME_MAX for s in sides)
    assert all("~" in s for s in sides)
    for side in sides:
        doc = json.loads((out / side).read_text())
        assert Path(doc["output"]["path"]).exists() and Path(doc["output"]["path"]).parent == out
    r = runner.invoke(app, ["retouch", str(shoot), "--hint", "warmer", "--out", str(out)])
    assert r.exit_code == 0 and "skipped 3 (up to date)" in r.output


def test_critique_of_several_photos_shows_progress_and_one_or_json_does_not(shoot):
    (shoot / "broken.jpg").unlink()
    r = runner.invoke(app, ["critique", "--critic", "analytic", str(shoot)])
    assert r.exit_code == 0 and "critiquing:" in r.output and "2/2" in r.output
    for args in (["critique", str(shoot / "good.jpg")], ["critique", str(shoot), "--json"],
                 ["critique", str(shoot), "-q"]):
        r = runner.invoke(app, args)
        assert r.exit_code == 0 and "critiquing" not in r.output, args
