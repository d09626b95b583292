"""The full-resolution pass of a photo's analysis proxy, from its 8-bit codes, without torch.

A critic measures a small area-downscaled copy of the photo in linear light (``Photo.proxy``).
Its one costly part, a pass over every pixel, is the integer-factor area average done here in
numpy and OpenCV; ``colour.from_pooled`` finishes it (a small resize) in torch. Imports no torch,
so the engine's first photos are pooled while torch itself is still being imported
(``engine.jobs.EarlyReads``).
"""

from __future__ import annotations

import math

import numpy as np

PROXY_EDGE = 512  # the long edge of the proxy the analytic critic measures (and the learned one through it)


def area_plan(h: int, w: int, long_edge: int) -> tuple[int, int, int] | None:
    """(integer pre-pool factor, target height, target width), or None when no downscale."""
    scale = long_edge / max(h, w)
    if scale >= 1.0:
        return None
    return max(1, int(math.floor(1.0 / scale))), max(1, round(h * scale)), max(1, round(w * scale))


def pool_codes(codes: np.ndarray, table, long_edge: int, band: int = 512,
               spare=None) -> tuple[np.ndarray, tuple[int, int]]:
    """``(means, (th, tw))``: the k x k means (``area_plan``'s whole factor k) of the linear image
    that (H, W, 3) uint8 ``codes`` decode to through the 256-entry float ``table``, as (h, w, 3)
    float32, and the proxy's size, to which ``colour.from_pooled`` resizes them. No float image:
    the codes go through a 16-bit table (1/65535 steps of linear light) into OpenCV's area resize
    a band of rows at a time (about ``band`` rows, whole windows: the same result for any band).
    The CPU time hardly depends on the band (24 MP: 47-51 ms for 64 to 1024 rows), but each band
    takes Python's lock again after OpenCV, which costs up to a switch interval (5 ms) while
    another thread imports torch: 512 rows, 8 bands at 24 MP (with 64 rows, six photos read and
    pooled beside the import took 1.6 s instead of 1.35 s). ``spare``: threads that may pool
    some of the bands (``sharing.each``; the same result). Without a downscale, the linear image
    itself."""
    from .sharing import each

    h, w = codes.shape[:2]
    table16 = np.round(np.clip(np.asarray(table, np.float64), 0.0, 1.0) * 65535.0).astype(np.uint16)
    plan = area_plan(h, w, long_edge)
    if plan is None:
        return table16.astype(np.float32)[codes] / 65535.0, (h, w)
    k, th, tw = plan
    step = max(1, band // k) * k
    small = np.empty((-(-h // k), -(-w // k), 3), np.float32)

    def pool(i: int) -> None:
        y = i * step
        small[y // k:(min(h, y + step) + k - 1) // k] = _pool_band(codes[y:min(h, y + step)], table16, k)

    each(pool, -(-h // step), spare)
    return small, (th, tw)


def _pool_band(codes: np.ndarray, table16: np.ndarray, k: int) -> np.ndarray:
    """k x k means of the linear values of (h, W, 3) uint8 ``codes`` (``table16``: code -> linear x 65535,
    uint16), the partial windows at the bottom and right edges averaged over the pixels they have,
    as (oh, ow, 3) float32: the whole windows by OpenCV's integer-factor area resize on 16-bit values
    (multithreaded, half the memory traffic of float), the edges in numpy."""
    import cv2

    h, w = codes.shape[:2]
    hq, hr = divmod(h, k)
    wq, wr = divmod(w, k)
    out = np.empty((hq + (hr > 0), wq + (wr > 0), 3), np.float32)
    if hq and wq:
        lin = cv2.LUT(codes[: hq * k, : wq * k], table16)
        out[:hq, :wq] = cv2.resize(lin, (wq, hq), interpolation=cv2.INTER_AREA)
        out[:hq, :wq] *= 1.0 / 65535.0
    f = table16.astype(np.float32) / 65535.0
    if wr and hq:
        out[:hq, -1] = f[codes[: hq * k, wq * k:]].reshape(hq, k, wr, 3).mean((1, 2))
    if hr and wq:
        out[-1, :wq] = f[codes[hq * k:, : wq * k]].reshape(hr, wq, k, 3).mean((0, 2))
    if hr and wr:
        out[-1, -1] = f[codes[hq * k:, wq * k:]].reshape(-1, 3).mean(0)
    return out
