"""The Ray engine against the local engine on the same folder (``speed.py --engine ray``).

    python benchmarks/speed.py --engine ray                    # 48 x 3 MP JPEGs, actors 1, 2, 4
    python benchmarks/speed.py --engine ray --actors 2 -n 24 --repeats 1
    python benchmarks/speed.py --engine ray --actors 2 --actor-cpus 1   # a whole CPU per actor

Each configuration is a whole ``spc enhance --force --quiet`` process on N and on 2N photos
(the Ray runs start and stop their own local cluster on 127.0.0.1, as a user's would), so two
figures per configuration: photos/s over the whole 2N run (start-up included: what a small
batch sees) and photos/s from the first output written to the last (start-up left out: what an
archive of thousands sees; N / (T(2N) - T(N)) is printed too, but each T includes a start-up
that varies by seconds on a busy machine). The machine's load average is recorded before and after every run: on a
shared machine, other people's jobs move these figures.
"""

from __future__ import annotations

import os
import statistics
from pathlib import Path
from typing import Any

from benchmarks import report


def _load() -> float:
    return os.getloadavg()[0]


def _run(measured, run_method_dir: Path, cmd: list[str], n: int, timeout: float, count) -> dict[str, Any]:
    import shutil

    if run_method_dir.exists():
        shutil.rmtree(run_method_dir)
    run_method_dir.mkdir(parents=True)
    before = _load()
    r = measured([str(run_method_dir) if c == "{dst}" else c for c in cmd], timeout)
    r["load_before"], r["load_after"] = before, _load()
    got = count(run_method_dir)
    if "error" not in r and got != n:
        r["error"] = f"wrote {got} of {n} images"
    r["running_photos_per_s"] = _running_rate(run_method_dir)
    return r


def _running_rate(folder: Path) -> float | None:
    """Photos/s from the first output written to the last (start-up and the first photo left
    out): (outputs - 1) / (last mtime - first mtime)."""
    times = sorted(p.stat().st_mtime for p in folder.rglob("*.jpg"))
    if len(times) < 2 or times[-1] <= times[0]:
        return None
    return (len(times) - 1) / (times[-1] - times[0])


def compare(args, files: list[Path], link_subset, measured, count, spc: str, env: dict[str, Any]) -> dict[str, Any]:
    """Time the local engine and the Ray engine (each actor count) on N and 2N of ``files``."""
    n = args.images or 48
    repeats = args.repeats or 2
    work = report.WORK_DIR / "engines"
    folders = {k: link_subset(files[:k], work / f"in_{k}") for k in (n, 2 * n)}
    actors = [int(a) for a in str(args.actors).split(",") if a.strip()]
    configs: list[tuple[str, list[str]]] = [("local", [])]
    cpus = ["--actor-cpus", f"{args.actor_cpus:g}"] if args.actor_cpus else []
    each = f" x {args.actor_cpus:g} CPU" if args.actor_cpus else ""
    configs += [(f"ray, {a} actor{'s' if a > 1 else ''}{each}", ["--engine", "ray", "--actors", str(a), *cpus])
                for a in actors]
    results: dict[str, Any] = {}
    for name, extra in configs:
        res: dict[str, Any] = {"runs": {}}
        for k, folder in folders.items():
            runs = []
            for i in range(repeats):
                cmd = [spc, "enhance", str(folder), "--out", "{dst}", "--force", "--quiet", "--device", "cpu", *extra]
                r = _run(measured, work / "out", cmd, k, args.timeout, count)
                runs.append(r)
                print(f"  {name}: {k} photos, run {i + 1}/{repeats}: {r['seconds']:.1f} s "
                      f"(load {r['load_before']:.1f} -> {r['load_after']:.1f})"
                      + (f"  ERROR {r['error']}" if "error" in r else ""), flush=True)
                if "error" in r:
                    break
            ok = [r["seconds"] for r in runs if "error" not in r]
            res["runs"][k] = runs
            res[f"t{k}"] = statistics.median(ok) if ok else None
        t1, t2 = res.get(f"t{n}"), res.get(f"t{2 * n}")
        res["photos_per_s"] = 2 * n / t2 if t2 else None
        res["steady_photos_per_s"] = n / (t2 - t1) if t1 and t2 and t2 > t1 else None
        running = [run["running_photos_per_s"] for run in res["runs"][2 * n] if run.get("running_photos_per_s")]
        res["running_photos_per_s"] = statistics.median(running) if running else None
        results[name] = res
    base = results["local"].get("running_photos_per_s")
    rows = []
    for name, r in results.items():
        loads = [x for runs in r["runs"].values() for run in runs for x in (run["load_before"], run["load_after"])]
        rows.append([name, report.fmt(r.get(f"t{n}"), 1), report.fmt(r.get(f"t{2 * n}"), 1),
                     report.fmt(r["photos_per_s"], 2), report.fmt(r["running_photos_per_s"], 2),
                     report.fmt(r["running_photos_per_s"] / base, 2) if base and r["running_photos_per_s"] else "–",
                     report.fmt(r["steady_photos_per_s"], 2), f"{min(loads):.1f}-{max(loads):.1f}" if loads else "–"])
    text = report.print_table(
        f"Engines: {n} and {2 * n} JPEGs of {args.megapixels:g} MP, median of {repeats}, {env['cpus']} CPUs",
        ["engine", f"T({n}) s", f"T({2 * n}) s", f"photos/s ({2 * n}, whole run)", "photos/s running",
         "running x local", "N / (T(2N) - T(N))", "load avg"], rows,
        "Whole run: the process from start to exit, Ray's cluster start-up included. Running: from "
        f"the first output written to the last in the {2 * n}-photo runs, start-up left out (what an "
        f"archive of thousands sees). N / (T(2N) - T(N)): the same from two whole runs (noisier: "
        "the difference of two times that each include a start-up).")
    return {"images": n, "repeats": repeats, "results": results, "tables_markdown": [text]}
