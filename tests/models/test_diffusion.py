"""DiffusionArtist: the full-resolution colour transfer, and the real QwenImageEditPlusPipeline
code path on tiny random components (no download)."""

import functools

import pytest
import torch

pytest.importorskip("transformers")
diffusers = pytest.importorskip("diffusers")
if not hasattr(diffusers, "QwenImageEditPlusPipeline"):
    pytest.skip("this diffusers has no QwenImageEditPlusPipeline", allow_module_level=True)

from spc_cli.artist.base import Applied, Rendered  # noqa: E402
from spc_cli.artist.diffusion import (DiffusionArtist, apply_colour_map, fit_colour_map, instruction_text,  # noqa: E402
                                  proxy_size, transfer_edit)
from spc_cli.critic.instructions import parse_suggestions  # noqa: E402
from spc_cli.errors import UsageError  # noqa: E402
from spc_cli.plan import EditPlan  # noqa: E402

from .conftest import build_tiny_qwen_image_edit, make_photo  # noqa: E402


def _plan(*sentences):
    return EditPlan([s.edit for t in sentences for s in parse_suggestions(t)])


# -- transfer -------------------------------------------------------------------

def _scene(h, w, seed=0):
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing="ij")
    img = torch.stack([0.1 + 0.6 * xx, 0.1 + 0.5 * yy, 0.4 * (1 - xx) * yy + 0.05])
    return (img + 0.02 * torch.rand(3, h, w, generator=g)).clamp(0, 1)


def test_global_colour_change_is_reproduced_at_full_resolution():
    full = _scene(301, 457)
    proxy = torch.nn.functional.interpolate(full[None], size=(64, 96), mode="area")[0]
    gain = torch.tensor([1.4, 1.1, 0.8]).view(3, 1, 1)
    out = transfer_edit(full, proxy, proxy * gain + 0.01)
    assert out.shape == full.shape  # geometry kept
    assert torch.allclose(out, full * gain + 0.01, atol=0.01)


def test_transfer_ignores_geometry_and_size_of_the_edited_proxy():
    full = _scene(200, 300)
    proxy = torch.nn.functional.interpolate(full[None], size=(64, 96), mode="area")[0]
    edited = torch.nn.functional.interpolate((proxy * 1.2)[None], size=(80, 112), mode="bilinear")[0]  # other size
    out = transfer_edit(full, proxy, edited)
    assert out.shape == full.shape
    assert (out / full.clamp(min=1e-3)).median().item() == pytest.approx(1.2, abs=0.05)


def test_editor_that_moves_things_still_transfers_only_colour():
    from spc_cli.colour import linear_to_srgb

    full = _scene(300, 450)
    full[:, 100:200, 150:300] = torch.tensor([0.8, 0.2, 0.1]).view(3, 1, 1)  # a hard-edged object
    proxy = torch.nn.functional.interpolate(full[None], size=(64, 96), mode="area")[0]
    moved = torch.roll(proxy * 1.3, shifts=(2, 3), dims=(1, 2))  # brighter, and shifted by ~10 full-res px
    out = transfer_edit(full, proxy, moved)
    assert (out / full.clamp(min=1e-3)).median().item() == pytest.approx(1.3, abs=0.06)
    err = (linear_to_srgb(out.clamp(0, 1)) - linear_to_srgb((full * 1.3).clamp(0, 1))).abs() * 255
    assert err.mean() < 4.0  # no ghost of the moved object (8-bit sRGB levels)


def test_local_change_is_carried_smoothly():
    full = _scene(120, 180)
    proxy = torch.nn.functional.interpolate(full[None], size=(64, 96), mode="area")[0]
    edited = torch.cat([proxy[:, :, :48] * 1.5, proxy[:, :, 48:]], dim=2)  # left half brightened
    r = transfer_edit(full, proxy, edited) / full.clamp(min=1e-3)
    assert r[:, :, :60].median().item() == pytest.approx(1.5, abs=0.05)
    assert r[:, :, -60:].median().item() == pytest.approx(1.0, abs=0.05)


def test_map_is_smooth_and_strength_zero_is_identity():
    src = _scene(64, 64)
    edited = src.clone()
    edited[:, :, 32:] *= 1.5  # a hard local change: the map may follow it only smoothly
    coef = fit_colour_map(src, edited)
    assert coef.shape == (6, 16, 16) and torch.isfinite(coef).all()
    assert (coef[:3, :, 1:] - coef[:3, :, :-1]).abs().max() < 0.5
    full = _scene(128, 128)
    assert torch.allclose(transfer_edit(full, src, edited, strength=0.0), full, atol=1e-6)
    assert apply_colour_map(full, coef, rows_per_band=7).shape == full.shape


def test_instruction_text_and_proxy_size():
    plan = _plan("slightly increase exposure", "moderately reduce haze")
    assert instruction_text(plan) == "slightly increase exposure; moderately reduce haze"
    h, w = proxy_size(4000, 6000, 1.0)
    assert h % 16 == 0 and w % 16 == 0 and 0.9e6 < h * w < 1.1e6 and abs(w / h - 1.5) < 0.02


# -- the real pipeline class on tiny components -------------------------------------

class CountingPipeline:
    """Wraps a pipeline to count calls and record the keyword arguments (same call signature)."""

    def __init__(self, pipe):
        self.pipe, self.calls = pipe, []

    @functools.wraps(diffusers.QwenImageEditPlusPipeline.__call__)
    def __call__(self, **kw):
        self.calls.append(kw)
        return self.pipe(**kw)

    def to(self, *a, **k):
        self.pipe.to(*a, **k)
        return self

    def set_progress_bar_config(self, **k):
        self.pipe.set_progress_bar_config(**k)


