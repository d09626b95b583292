"""The model backends through ``spc`` itself: a tiny vlm critic and a tiny diffusion artist in local
folders (``--critic-model``, ``--artist-model``), with the closed loop on, end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

pytest.importorskip("transformers")

from spc_cli.cli import app  # noqa: E402

runner = CliRunner()


def _dark_photo(path, h=48, w=64):
    yy, xx = np.mgrid[0:h, 0:w] / max(h, w)
    img = np.stack([0.12 + 0.1 * xx, 0.1 + 0.08 * yy, 0.08 + 0.05 * xx * yy], -1)
    img[h // 3: h // 2, w // 3: w // 2] = 0.3
    Image.fromarray((img * 255).round().astype(np.uint8)).save(path)
    return path


@pytest.fixture
def dark(tmp_path):
    return _dark_photo(tmp_path / "dark.png")


def _sidecar(out, stem="dark"):
    return json.loads((out / f"{stem}.spc.json").read_text())


def _pixels(path):
    return np.asarray(Image.open(path).convert("RGB"), dtype=float)


# ---------------------------------------------------------------- vlm critic

def test_vlm_critic_from_a_folder_with_the_closed_loop(dark, tmp_path, scripted_vlm_dir):
    out = tmp_path / "out"
    r = runner.invoke(app, ["enhance", str(dark), "--out", str(out), "--critic", "vlm",
                            "--critic-model", str(scripted_vlm_dir)])
    assert r.exit_code == 0, r.output
    doc = _sidecar(out)
    assert doc["backends"]["critic"]["name"] == "vlm" and doc["settings"]["critic_model"] == str(scripted_vlm_dir)
    assert doc["critique"]["score"] == 41 and "too dark" in doc["critique"]["summary"]
    assert [e["op"] for e in doc["plan"]] == ["exposure"]
    # the closed loop asked the model again about each try on the proxy; it answers the same
    # words whatever it sees, so no try raised the score and the photo was left as it was
    assert doc["refine"][0] == "strength 1.0: score 41 -> 41, rejected: score did not rise"
    assert len(doc["refine"]) == 4 and doc["applied"] == []
    assert "the closed loop refused strongly increase exposure (score did not rise)" in r.output
    assert (out / "dark.png").read_bytes() == dark.read_bytes()


def test_vlm_critic_plan_is_rendered_without_the_closed_loop(dark, tmp_path, scripted_vlm_dir):
    out = tmp_path / "out"
    r = runner.invoke(app, ["enhance", str(dark), "--out", str(out), "--critic", "vlm", "--no-refine",
                            "--critic-model", str(scripted_vlm_dir)])
    assert r.exit_code == 0, r.output
    doc = _sidecar(out)
    assert doc["refine"] == [] and [a["op"] for a in doc["applied"]] == ["exposure"]
    assert doc["result"] == {"score": 41.0, "measured_on": "output"}  # the model critiqued the written photo
    assert _pixels(out / "dark.png").mean() > _pixels(dark).mean() + 10


def test_vlm_precision_and_device_reach_the_model(dark, tmp_path, scripted_vlm_dir, monkeypatch):
    from spc_cli import registry

    made = []
    real = registry.make_critic

    def spy(name, **options):
        made.append((name, options, real(name, **options)))
        return made[-1][2]

    monkeypatch.setattr(registry, "make_critic", spy)
    out = tmp_path / "out"
    r = runner.invoke(app, ["enhance", str(dark), "--out", str(out), "--critic", "vlm", "--no-refine",
                            "--critic-model", str(scripted_vlm_dir), "--precision", "bf16", "--device", "cpu"])
    assert r.exit_code == 0, r.output
    ((name, options, critic),) = made
    assert name == "vlm" and options["model"] == str(scripted_vlm_dir)
    assert critic.model.dtype == torch.bfloat16 and critic.device == torch.device("cpu")
    backends = _sidecar(out)["backends"]
    assert backends["dtype"] == "bfloat16" and backends["device"] == "cpu"


def test_an_unreadable_vlm_answer_fails_the_photo_and_leaves_it_untouched(dark, tmp_path, garbled_vlm_dir):
    """A model that writes garbage (wrong weights, an fp16 overflow): the photo fails (summary
    line, exit code 1, a sidecar saying why); no image is written, so a rerun with a working
    model does it."""
    before = dark.read_bytes()
    out = tmp_path / "out"
    r = runner.invoke(app, ["enhance", str(dark), "--out", str(out), "--critic", "vlm",
                            "--critic-model", str(garbled_vlm_dir)])
    assert r.exit_code == 1, r.output
    assert "failed 1" in r.output and "critique failed" in r.output and "could not be read" in r.output
    assert not (out / "dark.png").exists() and dark.read_bytes() == before
    doc = _sidecar(out)
    assert "critique failed" in doc["error"] and "could not be read as a critique" in doc["error"]
    assert doc["output"] is None and doc["critique"] is None and doc["applied"] == []
    assert doc["result"]["score"] is None and doc["input"]["sha256"]
    assert doc["backends"]["critic"]["name"] == "vlm"
    # spc critique says the same, one JSON line with the error
    r = runner.invoke(app, ["critique", str(dark), "--json", "--critic", "vlm", "--critic-model", str(garbled_vlm_dir)])
    assert r.exit_code == 1
    (line,) = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
    assert "could not be read" in line["error"] and "critique" not in line
    # a rerun is not "up to date": it tries again
    r = runner.invoke(app, ["enhance", str(dark), "--out", str(out), "--critic", "vlm",
                            "--critic-model", str(garbled_vlm_dir)])
    assert r.exit_code == 1 and "skipped 0" in r.output


# ---------------------------------------------------------------- diffusion artist

STEPS = 3  # the editor's denoising steps in these tests (30 by default: ten times the CPU time)


@pytest.fixture
def counted_renders(monkeypatch):
    """The sizes of the photos (the closed loop's proxies included) the diffusion artist rendered;
    the artist is built with ``STEPS`` steps."""
    pytest.importorskip("diffusers")
    from spc_cli.artist import diffusion

    calls = []
    real_init, real_render = diffusion.DiffusionArtist.__init__, diffusion.DiffusionArtist.render

    def init(self, *args, **kw):
        real_init(self, *args, **{**kw, "steps": STEPS})

    def render(self, photos, plans):
        calls.extend((p.width, p.height) for p in photos)
        return real_render(self, photos, plans)

    monkeypatch.setattr(diffusion.DiffusionArtist, "__init__", init)
    monkeypatch.setattr(diffusion.DiffusionArtist, "render", render)
    return calls


def test_diffusion_artist_from_a_folder_renders_every_closed_loop_try(dark, tmp_path, tiny_pix2pix_dir,
                                                                      counted_renders):
    out = tmp_path / "out"
    r = runner.invoke(app, ["enhance", str(dark), "--out", str(out), "--critic", "analytic",
                            "--artist", "diffusion", "--artist-model", str(tiny_pix2pix_dir)])
    assert r.exit_code == 0, r.output
    doc = _sidecar(out)
    assert doc["backends"]["artist"]["name"] == "diffusion"
    tries = [n for n in doc["refine"] if n.startswith("strength") and "score" in n]
    assert tries and len(counted_renders) >= len(tries)  # each try was rendered by the editor
    if doc["applied"]:
        assert [a["op"] for a in doc["applied"]] == ["diffusion_edit"]
    assert Image.open(out / "dark.png").size == (64, 48)


def test_diffusion_artist_edit_is_written_at_full_resolution(dark, tmp_path, tiny_pix2pix_dir, counted_renders):
    out = tmp_path / "out"
    r = runner.invoke(app, ["enhance", str(dark), "--out", str(out), "--critic", "analytic", "--no-refine",
                            "--artist", "diffusion", "--artist-model", str(tiny_pix2pix_dir)])
    assert r.exit_code == 0, r.output
    doc = _sidecar(out)
    (applied,) = doc["applied"]
    assert applied["op"] == "diffusion_edit" and applied["params"]["steps"] == STEPS
    assert any("diffusion instruction" in n and "increase exposure" in n for n in doc["notes"])
    assert counted_renders == [(64, 48)]
    written = _pixels(out / "dark.png")
    assert written.shape == (48, 64, 3) and np.abs(written - _pixels(dark)).max() > 0


def test_a_missing_model_folder_is_a_usage_error(dark, tmp_path):
    r = runner.invoke(app, ["enhance", str(dark), "--out", str(tmp_path / "o"), "--critic", "vlm",
                            "--critic-model", str(tmp_path / "no-such-model")])
    assert r.exit_code == 2 and "does not exist" in r.output
    r = runner.invoke(app, ["enhance", str(dark), "--out", str(tmp_path / "o"), "--artist", "diffusion",
                            "--artist-model", str(tmp_path / "no-such-model")])
    assert r.exit_code == 2 and "does not exist" in r.output
