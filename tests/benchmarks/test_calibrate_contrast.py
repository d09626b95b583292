"""benchmarks/calibrate_contrast.py's samples (no data needed)."""

import numpy as np
from PIL import Image

from benchmarks.calibrate_contrast import FADED, GOOD, photo_samples
from spc_cli.critic import contrast_model as CM


def test_each_photo_gives_good_samples_and_labelled_fades(tmp_path):
    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[0:96, 0:128]
    img = np.stack([0.3 + 0.4 * xx / 128, 0.4 + 0.2 * yy / 96, 0.5 - 0.3 * xx / 128], -1)
    img[60:, :30] = 0.02
    img = np.clip(img + rng.normal(0, 0.03, img.shape), 0, 1)
    path = tmp_path / "photo.png"
    Image.fromarray((img * 255).astype(np.uint8)).save(path)
    rows = photo_samples((0, str(path), "train", 31))
    assert len(rows) == GOOD + FADED
    for k, (features, label, rule, split, good) in enumerate(rows):
        assert len(features) == len(CM.FLAT_FEATURES) and np.all(np.isfinite(features))
        assert split == "train" and good == (k < GOOD) and 0.0 <= rule <= 1.0
        assert label == 0 if good else label in (-1, 0, 1)
    # seeded: the same samples every run
    assert [r[0] for r in photo_samples((0, str(path), "train", 31))] == [r[0] for r in rows]
