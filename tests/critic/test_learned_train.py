"""The learned critic's trainer keeps working, and its weights travel and are checked.

No test here trains a real model: one tiny step on a handful of generated images; the wheel is
built offline (no build isolation) to check the weights are inside it.
"""

from __future__ import annotations

import hashlib
import json
import math
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from spc_cli import manifest
from spc_cli.learn.data import split_of

REPO = Path(__file__).resolve().parents[2]


def _photo(rng: np.random.Generator, h: int = 96, w: int = 128) -> np.ndarray:
    """A small photo-like image: smooth colour fields, a few edges, a little texture."""
    import cv2

    base = cv2.resize(rng.random((4, 5, 3)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    base[h // 3: h // 2, w // 4: w // 2] = rng.random(3)
    base += 0.03 * rng.standard_normal((h, w, 3)).astype(np.float32)
    return np.round(np.clip(base, 0, 1) * 255).astype(np.uint8)


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory) -> Path:
    """Eight generated photos in one set, with names chosen so both the train and tune splits get some."""
    root = tmp_path_factory.mktemp("train") / "photos"
    (root / "gen").mkdir(parents=True)
    rng = np.random.default_rng(3)
    splits = {"train": 0, "tune": 0}
    i = 0
    while min(splits.values()) < 3:
        name = f"gen/p{i}.png"
        s = split_of(name)
        if s in splits and splits[s] < 5:
            Image.fromarray(_photo(rng)).save(root / name)
            splits[s] += 1
        i += 1
    return root


def test_one_training_step_on_a_handful_of_small_images(photo_folder, tmp_path):
    from spc_cli.critic.learned import LearnedCritic
    from spc_cli.learn.train import WEIGHTS_NAME, Settings, train

    st = Settings(samples=8, tune_samples=4, workers=1, epochs=1, batch=4, threads=1)
    ckpt = train(st, photo_folder, tmp_path, log=lambda *_: None)
    (epoch,) = ckpt["history"]
    assert all(math.isfinite(v) for k, v in epoch.items() if k != "epoch")
    assert set(epoch) >= {"presence", "direction", "regression", "render"}
    path = tmp_path / WEIGHTS_NAME
    critic = LearnedCritic(weights=path)  # what was written loads and critiques
    from spc_cli.api import photo_from_array

    c = critic.critique([photo_from_array(_photo(np.random.default_rng(9), 120, 160))])[0]
    assert 0 <= c.score <= 100 and {f"learned.presence.{a}" for a in ("exposure", "white_balance")} <= set(c.measurements)


def test_a_rebuild_with_the_same_seed_writes_the_same_bytes(photo_folder, tmp_path):
    """The shipped weights are rebuilt by one seeded command: nothing in the file depends on
    when or how fast it was trained (the training time goes to the manifest)."""
    import torch

    from spc_cli.learn.train import WEIGHTS_NAME, Settings, train

    st = Settings(samples=8, tune_samples=4, workers=1, epochs=1, batch=4, threads=1)
    first, second = tmp_path / "a", tmp_path / "b"
    ckpt = train(st, photo_folder, first, log=lambda *_: None)
    train(st, photo_folder, second, log=lambda *_: None)
    assert ckpt["train_seconds"] >= 0
    assert (first / WEIGHTS_NAME).read_bytes() == (second / WEIGHTS_NAME).read_bytes()
    assert "train_seconds" not in torch.load(first / WEIGHTS_NAME, weights_only=True)


def test_the_synthesis_labels_what_it_draws():
    from spc_cli.learn.synth import ATTRIBUTES, THRESHOLDS, synthesise

    rng = np.random.default_rng(0)
    photo = _photo(rng, 300, 400)
    seen = {a: 0 for a in ATTRIBUTES}
    for _ in range(60):
        s = synthesise(photo, rng)
        assert s.image.dtype == np.uint8 and s.image.shape == s.target.shape
        for a, p in s.presence.items():
            assert p in (-1, 0, 1)
            seen[a] += p == 1
            if p == 1 and a in ("exposure", "white_balance", "contrast", "saturation"):
                assert s.direction[a] >= 0
        if s.presence["exposure"] == 1:
            assert abs(s.values["ev"]) >= THRESHOLDS["exposure"][1]
    assert all(seen.values()), seen  # every attribute drawn as a defect at least once in 60


def _corrupt_weights(tmp_path: Path, monkeypatch, how: str) -> Path:
    """A copy of the weights folder with the learned critic's file changed or gone, made current."""
    folder = tmp_path / "weights"
    shutil.copytree(manifest.folder(), folder, ignore=shutil.ignore_patterns("__pycache__"))
    target = folder / "critic-learned.pt"
    if how == "missing":
        target.unlink()
    else:
        data = bytearray(target.read_bytes())
        data[len(data) // 2] ^= 0xFF
        target.write_bytes(bytes(data))
    monkeypatch.setattr(manifest, "folder", lambda: folder)
    manifest.load.cache_clear()
    return target


@pytest.mark.parametrize("how", ["missing", "corrupt"])
def test_missing_or_corrupt_weights_are_a_one_line_error_and_exit_2(tmp_path, monkeypatch, how):
    from spc_cli.cli import app

    entry = manifest.find("spc-critic-learned")
    sha = entry["files"][0]["sha256"]
    img = tmp_path / "photo.png"
    Image.fromarray(_photo(np.random.default_rng(1))).save(img)
    target = _corrupt_weights(tmp_path, monkeypatch, how)
    try:
        r = CliRunner().invoke(app, ["critique", str(img), "--critic", "learned"])
    finally:
        manifest.load.cache_clear()
    assert r.exit_code == 2, r.output
    lines = [ln for ln in r.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and str(target) in lines[0] and sha in lines[0], r.output
    assert ("missing" if how == "missing" else "corrupt") in lines[0]


def test_the_wheel_carries_the_weights_and_their_manifest(tmp_path):
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                        "-q", "-w", str(tmp_path), str(REPO)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    (wheel,) = tmp_path.glob("spc_cli-*.whl")
    with zipfile.ZipFile(wheel) as z:
        doc = json.loads(z.read("spc_cli/weights/manifest.json"))
        (entry,) = [e for e in doc["models"] if e["name"] == "spc-critic-learned"]
        for f in entry["files"]:
            data = z.read(f"spc_cli/weights/{f['path']}")
            assert len(data) == f["bytes"] <= 20 * 1024 * 1024
            assert hashlib.sha256(data).hexdigest() == f["sha256"]
        assert "spc_cli/critic/learned_net.py" in z.namelist()


def test_a_camera_made_exposure_goes_through_the_tone_curve_and_keeps_lamps_bright():
    from spc_cli.learn.defects import camera_curve, scene_of

    rng = np.random.default_rng(4)
    x = rng.uniform(0.01, 0.9, (40, 60, 3)).astype(np.float32)
    x[:10, :10] = 1.0  # a clipped lamp
    scene = scene_of(x, rng, 3.0, 1.1)
    again = camera_curve(scene, 3.0, 1.1)
    assert np.abs(again[10:] - x[10:]).max() < 1e-4  # unclipped light is the curve's inverse exactly
    assert (scene[:10, :10] >= 3.0 - 1e-3).all()  # clipped light was at least white
    darker = camera_curve(scene * 2.0**-1.5, 3.0, 1.1)
    assert darker[:10, :10].min() > 2.0**-1.5  # the lamp stays brighter than a gain of the photo makes it
    shadows = x[10:] < 0.1
    assert darker[10:][shadows].mean() < x[10:][shadows].mean() * 2.0**-1.5  # shadows sink at least the stops


def test_a_mild_warm_cast_is_trained_on_neither_way_a_strong_one_is_present():
    from spc_cli.learn.synth import WARM_PRESENT, synthesise

    rng = np.random.default_rng(5)
    photo = _photo(rng, 200, 300)
    seen = set()
    for _ in range(400):
        s = synthesise(photo, rng)
        if any(k in ("blackbody", "off-locus", "mixed", "tint") for k in s.kinds):
            g = np.array([-s.values["wb_r"], 0.0, -s.values["wb_b"]])  # the cast's log gains
            mag, warm = float(np.sqrt(((g - g.mean()) ** 2).sum())), g[0] - g[2] > 2 * abs(g[1] - g[0] / 2 - g[2] / 2)
            if s.presence["white_balance"] == 1 and s.direction["white_balance"] == 0:
                seen.add("warm present")
                assert mag >= WARM_PRESENT - 1e-6
            if s.presence["white_balance"] == -1 and warm and 0.09 <= mag < WARM_PRESENT:
                seen.add("warm not trained")
    assert seen == {"warm present", "warm not trained"}, seen


def test_the_threshold_balances_precision_and_recall_within_the_false_alarm_cap():
    import torch

    from spc_cli.learn.train import _threshold

    y = torch.tensor([0] * 100 + [1] * 20)
    p = torch.cat([torch.linspace(0.0, 0.6, 100), torch.linspace(0.3, 1.0, 20)])
    t = _threshold(p, y, 0.02)
    flagged_clean = float((p[:100] >= t).float().mean())
    assert flagged_clean <= 0.02 and 0.58 <= t <= 0.62  # the lowest the cap allows: nothing above it is better
    assert _threshold(torch.full((10,), 0.95), torch.tensor([0] * 5 + [1] * 5), 0.0) == 0.9  # none fits: the top
