#!/usr/bin/env python
"""Does spc make photos better, and does it leave good ones alone?

    python benchmarks/quality.py            # everything (~9 min on 2 busy cores)
    python benchmarks/quality.py --quick    # 8 clean photos, 4 pairs per real set (~1.5 min)

Methods run side by side on the same inputs (see baselines.py); figures per synthetic
defect kind and per real set, plus spc's diagnosis precision/recall. Prints markdown
tables and writes benchmarks/results/quality-<time>.json. Reads ../shared/data; when
it is absent says so and exits 0. See benchmarks/README.md for how to read the figures.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import traceback
from collections import defaultdict
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import baselines, data, degrade, metrics, report, validate_defects  # noqa: E402

SEVERITY_THRESHOLD = 0.3  # a critic finding counts as a diagnosis at or above this severity
LEFT_ALONE_DB = 40.0  # an untouched photo is "left alone" when output vs input PSNR >= this
EV_DEAD_BAND = 0.05  # |log2(mean luminance out / in)| below this counts as "no change"
SCORED_ATTRIBUTES = ("exposure", "white_balance", "contrast", "saturation", "haze", "noise",
                     "sharpness", "highlights", "shadows")
# the single defects rotate through every kind so each is drawn about equally often
KIND_ROTATION = tuple(degrade.KINDS)
REAL_EXPECTED = {"polyu_noise": "noise", "wb_rendered": "white_balance", "fivek_ev": "exposure"}


# --------------------------------------------------------------------------- running methods


def _err(e: BaseException) -> str:
    return f"{type(e).__name__}: {e}"[:300]


def run_methods(srgb: np.ndarray, ref: np.ndarray | None, methods: dict[str, Any],
                want_critique: bool = True) -> tuple[dict[str, dict], dict[str, Any] | None, dict[str, np.ndarray]]:
    """Every method on one input; metrics against ``ref`` (when given). Returns per-method
    figures, spc's critique as a dict (or None), and the outputs (for direction checks)."""
    figures: dict[str, dict] = {}
    outputs: dict[str, np.ndarray] = {}
    critique = None
    critiques: dict[str, Any] = {}
    for name, fn in methods.items():
        t0 = time.perf_counter()
        try:
            if name == "spc" or name in baselines.SPC_CRITICS:
                out, crit, applied = baselines.spc_run(srgb, baselines.SPC_CRITICS.get(name))
                critiques[name] = _critique_dict(crit)
                critiques[name]["applied"] = [a.get("op", "?") if isinstance(a, dict) else str(a) for a in applied]
                if name == "spc":
                    critique = critiques[name]
            else:
                out = fn(srgb)
            if out.shape != srgb.shape:
                raise ValueError(f"output shape {out.shape} != input {srgb.shape}")
            if not np.all(np.isfinite(out)):
                raise ValueError("output has NaN or inf")
        except Exception as e:  # noqa: BLE001 - a failing method is recorded, the run goes on
            figures[name] = {"error": _err(e)}
            if name == "spc" and want_critique and critique is None:
                try:
                    critique = _critique_dict(baselines.spc_critique(srgb))
                    critique["from"] = "critique_pixels (enhance failed)"
                except Exception as e2:  # noqa: BLE001
                    critique = {"error": _err(e2)}
            continue
        f: dict[str, Any] = {"seconds": time.perf_counter() - t0}
        if ref is not None:
            f.update(metrics.full_reference(out, ref))
        if name in critiques:
            f["critique"] = critiques[name]
        figures[name] = f
        outputs[name] = out
    return figures, critique, outputs


def _critique_dict(c: Any) -> dict[str, Any]:
    findings = []
    for f in getattr(c, "findings", []) or []:
        findings.append({"attribute": f.attribute, "direction": f.direction,
                         "severity": float(f.severity), "confidence": float(f.confidence)})
    return {"score": float(getattr(c, "score", float("nan"))), "findings": findings}


