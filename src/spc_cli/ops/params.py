"""The parameters of every photographic op (the contract between critic, hints and artist)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .base import Params, param


@dataclass(frozen=True)
class DenoiseParams(Params):
    op = "denoise"
    version = 2  # 2: wavelet shrinkage with a texture guard (1: a self-guided filter)
    luma: float = param(0.0, 0.0, 1.0, "luminance noise reduction strength")
    chroma: float = param(0.0, 0.0, 1.0, "colour noise reduction strength")
    sigma: float = param(0.0, 0.0, 0.2, "luminance noise standard deviation, sRGB-encoded units", measured=True)
    chroma_sigma: float = param(0.0, 0.0, 0.2, "colour noise standard deviation in each opponent channel "
                                               "((R - G)/sqrt 2, (R + G - 2B)/sqrt 6), sRGB-encoded units",
                                measured=True)


@dataclass(frozen=True)
class UnclipParams(Params):
    op = "unclip"
    version = 2  # 2: adds reach (0 renders as version 1 did); version 1 steps render exactly as they did
    replays = (1,)
    amount: float = param(0.0, 0.0, 1.0, "share of the reconstruction above white blended in (0 = clipped as shot)")
    headroom: float = param(1.0, 0.0, 3.0, "stops above white the middle of a wholly clipped area may reach "
                                           "(about the over-exposure a darkening will take back)", measured=True)
    reach: float = param(0.0, 0.0, 0.2, "share of the long edge a wholly clipped area must span to rise the whole "
                                        "headroom; a smaller one rises in proportion (0 = every area the whole "
                                        "headroom, as version 1)", measured=True)


@dataclass(frozen=True)
class DeblurParams(Params):
    op = "deblur"
    amount: float = param(0.0, 0.0, 1.0, "share of the deconvolution applied (1 = the full regularised inverse)")
    sigma: float = param(1.0, 0.3, 8.0, "the blur's Gaussian-equivalent sigma, full-resolution pixels",
                         measured=True)
    kind: float = param(0.0, 0.0, 2.0, "point-spread function: 0 Gaussian, 1 defocus disc (radius 2 sigma), "
                                       "2 camera shake (kernel estimated from the photo)", measured=True)
    noise: float = param(0.0, 0.0, 0.1, "noise sigma left in the photo (sRGB units): more regularisation",
                         measured=True)


@dataclass(frozen=True)
class WhiteBalanceParams(Params):
    op = "white_balance"
    red: float = param(1.0, 0.25, 4.0, "linear gain on the red channel (von Kries)")
    green: float = param(1.0, 0.25, 4.0, "linear gain on the green channel")
    blue: float = param(1.0, 0.25, 4.0, "linear gain on the blue channel")


@dataclass(frozen=True)
class LocalWhiteBalanceParams(Params):
    op = "local_white_balance"
    # 2: adds gate (neutral 1); 3: the gate also reads how far apart across the frame the two lights
    # lie. A step of 1 or 2 renders exactly as it did where the gate plays no part (replays_step)
    version = 3
    replays = ()
    warmth: float = param(0.0, -3.0, 3.0, "cast removed everywhere: log R/B of the light (> 0 orange, < 0 blue)")
    tint: float = param(0.0, -1.0, 1.0, "cast removed everywhere: log G/sqrt(RB) of the light (> 0 green)")
    local: float = param(0.0, 0.0, 1.0, "share of each region's departure from the photo's mean light removed "
                                        "(0 = a global white balance)")
    region: float = param(0.08, 0.03, 0.5, "size of the regions the light is estimated over, share of the long edge",
                          neutral=0.08)
    gate: float = param(1.0, 0.0, 1.0, "how far the regional share waits on the two lights being measured apart: "
                                       "1, only as far as they are (one light: a global white balance); 0, in full "
                                       "whatever they measure (the user said the light is mixed)", neutral=1.0)

    @classmethod
    def replays_step(cls, version: int, data: dict[str, Any]) -> bool:
        """A global white balance (``local`` 0) renders as it always did, and a version-2 step
        with ``gate`` 0 (the regional share in full, as "fix the mixed light" asks) does too: the
        light field is the one version 2 had. A regional share the gate weighs is not: the gate
        was refitted within version 2 and reads one more feature in version 3."""
        return float(data.get("local", 0.0)) == 0.0 or (version == 2 and float(data.get("gate", 1.0)) == 0.0)


@dataclass(frozen=True)
class ExposureParams(Params):
    op = "exposure"
    version = 2  # 2: adds keep_white (0 renders as version 1 did); version 1 steps render exactly as they did
    replays = (1,)
    ev: float = param(0.0, -4.0, 4.0, "exposure change in stops, in linear light")
    shoulder: float = param(0.9, 0.5, 1.0, "linear level where highlight roll-off starts (1 = hard clip)", neutral=0.9)
    keep_white: float = param(0.0, 0.0, 1.0, "a darkening through a highlight roll-off that keeps white at white, "
                                             "mid-grey still moving by ev (1: a display-referred file, whose white "
                                             "holds no more light than it shows); 0: every level scales, as "
                                             "version 1", measured=True)


@dataclass(frozen=True)
class DehazeParams(Params):
    op = "dehaze"
    version = 2  # 2: coloured airlight, adaptive transmission floor, sky guard (1: grey-pulled airlight, t >= 0.4)
    amount: float = param(0.0, 0.0, 1.0, "share of the estimated haze veil removed")
    transmission: float = param(1.0, 0.02, 1.0, "mean transmission of the scene when the critic measured it "
                                                "(1 = not given: the dark-channel estimate stands)", measured=True)


@dataclass(frozen=True)
class ToneParams(Params):
    op = "tone"
    version = 2  # 2: adds compress (neutral 0); version 1 steps render exactly as they did
    replays = (1,)
    highlights: float = param(0.0, -1.0, 1.0, "negative pulls bright areas down (recovery), positive lifts them")
    shadows: float = param(0.0, -1.0, 1.0, "positive lifts dark areas, negative deepens them")
    compress: float = param(0.0, 0.0, 1.0, "share of the regions an earlier gain pushed past white brought back "
                                           "below it by a gain on the base layer (local tone mapping)")


@dataclass(frozen=True)
class ContrastParams(Params):
    op = "contrast"
    amount: float = param(0.0, -1.0, 1.0, "S-curve strength around mid-grey in a perceptual encoding")
    black: float = param(0.0, 0.0, 0.3, "black point to map to 0 (sRGB-encoded)")
    white: float = param(1.0, 0.5, 1.0, "white point to map to 1 (sRGB-encoded)")


@dataclass(frozen=True)
class ClarityParams(Params):
    op = "clarity"
    amount: float = param(0.0, -1.0, 1.0, "mid-tone local contrast: 1 doubles the detail (in stops), -1 removes it")


@dataclass(frozen=True)
class FadeParams(Params):
    op = "fade"
    lift: float = param(0.0, 0.0, 0.25, "sRGB-encoded level black is lifted to (a matte, faded black)")


@dataclass(frozen=True)
class SaturationParams(Params):
    op = "saturation"
    saturation: float = param(0.0, -1.0, 2.0, "chroma scale - 1 around each pixel's luminance, linear light "
                                               "(-1 = grey; a fade to f of the chroma is undone by 1/f - 1)")
    vibrance: float = param(0.0, -1.0, 1.0, "extra chroma scale for muted, non-skin colours (1 doubles near-greys)")


@dataclass(frozen=True)
class SharpenParams(Params):
    op = "sharpen"
    amount: float = param(0.0, 0.0, 2.0, "unsharp-mask gain on luminance")
    radius: float = param(1.0, 0.5, 5.0, "blur radius in pixels at full resolution", neutral=1.0)
    threshold: float = param(0.0, 0.0, 0.2, "noise gate in sRGB units: detail this small is half sharpened, "
                                             "smaller left alone (about 2x the noise sigma)")


ALL_PARAMS: tuple[type[Params], ...] = (
    DenoiseParams, UnclipParams, DeblurParams, LocalWhiteBalanceParams, WhiteBalanceParams, ExposureParams,
    DehazeParams, ToneParams, ClarityParams, ContrastParams, FadeParams, SaturationParams, SharpenParams,
)
PARAMS_BY_OP: dict[str, type[Params]] = {p.op: p for p in ALL_PARAMS}
