"""benchmarks/calibrate_mixed_light.py's scenes and fit (no data needed)."""

import numpy as np

from benchmarks.calibrate_mixed_light import CASES, fit, scenes


def test_each_photo_gives_one_light_the_halves_and_a_random_boundary():
    rng = np.random.default_rng(0)
    lin = np.random.default_rng(1).uniform(0.05, 0.6, (48, 64, 3)).astype(np.float32)
    out = list(scenes(lin, rng))
    assert [c for c, _ in out] == list(CASES)
    for case, lit in out:
        assert lit.shape == lin.shape and lit.dtype == np.float32 and 0 <= lit.min() and lit.max() <= 1
        warmth = np.log(lit[..., 0] + 1e-4) - np.log(lit[..., 2] + 1e-4) - (np.log(lin[..., 0]) - np.log(lin[..., 2]))
        left, right = warmth[:, :16].mean(), warmth[:, -16:].mean()
        if case == "one":
            assert np.ptp(warmth[lit.max(2) < 0.98]) < 0.05  # one light: the same ratio everywhere
        if case == "halves":
            assert abs(left - right) > 1.5  # 3000 K against 6500 K


def test_the_fit_separates_what_is_separable_and_keeps_weights_small_otherwise():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(400, 3))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(float)
    mean, scale, weights, bias = fit(x, y)
    score = ((x - mean) / scale) @ weights + bias
    assert ((score > 0) == (y > 0)).mean() > 0.95
    assert weights[0] > weights[1] > abs(weights[2])  # the irrelevant feature gets the least
    noise = fit(x, (rng.random(400) < 0.5).astype(float))[2]
    assert np.abs(noise).max() < 0.5
