"""The hybrid critic: white balance and haze from the shipped network, everything else from the
analytic critic's thresholds, on the same measurements."""

from __future__ import annotations

import pytest
import torch

from spc_cli.critic.hybrid import FROM_NETWORK
from spc_cli.registry import make_critic

from .scenes import landscape_srgb, linear_of, photo_from_linear, quantise
from .test_learned import cast


@pytest.fixture(scope="module")
def critics():
    return make_critic("hybrid"), make_critic("analytic"), make_critic("learned")


@pytest.fixture(scope="module")
def scene() -> torch.Tensor:
    return quantise(linear_of(landscape_srgb()))


def findings(critic, lin: torch.Tensor):
    c = critic.critique([photo_from_linear(quantise(lin.clamp(0, 1)))])[0]
    return c, {(f.attribute, f.direction, round(f.severity, 6)) for f in c.findings}


def test_registered_and_loading_the_shipped_weights(critics):
    hybrid, _, learned = critics
    assert hybrid.name == "hybrid" and set(FROM_NETWORK) == {"white_balance", "haze"}
    assert all(torch.equal(a, b) for a, b in zip(hybrid.net.state_dict().values(), learned.net.state_dict().values()))


@pytest.mark.parametrize("make", [lambda s: cast(s, 3000.0), lambda s: s * 0.3, lambda s: cast(s * 0.35, 2800.0),
                                  lambda s: s * 0.5 + 0.3], ids=["tungsten", "dark", "dark-tungsten", "veiled"])
def test_each_attribute_is_judged_by_its_own_critic(critics, scene, make):
    """The network's findings for white balance and haze, the thresholds' for the rest, each
    exactly as that critic alone gives them (these scenes clip nothing, so the exposure reading's
    question of whose cast the clipping is does not arise)."""
    hybrid, analytic, learned = critics
    lin = make(scene)
    _, got = findings(hybrid, lin)
    _, by_thresholds = findings(analytic, lin)
    _, by_network = findings(learned, lin)
    assert got == ({f for f in by_thresholds if f[0] not in FROM_NETWORK}
                   | {f for f in by_network if f[0] in FROM_NETWORK})


def test_a_tungsten_cast_is_undone_and_an_under_exposure_planned_by_the_thresholds(critics, scene):
    hybrid, analytic, _ = critics
    c, got = findings(hybrid, cast(scene * 0.25, 2800.0))
    assert ("white_balance", "warm") in {f[:2] for f in got} and ("exposure", "under") in {f[:2] for f in got}
    a, _ = findings(analytic, cast(scene * 0.25, 2800.0))
    ev = [e.params.ev for e in c.plan.edits if e.op == "exposure"]
    assert ev == [e.params.ev for e in a.plan.edits if e.op == "exposure"]
    assert c.measurements["learned.presence.white_balance"] >= 0.5


def test_haze_over_part_of_the_frame_comes_from_the_thresholds_where_the_network_finds_none(critics, chart):
    """The network was taught veils over the whole frame; a veil over the upper part with the
    nearest ground clear is the analytic critic's regional reading, in the hybrid too."""
    hybrid, analytic, learned = critics
    h = chart.shape[-2]
    t = torch.ones(1, h, 1)
    t[:, : int(0.6 * h)] = 0.45
    lin = chart * t + 0.8 * (1 - t)
    regional = [f for f in analytic.critique([photo_from_linear(quantise(lin))])[0].findings
                if f.attribute == "haze" and f.measured.get("regional")]
    by_network = [f for f in learned.critique([photo_from_linear(quantise(lin))])[0].findings
                  if f.attribute == "haze" and f.severity >= 0.3]
    got = [f for f in hybrid.critique([photo_from_linear(quantise(lin))])[0].findings if f.attribute == "haze"]
    if by_network:
        pytest.skip("the network finds this veil itself")
    assert regional and [(f.severity, f.reason) for f in got] == [(f.severity, f.reason) for f in regional]


@pytest.mark.parametrize("make,found", [(lambda s: cast(s * 0.25, 2800.0), True), (lambda s: s * 0.3, None)],
                         ids=["tungsten", "neutral"])
def test_the_exposure_reading_asks_the_networks_white_balance(critics, scene, make, found, monkeypatch):
    """Whether clipping is a cast's (only pixels clipped in all channels then count toward
    over-exposure): yes where this critic's own white balance (the network's) finds a cast, else
    the thresholds' reading decides (None)."""
    from spc_cli.critic import hybrid as H

    seen, judge = [], H.judge

    def spy(m, meta=None, cast=None, veil=None):
        seen.append(cast)
        return judge(m, meta, cast=cast, veil=veil)

    monkeypatch.setattr(H, "judge", spy)
    c, got = findings(critics[0], make(scene))
    assert seen == [found] and (("white_balance", "warm") in {f[:2] for f in got}) == bool(found)


def test_the_contrast_reading_asks_the_networks_haze(critics, scene, monkeypatch):
    """A veil the network finds lifts the black as a fade does: the flat model is then not consulted
    (``veil`` True), where no veil is found the analytic haze reading decides (None)."""
    from spc_cli.critic import hybrid as H

    seen, judge = [], H.judge

    def spy(m, meta=None, cast=None, veil=None):
        seen.append(veil)
        return judge(m, meta, cast=cast, veil=veil)

    monkeypatch.setattr(H, "judge", spy)
    for lin, veiled in ((scene, False), (0.3 * scene + 0.7 * 0.8, True)):
        seen.clear()
        c, got = findings(critics[0], lin)
        assert (("haze", "present") in {f[:2] for f in got}) == veiled
        assert seen == [True if veiled else None]
