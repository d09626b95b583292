"""benchmarks/calibrate_saturation.py's boosts (no data needed)."""

import numpy as np

from benchmarks.calibrate_saturation import MODELS, boosted
from spc_cli import api


def _photo() -> np.ndarray:
    y, x = np.mgrid[0:192, 0:256].astype(np.float32)
    img = np.stack([90 + 80 * np.sin(x / 30), 110 + 60 * np.cos(y / 25), 100 + 50 * np.sin((x - y) / 40)], -1)
    return img.round().astype(np.uint8)


def test_the_models_are_the_trainers():
    from spc_cli.learn.defects import SATURATION_MODELS

    assert MODELS == SATURATION_MODELS


def test_each_boost_raises_the_colour_and_clips_it_at_the_gamut():
    clean = _photo()
    before = api.critique_pixels(clean.astype(np.float32) / 255.0, critic="analytic").measurements
    for model in MODELS:
        out = boosted(clean, 2.3, model)
        assert out.shape == clean.shape and out.dtype == np.uint8
        m = api.critique_pixels(out.astype(np.float32) / 255.0, critic="analytic").measurements
        assert m["saturation.chroma_p90"] > 1.5 * before["saturation.chroma_p90"], model
        assert m["saturation.gamut_edge"] > before["saturation.gamut_edge"], model
    assert np.array_equal(boosted(clean, 1.0, "linear"), clean) or np.abs(
        boosted(clean, 1.0, "linear").astype(int) - clean).max() <= 1
