"""The critic's mapping of findings to the restoration ops (critic/advise.py)."""

from __future__ import annotations

import pytest

from spc_cli.critic import advise
from spc_cli.critic.base import Finding
from spc_cli.ops.params import ExposureParams
from spc_cli.plan import Edit


def _exposure(ev: float) -> Edit:
    return Edit("exposure", ExposureParams(ev=ev, shoulder=1.0), "r", "i", "exposure", 1.0)


def test_a_darkening_rebuilds_the_clipped_highlights_as_far_as_it_darkens():
    # a raw file's (scene-linear) clipped channels are rebuilt; a camera JPEG's are not (its curve
    # has paled its highlights: rebuilt from darker surroundings' colour they came out as blotches)
    (e,) = advise.restoration_edits([_exposure(-1.2)], {"exposure.p_top": 1.0, "exposure.scene_linear": 1.0})
    assert e.op == "unclip" and e.params.amount == 1.0 and abs(e.params.headroom - 1.2) < 1e-9
    assert advise.restoration_edits([_exposure(-1.2)], {"exposure.p_top": 1.0, "exposure.scene_linear": 0.0}) == []
    assert advise.restoration_edits([_exposure(-1.2)], {"exposure.p_top": 1.0}) == []


def test_the_critic_reads_a_raw_or_linear_file_as_scene_linear():
    import torch

    from spc_cli.critic.analytic import AnalyticCritic
    from spc_cli.photo import Metadata, Photo

    def reading(fmt, space):
        meta = Metadata(source=__import__("pathlib").Path("x"), format=fmt, sha256="0", width=32, height=32,
                        bit_depth=16, colour_space=space)
        return AnalyticCritic().measure(Photo(torch.rand(3, 32, 32), meta))["exposure.scene_linear"]

    assert reading("raw", "srgb") == reading("tiff", "linear") == 1.0
    assert reading("jpeg", "srgb") == reading("tiff", "srgb") == 0.0


def test_a_big_brightening_is_tone_mapped_and_denoised_a_small_one_is_not():
    m = {"exposure.p_top": 0.9, "noise.luma_sigma": 0.004, "noise.chroma_sigma": 0.003}
    ops = {e.op: e for e in advise.restoration_edits([_exposure(2.7)], m)}
    assert ops["tone"].params.compress == 1.0
    assert ops["denoise"].params.sigma == 0.004 and 0.8 < ops["denoise"].params.luma <= 1.0
    assert advise.restoration_edits([_exposure(0.3)], {"exposure.p_top": 0.5}) == []


def test_a_brightening_of_a_clean_photo_denoises_nothing():
    # 0.7/255 of luma noise and none in colour, brightened 1.8 EV: 1.2/255, under what shows
    m = {"exposure.p_top": 0.3, "noise.luma_sigma": 0.0029, "noise.chroma_sigma": 0.0}
    assert [e.op for e in advise.restoration_edits([_exposure(1.8)], m)] == []
    m["noise.chroma_sigma"] = 0.003  # colour noise of 0.8/255 becomes 1.3/255: it shows
    assert [e.op for e in advise.restoration_edits([_exposure(1.8)], m)] == ["denoise"]


def test_haze_transmission_is_read_off_the_finding():
    # dark regions lifted to linear 0.2 under an airlight of linear 0.8: t = 0.75
    t = advise.haze_transmission({"dark_p10": 0.4845, "airlight": 0.9063})
    assert abs(t - 0.75) < 0.01
    assert advise.haze_transmission({"dark_p10": 0.95, "airlight": 0.96}) == 0.3  # bounded


def test_blur_and_noise_findings_map_to_measured_sigmas():
    blur = Finding("sharpness", "blurred", 0.8, 0.8, {"blur_px": 2.0, "grain_risk": 0.0}, "soft")
    e = advise._deblur_edit(blur, {"noise.luma_sigma": 0.001})
    assert e.op == "deblur" and e.params.kind == 0.0
    assert abs(e.params.sigma - advise.DEBLUR_SCALE * 2.0) < 1e-6 and e.params.noise >= advise.DEBLUR_NOISE_FLOOR
    shake = Finding("sharpness", "blurred", 0.8, 0.8, {"blur_px": 2.5, "grain_risk": 0.0, "shake": 1.0}, "shaken")
    s = advise._deblur_edit(shake, {"noise.luma_sigma": 0.001})
    # a shake: the kernel estimated from the photo, its size from the blurred direction, in full
    assert s.params.kind == 2.0 and s.params.sigma == 2.5 and s.params.amount == advise.SHAKE_SHARE
    noise = Finding("noise", "present", 0.8, 0.8, {"luma_sigma": 0.01, "chroma_sigma": 0.02}, "noisy")
    d = advise._denoise_edit(noise, {})
    assert (d.params.sigma, d.params.chroma_sigma) == (0.01, 0.02)


