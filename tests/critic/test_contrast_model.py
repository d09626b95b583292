"""The flat model: a faded rendering is read where the tones sit as a fade leaves them, also where the
thresholds (neither a black nor a white left) miss it; colourless and blurred frames stay the thresholds'."""

import math

import numpy as np
import pytest
import torch

from spc_cli.colour import linear_to_srgb, srgb_to_linear
from spc_cli.critic import contrast_model as CM
from spc_cli.critic import judge as J
from spc_cli.critic.analytic import AnalyticCritic

from .scenes import landscape_srgb, linear_of, photo_from_linear, quantise


def _scene() -> np.ndarray:
    """The landscape with a deep shadow (its own darkest tone is 0.11: a lifted black), as good photos
    have one."""
    s = landscape_srgb().copy()
    h, w = s.shape[:2]
    s[int(0.8 * h):, int(0.05 * w):int(0.2 * w)] *= 0.15
    return s


def _faded(black: float, white: float, grey: bool = False) -> dict[str, float]:
    """The scene, faded in its encoding as a flat tone curve does: s' = black + (white - black) s."""
    s = _scene()
    if grey:
        s = np.repeat(s.mean(axis=2, keepdims=True), 3, axis=2)
    s = black + (white - black) * s
    return AnalyticCritic().measure(photo_from_linear(quantise(linear_of(np.ascontiguousarray(s, np.float32)))))


def _contrast(m: dict[str, float], modelled: bool = True):
    found = J._contrast(m, None, J._exposure(m, None, []), modelled=modelled)
    return found[0] if found else None


def test_the_shipped_model_reads_its_features():
    n = len(CM.FLAT_FEATURES)
    assert n and len(CM.FLAT_MEAN) == len(CM.FLAT_SCALE) == len(CM.FLAT_WEIGHTS) == n
    assert all(s > 0 for s in CM.FLAT_SCALE)
    lo, hi = CM.FLAT_RAMP
    assert lo < hi and 0.0 < CM.FADE_BLACK < 0.1
    features = CM.flat_features(_faded(0.0, 1.0))
    assert len(features) == n and all(math.isfinite(v) for v in features)
    score = CM.flat_score(_faded(0.0, 1.0))
    assert 0.0 <= CM.flat_confidence(score) <= 1.0 and 0.0 < CM.flat_probability(score) < 1.0


def test_a_growing_fade_raises_the_score_and_the_photo_as_it_is_reads_unfaded():
    scores = [CM.flat_score(_faded(0.5 * k, 1.0 - 0.5 * k)) for k in (0.0, 0.1, 0.2, 0.3, 0.4)]
    assert all(b > a for a, b in zip(scores, scores[1:])), scores
    f = _contrast(_faded(0.0, 1.0))
    assert f is None or f.severity < J.PRESENT


def test_a_fade_that_keeps_its_white_is_found_where_the_thresholds_miss_it():
    m = _faded(0.2, 0.97)  # the black lifted to 0.2, the white nearly kept: no end lost for the thresholds
    rule = _contrast(m, modelled=False)
    assert rule is None or rule.severity < J.PRESENT
    f = _contrast(m)
    assert f is not None and f.direction == "low" and f.severity >= J.PRESENT
    assert f.measured["rule_severity"] == pytest.approx(rule.severity if rule else 0.0)
    assert "faded rendering" in f.reason and f.measured["flat_score"] >= CM.FLAT_RAMP[0]
    # the plan is the levels stretch to the photo's own black and white points
    assert f.measured["black_min"] >= 0.15


def test_a_colourless_photo_is_read_by_the_thresholds_alone():
    m = _faded(0.2, 0.97, grey=True)
    assert m["saturation.grey_share"] > J.MONOCHROME
    f, rule = _contrast(m), _contrast(m, modelled=False)
    assert (f.severity if f else 0.0) == pytest.approx(rule.severity if rule else 0.0)


def test_where_the_model_reads_no_fade_the_thresholds_lean_stays_below_an_edit(monkeypatch):
    m = _faded(0.2, 0.75)  # both ends lost: the thresholds find it
    rule = _contrast(m, modelled=False)
    assert rule.severity >= J.PRESENT
    monkeypatch.setattr(J, "flat_score", lambda _m: CM.FLAT_RAMP[0] - 1.0)
    assert _contrast(m).severity == pytest.approx(min(rule.severity, J.LEAN_SEVERITY))


def test_an_exposure_error_keeps_the_fade_below_an_edit():
    lin = srgb_to_linear(torch.from_numpy(np.ascontiguousarray(
        0.2 + 0.77 * _scene(), dtype=np.float32))).permute(2, 0, 1) * 2.0 ** -2.5
    m = AnalyticCritic().measure(photo_from_linear(quantise(lin)))
    exposure = J._exposure(m, None, [])
    assert exposure and exposure[0].direction == "under" and exposure[0].severity >= J.PRESENT
    f = J._contrast(m, None, exposure)
    assert f == [] or f[0].severity <= J.LEAN_SEVERITY
    assert float(linear_to_srgb(lin).min()) >= 0.0  # the scene is a real rendering


def test_a_veiled_photo_is_read_by_the_thresholds_alone():
    from spc_cli.critic.base import Finding

    m = _faded(0.2, 0.97)  # the model reads a fade (above); a veil found with it lifts the black too
    haze = Finding("haze", "present", 0.8, 0.7, {}, "veil")
    rule = _contrast(m, modelled=False)
    for f in (J._contrast(m, None, [haze]), J._contrast(m, None, [], veil=True)):
        assert (f[0].severity if f else 0.0) == pytest.approx(rule.severity if rule else 0.0)
    assert J._contrast(m, None, [], veil=False)[0].severity >= J.PRESENT
