"""`spc enhance`, `spc critique` and `spc models` with the smartphotocrafter backend, end to end on the
CPU on a tiny release (no download): outputs of the input's size, metadata kept, sidecars."""

import json

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

pytest.importorskip("transformers")
pytest.importorskip("diffusers")
pytest.importorskip("peft")

from spc_cli.cli import app  # noqa: E402


@pytest.fixture
def shoot(tmp_path):
    """Two small JPEGs with camera EXIF, one dark."""
    folder = tmp_path / "shoot"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name, size, gain in (("dark.jpg", (120, 90), 0.35), ("wide.jpg", (160, 64), 0.9)):
        yy, xx = np.mgrid[0:size[1], 0:size[0]]
        arr = np.stack([xx / size[0], yy / size[1], 0.5 + 0.0 * xx], -1) * 255 * gain
        arr = (arr + rng.normal(0, 3, arr.shape)).clip(0, 255).astype(np.uint8)
        exif = Image.Exif()
        exif[0x010F], exif[0x0110] = "SPC Test Camera", "Tiny One"  # Make, Model
        Image.fromarray(arr).save(folder / name, quality=92, exif=exif)
    return folder


@pytest.fixture
def env(tiny_release, monkeypatch):
    """The tiny release for the CLI; its critic answers in 24 tokens, not 1280 (CPU time)."""
    import spc_cli.critic.smartphotocrafter as critic

    monkeypatch.setattr(critic, "MAX_NEW_TOKENS", 24)
    release, base = tiny_release
    monkeypatch.setenv("SPC_DIFFUSION_MODEL", str(base))  # the base model's VAE, scheduler, DiT config
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return release


def test_enhance_end_to_end(shoot, tmp_path, env, canned):
    out = tmp_path / "fixed"
    r = CliRunner().invoke(app, ["enhance", str(shoot), "--out", str(out), "--artist", "smartphotocrafter",
                                 "--critic-model", str(env), "--device", "cpu", "--artist-megapixels", "0.01"])
    assert r.exit_code == 0, r.output
    for name in ("dark.jpg", "wide.jpg"):
        src, dst = Image.open(shoot / name), Image.open(out / name)
        assert dst.size == src.size  # the input's size, whatever the edit's working size
        assert dst.getexif().get(0x010F) == "SPC Test Camera"  # metadata kept
        doc = json.loads((out / (name.rsplit(".", 1)[0] + ".spc.json")).read_text())
        assert doc["backends"]["critic"]["name"] == "smartphotocrafter"
        assert doc["backends"]["artist"]["name"] == "smartphotocrafter"
        assert doc["settings"]["critic"] == "smartphotocrafter" and doc["settings"]["artist_megapixels"] == 0.01
        assert doc["critique"]["score"] == 62 and doc["critique"]["reasoning"].startswith("(1) Image Quality")
        assert [e["op"] for e in doc["plan"]] == ["exposure", "denoise", "white_balance"]
        (applied,) = doc["applied"]
        assert applied["op"] == "smartphotocrafter_edit" and applied["params"]["steps"] == 20
        notes = " ".join(doc["notes"])
        assert "hidden states" in notes and "geometric drift" in notes and "closed loop not run" in notes
        assert f"release {env}" in notes and "artist LoRA rank 4 alpha 8" in notes
        assert not np.array_equal(np.asarray(src), np.asarray(dst))  # the edit was carried over
    # a rerun skips the photos whose output is current
    again = CliRunner().invoke(app, ["enhance", str(shoot), "--out", str(out), "--artist", "smartphotocrafter",
                                     "--critic-model", str(env), "--device", "cpu", "--artist-megapixels", "0.01"])
    assert again.exit_code == 0 and "skipped 2" in again.output


def test_critique_end_to_end(shoot, env, canned):
    r = CliRunner().invoke(app, ["critique", str(shoot / "dark.jpg"), "--critic", "smartphotocrafter",
                                 "--critic-model", str(env), "--device", "cpu", "--json"])
    assert r.exit_code == 0, r.output
    line = json.loads(r.stdout.strip().splitlines()[-1])
    assert line["critique"]["score"] == 62 and "(5) Concrete" in line["critique"]["reasoning"]
    assert [e["op"] for e in line["plan"]] == ["exposure", "denoise", "white_balance"]
    r = CliRunner().invoke(app, ["critique", str(shoot / "dark.jpg"), "--critic", "smartphotocrafter",
                                 "--critic-model", str(env), "--device", "cpu"])
    assert r.exit_code == 0 and "62/100" in r.stdout and "slightly increase exposure" in r.stdout


