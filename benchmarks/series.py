#!/usr/bin/env python
"""Do photos of one scene come out matching, without any of them coming out worse?

    python benchmarks/series.py            # 24 kodak + 12 cbsd68 scenes and the real renders (~10 min here)
    python benchmarks/series.py --quick    # 6 scenes and the real renders (~3 min)
    python benchmarks/series.py --memory 150,900   # peak memory of series planning by folder size

Series, as a camera's auto modes make them:

- **reframings**: from one clean photo, ``FRAMES`` reframings (a crop of 58-85% of each side,
  always holding the centre, resampled to one camera size); the camera meters each framing and
  renders it with its own exposure and white balance error: auto exposure pulls the framing's
  centre-weighted log-average luminance ``AE_PULL`` of the way to the whole scene's value's
  opposite (a bright framing comes out darker), auto white balance undoes ``AWB_PULL`` of the
  framing's grey-world colour relative to the whole scene's, plus a small random error of each
  (``AE_JITTER`` stops, ``AWB_JITTER`` log units). The clean original of a frame is the same
  reframing of the clean photo. Frames are 8-bit JPEGs with the EXIF a camera writes (one body,
  4 s apart); scenes are 3 minutes apart, all in one folder, as one shoot.
- **renders**: the ten real renders of one Canon scene (``wb_renderedwb_deepwb``: five white
  balance presets x two picture styles), one series; the clean original is the chart-corrected
  render.

Both are run through ``spc enhance`` twice: ``--series off`` (per-photo correction) and
``--series auto``. Figures per series: the spread of the outputs' mean CIELAB (the RMS distance
of each frame's mean L*, a*, b* from their mean; for reframings over the part of the scene every
frame holds, so that the framing's own content is not counted) and, per photo, the mean
CIEDE2000 to its clean original. Also whether the grouping found exactly the scenes.
Prints markdown and writes benchmarks/results/series-<time>.json.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import data, metrics  # noqa: E402
from benchmarks.degrade import LUMA, linear_to_srgb, srgb_to_linear  # noqa: E402

FRAMES = 6
FRAME_WIDTH = 512
AE_PULL = 0.7
AWB_PULL = 0.6
AE_JITTER = 0.1
AWB_JITTER = 0.04
WORK = Path(__file__).resolve().parent / "_work" / "series"


@dataclass
class Frame:
    name: str
    scene: str
    clean: np.ndarray  # sRGB float (H, W, 3)
    box: tuple[float, float, float, float] | None  # x0, y0, x1, y1 in the clean photo (fractions)


def _meter(lin: np.ndarray) -> float:
    """Centre-weighted log-average luminance (stops)."""
    h, w = lin.shape[:2]
    y, x = np.mgrid[0:h, 0:w]
    weight = np.exp(-(((x - w / 2) / (0.35 * w)) ** 2 + ((y - h / 2) / (0.35 * h)) ** 2))
    lum = np.maximum(lin @ LUMA, 1e-4)
    return float((np.log2(lum) * weight).sum() / weight.sum())


def _grey_world(lin: np.ndarray) -> np.ndarray:
    m = lin.reshape(-1, 3).mean(0) + 1e-6
    return np.log(m) - np.log(m[1])


def reframings(clean: np.ndarray, scene: str, rng: np.random.Generator) -> list[tuple[Frame, np.ndarray]]:
    """``FRAMES`` (frame, camera rendering) pairs of one clean sRGB photo."""
    h, w = clean.shape[:2]
    lin = srgb_to_linear(clean)
    meter_all, grey_all = _meter(lin), _grey_world(lin)
    out = []
    for k in range(FRAMES):
        s = rng.uniform(0.58, 0.85)
        x0 = rng.uniform(max(0.0, 0.65 - s), min(0.35, 1.0 - s))
        y0 = rng.uniform(max(0.0, 0.65 - s), min(0.35, 1.0 - s))
        box = (x0, y0, x0 + s, y0 + s)
        crop = lin[int(y0 * h):int((y0 + s) * h), int(x0 * w):int((x0 + s) * w)]
        size = (FRAME_WIDTH, round(FRAME_WIDTH * crop.shape[0] / crop.shape[1]))
        interp = cv2.INTER_AREA if crop.shape[1] >= FRAME_WIDTH else cv2.INTER_CUBIC
        crop = np.clip(cv2.resize(crop, size, interpolation=interp), 0.0, None)
        ev = -AE_PULL * (_meter(crop) - meter_all) + rng.normal(0, AE_JITTER)
        cast = -AWB_PULL * (_grey_world(crop) - grey_all) + np.array([rng.normal(0, AWB_JITTER), 0,
                                                                       rng.normal(0, AWB_JITTER)])
        gains = np.exp(cast)
        gains /= float(LUMA @ gains)
        shot = np.clip(crop * gains * 2.0 ** ev, 0.0, 1.0)
        clean_frame = np.clip(linear_to_srgb(crop), 0.0, 1.0)
        out.append((Frame(f"{scene}_{k}", scene, clean_frame, box), np.clip(linear_to_srgb(shot), 0, 1)))
    return out


def _exif(when: float, body: str = "Canon EOS R6") -> Image.Exif:
    from PIL.TiffImagePlugin import IFDRational

    exif = Image.Exif()
    exif[0x010F], exif[0x0110] = "Canon", body
    stamp = time.strftime("%Y:%m:%d %H:%M:%S", time.localtime(when))
    exif[0x8769] = {0x9003: stamp, 0x9291: f"{int(round((when % 1) * 100)):02d}", 0x829A: IFDRational(1, 200),
                    0x829D: IFDRational(4, 1), 0x8827: 400, 0xA403: 0}
    return exif


def write_frame(folder: Path, name: str, srgb: np.ndarray, when: float) -> Path:
    path = folder / f"{name}.jpg"
    img = Image.fromarray((np.clip(srgb, 0, 1) * 255 + 0.5).astype(np.uint8))
    img.save(path, quality=95, exif=_exif(when))
    return path


def run_spc(folder: Path, out: Path, series: str) -> float:
    from spc_cli import api

    if out.exists():
        shutil.rmtree(out)
    t0 = time.perf_counter()
    summary = api.enhance([folder], out, progress=False, series=series)
    if summary.failed:
        raise RuntimeError(f"spc failed on {len(summary.failed)} photos: {summary.failed[0].reason}")
    return time.perf_counter() - t0


def _shared_region(frames: list[Frame], shape: tuple[int, int], f: Frame) -> tuple[slice, slice]:
    """The part of frame ``f`` (of ``shape``) that every frame of its series holds."""
    x0 = max(g.box[0] for g in frames)
    y0 = max(g.box[1] for g in frames)
    x1 = min(g.box[2] for g in frames)
    y1 = min(g.box[3] for g in frames)
    bx0, by0, bx1, by1 = f.box
    h, w = shape
    fx = lambda v: int(round((v - bx0) / (bx1 - bx0) * w))  # noqa: E731
    fy = lambda v: int(round((v - by0) / (by1 - by0) * h))  # noqa: E731
    return slice(fy(y0), fy(y1)), slice(fx(x0), fx(x1))


def spread(means: list[np.ndarray]) -> float:
    """RMS distance of the frames' mean (L*, a*, b*) from their mean."""
    m = np.stack(means)
    return float(np.sqrt(((m - m.mean(0)) ** 2).sum(1).mean()))


