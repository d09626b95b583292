"""The closed loop: back off the strength until the (fake) critic is happier."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from spc_cli.artist.pipeline import PipelineArtist
from spc_cli.artist.refine import refine
from spc_cli.critic.base import Critique, Finding
from spc_cli.ops import OPS
from spc_cli.photo import Metadata, Photo
from spc_cli.plan import Edit, EditPlan


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


def photo(level: float, height: int = 600) -> Photo:
    pixels = torch.full((3, height, 400), level) * torch.linspace(0.5, 1.0, 400)
    return Photo(pixels, Metadata(source=Path("x.png"), format="png", sha256="0", width=400, height=height,
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
    critic = MeanCritic(target=0.9)  # the brighter the better, but clipping is a new finding
    p = photo(0.3)
    chosen, notes = refine(p, plan(2.0), critic, PipelineArtist())
    assert notes[0].startswith("strength 1.0:") and "rejected: new highlights (clipped)" in notes[0]
    assert "pushed from below white to white" in notes[0]
    s0, s1 = (float(x) for x in notes[0].split("score ")[1].split(",")[0].split(" -> "))
    assert s1 > s0  # the score rose, and still the try was refused
    # the same plan with its exposure capped where nothing new clips, the rest as a shadows lift
    assert notes[1].startswith("strength 1.0, exposure capped") and notes[1].endswith("accepted")
    (ev,) = [e.params.ev for e in chosen.edits if e.op == "exposure"]
    assert 1.0 < ev < 2.0
    out = PipelineArtist().render([p], [chosen])[0].photo.pixels
    assert float((out >= 0.999).float().mean()) <= 0.01


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
    from spc_cli.critic.measure import levels_points

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
    from spc_cli.critic.measure import levels_points

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
        from spc_cli.critic.advise import score_for

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
    alone, notes = refine(p, plan(1.0), NoisyCritic(), PipelineArtist())
    assert alone.edits[0].strength < 1.0 and "new noise (present)" in notes[0]  # answers no finding: any new one vetoes
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


class ProxyAwareCritic(MeanCritic):
    """Records which critique the loop asks for: plain, or with the photo's pixel-scale measurements."""

    def __init__(self, target: float):
        super().__init__(target)
        self.plain = self.by_proxy = 0

    def critique(self, photos):
        self.plain += 1
        return super().critique(photos)

    def critique_proxy(self, proxies, of):
        assert of.measurements == {"noise.luma_sigma": 0.02}
        self.by_proxy += 1
        return MeanCritic.critique(self, proxies)


@pytest.mark.parametrize("height,resampled", [(600, True), (500, False)])
def test_a_resampled_proxy_takes_the_photos_own_pixel_scale_measurements(height, resampled):
    critic = ProxyAwareCritic(target=0.2)
    full = Critique(score=50, summary="", findings=[], measurements={"noise.luma_sigma": 0.02})
    chosen, _ = refine(photo(0.1, height=height), plan(1.0), critic, PipelineArtist(), full=full)
    assert chosen.edits[0].strength == 1.0
    assert (critic.by_proxy > 0, critic.plain > 0) == (resampled, not resampled)


def test_analytic_proxy_critique_uses_the_photos_noise_and_sharpness():
    from spc_cli.critic.analytic import AnalyticCritic

    g = torch.Generator().manual_seed(0)
    base = torch.full((3, 768, 1024), 0.18) * torch.linspace(0.5, 1.5, 1024)
    noisy = Photo((base + 0.03 * torch.randn(base.shape, generator=g)).clamp(0, 1),
                  Metadata(source=Path("n.png"), format="png", sha256="0", width=1024, height=768, bit_depth=8))
    critic = AnalyticCritic()
    full = critic.critique([noisy])[0]
    small = Photo(noisy.proxy(512), noisy.meta)  # downscaling averages the noise away
    plain = critic.critique([small])[0]
    kept = critic.critique_proxy([small], full)[0]
    keys = [k for k in full.measurements if k.startswith(("noise.", "sharpness."))]
    assert keys and all(kept.measurements[k] == full.measurements[k] for k in keys)
    assert plain.measurements["noise.luma_sigma"] < 0.5 * full.measurements["noise.luma_sigma"]
    assert kept.measurements["exposure.key"] == pytest.approx(plain.measurements["exposure.key"])


