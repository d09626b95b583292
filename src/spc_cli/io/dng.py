"""Write small, valid Bayer DNG files from a linear scene: for tests and examples.

The simulated camera sees linear Rec.709 light through per-channel sensitivities
(``neutral``: the raw response to white, which is also DNG's AsShotNeutral), samples it
through an RGGB colour filter array, and stores ``black + signal * (white - black)``
as 16-bit integers. ColorMatrix1 (XYZ -> camera, D65) is built to match, so a raw
converter that honours the DNG tags (LibRaw via rawpy) gets the scene back.

>>> scene = colour_chart(128, 96)  # doctest: +SKIP
>>> write_dng(Path("chart.dng"), scene)  # doctest: +SKIP
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np

from .spaces import _rgb_to_xyz

# sRGB values (0-255) of a few ColorChecker-like patches: a grey ramp and colours.
CHART_SRGB = [
    (115, 82, 68), (194, 150, 130), (98, 122, 157), (87, 108, 67), (133, 128, 177), (103, 189, 170),
    (214, 126, 44), (80, 91, 166), (193, 90, 99), (94, 60, 108), (157, 188, 64), (224, 163, 46),
    (56, 61, 150), (70, 148, 73), (175, 54, 60), (231, 199, 31), (187, 86, 149), (8, 133, 161),
    (243, 243, 242), (200, 200, 200), (160, 160, 160), (122, 122, 121), (85, 85, 85), (52, 52, 52),
]


def srgb8_to_linear(values) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64) / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def colour_chart(width: int = 256, height: int = 192, exposure: float = 1.0) -> np.ndarray:
    """A (H, W, 3) linear Rec.709 scene: a 6x4 patch chart on a mid-grey surround.

    ``exposure`` scales the light (0.5 is one stop under).
    """
    scene = np.empty((height, width, 3), np.float64)
    scene[:] = srgb8_to_linear((118, 118, 118))
    cols, rows = 6, 4
    margin = max(2, min(width, height) // 24)
    cw = (width - 2 * margin) // cols
    ch = (height - 2 * margin) // rows
    gap = max(1, min(cw, ch) // 10)
    linear = srgb8_to_linear(CHART_SRGB)
    for i in range(rows * cols):
        r, c = divmod(i, cols)
        y0, x0 = margin + r * ch + gap, margin + c * cw + gap
        scene[y0:y0 + ch - 2 * gap, x0:x0 + cw - 2 * gap] = linear[i]
    # a soft diagonal light falloff, like a real photo of a chart
    yy, xx = np.mgrid[0:height, 0:width]
    falloff = 1.0 - 0.15 * ((xx / max(width - 1, 1)) + (yy / max(height - 1, 1))) / 2
    return np.clip(scene * falloff[..., None] * exposure, 0.0, 1.0)


def _srational(values) -> list[int]:
    out: list[int] = []
    for v in values:
        f = Fraction(float(v)).limit_denominator(100000)
        out += [f.numerator, f.denominator]
    return out


def mosaic(scene: np.ndarray, neutral=(0.5, 1.0, 0.7), black: int = 256, white: int = 16383,
           noise: float = 0.0, seed: int = 0) -> np.ndarray:
    """The RGGB sensor readout (H, W) uint16 of a linear Rec.709 scene (H, W, 3)."""
    h, w, _ = scene.shape
    if h % 2 or w % 2:
        raise ValueError("a Bayer mosaic needs even width and height")
    cam = scene * np.asarray(neutral, dtype=np.float64)
    if noise:
        rng = np.random.default_rng(seed)
        cam = cam + rng.normal(0.0, noise, cam.shape) * np.sqrt(np.maximum(cam, 1e-4))
    raw = np.empty((h, w), np.float64)
    raw[0::2, 0::2] = cam[0::2, 0::2, 0]  # R
    raw[0::2, 1::2] = cam[0::2, 1::2, 1]  # G
    raw[1::2, 0::2] = cam[1::2, 0::2, 1]  # G
    raw[1::2, 1::2] = cam[1::2, 1::2, 2]  # B
    return np.clip(np.rint(black + np.clip(raw, 0, 1) * (white - black)), 0, 65535).astype(np.uint16)


def write_dng(path: Path, scene: np.ndarray, *, neutral=(0.5, 1.0, 0.7), black: int = 256,
              white: int = 16383, make: str = "spc", model: str = "Synthetic Bayer",
              exif: dict | None = None, noise: float = 0.0, orientation: int = 1) -> None:
    """Write ``scene`` (linear Rec.709, (H, W, 3), even sizes) as an uncompressed Bayer DNG.

    ``exif`` maps EXIF-IFD tag numbers to values (Pillow types), e.g.
    ``{0x829A: IFDRational(1, 60), 0x8827: 200}``; it is stored in a real Exif sub-IFD.
    """
    import tifffile

    from .encode import PLACEHOLDER, attach_sub_ifds
    from .metadata import EXIF_IFD

    raw = mosaic(scene, neutral, black, white, noise)
    # camera = diag(neutral) * Rec.709 linear; ColorMatrix1 maps XYZ (D65) to camera.
    xyz_to_709 = np.linalg.inv(_rgb_to_xyz("srgb"))
    colour_matrix = np.diag(neutral) @ xyz_to_709
    colour_matrix = colour_matrix / colour_matrix.sum(axis=1).max()
    extratags = [
        (271, "s", 0, make, True),
        (272, "s", 0, model, True),
        (274, "H", 1, int(orientation), True),
        (306, "s", 0, "2026:01:01 12:00:00", True),
        (33421, "H", 2, (2, 2), True),  # CFARepeatPatternDim
        (33422, "B", 4, (0, 1, 1, 2), True),  # CFAPattern: RGGB
        (50706, "B", 4, (1, 4, 0, 0), True),  # DNGVersion
        (50707, "B", 4, (1, 1, 0, 0), True),  # DNGBackwardVersion
        (50708, "s", 0, f"{make} {model}", True),  # UniqueCameraModel
        (50710, "B", 3, (0, 1, 2), True),  # CFAPlaneColor
        (50711, "H", 1, 1, True),  # CFALayout: rectangular
        (50714, "I", 1, int(black), True),  # BlackLevel
        (50717, "I", 1, int(white), True),  # WhiteLevel
        (50721, "2i", 9, _srational(colour_matrix.ravel()), True),  # ColorMatrix1
        (50728, "2I", 3, _srational(neutral), True),  # AsShotNeutral
        (50778, "H", 1, 21, True),  # CalibrationIlluminant1: D65
    ]
    if exif:
        extratags.append((PLACEHOLDER[EXIF_IFD], "I", 1, 0, True))
    extratags.sort(key=lambda t: t[0])
    tifffile.imwrite(
        path, raw, photometric=32803, compression=None, metadata=None, bigtiff=False,
        extratags=extratags, software="spc dng writer", subfiletype=0,
    )
    if exif:
        attach_sub_ifds(Path(path), {EXIF_IFD: dict(exif)})