def measure(frames: list[Frame], out_dir: Path) -> dict:
    """Spread and per-photo CIEDE2000 of the outputs of one series."""
    means, des = [], []
    for f in frames:
        out = data.load_srgb(out_dir / f"{f.name}.jpg")
        region = _shared_region(frames, out.shape[:2], f) if f.box is not None else (slice(None), slice(None))
        means.append(metrics.to_lab(out[region]).reshape(-1, 3).mean(0))
        des.append(metrics.delta_e(out, f.clean, stride=1))
    return {"spread": spread(means), "delta_e": des, "means": [m.round(2).tolist() for m in means]}


def series_found(out_dir: Path, frames: list[Frame]) -> dict[str, str | None]:
    """Each frame's series id, from its sidecar."""
    found = {}
    for f in frames:
        doc = json.loads((out_dir / f"{f.name}.spc.json").read_text())
        found[f.name] = (doc.get("series") or {}).get("id")
    return found


def _offset(doc: dict) -> np.ndarray:
    """A frame's rendering relative to its series' reference, log gains, from its sidecar."""
    off = doc["series"]["offset"]
    return np.log(np.asarray(off["gains"])) + off["ev"] * math.log(2.0)


def oracle(frames: list[Frame], folder: Path, out_dir: Path, off_dir: Path) -> dict:
    """The best any method that makes the frames match could do with spc's measured offsets,
    knowing the clean originals: the common correction T (frame i rendered as input x exp(T -
    offset_i), clipped) that minimises the largest increase of a frame's CIEDE2000 over its
    per-photo result. Above 0, no common correction leaves every frame as close as per-photo
    correction did."""
    from scipy.optimize import minimize

    docs = [json.loads((out_dir / f"{f.name}.spc.json").read_text()) for f in frames]
    if any(d.get("series") is None or "offset" not in d["series"] for d in docs):
        return {}
    offsets = [_offset(d) for d in docs]
    ins = [srgb_to_linear(data.load_srgb(folder / f"{f.name}.jpg"))[::4, ::4] for f in frames]
    cleans = [f.clean[::4, ::4] for f in frames]
    per_photo = [metrics.delta_e(data.load_srgb(off_dir / f"{f.name}.jpg")[::4, ::4], c, stride=1)
                 for f, c in zip(frames, cleans)]  # on the same pixels as the oracle's

    def des(t: np.ndarray) -> np.ndarray:
        return np.array([metrics.delta_e(np.clip(linear_to_srgb(np.clip(x * np.exp(t - o), 0, 1)), 0, 1), c, stride=1)
                         for x, o, c in zip(ins, offsets, cleans)])

    worst = lambda t: float((des(t) - np.asarray(per_photo)).max())  # noqa: E731
    start = np.log(np.asarray(docs[0]["series"]["correction"]["gains"])) \
        + docs[0]["series"]["correction"]["ev"] * math.log(2.0) + offsets[0]
    best = min((minimize(worst, x0, method="Nelder-Mead", options={"xatol": 1e-3, "fatol": 1e-3, "maxfev": 300})
                for x0 in (start,)), key=lambda r: r.fun)
    return {"worst_increase": float(best.fun), "target": best.x.round(4).tolist()}


