"""Camera-shake kernels estimated from the photo itself (blind deconvolution's first half).

A coarse-to-fine estimate in the manner of Cho & Lee (2009), on the linear luminance of a
crop rich in strong edges:

1. at each scale of a pyramid (the kernel about 5 px across at the coarsest), predict the
   sharp image's strong edges from the current latent image (a bilateral filter, then a shock
   filter that steepens edges), and keep only the strongest gradients;
2. solve for the kernel in the gradient domain, in closed form through the FFT
   (min ||grad P * k - grad B||^2 + beta ||k||^2), keep it non-negative, drop what is below a
   twentieth of its peak, centre it and normalise it;
3. deconvolve the crop with it (Wiener, gradient prior) for the next round's latent image,
   and carry the kernel up to the next scale.

Shake is (nearly) the same over the whole frame, so the estimate is made on two crops far
apart and trusted only when the two kernels agree (normalised correlation >= AGREE after
alignment) and deconvolving with them sharpens the crops. Otherwise the answer is None
with the reason, and the photo is left alone.
"""

from __future__ import annotations

import math

import numpy as np

AGREE = 0.55  # least normalised correlation between the kernels of two crops
CROP = 384  # side of the crops the kernel is estimated on (full-resolution pixels)
ITERS = 6  # rounds per scale
# how every reason for leaving a photo unchanged begins (it goes to the record's ``left_alone``; a
# sidecar before schema 5 kept it among its notes, where ``sidecar.load`` finds it by this prefix)
NOT_DONE = "camera shake not"
BETA = 20.0  # kernel regularisation (relative to the gradient energy's mean spectrum level)
ALPHA = 2e-3  # latent-image gradient prior
MAX_OVERSHOOT = 0.08  # least trustworthy ringing of the deconvolved test crops (see overshoot)
OVERSHOOT_LAM = 1e-2
SHOCK_STEPS = 3
SHOCK_DT = 0.5
DROP = 0.12  # the deconvolved crops' edges must be at least this much steeper


