"""Saturation and vibrance: chroma scaled around each pixel's luminance, in linear light.

``out = Y + k (rgb - Y)`` moves a colour along the straight line through white in linear
RGB: its luminance Y and its hue (dominant wavelength: the chromaticity stays on the line
to the white point) are kept exactly; only its purity changes. This is also the inverse
of the way colour fades (a veil, a flat rendering, the benchmark's desaturation), and a
handful of passes per pixel, no cube roots. Vibrance weights k toward muted colours and
away from skin tones. Colours that would leave [0, 1] get the largest k that fits, on the
same line: gamut is compressed, never clipped per channel, so hue never skews.
"""

from __future__ import annotations

import torch

from ._util import any_active, luma, per_image

SATURATED = 0.8  # linear-light purity (max - min) / max counted as fully saturated for vibrance
SKIN_RATIO = 0.35  # (g - b) / (r - b) of skin tones (hue ~ 20-30 degrees)
SKIN_WIDTH = 0.25
SKIN_PROTECT = 0.8  # share of vibrance withheld from skin
WEIGHTS = (0.2126, 0.7152, 0.0722)  # Rec.709 luminance


def adjust_saturation(image: torch.Tensor, saturation: float | torch.Tensor = 0.0,
                      vibrance: float | torch.Tensor = 0.0) -> torch.Tensor:
    """Scale chroma by (1 + saturation), and muted non-skin colours by up to (1 + vibrance) more.

    ``saturation = -1`` gives greys of the same luminance, ``+1`` doubles chroma (a colour
    faded to a fraction f of its chroma comes back with ``saturation = 1/f - 1``).
    ``vibrance = 1`` doubles the chroma of a near-grey colour, tapers to nothing at purity
    0.8 and gives skin 20 % of it. 0/0 is an exact identity.

    >>> img = torch.tensor([0.4, 0.2, 0.1]).view(1, 3, 1, 1)
    >>> out = adjust_saturation(img, saturation=0.5)
    >>> [round(v, 3) for v in out.flatten().tolist()]
    [0.482, 0.182, 0.032]
    """
    if not any_active(saturation, vibrance):
        return image
    dtype = image.dtype
    x = image.float()
    grad = torch.is_grad_enabled() and any(isinstance(v, torch.Tensor) and v.requires_grad
                                           for v in (image, saturation, vibrance))
    if not grad and not any_active(vibrance):
        one = _single(saturation)  # the artist passes (B,) tensors; one value for the batch is the common case
        if one is not None:
            return _uniform(x, 1.0 + one).to(dtype)
    sat = per_image(saturation, x)
    k = 1.0 + sat
    y = luma(x)
    mx = x.amax(dim=1, keepdim=True)
    mn = x.amin(dim=1, keepdim=True)
    if any_active(vibrance):
        vib = per_image(vibrance, x)
        purity = (mx - mn) / mx.clamp(min=1e-6)
        muted = (1.0 - purity / SATURATED).clamp(min=0.0)
        r, g, b = x[:, 0:1], x[:, 1:2], x[:, 2:3]
        ratio = (g - b) / (r - b).clamp(min=1e-6)
        skin = (1.0 - (ratio - SKIN_RATIO).abs() / SKIN_WIDTH).clamp(min=0.0) * ((r > g) & (g > b))
        gate = torch.where(vib > 0, 1.0 - SKIN_PROTECT * skin, torch.ones_like(skin))
        k = k * (1.0 + vib * muted * gate)
    # Largest k that keeps every channel inside [0, top] (top = 1, or the pixel's own max above 1).
    top = mx.clamp(min=1.0)
    if grad:  # differentiable form
        lim = torch.minimum(y / (y - mn).clamp(min=1e-9), (top - y) / (mx - y).clamp(min=1e-9))
        out = (y + torch.minimum(k, lim) * (x - y)).clamp(min=0.0)
    else:  # the same, in place: fewer full-size temporaries
        lim = torch.minimum(y / (y - mn).clamp_(min=1e-9), (top - y).div_((mx - y).clamp_(min=1e-9)))
        out = (x - y).mul_(torch.minimum(k, lim, out=lim)).add_(y).clamp_(min=0.0)
    if sat.dim() and not any_active(vibrance):
        out = torch.where(sat == 0, x, out)  # images of the batch left alone stay bit-exact
    return out.to(dtype)


