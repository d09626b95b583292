"""benchmarks/calibrate_noise.py's noise and its reading of which route found it (no data needed)."""

import numpy as np

from benchmarks.calibrate_noise import KINDS, noisy, route_of
from spc_cli import api


def _photo() -> np.ndarray:
    """A smooth colour gradient with a few flat patches (the flattest blocks are flat)."""
    y, x = np.mgrid[0:256, 0:384].astype(np.float32)
    img = np.stack([40 + 150 * x / 384, 60 + 120 * y / 256, 160 - 80 * x / 384], -1)
    img[40:120, 40:160] = (200, 180, 150)
    return img.round().astype(np.uint8)


def test_grey_noise_is_the_same_in_every_channel_and_colour_noise_is_not():
    clean = _photo()
    grey = noisy(clean, "grey", 7.0, np.random.default_rng(0)).astype(np.float32) - clean
    colour = noisy(clean, "colour", 7.0, np.random.default_rng(0)).astype(np.float32) - clean
    assert 6.0 < grey.std() < 8.0 and 6.0 < colour.std() < 8.0
    assert np.abs(grey[..., 0] - grey[..., 2]).max() <= 1.0  # the same draw, up to rounding
    assert np.abs(colour[..., 0] - colour[..., 2]).mean() > 5.0
    for kind in KINDS:
        out = noisy(clean, kind, 4.0, np.random.default_rng(1))
        assert out.shape == clean.shape and out.dtype == np.uint8


def test_grey_noise_is_found_on_the_flattest_blocks_and_the_clean_photo_is_not():
    clean = _photo()
    crit = lambda a: api.critique_pixels(a.astype(np.float32) / 255.0, critic="analytic")  # noqa: E731
    assert route_of(crit(clean)) is None
    assert route_of(crit(noisy(clean, "grey", 7.0, np.random.default_rng(2)))) == "flat"
