"""benchmarks/calibrate_exposure.py's samples (no data needed)."""

import numpy as np

from benchmarks.calibrate_exposure import GOOD, OVER, photo_samples
from spc_cli.critic import exposure_model as EM


def test_each_photo_gives_good_samples_and_labelled_over_exposures(gradient_photo):
    path = gradient_photo()
    rows = photo_samples((0, str(path), "train", 29))
    assert len(rows) == GOOD + OVER
    for k, (features, label, rule, split, good) in enumerate(rows):
        assert len(features) == len(EM.OVER_FEATURES) and np.all(np.isfinite(features))
        assert split == "train" and good == (k < GOOD) and 0.0 <= rule <= 1.0
        assert label == 0 if good else label in (-1, 0, 1)
    # seeded: the same samples every run
    assert [r[0] for r in photo_samples((0, str(path), "train", 29))] == [r[0] for r in rows]
