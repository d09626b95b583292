"""benchmarks/mixed_light.py's scenes and measure, on synthetic images (no data needed)."""

import numpy as np
import pytest

from benchmarks.mixed_light import GEOMETRIES, left_after_gain, light_mask, measure


@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_every_geometry_splits_the_frame_between_two_lights(geometry):
    m = light_mask(48, 64, geometry, np.random.default_rng(3))
    assert m.shape == (48, 64) and m.min() >= 0 and m.max() <= 1
    assert (m > 0.9).mean() > 0.05 and (m < 0.1).mean() > 0.05  # both lights light a part


def test_one_global_gain_is_forgiven_and_a_regional_cast_is_not():
    rng = np.random.default_rng(0)
    ref = rng.uniform(0.05, 0.8, (32, 48, 3)).astype(np.float32)
    assert left_after_gain(ref * np.array([1.3, 1.0, 0.7], np.float32), ref) < 0.05
    half = ref.copy()
    half[:, :24] *= np.array([1.3, 1.0, 0.7], np.float32)
    assert left_after_gain(half, ref) > 2


def test_two_lights_over_grey_surfaces_take_the_local_path_and_it_removes_them():
    from spc_cli.hints.light import planck_rgb

    rng = np.random.default_rng(1)
    ref = np.repeat(rng.uniform(0.1, 0.6, (64, 96, 1)), 3, axis=2).astype(np.float32)  # grey surfaces
    lit = ref.copy()
    lit[:, :48] *= np.asarray(planck_rgb(3000.0), np.float32)
    lit[:, 48:] *= np.asarray(planck_rgb(6500.0), np.float32)
    r = measure(np.clip(lit, 0, 1).astype(np.float32), ref)
    assert r["weight"] > 0
    assert r["local"] < r["global"] / 3 and r["decided"] < r["global"] / 3
    assert abs(r["as_lit"] - r["global"]) < 0.5  # a global gain removes what the global path removes
