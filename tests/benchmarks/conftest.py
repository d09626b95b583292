"""Shared fixtures of the benchmark-script tests (no data needed)."""

import numpy as np
import pytest
from PIL import Image


@pytest.fixture()
def gradient_photo(tmp_path):
    """A maker of a small 8-bit PNG photo (a colour gradient with a little noise, and optionally a deep
    shadow in one corner, as a good photo has): its path, for the calibration scripts' samplers."""

    def make(shadow: bool = False):
        rng = np.random.default_rng(0)
        yy, xx = np.mgrid[0:96, 0:128]
        img = np.stack([0.3 + 0.4 * xx / 128, 0.4 + 0.2 * yy / 96, 0.5 - 0.3 * xx / 128], -1)
        if shadow:
            img[60:, :30] = 0.02
        img = np.clip(img + rng.normal(0, 0.03, img.shape), 0, 1)
        path = tmp_path / "photo.png"
        Image.fromarray((img * 255).astype(np.uint8)).save(path)
        return path

    return make
