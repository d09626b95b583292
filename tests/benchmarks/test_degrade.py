"""Unit tests for benchmarks/degrade.py: the synthetic defects do what the physics says.

No test here reads ../shared/data; images are synthesised.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # repo root, for `benchmarks`

from benchmarks import degrade as D  # noqa: E402


def _scene(h: int = 64, w: int = 96, seed: int = 0) -> np.ndarray:
    """A textured sRGB uint8 test photo: colour gradients plus detail."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    r = 0.2 + 0.6 * xx / w
    g = 0.3 + 0.4 * yy / h
    b = 0.5 + 0.3 * np.sin(xx / 7.0) * np.cos(yy / 5.0)
    img = np.stack([r, g, b], axis=-1) + rng.normal(0, 0.02, (h, w, 3))
    return D.quantise8(img)


def test_srgb_round_trip():
    x = np.linspace(0, 1, 101, dtype=np.float32)
    np.testing.assert_allclose(D.linear_to_srgb(D.srgb_to_linear(x)), x, atol=1e-5)
    assert abs(float(D.srgb_to_linear(np.float32(0.5))) - 0.2140) < 1e-3


def test_plus_one_ev_doubles_linear_values():
    lin = np.random.default_rng(1).uniform(0.0, 0.45, (8, 8, 3)).astype(np.float32)
    np.testing.assert_allclose(D.exposure(lin, ev=1.0, clip=False), 2.0 * lin, rtol=1e-6)
    np.testing.assert_allclose(D.exposure(lin, ev=-2.0), lin / 4.0, rtol=1e-6)


def test_over_exposure_clips_each_channel_at_one():
    lin = np.full((2, 2, 3), 0.7, np.float32)
    out = D.exposure(lin, ev=1.0)
    assert out.max() == pytest.approx(1.0)
    assert D.exposure(lin, ev=1.0, clip=False).max() == pytest.approx(1.4)


def test_under_exposure_variant_is_quantised_and_darker():
    img = _scene()
    out = D.apply_defects(img, [("under", {"ev": -1.5})])
    assert out.dtype == np.uint8
    ratio = D.srgb_to_linear(out / 255.0).mean() / D.srgb_to_linear(img / 255.0).mean()
    assert ratio == pytest.approx(2.0 ** -1.5, rel=0.03)


@pytest.mark.parametrize("direction,kw", [("warm", {"kelvin": 4500}), ("cool", {"kelvin": 10000}),
                                          ("green", {"tint": 0.15}), ("magenta", {"tint": 0.15})])
def test_casts_change_channel_ratios_as_labelled(direction, kw):
    grey = np.full((4, 4, 3), 0.18, np.float32)
    out = D.colour_cast(grey, direction=direction, **kw)[0, 0]
    r, g, b = (float(v) for v in out)
    if direction == "warm":
        assert r > g > b
    elif direction == "cool":
        assert b > g > r
    elif direction == "green":
        assert g > r and g > b and r == pytest.approx(b)
    else:
        assert g < r and g < b and r == pytest.approx(b)
    # the gains are normalised: a neutral grey keeps its luminance
    assert float(D.luminance(out[None, None])[0, 0]) == pytest.approx(0.18, rel=1e-4)


def test_cast_labels_match_the_cast_applied():
    img = _scene()
    for kind in ("warm", "cool", "green", "magenta"):
        v = D.make_variants(img, seed=3, kinds=[kind], combined=False)[1]
        lin = D.srgb_to_linear(v.image / 255.0).reshape(-1, 3).mean(0)
        ref = D.srgb_to_linear(img / 255.0).reshape(-1, 3).mean(0)
        rb = (lin[0] / lin[2]) / (ref[0] / ref[2])
        g = (lin[1] / (lin[0] + lin[2])) / (ref[1] / (ref[0] + ref[2]))
        assert v.label["defects"][0]["attribute"] == "white_balance"
        assert v.label["defects"][0]["direction"] == kind
        assert {"warm": rb > 1.1, "cool": rb < 0.9, "green": g > 1.05, "magenta": g < 0.95}[kind]


def test_noise_is_signal_dependent():
    rng = np.random.default_rng(0)
    levels = [0.02, 0.2, 0.6]
    var = [float(D.sensor_noise(np.full((128, 128, 3), lv, np.float32), rng, sigma_mid=8.0).var())
           for lv in levels]
    assert var[0] < var[1] < var[2]
    a, b = D.noise_model(8.0)
    for lv, v in zip(levels, var):
        assert v == pytest.approx(a * lv + b, rel=0.1)


