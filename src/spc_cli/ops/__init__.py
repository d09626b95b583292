"""Photographic ops: one pure torch function per operation, and the one order they run in.

Each op is ``adjust_x(image, **params) -> image`` on (B, 3, H, W) linear Rec.709
light; every parameter is a float or a (B,) tensor (per-image values).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch

from . import deblur as _deblur
from . import denoise as _denoise
from . import sharpen as _sharpen
from .base import Params
from .clarity import adjust_clarity, prepare_clarity
from .contrast import adjust_contrast
from .dehaze import adjust_dehaze, prepare_dehaze
from .denoise import adjust_denoise
from .exposure import adjust_exposure
from .fade import adjust_fade
from .local_white_balance import adjust_local_white_balance, prepare_local_white_balance
from .params import (PARAMS_BY_OP, ClarityParams, ContrastParams, DeblurParams, DehazeParams, DenoiseParams,
                     ExposureParams, FadeParams, LocalWhiteBalanceParams, SaturationParams, SharpenParams,
                     ToneParams, UnclipParams, WhiteBalanceParams)
from .saturation import adjust_saturation
from .sharpen import adjust_sharpen
from .tone import adjust_tone, prepare_tone
from .unclip import adjust_unclip, prepare_unclip
from .white_balance import adjust_white_balance


@dataclass(frozen=True)
class OpSpec:
    name: str
    fn: Callable[..., torch.Tensor]
    params: type[Params]
    halo: int = 0  # pixels of neighbourhood the op reads at full resolution (tiling overlap)
    # Whole-image statistics, computed once before tiling: prepare(image, **params) -> context;
    # the op then takes ``context=`` and ``row0=`` (first row of the tile) and is per-pixel.
    prepare: Callable[..., dict] | None = None
    # out[:, c] depends only on in[:, c] at the same pixel (a per-channel curve): runs of such
    # ops may be fused into one lookup table per image and channel.
    channelwise: bool = False
    # When the neighbourhood or the need for whole-image statistics depends on the parameters:
    # halo_of(**params, context=...) -> rows, prepare_when(**params) -> bool (default: always).
    halo_of: Callable[..., int] | None = None
    prepare_when: Callable[..., bool] | None = None
    # Amplifies its input's rounding (a deconvolution): the artist renders plans holding it in
    # float32 whatever the requested precision (a half-precision image deconvolved shows its
    # quantisation as noise: bf16 0.18 sRGB off fp32 on the test scene).
    full_precision: bool = False

    def needs_prepare(self, params: dict) -> bool:
        """Whether these (per-image stacked) parameters need the whole-image ``prepare``."""
        return self.prepare is not None and (self.prepare_when is None or self.prepare_when(**params))

    def halo_for(self, params: dict, context: dict | None = None) -> int:
        """Rows of neighbourhood read at full resolution for these parameters."""
        return self.halo_of(**params, context=context) if self.halo_of is not None else self.halo

    @property
    def pointwise(self) -> bool:
        """Reads only its own pixel, with no whole-image statistics (may share a segment)."""
        return self.halo == 0 and self.halo_of is None and self.prepare is None


# The one ordering table. A plan's edits always render in this order, whatever
# order the plan lists them in. Each entry says why it sits where it does.
ORDER: tuple[tuple[str, str], ...] = (
    ("denoise", "noise is measured on the input; remove it before gains and curves amplify it "
                "and make it harder to separate from detail"),
    ("unclip", "the sensor clipped every channel at the same white; rebuild what it cut off where that "
               "white still means the clip level, before gains move each channel's"),
    ("deblur", "the lens and the shake blurred linear light before the sensor added noise and clipped: "
               "deconvolve once both are undone, before any curve bends the edges' profiles"),
    ("local_white_balance", "mixed light is undone region by region on linear values, before any global "
                            "gain, so a global warmth asked for on top of it stays global"),
    ("white_balance", "a cast is a per-channel gain of the light; undo it on linear values first, "
                      "so later tone and colour steps see neutral greys"),
    ("exposure", "exposure is a gain of linear light; it sets the level every tone step works from"),
    ("dehaze", "the haze model (I = J t + A (1 - t)) holds for linear scene light at a fixed "
               "exposure, before tone curves bend it"),
    ("tone", "highlight and shadow recovery needs the final exposure, and must come before the "
             "global contrast curve so that curve acts on the recovered range"),
    ("clarity", "local contrast is added to the recovered range, on the base layer tone left, before the "
                "global curve bends it"),
    ("contrast", "the global curve shapes the perceptual tone scale once levels are right"),
    ("fade", "a lifted black is a look laid on the finished tone scale, after the curve that shaped it"),
    ("saturation", "chroma is judged on the final tones; contrast changes apparent saturation"),
    ("sharpen", "sharpening is last so nothing after it amplifies or smears its edges"),
)

OPS: dict[str, OpSpec] = {
    "denoise": OpSpec("denoise", adjust_denoise, DenoiseParams, halo=_denoise.HALO),
    "unclip": OpSpec("unclip", adjust_unclip, UnclipParams, prepare=prepare_unclip),
    "deblur": OpSpec("deblur", _deblur.adjust_deblur, DeblurParams, prepare=_deblur.prepare_deblur,
                     halo_of=_deblur.halo, prepare_when=_deblur.needs_prepare, full_precision=True),
    "local_white_balance": OpSpec("local_white_balance", adjust_local_white_balance, LocalWhiteBalanceParams,
                                  prepare=prepare_local_white_balance),
    "white_balance": OpSpec("white_balance", adjust_white_balance, WhiteBalanceParams, channelwise=True),
    "exposure": OpSpec("exposure", adjust_exposure, ExposureParams, channelwise=True),
    "dehaze": OpSpec("dehaze", adjust_dehaze, DehazeParams, prepare=prepare_dehaze),
    "tone": OpSpec("tone", adjust_tone, ToneParams, prepare=prepare_tone),
    "clarity": OpSpec("clarity", adjust_clarity, ClarityParams, prepare=prepare_clarity),
    "contrast": OpSpec("contrast", adjust_contrast, ContrastParams, channelwise=True),
    "fade": OpSpec("fade", adjust_fade, FadeParams, channelwise=True),
    "saturation": OpSpec("saturation", adjust_saturation, SaturationParams),
    "sharpen": OpSpec("sharpen", adjust_sharpen, SharpenParams, halo=_sharpen.HALO),
}

RANK: dict[str, int] = {name: i for i, (name, _) in enumerate(ORDER)}

__all__ = ["ORDER", "OPS", "RANK", "OpSpec", "PARAMS_BY_OP", "Params"]