def test_a_soft_frame_keeps_its_mild_luminance_grain_and_loses_its_colour_noise():
    """A frame with no crisp edge has no detail finer than its blur: its grain is the only fine
    texture left (a real shaken photo lost it to a denoise: blur_effect 0.57 -> 0.69). Its mild
    luminance noise stays, its colour noise goes; clearly visible grain is still taken off."""
    blur_onset = 1.0 + advise.T["blur"][0]
    sharp, soft = {"sharpness.scale_gain": 1.3}, {"sharpness.scale_gain": blur_onset}
    assert not advise.soft_frame(sharp) and advise.soft_frame(soft)
    mild = Finding("noise", "present", 0.6, 0.8, {"luma_sigma": 2.0 / 255, "chroma_sigma": 2.5 / 255}, "noisy")
    on_sharp, on_soft = advise._denoise_edit(mild, sharp), advise._denoise_edit(mild, soft)
    assert on_sharp.params.luma == 1.0 and on_sharp.params.chroma == 1.0
    assert on_soft.params.luma == 0.0 and on_soft.params.chroma == 1.0
    # and says so: the colour noise is what it reduces, the grain is kept
    assert on_soft.instruction.endswith("reduce colour noise") and "grain" in on_soft.reason and "kept" in on_soft.reason
    assert on_sharp.instruction.endswith("reduce noise") and "grain" not in on_sharp.reason
    strong = Finding("noise", "present", 0.9, 0.8, {"luma_sigma": 5.0 / 255, "chroma_sigma": 4.0 / 255}, "noisy")
    assert advise._denoise_edit(strong, soft).params.luma == 1.0
    between = Finding("noise", "present", 0.7, 0.8, {"luma_sigma": 3.0 / 255, "chroma_sigma": 3.0 / 255}, "noisy")
    assert 0.0 < advise._denoise_edit(between, soft).params.luma < 1.0
    # the camera-processed route (correlated grain read at half resolution) is unchanged
    cam = Finding("noise", "present", 0.6, 0.8, {"luma_sigma": 1.0 / 255, "chroma_sigma": 1.0 / 255,
                                                 "camera_route": 1.0, "camera_grain": 1.0 / 255}, "noisy")
    assert advise._denoise_edit(cam, soft).params.luma == 1.0



def test_a_deconvolution_is_regularised_for_the_noise_read_at_half_resolution():
    """A low-light JPEG's noise is correlated over 2-3 px: faint at full resolution, where no noise
    finding is made, it is what a deconvolution of a 1 px shake amplifies into a mesh (real photo:
    luma 2.8/255, 6.2/255 at half resolution). Its level for the inverse: CAMERA_LUMA x that read."""
    shake = Finding("sharpness", "blurred", 0.5, 0.8, {"blur_px": 1.1, "grain_risk": 0.0, "shake": 1.0}, "shaken")
    m = {"noise.luma_sigma": 0.011, "noise.flat_sigma_half": 0.0242}
    assert advise._deblur_edit(shake, m).params.noise == round(advise.CAMERA_LUMA * 0.0242, 4)
    clean = {"noise.luma_sigma": 0.001, "noise.flat_sigma_half": 0.001}  # a clean photo: the floor, as before
    assert advise._deblur_edit(shake, clean).params.noise == round(advise.DEBLUR_NOISE_FLOOR, 4)


def test_a_darkening_of_a_display_referred_file_keeps_its_white():
    # scaled down, a camera JPEG's blown sky or white wall turns a flat grey; a raw file's clipped
    # highlights are rebuilt instead (unclip), and a brightening has its own shoulder
    over = Finding("exposure", "over", 0.8, 0.9, {"correction_ev": -1.0}, "r")
    under = Finding("exposure", "under", 0.8, 0.9, {"correction_ev": 1.0}, "r")

    def exposure(f, linear, blown=0.2):
        plan = advise.plan_for([f], {"exposure.p_top": 1.0, "exposure.scene_linear": linear, "exposure.clipped": blown})
        return next(e for e in plan.edits if e.op == "exposure").params

    assert exposure(over, 0.0).keep_white == 1.0 and exposure(over, 0.0).ev == -1.0
    assert exposure(over, 1.0).keep_white == 0.0
    assert exposure(under, 0.0).keep_white == 0.0
    # a camera's highlight roll-off taken back (CAMERA_KEEP) on any darkening of a display-referred
    # file, more as more of the frame is blown, in full from BLOWN_FULL (10 %)
    assert exposure(over, 0.0, blown=0.0).keep_white == advise.CAMERA_KEEP
    assert exposure(over, 0.0, blown=0.03).keep_white == advise.CAMERA_KEEP  # 0.3 of the way: the floor
    assert exposure(over, 0.0, blown=0.08).keep_white == pytest.approx(0.8)
    assert 0.0 < advise.CAMERA_KEEP < 1.0
