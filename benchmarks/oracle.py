#!/usr/bin/env python
"""How well does each op undo its defect when the critic asks for exactly the right thing?

    python benchmarks/oracle.py            # 12 photos per kind (about 10 min here)
    python benchmarks/oracle.py --quick    # 4 photos per kind
    python benchmarks/oracle.py --with-spc # also spc with its default critic, for comparison

For every synthetic defect kind of the dev generator (benchmarks/degrade.py) and the harder
ones of benchmarks/hard_defects.py (dense haze with a coloured airlight, clipped
over-exposure, defocus and camera-shake blur, low light with lit areas, strong tints), the
artist renders the plan a perfect critic would write from the true label and the true
parameter (``oracle_plan``): the ceiling of each op, with the critic taken out. Figures per
kind: PSNR, SSIM and CIEDE2000 against the clean photo, for the untouched input, every
automatic baseline of benchmarks/baselines.py and the oracle, with the oracle's margins over
the untouched photo and over the best baseline. Reads ../shared/data; exits 0 when absent.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

if __package__ in (None, ""):  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import baselines, data, degrade, hard_defects, metrics, report  # noqa: E402

DEV_KINDS = tuple(degrade.KINDS)
HARD_KINDS = tuple(hard_defects.HARD_KINDS)
BASELINES = ("identity", "autocontrast", "grayworld+ac", "clahe", "imagemagick")


# --------------------------------------------------------------------------- the perfect critic


def _mean_transmission(params: dict[str, Any], shape: tuple[int, int]) -> float:
    d = degrade.haze_depth(shape, np.random.default_rng(params.get("depth_seed", 0)))
    return float(np.mean(params["t_near"] + (params["t_far"] - params["t_near"]) * d))


LUMA_NORM = float(np.sqrt(np.sum(degrade.LUMA ** 2)))  # luma sigma of independent channel noise, per unit


def noise_edit(channel_sigma: float) -> dict[str, float]:
    """Denoise parameters for independent noise of ``channel_sigma`` (sRGB) in every channel:
    the luma carries LUMA_NORM of it, each orthonormal opponent channel all of it."""
    return {"luma": 1.0, "chroma": 1.0, "sigma": LUMA_NORM * channel_sigma, "chroma_sigma": channel_sigma}


def edits_for(kind: str, p: dict[str, Any], shape: tuple[int, int]) -> list[tuple[str, dict[str, float]]]:
    """The edits (op, params) that undo one defect of known kind and parameters."""
    if kind == "under":
        return [("exposure", {"ev": -p["ev"], "shoulder": 1.0})]
    if kind in ("over", "clipped_over"):
        from spc_cli.ops.unclip import DOME_REACH

        return [("unclip", {"amount": 1.0, "headroom": p["ev"], "reach": DOME_REACH}),
                ("exposure", {"ev": -p["ev"], "shoulder": 1.0})]
    if kind in ("warm", "cool", "green", "magenta", "tint"):
        direction = p.get("direction", kind)
        g = degrade.cast_gains(direction, kelvin=p.get("kelvin"), tint=p.get("tint"))
        return [("white_balance", {"red": float(1 / g[0]), "green": float(1 / g[1]), "blue": float(1 / g[2])})]
    if kind == "flat":
        return [("contrast", {"amount": 0.0, "black": 0.5 - p["keep"] / 2, "white": 0.5 + p["keep"] / 2})]
    if kind == "desaturated":
        return [("saturation", {"saturation": 1 / p["scale"] - 1})]
    if kind in ("haze", "dense_haze"):
        return [("dehaze", {"amount": 1.0, "transmission": _mean_transmission(p, shape)})]
    if kind == "noise":
        return [("denoise", noise_edit(p["sigma_mid"] / 255))]
    if kind == "blur":
        return [("deblur", {"amount": 1.0, "sigma": p["radius"], "kind": 0})]
    if kind == "defocus":
        return [("deblur", {"amount": 1.0, "sigma": p["radius"] / 2, "kind": 1})]
    if kind == "motion":
        k = hard_defects.shake_kernel(p["length"], np.random.default_rng(p["kernel_seed"]))
        return [("deblur", {"amount": 1.0, "sigma": hard_defects.kernel_sigma(k), "kind": 2})]
    if kind == "lowlight":
        return [("denoise", noise_edit(p["sigma_mid"] / 255)),
                ("exposure", {"ev": -p["ev"], "shoulder": 1.0}), ("tone", {"compress": 1.0})]
    raise ValueError(f"no oracle for {kind!r}")


def oracle_plan(defects: list[tuple[str, dict[str, Any]]], shape: tuple[int, int]):
    """The EditPlan a perfect critic would write for these defects (one edit per op).

    A fade (``flat``) is the last step of the generator, but the artist's contrast op renders
    after exposure and dehaze: with a fade in a pair, the levels are re-read after the edits
    that render before contrast, as the closed loop does (``render_oracle``), and a dehaze
    estimates its own veil (the fade's lift is part of what it sees)."""
    from spc_cli.ops import OPS
    from spc_cli.plan import Edit, EditPlan

    merged: dict[str, dict[str, float]] = {}
    noise = max([p["sigma_mid"] / 255 for k, p in defects if k in ("noise", "lowlight")], default=0.0)
    for kind, p in defects:
        for op, params in edits_for(kind, p, shape):
            merged.setdefault(op, {}).update(params)
    if len(defects) > 1 and "dehaze" in merged and "contrast" in merged:
        merged["dehaze"]["transmission"] = 1.0
    if "deblur" in merged and noise:
        merged["deblur"]["noise"] = noise
    return EditPlan([Edit(op, OPS[op].params.from_dict(params)) for op, params in merged.items()])


def render_oracle(u8: np.ndarray, defects: list[tuple[str, dict[str, Any]]]) -> tuple[np.ndarray, list[str]]:
    """The oracle's output (sRGB float) and the artist's notes."""
    from spc_cli import api
    from spc_cli.artist.pipeline import PipelineArtist

    from spc_cli.critic.measure import levels_points
    from spc_cli.ops import OPS, RANK
    from spc_cli.plan import Edit, EditPlan

    photo = api.photo_from_array(u8)
    artist = PipelineArtist("cpu", "fp32")
    plan = oracle_plan(defects, u8.shape[:2])
    before = [e for e in plan.edits if RANK[e.op] < RANK["contrast"]]
    if len(defects) > 1 and before and any(e.is_levels for e in plan.edits):
        black, white = levels_points(artist.render([photo], [EditPlan(before)])[0].photo.pixels)
        levels = OPS["contrast"].params.from_dict({"amount": 0.0, "black": min(max(black, 0.0), 0.3),
                                                  "white": min(max(white, 0.5), 1.0)})
        plan = EditPlan(before + [Edit("contrast", levels)] + [e for e in plan.edits if RANK[e.op] > RANK["contrast"]])
    r = artist.render([photo], [plan])[0]
    return api.photo_to_array(r.photo), r.notes


# --------------------------------------------------------------------------- the set


def variants(root: Path, per_kind: int, kinds: list[str], pairs: int) -> list[dict[str, Any]]:
    """(group, name, clean photo path, defects, seed) of every variant, reproducibly."""
    photos = data.clean_photos(root)
    out = []
    for ki, kind in enumerate(kinds):
        for j in range(per_kind):
            path = photos[(ki * 7 + j * max(1, len(photos) // per_kind)) % len(photos)]
            key = f"{path.parent.name}/{path.stem}"
            out.append({"group": kind, "path": path, "kind": kind,
                        "seed": degrade.seed_of(f"oracle/{kind}/{key}"), "name": f"{key}__{kind}"})
    rng = np.random.default_rng(2027)
    for j in range(pairs):
        path = photos[(j * 5 + 3) % len(photos)]
        fa, fb = rng.choice(len(degrade.FAMILIES), size=2, replace=False)
        ka, kb = str(rng.choice(degrade.FAMILIES[fa])), str(rng.choice(degrade.FAMILIES[fb]))
        out.append({"group": "pair", "path": path, "kind": f"{ka}+{kb}", "pair": (ka, kb),
                    "seed": degrade.seed_of(f"oracle/pair/{j}"), "name": f"{path.stem}__{ka}+{kb}"})
    return out


def make_variant(v: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, list[tuple[str, dict[str, Any]]]]:
    """(clean uint8, degraded uint8, defects) of one variant."""
    clean = data.load_srgb(v["path"], data.CLEAN_LONG_EDGE)
    rng = np.random.default_rng(v["seed"])
    if "pair" in v:
        d = [(k, degrade.KINDS[k].draw(rng)) for k in v["pair"]]
        return degrade.quantise8(clean), degrade.apply_defects(clean, d, v["seed"]), d
    kind = v["kind"]
    if kind in degrade.KINDS:
        d = [(kind, degrade.KINDS[kind].draw(rng))]
        return degrade.quantise8(clean), degrade.apply_defects(clean, d, v["seed"]), d
    p = hard_defects.HARD_KINDS[kind][0](rng)
    return degrade.quantise8(clean), hard_defects.apply_hard(clean, kind, p, v["seed"]), [(kind, p)]


def run_variant(v: dict[str, Any], methods: list[str]) -> dict[str, Any]:
    clean_u8, bad_u8, defects = make_variant(v)
    ref = clean_u8.astype(np.float32) / 255.0
    img = bad_u8.astype(np.float32) / 255.0
    avail, _ = baselines.available_methods([m for m in methods if m != "oracle"])
    rec: dict[str, Any] = {"group": v["group"], "name": v["name"], "defects": defects, "methods": {}}
    for name in methods:
        t0 = time.perf_counter()
        try:
            if name == "oracle":
                out, notes = render_oracle(bad_u8, defects)
                rec["notes"] = notes
            elif name in avail:
                out = avail[name](img)
            else:
                continue
            rec["methods"][name] = {**metrics.full_reference(out, ref), "seconds": time.perf_counter() - t0}
        except Exception as e:  # noqa: BLE001 - recorded, the run goes on
            rec["methods"][name] = {"error": f"{type(e).__name__}: {e}"[:300]}
    return rec


# --------------------------------------------------------------------------- real noise


def noise_sigmas(noisy: np.ndarray, clean: np.ndarray) -> tuple[float, float]:
    """What a perfect critic knows of a real noisy photo: the sRGB std of its noise in luma and
    in each orthonormal opponent channel (the denoise op's two sigmas)."""
    d = noisy.astype(np.float64) - clean
    luma = d @ degrade.LUMA.astype(np.float64)
    o1 = (d[..., 0] - d[..., 1]) / np.sqrt(2)
    o2 = (d[..., 0] + d[..., 1] - 2 * d[..., 2]) / np.sqrt(6)
    return float(luma.std()), float(0.5 * (o1.std() + o2.std()))


def polyu(root: Path, with_spc: bool, limit: int | None) -> tuple[list[str], dict]:
    """Every PolyU crop: the input, the oracle's denoise (its own noise's sigmas) and, with
    ``with_spc``, spc's default critic; against the mean of ~500 shots."""
    from spc_cli.ops import OPS
    from spc_cli.plan import Edit, EditPlan

    pairs = data.real_pairs(root)["polyu_noise"][:limit]
    rows, recs = [], []
    for p in pairs:
        noisy_u8 = degrade.quantise8(data.load_srgb(p.input))
        noisy = noisy_u8.astype(np.float32) / 255.0
        clean = data.load_srgb(p.reference)
        sl, sc = noise_sigmas(noisy, clean)
        plan = EditPlan([Edit("denoise", OPS["denoise"].params.from_dict(
            {"luma": 1.0, "chroma": 1.0, "sigma": sl, "chroma_sigma": sc}))])
        from spc_cli import api
        from spc_cli.artist.pipeline import PipelineArtist

        out = api.photo_to_array(PipelineArtist("cpu", "fp32").render([api.photo_from_array(noisy_u8)], [plan])[0].photo)
        rec = {"name": p.name, "sigma": sl, "chroma_sigma": sc, "input": metrics.full_reference(noisy, clean),
               "oracle": metrics.full_reference(out, clean)}
        if with_spc:
            spc_out, _, applied = baselines.spc_run(noisy)
            rec["spc"] = metrics.full_reference(spc_out, clean)
            # what spc's denoise alone does (its other edits are the critic's tone and colour calls)
            steps = [a for a in applied if a["op"] == "denoise"]
            alone = PipelineArtist("cpu", "fp32").render([api.photo_from_array(noisy_u8)], [EditPlan(
                [Edit("denoise", OPS["denoise"].params.from_dict(a["params"])) for a in steps])])[0].photo
            rec["spc denoise"] = metrics.full_reference(api.photo_to_array(alone), clean)
            rec["spc_applied"] = [a["op"] for a in applied]
        recs.append(rec)
    methods = ["input", "oracle"] + (["spc", "spc denoise"] if with_spc else [])
    for m in methods:
        vals = {k: float(np.mean([r[m][k] for r in recs])) for k in ("psnr", "ssim", "delta_e")}
        gaps = [r[m]["psnr"] - r["input"]["psnr"] for r in recs]
        rows.append([m, len(recs), report.fmt(vals["psnr"]), report.fmt(vals["ssim"], 3), report.fmt(vals["delta_e"]),
                     sum(g < -0.005 for g in gaps), report.fmt(min(gaps), 2)])
    text = report.print_table("PolyU real noise: input, oracle denoise, spc (against the mean of ~500 shots)",
                              ["method", "n", "PSNR", "SSIM", "CIEDE2000", "crops below input PSNR",
                               "worst vs input (dB)"], rows,
                              "oracle: the denoise op with the sigmas of the crop's own noise (noisy - clean); "
                              "spc denoise: the denoise step of spc's plan rendered alone (spc's other edits "
                              "are its critic's white-balance and levels calls)")
    return [text], {"records": recs}


# --------------------------------------------------------------------------- tables


def _mean(recs: list[dict], method: str, key: str) -> float | None:
    vals = [r["methods"][method][key] for r in recs if key in r["methods"].get(method, {})]
    return float(np.mean(vals)) if vals else None


def tables(records: list[dict[str, Any]], methods: list[str], groups: list[str]) -> tuple[list[str], dict]:
    texts, summary = [], {}
    base = [m for m in methods if m in BASELINES]
    for key, title, better in (("psnr", "PSNR (dB, higher is better)", max), ("ssim", "SSIM (higher is better)", max),
                               ("delta_e", "mean CIEDE2000 (lower is better)", min)):
        rows = []
        for g in groups:
            recs = [r for r in records if r["group"] == g]
            vals = {m: _mean(recs, m, key) for m in methods}
            autos = {m: vals[m] for m in base if m != "identity" and vals[m] is not None}
            best_name = better(autos, key=autos.get) if autos else None
            o, idn = vals.get("oracle"), vals.get("identity")
            sign = 1 if better is max else -1
            m_id = sign * (o - idn) if o is not None and idn is not None else None
            m_best = sign * (o - autos[best_name]) if o is not None and best_name else None
            summary.setdefault(g, {})[key] = {"values": vals, "margin_untouched": m_id, "best_baseline": best_name,
                                              "margin_best_baseline": m_best}
            nd = 3 if key == "ssim" else 2
            rows.append([g, len(recs)] + [report.fmt(vals[m], nd) for m in methods]
                        + [report.fmt(m_id, nd), f"{report.fmt(m_best, nd)} ({best_name})"])
        texts.append(report.print_table(
            f"Oracle: {title} against the clean photo", ["kind", "n"] + methods + ["margin vs untouched",
                                                                                 "margin vs best baseline"],
            rows, "margins: oracle minus untouched / minus the best automatic baseline (for CIEDE2000, "
                  "baseline minus oracle), so positive is better"))
    worse = []
    for g in groups:
        recs = [r for r in records if r["group"] == g and "psnr" in r["methods"].get("oracle", {})]
        n_bad = sum(r["methods"]["oracle"]["psnr"] < r["methods"]["identity"]["psnr"] - 0.05 for r in recs)
        worst = min((r["methods"]["oracle"]["psnr"] - r["methods"]["identity"]["psnr"] for r in recs), default=None)
        worse.append([g, len(recs), n_bad, report.fmt(worst, 2)])
    texts.append(report.print_table("Oracle: photos made worse than untouched (PSNR)",
                                    ["kind", "n", "worse by > 0.05 dB", "worst oracle - untouched (dB)"], worse))
    return texts, summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="4 photos per kind")
    ap.add_argument("-n", "--per-kind", type=int, help="photos per kind (default 12, quick 4)")
    ap.add_argument("--kinds", help="comma-separated kinds (default: every dev and hard kind, and pairs)")
    ap.add_argument("--pairs", type=int, help="pairs of dev defects (default as per kind)")
    ap.add_argument("--with-spc", action="store_true", help="also spc with its default critic")
    ap.add_argument("--no-polyu", action="store_true", help="skip the PolyU real-noise check")
    ap.add_argument("--no-synthetic", action="store_true", help="only the PolyU real-noise check")
    ap.add_argument("--json", type=Path, help="where to write the results (default benchmarks/results/)")
    args = ap.parse_args(argv)
    root = data.require_data_root()
    if root is None:
        return 0
    import cv2
    import torch

    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    per = args.per_kind or (4 if args.quick else 12)
    kinds = args.kinds.split(",") if args.kinds else list(DEV_KINDS) + list(HARD_KINDS)
    pairs = args.pairs if args.pairs is not None else (0 if args.kinds and "pair" not in kinds else per)
    kinds = [k for k in kinds if k != "pair"]
    methods = list(BASELINES) + (["spc"] if args.with_spc else []) + ["oracle"]
    _, skipped = baselines.available_methods(list(BASELINES))
    for m, why in skipped.items():
        print(f"note: skipping {m}: {why}")
        methods.remove(m)
    env = report.environment()
    todo = [] if args.no_synthetic else variants(root, per, kinds, pairs)
    print(f"oracle benchmark, {env['date']}: {len(todo)} variants ({per} per kind, {pairs} pairs)", flush=True)
    t0 = time.perf_counter()
    records = []
    for i, v in enumerate(todo):
        records.append(run_variant(v, methods))
        o = records[-1]["methods"].get("oracle", {})
        print(f"  [{i + 1}/{len(todo)}] {v['name']}: identity {records[-1]['methods']['identity'].get('psnr', 0):.2f} "
              f"oracle {o.get('psnr', float('nan')):.2f} dB" + (f"  ERROR {o['error']}" if "error" in o else ""),
              flush=True)
    groups = kinds + (["pair"] if pairs else [])
    texts, summary = tables(records, methods, groups) if records else ([], {})
    real = {}
    if not args.no_polyu:
        more, real = polyu(root, args.with_spc, 8 if args.quick else None)
        texts += more
    errors = [(r["name"], m, f["error"]) for r in records for m, f in r["methods"].items() if "error" in f]
    for name, m, e in errors[:10]:
        print(f"error: {m} on {name}: {e}")
    print(f"wall time {time.perf_counter() - t0:.0f} s")
    out = report.write_json({"benchmark": "oracle", "environment": env, "per_kind": per, "pairs": pairs,
                             "methods": methods, "summary": summary, "records": records, "polyu": real,
                             "tables_markdown": texts}, "oracle", args.json)
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
