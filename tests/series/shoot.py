"""Synthetic shoots for the series tests: textured scenes, reframed and rendered with a camera's
own exposure and white balance per frame, written as JPEGs with the EXIF a camera writes."""

from __future__ import annotations

import time
from pathlib import Path

import cv2
import numpy as np
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

T0 = time.mktime((2025, 6, 1, 10, 0, 0, 0, 0, -1))


def scene(seed: int, size: tuple[int, int] = (720, 480)) -> np.ndarray:
    """A linear-light (H, W, 3) float32 scene: shaded patches, discs and fine texture, different
    for every seed (so that features match within a scene and never across scenes)."""
    rng = np.random.default_rng(seed)
    w, h = size
    img = np.zeros((h, w, 3), np.float32)
    img[:] = rng.uniform(0.08, 0.35, 3)
    for _ in range(40):
        colour = tuple(float(c) for c in rng.uniform(0.03, 0.75, 3))
        x, y = int(rng.integers(0, w)), int(rng.integers(0, h))
        if rng.random() < 0.5:
            cv2.rectangle(img, (x, y), (x + int(rng.integers(20, 140)), y + int(rng.integers(20, 140))), colour, -1)
        else:
            cv2.circle(img, (x, y), int(rng.integers(8, 60)), colour, -1)
    texture = cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0), 1.2)
    img *= (0.8 + 0.4 * texture)[..., None]
    return np.clip(img, 0.0, 1.0)


def encode(linear: np.ndarray) -> np.ndarray:
    x = np.clip(linear, 0.0, 1.0)
    srgb = np.where(x <= 0.0031308, x * 12.92, 1.055 * np.power(x, 1 / 2.4) - 0.055)
    return (srgb * 255.0 + 0.5).astype(np.uint8)


def decode(codes: np.ndarray) -> np.ndarray:
    v = codes.astype(np.float32) / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def exif(when: float | None, body: str = "EOS R6", serial: str = "0421") -> Image.Exif:
    e = Image.Exif()
    e[0x010F], e[0x0110] = "Canon", body
    ifd = {0x829A: IFDRational(1, 200), 0x829D: IFDRational(4, 1), 0x8827: 400, 0xA431: serial}
    if when is not None:
        ifd[0x9003] = time.strftime("%Y:%m:%d %H:%M:%S", time.localtime(when))
        ifd[0x9291] = f"{int(round((when % 1) * 100)):02d}"
    e[0x8769] = ifd
    return e


# where each frame of a scene is cut (x, y) and the gains its camera rendered it with
FRAMES = (((0, 0), (1.0, 1.0, 1.0)), ((60, 40), (1.25, 1.0, 0.8)), ((120, 70), (0.75, 0.82, 0.95)))
CROP = (560, 380)


def frame(linear: np.ndarray, k: int) -> np.ndarray:
    (x, y), gains = FRAMES[k]
    w, h = CROP
    return linear[y:y + h, x:x + w] * np.asarray(gains, np.float32)


def write(folder: Path, name: str, linear: np.ndarray, when: float | None, **exif_args) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.jpg"
    Image.fromarray(encode(linear)).save(path, quality=95, exif=exif(when, **exif_args))
    return path


def shoot(folder: Path, scenes: dict[str, tuple[int, float]]) -> dict[str, list[Path]]:
    """``{name: (seed, start time)}`` -> the files of each scene's three frames, 4 s apart."""
    out = {}
    for name, (seed, start) in scenes.items():
        lin = scene(seed)
        out[name] = [write(folder, f"{name}_{k}", frame(lin, k), start + 4 * k) for k in range(len(FRAMES))]
    return out
