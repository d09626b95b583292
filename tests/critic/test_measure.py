"""Measurements on constructed images with known answers."""

from __future__ import annotations

import math

import pytest
import torch

from spc_cli.colour import linear_to_srgb, srgb_to_linear
from spc_cli.critic import measure as M
from spc_cli.critic import measure_detail as D

from .scenes import photo_from_linear


def test_grey_card_key_and_headroom():
    grey = torch.full((3, 64, 96), 0.18)
    m = M.measure_exposure(grey)
    assert abs(m["key"] - 0.18) < 1e-3
    assert abs(m["headroom_ev"] - math.log2(1 / 0.18)) < 0.01
    assert m["clipped"] == 0.0 and m["crushed"] == 0.0


def test_known_ev_offset_moves_key_and_headroom_by_that_many_stops(chart):
    base = M.measure_exposure(chart)
    dark = M.measure_exposure(chart * 2.0 ** -1.5)
    assert abs(math.log2(base["key"] / dark["key"]) - 1.5) < 0.05
    assert abs((dark["headroom_ev"] - base["headroom_ev"]) - 1.5) < 0.05


def test_clipping_counts():
    x = torch.full((3, 10, 10), 0.3)
    x[:, :2] = 1.0  # 20% white
    x[:, 9] = 0.0  # 10% black
    m = M.measure_exposure(x)
    assert abs(m["clipped"] - 0.2) < 1e-6 and abs(m["crushed"] - 0.1) < 1e-6


def test_grey_card_cast_is_measured_and_undone_within_5_percent():
    gains = torch.tensor([1.25, 1.0, 0.75])
    card = torch.full((3, 64, 64), 0.2) * gains[:, None, None]
    m = M.measure_white_balance(card)
    assert m["warmth"] > 0.4  # log(1.25/0.75) = 0.51
    y = 0.2126 * 1.25 + 0.7152 + 0.0722 * 0.75
    want = [y / 1.25, y / 1.0, y / 0.75]  # inverse cast, luminance kept
    got = [m["gain_r"], m["gain_g"], m["gain_b"]]
    assert all(abs(g / w - 1) < 0.05 for g, w in zip(got, want))


def test_cast_on_chart_is_estimated(chart):
    gains = torch.tensor([0.9, 1.0, 1.2])
    m0 = M.measure_white_balance(chart)
    m = M.measure_white_balance(chart * gains[:, None, None])
    assert abs(m0["warmth"]) < 0.05 and abs(m0["tint"]) < 0.05
    assert abs(m["warmth"] - math.log(0.9 / 1.2)) < 0.05


def test_noise_sigma_within_20_percent():
    torch.manual_seed(0)
    for sigma in (0.01, 0.02, 0.05):
        enc = (0.45 + sigma * torch.randn(3, 512, 512)).clamp(0, 1)
        lin = srgb_to_linear(enc)
        tiles = D.pick_tiles(lin, lin[:, ::2, ::2])
        m = D.measure_noise(tiles)
        assert abs(m["luma_sigma"] / (sigma * math.sqrt(0.2126**2 + 0.7152**2 + 0.0722**2)) - 1) < 0.2
        assert abs(m["chroma_sigma"] / sigma - 1) < 0.2


def test_noise_on_textured_chart_is_low_and_grows_with_noise(chart):
    photo = photo_from_linear(chart)
    clean = D.measure_noise(D.pick_tiles(chart, photo.proxy()))
    torch.manual_seed(1)
    noisy = srgb_to_linear((linear_to_srgb(chart) + 0.03 * torch.randn_like(chart)).clamp(0, 1))
    m = D.measure_noise(D.pick_tiles(noisy, photo.proxy()))
    assert clean["luma_sigma"] < 0.004
    assert abs(m["luma_sigma"] / (0.03 * 0.758) - 1) < 0.2


def test_blur_raises_scale_gain(chart):
    import torch.nn.functional as F

    photo = photo_from_linear(chart)
    sharp = D.measure_sharpness(D.pick_tiles(chart, photo.proxy()))
    k = torch.exp(-torch.arange(-7, 8, dtype=torch.float32) ** 2 / (2 * 2.0**2))
    k = k / k.sum()
    x = chart[None]
    x = F.conv2d(F.pad(x, (7, 7, 0, 0), mode="reflect"), k.view(1, 1, 1, -1).repeat(3, 1, 1, 1), groups=3)
    x = F.conv2d(F.pad(x, (0, 0, 7, 7), mode="reflect"), k.view(1, 1, -1, 1).repeat(3, 1, 1, 1), groups=3)[0]
    blurred = D.measure_sharpness(D.pick_tiles(x, photo.proxy()))
    assert sharp["scale_gain"] < 1.3
    assert blurred["scale_gain"] > 1.6
    assert 1.2 < blurred["blur_px"] < 3.0


