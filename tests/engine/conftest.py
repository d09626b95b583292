"""Photos for the engine tests: the bundled examples (EXIF, a DNG) plus generated scenes, some
under-exposed, and one broken file."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def scene(h: int, w: int, seed: int, ev: float = 0.0) -> np.ndarray:
    """A smooth sRGB uint8 scene with a bright and a dark patch; ``ev`` < 0 under-exposes it."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    ph = rng.random(3) * 6
    base = np.stack([0.45 + 0.3 * np.sin(6 * x + ph[0]), 0.45 + 0.25 * np.cos(5 * y + ph[1]),
                     0.4 + 0.3 * x * y + 0.05 * np.sin(ph[2])], -1)
    base += 0.02 * rng.standard_normal((h, w, 1))
    base[h // 3: h // 2, w // 4: w // 2] = [0.92, 0.9, 0.88]
    base[2 * h // 3:, : w // 5] = [0.06, 0.07, 0.05]
    base = np.clip(base, 0, 1)
    if ev:
        base = np.clip(base ** 2.2 * 2 ** ev, 0, 1) ** (1 / 2.2)
    return (base * 255).round().astype(np.uint8)


def make_shoot(folder: Path, n: int, size: tuple[int, int] = (120, 180), examples: bool = True) -> Path:
    """``n`` generated photos (PNG and JPEG, every third 1.5 stops under) in ``folder/gen``, the
    examples in ``folder`` itself, and a truncated JPEG."""
    gen = folder / "gen"
    gen.mkdir(parents=True)
    for i in range(n):
        ext = ".png" if i % 2 else ".jpg"
        Image.fromarray(scene(*size, seed=i, ev=-1.5 if i % 3 == 0 else 0.0)).save(gen / f"img_{i:03d}{ext}")
    if examples:
        for p in EXAMPLES.iterdir():
            if p.suffix.lower() in (".jpg", ".dng"):
                shutil.copy2(p, folder / p.name)
        (folder / "broken.jpg").write_bytes((EXAMPLES / "chelsea.jpg").read_bytes()[:300])
    return folder


@pytest.fixture
def shoot(tmp_path) -> Path:
    return make_shoot(tmp_path / "shoot", 6)
