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
    assert 0 <= c.score <= 100 and {f"learned.{a}" for a in ("exposure", "white_balance")} <= set(c.measurements)


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
