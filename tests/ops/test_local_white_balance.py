"""Local white balance: mixed light neutralised region by region; one light gives the global result.

The shared contract tests (identity at neutral, gradients, half precision, per-image params,
bands equal the whole image) run over every op in ``tests/ops/test_ops.py`` and
``tests/artist/test_pipeline.py``; these are the op's own.
"""

import numpy as np
import pytest
import torch

from spc_cli.critic.advise import wb_gains
from spc_cli.hints.light import planck_rgb
from spc_cli.hints.visible import rgb_to_lab
from spc_cli.ops import OPS
from spc_cli.ops.local_white_balance import (adjust_local_white_balance, mean_light, prepare_local_white_balance,
                                             separation_weight)

PATCHES = [(40, 40), (120, 50), (40, 210), (120, 220)]  # two grey cards in each half, away from the seam
PATCH = 24


def neutral_scene(h: int = 192, w: int = 288, seed: int = 1) -> torch.Tensor:
    """A grey-world-neutral linear scene (1, 3, h, w): textured greys, colour patches that
    balance out, and neutral mid-grey cards."""
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing="ij")
    grey = 0.08 + 0.35 * (0.5 + 0.5 * torch.sin(13 * xx + 7 * yy) * torch.cos(5 * yy)) + 0.05 * torch.rand(h, w,
                                                                                                           generator=g)
    x = grey.expand(3, h, w).clone()
    rng = np.random.default_rng(seed)
    colours = [(0.4, 0.15, 0.1), (0.1, 0.3, 0.12), (0.12, 0.15, 0.4), (0.35, 0.3, 0.08), (0.3, 0.1, 0.3),
               (0.1, 0.3, 0.35)]
    for i in range(24):
        y0, x0 = int(rng.integers(0, h - 30)), int(rng.integers(0, w - 30))
        x[:, y0:y0 + 25, x0:x0 + 25] = torch.tensor(colours[i % 6]).view(3, 1, 1)
    for py, px in PATCHES:
        x[:, py:py + PATCH, px:px + PATCH] = 0.18
    m = x.reshape(3, -1).mean(1)
    return (x * (m.mean() / m).view(3, 1, 1)).clamp(0, 1)[None]


