"""Tiling: run ops over bands of rows, in place, so memory stays bounded at any resolution.

A band is a run of full-width rows of the whole (B, 3, H, W) batch. Per-pixel stages see
each band once; an op that reads neighbours gets ``halo`` extra rows on each side and only
its centre rows are written back, so the result equals processing the whole image (tests
check 1e-5). Whole-image statistics are never computed per band: ops that need them are
prepared once on the whole image before streaming (``OpSpec.prepare``).
"""

from __future__ import annotations

from collections.abc import Callable

import torch

Stage = Callable[[torch.Tensor, int], torch.Tensor]  # (band, first row of the band) -> band


def band_rows(batch: torch.Tensor, halo: int, band_pixels: int) -> int:
    """Rows per band: about ``band_pixels`` pixels per band, at least 4 halos, a multiple of
    8 (so bands start on rows where half- and quarter-resolution grids line up)."""
    b, _, h, w = batch.shape
    rows = max(4 * halo, 16, band_pixels // max(1, b * w))
    return (rows + 7) // 8 * 8


def stream(batch: torch.Tensor, stages: list[Stage], band_pixels: int) -> torch.Tensor:
    """Run per-pixel stages over bands of rows, in place; returns the result, which is ``batch``
    unless one band covers it all (then the last stage's output, not copied back)."""
    h = batch.shape[-2]
    rows = band_rows(batch, 0, band_pixels)
    if rows >= h:
        x = batch
        for stage in stages:
            x = stage(x, 0)
        return x
    for y0 in range(0, h, rows):
        y1 = min(h, y0 + rows)
        view = batch[..., y0:y1, :]
        x = view
        for stage in stages:
            x = stage(x, y0)
        if x is not view:
            view.copy_(x)
    return batch


def stream_halo(batch: torch.Tensor, fn: Callable[[torch.Tensor], torch.Tensor], halo: int,
                 band_pixels: int) -> torch.Tensor:
    """Run a neighbourhood op over overlapping bands, in place; equal to running it whole.
    Returns the result: ``batch``, or the op's output when one band covers it all."""
    h = batch.shape[-2]
    rows = max(band_rows(batch, halo, band_pixels), halo)
    if rows >= h:  # one band: the whole image, no halo rows to stitch
        return fn(batch)
    carry = batch[..., 0:0, :].clone()  # input rows just above the current band
    for y0 in range(0, h, rows):
        y1 = min(h, y0 + rows)
        bot = min(h, y1 + halo)
        start = carry.shape[-2]
        x = torch.cat([carry, batch[..., y0:bot, :]], dim=-2)
        out = fn(x)
        carry = batch[..., max(0, y1 - halo):y1, :].clone()
        batch[..., y0:y1, :] = out[..., start:start + (y1 - y0), :]
    return batch
