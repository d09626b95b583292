"""Per-op contract tests: identity at neutral, known values, gradients, half precision, batching."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from spc_cli.colour import linear_to_srgb
from spc_cli.ops import OPS, ORDER

# A typical, clearly non-neutral setting for every op.
ACTIVE: dict[str, dict[str, float]] = {
    "denoise": {"luma": 1.0, "chroma": 1.0, "sigma": 0.03, "chroma_sigma": 0.02},
    "unclip": {"amount": 1.0, "headroom": 1.0},
    "deblur": {"amount": 1.0, "sigma": 1.5, "kind": 0.0, "noise": 0.01},
    "local_white_balance": {"warmth": -0.2, "tint": 0.05, "local": 1.0, "region": 0.2},
    "white_balance": {"red": 1.3, "green": 1.0, "blue": 0.8},
    "exposure": {"ev": 0.8, "shoulder": 0.9},
    "dehaze": {"amount": 0.7, "transmission": 0.7},
    "tone": {"highlights": -0.6, "shadows": 0.6, "compress": 0.5},
    "clarity": {"amount": 0.6},
    "contrast": {"amount": 0.5, "black": 0.03, "white": 0.97},
    "fade": {"lift": 0.08},
    "saturation": {"saturation": 0.4, "vibrance": 0.4},
    "sharpen": {"amount": 1.0, "radius": 1.5, "threshold": 0.01},
}
HALF_TOL = 2e-2  # max |sRGB(fp16/bf16 result) - sRGB(fp32 result)|, on a 0..1 scale


def scene(b: int = 2, h: int = 48, w: int = 64, seed: int = 0) -> torch.Tensor:
    """Linear test images: smooth gradients, a hard edge, colour patches, a little noise, and
    highlights clipped in one channel and in all three."""
    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing="ij")
    base = torch.stack([xx, yy, 1 - xx * yy], 0) * 0.7 + 0.02
    base[:, :, w // 2:] *= 0.4  # an edge
    base[:, : h // 4, : w // 4] = torch.tensor([0.6, 0.2, 0.1]).view(3, 1, 1)
    imgs = base.expand(b, 3, h, w) * torch.linspace(0.6, 1.0, b).view(b, 1, 1, 1)
    imgs = (imgs + 0.01 * torch.rand(b, 3, h, w, generator=g)).clamp(0, 1)
    imgs[..., h - h // 5:, w - w // 6:] = 1.0  # clipped white
    imgs[:, 0, h - h // 5:, w // 2: w // 2 + w // 8] = 1.0  # red clipped on a darker colour
    return imgs.contiguous()


def test_every_ordered_op_is_registered():
    assert [name for name, _ in ORDER] == list(OPS) or set(OPS) == {n for n, _ in ORDER}
    for name, reason in ORDER:
        assert name in OPS and reason


@pytest.mark.parametrize("name", list(OPS))
def test_identity_at_neutral(name):
    x = scene()
    spec = OPS[name]
    y = spec.fn(x, **spec.params.neutral().to_dict())
    assert torch.equal(y, x)


@pytest.mark.parametrize("name", list(OPS))
def test_params_validate_and_active_values_are_in_bounds(name):
    p = OPS[name].params.from_dict(ACTIVE[name])
    assert not p.is_neutral()
    assert p.scaled(0.0).is_neutral()
    assert p.version >= 1


@pytest.mark.parametrize("name", list(OPS))
def test_gradients_flow(name):
    x = scene(1, 24, 32).requires_grad_(True)
    params = {k: torch.tensor([v], requires_grad=True) for k, v in ACTIVE[name].items()}
    if name == "sharpen":
        params["radius"] = 1.5  # a kernel size, not differentiable
    if name == "local_white_balance":
        params["region"] = 0.2  # a window size, not differentiable
    if name == "deblur":
        params["sigma"], params["kind"] = 1.5, 0.0  # the kernel: a measurement, not differentiable
    y = OPS[name].fn(x, **params)
    y.mean().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all() and x.grad.abs().sum() > 0
    measured = {f for f, m in ((f.name, f.metadata) for f in dataclasses.fields(OPS[name].params)) if m["measured"]}
    for k, v in params.items():
        if isinstance(v, torch.Tensor) and k not in measured:
            assert v.grad is not None and torch.isfinite(v.grad).all(), k


@pytest.mark.parametrize("name", list(OPS))
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_precision_agrees_with_fp32(name, dtype):
    x = scene()
    ref = OPS[name].fn(x, **ACTIVE[name])
    out = OPS[name].fn(x.to(dtype), **ACTIVE[name])
    assert out.dtype == dtype
    err = (linear_to_srgb(out.float()).clamp(0, 1) - linear_to_srgb(ref).clamp(0, 1)).abs().max()
    assert err < HALF_TOL, float(err)


@pytest.mark.parametrize("name", list(OPS))
def test_per_image_params_match_single_images(name):
    x = scene(2)
    neutral = OPS[name].params.neutral().to_dict()
    params = {k: torch.tensor([ACTIVE[name][k], neutral[k]]) for k in ACTIVE[name]}
    both = OPS[name].fn(x, **params)
    first = OPS[name].fn(x[:1], **ACTIVE[name])
    # whole-image statistics (dehaze airlight, tone base) are per image, so batching is exact
    assert torch.allclose(both[:1], first, atol=1e-5)
    assert torch.allclose(both[1:], x[1:], atol=1e-5)


# --- known values -----------------------------------------------------------------------

def test_white_balance_gains():
    x = torch.full((1, 3, 2, 2), 0.2)
    y = OPS["white_balance"].fn(x, red=2.0, green=1.0, blue=0.5)
    assert torch.allclose(y[0, :, 0, 0], torch.tensor([0.4, 0.2, 0.1]))


def test_exposure_one_stop_and_smooth_shoulder():
    x = torch.tensor([0.1, 0.4, 0.6, 0.9]).view(1, 1, 1, 4).expand(1, 3, 1, 4).contiguous()
    y = OPS["exposure"].fn(x, ev=1.0)
    assert torch.allclose(y[0, 0, 0, :2], torch.tensor([0.2, 0.8]))  # below the knee: exact gain
    assert (y < 1.0).all() and (y[..., 1:] > y[..., :-1]).all()  # rolled off, still monotone


def test_a_darkening_that_keeps_white_moves_mid_grey_by_ev_and_leaves_white_white():
    levels = torch.tensor([0.0, 0.02, 0.18, 0.5, 0.8, 0.95, 1.0])
    x = levels.view(1, 1, 1, -1).expand(1, 3, 1, levels.numel()).contiguous()
    for ev in (-0.3, -1.0, -2.5):
        plain = OPS["exposure"].fn(x, ev=ev, shoulder=1.0)
        kept = OPS["exposure"].fn(x, ev=ev, shoulder=1.0, keep_white=1.0)
        assert torch.allclose(plain, x * 2.0 ** ev)  # keep_white 0 (version 1): every level scales
        assert kept[0, 0, 0, 2] == pytest.approx(0.18 * 2.0 ** ev, rel=1e-5)  # mid-grey: exactly ev
        assert kept[0, 0, 0, -1] == pytest.approx(1.0, abs=1e-6) and kept[0, 0, 0, 0] == 0.0
        assert (kept[..., 1:] > kept[..., :-1]).all()  # monotone
        assert (kept <= x + 1e-7).all()  # a darkening everywhere; from mid-grey up, less than the scaling's
        assert (kept[..., 2:] >= plain[..., 2:] - 1e-7).all()
        assert (kept[..., 1] / x[..., 1]).log2().max() > ev - 0.3  # the shadows: a little more than ev
        top = kept[0, 0, 0, -2:]  # the levels just under white spread out (the roll-off undone)
        assert float(top[1] - top[0]) > float(levels[-1] - levels[-2])
    # a brightening ignores it; half of it keeps white half-way
    assert torch.equal(OPS["exposure"].fn(x, ev=0.5, keep_white=1.0), OPS["exposure"].fn(x, ev=0.5))
    half = OPS["exposure"].fn(x, ev=-1.0, shoulder=1.0, keep_white=0.5)[0, 0, 0]
    assert 0.5 < float(half[-1]) < 1.0 and half[2] == pytest.approx(0.09, rel=1e-5)
    # above white (a channel an earlier gain took there) it carries on as the plain scaling does
    over = OPS["exposure"].fn(torch.full((1, 3, 1, 1), 1.2), ev=-1.0, keep_white=1.0)
    assert float(over.max()) == pytest.approx(1.1)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_keep_white_in_half_precision_agrees_with_fp32(dtype):
    # the CUDA path renders in half precision: the roll-off's gain and denominator hold there too
    x = scene()
    ref = OPS["exposure"].fn(x, ev=-1.3, shoulder=1.0, keep_white=1.0)
    out = OPS["exposure"].fn(x.to(dtype), ev=-1.3, shoulder=1.0, keep_white=1.0)
    assert out.dtype == dtype
    err = (linear_to_srgb(out.float()).clamp(0, 1) - linear_to_srgb(ref).clamp(0, 1)).abs().max()
    assert err < HALF_TOL, float(err)
    assert float(out[..., -1, -1].float().min()) > 0.99  # the clipped white corner stays white


def test_keep_white_per_image_and_with_a_gradient():
    x = scene(b=2)
    ev, keep = torch.tensor([-0.8, -0.8]), torch.tensor([0.0, 1.0])
    both = OPS["exposure"].fn(x, ev=ev, shoulder=1.0, keep_white=keep)
    assert torch.allclose(both[0], OPS["exposure"].fn(x[:1], ev=-0.8, shoulder=1.0)[0])
    assert torch.allclose(both[1], OPS["exposure"].fn(x[1:], ev=-0.8, shoulder=1.0, keep_white=1.0)[0])
    e = torch.tensor([-0.8], requires_grad=True)
    xg = x[:1].clone().requires_grad_(True)
    OPS["exposure"].fn(xg, ev=e, shoulder=1.0, keep_white=torch.tensor([1.0])).sum().backward()
    assert torch.isfinite(e.grad).all() and torch.isfinite(xg.grad).all() and float(e.grad) > 0


def test_contrast_keeps_mid_grey_and_sets_black_point():
    x = torch.tensor([0.214, 0.02]).view(1, 1, 1, 2).expand(1, 3, 1, 2).contiguous()
    y = OPS["contrast"].fn(x, amount=0.6)
    assert abs(float(y[0, 0, 0, 0]) - 0.214) < 1e-3
    assert float(y[0, 0, 0, 1]) < 0.02  # shadows deepen
    z = OPS["contrast"].fn(torch.full((1, 3, 1, 1), 0.0033), black=0.05)  # sRGB 0.05
    assert float(z.max()) < 1e-4


def _luma(x):
    return (0.2126 * x[:, 0] + 0.7152 * x[:, 1] + 0.0722 * x[:, 2]).unsqueeze(1)


def test_saturation_keeps_luminance_and_hue():
    x = torch.tensor([[0.30, 0.20, 0.10], [0.10, 0.25, 0.15], [0.2, 0.2, 0.2]]).T.reshape(1, 3, 1, 3)
    y = OPS["saturation"].fn(x, saturation=0.5)
    assert torch.allclose(_luma(x), _luma(y), atol=1e-6)  # luminance kept
    # chroma x1.5 along the line through white: same hue (dominant wavelength)
    assert torch.allclose(y - _luma(y), 1.5 * (x - _luma(x)), atol=1e-6)
    assert torch.allclose(y[..., 2], x[..., 2], atol=1e-6)  # grey stays grey
    grey = OPS["saturation"].fn(x, saturation=-1.0)
    assert torch.allclose(grey, _luma(x).expand_as(x), atol=1e-6)


def test_saturation_inverts_a_fade():
    x = torch.tensor([[0.30, 0.20, 0.10], [0.10, 0.25, 0.15]]).T.reshape(1, 3, 1, 2)
    faded = _luma(x) + 0.5 * (x - _luma(x))
    assert torch.allclose(OPS["saturation"].fn(faded, saturation=1.0), x, atol=1e-6)


def test_saturation_compresses_gamut_without_hue_shift():
    x = torch.tensor([0.9, 0.05, 0.02]).view(1, 3, 1, 1)  # already near the red corner
    y = OPS["saturation"].fn(x, saturation=1.0)
    assert float(y.min()) >= 0.0 and float(y.max()) <= 1.0 + 1e-6
    dx, dy = (x - _luma(x)).flatten(), (y - _luma(y)).flatten()
    assert float(torch.cross(dx, dy, dim=0).norm()) < 1e-6  # same direction: same hue
    assert float(dy.norm()) > float(dx.norm())  # still more saturated, as far as the gamut allows


def test_vibrance_spares_saturated_colours_and_skin():
    muted = torch.tensor([0.25, 0.22, 0.18])
    vivid = torch.tensor([0.05, 0.4, 0.02])
    skin = torch.tensor([0.60, 0.38, 0.28])
    x = torch.stack([muted, vivid, skin], 1).reshape(1, 3, 1, 3)
    y = OPS["saturation"].fn(x, vibrance=1.0)
    gain = (y - _luma(y)).norm(dim=1) / (x - _luma(x)).norm(dim=1)
    g_muted, g_vivid, g_skin = gain[0, 0].tolist()
    assert g_muted > 1.5 and g_vivid < 1.2 and g_skin < 1.2


def test_tone_shadow_lift_known_value_and_midtones_kept():
    dark = torch.full((1, 3, 16, 16), 0.01)
    y = OPS["tone"].fn(dark, shadows=1.0)
    w = (-2.474 + 6.644) / 4.5
    w = w * w * (3 - 2 * w)
    assert abs(float(y.mean()) - 0.01 * 2 ** (2 * w)) < 1e-3
    mid = torch.full((1, 3, 16, 16), 0.18)
    assert torch.allclose(OPS["tone"].fn(mid, shadows=1.0, highlights=-1.0), mid, rtol=1e-3)
    bright = torch.full((1, 3, 16, 16), 0.95)
    assert float(OPS["tone"].fn(bright, highlights=-1.0).mean()) < 0.95 / 2 ** 1.2


def test_tone_has_no_halo_at_a_hard_edge():
    x = torch.full((1, 3, 64, 64), 0.005)
    x[..., 32:] = 0.8
    y = OPS["tone"].fn(x, shadows=1.0)
    dark_gain = y[0, 0, :, :28] / x[0, 0, :, :28]
    assert float(dark_gain.max() - dark_gain.min()) < 0.05  # uniform lift up to the edge
    assert torch.allclose(y[..., 36:], x[..., 36:], rtol=0.02)  # bright side untouched


def test_dehaze_recovers_a_synthetic_scene():
    g = torch.Generator().manual_seed(1)
    clean = torch.rand(1, 3, 96, 96, generator=g) * 0.6
    clean[:, 2] *= 0.05  # the dark channel prior holds: one channel near zero everywhere
    clean[..., :12, :] = 0.8  # and a patch of sky (all airlight)
    air, t = 0.8, 0.5
    hazy = clean * t + air * (1 - t)
    out = OPS["dehaze"].fn(hazy, amount=1.0)
    assert (out - clean).abs().mean() < 0.3 * (hazy - clean).abs().mean()


def test_denoise_smooths_flat_areas_and_keeps_edges():
    g = torch.Generator().manual_seed(2)
    clean = torch.full((1, 3, 64, 64), 0.05)
    clean[..., 32:] = 0.5
    enc = linear_to_srgb(clean) + 0.03 * torch.randn(1, 3, 64, 64, generator=g)
    from spc_cli.colour import srgb_to_linear

    noisy = srgb_to_linear(enc.clamp(0, 1))
    out = OPS["denoise"].fn(noisy, luma=1.0, chroma=1.0, sigma=0.03, chroma_sigma=0.03)
    e_in = (linear_to_srgb(noisy) - linear_to_srgb(clean)).pow(2).mean()
    e_out = (linear_to_srgb(out) - linear_to_srgb(clean)).pow(2).mean()
    assert e_out < 0.5 * e_in
    step = linear_to_srgb(out)[0, 1, :, 34].mean() - linear_to_srgb(out)[0, 1, :, 29].mean()
    assert float(step) > 0.4  # the edge survives


def test_sharpen_raises_edge_contrast_and_gate_spares_noise():
    x = torch.full((1, 3, 16, 16), 0.1)
    x[..., 8:] = 0.5
    y = OPS["sharpen"].fn(x, amount=1.0, radius=1.0)
    assert float(y[0, 1, 8, 8]) > 0.5 and float(y[0, 1, 8, 7]) < 0.1
    assert torch.allclose(y[..., 0], x[..., 0], atol=1e-6)  # flat areas untouched
    noise = 0.2 + 0.002 * torch.randn(1, 3, 32, 32, generator=torch.Generator().manual_seed(3))
    gated = OPS["sharpen"].fn(noise, amount=1.0, threshold=0.05)
    ungated = OPS["sharpen"].fn(noise, amount=1.0)
    assert (gated - noise).abs().max() < 0.1 * (ungated - noise).abs().max()


def test_doc_examples_run():
    import doctest

    import spc_cli.ops.dehaze
    import spc_cli.ops.denoise
    import spc_cli.ops.filters
    import spc_cli.ops.saturation
    import spc_cli.ops.sharpen
    import spc_cli.ops.tone

    for mod in (spc_cli.ops.dehaze, spc_cli.ops.denoise, spc_cli.ops.filters, spc_cli.ops.saturation,
                spc_cli.ops.sharpen, spc_cli.ops.tone):
        res = doctest.testmod(mod, extraglobs={"torch": torch, "math": math})
        assert res.failed == 0, mod.__name__


@pytest.mark.parametrize("sigma", [0.5, 1.5, 5.0])
@pytest.mark.parametrize("shape", [(2, 3, 40, 50), (1, 1, 3, 200), (1, 1, 7, 5)])
def test_gaussian_blur_opencv_path_equals_the_differentiable_one(shape, sigma):
    from spc_cli.ops.filters import gaussian_blur

    x = torch.rand(*shape, generator=torch.Generator().manual_seed(2))
    fast = gaussian_blur(x, sigma)  # CPU, no gradient: OpenCV
    grad = gaussian_blur(x.clone().requires_grad_(True), sigma)  # shifted adds
    assert grad.requires_grad and float((fast - grad.detach()).abs().max()) < 1e-6
    flat = torch.full(shape, 0.3)
    assert torch.allclose(gaussian_blur(flat, sigma), flat, atol=1e-6)  # a normalised kernel, replicated borders
