"""Noise and sharpness, measured on a few full-resolution tiles: pure functions.

Both vanish under downscaling, so unlike the global measurements (``measure.py``, on the
512-px proxy) they are read on a few tiles of the photo at its own resolution (the analytic
critic takes six of 192 px), picked where the proxy shows texture (``tile_cells``), and encoded to sRGB first, where
noise is judged (``encode_tiles``).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..colour import LUMA, linear_to_srgb, luminance, unit_range
from .measure import quantiles
from .thresholds import SHAKE_ANISOTROPY, T


def pick_tiles(image: torch.Tensor, proxy: torch.Tensor, size: int = 256, count: int = 8) -> list[torch.Tensor]:
    """Up to ``count`` full-resolution (3, size, size) tiles of ``image`` (see ``tile_cells``)."""
    return [image[:, y0:y0 + s, x0:x0 + s].float().contiguous()
            for y0, x0, s in tile_cells(tuple(image.shape[-2:]), proxy, size, count)]


def tile_cells(shape: tuple[int, int], proxy: torch.Tensor, size: int = 256, count: int = 8) -> list[tuple[int, int, int]]:
    """Where to read up to ``count`` full-resolution square tiles of an (H, W) image:
    (top, left, side) on a grid, the most detailed first.

    Detail is ranked on the proxy (mean gradient magnitude of luminance per cell), so
    sharpness is judged where there are edges to judge; noise uses all the tiles and
    robust statistics.
    """
    H, W = shape
    s = min(size, H, W)
    ny, nx = min(6, max(1, H // s)), min(8, max(1, W // s))  # at most 48 candidate cells
    ys = [int(round(v)) for v in torch.linspace(0, H - s, ny).tolist()] if ny > 1 else [(H - s) // 2]
    xs = [int(round(v)) for v in torch.linspace(0, W - s, nx).tolist()] if nx > 1 else [(W - s) // 2]
    ph, pw = proxy.shape[-2:]
    fy, fx = ph / H, pw / W
    yl = luminance(proxy)[0].clamp(min=0).sqrt()  # a cheap perceptual encoding for ranking
    g = (yl[:, 1:] - yl[:, :-1]).abs()[:-1] + (yl[1:] - yl[:-1]).abs()[:, :-1]
    cells = []
    for y0 in ys:
        for x0 in xs:
            a, b = int(y0 * fy), max(int(y0 * fy) + 1, int((y0 + s) * fy) - 1)
            c, d = int(x0 * fx), max(int(x0 * fx) + 1, int((x0 + s) * fx) - 1)
            cells.append((float(g[a:b, c:d].mean()) if g[a:b, c:d].numel() else 0.0, y0, x0))
    cells.sort(key=lambda t: -t[0])
    if len(cells) > count:  # keep the most detailed half, and spread the rest
        keep = cells[: count // 2]
        rest = cells[count // 2:]
        step = len(rest) / (count - len(keep))
        keep += [rest[int(i * step)] for i in range(count - len(keep))]
        cells = keep
    return [(y0, x0, s) for _, y0, x0 in cells]


def _haar_hh(x: torch.Tensor) -> torch.Tensor:
    """Diagonal Haar detail coefficients of (..., H, W); noise sigma is preserved."""
    h, w = x.shape[-2] // 2 * 2, x.shape[-1] // 2 * 2
    x = x[..., :h, :w]
    return (x[..., 0::2, 0::2] - x[..., 0::2, 1::2] - x[..., 1::2, 0::2] + x[..., 1::2, 1::2]) / 2


def noise_sigma(x: torch.Tensor) -> torch.Tensor:
    """Robust noise standard deviation of (..., H, W): MAD of the diagonal Haar band / 0.6745.

    The same estimator as skimage.restoration.estimate_sigma (Donoho's wavelet MAD).
    """
    hh = _haar_hh(x).flatten(-2)
    return hh.abs().median(dim=-1).values / 0.6745


_LUT_SIZE = 65536
_SRGB_LUT: torch.Tensor | None = None


def encode_tiles(tiles: list[torch.Tensor]) -> torch.Tensor:
    """Stack linear tiles and encode them to sRGB once (noise and sharpness both read them).

    Uses a 16-bit lookup table of the sRGB curve (a few times faster than the power
    function on a megapixel of tiles; steps of 1/65535 in linear light are far below any
    noise level measured).
    """
    global _SRGB_LUT
    if _SRGB_LUT is None:
        _SRGB_LUT = linear_to_srgb(torch.linspace(0.0, 1.0, _LUT_SIZE)).clamp(0, 1)
    t = torch.stack(tiles).float()
    idx = (unit_range(t) * (_LUT_SIZE - 1) + 0.5).to(torch.int64)
    return _SRGB_LUT.take(idx)


def measure_noise(tiles: list[torch.Tensor] | torch.Tensor) -> dict[str, float]:
    """Luma and chroma noise sigma in sRGB-encoded units (0..1), median over tiles.

    Luma: sRGB-encoded luminance-weighted sum; chroma: the two opponent channels
    (R - G)/sqrt2 and (R + G - 2B)/sqrt6 of the sRGB-encoded tile. Pixels near black or
    white are kept (noise is still visible there); tiles are full resolution. ``tiles``:
    a list of linear tiles, or their ``encode_tiles`` stack.
    """
    if len(tiles) == 0:
        return {"luma_sigma": 0.0, "chroma_sigma": 0.0, "luma_sigma_min": 0.0, **NO_FLAT, **NO_GRAIN}
    enc = tiles if isinstance(tiles, torch.Tensor) else encode_tiles(tiles)
    r, g, b = enc.unbind(1)
    luma = LUMA[0] * r + LUMA[1] * g + LUMA[2] * b
    o1 = (r - g) / math.sqrt(2)
    o2 = (r + g - 2 * b) / math.sqrt(6)
    sl = noise_sigma(luma)
    sc = 0.5 * (noise_sigma(o1) + noise_sigma(o2))
    return {"luma_sigma": float(sl.median()), "chroma_sigma": float(sc.median()),
            "luma_sigma_min": float(sl.min()), **flat_noise(luma), **grain_stats(luma)}


FLAT_SHARE = 0.15  # the least structured share of the blocks that flat_noise reads
NO_FLAT = {"flat_sigma": 0.0, "flat_struct": 0.0, "flat_sigma_half": 0.0, "flat_struct_half": 0.0}


def flat_noise(luma: torch.Tensor, block: int = 8) -> dict[str, float]:
    """Noise read where the scene has the least structure, chosen by one band and read in
    another: at full resolution (``flat_sigma``, ``flat_struct``) and at half (``*_half``),
    sRGB units.

    The (n, H, W) luma tiles are cut into ``block`` x ``block`` blocks of Haar detail
    coefficients. A scene's structure, even fine texture, puts more energy in the horizontal and
    vertical bands than in the diagonal one (natural images fall off as 1/f); noise puts the same
    in all three. So the ``FLAT_SHARE`` of blocks with the least horizontal-and-vertical energy
    (``flat_struct``: its median RMS there) are where the scene says least, and the median RMS
    of their diagonal band (``flat_sigma``) is the noise: the selection never looked at that band,
    so pure white noise reads its own sigma there, unbiased. A clean photo's flattest blocks read
    a fraction of a code value; texture that fills the frame reads more in the selecting bands
    than in the diagonal one (``flat_sigma / flat_struct`` 0.4-0.8), noise about 1. Blocks near
    black or white (clipped noise) are left out. A JPEG takes most of the finest diagonal band
    away and leaves the noise a little coarser: the same read on the 2 x 2 averaged tiles finds
    it there. These routes find the noise that the texture-limited luma route of the judge
    misses: grey sensor noise, or colour noise a JPEG's chroma subsampling took away.
    """
    out = dict(NO_FLAT)
    for suffix in ("", "_half"):
        h, w = luma.shape[-2] // block * block, luma.shape[-1] // block * block
        if h < block or w < block:
            break
        x = luma[:, :h, :w]
        a, b, c, d = x[:, 0::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 0::2], x[:, 1::2, 1::2]
        k = block // 2
        mean = F.avg_pool2d(x[:, None], block).flatten()
        lo = -F.max_pool2d(-x[:, None], block).flatten()
        hi = F.max_pool2d(x[:, None], block).flatten()
        ok = (lo > 0.01) & (hi < 0.99) & (mean > 0.06) & (mean < 0.94)
        if int(ok.sum()) < 20:
            break
        diag = _block_rms(a - b - c + d, k)[ok] / 2
        horiz, vert = _block_rms(a + b - c - d, k)[ok] / 2, _block_rms(a - b + c - d, k)[ok] / 2
        struct = ((horiz * horiz + vert * vert) / 2).sqrt()
        sel = struct <= torch.quantile(struct, FLAT_SHARE)
        out[f"flat_sigma{suffix}"] = float(diag[sel].median())
        out[f"flat_struct{suffix}"] = float(struct[sel].median())
        luma = (a + b + c + d) / 4
    return out


def _block_rms(z: torch.Tensor, k: int) -> torch.Tensor:
    """RMS of each ``k`` x ``k`` block of (n, H, W) ``z`` (its partial blocks at the right and bottom
    edges left out), flattened tile by tile, row by row."""
    n, hz, wz = z.shape[0], z.shape[-2] // k * k, z.shape[-1] // k * k
    return z[:, :hz, :wz].reshape(n, hz // k, k, wz // k, k).pow(2).mean((2, 4)).sqrt().flatten()


# a noise-like block's weakest direction against its strongest (differences along rows, columns
# and both diagonals): white noise reads ~0.8 in an 8 x 8 block; PolyU's camera noise keeps its
# 42 of 50 findings from 0 to 0.7 (0.8: 38). Line blurs (1.4-4 px sigma, any angle) of the
# training photos read as camera noise on 29 of 653 at 0, 11 at 0.6, 8 at 0.65 and 0.7; the
# clean photos on 14, 5, 6, 6 (split "train"; "tune": 7, 4, -, 1 of 95 blurred)
ISOTROPY = 0.65

# what grain_stats reads where there is nothing to read (-1: no spectral ratio)
NO_GRAIN = {"grain": 0.0, "grain_share": 0.0, "grain_fine_ratio": -1.0,
            "floor": 0.0, "floor_iso": 0.0, "floor_fine_ratio": -1.0}


def grain_stats(luma: torch.Tensor, block: int = 8, q: float = 0.1) -> dict[str, float]:
    """Noise-like grain at half resolution, and whether it has a camera's fingerprint.

    Camera JPEGs denoise and demosaic, so their residual noise is correlated over 2-3 px
    and nearly absent from the finest wavelet band (the MAD estimator sees < 1/255 in
    PolyU's ISO 3200-12800 crops). Here the (n, H, W) luma tiles are 2x2 averaged and cut
    into ``block`` x ``block`` blocks of Haar detail coefficients. Noise is isotropic: its
    diagonal band carries as much energy as the horizontal and vertical ones, while edges,
    texture and blur leave the diagonal band far weaker (ratio ~0.2 in a blurred photo,
    ~0.5 in a textured one). Noise is also the same along every direction: a camera-shake
    blur smooths along its own line, which at 45 degrees keeps the three bands equal but
    leaves the differences along that diagonal weak, so a noise-like block also needs its
    differences along the four directions (horizontal, vertical, both diagonals) within
    ``ISOTROPY`` of one another (white noise: ~0.8 in an 8 x 8 block).

    ``grain``: among the noise-like blocks (a ratio above 0.7, isotropic), the ``q`` quantile of the diagonal RMS;
    0 when fewer than 4 blocks look like noise. PolyU noisy crops: median 1.3/255;
    blurred photos: 0; film scans (Kodak) show their grain: median ~2.8/255.
    ``grain_share``: the share of half-resolution blocks that look like noise.
    ``grain_fine_ratio``: over those blocks, the median of (diagonal RMS of the same area at
    full resolution) / (diagonal RMS at half resolution): the noise's spectral slope. White
    noise gives 2 (averaging 2x2 halves it), film grain and resampled photos 0.6-2 (72
    clean photos: >= 0.57), noise that in-camera demosaicing and noise reduction have
    removed from the finest scale 0.3-0.5 (PolyU noisy crops: all 45 with noise-like
    blocks); -1 when there are too few blocks.
    ``floor``, ``floor_iso``, ``floor_fine_ratio``: the same read on the weakest-texture tenth
    of the blocks (least detail energy over the three bands, at least 4): the median diagonal
    RMS, the median of diagonal / horizontal-and-vertical RMS (isotropy: 1 for noise, 0.1-0.35
    on the weakest blocks of PolyU's textured clean means) and the median fine-to-half-res
    ratio (-1 when fewer than 4 of them hold any detail). A scene textured everywhere (a tiled
    wall, a flower bed) has no isotropic block, but its weakest blocks are still dominated by
    the camera's noise where there is some (PolyU: ratio 0.36-0.43, isotropy 0.44-0.54 on
    the crops with no noise-like block; 72 clean photos: ratio >= 0.52).
    """
    out = dict(NO_GRAIN)
    if luma.shape[-1] < 4 * block or luma.shape[-2] < 4 * block:
        return out
    h = F.avg_pool2d(luma[:, None], 2)[:, 0]
    x = h[:, : h.shape[-2] // 2 * 2, : h.shape[-1] // 2 * 2]
    a, b, c, d = x[:, 0::2, 0::2], x[:, 0::2, 1::2], x[:, 1::2, 0::2], x[:, 1::2, 1::2]
    n, hh, ww = a.shape
    h2, w2 = hh // block * block, ww // block * block

    def rms(z: torch.Tensor, k: int = block) -> torch.Tensor:
        return _block_rms(z, k) / 2

    diag, horiz, vert = rms(a - b - c + d), rms(a + b - c - d), rms(a - b + c - d)
    hv = torch.sqrt((horiz * horiz + vert * vert) / 2 + 1e-12)
    # differences along the two diagonals, scaled to the bands' units (noise sigma)
    along = torch.stack([horiz, vert, rms((a - d) * math.sqrt(2)), rms((b - c) * math.sqrt(2))])
    noisy = (diag > 0.7 * hv) & (along.amin(0) > ISOTROPY * along.amax(0))
    count = int(noisy.sum())
    out["grain_share"] = count / max(1, diag.numel())
    # the finest diagonal band over the same area as each half-resolution block
    f = luma[:, : h2 * 4, : w2 * 4]  # a half-res block covers 4 * block full-res pixels a side
    fa, fb, fc, fd = f[:, 0::2, 0::2], f[:, 0::2, 1::2], f[:, 1::2, 0::2], f[:, 1::2, 1::2]
    fine = rms(fa - fb - fc + fd, 2 * block)
    if fine.numel() != diag.numel():
        return out
    # the weakest-texture blocks: where the scene is textured everywhere no block is
    # isotropic, but its least detailed blocks still carry the noise's spectrum
    energy = diag * diag + horiz * horiz + vert * vert
    weak = energy.argsort()[: max(4, diag.numel() // 10)]
    wd = diag[weak]
    out["floor"] = float(wd.median())
    out["floor_iso"] = float((wd / hv[weak]).median())
    read = wd > 0.1 / 255  # blocks flat to the last code value say nothing about the spectrum
    if int(read.sum()) >= 4:
        out["floor_fine_ratio"] = float((fine[weak][read] / wd[read]).median())
    if count < 4:
        return out
    out["grain"] = quantiles(diag[noisy], [q])[0]
    out["grain_fine_ratio"] = float((fine[noisy] / diag[noisy].clamp(min=1e-6)).median())
    return out


def _grad_mag(x: torch.Tensor) -> torch.Tensor:
    gx = x[..., :, 1:] - x[..., :, :-1]
    gy = x[..., 1:, :] - x[..., :-1, :]
    return torch.sqrt(gx[..., :-1, :] ** 2 + gy[..., :, :-1] ** 2)


def measure_sharpness(tiles: list[torch.Tensor] | torch.Tensor, noise: float = 0.0) -> dict[str, float]:
    """Edge sharpness from how edge gradients change under a 2x downscale.

    A sharp edge spans about one pixel at any scale, so its steepest gradient per pixel
    barely grows when the image is halved; an edge blurred over s pixels gets about twice
    as steep. ``scale_gain`` = (99th-percentile gradient at half size) / (same at full
    size), over the most detailed tiles: ~1.05-1.3 when sharp, ~1.85-1.97 when blurred by
    1.5-2.5 px. ``blur_px`` converts it to an approximate Gaussian blur radius.
    ``edge_strength`` is the full-size 99th-percentile gradient (sRGB-encoded units).

    A camera shake or a moving subject blurs along one direction only: edges across it stay
    sharp and set the steepest gradients, so ``scale_gain`` reads a line blur as nearly sharp.
    The same ratio is therefore also read on the differences along rows, columns and both
    diagonals: ``gain_max`` is the largest of the four (the most blurred direction) with
    ``blur_px_max`` its radius, and ``anisotropy`` the largest less the smallest (see
    ``thresholds.SHAKE_ANISOTROPY``). ``shake_sigma`` is 0 here: where the blur may be a shake
    (``shake_candidate``), the caller reads it with ``shake_sigma`` on its tiles.
    """
    if len(tiles) == 0:
        return {"scale_gain": 1.0, "blur_px": 0.0, "edge_strength": 0.0, **NO_DIRECTION}
    enc = tiles if isinstance(tiles, torch.Tensor) else encode_tiles(tiles)
    enc = enc[: max(1, len(enc) // 2)]  # the most detailed half
    y = (LUMA[0] * enc[:, 0] + LUMA[1] * enc[:, 1] + LUMA[2] * enc[:, 2])  # luma of the encoded tile
    if noise > 0.004:  # steady the full-res gradients against noise before comparing
        y = F.avg_pool2d(y[:, None], 3, 1, 1, count_include_pad=False)[:, 0] * 0.5 + y * 0.5
    half = F.avg_pool2d(y[:, None], 2)[:, 0]
    gf = _grad_mag(y).flatten(1)
    gh = _grad_mag(half).flatten(1)
    pf, ph = _p99(gf), _p99(gh)
    ratio = min(4.0, float((ph / pf.clamp(min=1e-3)).median()))
    along = [min(4.0, float((_p99(h) / _p99(f).clamp(min=1e-3)).median()))
             for f, h in zip(_differences(y), _differences(half))]
    return {"scale_gain": ratio, "blur_px": blur_radius(ratio), "edge_strength": float(pf.median()),
            "gain_max": max(along), "blur_px_max": blur_radius(max(along)), "anisotropy": max(along) - min(along),
            "shake_sigma": 0.0}


# what measure_sharpness reads along directions where there is nothing to read
NO_DIRECTION = {"gain_max": 1.0, "blur_px_max": 0.0, "anisotropy": 0.0, "shake_sigma": 0.0}


def shake_candidate(sharp: dict[str, float]) -> bool:
    """A blur far stronger along one direction than across it (``SHAKE_ANISOTROPY``), strong
    enough there to count as a blur: worth a shake kernel estimate (``shake_sigma``)."""
    return (sharp["anisotropy"] >= SHAKE_ANISOTROPY and sharp["gain_max"] > sharp["scale_gain"]
            and sharp["gain_max"] - 1.0 > T["blur"][0])


def shake_sigma(tiles: list[torch.Tensor], blur_px: float) -> float:
    """The length (sigma, px) of the camera-shake kernel estimated on the first two of the
    linear (3, s, s) ``tiles`` (the most detailed), sized from the most blurred direction's
    ``blur_px``; 0 where no kernel is trusted (the two disagree, or deconvolving rings) or the
    tiles are too small for it."""
    from ..ops.deblur import shake_size
    from ..ops.shake import estimate_from_crops, kernel_sigma

    size = shake_size(blur_px)
    crops = [luminance(t)[0].clamp(min=0.0).double().numpy() for t in tiles[:2]]
    if len(crops) < 2 or min(min(c.shape) for c in crops) < 4 * size:
        return 0.0
    k, _ = estimate_from_crops(crops, size)
    return 0.0 if k is None else float(kernel_sigma(k))


def blur_radius(ratio: float) -> float:
    """The Gaussian blur (px) whose edges get ``ratio`` times steeper when the image is halved.

    A Gaussian edge of sigma s px gives ratio = 2 sqrt((s^2 + a^2) / (s^2 + b^2)), the a and b
    terms being pixel sampling and the 2x2 box; fitted on blurred charts and photos
    (a^2 = 0.186, b^2 = 0.61: sharp ~1.1, s=1 -> 1.72, s=2 -> 1.91). Inverted for s, capped at 4 px
    where the ratio saturates.
    """
    q = min(max(ratio, 1.0), 1.99) ** 2 / 4.0
    s2 = max(0.0, (q * 0.61 - 0.186) / (1.0 - q))
    return math.sqrt(min(s2, 16.0))


def _differences(y: torch.Tensor) -> list[torch.Tensor]:
    """|differences| of (n, H, W) along rows, columns and both diagonals (per pixel of distance),
    flattened per tile."""
    return [(y[:, :, 1:] - y[:, :, :-1]).abs().flatten(1), (y[:, 1:, :] - y[:, :-1, :]).abs().flatten(1),
            (y[:, 1:, 1:] - y[:, :-1, :-1]).abs().flatten(1) / math.sqrt(2),
            (y[:, 1:, :-1] - y[:, :-1, 1:]).abs().flatten(1) / math.sqrt(2)]


def _p99(g: torch.Tensor) -> torch.Tensor:
    return g.kthvalue(max(1, int(0.99 * g.shape[1])), dim=1).values
