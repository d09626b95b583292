#!/usr/bin/env python
"""How the critics hold on photos and defects they were not fitted to: the acceptance figures.

    python -m benchmarks.validate_critic                        # analytic and learned, everything
    python -m benchmarks.validate_critic --critics learned --parts diagnosis --quick

Parts (each prints a markdown table; all figures go to benchmarks/results/validate-<time>.json):

- ``diagnosis``: the critic alone on ``validate_defects.py``'s variants of the validation photos
  (the 72 development photos and the held-out tenth of train/): precision and recall over all
  attributes and per attribute, direction right on true findings, clean photos with any finding,
  for each subset and both together. A finding counts at severity >= 0.3; ``related`` attributes
  count neither way (as in quality.py).
- ``casts``: strong casts of real lights on ordinary scenes (every validation photo but the warm
  scenes below), in rotation: tungsten 2700-3500 K, fluorescent F2 / F11, shade 7500-9000 K (CIE
  daylight locus), each on a camera balanced for daylight (D55), Bradford adaptation. spc enhances
  (critic, artist, closed loop) each; mean CIEDE2000 to the clean photo, output against untouched.
- ``warm``: photos of warm scenes with no cast (sunsets, fire, warm wood, sand and dry grass in low
  sun, a ginger cat), picked by eye from the validation photos: what spc's output adds in CIEDE2000.
- ``real``: the real sets of ../shared/data: wb_real_uncorrected_flickr (a white-balance finding with
  the direction seen by eye), fivek_ev_shifted (exposure direction), PolyU (crops against their
  input's PSNR: spc's output, and the denoise it applied rendered alone).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import data, metrics, report  # noqa: E402
from benchmarks import validate_defects as V  # noqa: E402
from benchmarks.quality import SCORED_ATTRIBUTES, predicted  # noqa: E402

WARM_SCENES = (
    "kodak24/kodim02", "pypi_natural/skimage_coffee", "pypi_natural/skimage_chelsea",
    "pypi_natural/pyiqa_frame_7gzdcz9sif0ekg31", "cbsd68/163085", "cbsd68/175032", "cbsd68/216081", "cbsd68/220075",
    "cbsd68/260058", "train/bsds432/test_285022", "train/bsds432/test_41096", "train/bsds432/test_43033",
    "train/bsds432/val_58060", "train/bsds432/train_236017", "train/bsds432/train_134052",
    "train/bsds432/test_161045", "train/imagenet_curated/n07802026_hay")
# the cast each wb_real_uncorrected_flickr photo shows, seen by eye
FLICKR_CASTS = {"Flcikr_Rhett_Sutphin_CC_BY_2.0": "cool", "Flickr_Alpha_CC_BY-SA_2.0": "warm",
                "Flickr_Dave--Out_and_about_CC_BY-NC_2.0": "cool", "Flickr_Davis_Doherty_CC_BY_2.0": "warm",
                "Flickr_Racoon_Cai_CC_BY-NC_2.0": "cool", "Flickr_Rhett_Sutphin_CC_BY_2.0_": "cool",
                "Flickr_chispita_666_CC_BY_2.0": "cool", "Flikr_Thomas_Hawk_CC_BY-NC_2.0": "warm",
                "Pexels_dot_com_Buenosia_Carol": "warm", "Pexels_dot_com_Thirteen_Of_Clubs": "warm"}
LONG_EDGE = 768


def _critique(critic: str, srgb_u8: np.ndarray) -> dict[str, Any]:
    from spc_cli import api

    c = api.critique_pixels(srgb_u8.astype(np.float32) / 255.0, critic=critic)
    return {"findings": [{"attribute": f.attribute, "direction": f.direction, "severity": float(f.severity),
                          "confidence": float(f.confidence)} for f in c.findings], "score": float(c.score)}


def _enhance(critic: str, srgb: np.ndarray,
             denoise_alone: bool = False) -> tuple[np.ndarray, list[str], np.ndarray | None]:
    """spc's output, the ops it applied, and (``denoise_alone``: the real part's PolyU crops) the
    denoise it applied rendered alone (None without one, or when not asked)."""
    import torch

    from spc_cli import api
    from spc_cli.ops import OPS
    from spc_cli.plan import Edit, EditPlan
    from spc_cli.registry import make_artist

    out, c, applied = api.enhance_pixels(np.ascontiguousarray(srgb, dtype=np.float32), critic=critic)
    denoise = next((a for a in applied if a["op"] == "denoise"), None) if denoise_alone else None
    alone = None
    if denoise is not None:
        plan = EditPlan([Edit("denoise", OPS["denoise"].params.from_dict(denoise["params"]))])
        with torch.inference_mode():
            r = make_artist("pipeline").render([api.photo_from_array(np.asarray(srgb, np.float32))], [plan])[0]
        alone = api.photo_to_array(r.photo)
    return np.asarray(out, np.float32), [a["op"] for a in applied], alone


# -------------------------------------------------------------------------------- diagnosis
def _diag_photo(i: int, name: str, path: Path, critics: list[str], generator: str = "validation") -> list[dict]:
    img = np.round(data.load_srgb(path, LONG_EDGE) * 255).astype(np.uint8)
    out = []
    if generator == "dev":  # degrade.py's default draw, as quality.py scores it
        from benchmarks import degrade
        from benchmarks.quality import KIND_ROTATION

        kinds = [KIND_ROTATION[(2 * i) % len(KIND_ROTATION)], KIND_ROTATION[(2 * i + 1) % len(KIND_ROTATION)]]
        variants = degrade.make_variants(data.load_srgb(path, data.CLEAN_LONG_EDGE), seed=name, kinds=kinds, name=name)
    else:
        variants = V.variants_of(img, name, i)
    for v in variants:
        rec = {"variant": v.name, "subset": "dev72" if not name.startswith("train/") else "heldout",
               "label": v.label, "critiques": {c: _critique(c, v.image) for c in critics}}
        out.append(rec)
    return out


def score_diagnosis(records: list[dict], critic: str) -> dict[str, Any]:
    tp, fp, fn, ok = (defaultdict(int) for _ in range(4))
    clean = flagged = 0
    for r in records:
        pred = predicted(r["critiques"][critic])
        want = {d["attribute"]: d["direction"] for d in r["label"]["defects"]}
        related = set(r["label"]["related"])
        if not want:
            clean += 1
            flagged += bool(pred)
        for a in SCORED_ATTRIBUTES:
            if a in want:
                if a in pred:
                    tp[a] += 1
                    ok[a] += pred[a] == want[a]
                else:
                    fn[a] += 1
            elif a in pred and a not in related:
                fp[a] += 1
    T, P, N = sum(tp.values()), sum(fp.values()), sum(fn.values())
    per = {a: {"labelled": tp[a] + fn[a], "precision": tp[a] / (tp[a] + fp[a]) if tp[a] + fp[a] else None,
               "recall": tp[a] / (tp[a] + fn[a]) if tp[a] + fn[a] else None,
               "direction": ok[a] / tp[a] if tp[a] else None, "fp": fp[a]} for a in SCORED_ATTRIBUTES}
    return {"precision": T / (T + P) if T + P else None, "recall": T / (T + N) if T + N else None,
            "direction": sum(ok.values()) / T if T else None, "clean_flagged": flagged / clean if clean else None,
            "clean": clean, "per_attribute": per}


# ---------------------------------------------------------------------------- real-light casts
def real_light(i: int, rng: np.random.Generator) -> tuple[str, dict]:
    kind = ("tungsten", "fluorescent", "tungsten", "shade")[i % 4]
    if kind == "tungsten":
        light = V.tungsten_xy(float(rng.uniform(2700, 3500)))
    elif kind == "fluorescent":
        light = V.LIGHTS_XY[str(rng.choice(["F2", "F11"]))]
    else:
        light = V.daylight_xy(float(rng.uniform(7500, 9000)))
    return kind, {"light": list(light), "balance": list(V.LIGHTS_XY["D55"])}


def _cast_photo(i: int, name: str, path: Path, critics: list[str]) -> dict:
    clean = data.load_srgb(path, LONG_EDGE).astype(np.float64)
    clean8 = np.round(clean * 255) / 255
    kind, p = real_light(i, np.random.default_rng(V.seed_of("cast:" + name)))
    cast = np.round(V.d_cast(clean8, None, **p) * 255) / 255
    rec = {"name": name, "kind": kind, "untouched": metrics.delta_e(cast, clean8), "critics": {}}
    for c in critics:
        out, ops, _ = _enhance(c, cast)
        rec["critics"][c] = {"delta_e": metrics.delta_e(out, clean8), "ops": ops}
    return rec


def _warm_photo(name: str, path: Path, critics: list[str]) -> dict:
    img = np.round(data.load_srgb(path, LONG_EDGE) * 255) / 255
    rec = {"name": name, "critics": {}}
    for c in critics:
        out, ops, _ = _enhance(c, img)
        rec["critics"][c] = {"delta_e": metrics.delta_e(out, img), "ops": ops}
    return rec


# ------------------------------------------------------------------------------- real sets
def _real(root: Path, critics: list[str], quick: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"flickr": [], "fivek_ev": [], "polyu": []}
    for p in data.list_images(root / "wb_real_uncorrected_flickr"):
        img = np.round(data.load_srgb(p, 1024) * 255).astype(np.uint8)
        out["flickr"].append({"name": p.stem, "want": FLICKR_CASTS.get(p.stem),
                              "critics": {c: predicted(_critique(c, img)).get("white_balance") for c in critics}})
    for pair in data.real_pairs(root)["fivek_ev"]:
        img = np.round(data.load_srgb(pair.input, 1024) * 255).astype(np.uint8)
        want = "under" if pair.label == "brighten" else "over"
        out["fivek_ev"].append({"name": pair.name, "want": want,
                                "critics": {c: predicted(_critique(c, img)).get("exposure") for c in critics}})
    pairs = data.real_pairs(root, quick=quick)["polyu_noise"]
    for pair in pairs:
        img, ref = data.load_srgb(pair.input), data.load_srgb(pair.reference)
        rec = {"name": pair.name, "input": metrics.psnr(img, ref), "critics": {}}
        for c in critics:
            o, ops, alone = _enhance(c, img, denoise_alone=True)
            rec["critics"][c] = {"psnr": metrics.psnr(o, ref), "denoised": "denoise" in ops, "ops": ops,
                                 "denoise_alone_psnr": None if alone is None else metrics.psnr(alone, ref)}
        out["polyu"].append(rec)
    return out


# ------------------------------------------------------------------------------------ main
def _map(pool, fn, jobs):
    if pool is None:
        return [fn(*j) for j in jobs]
    return list(pool.map(fn, *zip(*jobs))) if jobs else []


def _fmt(v, pct=False, nd=2):
    return report.fmt(v, nd, pct=pct) if v is not None else "–"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--critics", default="analytic,learned")
    ap.add_argument("--parts", default="diagnosis,casts,warm,real")
    ap.add_argument("--quick", action="store_true", help="every fourth validation photo, 8 PolyU crops")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--generator", choices=("validation", "dev"), default="validation",
                    help="diagnosis on validate_defects.py (validation photos) or degrade.py's default draw (the 72 "
                         "development photos, what quality.py scores: the set to tune on)")
    args = ap.parse_args(argv)
    root = data.require_data_root()
    if root is None:
        return 0
    critics = args.critics.split(",")
    parts = set(args.parts.split(","))
    photos = V.validation_photos(root)
    if args.quick:
        photos = photos[::4]
    t0 = time.perf_counter()
    pool = None
    if args.jobs > 1:
        import concurrent.futures
        import multiprocessing

        from benchmarks.quality import _init_worker

        pool = concurrent.futures.ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn"),
                                                      initializer=_init_worker)
    result: dict[str, Any] = {"critics": critics}
    texts = []
    try:
        if "diagnosis" in parts:
            chosen = photos if args.generator == "validation" else \
                [(f"{p.parent.name}/{p.stem}", p) for p in data.clean_photos(root, quick=args.quick)]
            recs = [r for rs in _map(pool, _diag_photo, [(i, n, p, critics, args.generator)
                                                          for i, (n, p) in enumerate(chosen)]) for r in rs]
            result["diagnosis_records"] = recs
            rows = []
            for subset in ("all", "dev72", "heldout"):
                sub = [r for r in recs if subset == "all" or r["subset"] == subset]
                for c in critics:
                    s = score_diagnosis(sub, c)
                    result.setdefault("diagnosis", {}).setdefault(subset, {})[c] = s
                    rows.append([subset, c, len(sub), _fmt(s["precision"], True), _fmt(s["recall"], True),
                                 _fmt(s["direction"], True), _fmt(s["clean_flagged"], True)])
            texts.append(report.print_table(f"Diagnosis on the {args.generator} generator",
                                            ["photos", "critic", "images", "precision", "recall", "direction ok",
                                             "clean with a finding"], rows))
            rows = []
            for a in SCORED_ATTRIBUTES[:7]:
                row = [a, result["diagnosis"]["all"][critics[0]]["per_attribute"][a]["labelled"]]
                for c in critics:
                    d = result["diagnosis"]["all"][c]["per_attribute"][a]
                    row += [_fmt(d["precision"], True), _fmt(d["recall"], True), _fmt(d["direction"], True)]
                rows.append(row)
            texts.append(report.print_table("Per attribute (all validation photos)", ["attribute", "labelled"] + [
                f"{c} {k}" for c in critics for k in ("precision", "recall", "direction")], rows))
        if "casts" in parts:
            ordinary = [(n, p) for n, p in photos if n not in WARM_SCENES]
            recs = _map(pool, _cast_photo, [(i, n, p, critics) for i, (n, p) in enumerate(ordinary)])
            result["casts"] = recs
            rows = []
            for kind in ("tungsten", "fluorescent", "shade", "all"):
                sub = [r for r in recs if kind == "all" or r["kind"] == kind]
                if not sub:
                    continue
                base = float(np.mean([r["untouched"] for r in sub]))
                row = [kind, len(sub), f"{base:.2f}"]
                for c in critics:
                    v = float(np.mean([r["critics"][c]["delta_e"] for r in sub]))
                    row += [f"{v:.2f}", f"{100 * v / base:.0f}%"]
                rows.append(row)
            texts.append(report.print_table("Strong casts of real lights on a daylight balance: mean CIEDE2000 to the "
                                            "clean photo", ["light", "n", "untouched"] + [
                                                f"{c} {k}" for c in critics for k in ("output", "of untouched")], rows))
        if "warm" in parts:
            by_name = dict(V.validation_photos(root))
            recs = _map(pool, _warm_photo, [(n, by_name[n], critics) for n in WARM_SCENES if n in by_name])
            result["warm"] = recs
            rows = [[r["name"]] + [f"{r['critics'][c]['delta_e']:.2f} {'+'.join(r['critics'][c]['ops']) or '-'}"
                                   for c in critics] for r in recs]
            rows.append(["mean"] + [f"{np.mean([r['critics'][c]['delta_e'] for r in recs]):.2f}" for c in critics])
            texts.append(report.print_table("Warm scenes with no cast: CIEDE2000 the output adds", ["photo"] + critics,
                                            rows))
        if "real" in parts:
            rl = _real(root, critics, args.quick)
            result["real"] = rl
            rows = []
            for c in critics:
                fl = rl["flickr"]
                fv = rl["fivek_ev"]
                pu = rl["polyu"]
                rows.append([c, f"{sum(r['critics'][c] == r['want'] for r in fl)}/{len(fl)}",
                             f"{sum(r['critics'][c] is not None for r in fl)}/{len(fl)}",
                             f"{sum(r['critics'][c] == r['want'] for r in fv)}/{len(fv)}",
                             f"{sum(r['critics'][c]['denoised'] for r in pu)}/{len(pu)}",
                             f"{sum(r['critics'][c]['psnr'] < r['input'] - 0.005 for r in pu)}",
                             f"{sum((r['critics'][c]['denoise_alone_psnr'] or 99.0) < r['input'] - 0.005 for r in pu)}",
                             f"{np.mean([r['input'] for r in pu]):.2f} -> "
                             f"{np.mean([r['critics'][c]['psnr'] for r in pu]):.2f}"])
            texts.append(report.print_table("Real sets", ["critic", "flickr casts: WB right direction",
                                                          "flickr: any WB finding", "fivek_ev direction right",
                                                          "PolyU denoised", "PolyU below input PSNR",
                                                          "PolyU below input, the denoise alone",
                                                          "PolyU PSNR in -> out"], rows,
                                            "PolyU below input: spc's output (every edit it made) under its input's "
                                            "PSNR; the denoise alone: the denoise spc applied, rendered by itself"))
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    result["tables_markdown"] = texts
    result["wall_seconds"] = time.perf_counter() - t0
    path = report.write_json(result, "validate", None)
    print(f"\nwall time {time.perf_counter() - t0:.0f} s; results: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
