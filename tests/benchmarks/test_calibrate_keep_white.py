"""benchmarks/calibrate_keep_white.py: its over-exposures, its scores and its choice (no data needed)."""

import numpy as np

from benchmarks.calibrate_keep_white import KEEPS, MODELS, choose, over_exposed, scores, worst_loss


def _crop() -> np.ndarray:
    y, x = np.mgrid[0:48, 0:64].astype(np.float32)
    img = np.stack([0.2 + 0.15 * np.sin(x / 9), 0.25 + 0.1 * np.cos(y / 7), 0.18 + 0.1 * np.sin((x + y) / 11)], -1)
    img[:12, :20] = 0.8  # a bright area the over-exposure pushes past white
    return np.clip(img, 0, 1).astype(np.float32)


def test_each_model_over_exposes_and_clips_at_white():
    x, rng = _crop(), np.random.default_rng(0)
    for model in MODELS:
        out = over_exposed(x, model, 1.5, rng)
        assert out.shape == x.shape and out.max() <= 1.0 + 1e-6
        assert out.mean() > x.mean() * 1.5  # brighter
    assert (over_exposed(x, "clip", 1.5, rng)[:12, :20] == 1.0).all()  # the bright area clipped


def test_darkening_a_gain_and_clip_back_is_best_near_a_plain_scaling():
    got = scores(_crop(), np.random.default_rng(1))
    assert set(got) == set(MODELS) and all(len(v) == len(KEEPS) for v in got.values())
    clip = np.array([p for p, _ in got["clip"]])
    assert clip[0] > clip[-1] + 3.0  # keeping white in full greys nothing back: far from the gain's truth


def test_the_choice_is_halfway_between_the_two_minimax_picks():
    psnr = {"a": np.array([10.0, 12, 13, 12, 11, 10, 9, 8, 7]), "b": np.array([13.0, 12, 11, 10, 9, 8, 7, 6, 5])}
    de = {"a": np.array([5.0, 4, 3, 3, 3, 3, 3, 3, 4]), "b": np.array([2.0, 2, 2, 2, 2, 3, 3, 4, 5])}
    assert worst_loss(psnr).shape == (len(KEEPS),)
    best, by_psnr, by_de = choose(psnr, de)
    assert by_psnr == KEEPS[1] and by_de == KEEPS[2] and best == round((KEEPS[1] + KEEPS[2]) / 2, 2)
