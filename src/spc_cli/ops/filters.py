"""Edge-aware filtering shared by the ops: box filters, the guided filter, guided upsampling.

Everything here works on (B, C, H, W) tensors and accumulates in float32 (box sums are
cumulative sums, which lose precision quickly in half precision); results come back in
the input's dtype.

Two ways to use the guided filter (He, Sun & Tang, 2013):

* ``guided_filter(guide, src, r, eps)`` at full resolution, for pixel-scale work (denoise);
  its footprint is ``2 * r`` pixels, which is the halo a tiled caller must add.
* ``guided_coeffs`` on a downscaled guide/source pair, then ``apply_coeffs`` at full
  resolution: the "fast guided filter" / guided upsampling. The low-resolution
  coefficients are smooth, so upsampling them is legitimate, and the full-resolution guide
  restores the edges. The bilinear upsampling runs along the columns once for the whole
  image (``upsample_cols``, at the low resolution's rows), then ``rows_from_cols`` gives any
  band of full-resolution rows exactly as it would for the whole image, so tiles need no
  overlap and no pixel is gathered along a row.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _box_sum(x: torch.Tensor, r: int, dim: int) -> torch.Tensor:
    """Sum over 2r+1 neighbours along ``dim`` (zeros beyond the border): 2r shifted adds.

    Direct sums in a fixed order, so a band of rows with ``r`` extra rows each side gives
    bit-for-bit the whole image's values (no cumulative-sum drift); faster than avg_pool2d
    on the CPU for the small radii used at full resolution.
    """
    n = x.shape[dim]
    pad = [0, 0, 0, 0]
    pad[0 if dim == -1 else 2] = r
    pad[1 if dim == -1 else 3] = r
    xp = F.pad(x, pad)
    out = xp.narrow(dim, 0, n).clone()
    for k in range(1, 2 * r + 1):
        out += xp.narrow(dim, k, n)
    return out


def _counts(n: int, r: int, device: torch.device) -> torch.Tensor:
    idx = torch.arange(n, device=device)
    return ((idx + r).clamp(max=n - 1) - (idx - r).clamp(min=0) + 1).float()


def box_mean(x: torch.Tensor, r: int) -> torch.Tensor:
    """Mean over a (2r+1)^2 window, truncated (not padded) at the image border; float32.

    >>> box_mean(torch.ones(1, 1, 4, 4), 1).unique().tolist()
    [1.0]
    """
    x = x.float()
    if r <= 0:
        return x
    h, w = x.shape[-2:]
    n = _counts(h, r, x.device).view(-1, 1) * _counts(w, r, x.device).view(1, -1)
    if x.device.type == "cpu" and not x.requires_grad and x.dim() == 4:
        import cv2  # the same sums (zeros beyond the border), several times faster

        planes = x.reshape(-1, h, w).contiguous()
        s = torch.empty_like(planes)
        for i in range(planes.shape[0]):
            cv2.boxFilter(planes[i].numpy(), -1, (2 * r + 1, 2 * r + 1), dst=s[i].numpy(), normalize=False,
                          borderType=cv2.BORDER_CONSTANT)
        return s.reshape(x.shape).div_(n)
    s = _box_sum(_box_sum(x, r, -2), r, -1)
    return s.div_(n)


def box_filter(x: torch.Tensor, r: int) -> torch.Tensor:
    """Mean over a (2r+1)^2 window with reflected borders (101: the edge pixel is not repeated);
    float32. CPU tensors that need no gradient take OpenCV's box filter (same values)."""
    x = x.float()
    if r <= 0:
        return x
    if x.device.type == "cpu" and not x.requires_grad:
        import cv2

        b, c, h, w = x.shape
        planes = x.reshape(b * c, h, w).contiguous()
        out = torch.empty_like(planes)
        for i in range(b * c):
            cv2.boxFilter(planes[i].numpy(), -1, (2 * r + 1, 2 * r + 1), dst=out[i].numpy(),
                          normalize=True, borderType=cv2.BORDER_REFLECT_101)
        return out.reshape(b, c, h, w)
    mode = "reflect" if min(x.shape[-2:]) > r else "replicate"
    return F.avg_pool2d(F.pad(x, (r, r, r, r), mode=mode), 2 * r + 1, stride=1)