def _pad_fft(x: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    return np.fft.rfft2(x, s=shape)


def _otf(k: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """The kernel's transfer function on a grid of ``shape`` (its centre at the origin)."""
    p = np.zeros(shape)
    kh, kw = k.shape
    p[:kh, :kw] = k
    return np.fft.rfft2(np.roll(p, (-(kh // 2), -(kw // 2)), axis=(0, 1)))


def _grads(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    gx = np.zeros_like(x)
    gy = np.zeros_like(x)
    gx[:, :-1] = x[:, 1:] - x[:, :-1]
    gy[:-1] = x[1:] - x[:-1]
    return gx, gy


def _window(shape: tuple[int, int], width: int) -> np.ndarray:
    """1 inside, falling as a raised cosine to 0 over ``width`` px at the borders."""
    h, w = shape
    wy = np.minimum(1.0, np.minimum(np.arange(h) + 1, h - np.arange(h)) / width)
    wx = np.minimum(1.0, np.minimum(np.arange(w) + 1, w - np.arange(w)) / width)
    return np.outer(0.5 - 0.5 * np.cos(np.pi * wy), 0.5 - 0.5 * np.cos(np.pi * wx))


def _taper_edges(x: np.ndarray, width: int) -> np.ndarray:
    """Blend the crop's borders toward its mean so the FFT's wrap-around has no step."""
    m = x.mean()
    return m + (x - m) * _window(x.shape, width)


def _laplace_spectrum(shape: tuple[int, int]) -> np.ndarray:
    """|FFT of the gradient operator|^2 on an rfft2 grid of ``shape`` (the gradient prior)."""
    wy = 2 * np.pi * np.fft.fftfreq(shape[0])[:, None]
    wx = 2 * np.pi * np.fft.rfftfreq(shape[1])[None, :]
    return (2 - 2 * np.cos(wy)) + (2 - 2 * np.cos(wx))


def wiener(b: np.ndarray, k: np.ndarray, alpha: float = ALPHA, *, spectra: tuple | None = None) -> np.ndarray:
    """Deconvolve ``b`` by ``k`` (FFT, gradient prior), borders tapered to limit wrap-around.
    ``spectra``: ``(rfft2(b), _laplace_spectrum(b.shape))`` when the caller deconvolves the same
    ``b`` again and again (the same numbers, computed once)."""
    shape = b.shape
    kf = _otf(k, shape)
    fb, d2 = spectra if spectra is not None else (np.fft.rfft2(b), _laplace_spectrum(shape))
    return np.fft.irfft2(np.conj(kf) * fb / (np.abs(kf) ** 2 + alpha * d2), s=shape)


def _shock(x: np.ndarray, steps: int | None = None, dt: float | None = None) -> np.ndarray:
    """Osher-Rudin shock filter: edges steepen into steps, flat areas stay."""
    steps = SHOCK_STEPS if steps is None else steps
    dt = SHOCK_DT if dt is None else dt
    for _ in range(steps):
        p = np.pad(x, 1, mode="wrap")  # the four neighbours, wrapping at the borders
        right, left, down, up = p[1:-1, 2:], p[1:-1, :-2], p[2:, 1:-1], p[:-2, 1:-1]
        gx = 0.5 * (right - left)
        gy = 0.5 * (down - up)
        lap = right + left + down + up - 4 * x
        x = x - dt * np.sign(lap) * np.sqrt(gx * gx + gy * gy)
    return x


def _predict(latent: np.ndarray) -> np.ndarray:
    import cv2

    lo, hi = np.percentile(latent, [1, 99])
    rng = float(hi - lo) + 1e-6
    smooth = cv2.bilateralFilter(latent.astype(np.float32), 5, 0.1 * rng, 1.0).astype(np.float64)
    return _shock(smooth)


def _select(px: np.ndarray, py: np.ndarray, keep: int) -> tuple[np.ndarray, np.ndarray]:
    """Only the strongest gradients, ``keep // 4`` in each of four orientation bins (a kernel
    is only pinned down along directions some edges cross; the rest are zeroed)."""
    mag = np.hypot(px, py)
    ang = np.mod(np.arctan2(py, px), np.pi)
    bins = np.minimum((ang / (np.pi / 4)).astype(np.int64), 3)
    mask = np.zeros(mag.shape, bool)
    for b in range(4):
        sel = bins == b
        vals = mag[sel]
        n = min(keep // 4, vals.size)
        if n <= 0:
            continue
        t = np.partition(vals, vals.size - n)[vals.size - n]
        mask |= sel & (mag >= max(t, 1e-12))
    return px * mask, py * mask


def _clean(k: np.ndarray) -> np.ndarray:
    """Non-negative, small values dropped, the largest blob kept, centred on its centroid, sum 1."""
    import cv2

    k = np.maximum(k, 0.0)
    if k.max() <= 0:
        return k
    k[k < k.max() * DROP] = 0.0
    n, lab = cv2.connectedComponents((k > 0).astype(np.uint8), connectivity=8)
    if n > 2:
        sums = [k[lab == i].sum() for i in range(1, n)]
        k = np.where(lab == 1 + int(np.argmax(sums)), k, 0.0)
    return centre(k / k.sum())


def centre(k: np.ndarray) -> np.ndarray:
    """The kernel moved (sub-pixel, bilinear) so its centroid is the middle pixel: deconvolving
    with it then keeps the photo where it was."""
    import cv2

    h, w = k.shape
    yy, xx = np.mgrid[0:h, 0:w]
    cy, cx = (k * yy).sum() / k.sum(), (k * xx).sum() / k.sum()
    m = np.float32([[1, 0, w // 2 - cx], [0, 1, h // 2 - cy]])
    out = cv2.warpAffine(k.astype(np.float64), m, (w, h), flags=cv2.INTER_LINEAR, borderValue=0.0)
    return out / max(out.sum(), 1e-12)


def _blurred_gradients(b: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(window, rfft2 of the windowed x and y gradients of ``b``): what every kernel update of
    one crop at one scale shares (``_kernel_step``)."""
    win = _window(b.shape, 2 * size)
    bx, by = _grads(b)
    return win, np.fft.rfft2(bx * win), np.fft.rfft2(by * win)


def _kernel_step(p: np.ndarray, b: np.ndarray, size: int, keep: int, *, blurred: tuple | None = None) -> np.ndarray:
    """One kernel update from the predicted edges ``p`` and the blurred crop ``b``: gradients
    weighted by a window that is zero a kernel's width from the borders (the FFT's wrap).
    ``blurred``: ``_blurred_gradients(b, size)``, when the caller has it."""
    win, fbx, fby = blurred if blurred is not None else _blurred_gradients(b, size)
    px, py = _grads(p)
    px, py = _select(px * win, py * win, keep)
    shape = b.shape
    fpx, fpy = np.fft.rfft2(px), np.fft.rfft2(py)
    num = np.conj(fpx) * fbx + np.conj(fpy) * fby
    den = np.abs(fpx) ** 2 + np.abs(fpy) ** 2
    k = np.fft.irfft2(num / (den + BETA * den.mean()), s=shape)
    k = np.fft.fftshift(k)
    cy, cx = shape[0] // 2, shape[1] // 2
    r = size // 2
    return _clean(k[cy - r:cy + r + 1, cx - r:cx + r + 1].copy())


def estimate_on(crop: np.ndarray, size: int) -> np.ndarray:
    """The shake kernel (``size`` x ``size``, odd) of one crop of linear luminance."""
    import cv2

    scales = max(1, int(math.ceil(math.log2(size / 5.0))) + 1)
    k = None
    for s in range(scales - 1, -1, -1):
        f = 2 ** s
        b = cv2.resize(crop, (max(16, crop.shape[1] // f), max(16, crop.shape[0] // f)),
                       interpolation=cv2.INTER_AREA).astype(np.float64) if f > 1 else crop.astype(np.float64)
        ks = max(3, (size // f) | 1)
        b = _taper_edges(b, max(4, ks))
        if k is None:
            k = np.zeros((ks, ks))
            k[ks // 2, ks // 2] = 1.0
        else:
            k = _clean(_upscale(k, ks))
        latent = b
        spectra = (np.fft.rfft2(b), _laplace_spectrum(b.shape))  # the same for every round at this scale
        blurred = _blurred_gradients(b, ks)
        for it in range(ITERS):
            latent = wiener(b, k, spectra=spectra) if it or s < scales - 1 else b
            keep = int(min(b.size, max(4 * ks * ks, 0.02 * b.size) * (1.0 + 0.3 * it)))
            k = _kernel_step(_predict(latent), b, ks, keep, blurred=blurred)
    return k


def _upscale(k: np.ndarray, size: int) -> np.ndarray:
    """The kernel at twice the resolution, centre kept, on a ``size`` x ``size`` grid."""
    import cv2

    c0, c1 = k.shape[0] // 2, size // 2
    m = np.float32([[2, 0, c1 - 2 * c0 + 0.5], [0, 2, c1 - 2 * c0 + 0.5]])
    return cv2.warpAffine(k.astype(np.float64), m, (size, size), flags=cv2.INTER_LINEAR, borderValue=0.0)


def _align_corr(a: np.ndarray, b: np.ndarray, shift: int = 2) -> tuple[float, np.ndarray]:
    best, best_b = -1.0, b
    na = np.linalg.norm(a)
    for dy in range(-shift, shift + 1):
        for dx in range(-shift, shift + 1):
            s = np.roll(b, (dy, dx), axis=(0, 1))
            c = float((a * s).sum() / (na * np.linalg.norm(s) + 1e-12))
            if c > best:
                best, best_b = c, s
    return best, best_b


def pick_crops(y: np.ndarray, size: int, count: int = 2) -> list[tuple[int, int]]:
    """Top-left corners of ``count`` non-overlapping crops with the most strong, unclipped edges."""
    import cv2

    h, w = y.shape
    f = max(1, int(max(h, w) // 256))
    small = cv2.resize(y.astype(np.float32), (max(1, w // f), max(1, h // f)), interpolation=cv2.INTER_AREA)
    gx, gy = _grads(small.astype(np.float64))
    edge = np.hypot(gx, gy) * (small < 0.95)
    cs = max(1, size // f)
    score = cv2.boxFilter(edge, -1, (cs, cs), normalize=False, anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
    score = score[: max(1, small.shape[0] - cs + 1), : max(1, small.shape[1] - cs + 1)].copy()
    out = []
    for _ in range(count):
        i = int(np.argmax(score))
        r, c = divmod(i, score.shape[1])
        out.append((min(r * f, max(0, h - size)), min(c * f, max(0, w - size))))
        half = max(1, cs // 2)  # crops may overlap by up to half their side
        score[max(0, r - half):r + half, max(0, c - half):c + half] = -1.0
        if score.max() < 0:
            break
    return out


def estimate_shake(y: np.ndarray, size: int) -> tuple[np.ndarray | None, str]:
    """The camera-shake kernel of a photo's linear luminance (H, W), or None, and why."""
    h, w = y.shape
    crop = min(CROP, max(4 * size, min(h, w) // 2), h, w)
    if crop < 4 * size:
        return None, f"{NOT_DONE} estimated: the photo is too small for a {size}-px kernel"
    corners = pick_crops(y, crop, 2)
    if len(corners) < 2:
        return None, f"{NOT_DONE} estimated: too few edges to estimate a kernel from"
    return estimate_from_crops([y[r:r + crop, c:c + crop] for r, c in corners], size)


def estimate_from_crops(crops: list[np.ndarray], size: int) -> tuple[np.ndarray | None, str]:
    """The shake kernel of two linear-luminance crops from far apart in one photo (each at
    least 4 ``size`` a side), trusted only where their kernels agree and deconvolving them
    with it does not ring; else None, and why."""
    crops = [b.astype(np.float64) / (float(np.percentile(b, 99.5)) or 1.0) for b in crops[:2]]
    kernels = [estimate_on(b, size) for b in crops]
    corr, k2 = _align_corr(kernels[0], kernels[1])
    if corr < AGREE:
        return None, (f"{NOT_DONE} corrected: the kernels estimated on two parts of the photo disagree "
                      f"(correlation {corr:.2f} < {AGREE}), so the blur is not one shake the photo can be undone by")
    k = _clean(0.5 * (kernels[0] + k2))
    ring = max(overshoot(b, k) for b in crops)
    if ring > MAX_OVERSHOOT:
        return None, (f"{NOT_DONE} corrected: deconvolving with the estimated kernel overshoots the "
                      f"neighbourhood by {ring:.2f} of its range (> {MAX_OVERSHOOT}): the kernel is not reliable")
    return k, (f"camera shake corrected with a kernel estimated from the photo (sigma {kernel_sigma(k):.1f} px; "
               f"two crops agree {corr:.2f}, overshoot {ring:.2f})")


def overshoot(b: np.ndarray, k: np.ndarray) -> float:
    """How far the linear deconvolution of crop ``b`` by ``k`` leaves the input's local range
    (mean excess / mean range, away from the crop's borders): a too-large or wrong kernel rings
    (synthetic shake: true kernels 0.02-0.08, kernels 1.5x too large 0.13-0.33)."""
    import cv2

    d = wiener(_taper_edges(b, k.shape[0]), k, OVERSHOOT_LAM)
    g = max(1, int(math.ceil(2 * kernel_sigma(k))))
    se = cv2.getStructuringElement(cv2.MORPH_RECT, (2 * g + 1, 2 * g + 1))
    lo = cv2.erode(b.astype(np.float32), se, borderType=cv2.BORDER_REPLICATE)
    hi = cv2.dilate(b.astype(np.float32), se, borderType=cv2.BORDER_REPLICATE)
    m = k.shape[0]
    sl = (slice(m, -m), slice(m, -m))
    excess = np.abs(d - np.clip(d, lo, hi))[sl]
    return float(excess.mean() / max(float((hi - lo)[sl].mean()), 1e-9))


def kernel_sigma(k: np.ndarray) -> float:
    """Gaussian-equivalent sigma of a kernel: sqrt of its mean variance along x and y."""
    h, w = k.shape
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    s = k.sum()
    my, mx = (k * yy).sum() / s, (k * xx).sum() / s
    return float(math.sqrt(0.5 * ((k * (yy - my) ** 2).sum() + (k * (xx - mx) ** 2).sum()) / s))
