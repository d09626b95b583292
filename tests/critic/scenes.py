"""Constructed photos with known answers for the critic tests (no data files needed)."""

from __future__ import annotations

import numpy as np
import torch

from spc_cli.colour import srgb_to_linear
from spc_cli.photo import Metadata, Photo

# ColorChecker Classic patches, sRGB (D65), row by row
CHECKER = np.array([
    (115, 82, 68), (194, 150, 130), (98, 122, 157), (87, 108, 67), (133, 128, 177), (103, 189, 170),
    (214, 126, 44), (80, 91, 166), (193, 90, 99), (94, 60, 108), (157, 188, 64), (224, 163, 46),
    (56, 61, 150), (70, 148, 73), (175, 54, 60), (231, 199, 31), (187, 86, 149), (8, 133, 161),
    (243, 243, 242), (200, 200, 200), (160, 160, 160), (122, 122, 121), (85, 85, 85), (52, 52, 52),
], dtype=np.float32) / 255.0


def chart_srgb(h: int = 512, w: int = 768, gap: int = 10, background: float = 0.06) -> np.ndarray:
    """A colour chart on a dark surround with sharp patch edges and a soft light falloff,
    like a well-exposed, neutrally balanced studio shot of a ColorChecker (sRGB float)."""
    img = np.full((h, w, 3), background, np.float32)
    ph, pw = (h - 5 * gap) // 4, (w - 7 * gap) // 6
    for i, c in enumerate(CHECKER):
        r, k = divmod(i, 6)
        y0, x0 = gap + r * (ph + gap), gap + k * (pw + gap)
        img[y0:y0 + ph, x0:x0 + pw] = c
    # gentle vignetting (a real lens): -0.3 stop at the corners, in linear light
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    d2 = ((yy - h / 2) / (h / 2)) ** 2 + ((xx - w / 2) / (w / 2)) ** 2
    lin = srgb_to_linear(torch.from_numpy(img)).numpy() * (2.0 ** (-0.15 * d2))[..., None]
    from spc_cli.colour import linear_to_srgb

    return linear_to_srgb(torch.from_numpy(lin)).numpy()


def photo_from_linear(lin: torch.Tensor, iso: float | None = None, exposure_time: float | None = None) -> Photo:
    meta = Metadata(source=__import__("pathlib").Path("test.png"), format="array", sha256="",
                    width=int(lin.shape[-1]), height=int(lin.shape[-2]), bit_depth=16,
                    iso=iso, exposure_time=exposure_time)
    return Photo(pixels=lin.float().contiguous(), meta=meta)


def linear_of(srgb: np.ndarray) -> torch.Tensor:
    return srgb_to_linear(torch.from_numpy(np.ascontiguousarray(srgb))).permute(2, 0, 1).contiguous()


def quantise(lin: torch.Tensor) -> torch.Tensor:
    """Round-trip through 8-bit sRGB, like a camera JPEG."""
    from spc_cli.colour import linear_to_srgb

    enc = torch.round(linear_to_srgb(lin.clamp(0, 1)).clamp(0, 1) * 255) / 255
    return srgb_to_linear(enc)



def landscape_srgb(h: int = 480, w: int = 720, seed: int = 0) -> np.ndarray:
    """A daylight outdoor scene, neutrally balanced and well exposed (sRGB float): a blue sky
    brightening to the horizon with white clouds, a grey stone wall, green grass with fine texture
    (grain 0.7 px across: a texture blurred over 1.2 px already reads as a soft photo), a red door,
    a brown path and a dark doorway, sharp edges; its greys are grey."""
    import cv2

    rng = np.random.default_rng(seed)
    lin = np.zeros((h, w, 3), np.float32)
    yy = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    horizon = int(0.42 * h)
    sky = np.array([0.18, 0.32, 0.62], np.float32) * (1 - 0.5 * yy[:horizon]) + np.array([0.55, 0.6, 0.68],
                                                                                          np.float32) * 0.5 * yy[:horizon]
    lin[:horizon] = sky
    clouds = cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0), 18)
    clouds = np.clip((clouds - clouds.mean()) * 12, 0, 1)[:horizon, :, None]
    lin[:horizon] = lin[:horizon] * (1 - clouds) + 0.85 * clouds
    grass = np.array([0.06, 0.13, 0.03], np.float32)
    tex = 1 + 0.35 * cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 0.7)[..., None]
    lin[horizon:] = grass * tex[horizon:]
    x0, x1, y0 = int(0.3 * w), int(0.8 * w), int(0.25 * h)
    stone = 0.22 * (1 + 0.15 * cv2.GaussianBlur(rng.standard_normal((h, w)).astype(np.float32), (0, 0), 2.0))
    lin[y0:int(0.78 * h), x0:x1] = stone[y0:int(0.78 * h), x0:x1, None]
    lin[int(0.45 * h):int(0.78 * h), int(0.5 * w):int(0.58 * w)] = (0.35, 0.03, 0.025)  # red door
    lin[int(0.45 * h):int(0.7 * h), int(0.36 * w):int(0.42 * w)] = 0.012  # dark doorway
    lin[int(0.3 * h):int(0.38 * h), int(0.62 * w):int(0.74 * w)] = 0.8  # a white window frame
    path = np.array([0.2, 0.13, 0.07], np.float32)
    for r in range(int(0.78 * h), h):
        half = int((r - 0.78 * h) * 0.6) + 10
        lin[r, w // 2 - half:w // 2 + half] = path * tex[r, w // 2 - half:w // 2 + half]
    return linear_to_srgb_np(np.clip(lin, 0, 1))


def linear_to_srgb_np(lin: np.ndarray) -> np.ndarray:
    x = np.clip(lin, 0.0, 1.0)
    return np.where(x <= 0.0031308, 12.92 * x, 1.055 * x ** (1 / 2.4) - 0.055).astype(np.float32)
