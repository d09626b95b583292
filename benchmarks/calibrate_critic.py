"""Calibrate and check the analytic critic on the development photos.

Two steps, so thresholds can be tuned without re-measuring:

    python -m benchmarks.calibrate_critic measure   # measurements -> .cache/critic_measure.json
    python -m benchmarks.calibrate_critic score     # judge the cached numbers, print the figures
    python -m benchmarks.calibrate_critic measure --quick   # a few photos only
    python -m benchmarks.calibrate_critic speed     # a 24 MP critique, timed (no data needed)

``measure`` runs ``AnalyticCritic.measure`` on: every clean photo (kodak24, cbsd68,
pypi_natural at 768 px) and its labelled variants from ``benchmarks.degrade`` (the
same draw that benchmarks/quality.py scores: two single defects in rotation plus one
combined pair per photo, and one variant per defect kind so every kind is seen on
every photo), and the real sets (fivek_ev_shifted,
DICM low light, the rendered white-balance set, PolyU noise, real blur, FiveK inputs).

``score`` prints precision / recall per attribute (a finding counts at severity >= 0.3;
"related" attributes are neither hits nor false alarms), the false-alarm rate on clean
photos, the exposure direction on fivek_ev_shifted, and the same split into the tuning
half and the held-out half of the clean photos (photos alternate by sorted name within
each set: even positions tune, odd positions are held out).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np
import torch

from benchmarks.data import CLEAN_LONG_EDGE, REAL_LONG_EDGE, clean_photos, list_images, load_srgb, require_data_root
from benchmarks.degrade import KINDS, make_variants

CACHE = Path(__file__).resolve().parent / "_work" / "critic_measure.json"  # git-ignored


def _photo(srgb: np.ndarray, name: str, meta: dict | None = None):
    from spc_cli.api import photo_from_array

    a = srgb if srgb.dtype == np.uint8 else (np.clip(srgb, 0, 1) * 255 + 0.5).astype(np.uint8)
    p = photo_from_array(a, name)
    for k, v in (meta or {}).items():
        setattr(p.meta, k, v)
    return p


def measure(quick: bool = False) -> None:
    from spc_cli.critic.analytic import AnalyticCritic

    root = require_data_root()
    if root is None:
        return
    critic = AnalyticCritic()
    rows: list[dict] = []
    t0 = time.time()
    paths = clean_photos(root, quick=quick)
    for i, path in enumerate(paths):
        srgb = load_srgb(path, CLEAN_LONG_EDGE)
        name = f"{path.parent.name}/{path.stem}"
        img8 = (np.clip(srgb, 0, 1) * 255 + 0.5).astype(np.uint8)
        rot = tuple(KINDS)  # the same rotation of single defects as benchmarks/quality.py
        variants = make_variants(img8, seed=name, name=name, kinds=[rot[(2 * i) % len(rot)], rot[(2 * i + 1) % len(rot)]])
        extra = make_variants(img8, seed=name + "#all", name=name + "#all", kinds=list(KINDS), combined=False)
        for v in variants + extra[1:]:
            rows.append({"set": "synthetic", "photo": name, "split": "tune" if i % 2 == 0 else "hold",
                         "draw": "default" if v in variants else "all", "name": v.name,
                         "label": v.label, "m": critic.measure(_photo(v.image, v.name))})
        print(f"{i + 1}/{len(paths)} {name} {time.time() - t0:.0f}s", file=sys.stderr)
    real = {
        "fivek_ev": root / "exposure_afifi_examples" / "fivek_ev_shifted",
        "flickr_exposure": root / "exposure_afifi_examples" / "flickr_real",
        "dicm": root / "lowlight_dicm_lime_nogt" / "DICM",
        "wb_rendered": root / "wb_renderedwb_deepwb" / "input",
        "wb_groundtruth": root / "wb_renderedwb_deepwb" / "groundtruth",
        "wb_flickr": root / "wb_real_uncorrected_flickr",
        "polyu_noisy": root / "polyu_real_noise" / "noisy",
        "polyu_clean": root / "polyu_real_noise" / "mean_clean",
        "real_blur": root / "real_blur" / "blurred",
        "fivek_input": root / "fivek_dpe_expertC" / "input",
        "fivek_expertC": root / "fivek_dpe_expertC" / "expertC",
    }
    for set_name, folder in real.items():
        files = list_images(folder)
        if quick:
            files = files[:: max(1, len(files) // 4)]
        for path in files:
            srgb = load_srgb(path, REAL_LONG_EDGE)
            rows.append({"set": set_name, "photo": path.stem, "name": path.stem, "label": {},
                         "m": critic.measure(_photo(srgb, path.stem))})
        print(f"{set_name}: {len(files)} {time.time() - t0:.0f}s", file=sys.stderr)
    CACHE.parent.mkdir(parents=True, exist_ok=True)
    CACHE.write_text(json.dumps(rows))
    print(f"{len(rows)} measurements -> {CACHE}")


def _findings(row: dict, present: float = 0.3):
    from spc_cli.critic.judge import judge
    from spc_cli.photo import Metadata

    meta = Metadata(source=Path(row["name"]), format="array", sha256="", width=0, height=0, bit_depth=8)
    return [f for f in judge(row["m"], meta) if f.severity >= present]


def _prf(rows: list[dict]) -> dict:
    tp: dict[str, int] = defaultdict(int)
    fp: dict[str, int] = defaultdict(int)
    fn: dict[str, int] = defaultdict(int)
    clean_fa = clean_n = 0
    confusions: dict[str, int] = defaultdict(int)
    for r in rows:
        truth = {d["attribute"] for d in r["label"]["defects"]}
        related = set(r["label"]["related"])
        pred = {f.attribute for f in _findings(r)}
        if not truth:
            clean_n += 1
            clean_fa += bool(pred)
        for a in pred:
            if a in truth:
                tp[a] += 1
            elif a not in related:
                fp[a] += 1
                confusions[f"{'+'.join(sorted(truth)) or 'clean'} -> {a}"] += 1
        for a in truth - pred:
            fn[a] += 1
            confusions[f"missed {a}"] += 1
    attrs = sorted(set(tp) | set(fp) | set(fn))
    per = {a: {"precision": tp[a] / max(1, tp[a] + fp[a]), "recall": tp[a] / max(1, tp[a] + fn[a]),
               "tp": tp[a], "fp": fp[a], "fn": fn[a]} for a in attrs}
    T, P, N = sum(tp.values()), sum(fp.values()), sum(fn.values())
    return {"precision": T / max(1, T + P), "recall": T / max(1, T + N), "per": per,
            "clean_false_alarm": clean_fa / max(1, clean_n), "clean_n": clean_n,
            "confusions": dict(sorted(confusions.items(), key=lambda kv: -kv[1]))}


def score(verbose: bool = False) -> None:
    rows = json.loads(CACHE.read_text())
    syn = [r for r in rows if r["set"] == "synthetic"]
    for title, sel in (("default draw (as benchmarks/quality.py), all photos", [r for r in syn if r["draw"] == "default"]),
                       ("every kind on every photo, all photos", syn),
                       ("every kind, tuning half", [r for r in syn if r["split"] == "tune"]),
                       ("every kind, held-out half", [r for r in syn if r["split"] == "hold"])):
        s = _prf(sel)
        print(f"\n== {title}: n={len(sel)}  precision {s['precision']:.3f}  recall {s['recall']:.3f}  "
              f"clean false alarms {s['clean_false_alarm']:.3f} (of {s['clean_n']})")
        for a, v in s["per"].items():
            print(f"   {a:14s} P {v['precision']:.2f}  R {v['recall']:.2f}   tp {v['tp']:3d} fp {v['fp']:3d} fn {v['fn']:3d}")
        if verbose:
            print("   confusions:", list(s["confusions"].items())[:14])
    print("\n== real sets (findings at severity >= 0.3)")
    for set_name in dict.fromkeys(r["set"] for r in rows if r["set"] != "synthetic"):
        sel = [r for r in rows if r["set"] == set_name]
        counts: dict[str, int] = defaultdict(int)
        ok = 0
        for r in sel:
            fs = _findings(r)
            for f in fs:
                counts[f"{f.attribute}:{f.direction}"] += 1
            if set_name == "fivek_ev":
                want = "under" if "_N" in r["name"] else "over"
                got = [f.direction for f in fs if f.attribute == "exposure"]
                ok += got == [want]
                if verbose:
                    print(f"   {r['name']}: want {want}, got {got}")
        extra = f"  exposure direction right on {ok}/{len(sel)}" if set_name == "fivek_ev" else ""
        if set_name.startswith("polyu"):  # do no harm: what the artist would be asked to do
            from spc_cli.critic.advise import plan_for

            ops = [{e.op: e for e in plan_for(_findings(r), r["m"]).edits} for r in sel]
            evs = sorted(o["exposure"].params.ev * o["exposure"].strength for o in ops if "exposure" in o)
            extra += (f"  planned: sharpen {sum('sharpen' in o for o in ops)}, exposure {len(evs)}"
                      f" (median {statistics.median(evs) if evs else 0:+.2f} EV after strength)")
        print(f"   {set_name:16s} n={len(sel):3d}{extra}  {dict(counts)}")


def speed(runs: int = 5) -> None:
    """Time the critique of a 24 MP (6000 x 4000) photo built in memory, proxy included."""
    from spc_cli.critic.analytic import AnalyticCritic
    from spc_cli.photo import Metadata, Photo

    g = torch.Generator().manual_seed(0)
    base = torch.rand(3, 40, 60, generator=g) * 0.8
    pixels = torch.nn.functional.interpolate(base[None], size=(4000, 6000), mode="nearest")[0]
    pixels = (pixels * (1 + 0.05 * torch.randn(3, 4000, 6000, generator=g))).clamp(0, 1).contiguous()
    meta = Metadata(source=__import__("pathlib").Path("24mp"), format="array", sha256="", width=6000,
                    height=4000, bit_depth=16)
    critic = AnalyticCritic()
    critic.critique([Photo(pixels=pixels, meta=meta)])  # warm-up
    total, proxy, cpu_rest = [], [], []
    for _ in range(runs):
        p = Photo(pixels=pixels, meta=meta)
        t0 = time.perf_counter()
        p.proxy(512)
        t1 = time.perf_counter()
        c1 = time.process_time()
        critic.critique([p])
        c2 = time.process_time()
        t2 = time.perf_counter()
        proxy.append(t1 - t0)
        total.append(t2 - t0)
        cpu_rest.append(c2 - c1)
    # the measurements after the proxy run on one thread, so their CPU time is what they would
    # take on an idle core; wall time depends on what else the machine is doing
    print(f"24 MP critique: median {1000 * statistics.median(total):.0f} ms wall "
          f"(proxy downscale {1000 * statistics.median(proxy):.0f} ms; the rest "
          f"{1000 * statistics.median(cpu_rest):.0f} ms of CPU on one thread), torch threads "
          f"{torch.get_num_threads()}, load average {__import__('os').getloadavg()[0]:.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("step", choices=["measure", "score", "speed"])
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("-v", "--verbose", action="store_true")
    a = ap.parse_args()
    if a.step == "measure":
        measure(a.quick)
    elif a.step == "speed":
        speed()
    else:
        score(a.verbose)


if __name__ == "__main__":
    main()
