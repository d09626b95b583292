"""benchmarks/calibrate_toned.py's toned prints and other versions (no data needed)."""

import numpy as np

from benchmarks.calibrate_toned import KINDS, TONES, gradient_mapped, tinted, versions
from spc_cli import api
from spc_cli.critic.thresholds import toned


def _photo() -> np.ndarray:
    """A colour scene: several colours at every lightness."""
    y, x = np.mgrid[0:192, 0:256].astype(np.float32)
    img = np.stack([0.35 + 0.3 * np.sin(x / 30), 0.45 + 0.25 * np.cos(y / 25), 0.4 + 0.2 * np.sin((x - y) / 40)], -1)
    return np.clip(img, 0, 1)


def test_a_tint_keeps_one_colour_and_the_lightness():
    print_ = tinted(_photo(), TONES["sepia"], 1.0)
    lin = np.where(print_ <= 0.04045, print_ / 12.92, ((print_ + 0.055) / 1.055) ** 2.4)
    ratio = lin[..., 0] / np.maximum(lin[..., 2], 1e-6)
    assert np.ptp(ratio[lin[..., 2] > 0.05]) < 1e-6  # one chromaticity everywhere
    assert ratio.mean() > 1.5  # sepia is warm


def test_toned_prints_read_toned_and_the_colour_photo_does_not():
    photo = _photo()
    assert not toned(api.critique_pixels(photo, critic="analytic").measurements)
    for print_ in (tinted(photo, TONES["cyanotype"], 1.0),
                   gradient_mapped(photo, np.array([0.2, 0.12, 0.06]), np.array([1.0, 0.95, 0.82]))):
        assert toned(api.critique_pixels(np.clip(print_, 0, 1).astype(np.float32), critic="analytic").measurements)


def test_every_kind_is_made_at_the_photos_size():
    photo = _photo()
    out = versions(photo, np.random.default_rng(1))
    assert tuple(out) == KINDS
    assert all(v.shape == photo.shape for v in out.values())
