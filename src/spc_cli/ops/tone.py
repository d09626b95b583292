"""Highlights and shadows: a luminance gain map from an edge-aware base layer, no halos.

The base layer is the log2 luminance smoothed by a guided filter (self-guided, so it keeps
edges): computed on a downscaled copy, its linear coefficients are upsampled and applied
with the full-resolution log luminance as the guide (guided upsampling). The gain depends
only on the base, so fine detail and local contrast ride through unchanged, and the same
gain multiplies R, G and B, so hue and saturation ratios are kept.

``compress`` is local tone mapping for a gain that pushed bright regions past white (a night
photo brightened for its shadows): the base layer above the knee (half of white) is
compressed in stops, smoothly (slope 1 at the knee), so that the image's brightest base just
reaches white; regions below the knee keep the gain they were given, and the detail riding
on the base keeps its local contrast, so lit facades keep their texture and their order of
brightness instead of burning to a flat white. A photo whose base stays below white is left
as it is.
"""

from __future__ import annotations

import math

import torch

from ._util import any_active, luma, per_image, smoothstep, times_gain
from .filters import downscale, factor_for, guided_coeffs, rows_from_cols, upsample_cols

MID_LOG = math.log2(0.18)  # mid-grey, linear 18 %
SHADOW_SPAN = 4.5  # stops below mid-grey where the shadow weight reaches 1
HIGHLIGHT_SPAN = -MID_LOG  # stops above mid-grey where the highlight weight reaches 1 (linear 1.0)
SHADOW_STOPS = 2.0  # shadows = 1 lifts the deepest shadows by this many stops
HIGHLIGHT_STOPS = 1.5  # highlights = -1 pulls the brightest areas down by this many stops
LOW_RES = 384  # long edge of the grid the base layer is computed on
EPS_LOG = 0.25  # guided-filter epsilon in squared stops: edges stronger than ~0.5 stop are kept
KNEE_LOG = -1.0  # compress: base levels above half of white are compressed ...
TOP_Q = 0.999  # ... so that this quantile of the base lands ...
WHITE_LOG = -0.15  # ... this far under white (0.9), leaving the detail riding on it room
_FLOOR = 1e-4


def prepare_tone(image: torch.Tensor, **_: object) -> dict:
    """Low-resolution guided-filter coefficients of the base layer, for the whole image."""
    h, w = image.shape[-2:]
    factor = factor_for(h, w, LOW_RES)
    small = downscale(image, factor)
    log_y = torch.log2(luma(small).clamp(min=_FLOOR))
    r = max(2, round(max(small.shape[-2:]) / 48))
    a, b = guided_coeffs(log_y, log_y, r, EPS_LOG)
    base = (a * log_y + b).reshape(a.shape[0], -1)
    top = torch.quantile(base[:, ::max(1, base.shape[1] // 65536)], TOP_Q, dim=1).view(-1, 1, 1, 1)
    return {"cols": upsample_cols(torch.cat([a, b], dim=1), factor, w), "factor": factor, "top": top}


def compress_stops(base: torch.Tensor, top: torch.Tensor) -> torch.Tensor:
    """Stops (<= 0) that bring base levels above KNEE_LOG under white, the level ``top`` exactly
    onto WHITE_LOG: d -> d / (1 + c d) above the knee (slope 1 there, concave), c = (D - E) / (D E)."""
    span = WHITE_LOG - KNEE_LOG  # E: stops from the knee to where the top goes
    over = (top - KNEE_LOG).clamp(min=span)  # D: stops from the knee to the top (at least E)
    c = (over - span) / (over * span)
    d = (base - KNEE_LOG).clamp(min=0.0)
    return d / (1.0 + c * d) - d


def adjust_tone(image: torch.Tensor, highlights: float | torch.Tensor = 0.0,
                shadows: float | torch.Tensor = 0.0, compress: float | torch.Tensor = 0.0, *,
                context: dict | None = None, row0: int = 0) -> torch.Tensor:
    """Lift or deepen shadows and recover or lift highlights by a smooth, edge-aware gain.

    ``shadows = 1`` lifts regions 4.5+ stops below mid-grey by 2 stops (less nearer
    mid-grey, nothing above it); ``highlights = -1`` pulls regions at linear 1.0 down by
    1.5 stops (nothing below mid-grey); ``compress = 1`` brings regions an earlier gain pushed
    past white back under it (local tone mapping, see above). Mid-tones are untouched; 0 is
    an exact identity.
    ``context``/``row0`` let a tiled caller pass coefficients prepared on the whole image
    (``prepare_tone``) and the band's first row.

    >>> img = torch.full((1, 3, 8, 8), 0.01)
    >>> bool(adjust_tone(img, shadows=0.5).mean() > 0.01)
    True
    """
    if not any_active(highlights, shadows, compress):
        return image
    if context is None:
        context = prepare_tone(image)
    hl = per_image(highlights, image).float()
    sh = per_image(shadows, image).float()
    coeffs = rows_from_cols(context["cols"], context["factor"], row0, image.shape[-2])
    log_y = torch.log2(luma(image).float().clamp_(min=_FLOOR))
    base = torch.addcmul(coeffs[:, 1:2], coeffs[:, 0:1], log_y)
    parts = []
    if any_active(shadows):  # each part only where it is asked for: a third of the cost each
        parts.append((SHADOW_STOPS * sh) * smoothstep((MID_LOG - base) / SHADOW_SPAN))
    if any_active(highlights):
        parts.append((HIGHLIGHT_STOPS * hl) * smoothstep((base - MID_LOG) / HIGHLIGHT_SPAN))
    if any_active(compress):
        parts.append(per_image(compress, image).float() * compress_stops(base, context["top"]))
    stops = parts[0]
    for part in parts[1:]:
        stops = stops.add_(part)
    return times_gain(image, torch.exp2_(stops).to(image.dtype))
