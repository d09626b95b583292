"""The validation generator: labelled, reproducible, and its physics goes the way its labels say."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import validate_defects as V


def _photo(h: int = 96, w: int = 128) -> np.ndarray:
    import cv2

    rng = np.random.default_rng(0)
    base = cv2.resize(rng.random((4, 5, 3)).astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
    return np.round(np.clip(0.15 + 0.7 * base, 0, 1) * 255).astype(np.uint8)


def test_six_labelled_variants_reproducible_by_name():
    a = V.variants_of(_photo(), "set/p", 3)
    b = V.variants_of(_photo(), "set/p", 3)
    assert [v.name for v in a] == [v.name for v in b] and len(a) == 6
    assert all(np.array_equal(x.image, y.image) for x, y in zip(a, b))
    assert a[0].label == {"defects": [], "related": []} and np.array_equal(a[0].image, _photo())
    assert [len(v.label["defects"]) for v in a[1:]] == [1, 1, 1, 1, 2]
    pair = a[-1].label["defects"]
    assert pair[0]["attribute"] != pair[1]["attribute"]


def test_the_rotation_draws_every_attribute_equally():
    attrs = [V.KINDS[k].attribute for k in V.ROTATION]
    assert {a: attrs.count(a) for a in set(attrs)} == {a: 4 for a in V.FAMILIES}


@pytest.mark.parametrize("light,balance,word", [("A", "D65", "warm"), ("F11", "D55", "warm"),
                                                ((0.2800, 0.2900), "D65", "cool")])
def test_casts_are_named_by_what_they_do_to_a_grey(light, balance, word):
    xy = V.LIGHTS_XY[light] if isinstance(light, str) else light
    m = V.cast_matrix(xy, V.LIGHTS_XY[balance])
    assert V.cast_direction(m) == word
    assert float(np.array([0.2126729, 0.7151522, 0.0721750]) @ (m @ np.ones(3))) == pytest.approx(1.0)


def test_duv_moves_toward_green_or_magenta():
    base = V.LIGHTS_XY["D65"]
    assert V.cast_direction(V.cast_matrix(V.with_duv(base, 0.02), base)) == "green"
    assert V.cast_direction(V.cast_matrix(V.with_duv(base, -0.02), base)) == "magenta"


def test_the_two_planckian_routes_agree_with_the_cie_tables():
    assert V.tungsten_xy(2856) == pytest.approx(V.LIGHTS_XY["A"], abs=0.003)
    assert V.daylight_xy(6504) == pytest.approx(V.LIGHTS_XY["D65"], abs=0.001)


def test_defects_move_the_photo_the_way_their_label_says():
    s = _photo().astype(np.float64) / 255
    y = lambda x: float(V.lin(x).mean())  # noqa: E731
    assert y(V.d_exposure(s, None, ev=-1.0, knee=None)) == pytest.approx(y(s) / 2, rel=0.02)
    assert y(V.d_exposure(s, None, ev=1.0, knee=0.8)) > y(s)
    lum = lambda x: V.lin(x) @ np.array([0.2126, 0.7152, 0.0722])  # noqa: E731
    flat = V.d_flat(s, None, l0=20.0, l1=80.0)
    assert lum(flat).min() > lum(s).min() and lum(flat).max() < lum(s).max()
    hazy = V.d_haze(s, None, t_mean=0.5, air=[0.9, 0.9, 0.9], tilt=[0.2, 0.5], horizon=0.2)
    assert V.lin(hazy).min() > V.lin(s).min() + 0.1
    blurred = V.d_blur(s, None, kind="pillbox", size=3.0, angle=0.0)
    assert np.abs(np.diff(blurred, axis=1)).mean() < np.abs(np.diff(s, axis=1)).mean()
