"""The training photos: which ones, which split, loaded small.

Photos come from a folder of clean photographs (``../shared/data/train``, see its
SOURCES.md). Each photo falls in a split by a hash of its path inside that folder, so the
split never changes when photos are added or the folder moves:

    train  80 %   the critic learns from these
    tune   10 %   early stopping, probability calibration and decision thresholds
    val    10 %   held out: only benchmarks/validate_defects.py reads them, never training

    >>> split_of("bsds432/test_100007.jpg") in SPLITS
    True
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

SPLITS = ("train", "tune", "val")
EXTENSIONS = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp"}
# sets whose colour is not a photograph's (Urban100: many stylised, near-monochrome frames):
# they teach exposure, contrast, haze, noise and sharpness, never white balance or saturation
NO_COLOUR_SETS = ("urban100",)


def split_of(relpath: str) -> str:
    """'train', 'tune' or 'val' from the first byte of sha256(relative path): 0-25 val, 26-51 tune."""
    b = hashlib.sha256(relpath.replace("\\", "/").encode("utf-8")).digest()[0]
    return "val" if b < 26 else ("tune" if b < 52 else "train")


@dataclass(frozen=True)
class TrainPhoto:
    relpath: str  # inside the data folder, e.g. "bsds432/test_100007.jpg"
    split: str
    colour_ok: bool  # False: its colours teach nothing about white balance or saturation


def list_photos(root: Path, split: str | None = None) -> list[TrainPhoto]:
    """Every photo under ``root`` (one folder level of sets), sorted by path; only ``split``'s when given."""
    out = []
    for p in sorted(root.glob("*/*")):
        if p.suffix.lower() not in EXTENSIONS:
            continue
        rel = p.relative_to(root).as_posix()
        s = split_of(rel)
        if split is None or s == split:
            out.append(TrainPhoto(rel, s, p.parent.name not in NO_COLOUR_SETS))
    return out


def load_srgb8(path: Path, long_edge: int) -> np.ndarray:
    """A photo as (H, W, 3) uint8 sRGB, upright, area-downscaled in linear light to ``long_edge``."""
    with Image.open(path) as im:
        a = np.asarray(ImageOps.exif_transpose(im).convert("RGB"))
    h, w = a.shape[:2]
    if max(h, w) <= long_edge:
        return np.ascontiguousarray(a)
    s = long_edge / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    lin = cv2.resize(srgb_to_linear(a), size, interpolation=cv2.INTER_AREA)
    return encode8(lin)


_DECODE = None


def srgb_to_linear(codes: np.ndarray) -> np.ndarray:
    """uint8 sRGB codes -> linear float32 (exact table)."""
    global _DECODE
    if _DECODE is None:
        v = np.arange(256, dtype=np.float64) / 255.0
        _DECODE = np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4).astype(np.float32)
    return _DECODE[codes]


def linear_to_srgb(lin: np.ndarray) -> np.ndarray:
    """Linear light -> sRGB encoding, float32, clipped to [0, 1]."""
    x = np.clip(lin, 0.0, 1.0).astype(np.float32)
    return np.where(x <= 0.0031308, x * 12.92, 1.055 * np.maximum(x, 0.0031308) ** (1 / 2.4) - 0.055)


def encode8(lin: np.ndarray) -> np.ndarray:
    """Linear light -> uint8 sRGB codes, rounded."""
    return np.round(linear_to_srgb(lin) * 255.0).astype(np.uint8)


def load_split(root: Path, photos: list[TrainPhoto], long_edge: int) -> list[np.ndarray]:
    """The photos as uint8 sRGB arrays at most ``long_edge`` on the long edge."""
    return [load_srgb8(root / p.relpath, long_edge) for p in photos]
