"""benchmarks/calibrate_casts.py's samples and the shipped cast model's shape (no data needed)."""

import numpy as np

from benchmarks.calibrate_casts import CAST, GOOD, photo_samples
from spc_cli.critic import cast_model as CM


def test_each_photo_gives_good_samples_and_labelled_casts(gradient_photo):
    path = gradient_photo()
    rows = photo_samples((0, str(path), "train", 23))
    assert len(rows) == GOOD + CAST
    for k, (features, label, direction, rule, split, good) in enumerate(rows):
        assert len(features) == len(CM.CANDIDATES) and np.all(np.isfinite(features))
        assert split == "train" and good == (k < GOOD) and 0.0 <= rule <= 1.0
        if good:
            assert label == 0 and direction == -1
        else:
            assert label in (-1, 0, 1) and (direction in (0, 1, 2, 3)) == (label == 1)
    # seeded: the same samples every run
    assert [r[0] for r in photo_samples((0, str(path), "train", 23))] == [r[0] for r in rows]


def test_the_shipped_model_reads_its_features_and_a_larger_offset_is_never_evidence_against_a_cast():
    n = len(CM.CAST_FEATURES)
    assert n and len(CM.CAST_MEAN) == len(CM.CAST_SCALE) == len(CM.CAST_WEIGHTS) == n
    assert set(CM.CAST_FEATURES) <= set(CM.CANDIDATES)
    for name, w in zip(CM.CAST_FEATURES, CM.CAST_WEIGHTS):
        if name.split(" ")[0] in CM.SIDES:
            assert w > 0, name
    lo, hi = CM.CAST_RAMP
    assert lo < hi
    # the same light laid over a photo's measurements at growing strength: the score never falls
    m = {f"white_balance.{a}{s}": c for a, c in (("warmth", 0.2), ("tint", 0.05))
         for s in ["", *[f"_{e}" for e in CM.ESTIMATORS[1:-1]]]}
    m.update({k: 0.3 for k in CM.CONTEXT})
    m["white_balance.spread"] = 0.2
    scores = []
    for size in np.linspace(0, 1.5, 7):
        shifted = {k: v - size if k.startswith("white_balance.warmth") else v for k, v in m.items()}
        scores.append(CM.cast_score(shifted))
    assert all(b >= a for a, b in zip(scores, scores[1:])) and scores[-1] > scores[0]
    score = CM.cast_score(m)
    assert 0.0 <= CM.cast_confidence(score) <= 1.0 and 0.0 < CM.cast_probability(score) < 1.0
