"""Build examples/: a few clean photos, defective variants of them, and a synthetic DNG.

Sources are scikit-image's bundled sample photos whose licences allow redistribution
(public domain / CC0, see examples/LICENSES.md). Needs scikit-image to run; the files it
writes are plain JPEG/DNG, so using the examples needs nothing extra.

    python tools/make_examples.py            # writes ./examples
    python tools/make_examples.py --out DIR
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from spc_cli.io.dng import colour_chart, write_dng  # noqa: E402

LONG_EDGE = 640
QUALITY = 90

# name -> (skimage.data loader, credit, licence as skimage's docstring states it)
SOURCES = {
    "astronaut": ("astronaut", "Eileen Collins, NASA (NASA Great Images database)",
                  "Public domain (\"No known copyright restrictions, released into the public domain\")"),
    "coffee": ("coffee", "Rachel Michetti", "CC0 (\"No copyright restrictions. CC0 by the photographer\")"),
    "chelsea": ("chelsea", "Stefan van der Walt", "CC0 (\"No copyright restrictions. CC0 by the photographer\")"),
}

# defective variant -> (source photo, what was done, function on linear RGB / sRGB)
DEFECTS = {
    "chelsea_underexposed": ("chelsea", "under-exposed by 1.5 EV (linear light x 2^-1.5)"),
    "astronaut_warm_cast": ("astronaut", "warm colour cast (linear gains R x1.30, G x1.00, B x0.68)"),
    "coffee_flat": ("coffee", "flat, low contrast (sRGB values compressed to 22%-72%, slightly lifted)"),
}


def to_linear(rgb8: np.ndarray) -> np.ndarray:
    v = rgb8.astype(np.float64) / 255.0
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def to_srgb8(lin: np.ndarray) -> np.ndarray:
    v = np.clip(lin, 0.0, 1.0)
    s = np.where(v <= 0.0031308, v * 12.92, 1.055 * v ** (1 / 2.4) - 0.055)
    return np.rint(s * 255).astype(np.uint8)


def fit(rgb8: np.ndarray) -> np.ndarray:
    """Shrink (never enlarge) so the long edge is at most LONG_EDGE."""
    h, w = rgb8.shape[:2]
    scale = LONG_EDGE / max(h, w)
    if scale >= 1:
        return rgb8
    size = (round(w * scale), round(h * scale))
    return np.asarray(Image.fromarray(rgb8).resize(size, Image.Resampling.LANCZOS))


def defect(name: str, rgb8: np.ndarray) -> np.ndarray:
    if name == "chelsea_underexposed":
        return to_srgb8(to_linear(rgb8) * 2.0 ** -1.5)
    if name == "astronaut_warm_cast":
        return to_srgb8(to_linear(rgb8) * np.array([1.30, 1.00, 0.68]))
    if name == "coffee_flat":
        s = rgb8.astype(np.float64) / 255.0
        return np.rint((0.22 + 0.50 * s) * 255).astype(np.uint8)
    raise KeyError(name)


def exif_for(description: str, credit: str, licence: str) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010E] = description  # ImageDescription
    exif[0x013B] = credit  # Artist
    exif[0x8298] = licence  # Copyright
    exif[0x0131] = "spc tools/make_examples.py"  # Software
    return exif


def save_jpeg(path: Path, rgb8: np.ndarray, exif: Image.Exif) -> None:
    Image.fromarray(rgb8).save(path, quality=QUALITY, subsampling=2, optimize=True, exif=exif)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "examples")
    args = parser.parse_args(argv)
    from skimage import data

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    written: list[tuple[str, str, str, str]] = []
    clean: dict[str, np.ndarray] = {}
    for name, (loader, credit, licence) in SOURCES.items():
        rgb8 = fit(np.ascontiguousarray(getattr(data, loader)()[:, :, :3]))
        clean[name] = rgb8
        path = out / f"{name}.jpg"
        save_jpeg(path, rgb8, exif_for(f"skimage.data.{loader}, clean", credit, licence))
        written.append((path.name, f"`skimage.data.{loader}()`, unedited", credit, licence))
    for name, (source, what) in DEFECTS.items():
        loader, credit, licence = SOURCES[source]
        path = out / f"{name}.jpg"
        save_jpeg(path, defect(name, clean[source]), exif_for(f"skimage.data.{loader}, {what}", credit, licence))
        written.append((path.name, f"`skimage.data.{loader}()`, {what}", credit, licence))

    # a rendered colour chart, one stop under, with a little sensor noise, as a Bayer DNG
    scene = colour_chart(256, 192, exposure=0.5)
    write_dng(out / "synthetic.dng", scene, noise=0.004, model="Synthetic Bayer", exif={
        0x829A: IFDRational(1, 125), 0x829D: IFDRational(56, 10), 0x8827: 400,
        0x9003: "2026:01:01 12:00:00", 0x920A: IFDRational(35, 1),
    })
    written.append(("synthetic.dng", "rendered by `spc_cli.io.dng` (tools/make_examples.py): a 6x4 colour "
                    "chart on grey, 1 EV under, RGGB Bayer, 256x192", "spc authors", "CC0"))

    lines = [
        "# Example files: sources and licences", "",
        "Generated by `python tools/make_examples.py` (needs scikit-image). The photos come from",
        "scikit-image's bundled sample data (`skimage.data`); the licence column quotes the",
        "notes in scikit-image's own docstrings for each image. Defective variants are derived",
        "from the clean photos by the named operation and carry the same licence.", "",
        "| File | Source | Credit | Licence |", "|---|---|---|---|",
    ]
    for fname, source, credit, licence in written:
        lines.append(f"| `{fname}` | {source} | {credit} | {licence} |")
    lines.append("")
    (out / "LICENSES.md").write_text("\n".join(lines), encoding="utf-8")
    for fname, *_ in written:
        print(f"{out / fname}  {(out / fname).stat().st_size / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
