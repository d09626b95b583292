"""benchmarks/metrics.py agrees with scikit-image and behaves at the edges."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # repo root, for `benchmarks`

pytest.importorskip("skimage")

from benchmarks import metrics  # noqa: E402


def _pair(seed: int = 0):
    rng = np.random.default_rng(seed)
    a = rng.uniform(0, 1, (40, 50, 3)).astype(np.float32)
    a = (a + np.roll(a, 1, 0) + np.roll(a, 1, 1)) / 3
    b = np.clip(a * 0.9 + 0.05 + rng.normal(0, 0.03, a.shape), 0, 1).astype(np.float32)
    return a, b


def test_ssim_matches_scikit_image():
    from skimage.metrics import structural_similarity

    a, b = _pair()
    ref = structural_similarity(a, b, channel_axis=2, data_range=1.0)
    assert metrics.ssim(b, a) == pytest.approx(ref, abs=1e-4)


def test_identical_images():
    a, _ = _pair()
    assert metrics.psnr(a, a) == metrics.PSNR_CAP
    assert metrics.ssim(a, a) == pytest.approx(1.0)
    assert metrics.delta_e(a, a) == pytest.approx(0.0, abs=1e-6)


def test_psnr_of_known_error():
    a = np.full((8, 8, 3), 0.5, np.float32)
    assert metrics.psnr(a + 0.1, a) == pytest.approx(20.0, abs=1e-3)  # MSE 0.01 -> 20 dB


def test_delta_e_grows_with_a_cast():
    a, _ = _pair()
    small = metrics.delta_e(a * np.array([1.02, 1, 0.98], np.float32), a)
    large = metrics.delta_e(a * np.array([1.15, 1, 0.85], np.float32), a)
    assert 0 < small < large


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError):
        metrics.psnr(np.zeros((4, 4, 3)), np.zeros((4, 5, 3)))


def test_lab_agrees_with_scikit_image():
    from skimage.color import rgb2lab

    a, _ = _pair(1)
    assert np.abs(metrics.to_lab(a) - rgb2lab(a)).max() < 0.5
