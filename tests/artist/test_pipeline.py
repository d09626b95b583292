"""The pipeline artist: fixed order, tiling equals whole-image processing, replay, batching."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import torch

from spc_cli.artist.pipeline import PipelineArtist, replay
from spc_cli.colour import linear_to_srgb, srgb_to_linear
from spc_cli.ops import OPS
from spc_cli.photo import Metadata, Photo
from spc_cli.plan import Edit, EditPlan

from ops.test_ops import ACTIVE, scene  # tests/ is on sys.path (rootdir conftest)

LUT_TOL = 2e-4  # fused lookup tables vs the exact ops, sRGB units (an 8-bit step is 3.9e-3)
PLAN_TOL = 2e-3  # a whole plan, fused, vs the exact ops (later ops amplify the table error)
HALF_PLAN_TOL = {"fp16": 3e-2, "bf16": 7e-2}  # a whole plan of every op (11) in half precision vs fp32:
# bf16 keeps 8 bits, and dehaze (1/t) and saturation amplify each op's rounding (0.035-0.067 measured)


def edit(op: str, **params: float) -> Edit:
    return Edit(op, OPS[op].params.from_dict(params or ACTIVE[op]))


def photo(pixels: torch.Tensor) -> Photo:
    h, w = pixels.shape[-2:]
    return Photo(pixels, Metadata(source=Path("x.png"), format="png", sha256="0", width=w, height=h, bit_depth=8))


def whole(x: torch.Tensor, edits: list[Edit]) -> torch.Tensor:
    for e in sorted(edits, key=lambda e: list(OPS).index(e.op)):
        x = OPS[e.op].fn(x, **e.effective().to_dict())
    return x


def srgb_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((linear_to_srgb(a).clamp(0, 1) - linear_to_srgb(b).clamp(0, 1)).abs().max())


@pytest.mark.parametrize("name", [n for n in OPS if not OPS[n].channelwise])
def test_tiled_equals_whole(name):
    x = scene(2, 150, 70, seed=4)
    e = edit(name)
    ref = OPS[name].fn(x, **e.params.to_dict())
    tiled = PipelineArtist(band_pixels=2 * 70 * 20).apply(x.clone(), [[e], [e]])  # bands of 20-64 rows
    assert float((tiled - ref).abs().max()) < 1e-5


def test_tiled_odd_height_and_halo_larger_than_band():
    x = scene(1, 101, 33, seed=5)
    steps = [edit("denoise"), edit("sharpen")]
    ref = whole(x, steps)
    out = PipelineArtist(band_pixels=1).apply(x.clone(), [steps])
    assert float((out - ref).abs().max()) < 1e-5


@pytest.mark.parametrize("name", [n for n in OPS if OPS[n].channelwise])
def test_fused_lookup_tables_match_the_exact_ops(name):
    x = scene(2, 40, 50)
    x[0, :, :2] = 1.3  # headroom above 1 takes the exact path
    e = edit(name)
    out = PipelineArtist(band_pixels=500).apply(x.clone(), [[e], [e]])
    assert srgb_err(out, OPS[name].fn(x, **e.params.to_dict())) < LUT_TOL


def test_full_plan_matches_ops_in_order_whatever_the_listing_order():
    x = scene(1, 64, 48)
    edits = [edit(n) for n in reversed(list(OPS))]
    plan = EditPlan(edits)
    art = PipelineArtist(band_pixels=48 * 16)
    out = art.render([photo(x[0])], [plan])[0]
    assert [a.op for a in out.applied] == list(OPS)
    assert srgb_err(out.photo.pixels[None], whole(x, edits)) < PLAN_TOL


def test_replay_reproduces_the_output():
    x = scene(1, 64, 48)
    plan = EditPlan([edit(n) for n in OPS])
    out = PipelineArtist().render([photo(x[0])], [plan])[0]
    applied = [a.to_dict() for a in out.applied]
    assert all({"op", "version", "params"} <= set(d) for d in applied)
    again = replay(x[0], applied)
    assert srgb_err(again[None], out.photo.pixels[None]) < 1e-5  # params are rounded to 6 digits


def test_strength_zero_is_untouched_and_strength_scales():
    x = scene(1, 32, 32)
    p = photo(x[0].clone())
    plan = EditPlan([edit("exposure", ev=1.0), edit("saturation", saturation=0.5)])
    art = PipelineArtist()
    untouched = art.render([p], [plan.scaled(0.0)])[0]
    assert untouched.applied == [] and torch.equal(untouched.photo.pixels, x[0])
    half = art.render([p], [plan.scaled(0.5)])[0]
    assert half.applied[0].params["ev"] == pytest.approx(0.5)
    assert torch.equal(p.pixels, x[0])  # the input photo is never written


def test_batched_render_equals_one_by_one():
    a, b, c = scene(3, 40, 56).unbind(0)
    d = scene(1, 30, 20)[0]  # another shape: its own batch
    plans = [EditPlan([edit("exposure", ev=0.5), edit("tone")]),
             EditPlan([edit("saturation"), edit("sharpen")]),
             EditPlan([]),
             EditPlan([edit("dehaze"), edit("denoise")])]
    photos = [photo(t) for t in (a, b, c, d)]
    art = PipelineArtist(batch_size=4)
    together = art.render(photos, plans)
    for p, plan, got in zip(photos, plans, together):
        alone = PipelineArtist(batch_size=1).render([p], [plan])[0]
        assert torch.allclose(got.photo.pixels, alone.photo.pixels, atol=1e-5)
        assert got.photo.pixels.shape == p.pixels.shape
    assert torch.equal(together[2].photo.pixels, c)


@pytest.mark.parametrize("precision", ["fp16", "bf16"])
def test_half_precision_render_on_cpu(precision):
    x = scene(1, 48, 64)
    plan = EditPlan([edit(n) for n in OPS])
    ref = PipelineArtist(precision="fp32").render([photo(x[0])], [plan])[0].photo.pixels
    out = PipelineArtist(precision=precision).render([photo(x[0])], [plan])[0].photo.pixels
    assert out.dtype == torch.float32
    assert srgb_err(out[None], ref[None]) < HALF_PLAN_TOL[precision]


def test_inplace_render_writes_into_the_input_and_matches():
    x = scene(1, 40, 30)[0]
    plan = EditPlan([edit("exposure", ev=0.5), edit("sharpen")])
    ref = PipelineArtist().render([photo(x.clone())], [plan])[0].photo.pixels
    p = photo(x.clone())
    out = PipelineArtist(inplace=True).render([p], [plan])[0].photo.pixels
    assert torch.equal(out, ref)
    assert out.data_ptr() == p.pixels.data_ptr()  # no copy was made


def _coded(h: int = 37, w: int = 53, seed: int = 3) -> Photo:
    """An 8-bit sRGB photo known by its stored codes only (as the decoder gives a JPEG)."""
    rng = np.random.default_rng(seed)
    codes = np.ascontiguousarray(np.concatenate([
        np.tile(np.arange(256, dtype=np.uint8), (3, 1)).T[None].repeat(5, 0)[:, :w],  # every code
        rng.integers(0, 256, (h - 5, w, 3), dtype=np.uint8)]))
    meta = Metadata(source=Path("x.jpg"), format="jpeg", sha256="0", width=w, height=h, bit_depth=8)
    return Photo(meta=meta, codes=codes)


@pytest.mark.parametrize("steps", [["white_balance"], ["exposure"], ["contrast"],
                                   ["white_balance", "exposure", "contrast"]])
def test_per_channel_plans_on_8_bit_codes_render_as_tables_matching_the_float_path(steps):
    from spc_cli.io.encode import encode_pixels

    coded = _coded()
    plan = EditPlan([edit(n) for n in reversed(steps)])
    fast = PipelineArtist().render([coded], [plan])[0]
    slow = PipelineArtist().render([coded.with_pixels(coded.pixels.clone())], [plan])[0]
    assert fast.photo.codes is not None and slow.photo.codes is None  # the table path was taken
    assert [a.to_dict() for a in fast.applied] == [a.to_dict() for a in slow.applied]
    a = encode_pixels(fast.photo, 8, False).astype(int)
    b = encode_pixels(slow.photo, 8, False).astype(int)
    # the tables are the exact chain: decode, the ops in order, encode, rounded to nearest
    exact = whole(coded.pixels[None].double(), plan.edits)[0]
    want = np.round(np.clip(linear_to_srgb(exact).numpy(), 0, 1) * 255).transpose(1, 2, 0)
    assert np.array_equal(a, want)
    # the float path (fused fp32 tables, then a 16-bit encoding table) is a level off at times
    assert np.abs(a - b).max() <= 1 and (a != b).mean() < 0.03
    # and its pixels decode from its codes on demand
    assert torch.allclose(fast.photo.pixels, srgb_to_linear(torch.from_numpy(a.transpose(2, 0, 1)) / 255.0),
                          atol=1e-6)


def test_a_darkening_that_keeps_white_renders_from_codes_as_the_exact_chain():
    from spc_cli.io.encode import encode_pixels

    coded = _coded()
    plan = EditPlan([edit("exposure", ev=-1.2, shoulder=1.0, keep_white=1.0)])
    fast = PipelineArtist().render([coded], [plan])[0]
    assert fast.photo.codes is not None
    a = encode_pixels(fast.photo, 8, False).astype(int)
    exact = whole(coded.pixels[None].double(), plan.edits)[0]
    assert np.array_equal(a, np.round(np.clip(linear_to_srgb(exact).numpy(), 0, 1) * 255).transpose(1, 2, 0))
    assert (a[coded.codes == 255] == 255).all()  # white stays white


@pytest.mark.parametrize("steps", [["sharpen"], ["denoise", "exposure", "saturation", "sharpen"], ["saturation"],
                                   ["deblur"], ["denoise", "deblur", "white_balance"]])
def test_other_plans_on_8_bit_codes_render_band_by_band_like_the_whole_image(steps):
    from spc_cli.io.encode import encode_pixels

    coded = _coded(301, 40)
    plan = EditPlan([edit(n) for n in steps])
    artist = PipelineArtist(band_pixels=16 * 40)  # bands of 64 rows: several, and a ragged last one
    out = artist.render([coded], [plan])[0].photo
    assert out.codes is not None and coded._pixels is None  # no whole float image was made
    ref = PipelineArtist().render([coded.with_pixels(coded.pixels.clone())], [plan])[0].photo
    want = encode_pixels(ref, 8, False).astype(int)
    assert np.abs(out.codes.astype(int) - want).max() <= 1 and (out.codes != want).mean() < 1e-3


@pytest.mark.parametrize("op", ["tone", "dehaze", "unclip"])
def test_plans_with_whole_image_statistics_on_codes_take_the_float_path(op):
    coded = _coded()
    plan = EditPlan([edit("exposure", ev=0.5), edit(op)])
    out = PipelineArtist().render([coded], [plan])[0].photo
    ref = PipelineArtist().render([coded.with_pixels(coded.pixels.clone())], [plan])[0].photo
    assert out.codes is None and torch.equal(out.pixels, ref.pixels)


def test_rendering_in_place_forgets_the_stale_codes():
    coded = _coded()
    coded.pixels  # decoded: the in-place render writes into these
    PipelineArtist(inplace=True).render([coded], [EditPlan([edit("tone")])])
    assert coded.codes is None


def test_a_shake_deblur_takes_the_float_path_and_what_its_estimate_said_reaches_the_render():
    coded = _coded()
    plan = EditPlan([edit("deblur", amount=1.0, sigma=1.5, kind=2.0)])
    r = PipelineArtist().render([coded], [plan])[0]
    said = r.notes + [x.reason for x in r.left_alone]  # trusted: a note; not: why it was left alone
    assert r.photo.codes is None and len(said) == 1 and "camera shake" in said[0]


def test_a_shake_the_op_cannot_estimate_is_not_reported_as_applied():
    g = torch.Generator().manual_seed(5)
    meta = Metadata(source=Path("x.png"), format="png", sha256="0", width=200, height=200, bit_depth=8)
    flat = Photo(torch.rand(3, 200, 200, generator=g) * 0.02 + 0.4, meta)  # no edges to estimate a kernel from
    shake = dataclasses.replace(edit("deblur", amount=1.0, sigma=2.0, kind=2.0), instruction="increase sharpness")
    r = PipelineArtist().render([flat], [EditPlan([shake, edit("exposure", ev=0.5)])])[0]
    assert [a.op for a in r.applied] == ["exposure"]
    assert [(x.op, x.instruction, x.reason.startswith("camera shake not ")) for x in r.left_alone] == \
        [("deblur", "increase sharpness", True)]
    assert not any("camera shake" in n for n in r.notes)  # said once, in its own field


def test_replay_refuses_an_older_version_it_cannot_reproduce_and_replays_one_it_can():
    from spc_cli.errors import ParamError

    x = scene(1, 32, 40)[0]
    with pytest.raises(ParamError, match="dehaze version 1 cannot be replayed"):
        replay(x, [{"op": "dehaze", "version": 1, "params": {"amount": 0.5}}])
    old = replay(x, [{"op": "tone", "version": 1, "params": {"highlights": -0.5, "shadows": 0.3}}])
    new = replay(x, [{"op": "tone", "version": 2, "params": {"highlights": -0.5, "shadows": 0.3, "compress": 0.0}}])
    assert torch.equal(old, new)


@pytest.mark.parametrize("steps", [["deblur"], ["denoise", "exposure", "sharpen"]])
def test_bands_rendered_in_spare_threads_are_the_same_bytes(steps):
    from concurrent.futures import ThreadPoolExecutor

    from spc_cli.sharing import Spare

    coded = _coded(301, 40)
    plan = EditPlan([edit(n) for n in steps])
    artist = PipelineArtist(band_pixels=16 * 40)
    artist.spare = Spare(ThreadPoolExecutor(2), helpers=2)
    # the bands in other threads run in the caller's mode (an in-place op's last bit may differ
    # between modes on some CPUs, so both renders are made in the one mode the engine uses)
    with torch.inference_mode():
        alone = PipelineArtist(band_pixels=16 * 40).render([coded], [plan])[0].photo.codes
        shared = artist.render([coded], [plan])[0].photo.codes
    assert np.array_equal(alone, shared)


def test_tables_render_into_the_codes_when_in_place_is_allowed():
    coded = _coded()
    before = coded.codes.copy()
    plan = EditPlan([edit("exposure")])
    kept = PipelineArtist().render([coded], [plan])[0].photo.codes
    assert np.array_equal(coded.codes, before) and kept is not coded.codes
    spent = PipelineArtist(inplace=True).render([coded], [plan])[0].photo.codes
    assert spent is coded.codes and np.array_equal(spent, kept)
    frozen = _coded()
    frozen.codes.flags.writeable = False  # Pillow's arrays: rendered into a new buffer
    assert np.array_equal(PipelineArtist(inplace=True).render([frozen], [plan])[0].photo.codes, kept)


def test_replay_of_an_older_local_white_balance_step_renders_only_what_it_still_renders_exactly():
    # version 3's gate reads one more feature: a regional share the gate weighs (gate 1) is
    # refused from versions 1 and 2; a global white balance (local 0) and a version-2 step with
    # gate 0 (the regional share in full) render as version 3 renders them
    from spc_cli.errors import ParamError

    x = scene(1, 32, 40)[0]
    glob = {"warmth": 0.4, "tint": 0.05, "local": 0.0, "region": 0.08}
    assert torch.equal(replay(x, [{"op": "local_white_balance", "version": 1, "params": glob}]),
                       replay(x, [{"op": "local_white_balance", "version": 3, "params": {**glob, "gate": 1.0}}]))
    full = {**glob, "local": 1.0, "gate": 0.0}
    assert torch.equal(replay(x, [{"op": "local_white_balance", "version": 2, "params": full}]),
                       replay(x, [{"op": "local_white_balance", "version": 3, "params": full}]))
    for version, params in ((1, {**glob, "local": 1.0}), (2, {**glob, "local": 1.0, "gate": 1.0})):
        with pytest.raises(ParamError, match=f"local_white_balance version {version} cannot be replayed"):
            replay(x, [{"op": "local_white_balance", "version": version, "params": params}])
