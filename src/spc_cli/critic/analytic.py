"""The default critic: measured, explainable, no model download.

    measure (measure.py)  ->  judge (judge.py)  ->  advise (advise.py)
    numbers on a proxy        findings with          plan, score, summary
    and full-res tiles        severity/confidence

    >>> from spc_cli.critic.analytic import AnalyticCritic
    >>> critique = AnalyticCritic().critique([photo])[0]        # doctest: +SKIP
    >>> critique.score, critique.summary, critique.plan.to_list()  # doctest: +SKIP
"""

from __future__ import annotations

from typing import Any

import torch

from ..colour import area_downscale, linear_to_srgb, rgb_to_oklab
from ..photo import Photo
from ..pooling import PROXY_EDGE
from . import measure as M
from . import measure_detail as D
from .advise import plan_for, score_for, summary_for
from .base import Critique
from .judge import PRESENT, judge


PIXEL_SCALE = ("noise.", "sharpness.")  # measurements read on full-resolution tiles


class AnalyticCritic:
    """Measures each photo, decides what is deficient with calibrated thresholds, suggests edits.

    Options: ``proxy`` (long edge of the analysis proxy, default 512), ``tiles`` (number of
    full-resolution tiles for noise and sharpness, default 6), ``tile_size`` (default 192),
    ``present`` (severity from which a finding is reported and planned, default 0.3).
    """

    name = "analytic"
    version = "1"

    def __init__(self, **options: Any) -> None:
        known = {"proxy", "tiles", "tile_size", "present"}
        unknown = set(options) - known
        if unknown:
            raise TypeError(f"AnalyticCritic: unknown option(s) {sorted(unknown)}; known: {sorted(known)}")
        self.proxy = int(options.get("proxy", PROXY_EDGE))
        self.tiles = int(options.get("tiles", 6))
        self.tile_size = int(options.get("tile_size", 192))
        self.present = float(options.get("present", PRESENT))

    def measure(self, photo: Photo, pixel_scale: dict[str, float] | None = None) -> dict[str, float]:
        """Every measurement, flat, prefixed by what it measures ("exposure.key", ...).

        ``pixel_scale``: noise and sharpness measurements to use instead of reading them on
        ``photo`` (see ``critique_proxy``)."""
        with torch.no_grad():
            proxy = photo.proxy(self.proxy).float()  # the one full-resolution pass, all threads
            threads = torch.get_num_threads()
            torch.set_num_threads(1)  # the rest is small tensors: threading costs more than it gives
            try:
                return self._measure(photo, proxy, pixel_scale)
            finally:
                torch.set_num_threads(threads)

    def _measure(self, photo: Photo, proxy: torch.Tensor,
                 pixel_scale: dict[str, float] | None = None) -> dict[str, float]:
        out: dict[str, float] = {}
        # histogram and colour statistics need no more than ~256 px on the long edge
        small = area_downscale(proxy, 256)
        lab = rgb_to_oklab(small)
        enc = linear_to_srgb(small)
        out.update({f"exposure.{k}": v for k, v in M.measure_exposure(small).items()})
        # the scene's light as recorded (a raw file, a linear encoding), not a display rendering
        out["exposure.scene_linear"] = float(photo.meta.format == "raw" or photo.meta.colour_space == "linear")
        out.update({f"white_balance.{k}": v for k, v in M.measure_white_balance(small, lab).items()})
        out.update({f"contrast.{k}": v for k, v in M.measure_contrast(small, lab, enc, fine=proxy).items()})
        out.update({f"saturation.{k}": v for k, v in M.measure_saturation(small, lab, enc).items()})
        out.update({f"haze.{k}": v for k, v in M.measure_haze(small, enc=enc).items()})
        if pixel_scale is not None:
            out.update(pixel_scale)
        else:
            # noise and sharpness vanish under downscaling: a few full-resolution tiles
            cells = D.tile_cells((photo.height, photo.width), small, self.tile_size, self.tiles)
            regions = [photo.region(y0, x0, s, s) for y0, x0, s in cells]
            tiles = D.encode_tiles(regions)
            noise = D.measure_noise(tiles)
            out.update({f"noise.{k}": v for k, v in noise.items()})
            sharp = D.measure_sharpness(tiles, noise["luma_sigma"])
            if D.shake_candidate(sharp):
                sharp["shake_sigma"] = D.shake_sigma(regions[:2], sharp["blur_px_max"])
            out.update({f"sharpness.{k}": v for k, v in sharp.items()})
        out["image.megapixels"] = photo.width * photo.height / 1e6
        return out

    def critique_one(self, photo: Photo, pixel_scale: dict[str, float] | None = None) -> Critique:
        m = self.measure(photo, pixel_scale)
        allf = judge(m, photo.meta)
        findings = [f for f in allf if f.severity >= self.present]
        findings.sort(key=lambda f: -f.severity * (0.5 + 0.5 * f.confidence))
        plan = plan_for(findings, m)
        return Critique(score=score_for(allf), summary=summary_for(findings, allf, plan, m),
                        findings=findings, plan=plan, measurements=m)

    def critique(self, photos: list[Photo]) -> list[Critique]:
        return [self.critique_one(p) for p in photos]

    def critique_proxy(self, proxies: list[Photo], of: Critique) -> list[Critique]:
        """Critique downscaled copies of one photo (the closed loop's tries), with the
        pixel-scale measurements (noise, sharpness) taken from ``of``, the critique of the photo
        itself: they are quantities of the photo's own pixels, which a resampled copy does not
        keep (resampling whitens a camera's noise, makes film grain look camera-made, and
        sharpens). The tries change tones and colour, which the proxy shows faithfully."""
        pixel_scale = {k: v for k, v in of.measurements.items() if k.startswith(PIXEL_SCALE)}
        if not pixel_scale:
            return self.critique(proxies)
        return [self.critique_one(p, pixel_scale) for p in proxies]