def min_filter(x: torch.Tensor, r: int) -> torch.Tensor:
    """Minimum over a (2r+1)^2 window (borders: the window shrinks), as two 1-D passes: the cost
    grows with r, not r^2 (a square max_pool2d of radius 20 is ~20x slower)."""
    if r <= 0:
        return x
    y = -F.max_pool2d(-x, (1, 2 * r + 1), stride=1, padding=(0, r))
    return -F.max_pool2d(-y, (2 * r + 1, 1), stride=1, padding=(r, 0))


def guided_coeffs(guide: torch.Tensor, src: torch.Tensor, r: int,
                  eps: float | torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean linear coefficients (a, b) of the guided filter: output = a * guide + b.

    ``guide`` is (B, 1, H, W); ``src`` (B, C, H, W); ``eps`` a float or (B, 1, 1, 1) tensor
    (larger = smoother). Returns float32 tensors shaped like ``src``.
    """
    g = guide.float()
    p = src.float()
    mg = box_mean(g, r)
    mp = box_mean(p, r)
    cov = box_mean(g * p, r) - mg * mp
    var = box_mean(g * g, r) - mg * mg
    a = cov / (var.clamp(min=0.0) + eps)
    b = mp - a * mg
    return box_mean(a, r), box_mean(b, r)


def guided_filter(guide: torch.Tensor, src: torch.Tensor, r: int, eps: float | torch.Tensor) -> torch.Tensor:
    """Edge-preserving smoothing of ``src`` steered by the edges of ``guide``; float32.

    >>> flat = torch.full((1, 1, 8, 8), 0.5)
    >>> torch.allclose(guided_filter(flat, flat, 2, 1e-3), flat)
    True
    """
    a, b = guided_coeffs(guide, src, r, eps)
    return a * guide.float() + b


def downscale(x: torch.Tensor, factor: int) -> torch.Tensor:
    """Area-average by an integer factor (partial blocks at the far edges average what they hold); float32."""
    x = x.float()
    if factor <= 1:
        return x
    h, w = x.shape[-2:]
    full_h, full_w = h // factor, w // factor
    if x.device.type != "cpu" or x.requires_grad or x.dim() != 4 or not (full_h and full_w):
        return F.avg_pool2d(x, kernel_size=factor, stride=factor, ceil_mode=True, count_include_pad=False)
    import cv2  # the whole blocks: OpenCV's area resize by an integer factor, twice as fast on the CPU

    out = torch.empty(x.shape[:2] + (-(-h // factor), -(-w // factor)))
    for b in range(x.shape[0]):
        for c in range(x.shape[1]):
            out[b, c, :full_h, :full_w] = torch.from_numpy(cv2.resize(
                x[b, c, :full_h * factor, :full_w * factor].numpy(), (full_w, full_h), interpolation=cv2.INTER_AREA))
    pool = dict(kernel_size=factor, stride=factor, ceil_mode=True, count_include_pad=False)
    if full_h * factor < h:  # the partial blocks at the far edges average what they hold
        out[..., full_h:, :] = F.avg_pool2d(x[..., full_h * factor:, :], **pool)
    if full_w * factor < w:
        out[..., :full_h, full_w:] = F.avg_pool2d(x[..., :full_h * factor, full_w * factor:], **pool)
    return out


def factor_for(h: int, w: int, long_edge: int) -> int:
    """The integer downscale factor that brings the long edge to about ``long_edge`` (>= 1)."""
    return max(1, int(math.floor(max(h, w) / long_edge)))


def _lerp_index(n_out: int, n_in: int, factor: int, start: int, device: torch.device):
    """Bilinear source indices and weights for output positions start..start+n_out (align_corners=False)."""
    pos = (torch.arange(start, start + n_out, device=device, dtype=torch.float32) + 0.5) / factor - 0.5
    pos = pos.clamp(0.0, n_in - 1)
    i0 = pos.floor().long()
    i1 = (i0 + 1).clamp(max=n_in - 1)
    wgt = pos - i0.float()
    return i0, i1, wgt


def upsample_cols(maps: torch.Tensor, factor: int, width: int) -> torch.Tensor:
    """Low-res ``maps`` (B, C, h, w) bilinearly upsampled by ``factor`` along the columns to
    ``width`` (B, C, h, width), once for a whole image; ``rows_from_cols`` finishes any band."""
    if factor == 1:
        return maps[..., :width]
    # the same sampling as _lerp_index (align_corners=False, clamped at both ends), as one
    # linear interpolation of every row: a third of the time of two gathers and a blend
    b, c, h, w = maps.shape
    rows = F.interpolate(maps.reshape(b, c * h, w), scale_factor=float(factor), mode="linear",
                         align_corners=False, recompute_scale_factor=False)
    return rows[..., :width].reshape(b, c, h, width)


def rows_from_cols(cols: torch.Tensor, factor: int, row0: int, rows: int) -> torch.Tensor:
    """Full-resolution rows ``row0 .. row0 + rows`` of maps already upsampled along the columns
    (``upsample_cols``): the same values for a band as for the whole image.

    Each output row is a weighted sum of two low-resolution rows; the band's rows are made in
    one matrix product of their (rows, k) interpolation weights with the k low-resolution rows
    they draw on (each output value written once, no gathered copies)."""
    if factor == 1:
        return cols[..., row0:row0 + rows, :]
    i0, i1, wy = _lerp_index(rows, cols.shape[-2], factor, row0, cols.device)
    lo, hi = int(i0[0]), int(i1[-1]) + 1  # the indices grow with the row
    weights = torch.zeros(rows, hi - lo, dtype=torch.float32, device=cols.device)
    at = torch.arange(rows, device=cols.device)
    weights.index_put_((at, i0 - lo), 1.0 - wy, accumulate=True)
    weights.index_put_((at, i1 - lo), wy, accumulate=True)  # i1 == i0 at the clamped ends: weights add to 1
    return torch.matmul(weights.to(cols.dtype), cols[..., lo:hi, :])


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur (float32) with replicated borders; footprint ``gaussian_radius(sigma)``.

    Weighted shifted adds (2r+1 per direction): several times faster than a convolution
    call for these small kernels, and bit-identical for a band or the whole image. CPU
    tensors that need no gradient take OpenCV's separable filter instead.
    """
    x = x.float()
    r = gaussian_radius(sigma)
    if r == 0:
        return x
    t = torch.arange(-r, r + 1, dtype=torch.float64)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    k = k / k.sum()
    b, c, h, w = x.shape
    if x.device.type == "cpu" and not x.requires_grad:
        # the same separable kernel through OpenCV (about 4x faster at these sizes); equal to
        # the shifted adds to float rounding (~2e-7)
        import cv2

        kf = k.float().numpy()
        planes = x.reshape(b * c, h, w).contiguous()
        out = torch.empty_like(planes)
        for i in range(b * c):
            cv2.sepFilter2D(planes[i].numpy(), -1, kf, kf, dst=out[i].numpy(), borderType=cv2.BORDER_REPLICATE)
        return out.reshape(b, c, h, w)
    k = k.tolist()
    y = x.reshape(b * c, 1, h, w)
    for dim, pad in ((-1, (r, r, 0, 0)), (-2, (0, 0, r, r))):
        n = y.shape[dim]
        yp = F.pad(y, pad, mode="replicate")
        out = yp.narrow(dim, 0, n) * k[0]
        for i in range(1, 2 * r + 1):
            out.add_(yp.narrow(dim, i, n), alpha=k[i])
        y = out
    return y.reshape(b, c, h, w)


def gaussian_radius(sigma: float) -> int:
    return int(math.ceil(3.0 * sigma)) if sigma > 0 else 0