def _single(value: float | torch.Tensor) -> float | None:
    """``value`` as one float when it holds one value for every image, else None."""
    if not isinstance(value, torch.Tensor):
        return float(value)
    flat = value.detach().reshape(-1)
    if flat.numel() == 0 or not bool((flat == flat[0]).all()):
        return None
    return float(flat[0])


def _outside(x: torch.Tensor, out: torch.Tensor) -> torch.Tensor | None:
    """(B, 1, H, W) bool: the pixels of ``out`` (``x`` scaled) that left [0, max(1, own max of x)]
    (or are NaN); None when there are none."""
    planes = [out[:, c:c + 1] for c in range(3)]
    if x.device.type == "cpu" and x.shape[0] == 1 and float(x.amax()) <= 1.0:
        # the common case, an image within [0, 1]: one OpenCV range test per plane (NaN is outside)
        import cv2

        inside = None
        for p in planes:
            m = cv2.inRange(p[0, 0].numpy(), 0.0, 1.0)
            inside = m if inside is None else cv2.bitwise_and(inside, m, dst=inside)
        if cv2.countNonZero(inside) == inside.size:
            return None
        return torch.from_numpy(inside == 0).view(1, 1, *inside.shape)
    lo, hi = torch.aminmax(out)
    if float(lo) >= 0.0 and float(hi) <= 1.0:  # nothing left the gamut (NaN fails this and is redone)
        return None
    omin = torch.minimum(torch.minimum(planes[0], planes[1]), planes[2])
    omax = torch.maximum(torch.maximum(planes[0], planes[1]), planes[2])
    top = torch.maximum(torch.maximum(x[:, 0:1], x[:, 1:2]), x[:, 2:3]).clamp_(min=1.0)
    return (omin < 0) | (omax > top) | torch.isnan(omax)


def _uniform(x: torch.Tensor, k: float) -> torch.Tensor:
    """The same result for one chroma scale ``k`` and no vibrance, in fewer passes: scale every
    pixel, then redo with the gamut limit only the pixels that left [0, max(1, own max)]."""
    y = x[:, 0:1] * WEIGHTS[0]
    y.add_(x[:, 1:2], alpha=WEIGHTS[1]).add_(x[:, 2:3], alpha=WEIGHTS[2])
    out = torch.empty_like(x)
    for c in range(3):  # y + k (x - y), one plane at a time (no broadcast pass over all three)
        torch.lerp(y, x[:, c:c + 1], k, out=out[:, c:c + 1])
    bad = _outside(x, out)
    if bad is None:
        return out
    b, _, h, w = x.shape
    for i in range(b):
        idx = bad[i].reshape(-1).nonzero().squeeze(1)
        if idx.numel() == 0:
            continue
        px = x[i].reshape(3, -1).index_select(1, idx)  # (3, N): the pixels to redo exactly
        py = (px * torch.tensor(WEIGHTS, dtype=px.dtype, device=px.device).view(3, 1)).sum(dim=0, keepdim=True)
        mx = px.amax(dim=0, keepdim=True)
        mn = px.amin(dim=0, keepdim=True)
        lim = torch.minimum(py / (py - mn).clamp(min=1e-9), (mx.clamp(min=1.0) - py) / (mx - py).clamp(min=1e-9))
        fixed = (py + torch.clamp(lim, max=k) * (px - py)).clamp(min=0.0)
        out[i].reshape(3, -1).index_copy_(1, idx, fixed)
    return out  # the pixels left alone lie within [0, top], the redone ones are clamped