@pytest.fixture(scope="module")
def tiny_pipe():
    return build_tiny_qwen_image_edit()


def test_qwen_image_edit_pipeline_renders_at_full_resolution(tiny_pipe):
    counting = CountingPipeline(tiny_pipe)
    artist = DiffusionArtist(pipeline=counting, device="cpu", steps=2, guidance=4.0, seed=0, megapixels=0.004)
    photos = [make_photo(90, 120, 0), make_photo(75, 50, 1)]
    plans = [_plan("slightly increase light and exposure", "moderately reduce haze"), EditPlan()]
    out = artist.render(photos, plans)
    assert len(counting.calls) == 1  # the empty plan never reaches the model
    call = counting.calls[0]
    assert call["prompt"] == "slightly increase exposure; moderately reduce haze"
    assert call["true_cfg_scale"] == 4.0 and call["negative_prompt"] == " " and call["num_inference_steps"] == 2
    assert call["height"] % 16 == 0 and call["width"] % 16 == 0
    r0, r1 = out
    assert isinstance(r0, Rendered) and r0.photo.pixels.shape == (3, 90, 120)
    assert torch.isfinite(r0.photo.pixels).all() and r0.photo.meta is photos[0].meta
    assert r0.applied == [Applied(op="diffusion_edit", version=1,
                                  params={"steps": 2.0, "guidance": 4.0, "seed": 0.0, "strength": 1.0})]
    assert any("slightly increase exposure" in n for n in r0.notes)
    assert any("not replayable" in n for n in r0.notes)
    assert r1.photo is photos[1] and r1.applied == []
    again = artist.render(photos[:1], plans[:1])[0]  # seeded: the same pixels again
    assert torch.equal(again.photo.pixels, r0.photo.pixels)


def test_the_edit_proxy_is_never_larger_than_the_photo(tiny_pipe):
    """A 96x128 photo is edited at 96x128 (the pipeline would encode its conditioning image at
    1 MP), at the default working size of about 1 MP."""
    mod = pytest.importorskip("diffusers.pipelines.qwenimage.pipeline_qwenimage_edit_plus")
    before = (mod.VAE_IMAGE_SIZE, mod.CONDITION_IMAGE_SIZE)
    seen = {}
    def vae_in(module, args):
        seen.setdefault("vae_in", tuple(args[0].shape[-2:]))

    def dit_in(module, args, kwargs):
        seen.setdefault("img_shapes", kwargs["img_shapes"])

    hooks = [tiny_pipe.vae.encoder.register_forward_pre_hook(vae_in),
             tiny_pipe.transformer.register_forward_pre_hook(dit_in, with_kwargs=True)]
    try:
        artist = DiffusionArtist(pipeline=tiny_pipe, device="cpu", steps=1, seed=0)
        assert artist.megapixels == 1.0 and artist.family.name == "qwen-image-edit"
        (out,) = artist.render([make_photo(96, 128, 0)], [_plan("slightly increase exposure")])
    finally:
        for h in hooks:
            h.remove()
    assert seen["vae_in"] == (96, 128)  # the conditioning image: the photo's own size, not 1024x1024
    f = tiny_pipe.vae_scale_factor
    assert seen["img_shapes"] == [[(1, 96 // f // 2, 128 // f // 2)] * 2]  # output and conditioning latents
    assert out.photo.pixels.shape == (3, 96, 128) and "128x96 proxy" in out.notes[0]
    assert (mod.VAE_IMAGE_SIZE, mod.CONDITION_IMAGE_SIZE) == before  # restored after the call


def test_working_size_keeps_aspect_and_never_enlarges():
    from spc_cli.crafter.proxy import working_size

    for h, w in [(4000, 6000), (3000, 4000), (96, 128), (100, 150), (33, 1000), (1080, 1920), (500, 500)]:
        for mp in (0.01, 0.25, 1.0, 4.0):
            ph, pw = working_size(h, w, mp)
            assert ph % 32 == 0 and pw % 32 == 0
            assert (ph <= max(h, 32)) and (pw <= max(w, 32))  # never beyond the photo (but a 32-px floor)
            if min(ph, pw) >= 256:  # the rounding to 32 weighs little
                assert ph * pw <= mp * 1e6 * 1.15
            if min(ph, pw) >= 256:
                assert abs(pw / ph - w / h) / (w / h) < 0.12
    assert working_size(3000, 4000) == (864, 1152) and working_size(96, 128) == (96, 128)
    assert working_size(4000, 6000, 1.0, multiple=16)[0] % 16 == 0


def test_inputs_checked_and_missing_model_is_usage_error(tiny_pipe, tmp_path, monkeypatch):
    artist = DiffusionArtist(pipeline=tiny_pipe, device="cpu", steps=1)
    with pytest.raises(UsageError):
        artist.render([make_photo()], [])
    with pytest.raises(UsageError):
        artist.render(make_photo(), [EditPlan()])
    with pytest.raises(UsageError, match="does not exist"):
        DiffusionArtist(model=str(tmp_path / "nope"), device="cpu")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(UsageError) as err:
        DiffusionArtist(model="spc-tests/Qwen-Image-Edit-missing", device="cpu")
    assert "\n" not in str(err.value) and "hf download" in str(err.value) and "--allow-download" in str(err.value)