def test_the_engine_reads_the_accepted_score_and_the_refusal_from_the_loops_notes():
    """The summary line's "score before -> after" and "refused ... (why)" come from these notes."""
    from spc_cli.engine.planning import accepted_score, refusal

    critic = MeanCritic(target=0.12)
    _, notes = refine(photo(0.1), plan(1.5), critic, PipelineArtist())
    assert accepted_score(notes) is not None and accepted_score(notes) > 0
    assert refusal(notes) is not None
    _, notes = refine(photo(0.3), plan(2.0), MeanCritic(target=0.9), PipelineArtist())
    assert "new highlights (clipped)" in (refusal(notes) or "")
    _, notes = refine(photo(0.1), plan(1.0), MeanCritic(target=0.05), PipelineArtist())
    assert accepted_score(notes) is None and refusal(notes) == "score did not rise"


def exposure_plan(ev: float) -> EditPlan:
    return EditPlan([Edit("exposure", OPS["exposure"].params(ev=ev, shoulder=1.0), attribute="exposure")])


def test_a_milder_finding_the_fix_reveals_never_refuses_it():
    # brightening a very dark photo (under-exposure, severity 1) shows its noise (0.6): the fix stands
    chosen, notes = refine(photo(0.1), exposure_plan(1.0), NoisyCritic(), PipelineArtist())
    assert chosen.edits[0].strength == 1.0
    assert notes[0].endswith("accepted; reveals milder noise (present)")


class SevereNoiseCritic(NoisyCritic):
    """As NoisyCritic, but the noise a brightening shows is as severe as the darkness."""

    def critique(self, photos):
        out = super().critique(photos)
        for c in out:
            c.findings = [Finding(f.attribute, f.direction, 1.0, 1.0, {}, f.reason) if f.attribute == "noise" else f
                          for f in c.findings]
        return out


def test_a_new_finding_as_severe_as_the_fix_still_vetoes():
    chosen, notes = refine(photo(0.1), exposure_plan(1.0), SevereNoiseCritic(), PipelineArtist())
    assert chosen.edits[0].strength < 1.0 and "rejected: new noise (present)" in notes[0]


class LevelCritic:
    """Under below a mean of ``lo``, over above ``hi`` (severity 0.4 either way)."""

    name, version = "fake", "0"

    def __init__(self, lo: float, hi: float):
        self.lo, self.hi = lo, hi

    def critique(self, photos):
        from spc_cli.critic.advise import score_for

        out = []
        for p in photos:
            m = float(p.pixels.mean())
            fs = ([Finding("exposure", "under", 0.4, 1.0, {}, "dark")] if m < self.lo else
                  [Finding("exposure", "over", 0.35, 1.0, {}, "bright")] if m > self.hi else [])
            out.append(Critique(score=score_for(fs), summary="", findings=fs))
        return out


def test_an_overshoot_vetoes_however_mild():
    chosen, notes = refine(photo(0.1), exposure_plan(2.0), LevelCritic(0.1, 0.2), PipelineArtist())
    assert "rejected: new exposure (over)" in notes[0]
    assert chosen.edits[0].strength < 1.0


def lamps(level: float = 0.02, lamp: float = 0.92, share: float = 0.05) -> Photo:
    """A dark frame with lamps at ``lamp`` of white over ``share`` of it (a night street)."""
    pixels = torch.full((3, 600, 400), level) * torch.linspace(0.5, 1.5, 400)
    rows = int(600 * share)
    pixels[:, :rows, :] = lamp
    return Photo(pixels, Metadata(source=Path("x.png"), format="png", sha256="0", width=400, height=600, bit_depth=8))


