"""Denoise: wavelet shrinkage of luminance with a texture guard, guided filtering of colour.

Works on square-root encoded light, which is close to the sRGB encoding the noise is
measured in (its slope is within ~10 % of sRGB's between linear 0.02 and 1) and evens out
photon noise (the Anscombe idea): shot noise has about the same sigma at every brightness
there, so one ``sigma`` serves the whole tonal range. The encoded image is split into a
luma and two colour differences:

* luma: two detail bands of an undecimated Gaussian pyramid (y - G1 y, G1 y - G2 G1 y) are
  each shrunk by a local Wiener gain, max(0, v - n) / v, where v is the band's local energy
  and n the energy white noise of ``sigma`` puts in that band: flat areas (v ~ n) lose their
  noise, edges and strong texture (v >> n) keep their detail. The texture guard: fine
  oriented structure (hair, feathers, fabric, grass) can have no more energy than the noise
  and would be wiped by the gain alone, but its gradients line up, where noise points every
  way: where the local structure tensor's coherence says "oriented", the gain is held up;
* chroma: colour noise is coarser and the eye forgives soft colour edges, so it is filtered
  on a half-resolution copy with a wider window, steered by the luma (a fast guided filter:
  the coefficients are upsampled and applied with the full-res luma).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ._util import any_active, per_image, smoothstep
from .filters import box_filter, gaussian_blur, guided_coeffs

WR, WG, WB = 0.2126, 0.7152, 0.0722
S1, S2 = 1.0, 2.0  # Gaussian sigmas of the two pyramid steps (full-resolution pixels)
LUMA_K = 1.0  # the noise energy subtracted, per unit of white noise of ``sigma`` in the band
R1, R2 = 2, 3  # radii of the windows the bands' local energy is read over
GUARD_R = 2  # window of the structure tensor, half-resolution pixels (about 9x9 at full resolution)
COHERENCE = (0.5, 0.8)  # coherence where the texture guard starts / fully holds
GUARD_KEEP = 0.7  # share of the detail the guard holds at least, where it fully holds
CHROMA_RADIUS = 3  # half-resolution pixels (a 14-pixel window at full resolution)
CHROMA_EPS = 1.0  # epsilon = (CHROMA_EPS * chroma_sigma)^2
CHROMA_KEEP_R = 2  # window of the residual's energy (colour texture guard)
# (y, o1, o2) from (r, g, b), and back
_FWD = torch.tensor([[WR, WG, WB], [1 / math.sqrt(2), -1 / math.sqrt(2), 0.0],
                     [1 / math.sqrt(6), 1 / math.sqrt(6), -2 / math.sqrt(6)]], dtype=torch.float64)
_INV = torch.linalg.inv(_FWD)
# Rows of neighbourhood read: luma 3 + 2 * 3 (pyramid) + 3 (energy window); chroma 2 * 3
# half-res pixels + bilinear support; rounded up to an even number so half-resolution grids
# of tiles line up.
HALO = 16


def _kernel(sigma: float) -> torch.Tensor:
    r = int(math.ceil(3.0 * sigma))
    t = torch.arange(-r, r + 1, dtype=torch.float64)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    return k / k.sum()


def band_noise() -> tuple[float, float]:
    """Share of a white noise's variance in each detail band (sums of squared filter taps)."""
    g1 = _kernel(S1)
    g2 = _kernel(S2)
    n = len(g2) + len(g1)
    d = torch.zeros(2 * n + 1, dtype=torch.float64)
    d[n] = 1.0
    l1 = torch.nn.functional.conv1d(d.view(1, 1, -1), g1.flip(0).view(1, 1, -1), padding=len(g1) // 2)[0, 0]
    l2 = torch.nn.functional.conv1d(l1.view(1, 1, -1), g2.flip(0).view(1, 1, -1), padding=len(g2) // 2)[0, 0]
    # separable 2-D filters: the impulse response is the outer product of the 1-D ones
    e1 = float(((torch.outer(d, d) - torch.outer(l1, l1)) ** 2).sum())
    e2 = float(((torch.outer(l1, l1) - torch.outer(l2, l2)) ** 2).sum())
    return e1, e2


E1, E2 = band_noise()


def _shrink(band: torch.Tensor, noise_var: torch.Tensor, r: int) -> torch.Tensor:
    """Local Wiener gain max(0, v - n) / v of a detail band, v its mean energy over a window."""
    v = box_filter(band * band, r)
    return (v - noise_var).clamp_(min=0.0).div_(v.add_(1e-12))


def _gradients(y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Central differences (one-sided at the borders, as with replicated edges), halved."""
    gx = torch.zeros_like(y)
    gy = torch.zeros_like(y)
    if y.shape[-1] > 1:
        torch.sub(y[..., :, 2:], y[..., :, :-2], out=gx[..., :, 1:-1])
        gx[..., :, :1] = y[..., :, 1:2] - y[..., :, :1]
        gx[..., :, -1:] = y[..., :, -1:] - y[..., :, -2:-1]
    if y.shape[-2] > 1:
        torch.sub(y[..., 2:, :], y[..., :-2, :], out=gy[..., 1:-1, :])
        gy[..., :1, :] = y[..., 1:2, :] - y[..., :1, :]
        gy[..., -1:, :] = y[..., -1:, :] - y[..., -2:-1, :]
    return gx.mul_(0.5), gy.mul_(0.5)


def _coherence(y: torch.Tensor) -> torch.Tensor:
    """How oriented the local gradients are: 0 for noise or flat areas, 1 for parallel lines."""
    gx, gy = _gradients(y)
    jxy = box_filter(gx * gy, GUARD_R)
    jxx = box_filter(gx.square_(), GUARD_R)
    jyy = box_filter(gy.square_(), GUARD_R)
    tr = (jxx + jyy).square_().add_(1e-12)
    return jxx.sub_(jyy).square_().add_(jxy.square_().mul_(4.0)).div_(tr)


def _up2(x: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """Bilinear 2x upsampling (pixel centres aligned), cropped to (h, w)."""
    return F.interpolate(x, scale_factor=2.0, mode="bilinear", align_corners=False)[..., :h, :w]


def _mix(x: torch.Tensor, m: torch.Tensor) -> torch.Tensor:
    m = m.to(device=x.device, dtype=torch.float32)
    return torch.einsum("ij,bjhw->bihw", m, x)


def _mix3(src: tuple[torch.Tensor, torch.Tensor, torch.Tensor], m: torch.Tensor) -> torch.Tensor:
    """``_mix`` of three (B, 1, H, W) planes without stacking them: each output channel summed
    in place (no gradient)."""
    y = src[0]
    out = torch.empty(y.shape[0], 3, *y.shape[-2:], dtype=torch.float32, device=y.device)
    for i in range(3):
        o = out[:, i:i + 1]
        torch.mul(src[0], float(m[i, 0]), out=o)
        o.add_(src[1], alpha=float(m[i, 1])).add_(src[2], alpha=float(m[i, 2]))
    return out


def adjust_denoise(image: torch.Tensor, luma: float | torch.Tensor = 0.0, chroma: float | torch.Tensor = 0.0,
                   sigma: float | torch.Tensor = 0.0, chroma_sigma: float | torch.Tensor = 0.0) -> torch.Tensor:
    """Remove ``luma``/``chroma`` shares of noise of standard deviation ``sigma`` in luminance
    and ``chroma_sigma`` in each opponent colour channel.

    Both sigmas are in sRGB-encoded units (0..1 scale; the critic's wavelet estimates of the
    encoded luma and of (R - G)/sqrt 2, (R + G - 2B)/sqrt 6). ``luma = 1`` and ``chroma = 1``
    apply the full filters tuned for them; 0.5 goes half way from the input. A sigma of 0
    or a strength of 0 leaves that part alone (both: an exact identity). Tiles must start on
    even rows.

    >>> clean = torch.full((1, 3, 32, 32), 0.2)
    >>> noisy = clean * (1 + 0.1 * torch.randn(1, 3, 32, 32))
    >>> out = adjust_denoise(noisy, luma=1.0, chroma=1.0, sigma=0.04, chroma_sigma=0.05)
    >>> bool((out - clean).std() < (noisy - clean).std())
    True
    """
    if not (any_active(sigma) and any_active(luma)) and not (any_active(chroma_sigma) and any_active(chroma)):
        return image
    dtype = image.dtype
    h, w = image.shape[-2:]
    enc = image.float().clamp(min=0.0).sqrt()
    yoo = _mix(enc, _FWD) if torch.is_grad_enabled() else _mix3((enc[:, 0:1], enc[:, 1:2], enc[:, 2:3]), _FWD)
    y, diff = yoo[:, 0:1], yoo[:, 1:3]
    s = per_image(sigma, y).float()
    sc = per_image(chroma_sigma, y).float()
    kl = per_image(luma, y).float() * (s > 0)
    kc = per_image(chroma, y).float() * (sc > 0)
    if any_active(luma) and any_active(sigma):
        low1 = gaussian_blur(y, S1)
        low2 = gaussian_blur(low1, S2)
        d1, d2 = y - low1, low1 - low2
        var = LUMA_K * s * s
        with torch.no_grad():  # a mask read off the photo, not a function to train through
            # on a half-resolution copy of the (already smoothed) luma: a quarter of the work
            half = F.avg_pool2d(low1.detach(), 2, ceil_mode=True, count_include_pad=False)
            coh = smoothstep((_coherence(half) - COHERENCE[0]) / (COHERENCE[1] - COHERENCE[0]))
            guard = _up2(coh, h, w).mul_(GUARD_KEEP)
        kept = torch.maximum(_shrink(d1, var * E1, R1), guard).mul_(d1)
        kept += torch.maximum(_shrink(d2, var * E2, R2), guard).mul_(d2)
        # y + kl * (low2 + kept - y)
        y2 = torch.addcmul(y, kl, kept.add_(low2).sub_(y))
    else:
        y2 = y
    if any_active(chroma) and any_active(chroma_sigma):
        y_half = F.avg_pool2d(y, 2, ceil_mode=True, count_include_pad=False)
        d_half = F.avg_pool2d(diff, 2, ceil_mode=True, count_include_pad=False)
        a_c, b_c = guided_coeffs(y_half, d_half, CHROMA_RADIUS, (CHROMA_EPS * sc) ** 2 + 1e-8)
        d_f = torch.addcmul(_up2(b_c, h, w), _up2(a_c, h, w), y)
        # colour texture the luma does not share is wiped by the guided filter: keep the part of
        # the residual whose local energy is more than the noise's (a Wiener gain, as for luma)
        res = diff - d_f
        d_f.addcmul_(_shrink(res, sc * sc, CHROMA_KEEP_R), res)
        d2c = torch.addcmul(diff, kc, d_f.sub_(diff))
    else:
        d2c = diff
    out = _mix(torch.cat([y2, d2c], dim=1), _INV).clamp_(min=0.0) if torch.is_grad_enabled() else \
        _mix3((y2, d2c[:, 0:1], d2c[:, 1:2]), _INV).clamp_(min=0.0)
    out = (out * out).to(dtype)
    active = (kl > 0) | (kc > 0)
    return torch.where(active, out, image) if active.dim() else out
