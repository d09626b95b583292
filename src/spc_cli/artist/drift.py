"""How far an editor moved the picture: global shift and local flow between two proxies.

A diffusion editor may shift, rescale or redraw parts of the photo. spc never uses the
edited pixels, only a smooth colour map fitted between the input proxy and the edited one
(``diffusion.transfer_edit``); where the editor moved things, a map fitted cell by cell
would paint the moved content's colours onto the wrong place. So the drift is measured on
the proxy first:

- the global shift by phase correlation (robust to a change of brightness or colour);
- the local motion by dense optical flow (Farneback) between the two images after each is
  histogram-equalised (so a tone change is not read as motion): its 90th percentile.

Both are expressed as a fraction of the proxy's long edge, so one threshold holds at any
working size. Above the threshold the transfer keeps to global tone and colour (one gain
and offset per channel for the whole photo) and the sidecar says so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..colour import linear_to_srgb


@dataclass(frozen=True)
class DriftSettings:
    """``max_shift``: global shift allowed, as a fraction of the long edge (0.5%: 5 px at 1 MP);
    ``max_flow``: 90th-percentile local motion allowed, same unit (1%)."""

    max_shift: float = 0.005
    max_flow: float = 0.01


@dataclass(frozen=True)
class Drift:
    shift_px: float  # global shift, proxy pixels
    flow_px: float  # 90th-percentile local motion, proxy pixels
    long_edge: int

    @property
    def shift(self) -> float:
        return self.shift_px / self.long_edge

    @property
    def flow(self) -> float:
        return self.flow_px / self.long_edge

    def too_large(self, settings: DriftSettings = DriftSettings()) -> bool:
        return self.shift > settings.max_shift or self.flow > settings.max_flow

    def describe(self) -> str:
        return (f"geometric drift of the edit: shift {self.shift_px:.1f} px, local motion (90th percentile) "
                f"{self.flow_px:.1f} px on a {self.long_edge}-px proxy")


def _grey(image: torch.Tensor) -> np.ndarray:
    """(3, h, w) linear -> 8-bit histogram-equalised sRGB luminance."""
    import cv2

    srgb = linear_to_srgb(image.float().clamp(0.0, 1.0))
    y = (0.2126 * srgb[0] + 0.7152 * srgb[1] + 0.0722 * srgb[2]).cpu().numpy()
    return cv2.equalizeHist((y * 255.0 + 0.5).clip(0, 255).astype(np.uint8))


def measure_drift(source: torch.Tensor, edited: torch.Tensor) -> Drift:
    """The drift from ``source`` to ``edited`` (both (3, h, w) linear; ``edited`` is resized to
    ``source``'s size first)."""
    import cv2

    from ..crafter.proxy import resize

    edited = resize(edited, tuple(source.shape[-2:]))
    a, b = _grey(source), _grey(edited)
    h, w = a.shape
    if min(h, w) < 8:
        return Drift(0.0, 0.0, max(h, w))
    window = cv2.createHanningWindow((w, h), cv2.CV_32F)
    (dx, dy), _ = cv2.phaseCorrelate(a.astype(np.float32), b.astype(np.float32), window)
    flow = cv2.calcOpticalFlowFarneback(a, b, None, 0.5, 3, max(7, min(h, w) // 16 | 1), 3, 5, 1.2, 0)
    magnitude = np.hypot(flow[..., 0], flow[..., 1])
    return Drift(float(np.hypot(dx, dy)), float(np.percentile(magnitude, 90)), max(h, w))