def test_a_brightening_never_burns_highlights_that_were_below_white():
    from spc_cli.artist.refine import CLIP_SHARE, newly_clipped

    night = lamps()
    chosen, notes = refine(night, exposure_plan(2.7), MeanCritic(target=0.2), PipelineArtist())
    assert "pushed from below white to white" in notes[0]
    small = Photo(night.proxy(512), night.meta)
    out = PipelineArtist().render([small.with_pixels(small.pixels.clone())], [chosen])[0].photo
    assert newly_clipped(small, out) <= CLIP_SHARE
    # brightened up to where the lamps stay below white, not left dark
    assert float(out.pixels.mean()) > 1.2 * float(small.pixels.mean())
    assert any("exposure capped" in n and n.endswith("accepted") for n in notes)


def test_exposure_cap_reads_the_top_of_what_is_below_white():
    from spc_cli.artist.refine import exposure_cap

    night = lamps(lamp=0.49, share=0.05)
    small = Photo(night.proxy(512), night.meta)
    assert exposure_cap(small) == pytest.approx(1.0, abs=0.02)  # 0.49 * 2 = 0.98: one stop


class SaturatedCritic:
    """A very dark photo: under-exposed at full severity however much it is brightened, the score
    stuck at 40; the correction the finding asks for is what brings the mean to 0.18."""

    name, version = "fake", "0"

    def critique(self, photos):
        import math

        out = []
        for p in photos:
            m = float(p.pixels.mean())
            ask = math.log2(0.18 / m)
            out.append(Critique(score=40.0, summary="", findings=[
                Finding("exposure", "under", 1.0, 1.0, {"correction_ev": ask}, "dark")] if ask > 0.05 else []))
        return out


def test_a_fix_that_leaves_a_saturated_finding_is_judged_by_what_it_still_asks():
    def brighten(ev: float) -> EditPlan:
        return EditPlan([Edit("exposure", OPS["exposure"].params(ev=ev, shoulder=1.0), attribute="exposure")])

    # a mean of 0.0056: 5 stops under; +2 EV leaves it under at full severity, asking 3 stops more
    chosen, notes = refine(photo(0.0075), brighten(2.0), SaturatedCritic(), PipelineArtist())
    assert chosen.edits[0].strength == 1.0
    assert "(exposure (under) at full severity, asking +5.0 -> +3.0 EV), accepted" in notes[0]
    # a try that takes less than a tenth of a stop off what the finding asks is refused
    chosen, notes = refine(photo(0.0075), brighten(0.05), SaturatedCritic(), PipelineArtist())
    assert chosen.edits[0].strength == 0.0 and "score did not rise" in notes[0]


def test_the_denoise_for_a_brightening_goes_where_the_brightening_goes():
    from spc_cli.critic.advise import REVEALED_NOISE

    revealed = Edit("denoise", OPS["denoise"].params(luma=0.5, chroma=0.5, sigma=0.01, chroma_sigma=0.01),
                    "dark", REVEALED_NOISE, "noise", 1.0)
    p = plan(1.0)
    both = EditPlan(p.edits + [revealed])
    # any brightening makes it worse: the loop keeps none, and the denoise for it goes too
    chosen, notes = refine(photo(0.1), both, MeanCritic(target=0.05), PipelineArtist())
    assert [e.op for e in chosen.edits] == ["exposure"] and chosen.edits[0].strength == 0.0
    assert "dropped with the brightening" in notes[-1]
    # a brightening kept, at any strength, keeps its denoise
    from spc_cli.artist.refine import _without_unrevealed

    assert _without_unrevealed([revealed], p.scaled(0.4)) == ([revealed], False)
    assert _without_unrevealed([revealed], p.scaled(0.0)) == ([], True)
    # a denoise the critic asked for on its own (another instruction) stays whatever the loop does
    own = Edit("denoise", revealed.params, "noisy", "strongly reduce noise", "noise", 1.0)
    chosen, _ = refine(photo(0.1), EditPlan(p.edits + [own]), MeanCritic(target=0.05), PipelineArtist())
    assert [(e.op, e.strength) for e in chosen.edits] == [("exposure", 0.0), ("denoise", 1.0)]


