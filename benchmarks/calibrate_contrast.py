#!/usr/bin/env python
"""Fit the analytic critic's flat model: is the photo a faded rendering, or are its tones the scene's?

``critic.contrast_model.flat_score`` weighs the tonal measurements (``FLAT_FEATURES``: the black and
white levels, the tonal range, the dark channel and the veil, the key, median and floor, the
headroom, the chroma, the two ends' lifts) by a logistic model fitted here; the contrast-low
finding is made where its score passes ``FLAT_RAMP``'s start (``judge._contrast``).

Samples: the colour photos of the train split of ../shared/data/train (never the development
photos or the validation split), each read as the critic reads a photo (a crop of 75-100 % of each
side or the whole frame, 256-768 px, 8-bit sRGB, ``calibrate_exposure.good_crop``): four good ones
(half of them with another defect: a cast, a saturation change, noise, a blur, a wrong exposure) and three
faded by the training synthesis (``learn.defects.apply_tone``: the black lifted and the white
lowered, together by 2-60 % of the tonal range, log-uniform, in any share; 40 % with another
defect), labelled as the learned critic's trainer labels them (``learn.synth.THRESHOLDS``: a fade
from 18 % of the range, none up to 7 %; between, left out of the fit). A veil is not among the other
defects: it lowers contrast by its own physics, which the haze reading names. The model is an
L2-regularised logistic regression on standardised features (Newton's method; seeded samples: the
same constants every run). ``FLAT_RAMP`` starts at the score ``FALSE_ALARMS`` of the good samples
reach and ends ``RAMP`` log-odds above.

Printed: for the train split (fitted) and the tune split (samples made the same way, other photos),
the good samples flagged and the fades found, by the thresholds (``min(black, 1 - white)``) and by
the model where the black is lifted (``FADE_BLACK``, as ``judge._contrast`` consults it); and the
constants in the form ``contrast_model.py`` holds them.

    python benchmarks/calibrate_contrast.py            # train + tune splits (about 1 min here)
    python benchmarks/calibrate_contrast.py --limit 40

Reads ../shared/data/train; exits 0 when it is absent.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import report  # noqa: E402
from benchmarks.calibrate_exposure import fitted_samples, good_crop, measurements, other_defect  # noqa: E402
from benchmarks.calibrate_mixed_light import print_constants  # noqa: E402
from benchmarks.data import training_photo_args  # noqa: E402

GOOD, FADED = 4, 3  # samples per photo
FALSE_ALARMS = 0.02  # share of good samples where the ramp starts
RAMP = 2.0  # log-odds from the ramp's start to its end
OTHER = ("cast", "saturation", "noise", "blur", "exposure")  # the other defects a sample may carry
CACHE = Path(__file__).resolve().parent / "_work" / "contrast.npz"  # git-ignored


def photo_samples(job: tuple[int, str, str, int]) -> list[tuple[list[float], int, float, str, bool]]:
    """(features, label 1/0/-1, the thresholds' flat severity, split, whether a good sample) of one photo's
    samples."""
    import torch

    from spc_cli.critic.contrast_model import flat_features
    from spc_cli.learn import defects as DF
    from spc_cli.learn.data import load_srgb8
    from spc_cli.learn.synth import THRESHOLDS

    i, path, split, seed = job
    torch.set_num_threads(1)
    rng = np.random.default_rng([seed, i, 0 if split == "train" else 1])
    photo = load_srgb8(Path(path), 1024)
    lo, hi = THRESHOLDS["contrast_low"]
    out = []
    for k in range(GOOD + FADED):
        x = good_crop(photo, rng)
        if k < GOOD:
            label = 0
            if rng.random() < 0.5:
                x = other_defect(x, rng, OTHER)
        else:
            if rng.random() < 0.4:
                x = other_defect(x, rng, OTHER)
            x, _, size, _ = DF.apply_tone(np.clip(x, 0.0, 1.0), rng, True, DF._logu(rng, 0.02, 0.6))
            label = 1 if size >= hi else (0 if size <= lo else -1)
        m = measurements(np.clip(x, 0.0, 1.0))
        out.append((flat_features(m), label, m["rule.flat"], split, k < GOOD))
    return out


def main() -> int:
    args, root = training_photo_args(__doc__, seed=31)
    if root is None:
        return 0
    from spc_cli.critic.contrast_model import FADE_BLACK, FLAT_FEATURES

    x, label, rule, split, good, model, score = fitted_samples(photo_samples, root, args.limit, args.seed,
                                                               FLAT_FEATURES, CACHE)
    start = float(np.quantile(score[(split == "train") & good], 1 - FALSE_ALARMS))
    lifted = x[:, FLAT_FEATURES.index("contrast.black")] >= FADE_BLACK  # where judge._contrast consults it
    table = []
    for s in ("train", "tune"):
        for reader, flagged in (("thresholds (before)", rule >= 0.3), ("flat model", lifted & (score >= start))):
            m = split == s
            table.append([f"{s} (fitted)" if s == "train" else s, reader, int((m & good).sum()),
                          report.fmt(float(flagged[m & good].mean()), pct=True), int((m & (label == 1)).sum()),
                          report.fmt(float(flagged[m & (label == 1)].mean()), pct=True)])
    report.print_table("Contrast-low findings on good photos and faded ones",
                       ["samples of", "reader", "good", "good flagged", "faded", "found"], table,
                       "good: the photos as they are (half with another defect); faded: from 18 % of the range.")
    print("\n# constants for spc_cli/critic/contrast_model.py:")
    print_constants("FLAT", *model, (start, start + RAMP))
    return 0


if __name__ == "__main__":
    sys.exit(main())
