"""The methods compared side by side; each maps sRGB float (H, W, 3) -> sRGB float (H, W, 3).

- identity: the input itself (the floor every method must beat)
- autocontrast: PIL ``ImageOps.autocontrast`` (per-channel stretch, so it also moves colour)
- grayworld_autocontrast: gray-world white balance in linear light, then autocontrast
- clahe: OpenCV CLAHE on CIELAB lightness (clip 2.0, 8x8 tiles)
- imagemagick: ``convert -auto-level -auto-gamma`` through a temporary 8-bit PPM
- spc: ``spc_cli.api.enhance_pixels`` with the default backends
- spc-analytic, spc-learned, spc-hybrid (only when named): spc with that critic, to compare critics
- spc+neutral (only when named): spc with the hint "neutral colours", as
  ``spc retouch --hint "neutral colours"``: what a photographer gets who says the photo
  has a cast (it undoes the whole estimated illuminant, so it belongs on cast sets only)
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
from PIL import Image, ImageOps

from .degrade import linear_to_srgb, quantise8, srgb_to_linear

Method = Callable[[np.ndarray], np.ndarray]


def identity(srgb: np.ndarray) -> np.ndarray:
    return srgb


def autocontrast(srgb: np.ndarray) -> np.ndarray:
    """PIL autocontrast, cutoff 0 (the library default), on the 8-bit image."""
    return np.asarray(ImageOps.autocontrast(Image.fromarray(quantise8(srgb))), dtype=np.float32) / 255.0


def grayworld(srgb: np.ndarray) -> np.ndarray:
    """Gray-world white balance: scale linear channels so their means are equal,
    keeping the mean luminance."""
    lin = srgb_to_linear(srgb)
    means = lin.reshape(-1, 3).mean(0) + 1e-6
    gains = means.mean() / means
    return np.clip(linear_to_srgb(lin * gains), 0.0, 1.0)


def grayworld_autocontrast(srgb: np.ndarray) -> np.ndarray:
    return autocontrast(grayworld(srgb))


def clahe(srgb: np.ndarray, clip: float = 2.0, tiles: int = 8) -> np.ndarray:
    """CLAHE on the L channel of CIELAB (OpenCV's 8-bit Lab), colour kept."""
    bgr = cv2.cvtColor(quantise8(srgb), cv2.COLOR_RGB2BGR)
    lab = cv2.cvtColor(bgr, cv2.COLOR_BGR2LAB)
    lab[..., 0] = cv2.createCLAHE(clipLimit=clip, tileGridSize=(tiles, tiles)).apply(lab[..., 0])
    out = cv2.cvtColor(cv2.cvtColor(lab, cv2.COLOR_LAB2BGR), cv2.COLOR_BGR2RGB)
    return out.astype(np.float32) / 255.0


@functools.cache
def imagemagick_command() -> list[str] | None:
    """The ImageMagick command (``magick`` or ``convert``), or None when only a stand-in
    or nothing is installed. A real one prints "ImageMagick" in ``-version``."""
    for name in ("magick", "convert"):
        exe = shutil.which(name)
        if not exe:
            continue
        try:
            r = subprocess.run([exe, "-version"], capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if "ImageMagick" in r.stdout:
            return [exe]
    return None


def imagemagick(srgb: np.ndarray) -> np.ndarray:
    """``convert in.ppm -auto-level -auto-gamma out.ppm`` on the 8-bit image (PPM: no
    compression cost, so the time measured is ImageMagick's own plus process start)."""
    cmd = imagemagick_command()
    if cmd is None:
        raise RuntimeError("ImageMagick not installed")
    with tempfile.TemporaryDirectory(prefix="spcbench_") as tmp:
        src, dst = Path(tmp) / "in.ppm", Path(tmp) / "out.ppm"
        Image.fromarray(quantise8(srgb)).save(src)
        subprocess.run(cmd + [str(src), "-auto-level", "-auto-gamma", str(dst)], check=True,
                       capture_output=True, timeout=120)
        with Image.open(dst) as im:
            out = np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0
    return out


def spc_run(srgb: np.ndarray, critic: str | None = None):
    """spc's Python API with the default artist and the default critic (or ``critic``):
    (sRGB float out, critique, applied)."""
    from spc_cli import api

    kwargs = {"refine": True} if "refine" in _params(api.enhance_pixels) else {}  # as the CLI does
    if critic is not None:
        kwargs["critic"] = critic
    out, critique, applied = api.enhance_pixels(np.ascontiguousarray(srgb, dtype=np.float32), **kwargs)
    return np.asarray(out, dtype=np.float32), critique, applied


@functools.cache
def _params(fn) -> frozenset[str]:
    import inspect

    return frozenset(inspect.signature(fn).parameters)


def spc_enhance(srgb: np.ndarray) -> np.ndarray:
    return spc_run(srgb)[0]


def spc_critique(srgb: np.ndarray, critic: str | None = None):
    """spc's default critic (or ``critic``) alone (used when enhancement itself fails)."""
    from spc_cli import api

    kwargs = {} if critic is None else {"critic": critic}
    return api.critique_pixels(np.ascontiguousarray(srgb, dtype=np.float32), **kwargs)


def spc_neutral(srgb: np.ndarray) -> np.ndarray:
    from spc_cli import api

    return np.asarray(api.enhance_pixels(np.ascontiguousarray(srgb, dtype=np.float32),
                                         hint="neutral colours")[0], dtype=np.float32)


METHODS: dict[str, Method] = {
    "identity": identity,
    "autocontrast": autocontrast,
    "grayworld+ac": grayworld_autocontrast,
    "clahe": clahe,
    "imagemagick": imagemagick,
    "spc": spc_enhance,
}
# spc with a named critic (the default artist), to compare critics side by side
SPC_CRITICS = {"spc-analytic": "analytic", "spc-learned": "learned", "spc-hybrid": "hybrid"}
# run only when named in --methods: not automatic methods, so not part of a default comparison
OPTIONAL_METHODS: dict[str, Method] = {"spc+neutral": spc_neutral,
                                       **{m: functools.partial(lambda c, x: spc_run(x, c)[0], c)
                                          for m, c in SPC_CRITICS.items()}}


def available_methods(names: list[str] | None = None) -> tuple[dict[str, Method], dict[str, str]]:
    """The methods to run and, for each skipped one, why."""
    chosen = {k: v for k, v in METHODS.items() if names is None or k in names}
    chosen.update({k: v for k, v in OPTIONAL_METHODS.items() if names is not None and k in names})
    skipped: dict[str, str] = {}
    if "imagemagick" in chosen and imagemagick_command() is None:
        del chosen["imagemagick"]
        skipped["imagemagick"] = "ImageMagick not installed (Debian: apt-get install imagemagick)"
    return chosen, skipped