def predicted(critique: dict[str, Any] | None) -> dict[str, str]:
    """Attribute -> direction of the findings at or above the severity threshold."""
    if not critique or "findings" not in critique:
        return {}
    out: dict[str, str] = {}
    for f in sorted(critique["findings"], key=lambda f: -f["severity"]):
        if f["severity"] >= SEVERITY_THRESHOLD and f["attribute"] not in out:
            out[f["attribute"]] = f["direction"]
    return out


# --------------------------------------------------------------------------- synthetic set


def _synthetic_photo(i: int, path: Path, method_names: list[str], save_dir: Path | None,
                     generator: str = "dev", key: str | None = None) -> list[dict[str, Any]]:
    """All variants of clean photo number ``i`` through every method: ``degrade.py``'s (``dev``) or
    ``validate_defects.py``'s (``validation``)."""
    methods, _ = baselines.available_methods(method_names)
    key = key or f"{path.parent.name}/{path.stem}"
    clean = data.load_srgb(path, data.CLEAN_LONG_EDGE)
    if generator == "validation":
        variants = validate_defects.variants_of(np.round(clean * 255).astype(np.uint8), key, i)
    else:
        kinds = [KIND_ROTATION[(2 * i) % len(KIND_ROTATION)], KIND_ROTATION[(2 * i + 1) % len(KIND_ROTATION)]]
        variants = degrade.make_variants(clean, seed=key, kinds=kinds, name=key)
    ref = variants[0].image.astype(np.float32) / 255.0  # the untouched photo, 8-bit like the rest
    records = []
    for v in variants:
        img = v.image.astype(np.float32) / 255.0
        n = len(v.label["defects"])
        group = "untouched" if n == 0 else (v.label["defects"][0]["kind"] if n == 1 else "pair")
        figs, crit, _ = run_methods(img, ref, methods)
        records.append({"set": "synthetic", "variant": v.name, "group": group, "label": v.label,
                        "methods": figs, "spc_critique": crit})
        if save_dir is not None:
            from PIL import Image

            save_dir.mkdir(parents=True, exist_ok=True)
            Image.fromarray(v.image).save(save_dir / (v.name.replace("/", "_") + ".png"))
    return records


def synthetic(root: Path, method_names: list[str], quick: bool, limit: int | None,
              save_dir: Path | None, pool: Any, generator: str = "dev") -> list[dict[str, Any]]:
    if generator == "validation":
        named = validate_defects.validation_photos(root)
        named = (named[::6] if quick else named)[:limit]
        photos, keys = [p for _, p in named], [n for n, _ in named]
        per = 6
    else:
        photos = data.clean_photos(root, quick=quick)[:limit]
        keys, per = [None] * len(photos), 4
    print(f"synthetic ({generator}): {len(photos)} clean photos x {per} variants, long edge <= "
          f"{data.CLEAN_LONG_EDGE} px", flush=True)
    records: list[dict[str, Any]] = []
    jobs = [(i, p, method_names, save_dir, generator, k) for i, (p, k) in enumerate(zip(photos, keys))]
    for k, recs in enumerate(_map(pool, _synthetic_photo, jobs)):
        records += recs
        print(f"  [{k + 1}/{len(photos)}] {recs[0]['variant'].split('__')[0]}: "
              f"{', '.join(r['variant'].split('__')[1] for r in recs)}", flush=True)
    return records


def _map(pool: Any, fn: Any, jobs: list[tuple]) -> Any:
    """fn(*job) for every job, in order; in worker processes when there is a pool."""
    if pool is None:
        return (fn(*j) for j in jobs)
    return pool.map(fn, *zip(*jobs)) if jobs else iter(())


def _init_worker() -> None:
    """Each worker uses one thread, so --jobs N keeps N cores busy and no more."""
    import os

    os.environ["MAGICK_THREAD_LIMIT"] = "1"
    os.environ["OMP_NUM_THREADS"] = "1"
    try:
        import cv2

        cv2.setNumThreads(1)
        import torch

        torch.set_num_threads(1)
    except Exception:  # noqa: BLE001
        pass