class LightOnceBrightCritic(NoisyCritic):
    """Under-exposed below a mean of 0.2 (as NoisyCritic, without the noise); once the mean passes
    0.12 it also reads a cool cast as severe as the darkness: an illuminant estimate that leaves
    dark pixels out sees the light only in a brightened photo."""

    def critique(self, photos):
        from spc_cli.critic.advise import score_for

        out = []
        for c, p in zip(super().critique(photos), photos):
            fs = [f for f in c.findings if f.attribute != "noise"]
            if float(p.pixels.mean()) > 0.12:
                fs.append(Finding("white_balance", "cool", 1.0, 1.0, {}, "blue"))
            out.append(Critique(score=score_for(fs), summary="", findings=fs))
        return out


def test_a_cast_read_after_edits_that_keep_greys_grey_never_refuses_them():
    from spc_cli.artist.refine import GREY_KEEPING, casts_toward

    # the brightening cannot have cast the blue: it is the photo's own light, and the fix stands
    chosen, notes = refine(photo(0.1), exposure_plan(1.0), LightOnceBrightCritic(), PipelineArtist())
    assert chosen.edits[0].strength == 1.0
    assert notes[0].endswith("accepted; reads white_balance (cool): the photo's own light, which edits that move "
                             "no grey that way cannot have cast")
    # the engine reads that try's score, and the light, from the note as the loop wrote it
    from spc_cli.engine.planning import accepted_score, own_light

    assert accepted_score(notes) == float(notes[0].split(" -> ")[1].split(",")[0]) and own_light(notes) == ["cool"]
    # a white balance in the plan that cools may have cast the blue itself: it vetoes as before
    def wb(red: float, green: float, blue: float) -> Edit:
        return Edit("white_balance", OPS["white_balance"].params(red=red, green=green, blue=blue), "x", "x",
                    "white_balance", 1.0)

    cooling = EditPlan(exposure_plan(1.0).edits + [wb(0.98, 1.0, 1.02)])
    assert casts_toward(exposure_plan(1.0), "cool") == 0.0 and casts_toward(cooling, "cool") > 0.03
    chosen, notes = refine(photo(0.1), cooling, LightOnceBrightCritic(), PipelineArtist())
    assert "rejected: new white_balance (cool)" in notes[0]
    # one that warms, or moves only the green-magenta axis, cannot have: the fix stands
    for other in (wb(1.02, 1.0, 0.98), wb(0.99, 1.02, 0.99)):
        plan_ = EditPlan(exposure_plan(1.0).edits + [other])
        assert casts_toward(plan_, "cool") <= 0.005
        chosen, notes = refine(photo(0.1), plan_, LightOnceBrightCritic(), PipelineArtist())
        assert "rejected" not in notes[0] and "reads white_balance (cool)" in notes[0]
    # an edit that colours greys otherwise (a saturation change) is never taken to keep them
    sat = Edit("saturation", OPS["saturation"].params(saturation=0.3), "x", "x", "saturation", 1.0)
    assert casts_toward(EditPlan([sat]), "cool") == float("inf")
    # every op the loop trusts to keep greys grey does so, set well away from neutral: a textured
    # grey stays grey through each, and each changes it
    import dataclasses

    g = torch.Generator().manual_seed(0)
    level = torch.linspace(0.02, 0.9, 96).view(1, 96) * (1 + 0.3 * torch.rand(64, 96, generator=g))
    grey = level.clamp(0, 1).expand(3, 64, 96).clone()
    for op in sorted(GREY_KEEPING):
        spec = OPS[op]
        strong = {}
        for f in dataclasses.fields(spec.params):
            lo, hi, n = f.metadata["min"], f.metadata["max"], f.metadata["neutral"]
            strong[f.name] = n + 0.6 * ((hi if hi > n else lo) - n)
        out = spec.fn(grey[None].clone(), **strong)[0]
        assert float((out - grey).abs().max()) > 1e-3, op
        assert float((out.amax(dim=0) - out.amin(dim=0)).max()) < 1e-4, op


