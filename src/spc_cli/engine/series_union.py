"""What the camera would have chosen for everything a series' frames show together.

A camera's auto exposure and auto white balance read the framing: a framing holding more of a
dark subject is exposed brighter, one holding more of a blue sky rendered warmer. The frames of
a series differ by that reaction (``series_pool`` measures how they differ, exactly, on their
overlaps), and they share its bias: frames that all hold the same centre all lean the same way,
so the typical frame's rendering is no nearer the scene than its framing lets it be.

The union of the registered frames shows more of the scene than any one of them. Here the frames
are placed on one canvas (the homographies of their registrations, chained from one frame), each
brought to the series' common rendering (its offset removed), and the camera's reaction to
framing is read from the frames themselves: how far their offsets follow their own content,

- exposure: a centre-weighted mean log luminance (the family of meters cameras use: an average
  and centre weightings of three widths, the one that explains the offsets best), and
- colour: the log chroma of the mean colour (grey world: an auto white balance pulled by what
  the framing holds),

each a least-squares slope between none and a full reaction (-1..0). Where the framing explains
at least ``MIN_EXPLAINED`` of the offsets' variance (that camera reacts to framing and this
model sees how; offsets drawn at random pass in about 15% of 6-frame series, and then move the
result by the little a slope fitted to noise predicts), each frame's reaction relative to the
union is ``slope x (frame - union)``:
``series_pool`` takes it out of the frame's vote, so that the series is rendered as the camera
would have rendered the union. Where it explains less (a manual exposure, a white balance preset,
a camera whose metering this model does not see, too few frames), nothing is taken out and the
series is rendered as its most typical frame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..colour import LUMA

GRID = 12  # a frame's record keeps GRID x GRID cells of its small picture
CANVAS = 64  # cells on the long side of the union's canvas
METERS = (0.0, 0.2, 0.3, 0.5)  # centre weightings: 0 = a plain average, else the Gaussian's width (a share of the view)
MIN_EXPLAINED = 0.3  # share of the offsets' variance the framing must explain (chosen on training series)
MIN_FRAMES = 4  # a slope needs this many placed frames


def grid_of(colour: np.ndarray) -> np.ndarray:
    """(GRID, GRID, 4): per cell, the mean log luminance and the mean linear R, G, B of a (3, h, w)
    linear picture (means of the pixels, so that cells add up exactly over any region)."""
    import cv2

    y = np.tensordot(np.asarray(LUMA, dtype=np.float32), colour, axes=1)
    planes = [np.log(np.maximum(y, 1e-4))] + list(colour)
    return np.stack([cv2.resize(p.astype(np.float32), (GRID, GRID), interpolation=cv2.INTER_AREA)
                     for p in planes], axis=-1)


@dataclass
class View:
    """One frame as the union sees it: its grid, its small picture's size (h, w) and its
    homography into the reference frame's picture (None: not placed)."""

    grid: np.ndarray | None
    shape: tuple[int, int]
    to_ref: np.ndarray | None = None


def place(n: int, homs: dict[tuple[int, int], np.ndarray], ref: int) -> list[np.ndarray | None]:
    """Each frame's homography into frame ``ref``'s picture, chained along registrations
    (``homs[(i, j)]`` maps frame j's picture into frame i's); None for frames not reached."""
    near: dict[int, list[tuple[int, np.ndarray]]] = {}
    for (i, j), h in homs.items():
        try:
            back = np.linalg.inv(h)
        except np.linalg.LinAlgError:
            continue
        near.setdefault(i, []).append((j, h))
        near.setdefault(j, []).append((i, back))
    out: list[np.ndarray | None] = [None] * n
    out[ref] = np.eye(3)
    todo = [ref]
    while todo:
        a = todo.pop()
        for far, hom in near.get(a, []):
            if out[far] is None:
                out[far] = out[a] @ hom
                todo.append(far)
    return out