def two_lights(x: torch.Tensor, left: float = 3000.0, right: float = 6500.0) -> torch.Tensor:
    w = x.shape[-1]
    light = torch.ones_like(x)
    light[..., : w // 2] = torch.tensor(planck_rgb(left)).view(1, 3, 1, 1)
    light[..., w // 2:] = torch.tensor(planck_rgb(right)).view(1, 3, 1, 1)
    return (x * light).clamp(0, 1)


def patch_chroma(x: torch.Tensor) -> list[float]:
    """CIELAB chroma (distance from neutral) of each grey card's inner part."""
    out = []
    for py, px in PATCHES:
        lab = rgb_to_lab(x[0, :, py + 6:py + PATCH - 6, px + 6:px + PATCH - 6].clamp(0, 1)).mean((1, 2))
        out.append(float(torch.hypot(lab[1], lab[2])))
    return out


def test_mixed_light_is_neutralised_in_both_halves():
    x = two_lights(neutral_scene())
    assert min(patch_chroma(x)) > 4  # as lit: one half orange, the other blue
    ctx = prepare_local_white_balance(x)
    assert float(separation_weight(ctx)) == 1.0
    w, t = ctx["mean"].flatten().tolist()
    glob = adjust_local_white_balance(x, warmth=w, tint=t, local=0.0)
    assert min(patch_chroma(glob)) > 4  # one global gain leaves both halves off
    out = adjust_local_white_balance(x, warmth=w, tint=t, local=1.0, context=ctx)
    assert max(patch_chroma(out)) < 4


def test_neutral_colours_hint_uses_it_under_mixed_light():
    from spc_cli.api import enhance_pixels
    from spc_cli.hints import parse_hint
    from spc_cli.api import photo_from_array

    x = two_lights(neutral_scene())
    srgb = (torch.where(x <= 0.0031308, 12.92 * x, 1.055 * x.clamp(min=1e-8) ** (1 / 2.4) - 0.055)[0]
            .permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    plan = parse_hint("neutral colours", photo_from_array(srgb))
    assert [e.op for e in plan.edits] == ["local_white_balance"] and plan.records[0]["mode"] == "local"
    out, _, applied = enhance_pixels(srgb, hint="neutral colours", hint_only=True)
    assert [a["op"] for a in applied] == ["local_white_balance"]
    lin = torch.from_numpy(np.where(out <= 0.04045, out / 12.92, ((out + 0.055) / 1.055) ** 2.4)).permute(2, 0, 1)
    assert max(patch_chroma(lin[None].float())) < 4


def test_one_light_gives_exactly_the_global_white_balance():
    x = neutral_scene() * torch.tensor(planck_rgb(4000.0)).view(1, 3, 1, 1)
    ctx = prepare_local_white_balance(x)
    assert float(separation_weight(ctx)) == 0.0
    w, t = 0.7, 0.1
    out = adjust_local_white_balance(x, warmth=w, tint=t, local=1.0, context=ctx)
    r, g, b = wb_gains(w, t)
    ref = OPS["white_balance"].fn(x, red=r, green=g, blue=b)
    assert torch.allclose(out, ref, atol=1e-6)


def test_gate_zero_takes_the_regional_path_where_the_lights_measure_too_close():
    # two lights whose regions the gate reads as too close to be two (4300 K and 5600 K): gate 1
    # (the op deciding) is the global white balance, gate 0 (the user said the light is mixed)
    # removes each region's light all the same, and the cards end nearer neutral
    x = two_lights(neutral_scene(), 4300.0, 5600.0)
    ctx = prepare_local_white_balance(x)
    assert float(separation_weight(ctx)) == 0.0
    w, t = ctx["mean"].flatten().tolist()
    gated = adjust_local_white_balance(x, warmth=w, tint=t, local=1.0, context=ctx)
    r, g, b = wb_gains(w, t)
    assert torch.allclose(gated, OPS["white_balance"].fn(x, red=r, green=g, blue=b), atol=1e-6)
    forced = adjust_local_white_balance(x, warmth=w, tint=t, local=1.0, gate=0.0, context=ctx)
    assert max(patch_chroma(forced)) < max(patch_chroma(gated)) - 1.0


def test_fix_the_mixed_light_hint_takes_the_regional_path_as_asked():
    from spc_cli.api import photo_from_array
    from spc_cli.hints import parse_hint

    x = (neutral_scene() * torch.tensor(planck_rgb(4300.0)).view(1, 3, 1, 1)).clamp(0, 1)  # one light
    srgb = (torch.where(x <= 0.0031308, 12.92 * x, 1.055 * x.clamp(min=1e-8) ** (1 / 2.4) - 0.055)[0]
            .permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    assert [e.op for e in parse_hint("neutral colours", photo_from_array(srgb)).edits] == ["white_balance"]
    plan = parse_hint("fix the mixed light", photo_from_array(srgb))
    (e,) = plan.edits
    assert e.op == "local_white_balance" and e.params.gate == 0.0 and e.params.local == 1.0
    assert plan.records[0]["mode"] == "local, as asked"
    assert "region by region" in plan.records[0]["understood"]


def test_single_light_neutral_colours_is_todays_global_correction():
    from spc_cli.api import photo_from_array
    from spc_cli.hints import parse_hint

    x = (neutral_scene() * torch.tensor(planck_rgb(4300.0)).view(1, 3, 1, 1)).clamp(0, 1)
    srgb = (torch.where(x <= 0.0031308, 12.92 * x, 1.055 * x.clamp(min=1e-8) ** (1 / 2.4) - 0.055)[0]
            .permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    m = {"white_balance.warmth": 0.52, "white_balance.tint": 0.04}  # the critic's whole estimate
    (e,) = parse_hint("neutral colours", photo_from_array(srgb), m).edits
    assert e.op == "white_balance"
    assert (e.params.red, e.params.green, e.params.blue) == pytest.approx(tuple(wb_gains(0.52, 0.04)), abs=1e-4)


def _srgb8(x: torch.Tensor) -> np.ndarray:
    return (torch.where(x <= 0.0031308, 12.92 * x, 1.055 * x.clamp(min=1e-8) ** (1 / 2.4) - 0.055)[0]
            .permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)


def test_neutral_colours_says_when_the_light_read_close_to_two():
    # 3600 K and 5400 K: the gate's score comes within NEAR_MISS of two lights without reaching
    # them, so the light is read as one; the record says so and names the hint that takes the
    # regional path in full. Under one light, or two far apart, nothing is added.
    from spc_cli.api import photo_from_array
    from spc_cli.hints import explain_lines, parse_hint
    from spc_cli.hints.assemble import NEAR_MISS
    from spc_cli.ops.local_white_balance import GATE_RAMP

    plan = parse_hint("neutral colours", photo_from_array(_srgb8(two_lights(neutral_scene(), 3600.0, 5400.0))))
    rec = plan.records[0]
    assert rec["mode"] == "global" and rec["light"]["weight"] == 0.0
    assert GATE_RAMP[0] - NEAR_MISS < rec["light"]["score"] <= GATE_RAMP[0]
    assert rec["note"].startswith("read as one light, though close to two: the coolest and warmest regions differ by")
    assert "'fix the mixed light'" in rec["note"] and "'fix the mixed light'" in explain_lines(plan)[0]
    one = parse_hint("neutral colours", photo_from_array(_srgb8(
        (neutral_scene() * torch.tensor(planck_rgb(4300.0)).view(1, 3, 1, 1)).clamp(0, 1)))).records[0]
    assert one["mode"] == "global" and "note" not in one
    far = parse_hint("neutral colours", photo_from_array(_srgb8(two_lights(neutral_scene())))).records[0]
    assert far["mode"] == "local" and far["light"]["weight"] == 1.0 and "note" not in far


def test_neutral_colours_says_when_the_regional_share_is_partial():
    from spc_cli.api import photo_from_array
    from spc_cli.hints import parse_hint

    srgb = _srgb8(two_lights(neutral_scene(), 3400.0, 5600.0))
    rec = parse_hint("neutral colours", photo_from_array(srgb)).records[0]
    assert rec["mode"] == "local" and 0.0 < rec["light"]["weight"] < 0.95
    assert rec["note"].startswith("the regional correction in part (") and "'fix the mixed light'" in rec["note"]
    asked = parse_hint("fix the mixed light", photo_from_array(srgb)).records[0]
    assert "note" not in asked  # the user said so: applied in full


def test_mean_light_moves_exactly_with_the_light():
    x = neutral_scene()
    base = mean_light(x)[0]
    lit = mean_light(x * torch.tensor(planck_rgb(3200.0)).view(1, 3, 1, 1))[0]
    from spc_cli.hints.light import kelvin_chroma

    assert (lit - base).tolist() == pytest.approx(list(kelvin_chroma(3200.0)), abs=0.02)


def test_bands_equal_the_whole_image_and_local_zero_is_global():
    x = two_lights(neutral_scene(130, 170))
    ctx = prepare_local_white_balance(x)
    whole = adjust_local_white_balance(x, warmth=0.4, tint=0.05, local=0.8, context=ctx)
    bands = torch.cat([adjust_local_white_balance(x[..., y:y + 24, :], warmth=0.4, tint=0.05, local=0.8, context=ctx,
                                                  row0=y) for y in range(0, 130, 24)], dim=-2)
    assert torch.equal(whole, bands)
    r, g, b = wb_gains(0.4, 0.05)
    assert torch.allclose(adjust_local_white_balance(x, warmth=0.4, tint=0.05),
                          OPS["white_balance"].fn(x, red=r, green=g, blue=b), atol=1e-6)


def test_half_precision_and_gradients_under_mixed_light():
    x = two_lights(neutral_scene(96, 144))
    ref = adjust_local_white_balance(x, warmth=0.5, local=1.0)
    half = adjust_local_white_balance(x.half(), warmth=0.5, local=1.0)
    assert half.dtype == torch.float16 and float((half.float() - ref).abs().max()) < 2e-2
    local = torch.tensor([1.0], requires_grad=True)
    xg = x.clone().requires_grad_(True)
    adjust_local_white_balance(xg, warmth=0.5, local=local).mean().backward()
    assert local.grad is not None and torch.isfinite(local.grad).all() and float(local.grad.abs()) > 0
    assert xg.grad is not None and torch.isfinite(xg.grad).all()


def one_colour_half(h: int = 192, w: int = 288, seed: int = 2) -> torch.Tensor:
    """A grey-world-neutral scene whose left half is mostly one orange surface (rock, brick) and
    whose right half is mostly blue (a sky, a painted wall), so each half's grey world is its
    surface's colour; the surfaces' colour varies from pixel to pixel as a natural surface's
    does; the grey cards of ``PATCHES``."""
    x = neutral_scene(h, w, seed)[0]
    g = torch.Generator().manual_seed(seed)
    shade = (0.6 + 0.4 * torch.rand(1, h, w, generator=g)) * torch.exp(0.3 * torch.randn(3, h, w, generator=g))
    x[:, 10:h - 10, 5:w // 2 - 5] = torch.tensor([0.3, 0.16, 0.06]).view(3, 1, 1) * shade[:, 10:h - 10, 5:w // 2 - 5]
    x[:, 10:h - 10, w // 2 + 5:w - 5] = torch.tensor([0.1, 0.22, 0.42]).view(3, 1, 1) * shade[:, 10:h - 10, w // 2 + 5:w - 5]
    for py, px in PATCHES:
        x[:, py:py + PATCH, px:px + PATCH] = 0.18
    m = x.reshape(3, -1).mean(1)
    return (x * (m.mean() / m).view(3, 1, 1)).clamp(0, 1)[None]


def test_mixed_light_over_regions_filled_by_one_colour():
    # each half's grey world is its surface's colour, not its light's: the achromatic mode
    # (the grey cards, where the pixels pile up) still finds the lights
    x = two_lights(one_colour_half())
    ctx = prepare_local_white_balance(x)
    assert float(separation_weight(ctx)) == 1.0
    w, t = ctx["mean"].flatten().tolist()
    out = adjust_local_white_balance(x, warmth=w, tint=t, local=1.0, context=ctx)
    assert max(patch_chroma(out)) < 4


def test_two_coloured_scene_under_one_light_takes_the_global_path():
    # an orange half and a blue half under one 4000 K light: two colours, one light
    x = (one_colour_half() * torch.tensor(planck_rgb(4000.0)).view(1, 3, 1, 1)).clamp(0, 1)
    assert float(separation_weight(prepare_local_white_balance(x))) == 0.0


def test_achromatic_mode_finds_the_light_of_a_grey_among_colours():
    from spc_cli.ops.local_white_balance import achromatic_mode, log_chroma

    light = torch.tensor(planck_rgb(3000.0)).view(1, 3, 1, 1)
    x = torch.empty(1, 3, 64, 64)
    g = torch.Generator().manual_seed(3)
    x[:] = (torch.tensor([0.1, 0.2, 0.45]).view(1, 3, 1, 1) * torch.linspace(0.5, 1.0, 64).view(1, 1, 1, 64)
            * torch.exp(0.3 * torch.randn(1, 3, 64, 64, generator=g)))  # a blue surface, its colour varying
    x[..., 20:44, 20:44] = 0.18  # a grey card in a window that is mostly blue
    x = x * light
    chroma = log_chroma(x)
    usable = torch.ones(1, 1, 64, 64)
    ref, confidence = achromatic_mode(chroma, torch.zeros(1, 2, 1, 1), usable, 31)
    expected = log_chroma(light)[0, :, 0, 0]
    assert float((ref[0, 0, 32, 32] - expected[0]).abs()) < 0.05
    assert float(confidence[0, 0, 32, 32]) > 0.1


def test_gate_features_are_finite_on_flat_and_tiny_images():
    from spc_cli.ops.local_white_balance import GATE_FEATURES, gate_inputs, gate_score

    for x in (torch.full((1, 3, 40, 60), 0.3), torch.zeros(1, 3, 8, 8), torch.rand(1, 3, 5, 300),
              two_lights(neutral_scene(48, 72))):
        ctx = prepare_local_white_balance(x)
        f = gate_inputs(ctx)
        assert f.shape == (1, len(GATE_FEATURES), 1, 1) and torch.isfinite(f).all()
        assert torch.isfinite(gate_score(ctx)).all() and 0.0 <= float(separation_weight(ctx)) <= 1.0


def test_a_colour_far_beyond_any_light_is_not_read_as_two_lights():
    # a deep blue over the whole photo (a filter, water): its regions' modes may sit far apart,
    # but its mean light lies beyond every scene the gate was fitted on, so it reads one light
    from spc_cli.ops.local_white_balance import GATE_WARMTH, WARMTH_PAD

    x = (neutral_scene() * torch.tensor([0.12, 1.0, 5.0]).view(1, 3, 1, 1)).clamp(0, 1)
    ctx = prepare_local_white_balance(x)
    assert float(ctx["mean"][0, 0]) < GATE_WARMTH[0] - WARMTH_PAD
    assert float(separation_weight(ctx)) == 0.0


def test_the_gate_reads_half_precision_photos_as_float_ones():
    # fp16 batches on CUDA, bf16: the gate's statistics run in float32, so it decides alike
    from spc_cli.ops.local_white_balance import gate_inputs

    one_light = neutral_scene(96, 144) * torch.tensor(planck_rgb(4000.0)).view(1, 3, 1, 1)
    for x in (two_lights(neutral_scene(96, 144)), one_light):
        ref = prepare_local_white_balance(x)
        for dtype in (torch.float16, torch.bfloat16):
            ctx = prepare_local_white_balance(x.to(dtype))
            assert gate_inputs(ctx).dtype == torch.float32
            assert float(separation_weight(ctx)) == pytest.approx(float(separation_weight(ref)), abs=0.05)


def test_the_gate_reads_how_far_apart_across_the_frame_the_two_lights_lie():
    # the same two lights split left | right and cool above warm: 'apart' (the coolest and warmest
    # parts' distance across the frame, 0 to 1) is far larger for the first (the second's is the
    # scene's own colours: which side of each half is coolest), and the side-by-side split scores
    # higher (a cool light above a warm one is what a sky above warm ground under one light
    # looks like)
    from spc_cli.ops.local_white_balance import GATE_FEATURES, gate_inputs, gate_score

    side = two_lights(neutral_scene())
    stacked = two_lights(neutral_scene(288, 192).transpose(-1, -2), 6500.0, 3000.0).transpose(-1, -2)
    k = GATE_FEATURES.index("apart")
    a, b = (prepare_local_white_balance(x) for x in (side, stacked))
    assert float(gate_inputs(a)[0, k]) > float(gate_inputs(b)[0, k]) + 0.3
    assert float(gate_score(a)) > float(gate_score(b))