class HeldCritic:
    """A dark frame with lamps (mean 0.0075): under-exposed at severity 0.6 however dark (its
    reading's ceiling), the frame's key in ``key_ev``; once brightened past a mean of 0.012 its
    grain (an unreported minor finding) costs a point of score, or, with ``grain``, a reported
    noise finding of 0.3 grows to that severity."""

    name, version = "fake", "0"

    def __init__(self, grain: float | None = None):
        self.grain = grain

    def critique(self, photos):
        import math

        out = []
        for p in photos:
            m = float(p.pixels.mean())
            key = math.log2(m / 0.18)
            brightened = m > 0.012
            fs = [Finding("exposure", "under", 0.6, 1.0, {"key_ev": key, "correction_ev": 0.8}, "dark")] if m < 0.09 \
                else []
            if self.grain is not None:
                fs.append(Finding("noise", "present", self.grain if brightened else 0.3, 1.0, {}, "grain"))
            out.append(Critique(score=60.0 - (1.0 if brightened else 0.0), summary="", findings=fs))
        return out


def test_a_finding_held_at_its_ceiling_is_judged_by_how_far_the_frame_moved():
    # +1 EV: still under at the same 0.6, the correction it asks read the same, the score a point
    # lower through grain; the key moved a stop toward the fix: accepted
    chosen, notes = refine(photo(0.01), exposure_plan(1.0), HeldCritic(), PipelineArtist())
    assert chosen.edits[0].strength == 1.0
    assert "(exposure (under) held at severity 0.60, average brightness" in notes[0] and notes[0].endswith("accepted")
    # a reported finding the plan does not answer grows as severe as the darkness: refused at the
    # strengths that show it (0.4 stays under the grain's level: accepted), a milder one is not
    chosen, notes = refine(photo(0.01), exposure_plan(1.0), HeldCritic(grain=0.6), PipelineArtist())
    assert chosen.edits[0].strength == 0.4 and notes[0].endswith("score did not rise")
    chosen, notes = refine(photo(0.01), exposure_plan(1.0), HeldCritic(grain=0.5), PipelineArtist())
    assert chosen.edits[0].strength == 1.0
    # a brightening of less than a tenth of a stop is no progress
    chosen, notes = refine(photo(0.01), exposure_plan(0.05), HeldCritic(), PipelineArtist())
    assert chosen.edits[0].strength == 0.0 and "score did not rise" in notes[0]


class FadedOnceDarkCritic:
    """Over-exposed above a mean of 0.3; below it, a low contrast as severe (the flat model's reading of a
    darkened frame whose white fell) with the thresholds' own reading ``rule``."""

    name, version = "fake", "0"

    def __init__(self, rule: float):
        self.rule = rule

    def critique(self, photos):
        from spc_cli.critic.advise import score_for

        out = []
        for p in photos:
            m = float(p.pixels.mean())
            fs = [Finding("exposure", "over", 1.0, 1.0, {"key_ev": m}, "bright")] if m > 0.3 else [
                Finding("contrast", "low", 1.0, 0.8, {"rule_severity": self.rule}, "faded")]
            out.append(Critique(score=score_for(fs), summary="", findings=fs))
        return out


@pytest.mark.parametrize("rule, accepted", [(0.1, True), (1.0, False)])
def test_a_new_low_contrast_vetoes_by_the_thresholds_reading_not_the_flat_models(rule, accepted):
    chosen, notes = refine(photo(0.5), exposure_plan(-1.0), FadedOnceDarkCritic(rule), PipelineArtist())
    if accepted:  # the darkening lowered the white, as it must: it left a black, so the fix stands
        assert chosen.edits[0].strength == 1.0 and notes[0].endswith("accepted; reveals milder contrast (low)")
    else:  # the thresholds see neither a black nor a white left: washed out by the edit, refused
        assert "rejected: new contrast (low)" in notes[0]
