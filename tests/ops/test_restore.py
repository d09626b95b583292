"""Behaviour of the restoration ops: each undoes its defect on a synthetic scene, and does no harm.

The contract tests (identity at neutral, gradients, half precision, batching) run for every op
in test_ops.py; tiling in tests/artist. These check what each op is for.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from spc_cli.colour import linear_to_srgb, srgb_to_linear
from spc_cli.ops import OPS
from spc_cli.ops import deblur as D
from spc_cli.ops import shake as S
from spc_cli.ops.params import DehazeParams, UnclipParams


def texture(h: int = 96, w: int = 96, seed: int = 0) -> torch.Tensor:
    """A linear scene with edges, blobs and fine detail in every direction (the dark channel
    prior holds: every region has something dark in one channel)."""
    g = torch.Generator().manual_seed(seed)
    coarse = torch.rand(1, 3, h // 8, w // 8, generator=g)
    base = F.interpolate(coarse, size=(h, w), mode="nearest")  # blocks: edges both ways
    yy, xx = torch.meshgrid(torch.arange(h, dtype=torch.float32), torch.arange(w, dtype=torch.float32), indexing="ij")
    rings = 0.5 + 0.5 * torch.sin(torch.sqrt((yy - h / 2) ** 2 + (xx - w / 2) ** 2) / 2.0)
    x = 0.55 * base + 0.35 * rings.expand(1, 3, h, w) * torch.tensor([1.0, 0.6, 0.2]).view(1, 3, 1, 1)
    x[:, 2] *= 0.3  # blue low: a dark channel near 0
    return x.clamp(0, 1)


def blur(x: torch.Tensor, psf: np.ndarray) -> torch.Tensor:
    r = psf.shape[0] // 2
    k = torch.tensor(psf[::-1, ::-1].copy(), dtype=torch.float32)[None, None]
    xp = F.pad(x.reshape(-1, 1, *x.shape[-2:]), (r, r, r, r), mode="reflect")
    return F.conv2d(xp, k).reshape(x.shape)


def srgb_mse(a: torch.Tensor, b: torch.Tensor, crop: int = 0) -> float:
    sl = (slice(None), slice(None), slice(crop, -crop or None), slice(crop, -crop or None))
    return float((linear_to_srgb(a[sl]).clamp(0, 1) - linear_to_srgb(b[sl]).clamp(0, 1)).pow(2).mean())


# --- deblur ---------------------------------------------------------------------------------

@pytest.mark.parametrize("kind,sigma", [(0, 1.5), (0, 2.5), (1, 1.5)])
def test_deblur_brings_a_blurred_scene_closer_to_sharp(kind, sigma):
    sharp = texture()
    psf = D.disc_psf(2 * sigma) if kind == 1 else np.outer(D.gaussian_psf(sigma), D.gaussian_psf(sigma))
    soft = blur(sharp, psf)
    out = OPS["deblur"].fn(soft, amount=1.0, sigma=sigma, kind=float(kind))
    assert srgb_mse(out, sharp, 8) < 0.85 * srgb_mse(soft, sharp, 8)


def test_deblur_steepens_an_edge_without_overshooting_it():
    edge = torch.full((1, 3, 32, 64), 0.05)
    edge[..., 32:] = 0.6
    soft = blur(edge, np.outer(D.gaussian_psf(2.0), D.gaussian_psf(2.0)))
    out = OPS["deblur"].fn(soft, amount=1.0, sigma=2.0)
    row_in, row_out = soft[0, 1, 16], out[0, 1, 16]
    assert float((row_out[33] - row_out[30])) > 1.3 * float(row_in[33] - row_in[30])  # steeper
    # held to the local range: no ringing below the dark side or above the bright side
    assert float(row_out.min()) >= 0.05 - 1e-3 and float(row_out.max()) <= 0.6 + 1e-3


def test_deblur_leaves_a_flat_image_and_keeps_hue():
    flat = torch.full((1, 3, 24, 24), 0.3) * torch.tensor([1.0, 0.5, 0.2]).view(1, 3, 1, 1)
    assert torch.allclose(OPS["deblur"].fn(flat, amount=1.0, sigma=2.0), flat, atol=1e-5)
    x = texture(48, 48)
    out = OPS["deblur"].fn(x, amount=1.0, sigma=1.0)
    # a luminance ratio: channel ratios kept wherever the ratio stays under RATIO_MAX
    keep = (out.sum(1) > 0.05) & (x.sum(1) > 0.05)
    r_in = (x[:, 0] / x[:, 1].clamp(min=1e-4))[keep]
    r_out = (out[:, 0] / out[:, 1].clamp(min=1e-4))[keep]
    assert float((r_in - r_out).abs().median()) < 1e-3


def test_inverse_kernels_are_normalised_and_cached():
    for kind in (0, 1):
        k = D.inverse_for(2.0, kind, D.LAM0)
        assert abs(float(k.sum()) - 1.0) < 1e-6
    assert D.inverse_for(2.0, 0, D.LAM0) is D.inverse_for(2.0, 0, D.LAM0)
    # more noise, more regularisation: a gentler inverse (smaller centre tap)
    assert D.inverse_for(2.0, 0, D.lam_for(0.02)).max() < D.inverse_for(2.0, 0, D.LAM0).max()


def _shake_kernel(length: float, angle: float) -> np.ndarray:
    size = int(length) | 1
    k = np.zeros((size + 4, size + 4))
    c = (size + 4) // 2
    for t in np.linspace(-length / 2, length / 2, 200):
        k[int(round(c + t * math.sin(angle))), int(round(c + t * math.cos(angle)))] += 1.0
    return k / k.sum()


def test_shake_kernel_is_estimated_from_the_photo_and_helps():
    sharp = texture(256, 256, seed=3)
    psf = _shake_kernel(9, 0.5)
    soft = blur(sharp, psf)
    y = (0.2126 * soft[0, 0] + 0.7152 * soft[0, 1] + 0.0722 * soft[0, 2]).numpy()
    k, why = S.estimate_shake(y, D.shake_size(S.kernel_sigma(psf)))
    assert k is not None, why
    assert abs(S.kernel_sigma(k) - S.kernel_sigma(psf)) < 0.8
    ctx = OPS["deblur"].prepare(soft, amount=1.0, sigma=S.kernel_sigma(psf), kind=2.0)
    out = OPS["deblur"].fn(soft, amount=1.0, sigma=S.kernel_sigma(psf), kind=2.0, context=ctx)
    assert srgb_mse(out, sharp, 16) < srgb_mse(soft, sharp, 16)
    assert ctx["notes"][0] and "corrected" in ctx["notes"][0][0] and ctx["left_alone"] == [None]


def test_shake_estimate_shares_its_spectra_without_changing_a_number():
    rng = np.random.default_rng(0)
    b = S._taper_edges(blur(texture(96, 80, seed=4), _shake_kernel(5, 1.0))[0, 1].double().numpy(), 7)
    k = _shake_kernel(5, 1.0)
    spectra = (np.fft.rfft2(b), S._laplace_spectrum(b.shape))
    assert np.array_equal(S.wiener(b, k, spectra=spectra), S.wiener(b, k))
    p = S._predict(b + 0.01 * rng.standard_normal(b.shape))
    assert np.array_equal(S._kernel_step(p, b, 7, 400, blurred=S._blurred_gradients(b, 7)),
                          S._kernel_step(p, b, 7, 400))
    # the shock filter's neighbours wrap at the borders, as a roll of the frame does
    x = rng.standard_normal((9, 7))
    gx = 0.5 * (np.roll(x, -1, 1) - np.roll(x, 1, 1))
    gy = 0.5 * (np.roll(x, -1, 0) - np.roll(x, 1, 0))
    lap = np.roll(x, -1, 1) + np.roll(x, 1, 1) + np.roll(x, -1, 0) + np.roll(x, 1, 0) - 4 * x
    assert np.array_equal(S._shock(x, steps=1, dt=0.5), x - 0.5 * np.sign(lap) * np.sqrt(gx * gx + gy * gy))


def test_shake_without_a_reliable_kernel_leaves_the_photo_and_says_why():
    g = torch.Generator().manual_seed(5)
    noise = torch.rand(1, 3, 200, 200, generator=g) * 0.02 + 0.4  # no edges to estimate from
    ctx = OPS["deblur"].prepare(noise, amount=1.0, sigma=2.0, kind=2.0)
    out = OPS["deblur"].fn(noise, amount=1.0, sigma=2.0, kind=2.0, context=ctx)
    assert torch.equal(out, noise)
    assert ctx["left_alone"][0].startswith(f"{S.NOT_DONE} ") and ctx["notes"] == [[]]


# --- unclip ---------------------------------------------------------------------------------

def test_unclip_rebuilds_a_clipped_channel_from_the_others():
    # a warm highlight whose red clipped: true red is 1.4x green everywhere around
    yy, xx = torch.meshgrid(torch.linspace(0, 1, 64), torch.linspace(0, 1, 64), indexing="ij")
    g = 0.3 + 0.65 * torch.exp(-((yy - 0.5) ** 2 + (xx - 0.5) ** 2) / 0.08)  # a bright blob
    true = torch.stack([1.4 * g, g, 0.5 * g])[None]
    clipped = true.clamp(max=1.0)
    assert float((true > 1.0).float().mean()) > 0.02
    out = OPS["unclip"].fn(clipped, amount=1.0, headroom=1.0)
    where = (true[:, 0] > 1.0) & (true[:, 1] < 0.9)
    err_in = (clipped[:, 0] - true[:, 0])[where].abs().mean()
    err_out = (out[:, 0] - true[:, 0])[where].abs().mean()
    assert float(err_out) < 0.3 * float(err_in)
    assert torch.equal(out[:, 1:], clipped[:, 1:])  # unclipped channels untouched


def test_unclip_domes_a_wholly_clipped_area_and_a_darkening_shows_it():
    x = torch.full((1, 3, 80, 80), 0.3)
    x[..., 20:60, 20:60] = 1.0  # all three channels blown
    out = OPS["unclip"].fn(x, amount=1.0, headroom=1.0)
    centre, rim = float(out[0, 1, 40, 40]), float(out[0, 1, 21, 40])
    assert 1.6 < centre <= 2.0 + 1e-5 and 1.0 <= rim < centre  # rises toward the middle, up to 2^headroom
    dark = OPS["exposure"].fn(out, ev=-1.0, shoulder=1.0)
    assert float(dark[0, 1, 20:60, 20:60].std()) > 0.05  # gradation, not one flat grey
    assert torch.equal(out[..., :15, :], x[..., :15, :])  # nothing clipped: nothing changed


def test_unclip_raises_a_small_clipped_glint_only_as_far_as_its_size_says():
    # a 40-px blown area and a 4-px glint in a 400-px frame: the area's middle rises to 2^headroom,
    # the glint (narrower than DOME_REACH of the long edge) to a fraction of that, so a darkening
    # leaves it near its surroundings instead of a white blotch
    from spc_cli.ops.unclip import DOME_REACH

    x = torch.full((1, 3, 200, 400), 0.8)
    x[..., 80:120, 40:80] = 1.0
    x[..., 98:102, 300:304] = 1.0
    assert 4 < DOME_REACH * 400 < 40
    out = OPS["unclip"].fn(x, amount=1.0, headroom=1.0, reach=DOME_REACH)
    area, glint = float(out[0, 1, 100, 60]), float(out[0, 1, 100, 302])
    assert area > 1.8 and 1.0 <= glint < 1.4
    # reach 0 (version 1's rendering, which replays exactly): the glint rises the whole dome too
    assert float(OPS["unclip"].fn(x, amount=1.0, headroom=1.0)[0, 1, 100, 302]) == 2.0
    dark = OPS["exposure"].fn(out, ev=-1.0, shoulder=1.0)
    assert float(dark[0, 1, 100, 302]) < 0.7 and float(dark[0, 1, 100, 60]) > 0.9


def test_unclip_leaves_an_unclipped_photo_alone():
    x = texture() * 0.8
    assert torch.equal(OPS["unclip"].fn(x, amount=1.0, headroom=2.0), x)


# --- dehaze ---------------------------------------------------------------------------------

@pytest.mark.parametrize("air", [(0.85, 0.85, 0.85), (0.9, 0.78, 0.55)])
def test_dehaze_recovers_dense_haze_with_a_coloured_airlight(air):
    clean = texture(128, 128, seed=1)
    t = torch.linspace(0.35, 0.15, 128).view(1, 1, 128, 1).expand(1, 1, 128, 128)  # denser at the top
    a = torch.tensor(air).view(1, 3, 1, 1)
    hazy = clean * t + a * (1 - t)
    out = OPS["dehaze"].fn(hazy, amount=1.0, transmission=float(t.mean()))
    assert srgb_mse(out, clean) < 0.15 * srgb_mse(hazy, clean)
    auto = OPS["dehaze"].fn(hazy, amount=1.0)  # the op's own estimate of the depth
    assert srgb_mse(auto, clean) < 0.3 * srgb_mse(hazy, clean)


def test_dehaze_keeps_a_sky_from_blowing_to_noise():
    g = torch.Generator().manual_seed(4)
    clean = texture(96, 96)
    clean[..., :30, :] = 0.8 + 0.01 * torch.rand(1, 3, 30, 96, generator=g)  # a sky near the airlight
    hazy = clean * 0.5 + 0.8 * 0.5
    out = OPS["dehaze"].fn(hazy, amount=1.0)
    from spc_cli.ops import dehaze

    sky_k, dehaze.SKY_K = dehaze.SKY_K, 1e-6
    try:
        unguarded = OPS["dehaze"].fn(hazy, amount=1.0)
    finally:
        dehaze.SKY_K = sky_k
    # the prior reads the sky as all veil; the guard keeps it nearer what it was, less stretched
    sky = clean[..., :30, :]
    assert float((out[..., :30, :] - sky).abs().mean()) < float((unguarded[..., :30, :] - sky).abs().mean())
    assert float(out[..., :30, :].std()) < 0.9 * float(unguarded[..., :30, :].std())
    assert srgb_mse(out[..., 40:, :], clean[..., 40:, :]) < 0.3 * srgb_mse(hazy[..., 40:, :], clean[..., 40:, :])


def test_dehaze_transmission_is_a_measurement_not_a_strength():
    p = DehazeParams(amount=1.0, transmission=0.4)
    half = p.scaled(0.5)
    assert half.amount == 0.5 and half.transmission == 0.4
    assert DehazeParams(amount=0.0, transmission=0.4).is_neutral()
    assert UnclipParams(amount=0.0, headroom=2.0).is_neutral()


# --- denoise --------------------------------------------------------------------------------

def _noisy(clean: torch.Tensor, sigma: float, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return srgb_to_linear((linear_to_srgb(clean) + sigma * torch.randn(clean.shape, generator=g)).clamp(0, 1))


def test_denoise_with_the_true_sigmas_beats_the_input():
    g = torch.Generator().manual_seed(8)
    smooth = F.interpolate(torch.rand(1, 3, 6, 6, generator=g), size=(96, 96), mode="bicubic",
                           align_corners=False).clamp(0.05, 0.9)
    for clean, ratio in ((smooth, 0.6), (texture(96, 96), 0.85)):  # a smooth scene, one all edges
        noisy = _noisy(clean, 0.03)
        out = OPS["denoise"].fn(noisy, luma=1.0, chroma=1.0, sigma=0.03 * 0.7604, chroma_sigma=0.03)
        assert srgb_mse(out, clean) < ratio * srgb_mse(noisy, clean)


def test_denoise_keeps_a_fine_texture_patchs_variance():
    # oriented fine texture (fabric, feathers) no stronger than the noise the critic reports
    yy, xx = torch.meshgrid(torch.arange(64.0), torch.arange(64.0), indexing="ij")
    stripes = 0.25 + 0.04 * torch.sin(1.3 * xx + 0.4 * yy)
    clean = srgb_to_linear(stripes.expand(1, 3, 64, 64).clone())
    noisy = _noisy(clean, 0.01, seed=1)
    v_in = float(linear_to_srgb(clean)[..., 8:-8, 8:-8].var())
    right = OPS["denoise"].fn(noisy, luma=1.0, chroma=1.0, sigma=0.0076, chroma_sigma=0.01)
    assert float(linear_to_srgb(right)[..., 8:-8, 8:-8].var()) > 0.75 * v_in
    # with the sigma 4x too high, the Wiener gain alone would take the texture for noise; the
    # guard holds most of it
    high = OPS["denoise"].fn(noisy, luma=1.0, chroma=1.0, sigma=0.04, chroma_sigma=0.02)
    assert float(linear_to_srgb(high)[..., 8:-8, 8:-8].var()) > 0.45 * v_in
    flat = _noisy(torch.full((1, 3, 64, 64), 0.2), 0.03, seed=2)
    smooth = OPS["denoise"].fn(flat, luma=1.0, chroma=1.0, sigma=0.03, chroma_sigma=0.03)
    assert float(linear_to_srgb(smooth).std()) < 0.5 * float(linear_to_srgb(flat).std())  # noise still goes


def test_denoise_colour_texture_the_luma_does_not_share_survives():
    # red/green stripes of equal luminance: only colour carries them
    x = torch.zeros(1, 3, 48, 48)
    x[:, 0, :, ::4], x[:, 0, :, 1::4] = 0.4, 0.4
    x[:, 1, :, 2::4], x[:, 1, :, 3::4] = 0.4 * 0.2126 / 0.7152, 0.4 * 0.2126 / 0.7152
    out = OPS["denoise"].fn(x, luma=0.0, chroma=1.0, sigma=0.0, chroma_sigma=0.01)
    assert srgb_mse(out, x) < 1e-4


# --- tone: compress -------------------------------------------------------------------------

def test_compress_brings_lit_areas_under_white_with_their_detail():
    g = torch.Generator().manual_seed(6)
    x = torch.full((1, 3, 96, 96), 0.02)
    x[..., 30:60, 30:60] = 0.15 * (1 + 0.3 * torch.rand(1, 1, 30, 30, generator=g))  # a lit facade
    bright = OPS["exposure"].fn(x, ev=3.0, shoulder=1.0)  # facade 1.2 .. 1.56: past white
    out = OPS["tone"].fn(bright, compress=1.0)
    facade = out[..., 32:58, 32:58]
    assert float(facade.max()) < 1.1 and float(facade.mean()) > 0.5
    # the texture is still there, relatively as strong as before
    rel_in = float(bright[..., 32:58, 32:58].std() / bright[..., 32:58, 32:58].mean())
    rel_out = float(facade.std() / facade.mean())
    assert rel_out > 0.7 * rel_in
    assert torch.allclose(out[..., :20, :20], bright[..., :20, :20], rtol=1e-4)  # the dark surround keeps its gain


def test_compress_leaves_a_photo_below_white_alone():
    x = texture() * 0.45
    assert torch.allclose(OPS["tone"].fn(x, compress=1.0), x, rtol=1e-5, atol=1e-7)
