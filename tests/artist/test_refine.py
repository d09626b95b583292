"""The closed loop: back off the strength until the (fake) critic is happier."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from spc.artist.pipeline import PipelineArtist
from spc.artist.refine import refine
from spc.critic.base import Critique, Finding
from spc.ops import OPS
from spc.photo import Metadata, Photo
from spc.plan import Edit, EditPlan


class MeanCritic:
    """Scores how close the mean linear level is to ``target``; flags clipping above ``clip``."""

    name, version = "fake", "0"

    def __init__(self, target: float, clip: float = 2.0):
        self.target, self.clip = target, clip
        self.calls = 0

    def critique(self, photos):
        out = []
        for p in photos:
            self.calls += 1
            m = float(p.pixels.mean())
            findings = []
            if float((p.pixels >= 0.999).float().mean()) > 0.01 or m > self.clip:
                findings.append(Finding("highlights", "clipped", 0.8, 1.0, {"mean": m}, "clipping"))
            out.append(Critique(score=100 - 200 * abs(m - self.target), summary="", findings=findings))
        return out


def photo(level: float) -> Photo:
    pixels = torch.full((3, 600, 400), level) * torch.linspace(0.5, 1.0, 400)
    return Photo(pixels, Metadata(source=Path("x.png"), format="png", sha256="0", width=400, height=600,
                                  bit_depth=8))


def plan(ev: float) -> EditPlan:
    return EditPlan([Edit("exposure", OPS["exposure"].params(ev=ev, shoulder=1.0))])


def test_full_strength_accepted_when_it_helps():
    critic = MeanCritic(target=0.2)
    chosen, notes = refine(photo(0.1), plan(1.0), critic, PipelineArtist())
    assert chosen.edits[0].strength == 1.0
    assert notes[-1].startswith("strength 1.0") and notes[-1].endswith("accepted")


def test_backs_off_when_full_strength_overshoots():
    critic = MeanCritic(target=0.12)
    chosen, notes = refine(photo(0.1), plan(1.5), critic, PipelineArtist())
    assert chosen.edits[0].strength < 1.0
    assert "rejected" in notes[0] and notes[-1].endswith("accepted")


def test_new_clipping_is_rejected_even_if_the_score_rises():
    critic = MeanCritic(target=0.9)
    chosen, notes = refine(photo(0.3), plan(2.0), critic, PipelineArtist())
    assert any("new highlights (clipped)" in n for n in notes)


def test_falls_back_to_untouched():
    critic = MeanCritic(target=0.05)  # any brightening makes it worse
    chosen, notes = refine(photo(0.1), plan(1.0), critic, PipelineArtist())
    assert chosen.edits[0].strength == 0.0
    assert notes[-1].startswith("strength 0.0")
    assert critic.calls == 1 + 3  # the original plus three tries, on the 512-pixel proxy


def test_pixel_scale_ops_are_kept_and_not_rendered_on_the_proxy():
    critic = MeanCritic(target=0.05)  # rejects any brightening
    p = plan(1.0)
    p.edits.append(Edit("sharpen", OPS["sharpen"].params(amount=1.0, radius=2.0)))
    chosen, notes = refine(photo(0.1), p, critic, PipelineArtist())
    ops = {e.op: e.strength for e in chosen.edits}
    assert ops == {"exposure": 0.0, "sharpen": 1.0}
    assert notes[0].startswith("sharpen: pixel-scale")
    only = EditPlan([Edit("denoise", OPS["denoise"].params(luma=1.0, chroma=1.0, sigma=0.02))])
    calls = critic.calls
    kept, _ = refine(photo(0.1), only, critic, PipelineArtist())
    assert kept.edits[0].strength == 1.0 and critic.calls == calls


def ramp(lo: float, hi: float) -> Photo:
    pixels = torch.linspace(lo, hi, 400).expand(3, 600, 400).contiguous()
    return Photo(pixels, Metadata(source=Path("x.png"), format="png", sha256="0", width=400, height=600,
                                  bit_depth=8))


def levels_plan(black: float, white: float, ev: float) -> EditPlan:
    return EditPlan([Edit("exposure", OPS["exposure"].params(ev=ev, shoulder=1.0)),
                     Edit("contrast", OPS["contrast"].params(amount=0.0, black=black, white=white))])


def test_levels_are_kept_unscaled_even_when_nothing_else_is_accepted():
    from spc.critic.measure import levels_points

    p = ramp(0.02, 0.3)
    critic = MeanCritic(target=0.0)
    critic.critique = lambda photos: [Critique(score=50, summary="", findings=[]) for _ in photos]  # never better
    chosen, notes = refine(p, levels_plan(0.3, 0.5, 1.0), critic, PipelineArtist())
    ops = {e.op: e for e in chosen.edits}
    assert ops["exposure"].strength == 0.0
    assert ops["contrast"].strength == 1.0
    black, white = levels_points(p.proxy(512))  # the photo's own points, re-read on the proxy
    assert ops["contrast"].params.black == pytest.approx(black, abs=1e-3)
    assert ops["contrast"].params.white == pytest.approx(white, abs=1e-3)
    assert any(n.startswith("contrast: levels") for n in notes)


def test_levels_are_re_read_after_the_edits_before_them():
    from spc.critic.measure import levels_points

    p = ramp(0.02, 0.15)
    critic = MeanCritic(target=1.0)  # the brighter the better: full strength is accepted
    chosen, _ = refine(p, levels_plan(0.3, 0.5, 1.0), critic, PipelineArtist())
    ops = {e.op: e for e in chosen.edits}
    assert ops["exposure"].strength == 1.0
    _, white = levels_points(p.proxy(512) * 2.0)  # where white sits after +1 EV
    assert ops["contrast"].params.white == pytest.approx(white, abs=1e-3)


class NoisyCritic:
    """Under-exposed below a mean of 0.2; brightening past 0.12 shows noise. Scored like the analytic critic."""

    name, version = "fake", "0"

    def critique(self, photos):
        from spc.critic.advise import score_for

        out = []
        for p in photos:
            m = float(p.pixels.mean())
            fs = []
            if m < 0.2:
                fs.append(Finding("exposure", "under", min(1.0, 0.3 + (0.2 - m) / 0.1), 1.0, {}, "dark"))
            if m > 0.12:
                fs.append(Finding("noise", "present", 0.6, 1.0, {}, "noisy"))
            out.append(Critique(score=score_for(fs), summary="", findings=fs))
        return out


def test_noise_is_left_to_the_planned_denoise():
    p = photo(0.1)
    both = plan(1.0)
    both.edits.append(Edit("denoise", OPS["denoise"].params(luma=1.0, chroma=1.0, sigma=0.02)))
    chosen, notes = refine(p, both, NoisyCritic(), PipelineArtist())
    assert {e.op: e.strength for e in chosen.edits} == {"exposure": 1.0, "denoise": 1.0}


def test_an_in_place_artist_does_not_carry_one_try_into_the_next():
    # the batch engine's artist may render in place; each try must still start from the
    # unedited proxy, so backing off gives the same choice as with a copying artist
    results = []
    for inplace in (False, True):
        critic = MeanCritic(target=0.12)
        results.append(refine(photo(0.1), plan(1.5), critic, PipelineArtist(inplace=inplace)))
    (plan_copy, notes_copy), (plan_inplace, notes_inplace) = results
    assert notes_inplace == notes_copy and "rejected" in notes_copy[0]
    assert [e.strength for e in plan_inplace.edits] == [e.strength for e in plan_copy.edits]


def dark_frame(noise: float = 0.0, grain: float = 0.0, level: float = 0.25, seed: int = 0) -> Photo:
    """A 1024 x 768 dark frame at sRGB ``level`` (a gentle ramp), with independent per-channel
    Gaussian noise of std ``noise`` and channel-common (monochrome, grain-like) noise ``grain``,
    both in sRGB-encoded units."""
    from spc.colour import srgb_to_linear

    g = torch.Generator().manual_seed(seed)
    enc = torch.full((3, 768, 1024), level) + 0.03 * torch.linspace(-1, 1, 1024)
    enc = enc + noise * torch.randn(3, 768, 1024, generator=g) + grain * torch.randn(1, 768, 1024, generator=g)
    pixels = srgb_to_linear(enc.clamp(0, 1))
    return Photo(pixels, Metadata(source=Path("x.png"), format="png", sha256="0", width=1024, height=768,
                                  bit_depth=8))


def test_brightening_that_reveals_noise_keeps_full_strength_and_gains_a_denoise():
    from spc.critic.measure import encode_tiles, measure_noise, pick_tiles

    p = dark_frame(noise=0.005)  # 1.3/255 per channel: under the noise threshold (1.8/255 in colour) as it is
    full = measure_noise(encode_tiles(pick_tiles(p.pixels, p.proxy(256), 192, 6)))
    proxy = measure_noise(encode_tiles(pick_tiles(p.proxy(512), p.proxy(256), 192, 6)))
    assert proxy["luma_sigma"] < 0.6 * full["luma_sigma"]  # the 2x proxy reads about half the noise
    chosen, notes = refine(p, plan(2.0), NoisyCritic(), PipelineArtist())  # the proxy shows noise past 0.12
    ops = {e.op: e for e in chosen.edits}
    assert ops["exposure"].strength == 1.0
    assert notes[0].startswith("strength 1.0") and "accepted; brightening revealed noise: denoise added" in notes[0]
    # the denoise renders before the push: its sigma is the input's full-resolution noise, not the proxy's
    assert ops["denoise"].params.sigma == pytest.approx(full["luma_sigma"], rel=0.05)
    assert ops["denoise"].params.sigma > 1.6 * proxy["luma_sigma"]


def test_brightening_a_clean_or_grainy_frame_adds_no_denoise():
    # the proxy's critic calls it noise, but at full resolution the push leaves it under the
    # noise threshold (clean) or it is monochrome grain, not a camera's colour noise: no smoothing
    for p in (dark_frame(), dark_frame(grain=0.012)):
        chosen, notes = refine(p, plan(2.0), NoisyCritic(), PipelineArtist())
        assert [(e.op, e.strength) for e in chosen.edits] == [("exposure", 1.0)]
        assert "accepted; brightening revealed noise on the proxy only" in notes[0] and "no denoise" in notes[0]


class NoisyClippingCritic(NoisyCritic):
    """NoisyCritic that also sees clipping past a mean of 0.18."""

    def critique(self, photos):
        out = super().critique(photos)
        for p, c in zip(photos, out):
            if float(p.pixels.mean()) > 0.18:
                c.findings.append(Finding("highlights", "clipped", 0.8, 1.0, {}, "clipping"))
        return out


def test_noise_with_another_new_finding_is_still_rejected():
    p = dark_frame(noise=0.005)
    chosen, notes = refine(p, plan(2.0), NoisyClippingCritic(), PipelineArtist())
    assert notes[0] == notes[0].split(",")[0] + ", rejected: new highlights (clipped), noise (present)"
    ops = {e.op: e for e in chosen.edits}
    assert ops["exposure"].strength == pytest.approx(0.7)  # 1.4 EV: noise only, which gains a denoise
    assert notes[1].startswith("strength 0.7") and "denoise added" in notes[1] and "denoise" in ops


class StretchCritic:
    """Low contrast while the pixel spread is small; noise once a stretch widens it."""

    name, version = "fake", "0"

    def critique(self, photos):
        from spc.critic.advise import score_for

        out = []
        for p in photos:
            sd = float(p.pixels.std())
            fs = [Finding("contrast", "low", 0.8, 1.0, {}, "flat")] if sd < 0.05 else \
                [Finding("noise", "present", 0.6, 1.0, {}, "noisy")]
            out.append(Critique(score=score_for(fs), summary="", findings=fs))
        return out


def test_noise_is_not_excused_when_the_try_does_not_brighten():
    p = dark_frame(level=0.4, noise=0.005)
    stretch = EditPlan([Edit("contrast", OPS["contrast"].params(amount=1.0, black=0.3, white=0.5))])
    _, notes = refine(p, stretch, StretchCritic(), PipelineArtist())
    assert notes[0].endswith("rejected: new noise (present)")  # the score rose (64 -> 73): the old veto holds
    assert not any("revealed" in n for n in notes)