def test_a_random_critics_answer_fails_the_photo_and_leaves_it_alone(shoot, tmp_path, env):
    """A random release answers garbage: the photo fails where the user sees it (summary line,
    exit code 1, its sidecar's error) and is not written; never a good photo of score 95."""
    out = tmp_path / "fixed"
    before = (shoot / "dark.jpg").read_bytes()
    r = CliRunner().invoke(app, ["enhance", str(shoot / "dark.jpg"), "--out", str(out), "--artist",
                                 "smartphotocrafter", "--critic-model", str(env), "--device", "cpu"])
    assert r.exit_code == 1, r.output
    assert "critique failed (the smartphotocrafter critic's answer could not be read" in " ".join(r.output.split())
    doc = json.loads((out / "dark.spc.json").read_text())
    assert "could not be read as a critique" in doc["error"] and doc["output"] is None and doc["applied"] == []
    assert not (out / "dark.jpg").exists() and (shoot / "dark.jpg").read_bytes() == before


def test_missing_weights_and_wrong_critic_are_usage_errors(shoot, tmp_path, env):
    r = CliRunner().invoke(app, ["enhance", str(shoot), "--out", str(tmp_path / "o"), "--artist",
                                 "smartphotocrafter", "--critic-model", str(tmp_path / "no-release"),
                                 "--device", "cpu"])
    assert r.exit_code == 2 and "hf download katelyn2333/SmartPhotoCrafter" in r.output
    assert len([ln for ln in r.output.strip().splitlines() if ln.strip()]) <= 3  # one message (wrapped at most)
    r = CliRunner().invoke(app, ["enhance", str(shoot), "--out", str(tmp_path / "o"), "--artist",
                                 "smartphotocrafter", "--critic", "vlm", "--device", "cpu"])
    assert r.exit_code == 2 and "implies --critic smartphotocrafter" in r.output


def test_models_lists_every_backend_and_checks_one(env, monkeypatch, tmp_path):
    monkeypatch.setenv("SPC_SMARTPHOTOCRAFTER_MODEL", str(env))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-cache"))
    r = CliRunner().invoke(app, ["models", "--json"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(x) for x in r.stdout.strip().splitlines()]
    assert [x["backend"] for x in rows if x["default"]][:1] == ["analytic"]
    assert {"analytic", "vlm", "diffusion", "smartphotocrafter"} <= {x["backend"] for x in rows}
    # the built-in critic's code is spc's, but its constants were fitted on the training photos: it says so
    analytic = next(x for x in rows if x["backend"] == "analytic")
    assert "MIT" in analytic["licence"] and "research-use photos" in analytic["licence"]
    crafter = next(x for x in rows if x["backend"] == "smartphotocrafter")
    assert crafter["ready"] and crafter["weights"][0]["path"] == str(env) and crafter["licence"] == "CC-BY-NC-SA-4.0"
    assert "non-commercial" in crafter["warning"] and crafter["packages"]["peft"]
    vlm = next(x for x in rows if x["backend"] == "vlm")
    monkeypatch.delenv("SPC_VLM_MODEL", raising=False)
    assert not vlm["ready"] and "hf download Qwen/Qwen2.5-VL-7B-Instruct --revision cc594898" in vlm["missing"][0]
    assert CliRunner().invoke(app, ["models", "smartphotocrafter"]).exit_code == 0
    r = CliRunner().invoke(app, ["models", "vlm"])
    assert r.exit_code == 2 and "missing: vlm:" in r.output
    table = CliRunner().invoke(app, ["models"], env={"COLUMNS": "160"})
    assert table.exit_code == 0 and "warning:" in table.output and "non-commercial" in table.output
    # the learned and hybrid critics run one model: its licence warning once
    assert table.output.count("warning: spc-critic-learned:") == 1
    assert {"learned", "hybrid"} <= {x["backend"] for x in rows if x["ready"]}
    assert CliRunner().invoke(app, ["models", "hybrid"]).exit_code == 0
    assert CliRunner().invoke(app, ["models", "nope"]).exit_code == 2