def test_haze_lifts_the_dark_channel(chart):
    clear = M.measure_haze(chart)
    hazy = M.measure_haze(chart * 0.6 + 0.8 * 0.4)
    assert clear["veil"] < 0.1 < 0.3 < hazy["veil"]


def test_desaturation_lowers_chroma(chart):
    y = (torch.tensor([0.2126, 0.7152, 0.0722])[:, None, None] * chart).sum(0, keepdim=True)
    m0 = M.measure_saturation(chart)
    m1 = M.measure_saturation(y + 0.5 * (chart - y))
    assert m1["chroma_p90"] < 0.6 * m0["chroma_p90"]


def test_flattened_contrast_shrinks_range(chart):
    enc = linear_to_srgb(chart)
    flat = srgb_to_linear(0.5 + 0.6 * (enc - 0.5))
    assert M.measure_contrast(flat)["range"] < 0.7 * M.measure_contrast(chart)["range"]


def test_levels_points_of_a_fade_are_where_black_and_white_went():
    # a photo reaching true black (one channel) and true white, faded s' = 0.5 + k (s - 0.5):
    # its black and white points are 0.5 -+ k/2 whatever the other pixels do
    g = torch.Generator().manual_seed(0)
    enc = torch.rand(3, 64, 96, generator=g) * 0.8 + 0.1
    enc[0, 3, 5] = 0.0
    enc[:, 40, 7] = 1.0
    k = 0.6
    faded = srgb_to_linear(0.5 + k * (enc - 0.5))
    black, white = M.levels_points(faded)
    assert abs(black - (0.5 - k / 2)) < 1e-4 and abs(white - (0.5 + k / 2)) < 1e-4
    m = M.measure_contrast(faded)
    assert (m["black_min"], m["white_max"]) == (black, white)
    # the robust percentiles used for the finding sit inside them
    assert m["black"] >= black and m["white"] <= white


def _coarse_grain(lin: torch.Tensor, sigma: float, seed: int = 0) -> torch.Tensor:
    """Camera-JPEG-like noise: white noise smoothed over ~2 px (demosaicing, noise reduction),
    ``sigma`` in sRGB units after smoothing, mostly luminance."""
    import torch.nn.functional as F

    g = torch.Generator().manual_seed(seed)
    n = torch.randn(1, 1, lin.shape[-2], lin.shape[-1], generator=g)
    n = F.avg_pool2d(F.pad(n, (1, 1, 1, 1), mode="reflect"), 3, 1)[0]
    n = n / n.std() * sigma
    return srgb_to_linear((linear_to_srgb(lin) + n).clamp(0, 1))


def test_grain_reads_coarse_camera_noise_and_not_clean_edges(chart):
    photo = photo_from_linear(chart)
    clean = D.measure_noise(D.pick_tiles(chart, photo.proxy()))
    grainy = D.measure_noise(D.pick_tiles(_coarse_grain(chart, 3 / 255), photo.proxy()))
    assert clean["grain"] < 0.3 / 255
    assert grainy["grain"] > 1.0 / 255
    # the finest-scale estimator barely sees this noise: that is why grain exists
    assert grainy["luma_sigma"] < grainy["grain"] * 2


def test_area_downscale_matches_the_pooled_area_average():
    import torch.nn.functional as F

    from spc_cli.colour import area_downscale

    g = torch.Generator().manual_seed(0)
    for shape, edge in (((3, 1000, 1500), 512), ((3, 997, 1501), 256), ((3, 40, 900), 100), ((2, 3, 300, 200), 64)):
        x = torch.rand(*shape, generator=g)
        h, w = shape[-2:]
        scale = edge / max(h, w)
        k = int(1.0 / scale)
        ref = F.avg_pool2d(x.reshape(-1, *shape[-3:]), k, k, ceil_mode=True, count_include_pad=False)
        ref = F.interpolate(ref, size=(round(h * scale), round(w * scale)), mode="area").reshape(
            *shape[:-2], round(h * scale), round(w * scale))
        out = area_downscale(x, edge)
        assert out.shape == ref.shape
        assert float((out - ref).abs().max()) < 1e-5