def _cells(shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Cell centres of a frame's grid in its picture's pixels (x, y), row-major."""
    h, w = shape
    c = (np.arange(GRID) + 0.5) / GRID
    return np.meshgrid(c * w, c * h)


def _weights(x: np.ndarray, y: np.ndarray, sigma: float) -> np.ndarray:
    """Centre weights at normalised positions (0..1 across the view)."""
    if sigma <= 0:
        return np.ones_like(x)
    return np.exp(-(((x - 0.5) / sigma) ** 2 + ((y - 0.5) / sigma) ** 2))


def _features(loglum: np.ndarray, rgb: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """[meter per METERS..., log chroma R, G, B (mean removed)] of cells at normalised x, y."""
    meters = []
    for s in METERS:
        w = _weights(x, y, s)
        meters.append(float((loglum * w).sum() / max(w.sum(), 1e-12)))
    mean = np.log(np.maximum(rgb.reshape(-1, 3).mean(axis=0), 1e-6))
    return np.concatenate([meters, mean - mean.mean()])


def features(views: list[View], offsets: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(per placed frame, for the union) features in the series' common rendering: rows of
    ``_features`` (NaN for frames not placed), or None when fewer than ``MIN_FRAMES`` are placed."""
    placed = [k for k, v in enumerate(views) if v.to_ref is not None and v.grid is not None]
    if len(placed) < MIN_FRAMES:
        return None
    common = []  # each frame's grid with its offset removed
    for v, off in zip(views, offsets):
        if v.grid is None:
            common.append(None)
            continue
        g = v.grid.copy()
        g[..., 0] -= math.log(float(np.dot(LUMA, np.exp(off))))
        g[..., 1:] /= np.exp(off)
        common.append(g)
    rows = np.full((len(views), len(METERS) + 3), np.nan)
    for k in placed:
        gx, gy = _cells(views[k].shape)
        rows[k] = _features(common[k][..., 0], common[k][..., 1:], gx / views[k].shape[1], gy / views[k].shape[0])
    # the union on a canvas over the frames' outlines in the reference picture
    outlines = []
    for k in placed:
        h, w = views[k].shape
        c = np.array([[0, 0, 1], [w, 0, 1], [w, h, 1], [0, h, 1]], dtype=np.float64) @ views[k].to_ref.T
        outlines.append(c[:, :2] / c[:, 2:])
    pts = np.concatenate(outlines)
    (x0, y0), (x1, y1) = pts.min(axis=0), pts.max(axis=0)
    if not (x1 > x0 and y1 > y0):
        return None
    scale = CANVAS / max(x1 - x0, y1 - y0)
    cw, ch = max(2, round((x1 - x0) * scale)), max(2, round((y1 - y0) * scale))
    ux, uy = np.meshgrid((np.arange(cw) + 0.5) / cw, (np.arange(ch) + 0.5) / ch)
    p = np.stack([x0 + ux.ravel() * (x1 - x0), y0 + uy.ravel() * (y1 - y0), np.ones(ux.size)])
    total = np.zeros((ux.size, 4))
    count = np.zeros(ux.size)
    for k in placed:
        q = np.linalg.inv(views[k].to_ref) @ p
        ok = q[2] > 0
        qx, qy = q[0] / np.where(ok, q[2], 1), q[1] / np.where(ok, q[2], 1)
        h, w = views[k].shape
        ok &= (qx >= 0) & (qx < w) & (qy >= 0) & (qy < h)
        cx = np.clip((qx / w * GRID).astype(int), 0, GRID - 1)
        cy = np.clip((qy / h * GRID).astype(int), 0, GRID - 1)
        total[ok] += common[k][cy[ok], cx[ok]]
        count[ok] += 1
    seen = count > 0
    mean = total[seen] / count[seen, None]
    union = _features(mean[:, 0], mean[:, 1:], ux.ravel()[seen], uy.ravel()[seen])
    return rows, union


def _slope(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """(least-squares slope of y on x clamped to -1..0, share of y's variance it explains)."""
    xc, yc = x - x.mean(), y - y.mean()
    sxx, syy = float((xc * xc).sum()), float((yc * yc).sum())
    if sxx <= 1e-12 or syy <= 1e-12:
        return 0.0, 0.0
    b = min(0.0, max(-1.0, float((xc * yc).sum()) / sxx))
    return b, 1.0 - float(((yc - b * xc) ** 2).sum()) / syy


def reaction(views: list[View], offsets: np.ndarray) -> np.ndarray:
    """(n, 3) log gains: how far each frame's rendering moved with its framing, relative to what
    the camera would have chosen for the union (0 where the model does not explain the offsets)."""
    n = len(views)
    out = np.zeros((n, 3))
    got = features(views, offsets)
    if got is None:
        return out
    rows, union = got
    k = np.flatnonzero(~np.isnan(rows[:, 0]))
    ev = offsets[k].mean(axis=1)  # the exposure part, as series_pool splits it
    best = None
    for m in range(len(METERS)):
        b, r2 = _slope(rows[k, m], ev)
        if best is None or r2 > best[1]:
            best = (b, r2, m)
    b, r2, m = best
    if r2 >= MIN_EXPLAINED and b < 0:
        out[k] += (b * (rows[k, m] - union[m]))[:, None]
    chroma = rows[k][:, len(METERS):]
    colour = offsets[k] - offsets[k].mean(axis=1, keepdims=True)
    # one slope for the chroma axes, each centred on its own mean
    bc, r2c = _slope((chroma - chroma.mean(axis=0)).ravel(), (colour - colour.mean(axis=0)).ravel())
    if r2c >= MIN_EXPLAINED and bc < 0:
        out[k] += bc * (chroma - union[len(METERS):])
    return out