def diagnosis(records: list[dict[str, Any]], method: str = "spc") -> dict[str, Any]:
    """Precision / recall per attribute on the labelled set, false alarms on untouched, of ``method``'s
    critic (spc's default, or an ``spc-<critic>`` method's)."""
    tp, fp, fn, dir_ok = (defaultdict(int) for _ in range(4))
    n_lab: dict[str, int] = defaultdict(int)
    untouched = alarms = 0
    alarm_attrs: dict[str, int] = defaultdict(int)
    scored = 0
    for r in records:
        c = r.get("spc_critique") if method == "spc" else r["methods"].get(method, {}).get("critique")
        if not c or "findings" not in c:
            continue
        scored += 1
        pred = predicted(c)
        labelled = {d["attribute"]: d["direction"] for d in r["label"]["defects"]}
        related = set(r["label"].get("related", []))
        if not labelled:
            untouched += 1
            alarms += bool(pred)
            for a in pred:
                alarm_attrs[a] += 1
            # a finding on a good photo is a false positive for its attribute too
        for a in SCORED_ATTRIBUTES:
            if a in labelled:
                n_lab[a] += 1
                if a in pred:
                    tp[a] += 1
                    dir_ok[a] += pred[a] == labelled[a]
                else:
                    fn[a] += 1
            elif a in pred and a not in related:
                fp[a] += 1
    per_attr = {}
    for a in SCORED_ATTRIBUTES:
        p = tp[a] / (tp[a] + fp[a]) if tp[a] + fp[a] else None
        rc = tp[a] / (tp[a] + fn[a]) if tp[a] + fn[a] else None
        per_attr[a] = {"labelled": n_lab[a], "tp": tp[a], "fp": fp[a], "fn": fn[a], "precision": p,
                       "recall": rc, "direction_ok": dir_ok[a] / tp[a] if tp[a] else None}
    return {"threshold": SEVERITY_THRESHOLD, "images_scored": scored, "per_attribute": per_attr,
            "untouched": untouched, "false_alarm_rate": alarms / untouched if untouched else None,
            "false_alarm_attributes": dict(alarm_attrs)}


# --------------------------------------------------------------------------- real sets


def _real_pair(p: data.Pair, method_names: list[str]) -> dict[str, Any]:
    methods, _ = baselines.available_methods(method_names)
    try:
        img = data.load_srgb(p.input, data.REAL_LONG_EDGE)
        ref = None
        if p.reference is not None:
            ref = data.load_srgb(p.reference, data.REAL_LONG_EDGE)
            if ref.shape != img.shape:
                import cv2

                ref = cv2.resize(ref, (img.shape[1], img.shape[0]), interpolation=cv2.INTER_AREA)
    except Exception as e:  # noqa: BLE001
        return {"set": p.set, "name": p.name, "error": _err(e)}
    figs, crit, outs = run_methods(img, ref, methods)
    rec: dict[str, Any] = {"set": p.set, "name": p.name, "methods": figs, "spc_critique": crit}
    if p.label is not None:  # exposure set: which way did each method move the photo?
        want = 1.0 if p.label == "brighten" else -1.0
        y_in = metrics.mean_luminance(img)
        rec.update({"label": p.label, "ev": p.ev})
        for m, out in outs.items():
            d_ev = math.log2(max(metrics.mean_luminance(out), 1e-6) / max(y_in, 1e-6))
            figs[m]["ev_change"] = d_ev
            figs[m]["right_direction"] = bool(d_ev * want > EV_DEAD_BAND)
    return rec


def real(root: Path, method_names: list[str], quick: bool, limit: int | None, pool: Any) -> list[dict[str, Any]]:
    records = []
    for set_name, pairs in data.real_pairs(root, quick=quick).items():
        pairs = pairs[:limit]
        print(f"real: {set_name} ({len(pairs)} images, long edge <= {data.REAL_LONG_EDGE} px)", flush=True)
        records += list(_map(pool, _real_pair, [(p, method_names) for p in pairs]))
    return records


# --------------------------------------------------------------------------- summaries


def _mean(records, method, key, pred=lambda r: True):
    vals = [r["methods"][method].get(key) for r in records
            if pred(r) and method in r.get("methods", {}) and "error" not in r["methods"][method]]
    vals = [float(v) for v in vals if v is not None]
    return (float(np.mean(vals)) if vals else None), len(vals)


