"""benchmarks/calibrate_haze_regions.py's readings, on a constructed photo (no data needed)."""

import numpy as np

from benchmarks.calibrate_haze_regions import readings
from spc_cli.registry import make_critic


def test_a_veil_over_the_upper_part_raises_the_regional_reading_and_not_the_whole_frames():
    rng = np.random.default_rng(0)
    blocks = rng.uniform(0.0, 1.0, (12, 18, 3)).astype(np.float32)
    clean = np.kron(blocks, np.ones((24, 24, 1), np.float32))  # surfaces from black to white
    veiled = clean.copy()
    veiled[: int(0.6 * clean.shape[0])] = 0.45 * veiled[: int(0.6 * clean.shape[0])] + 0.55 * 0.8
    critic = make_critic("analytic")
    region_clean, whole_clean, _ = readings(critic, clean)
    region_veiled, whole_veiled, raw = readings(critic, veiled)
    assert region_veiled > region_clean + 0.3 and raw >= region_veiled
    assert whole_clean < 0.3 and whole_veiled < 0.3  # the whole frame's darkest spots are in the clear part