def _gauss_blur(x: torch.Tensor, px: float) -> torch.Tensor:
    """(N, 1, H, W) blurred by a separable Gaussian of ``px`` pixels (radius int(3 px) + 1, reflected edges)."""
    import torch.nn.functional as F

    r = int(3 * px) + 1
    k = torch.exp(-torch.arange(-r, r + 1, dtype=torch.float32) ** 2 / (2 * px * px))
    k = k / k.sum()
    x = F.conv2d(F.pad(x, (r, r, 0, 0), mode="reflect"), k.view(1, 1, 1, -1))
    return F.conv2d(F.pad(x, (0, 0, r, r), mode="reflect"), k.view(1, 1, -1, 1))


def _luma_noise(shape, sigma: float, px: float, seed: int = 1) -> torch.Tensor:
    """(N, H, W) Gaussian noise of std ``sigma`` whose white source is Gaussian-smoothed over
    ``px`` px (0: white)."""
    g = torch.Generator().manual_seed(seed)
    n = torch.randn(shape[0], 1, *shape[1:], generator=g)
    if px > 0:
        n = _gauss_blur(n, px)
    return n[:, 0] / n.std() * sigma


def _smooth_noise(lin: torch.Tensor, sigma: float, px: float, seed: int = 0) -> torch.Tensor:
    """Luma noise of ``sigma`` (sRGB units, see ``_luma_noise``) added to the sRGB-encoded image."""
    n = _luma_noise((1, lin.shape[-2], lin.shape[-1]), sigma, px, seed)
    return srgb_to_linear((linear_to_srgb(lin) + n).clamp(0, 1))


def test_grain_fine_ratio_tells_camera_processed_noise_from_white_noise(chart):
    photo = photo_from_linear(chart)
    white = D.measure_noise(D.pick_tiles(_smooth_noise(chart, 3 / 255, 0.0), photo.proxy()))
    camera = D.measure_noise(D.pick_tiles(_smooth_noise(chart, 4 / 255, 1.0), photo.proxy()))
    # white noise: averaging 2x2 halves it, so the finest band holds twice the half-res one
    assert 1.7 < white["grain_fine_ratio"] < 2.3
    # noise correlated over ~2 px (demosaicing, noise reduction) is nearly gone at full res
    assert 0.0 < camera["grain_fine_ratio"] < 0.5
    assert camera["grain"] > 1.5 / 255 and camera["grain_share"] > 0.05


def _stripes(n: int = 4, size: int = 192, amp: float = 0.02, seed: int = 0) -> torch.Tensor:
    """(n, size, size) sRGB luma textured everywhere: 32 px cells of sinusoidal stripes
    (period 6-14 px, ``amp`` = 5/255), horizontal or vertical at random, softened over ~1 px.
    No half-resolution block of it is isotropic, so only the weakest-texture read sees noise."""
    g = torch.Generator().manual_seed(seed)
    ar = torch.arange(size, dtype=torch.float32)
    x = torch.zeros(n, size, size)
    for i in range(n):
        for y0 in range(0, size, 32):
            for x0 in range(0, size, 32):
                per = 6 + 8 * float(torch.rand(1, generator=g))
                ph = float(torch.rand(1, generator=g)) * per
                s = 0.5 + amp * torch.sin((ar + ph) * 2 * math.pi / per)
                across = float(torch.rand(1, generator=g)) < 0.5
                p = s[:, None].expand(size, size) if across else s[None, :].expand(size, size)
                x[i, y0:y0 + 32, x0:x0 + 32] = p[y0:y0 + 32, x0:x0 + 32]
    return _gauss_blur(x[:, None], 0.8)[:, 0]


def test_weakest_texture_read_finds_camera_noise_on_a_frame_textured_everywhere():
    from spc_cli.critic.judge_detail import camera_noise, high_gain

    tex = _stripes()
    cam = _luma_noise(tex.shape, 4 / 255, 1.3)
    alone = D.grain_stats(0.5 + cam)  # the same noise on a flat grey: the level to recover
    noisy = D.grain_stats(tex + cam)
    clean = D.grain_stats(tex)
    white = D.grain_stats(tex + _luma_noise(tex.shape, 3 / 255, 0.0))
    # no block of the textured frame looks like noise: the isotropic-block route reads nothing
    assert noisy["grain_share"] < 0.025 and noisy["grain"] == 0.0
    # its weakest-texture blocks carry the camera's spectrum and its level within 25%
    assert 0.3 < noisy["floor_fine_ratio"] < 0.44 and noisy["floor_iso"] > 0.45
    assert abs(noisy["floor"] - alone["floor"]) < 0.25 * alone["floor"]
    w, level = camera_noise({f"noise.{k}": v for k, v in noisy.items()})
    assert w == pytest.approx(1.0) and level == pytest.approx(noisy["floor"])
    assert high_gain({f"noise.{k}": v for k, v in noisy.items()}) == pytest.approx(1.0)
    # without noise, texture alone is anisotropic: no fingerprint, nothing read
    assert clean["floor_iso"] < 0.35
    assert camera_noise({f"noise.{k}": v for k, v in clean.items()}) == (0.0, 0.0)
    # white noise (a resampled or synthetic frame) keeps its finest band: not a camera's
    assert white["floor_fine_ratio"] > 1.5
    assert camera_noise({f"noise.{k}": v for k, v in white.items()})[0] == 0.0