def summarise(syn: list[dict], rl: list[dict], methods: list[str]) -> tuple[dict, list[str]]:
    """Aggregate figures and print the tables; returns (summary dict, table texts)."""
    summary: dict[str, Any] = {"synthetic": {}, "real": {}, "errors": {}}
    texts: list[str] = []
    kinds = list(dict.fromkeys(list(KIND_ROTATION) + list(validate_defects.KINDS)))
    groups = ["untouched"] + [k for k in kinds if any(r["group"] == k for r in syn)]
    if any(r["group"] == "pair" for r in syn):
        groups.append("pair")
    groups.append("all degraded")

    def in_group(g):
        return (lambda r: r["group"] != "untouched") if g == "all degraded" else (lambda r: r["group"] == g)

    if syn:
        for key, title, nd, note in (
                ("psnr", "Synthetic defects: PSNR (dB) against the clean photo (higher is better)", 2,
                 "Row `untouched`: PSNR of output vs input on good photos (do no harm; identical = "
                 f"{metrics.PSNR_CAP:.0f})."),
                ("ssim", "Synthetic defects: SSIM against the clean photo (higher is better)", 3, ""),
                ("delta_e", "Synthetic defects: mean CIEDE2000 against the clean photo (lower is better)", 2, "")):
            rows = []
            for g in groups:
                n = sum(1 for r in syn if in_group(g)(r))
                row = [g, n]
                for m in methods:
                    v, _ = _mean(syn, m, key, in_group(g))
                    summary["synthetic"].setdefault(g, {}).setdefault(m, {})[key] = v
                    row.append(report.fmt(v, nd))
                rows.append(row)
            texts.append(report.print_table(title, ["defect", "n"] + methods, rows, note))

        # do no harm, in one line per method
        rows = []
        for m in methods:
            unt = [r for r in syn if r["group"] == "untouched" and "error" not in r["methods"].get(m, {"error": 1})]
            left = [r["methods"][m]["psnr"] >= LEFT_ALONE_DB for r in unt]
            improved = [r for r in syn if r["group"] != "untouched" and "error" not in r["methods"].get(m, {"error": 1})]
            ident = {r["variant"]: r["methods"].get("identity", {}).get("delta_e") for r in syn}
            better = [r["methods"][m]["delta_e"] < ident[r["variant"]] for r in improved
                      if ident.get(r["variant"]) is not None]
            secs, _ = _mean(syn, m, "seconds")
            d = {"left_alone": float(np.mean(left)) if left else None,
                 "improved_delta_e": float(np.mean(better)) if better else None, "seconds": secs}
            summary["synthetic"].setdefault("overall", {})[m] = d
            rows.append([m, report.fmt(d["left_alone"], pct=True), report.fmt(d["improved_delta_e"], pct=True),
                         report.fmt(secs, 3)])
        texts.append(report.print_table(
            "Synthetic set: overall", ["method", f"untouched left alone (>= {LEFT_ALONE_DB:.0f} dB)",
                                       "degraded improved (ΔE below input's)", "s / image"], rows))

    if rl:
        rows = []
        for s in ("fivek_expertC", "polyu_noise", "wb_rendered"):
            recs = [r for r in rl if r["set"] == s and "methods" in r]
            if not recs:
                continue
            for key, nd in (("psnr", 2), ("ssim", 3), ("delta_e", 2)):
                row = [s, key, len(recs)]
                for m in methods:
                    v, _ = _mean(recs, m, key)
                    summary["real"].setdefault(s, {}).setdefault(m, {})[key] = v
                    row.append(report.fmt(v, nd))
                rows.append(row)
        ev = [r for r in rl if r["set"] == "fivek_ev" and "methods" in r]
        if ev:
            for key, label in (("right_direction", "right direction"), ("toward_fix", "EV moved toward fix")):
                row = ["fivek_ev", label, len(ev)]
                for m in methods:
                    vals = []
                    for r in ev:
                        f = r["methods"].get(m, {})
                        if "error" in f or "ev_change" not in f:
                            continue
                        want = 1.0 if r["label"] == "brighten" else -1.0
                        vals.append(float(f["right_direction"]) if key == "right_direction"
                                    else f["ev_change"] * want)
                    v = float(np.mean(vals)) if vals else None
                    summary["real"].setdefault("fivek_ev", {}).setdefault(m, {})[key] = v
                    row.append(report.fmt(v, pct=True) if key == "right_direction" else report.fmt(v, 2))
                rows.append(row)
        texts.append(report.print_table(
            f"Real sets (long edge <= {data.REAL_LONG_EDGE} px)", ["set", "figure", "n"] + methods, rows,
            "fivek_ev: `right direction` = share whose mean luminance moved the way the label says "
            f"(by more than {EV_DEAD_BAND} EV); `EV moved toward fix` = mean signed EV change "
            "(+1.5 would undo the error fully)."))

    diag = diagnosis(syn) if syn else None
    summary["diagnosis"] = diag
    critic_methods = [m for m in methods if m == "spc" or m in baselines.SPC_CRITICS]
    for m in critic_methods:
        d_m = diag if m == "spc" else diagnosis(syn, m)
        summary.setdefault("diagnosis_by_method", {})[m] = d_m
        if not (d_m and d_m["images_scored"]):
            continue
        rows = []
        for a, d in d_m["per_attribute"].items():
            rows.append([a, d["labelled"], d["tp"], d["fp"], d["fn"], report.fmt(d["precision"], pct=True),
                         report.fmt(d["recall"], pct=True), report.fmt(d["direction_ok"], pct=True)])
        tp = sum(d["tp"] for d in d_m["per_attribute"].values())
        fp = sum(d["fp"] for d in d_m["per_attribute"].values())
        fn = sum(d["fn"] for d in d_m["per_attribute"].values())
        rows.append(["all", sum(d["labelled"] for d in d_m["per_attribute"].values()), tp, fp, fn,
                     report.fmt(tp / (tp + fp) if tp + fp else None, pct=True),
                     report.fmt(tp / (tp + fn) if tp + fn else None, pct=True), ""])
        fa = d_m["false_alarm_attributes"]
        texts.append(report.print_table(
            f"{m} diagnosis on the labelled set (finding counts at severity >= {SEVERITY_THRESHOLD})",
            ["attribute", "labelled", "TP", "FP", "FN", "precision", "recall", "direction ok"], rows,
            f"False alarms on untouched photos: {report.fmt(d_m['false_alarm_rate'], pct=True)} of "
            f"{d_m['untouched']} flagged at least one finding"
            + (f" ({', '.join(f'{k} {v}' for k, v in sorted(fa.items(), key=lambda kv: -kv[1]))})" if fa else "")
            + ". Highlights / shadows / contrast / saturation on variants whose label lists them as "
              "`related` count as neither TP nor FP."))
    if syn and not critic_methods:
        print("\n(no spc critique available: diagnosis figures skipped)")

    if rl:
        crit_rows = []
        for m in critic_methods:
            def crit(r, m=m):
                c = r.get("spc_critique") if m == "spc" else r.get("methods", {}).get(m, {}).get("critique")
                return c if c and "findings" in c else None

            for s, attr in REAL_EXPECTED.items():
                recs = [r for r in rl if r["set"] == s and crit(r)]
                if not recs:
                    continue
                flagged = [attr in predicted(crit(r)) for r in recs]
                row = [m, s, attr, len(recs), report.fmt(float(np.mean(flagged)), pct=True)]
                key = "critic" if m == "spc" else f"critic:{m}"
                if s == "fivek_ev":
                    want = {"brighten": "under", "darken": "over"}
                    ok = [predicted(crit(r)).get("exposure") == want[r["label"]] for r in recs]
                    row.append(report.fmt(float(np.mean(ok)), pct=True))
                    summary["real"].setdefault(key, {})[s] = {"flagged": float(np.mean(flagged)),
                                                              "direction_ok": float(np.mean(ok))}
                else:
                    row.append("–")
                    summary["real"].setdefault(key, {})[s] = {"flagged": float(np.mean(flagged))}
                crit_rows.append(row)
        if crit_rows:
            texts.append(report.print_table("spc critics on the real sets", ["method", "set", "expected attribute",
                                                                              "n", "flagged", "right direction"],
                                            crit_rows))

    for m in methods:
        errs = [r["methods"][m]["error"] for r in syn + rl if "error" in r.get("methods", {}).get(m, {})]
        if errs:
            summary["errors"][m] = {"count": len(errs), "first": errs[0]}
            print(f"\n{m}: {len(errs)} failures; first: {errs[0]}")
    return summary, texts


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="8 clean photos and 4 pairs per real set")
    ap.add_argument("--methods", help=f"comma-separated subset of: {', '.join(baselines.METHODS)}; "
                    f"also, only when named: {', '.join(baselines.OPTIONAL_METHODS)}")
    ap.add_argument("--limit", type=int, help="at most this many photos per set (for debugging)")
    ap.add_argument("--no-synthetic", action="store_true")
    ap.add_argument("--synthetic", choices=("dev", "validation"), default="dev",
                    help="the defect generator: degrade.py on the 72 development photos (dev), or "
                         "validate_defects.py on the validation photos (never trained or tuned on)")
    ap.add_argument("--no-real", action="store_true")
    ap.add_argument("--save-variants", action="store_true",
                    help=f"also write the synthetic variants as PNG to {report.WORK_DIR / 'variants'}")
    ap.add_argument("--jobs", type=int, default=min(2, os.cpu_count() or 1),
                    help="worker processes, one thread each (default: min(2, CPUs)); 1 runs in this process")
    ap.add_argument("--json", type=Path, help="where to write the results (default benchmarks/results/)")
    args = ap.parse_args(argv)

    root = data.require_data_root()
    if root is None:
        return 0
    t0 = time.perf_counter()
    methods, skipped = baselines.available_methods(args.methods.split(",") if args.methods else None)
    for m, why in skipped.items():
        print(f"note: skipping {m}: {why}")
    env = report.environment()
    print(f"spc quality benchmark, {env['date']}, {env['cpus']} CPUs, {args.jobs} job(s), methods: "
          f"{', '.join(methods)}{' (quick)' if args.quick else ''}", flush=True)

    names = list(methods)
    pool = None
    if args.jobs > 1:
        import concurrent.futures
        import multiprocessing

        pool = concurrent.futures.ProcessPoolExecutor(args.jobs, mp_context=multiprocessing.get_context("spawn"),
                                                      initializer=_init_worker)
    try:
        syn = [] if args.no_synthetic else synthetic(
            root, names, args.quick, args.limit, report.WORK_DIR / "variants" if args.save_variants else None, pool,
            args.synthetic)
        rl = [] if args.no_real else real(root, names, args.quick, args.limit, pool)
    except KeyboardInterrupt:
        print("interrupted")
        return 130
    except Exception:  # noqa: BLE001
        traceback.print_exc()
        return 1
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    summary, texts = summarise(syn, rl, list(methods))
    elapsed = time.perf_counter() - t0
    print(f"\nwall time {elapsed:.0f} s")
    out = report.write_json({"benchmark": "quality", "quick": args.quick, "synthetic_set": args.synthetic,
                             "environment": env,
                             "config": {"severity_threshold": SEVERITY_THRESHOLD, "left_alone_db": LEFT_ALONE_DB,
                                        "ev_dead_band": EV_DEAD_BAND, "clean_long_edge": data.CLEAN_LONG_EDGE,
                                        "real_long_edge": data.REAL_LONG_EDGE, "methods": list(methods), "jobs": args.jobs,
                                        "skipped": skipped, "data_root": str(root)},
                             "wall_seconds": elapsed, "summary": summary, "tables_markdown": texts,
                             "synthetic": syn, "real": rl}, "quality", args.json)
    labels = {r["variant"]: r["label"] for r in syn}
    if labels:
        report.write_json({"seed_rule": "make_variants(seed='<set>/<stem>')", "labels": labels},
                          "synthetic-labels", report.RESULTS_DIR / "synthetic-labels.json")
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