def memory(counts: list[int], root: Path) -> None:
    """Peak memory (RSS) and time of ``plan_series`` on folders of each size, each in a fresh
    process: flat when the first pass keeps no picture beyond its window."""
    import subprocess

    rng = np.random.default_rng(0)
    scenes = data.list_images(root / "kodak24")
    folder = WORK / "memory"
    t = time.mktime((2025, 6, 1, 10, 0, 0, 0, 0, -1))
    made = 0
    print("| photos | peak RSS (MB) | first pass (s) | per photo (ms) | series |\n|---|---|---|---|---|")
    for n in sorted(counts):
        while made < n:
            path = scenes[(made // FRAMES) % len(scenes)]
            clean = data.load_srgb(path, data.CLEAN_LONG_EDGE)
            for k, (frame, shot) in enumerate(reframings(clean, f"m{made // FRAMES:05d}", rng)):
                folder.mkdir(parents=True, exist_ok=True)
                write_frame(folder, frame.name, shot, t + 180 * (made // FRAMES) + 4 * k)
            made += FRAMES
        files = sorted(folder.glob("*.jpg"))[:n]
        sub = WORK / f"memory-{n}"
        if sub.exists():
            shutil.rmtree(sub)
        sub.mkdir(parents=True)
        for f in files:
            (sub / f.name).symlink_to(f)
        code = ("import json, resource, sys, time\n"
                "from pathlib import Path\n"
                "from spc_cli.engine import Settings, plan_jobs\n"
                "from spc_cli.engine.series import plan_series\n"
                "from spc_cli.registry import make_critic\n"
                f"s = Settings(out_dir=Path({str(WORK / 'memory-out')!r}), series='auto')\n"
                f"jobs = plan_jobs([Path({str(sub)!r})], s)\n"
                "t0 = time.perf_counter()\n"
                "found = plan_series(jobs, s, make_critic('analytic'))\n"
                "dt = time.perf_counter() - t0\n"
                "rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024\n"
                "print(json.dumps({'rss': rss, 'seconds': dt, 'series': len(found)}))\n")
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"| {n} | {r['rss']:.0f} | {r['seconds']:.1f} | {1000 * r['seconds'] / n:.0f} | {r['series']} |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="6 scenes and the real renders")
    ap.add_argument("--seed", type=int, default=17)
    ap.add_argument("--train", type=int, default=0, metavar="N",
                    help="series from N photos of the training set instead (for calibrating constants)")
    ap.add_argument("--memory", default="", help="folder sizes to measure series planning's memory on, e.g. 150,900")
    args = ap.parse_args()
    root = data.require_data_root()
    if root is None:
        return 0
    if args.memory:
        memory([int(x) for x in args.memory.split(",")], root)
        return 0
    rng = np.random.default_rng(args.seed)
    scenes = data.list_images(root / "kodak24") + data.list_images(root / "cbsd68")[:12]
    if args.quick:
        scenes = [scenes[i] for i in (0, 4, 9, 14, 19, 23)]
    if args.train:
        pool = sorted(p for p in (root / "train").rglob("*") if p.suffix.lower() in data.IMAGE_EXTS)
        scenes = [pool[i] for i in np.random.default_rng(args.seed).choice(len(pool), args.train, replace=False)]
    if args.train:
        global WORK
        WORK = WORK.parent / "series-train"
    if WORK.exists():
        shutil.rmtree(WORK)
    shoot = WORK / "shoot"
    shoot.mkdir(parents=True)
    by_scene: dict[str, list[Frame]] = {}
    t = time.mktime((2025, 6, 1, 10, 0, 0, 0, 0, -1))
    for i, path in enumerate(scenes):
        scene = f"{path.parent.name}-{path.stem}"
        clean = data.load_srgb(path, data.CLEAN_LONG_EDGE)
        for k, (frame, shot) in enumerate(reframings(clean, scene, rng)):
            write_frame(shoot, frame.name, shot, t + 180 * i + 4 * k + 0.25)
            by_scene.setdefault(scene, []).append(frame)
    renders: list[Frame] = []
    wb = root / "wb_renderedwb_deepwb"
    gt = data.load_srgb(wb / "groundtruth" / "8D5U5524_G_AS.png")
    wb_dir = WORK / "renders"
    wb_dir.mkdir()
    for k, p in enumerate(data.list_images(wb / "input")):
        write_frame(wb_dir, p.stem, data.load_srgb(p), t + 100000 + 3 * k)
        renders.append(Frame(p.stem, "renders", gt, None))

    results: dict = {"frames": FRAMES, "scenes": len(scenes), "seed": args.seed, "sets": {}}
    sets = [("reframings", shoot, by_scene)] + ([] if args.train else [("renders", wb_dir, {"renders": renders})])
    for label, folder, groups in sets:
        runs = {}
        for mode in ("off", "auto"):
            out = WORK / f"out-{label}-{mode}"
            secs = run_spc(folder, out, mode)
            runs[mode] = {"seconds": secs, "series": {s: measure(fr, out) for s, fr in groups.items()}}
            if mode == "auto":
                runs[mode]["found"] = {s: series_found(out, fr) for s, fr in groups.items()}
                runs[mode]["oracle"] = {s: oracle(fr, folder, out, WORK / f"out-{label}-off")
                                        for s, fr in groups.items()}
        inputs = {s: measure(fr, folder) for s, fr in groups.items()}
        results["sets"][label] = {"input": inputs, **runs}
        _print_set(label, groups, inputs, runs)
    from benchmarks import report

    results["environment"] = report.environment()
    print(f"\nfigures written to {report.write_json(results, 'series')}")
    return 0


def _print_set(label: str, groups: dict[str, list[Frame]], inputs: dict, runs: dict) -> None:
    off, auto = runs["off"]["series"], runs["auto"]["series"]
    print(f"\n### {label}: {len(groups)} series of {sum(len(v) for v in groups.values()) // max(1, len(groups))} "
          f"(spc {runs['off']['seconds']:.1f} s per-photo, {runs['auto']['seconds']:.1f} s with series)\n")
    print("| series | spread in | per-photo | series | ratio | mean dE00 in | per-photo | series "
          "| worst frame (series - per-photo) | best a matching method could do |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    best = runs["auto"].get("oracle", {})
    ratios, worst, n_worse, n_half, n_one, n_better = [], [], 0, 0, 0, 0
    for s in groups:
        r = auto[s]["spread"] / max(off[s]["spread"], 1e-9)
        ratios.append(r)
        d = np.array(auto[s]["delta_e"]) - np.array(off[s]["delta_e"])
        worst.append(float(d.max()))
        n_worse += int((d > 0.05).sum())
        n_half += int((d > 0.5).sum())
        n_one += int((d > 1.0).sum())
        n_better += int((d < -0.05).sum())
        print(f"| {s} | {inputs[s]['spread']:.2f} | {off[s]['spread']:.2f} | {auto[s]['spread']:.2f} | {r:.2f} "
              f"| {np.mean(inputs[s]['delta_e']):.2f} | {np.mean(off[s]['delta_e']):.2f} "
              f"| {np.mean(auto[s]['delta_e']):.2f} | {d.max():+.2f} "
              f"| {best.get(s, {}).get('worst_increase', float('nan')):+.2f} |")
    sp_off = np.mean([off[s]["spread"] for s in groups])
    sp_auto = np.mean([auto[s]["spread"] for s in groups])
    print(f"\nmean spread: per-photo {sp_off:.2f}, series {sp_auto:.2f} (ratio {sp_auto / max(sp_off, 1e-9):.2f}); "
          f"series with ratio <= 1/3: {sum(r <= 1 / 3 for r in ratios)}/{len(ratios)}; "
          f"frames closer to their original than per-photo / further (by > 0.05): {n_better} / {n_worse}, "
          f"further by > 0.5: {n_half}, by > 1: {n_one}; largest increase {max(worst):+.2f} dE00; mean dE00 "
          f"per-photo {np.mean([np.mean(off[s]['delta_e']) for s in groups]):.2f}, "
          f"series {np.mean([np.mean(auto[s]['delta_e']) for s in groups]):.2f}")
    found = runs["auto"].get("found", {})
    merged = split = 0
    ids_by_scene = {s: set(v.values()) for s, v in found.items()}
    for s, ids in ids_by_scene.items():
        if len(ids) != 1 or None in ids:
            split += 1
        others = set().union(*(v for k, v in ids_by_scene.items() if k != s)) if len(ids_by_scene) > 1 else set()
        if ids & others - {None}:
            merged += 1
    print(f"grouping: {len(found)} scenes, {split} not found whole as one series, {merged} merged with another")


if __name__ == "__main__":
    sys.exit(main())