def _line_blur(x: torch.Tensor, length: int, diagonal: bool) -> torch.Tensor:
    """(N, H, W) blurred along a line of ``length`` px: the main diagonal, or the rows."""
    import torch.nn.functional as F

    k = torch.eye(length) if diagonal else torch.zeros(length, length).index_fill_(0, torch.tensor([length // 2]), 1.0)
    k = (k / k.sum()).view(1, 1, length, length)
    r = length // 2
    return F.conv2d(F.pad(x[:, None], (r, r, r, r), mode="reflect"), k)[:, 0]


def test_a_line_blur_of_a_random_texture_is_not_read_as_camera_noise():
    from spc_cli.critic.judge_detail import camera_noise

    g = torch.Generator().manual_seed(3)
    texture = 0.5 + 0.08 * torch.randn(4, 192, 192, generator=g)  # gravel, foliage: detail at every scale
    noise = _luma_noise((4, 192, 192), 4 / 255, 1.0, seed=5)  # a camera's noise, correlated over ~2 px
    for diagonal in (True, False):
        shaken = D.grain_stats(_line_blur(texture, 9, diagonal))
        # smoothed along one direction: anisotropic, so no block looks like noise
        assert shaken["grain_share"] < 0.025, diagonal
        assert camera_noise({f"noise.{k}": v for k, v in shaken.items()})[0] == 0.0
    # the same noise on a flat grey keeps its fingerprint: isotropic along every direction
    cam = D.grain_stats(0.5 + noise)
    assert cam["grain_share"] > 0.05 and 0.0 < cam["grain_fine_ratio"] < 0.5
    assert camera_noise({f"noise.{k}": v for k, v in cam.items()})[0] == pytest.approx(1.0)


def test_a_shake_is_read_along_its_direction_and_confirmed_by_a_kernel_estimated_on_the_tiles():
    from ops.test_restore import _shake_kernel, blur, texture  # tests/ is on sys.path (rootdir conftest)

    from spc_cli.critic.judge_detail import sharpness_findings
    from spc_cli.critic.thresholds import SHAKE_ANISOTROPY, SHAKE_SIGMA

    scene = texture(384, 576, seed=3)

    def read(x: torch.Tensor) -> dict[str, float]:
        x = x[0]
        cells = D.tile_cells(tuple(x.shape[-2:]), photo_from_linear(x).proxy(), 192, 6)
        tiles = [x[:, y0:y0 + s, x0:x0 + s].contiguous() for y0, x0, s in cells]
        m = D.measure_sharpness(D.encode_tiles(tiles))
        if D.shake_candidate(m):
            m["shake_sigma"] = D.shake_sigma(tiles, m["blur_px_max"])
        return m

    line, soft, sharp = read(blur(scene, _shake_kernel(15, 0.0))), read(_gauss_blur(scene[0][:, None], 2.0)[:, 0][None]), \
        read(scene)
    # edges across a horizontal shake stay sharp and set the overall gain; along it they are blurred
    assert line["gain_max"] > 1.7 and line["anisotropy"] > SHAKE_ANISOTROPY and line["scale_gain"] < 1.5
    assert line["shake_sigma"] >= SHAKE_SIGMA  # and a kernel of its length is estimated on the tiles
    assert soft["anisotropy"] < SHAKE_ANISOTROPY and abs(soft["gain_max"] - soft["scale_gain"]) < 0.1
    assert soft["shake_sigma"] == 0.0 and sharp["gain_max"] < 1.5 and sharp["shake_sigma"] == 0.0
    # the finding takes the shaken direction and says so; the Gaussian one is read as before
    (f,) = sharpness_findings({f"sharpness.{k}": v for k, v in line.items()}, None, [])
    assert f.measured["shake"] == 1.0 and f.measured["blur_px"] == line["blur_px_max"] and "one direction" in f.reason
    (g,) = sharpness_findings({f"sharpness.{k}": v for k, v in soft.items()}, None, [])
    assert g.measured["shake"] == 0.0 and g.measured["blur_px"] == soft["blur_px"]
    # without a trusted kernel the same readings are no shake
    assert not sharpness_findings({f"sharpness.{k}": v for k, v in {**line, "shake_sigma": 0.0}.items()}, None, [])
