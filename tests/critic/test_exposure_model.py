"""The over-exposure model: a second opinion that drops the thresholds' over-exposure where photos
measured alike are bright scenes well exposed, and keeps it where a gain lifted the photo."""

import math

import numpy as np
import pytest

from spc_cli.critic import exposure_model as EM
from spc_cli.critic import judge as J
from spc_cli.critic.analytic import AnalyticCritic

from .scenes import landscape_srgb, linear_of, photo_from_linear, quantise


def _measured(ev: float) -> dict[str, float]:
    lin = quantise(linear_of(landscape_srgb()) * 2.0 ** ev)
    return AnalyticCritic().measure(photo_from_linear(lin))


def test_the_shipped_model_reads_its_features():
    n = len(EM.OVER_FEATURES)
    assert n and len(EM.OVER_MEAN) == len(EM.OVER_SCALE) == len(EM.OVER_WEIGHTS) == n
    assert all(s > 0 for s in EM.OVER_SCALE)
    lo, hi = EM.OVER_RAMP
    assert lo < hi
    features = EM.over_features(_measured(0.0))
    assert len(features) == n and all(math.isfinite(v) for v in features)


def test_a_gain_raises_the_score_and_an_over_exposure_keeps_its_finding():
    scores = [EM.over_score(_measured(ev)) for ev in (0.0, 0.5, 1.0, 1.5, 2.0)]
    assert all(b > a for a, b in zip(scores, scores[1:])), scores
    assert EM.over_gate(scores[0]) == 0.0  # the photo as it is reads well exposed
    for ev in (1.5, 2.0):  # a clear over-exposure: the thresholds' finding stands whole
        m = _measured(ev)
        rule = J._exposure(m, None, [], gated=False)
        gated = J._exposure(m, None, [])
        assert rule[0].direction == gated[0].direction == "over"
        assert gated[0].severity == pytest.approx(rule[0].severity) and gated[0].severity >= J.PRESENT
        assert gated[0].measured["over_score"] == pytest.approx(EM.over_score(m))
        assert "bright scenes" not in gated[0].reason


@pytest.mark.parametrize("where, share", [(-1.0, 0.0), (0.5, 0.5), (1.0, 1.0)])
def test_the_gate_scales_the_thresholds_severity(monkeypatch, where, share):
    m = _measured(2.0)
    rule = J._exposure(m, None, [], gated=False)[0]
    lo, hi = EM.OVER_RAMP
    monkeypatch.setattr(J, "over_score", lambda _m: lo + where * (hi - lo))
    f = J._exposure(m, None, [])[0]
    assert f.severity == pytest.approx(rule.severity * share)
    assert f.confidence == rule.confidence and f.measured["correction_ev"] == rule.measured["correction_ev"]
    assert ("bright scenes well exposed" in f.reason) == (share < 1.0)
    assert ("nearly always" in f.reason) == (share == 0.0)


def test_an_under_exposure_is_not_gated(monkeypatch):
    m = _measured(-2.0)
    monkeypatch.setattr(J, "over_score", lambda _m: -np.inf)
    rule = J._exposure(m, None, [], gated=False)
    assert rule and rule[0].direction == "under"
    assert J._exposure(m, None, [])[0].severity == rule[0].severity
