"""Does `spc enhance` (the real CLI, files in and out) undo a known defect, and leave clean photos be?

On kodak24: the clean photos, the same photos 1.5 EV under-exposed, and with a warm
cast (a 4000 K light on a camera balanced for 6500 K), each folder run through
`spc enhance` as a user would. Reports PSNR and CIEDE2000 of input and output against
the original, PSNR(output, input) on the clean photos, and images/s of the CLI
(start-up included).

    python benchmarks/roundtrip.py [--limit N]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import degrade, metrics, report  # noqa: E402
from benchmarks.data import list_images, load_srgb, require_data_root  # noqa: E402

WORK = Path(__file__).resolve().parent / "_work" / "roundtrip"
CASES = {
    "clean": [],
    "under_1.5ev": [("exposure", {"ev": -1.5})],
    "warm_4000k": [("cast", {"direction": "warm", "kelvin": 4000.0})],
}


def _apply(srgb: np.ndarray, defects) -> np.ndarray:
    lin = degrade.srgb_to_linear(degrade.to_float(srgb))
    for kind, params in defects:
        lin = degrade.exposure(lin, **params) if kind == "exposure" else degrade.colour_cast(lin, **params)
    return degrade.quantise8(degrade.linear_to_srgb(lin))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="photos to use (default: all 24)")
    args = ap.parse_args()
    root = require_data_root()
    if root is None:
        return 0
    photos = list_images(root / "kodak24")[: args.limit]
    spc = shutil.which("spc") or str(Path(sys.executable).with_name("spc"))
    rows, results = [], {}
    for case, defects in CASES.items():
        src, out = WORK / case / "in", WORK / case / "out"
        shutil.rmtree(WORK / case, ignore_errors=True)
        src.mkdir(parents=True)
        originals = {}
        for p in photos:
            clean = (load_srgb(p) * 255).round().astype(np.uint8)
            originals[p.stem] = clean
            Image.fromarray(_apply(clean, defects)).save(src / f"{p.stem}.png")
        t0 = time.perf_counter()
        run = subprocess.run([spc, "enhance", str(src), "--out", str(out), "--quiet"], capture_output=True, text=True)
        seconds = time.perf_counter() - t0
        if run.returncode != 0:
            print(f"{case}: spc failed ({run.returncode}): {run.stderr.strip()[:400]}")
        before, after, keep = [], [], []
        for stem, ref in originals.items():
            ref_f = ref / 255.0
            inp = np.asarray(Image.open(src / f"{stem}.png"), dtype=np.float32) / 255.0
            res = np.asarray(Image.open(out / f"{stem}.png").convert("RGB"), dtype=np.float32) / 255.0
            before.append(metrics.full_reference(inp, ref_f))
            after.append(metrics.full_reference(res, ref_f))
            keep.append(metrics.psnr(res, inp))
        mean = lambda xs, k: float(np.mean([x[k] for x in xs]))  # noqa: E731
        r = {"photos": len(originals), "seconds": seconds, "images_per_s": len(originals) / seconds,
             "psnr_in": mean(before, "psnr"), "psnr_out": mean(after, "psnr"),
             "de_in": mean(before, "delta_e"), "de_out": mean(after, "delta_e"),
             "psnr_out_vs_in": float(np.mean(keep)), "changed_below_40db": int(sum(k < 40 for k in keep))}
        results[case] = r
        f = report.fmt
        rows.append([case, r["photos"], f(r["psnr_in"]), f(r["psnr_out"]), f(r["de_in"]), f(r["de_out"]),
                     f(r["psnr_out_vs_in"]), r["changed_below_40db"], f(r["images_per_s"])])
    report.print_table("spc enhance on kodak24 (CLI, files in and out)",
                       ["case", "n", "PSNR in", "PSNR out", "ΔE in", "ΔE out", "PSNR out vs in",
                        "n < 40 dB", "img/s"], rows,
                       note="PSNR/ΔE against the original photo; 'out vs in' is how much spc changed its input.")
    report.write_json({"results": results}, "roundtrip")
    return 0


if __name__ == "__main__":
    sys.exit(main())
