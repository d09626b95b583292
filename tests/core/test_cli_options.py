"""Every option of ``spc enhance``, ``spc retouch`` and ``spc critique``, each checked by its effect on
what is written: formats and bit depths on disk, JPEG quality in size and quantisation tables,
strength in the applied parameters, precision and device in the sidecar and in the pixels,
backend names and batching reaching the engine. Decisions are the analytic critic's (named
explicitly: the default critic may change)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from spc_cli.cli import app

from .test_cli import _dark, _scene

runner = CliRunner(env={"COLUMNS": "200"})
ANALYTIC = ["--critic", "analytic"]


def _run(*args):
    return runner.invoke(app, [str(a) for a in args])


def _doc(path: Path) -> dict:
    return json.loads(path.read_text())


def _dark16(h=64, w=96, seed=2) -> np.ndarray:
    """A dark 16-bit RGB scene with detail between the 8-bit levels."""
    lin = (_scene(h, w, seed).astype(np.float64) / 255.0) ** 2.2 * 2 ** -1.5
    rng = np.random.default_rng(seed)
    srgb = np.clip(lin, 0, 1) ** (1 / 2.2) + rng.uniform(-1, 1, lin.shape) / 512
    return np.clip(np.rint(srgb * 65535), 0, 65535).astype(np.uint16)


@pytest.fixture
def dark_png(tmp_path) -> Path:
    path = tmp_path / "in" / "dark.png"
    path.parent.mkdir()
    Image.fromarray(_dark(_scene(64, 96, seed=1))).save(path)
    return path


@pytest.fixture
def deep(tmp_path) -> dict[str, Path]:
    """A dark 16-bit PNG and the same pixels as a 16-bit TIFF."""
    import tifffile

    folder = tmp_path / "deep"
    folder.mkdir()
    arr = _dark16()
    cv2.imwrite(str(folder / "deep.png"), arr[:, :, ::-1])
    tifffile.imwrite(folder / "deep.tif", arr, photometric="rgb")
    return {"png": folder / "deep.png", "tiff": folder / "deep.tif"}


def _levels(path: Path) -> tuple[np.dtype, int]:
    arr = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    return arr.dtype, len(np.unique(arr))


# ---------------------------------------------------------------- --format and bit depth

@pytest.mark.parametrize("fmt,ext,pil", [("jpeg", ".jpg", "JPEG"), ("png", ".png", "PNG"), ("tiff", ".tif", "TIFF"),
                                         ("webp", ".webp", "WEBP"), ("bmp", ".bmp", "BMP")])
def test_format_sets_the_file_written(dark_png, tmp_path, fmt, ext, pil):
    out = tmp_path / "out"
    r = _run("enhance", dark_png, "--out", out, "--format", fmt, *ANALYTIC)
    assert r.exit_code == 0, r.output
    written = out / ("dark" + ext)
    assert {p.name for p in out.iterdir()} == {written.name, "dark.spc.json", ".spc.lock"}
    with Image.open(written) as im:
        assert im.format == pil and im.size == (96, 64) and im.mode == "RGB"
    doc = _doc(out / "dark.spc.json")
    assert doc["output"]["format"] == fmt and doc["output"]["bit_depth"] == 8
    assert doc["output"]["bytes"] == written.stat().st_size


def test_unknown_format_is_a_usage_error(dark_png, tmp_path):
    r = _run("enhance", dark_png, "--out", tmp_path / "o", "--format", "gif")
    assert r.exit_code == 2 and "gif" in r.output


@pytest.mark.parametrize("source,fmt,ext,depth", [("png", None, ".png", 16), ("tiff", None, ".tif", 16),
                                                  ("png", "tiff", ".tif", 16), ("tiff", "png", ".png", 16),
                                                  ("tiff", "jpeg", ".jpg", 8)])
def test_sixteen_bit_inputs_are_written_at_sixteen_bits(deep, tmp_path, source, fmt, ext, depth):
    out = tmp_path / "out"
    r = _run("enhance", deep[source], "--out", out, *ANALYTIC, *(["--format", fmt] if fmt else []))
    assert r.exit_code == 0, r.output
    doc = _doc(out / "deep.spc.json")
    assert doc["input"]["bit_depth"] == 16 and doc["output"]["bit_depth"] == depth
    assert doc["applied"], "the dark photo was brightened, so the output was encoded, not copied"
    dtype, levels = _levels(out / ("deep" + ext))
    if depth == 16:
        assert dtype == np.uint16 and levels > 4 * 256  # real 16-bit detail, not 8-bit codes scaled up
    else:
        assert dtype == np.uint8


def test_retouch_keeps_sixteen_bits_too(deep, tmp_path):
    target = tmp_path / "x.tif"
    r = _run("retouch", deep["tiff"], "--hint", "a bit warmer", "--out", target, *ANALYTIC)
    assert r.exit_code == 0, r.output
    dtype, levels = _levels(target)
    assert dtype == np.uint16 and levels > 4 * 256


# ---------------------------------------------------------------- --quality

def _quant(path: Path) -> dict:
    with Image.open(path) as im:
        return {k: list(v) for k, v in im.quantization.items()}


def test_quality_reaches_the_jpeg_encoder(dark_png, tmp_path):
    sizes, tables = {}, {}
    for q in (30, 95):
        out = tmp_path / f"q{q}"
        r = _run("enhance", dark_png, "--out", out, "--format", "jpeg", "--quality", q, *ANALYTIC)
        assert r.exit_code == 0, r.output
        sizes[q], tables[q] = (out / "dark.jpg").stat().st_size, _quant(out / "dark.jpg")
        assert _doc(out / "dark.spc.json")["settings"]["quality"] == q
        # the quantisation tables are libjpeg's for exactly this quality
        ref = tmp_path / f"ref{q}.jpg"
        Image.fromarray(_scene(16, 16)).save(ref, quality=q)
        assert tables[q] == _quant(ref)
    assert sizes[30] < 0.8 * sizes[95]
    assert sum(tables[30][0]) > 2 * sum(tables[95][0])


def test_quality_reaches_the_webp_encoder(dark_png, tmp_path):
    sizes = {}
    for q in (20, 95):
        out = tmp_path / f"q{q}"
        assert _run("enhance", dark_png, "--out", out, "--format", "webp", "--quality", q, *ANALYTIC).exit_code == 0
        sizes[q] = (out / "dark.webp").stat().st_size
    assert sizes[20] < sizes[95]


@pytest.mark.parametrize("q", ["0", "101"])
def test_quality_out_of_range_is_a_usage_error(dark_png, tmp_path, q):
    assert _run("enhance", dark_png, "--out", tmp_path / "o", "--quality", q).exit_code == 2


# ---------------------------------------------------------------- --strength and --no-refine

def _applied_exposure(out: Path) -> dict:
    (step,) = [a for a in _doc(out / "dark.spc.json")["applied"] if a["op"] == "exposure"]
    return step["params"]


def test_strength_scales_the_applied_parameters(dark_png, tmp_path):
    params, means = {}, {}
    for s in ("1.0", "0.5", "2.0"):
        out = tmp_path / f"s{s}"
        r = _run("enhance", dark_png, "--out", out, "--strength", s, "--no-refine", *ANALYTIC)
        assert r.exit_code == 0, r.output
        doc = _doc(out / "dark.spc.json")
        assert doc["settings"]["strength"] == float(s) and doc["refine"] == []
        params[s] = _applied_exposure(out)
        means[s] = np.asarray(Image.open(out / "dark.png"), dtype=float).mean()
    ev = params["1.0"]["ev"]
    assert ev > 0.5
    assert params["0.5"]["ev"] == pytest.approx(0.5 * ev, rel=1e-3)
    assert params["2.0"]["ev"] == pytest.approx(min(2.0 * ev, 4.0), rel=1e-3)
    before = np.asarray(Image.open(dark_png), dtype=float).mean()
    assert before < means["0.5"] < means["1.0"] < means["2.0"]


def test_strength_zero_leaves_the_photo_as_it_was(dark_png, tmp_path):
    out = tmp_path / "out"
    r = _run("enhance", dark_png, "--out", out, "--strength", "0", *ANALYTIC)
    assert r.exit_code == 0, r.output
    doc = _doc(out / "dark.spc.json")
    assert doc["applied"] == [] and all(e["strength"] == 0 for e in doc["plan"])
    assert (out / "dark.png").read_bytes() == dark_png.read_bytes()


@pytest.mark.parametrize("s", ["-0.1", "2.5"])
def test_strength_out_of_range_is_a_usage_error(dark_png, tmp_path, s):
    assert _run("enhance", dark_png, "--out", tmp_path / "o", "--strength", s).exit_code == 2


def test_refine_checks_the_plan_and_no_refine_skips_it(dark_png, tmp_path):
    on, off = tmp_path / "on", tmp_path / "off"
    assert _run("enhance", dark_png, "--out", on, *ANALYTIC).exit_code == 0
    assert _run("enhance", dark_png, "--out", off, "--no-refine", *ANALYTIC).exit_code == 0
    d_on, d_off = _doc(on / "dark.spc.json"), _doc(off / "dark.spc.json")
    assert d_on["settings"]["refine"] is True and d_off["settings"]["refine"] is False
    assert any(n.startswith("strength 1.0: score") for n in d_on["refine"]) and d_off["refine"] == []
    assert d_on["result"]["measured_on"] == "proxy" and d_off["result"]["measured_on"] == "output"


# ---------------------------------------------------------------- --precision and --device

def test_precision_is_recorded_and_renders_in_that_precision(deep, tmp_path):
    pixels = {}
    for p, dtype in (("fp32", "float32"), ("bf16", "bfloat16"), ("fp16", "float16")):
        out = tmp_path / p
        r = _run("enhance", deep["png"], "--out", out, "--precision", p, "--no-refine", *ANALYTIC)
        assert r.exit_code == 0, r.output
        doc = _doc(out / "deep.spc.json")
        assert doc["backends"]["dtype"] == dtype and doc["applied"]
        pixels[p] = cv2.imread(str(out / "deep.png"), cv2.IMREAD_UNCHANGED).astype(np.int64)
    for p in ("bf16", "fp16"):  # rendered in half precision: not the float32 pixels, but close to them
        diff = np.abs(pixels[p] - pixels["fp32"])
        assert diff.max() > 0 and diff.mean() < 0.01 * 65535, p


def test_device_and_precision_reach_the_artist(dark_png, tmp_path, monkeypatch):
    from spc_cli import registry

    made = []
    real = registry.make_artist
    monkeypatch.setattr(registry, "make_artist", lambda name, **kw: made.append((name, kw)) or real(name, **kw))
    out = tmp_path / "out"
    r = _run("enhance", dark_png, "--out", out, "--device", "cpu", "--precision", "bf16", *ANALYTIC)
    assert r.exit_code == 0, r.output
    ((name, kw),) = made
    assert name == "pipeline" and kw["device"] == torch.device("cpu") and kw["precision"] == "bf16"
    backends = _doc(out / "dark.spc.json")["backends"]
    assert backends["device"] == "cpu" and backends["dtype"] == "bfloat16"


@pytest.mark.parametrize("cmd", ["enhance", "critique"])
@pytest.mark.parametrize("option,value,words", [("--device", "tpu", "expected auto, cpu"),
                                                ("--precision", "fp8", "choose one of"),
                                                *([] if torch.cuda.is_available() else
                                                  [("--device", "cuda", "CUDA is not available")])])
def test_bad_device_or_precision_is_a_usage_error(dark_png, tmp_path, cmd, option, value, words):
    out = ["--out", tmp_path / "o"] if cmd == "enhance" else []
    r = _run(cmd, dark_png, *out, option, value, *ANALYTIC)
    assert r.exit_code == 2 and words in r.output, r.output


# ---------------------------------------------------------------- backends, batching, workers

def test_backend_names_reach_the_registry(dark_png, tmp_path, monkeypatch):
    from spc_cli import registry

    names = []
    for kind in ("make_critic", "make_artist"):
        real = getattr(registry, kind)
        monkeypatch.setattr(registry, kind,
                            lambda name, _r=real, _k=kind, **kw: names.append((_k, name)) or _r(name, **kw))
    out = tmp_path / "out"
    assert _run("enhance", dark_png, "--out", out, "--critic", "analytic", "--artist", "pipeline").exit_code == 0
    assert names == [("make_critic", "analytic"), ("make_artist", "pipeline")]
    b = _doc(out / "dark.spc.json")["backends"]
    assert b["critic"]["name"] == "analytic" and b["artist"]["name"] == "pipeline"


@pytest.mark.parametrize("option", ["--critic", "--artist"])
def test_unknown_backend_is_a_usage_error(dark_png, tmp_path, option):
    r = _run("enhance", dark_png, "--out", tmp_path / "o", option, "nonesuch")
    assert r.exit_code == 2 and "unknown" in r.output and "nonesuch" in r.output


@pytest.fixture
def three(tmp_path) -> Path:
    folder = tmp_path / "three"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(_dark(_scene(48, 64, seed=i))).save(folder / f"p{i}.png")
    return folder


def test_batch_size_groups_photos_for_the_critic_and_workers_bound_the_io_threads(three, tmp_path, monkeypatch):
    from spc_cli.critic.analytic import AnalyticCritic
    from spc_cli.engine import runner as engine_runner

    sizes, threads = [], set()
    real_critique, real_load = AnalyticCritic.critique, engine_runner.Engine._load
    monkeypatch.setattr(AnalyticCritic, "critique", lambda self, photos: sizes.append(len(photos))
                        or real_critique(self, photos))
    monkeypatch.setattr(engine_runner.Engine, "_load", lambda self, job, *a: threads.add(threading.current_thread().name)
                        or real_load(self, job, *a))
    outs = {}
    for args in ((), ("--batch-size", "3", "--workers", "1")):
        out = tmp_path / f"out{len(args)}"
        sizes.clear()
        threads.clear()
        r = _run("enhance", three, "--out", out, "--no-refine", *ANALYTIC, *args)
        assert r.exit_code == 0, r.output
        outs[args] = {p.name: p.read_bytes() for p in out.glob("*.png")}
        if args:
            assert 3 in sizes and threads == {"spc-io_0"}
        else:  # CPU default: one photo per batch; two I/O threads (how many of them get work is up to timing)
            assert max(sizes) == 1 and threads and threads <= {"spc-io_0", "spc-io_1"}
    assert outs[()] == outs[("--batch-size", "3", "--workers", "1")]  # batching never changes the pixels


@pytest.mark.parametrize("args", [("--batch-size", "-1"), ("--workers", "0")])
def test_bad_batch_size_or_workers_is_a_usage_error(dark_png, tmp_path, args):
    assert _run("enhance", dark_png, "--out", tmp_path / "o", *args).exit_code == 2


# ---------------------------------------------------------------- --force, --quiet, --max-megapixels

def test_force_rewrites_an_up_to_date_output(dark_png, tmp_path):
    out = tmp_path / "out"
    assert _run("enhance", dark_png, "--out", out, *ANALYTIC).exit_code == 0
    first = (out / "dark.png").stat().st_ino, (out / "dark.spc.json").stat().st_ino
    r = _run("enhance", dark_png, "--out", out, *ANALYTIC)
    assert "done 0" in r.output and "skipped 1" in r.output
    r = _run("enhance", dark_png, "--out", out, "--force", *ANALYTIC)
    assert r.exit_code == 0 and "done 1" in r.output and "skipped 0" in r.output
    again = (out / "dark.png").stat().st_ino, (out / "dark.spc.json").stat().st_ino
    assert again[0] != first[0] and again[1] != first[1]  # written anew (atomically: a new file)


def test_quiet_prints_only_the_failures(shoot_with_broken, tmp_path):
    r = _run("enhance", shoot_with_broken, "--out", tmp_path / "o", "--quiet", *ANALYTIC)
    assert r.exit_code == 1
    lines = [line for line in r.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("failed: ") and "broken.jpg" in lines[0]


@pytest.fixture
def shoot_with_broken(tmp_path) -> Path:
    folder = tmp_path / "shoot"
    folder.mkdir()
    Image.fromarray(_scene(48, 64)).save(folder / "good.png")
    (folder / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a jpeg at all")
    return folder


def test_max_megapixels_refuses_bigger_photos_and_the_batch_goes_on(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(_scene(48, 64)).save(folder / "small.png")  # 0.003 MP
    Image.fromarray(_scene(120, 160)).save(folder / "big.png")  # 0.019 MP
    out = tmp_path / "out"
    r = _run("enhance", folder, "--out", out, "--max-megapixels", "0.01", *ANALYTIC)
    assert r.exit_code == 1 and "big.png" in r.output and "too large" in r.output and "limit 0.01" in r.output
    assert (out / "small.png").is_file() and not (out / "big.png").exists()
    assert _run("enhance", folder, "--out", out, "--max-megapixels", "0.02", *ANALYTIC).exit_code == 0
    assert (out / "big.png").is_file()


# ---------------------------------------------------------------- retouch

def test_retouch_options_shape_its_output(dark_png, tmp_path):
    runs = {}
    for s in ("1.0", "0.5"):
        out = tmp_path / f"r{s}"
        r = _run("retouch", dark_png, "--hint", "warmer", "--out", out, "--strength", s, "--format", "jpeg",
                 "--quality", "60", *ANALYTIC)
        assert r.exit_code == 0, r.output
        doc = _doc(out / "dark.spc.json")
        assert doc["output"]["format"] == "jpeg" and doc["settings"]["quality"] == 60
        assert _quant(out / "dark.jpg") == _quant_ref(tmp_path, 60)
        (wb,) = [a for a in doc["applied"] if a["op"] == "white_balance"]
        runs[s] = wb["params"]
    assert runs["1.0"]["red"] > 1.0
    assert runs["0.5"]["red"] - 1.0 == pytest.approx(0.5 * (runs["1.0"]["red"] - 1.0), rel=1e-3)


def _quant_ref(tmp_path: Path, q: int) -> dict:
    ref = tmp_path / f"ref{q}.jpg"
    Image.fromarray(_scene(16, 16)).save(ref, quality=q)
    return _quant(ref)


def test_retouch_dry_run_and_quiet(dark_png, tmp_path):
    before = set(dark_png.parent.iterdir())
    r = _run("retouch", dark_png, "--hint", "brighter", "--dry-run", *ANALYTIC)
    assert r.exit_code == 0 and "would write" in r.output and "dark.spc.png" in r.output
    assert set(dark_png.parent.iterdir()) == before
    r = _run("retouch", dark_png, "--hint", "brighter", "--quiet", *ANALYTIC)
    assert r.exit_code == 0 and r.output.strip() == ""
    assert (dark_png.parent / "dark.spc.png").is_file()


# ---------------------------------------------------------------- critique

@pytest.fixture
def two(tmp_path) -> Path:
    folder = tmp_path / "two"
    folder.mkdir()
    Image.fromarray(_scene()).save(folder / "good.png")
    Image.fromarray(_dark(_scene(seed=1), ev=-2.0)).save(folder / "dark.png")
    return folder


def test_critique_of_one_photo_prints_findings_and_edits(two):
    r = _run("critique", two / "dark.png", *ANALYTIC)
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0].startswith(f"{two / 'dark.png'}  score ") and lines[0].endswith("/100")
    score = float(lines[0].split("score ")[1].split("/")[0])
    assert score < 70
    assert "findings" in r.output and "suggested edits" in r.output
    row = next(line for line in lines if "exposure" in line and "under" in line)
    cells = [c.strip() for c in row.split("│") if c.strip()]
    assert cells[:2] == ["exposure", "under"] and 0 < float(cells[2]) <= 1 and 0 < float(cells[3]) <= 1
    edit = next(line for line in lines if "increase exposure" in line)
    cells = [c.strip() for c in edit.split("│") if c.strip()]
    assert cells[0] == "1" and cells[2] == "exposure" and cells[3].startswith("ev=")
    from spc_cli.ops import OPS

    neutral = OPS["exposure"].params.neutral().to_dict()
    shown = dict(kv.split("=") for kv in cells[3].split(", "))
    assert float(shown["ev"]) > 1 and all(float(v) != pytest.approx(neutral[k], abs=1e-3) for k, v in shown.items())


def test_critique_of_a_good_photo_says_it_is_left_alone(two):
    r = _run("critique", two / "good.png", *ANALYTIC)
    assert r.exit_code == 0 and "no edits suggested: the photo is left as it is" in r.output
    assert "findings" not in r.output or "┃ attribute" not in r.output


def test_critique_of_a_folder_prints_one_row_per_photo(two):
    r = _run("critique", two, *ANALYTIC)
    assert r.exit_code == 0, r.output
    rows = {}
    for line in r.output.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) > 4 and cells[1].endswith(".png"):
            rows[Path(cells[1]).name] = cells[2:5]
    assert set(rows) == {"good.png", "dark.png"}
    assert float(rows["dark.png"][0]) < float(rows["good.png"][0])
    assert rows["dark.png"][1].startswith("exposure under (") and "increase exposure" in rows["dark.png"][2]
    assert rows["good.png"][1:] == ["-", "none"]


def test_critique_json_matches_the_sidecar_and_quiet_prints_nothing(two, tmp_path):
    r = _run("critique", two / "dark.png", "--json", *ANALYTIC)
    (line,) = [json.loads(x) for x in r.stdout.splitlines()]
    assert line["path"] == str(two / "dark.png")
    out = tmp_path / "out"
    assert _run("enhance", two / "dark.png", "--out", out, "--no-refine", *ANALYTIC).exit_code == 0
    doc = _doc(out / "dark.spc.json")
    assert line["critique"] == doc["critique"]
    assert [e["op"] for e in line["plan"]] == [e["op"] for e in doc["plan"]]
    r = _run("critique", two, "--quiet", *ANALYTIC)
    assert r.exit_code == 0 and r.output.strip() == ""


def test_critique_options_reach_the_reader(two, tmp_path, monkeypatch):
    Image.fromarray(_scene(120, 160)).save(two / "big.png")
    r = _run("critique", two, "--max-megapixels", "0.015", "--workers", "1", "--batch-size", "1", "--json", *ANALYTIC)
    assert r.exit_code == 1
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert sorted(Path(x["path"]).name for x in lines) == ["big.png", "dark.png", "good.png"]
    (bad,) = [x for x in lines if "error" in x]
    assert bad["error"] == f"{two / 'big.png'}: image too large: 160x120 = 0.0192 megapixels (limit 0.015)"
    assert _run("critique", two, "--critic", "nonesuch").exit_code == 2


def test_a_critic_that_fails_on_one_photo_fails_only_that_photo(two, monkeypatch):
    from spc_cli.critic.analytic import AnalyticCritic
    from spc_cli.errors import CriticError

    real = AnalyticCritic.critique

    def flaky(self, photos):
        name = photos[0].meta.source.name
        if name == "dark.png":
            raise RuntimeError("boom")
        if name == "good.png":
            raise CriticError("the answer was empty")
        return real(self, photos)

    monkeypatch.setattr(AnalyticCritic, "critique", flaky)
    Image.fromarray(_scene(seed=3)).save(two / "third.png")
    r = _run("critique", two, "--json", *ANALYTIC)
    assert r.exit_code == 1
    lines = {Path(x["path"]).name: x for x in map(json.loads, r.stdout.splitlines())}
    assert lines["dark.png"]["error"] == f"{two / 'dark.png'}: RuntimeError: boom"
    assert lines["good.png"]["error"] == f"{two / 'good.png'}: the answer was empty"
    assert "critique" in lines["third.png"] and "error" not in lines["third.png"]
    r = _run("critique", two, *ANALYTIC)  # the table lists the photo that was judged; failures go to stderr
    assert r.exit_code == 1 and "third.png" in r.output
    assert f"failed: {two / 'dark.png'}: RuntimeError: boom" in r.output


# ---------------------------------------------------------------- what the summary says

def test_summary_names_every_file_as_it_is(tmp_path):
    """Names with brackets are printed as they are (no markup), files not read are named, a failure is
    noted by the progress and in the summary, and upper-case or long extensions are kept."""
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(_dark(_scene(48, 64, seed=1))).save(folder / "shot [b].png")
    Image.fromarray(_dark(_scene(48, 64, seed=2))).save(folder / "IMG_1.JPG", quality=95)
    Image.fromarray(_dark(_scene(48, 64, seed=3))).save(folder / "photo.jpeg", quality=95)
    (folder / "[red]broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not a jpeg")
    (folder / "notes [x].txt").write_text("not a photo")
    out = tmp_path / "out"
    r = _run("enhance", folder, "--out", out, *ANALYTIC)
    assert r.exit_code == 1
    text = " ".join(r.output.split())
    assert "done 3 skipped 0 (up to date) not read 1 failed 1" in text
    assert f"{folder / 'shot [b].png'} -> {out / 'shot [b].png'}: score" in text
    assert f"x {folder / '[red]broken.jpg'}:" in text and f"failed {folder / '[red]broken.jpg'}:" in text
    assert f"not read: {folder / 'notes [x].txt'}: not a photo format spc reads (.txt)" in text
    assert sorted(p.name for p in out.iterdir() if not p.name.endswith(".json") and p.name != ".spc.lock") == \
        ["IMG_1.JPG", "photo.jpeg", "shot [b].png"]


def test_many_files_not_read_are_counted_by_reason(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(_scene(48, 64)).save(folder / "a.png")
    for i in range(21):
        (folder / f"n{i}.txt").write_text("x")
    (folder / "m.pdf").write_bytes(b"%PDF")
    r = _run("enhance", folder, "--out", tmp_path / "out", *ANALYTIC)
    assert r.exit_code == 0
    text = " ".join(r.output.split())
    assert "not read 22" in text and "not read: 21 files, not a photo format spc reads (.txt)" in text
    assert "not read: 1 files, not a photo format spc reads (.pdf)" in text and "n3.txt" not in text


def test_usage_errors_are_one_plain_line(dark_png, tmp_path):
    r = _run("enhance", dark_png, "--out", tmp_path / "o", "--critic", "nonesuch")
    assert r.exit_code == 2
    assert r.output.startswith("error: unknown critic backend 'nonesuch'") and "[bold" not in r.output


def test_ctrl_c_exits_130_and_says_outputs_are_kept(dark_png, tmp_path, monkeypatch):
    from spc_cli import api

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "enhance", interrupted)
    r = _run("enhance", dark_png, "--out", tmp_path / "o")
    assert r.exit_code == 130 and "interrupted; finished outputs are kept, rerun to continue" in r.output


@pytest.mark.parametrize("args", [(), ("--batch-size", "2"), ("--no-refine",)])
def test_timings_are_milliseconds_of_each_stage(dark_png, tmp_path, args):
    out = tmp_path / "out"
    assert _run("enhance", dark_png, "--out", out, *ANALYTIC, *args).exit_code == 0
    t = _doc(out / "dark.spc.json")["timings_ms"]
    stages = {"decode", "critique", "render", "encode"} | ({"critique_output"} if args == ("--no-refine",) else set())
    assert set(t) == stages | {"total"}
    assert all(0 < t[k] < 60_000 for k in stages if k != "render") and 0 <= t["render"] < 60_000
    assert t["total"] == pytest.approx(sum(t[k] for k in stages), abs=0.1 * len(stages))


def test_notes_hold_no_closed_loop_tries(dark_png, tmp_path):
    out = tmp_path / "out"
    assert _run("enhance", dark_png, "--out", out, *ANALYTIC).exit_code == 0
    doc = _doc(out / "dark.spc.json")
    assert doc["refine"] and all(n.startswith("strength") for n in doc["refine"])
    assert not [n for n in doc["notes"] if n.startswith("strength")]


def test_an_output_folder_that_cannot_be_made_fails_that_photo(tmp_path):
    folder = tmp_path / "in"
    (folder / "day2").mkdir(parents=True)
    Image.fromarray(_dark(_scene(48, 64))).save(folder / "day2" / "a.png")
    Image.fromarray(_dark(_scene(48, 64, seed=4))).save(folder / "b.png")
    out = tmp_path / "out"
    out.mkdir()
    (out / "day2").write_text("a file where the folder would go")
    r = _run("enhance", folder, "--out", out, *ANALYTIC)
    assert r.exit_code == 1 and (out / "b.png").is_file()
    assert f"{out / 'day2' / 'a.png'}: cannot create its folder (" in " ".join(r.output.split())
