"""Where the development photos live and how the benchmarks load them.

The photos are not part of the project: they sit in ``../shared/data`` next to the
checkout (see its SOURCES.md). ``SPC_BENCH_DATA`` overrides the location. Every loader
returns sRGB float32 (H, W, 3) arrays in [0, 1], optionally area-downscaled so the long
edge is at most ``long_edge`` pixels (done in linear light, like a camera would bin).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parents[1]
IMAGE_EXTS = {".png", ".jpg", ".jpeg", ".tif", ".tiff", ".bmp"}

# clean sets used for synthetic defects, and the long edge each is reduced to
CLEAN_SETS = ("kodak24", "cbsd68", "pypi_natural")
CLEAN_LONG_EDGE = 768
REAL_LONG_EDGE = 1024


def _candidate() -> Path:
    env = os.environ.get("SPC_BENCH_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def data_root() -> Path | None:
    """The shared data folder, or None when it is absent."""
    root = _candidate()
    return root if root.is_dir() else None


def require_data_root() -> Path | None:
    """The data folder; when absent prints why and returns None (callers then exit 0)."""
    root = data_root()
    if root is None:
        print(f"benchmark data not found at {_candidate()} (see benchmarks/README.md; "
              "SPC_BENCH_DATA points elsewhere); nothing to measure.")
    return root


def training_photo_args(doc: str, seed: int, limit_help: str = "photos at most"):
    """The command line of a script over ../shared/data/train (``--limit``, ``--seed``), parsed,
    and the data folder, or None when it is absent (the caller then exits 0)."""
    import argparse

    ap = argparse.ArgumentParser(description=doc.split("\n")[0])
    ap.add_argument("--limit", type=int, default=0, help=limit_help)
    ap.add_argument("--seed", type=int, default=seed)
    return ap.parse_args(), require_data_root()


def split_photos(root: Path, limit: int = 0, splits: tuple[str, ...] = ("train", "tune")) -> list[tuple[int, str, str]]:
    """(index within its split, path, split) of the colour photos of ``root/train``'s ``splits``
    (``spc_cli.learn.data.split_of``), at most ``limit`` per split (0: all). Imports no torch: a
    caller may fork worker processes after it."""
    from spc_cli.learn.data import list_photos

    train = root / "train"
    out = []
    for split in splits:
        photos = [p for p in list_photos(train, split) if p.colour_ok]
        out += [(i, str(train / p.relpath), split) for i, p in enumerate(photos[: limit] if limit else photos)]
    return out


def list_images(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_EXTS)


def downscale(srgb: np.ndarray, long_edge: int | None) -> np.ndarray:
    """Area-average an sRGB float image so its long edge is at most ``long_edge``
    (averaging in linear light); returns it unchanged when already small enough."""
    h, w = srgb.shape[:2]
    if not long_edge or max(h, w) <= long_edge:
        return srgb
    from .degrade import linear_to_srgb, srgb_to_linear

    s = long_edge / max(h, w)
    size = (max(1, round(w * s)), max(1, round(h * s)))
    lin = cv2.resize(srgb_to_linear(srgb), size, interpolation=cv2.INTER_AREA)
    return np.clip(linear_to_srgb(lin), 0.0, 1.0)


def load_srgb(path: Path, long_edge: int | None = None) -> np.ndarray:
    """An image file as sRGB float32 (H, W, 3) in [0, 1], upright, 8 or 16 bit."""
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        if im.mode in ("I;16", "I;16B", "I"):
            a = np.asarray(im, dtype=np.float32) / 65535.0
        else:
            a = np.asarray(im.convert("RGB"), dtype=np.float32) / 255.0
    if a.ndim == 2:
        a = np.repeat(a[..., None], 3, axis=2)
    return downscale(a[..., :3], long_edge)


def _spread(n: int, k: int) -> list[int]:
    """k indices spread evenly over range(n) (all of them when k >= n)."""
    if k >= n:
        return list(range(n))
    return sorted({int(round(i)) for i in np.linspace(0, n - 1, k)}) if k > 0 else []


@dataclass
class Pair:
    """A real input with its reference (or, for the exposure set, its label)."""

    set: str
    name: str
    input: Path
    reference: Path | None = None
    label: str | None = None  # exposure set: "brighten" / "darken"
    ev: float | None = None


def clean_photos(root: Path, quick: bool = False, per_set_quick: dict[str, int] | None = None) -> list[Path]:
    """Clean photos from the three clean sets, in a stable order. ``quick`` takes a few
    from each set (by default 3 kodak, 3 cbsd68, 2 pypi: 8 photos)."""
    per_set_quick = per_set_quick or {"kodak24": 3, "cbsd68": 3, "pypi_natural": 2}
    out: list[Path] = []
    for s in CLEAN_SETS:
        files = list_images(root / s)
        if quick:
            files = [files[i] for i in _spread(len(files), per_set_quick.get(s, 0))]
        out += files
    return out


def real_pairs(root: Path, quick: bool = False) -> dict[str, list[Pair]]:
    """The real reference sets, each a list of Pairs (quick: a few per set)."""
    sets: dict[str, list[Pair]] = {}

    d = root / "fivek_dpe_expertC"
    sets["fivek_expertC"] = [Pair("fivek_expertC", p.stem, p, d / "expertC" / p.name)
                             for p in list_images(d / "input") if (d / "expertC" / p.name).exists()]

    d = root / "polyu_real_noise"
    sets["polyu_noise"] = [Pair("polyu_noise", p.stem, p, d / "mean_clean" / p.name)
                           for p in list_images(d / "noisy") if (d / "mean_clean" / p.name).exists()]

    d = root / "wb_renderedwb_deepwb"
    gt = list_images(d / "groundtruth")
    sets["wb_rendered"] = [Pair("wb_rendered", p.stem, p, gt[0]) for p in list_images(d / "input")] if gt else []

    d = root / "exposure_afifi_examples" / "fivek_ev_shifted"
    ev_pairs = []
    for p in list_images(d):
        m = re.search(r"_([NP])(\d+(?:\.\d+)?)$", p.stem)
        if m:
            ev = float(m.group(2)) * (-1 if m.group(1) == "N" else 1)
            ev_pairs.append(Pair("fivek_ev", p.stem, p, None, "brighten" if ev < 0 else "darken", ev))
    sets["fivek_ev"] = ev_pairs

    if quick:
        n = {"fivek_expertC": 4, "polyu_noise": 4, "wb_rendered": 4, "fivek_ev": 4}
        for k, v in sets.items():
            sets[k] = [v[i] for i in _spread(len(v), n[k])]
    return sets