def test_noise_size_at_mid_grey_in_srgb():
    lin = np.full((256, 256, 3), float(D.srgb_to_linear(np.float32(0.5))), np.float32)
    out = D.linear_to_srgb(D.sensor_noise(lin, np.random.default_rng(0), sigma_mid=6.0))
    assert float(out.std()) * 255 == pytest.approx(6.0, rel=0.1)


def _dark_channel(lin: np.ndarray) -> float:
    import cv2
    return float(cv2.erode(lin.min(axis=2), np.ones((7, 7), np.uint8)).mean())


def test_haze_raises_the_dark_channel_and_lowers_contrast():
    lin = D.srgb_to_linear(_scene() / 255.0)
    hazy = D.haze(lin, t_near=0.8, t_far=0.6, airlight=(0.85, 0.88, 0.92), depth_seed=1)
    assert _dark_channel(hazy) > _dark_channel(lin) + 0.05
    assert D.luminance(hazy).std() < D.luminance(lin).std()
    uniform = D.haze(lin, t_near=0.7, t_far=0.7, airlight=(0.9, 0.9, 0.9))
    np.testing.assert_allclose(uniform, lin * 0.7 + 0.9 * 0.3, rtol=1e-5)


def test_desaturation_keeps_luminance_and_shrinks_chroma():
    lin = D.srgb_to_linear(_scene() / 255.0)
    out = D.desaturate(lin, scale=0.5)
    np.testing.assert_allclose(D.luminance(out), D.luminance(lin), atol=1e-5)
    y = D.luminance(lin)[..., None]
    np.testing.assert_allclose(out - y, 0.5 * (lin - y), atol=1e-5)


def test_flattened_contrast_pulls_toward_mid_grey():
    lin = D.srgb_to_linear(_scene() / 255.0)
    s0, s1 = D.linear_to_srgb(lin), D.linear_to_srgb(D.flatten_contrast(lin, keep=0.6))
    np.testing.assert_allclose(s1 - 0.5, 0.6 * (s0 - 0.5), atol=1e-4)


def test_defocus_removes_fine_detail_and_keeps_mean():
    lin = D.srgb_to_linear(_scene() / 255.0)
    out = D.defocus(lin, radius=2.0)
    assert np.abs(np.diff(out, axis=1)).mean() < 0.6 * np.abs(np.diff(lin, axis=1)).mean()
    assert out.mean() == pytest.approx(lin.mean(), rel=0.01)


def test_make_variants_is_deterministic_by_seed():
    img = _scene()
    a = D.make_variants(img, seed="kodim01")
    b = D.make_variants(img, seed="kodim01")
    c = D.make_variants(img, seed="kodim02")
    assert [v.name for v in a] == [v.name for v in b]
    for va, vb in zip(a, b):
        assert va.label == vb.label
        np.testing.assert_array_equal(va.image, vb.image)
    assert [v.label for v in a] != [v.label for v in c]


def test_make_variants_structure_and_vocabulary():
    from spc_cli.critic.base import ATTRIBUTES

    vs = D.make_variants(_scene(), seed=7, name="p")
    assert vs[0].name == "p__clean" and vs[0].label["defects"] == []
    assert len(vs) == 4  # untouched + 2 singles + 1 combined pair
    assert [len(v.label["defects"]) for v in vs] == [0, 1, 1, 2]
    for v in vs:
        assert v.image.dtype == np.uint8 and v.image.shape == (64, 96, 3)
        for d in v.label["defects"]:
            assert d["attribute"] in ATTRIBUTES
        assert all(r in ATTRIBUTES for r in v.label["related"])
    pair = vs[-1].label["defects"]
    assert pair[0]["attribute"] != pair[1]["attribute"]


def test_every_kind_applies_and_changes_the_photo():
    img = _scene()
    for name, kind in D.KINDS.items():
        params = kind.draw(np.random.default_rng(0))
        out = D.apply_defects(img, [(name, params)], seed=1)
        assert out.shape == img.shape and out.dtype == np.uint8
        assert np.abs(out.astype(int) - img.astype(int)).mean() > 0.5, name


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError):
        D.make_variants(_scene(), seed=0, kinds=["sepia"])
