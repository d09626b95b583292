"""The pipeline artist: fixed order, tiling equals whole-image processing, replay, batching."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from spc.artist.pipeline import PipelineArtist, replay
from spc.colour import linear_to_srgb
from spc.ops import OPS
from spc.photo import Metadata, Photo
from spc.plan import Edit, EditPlan

from ops.test_ops import ACTIVE, scene  # tests/ is on sys.path (rootdir conftest)

LUT_TOL = 2e-4  # fused lookup tables vs the exact ops, sRGB units (an 8-bit step is 3.9e-3)
PLAN_TOL = 2e-3  # a whole plan, fused, vs the exact ops (later ops amplify the table error)
HALF_PLAN_TOL = {"fp16": 3e-2, "bf16": 5e-2}  # a whole 8-op plan in half precision vs fp32


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
