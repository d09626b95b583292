#!/usr/bin/env python
"""What does enhancement cost on top of just reading and writing the photos?

    python benchmarks/speed.py                 # 6 x 24 MP JPEGs, median of 3 runs
    python benchmarks/speed.py --quick         # 3 images, 1 run
    python benchmarks/speed.py --device cuda   # spc on the GPU (when there is one)
    python benchmarks/speed.py --engine ray    # the Ray engine against the local one (benchmarks/engines.py)
    python benchmarks/speed.py --ops-only      # only the per-op render times

Every method runs as its own process on the same folder of large JPEGs (made once from
the Kodak photos by bicubic upscaling plus a little noise, cached in benchmarks/_work/):
the Pillow decode+encode floor, ImageMagick ``-auto-level -auto-gamma``, and
``spc enhance``. Two folders: ``half`` (every other photo 1.2 EV under-exposed, the rest as
they come, which spc mostly copies) and ``all`` (every photo needs an edit: in turn 1.2 EV
under, a faded rendering (levels to 0.175..0.825), and a 2 px Gaussian blur; not a colour
cast, which today's critic leaves alone). Prints images/s, ms
per megapixel, time relative to the floor and peak resident memory, then spc's peak memory
on N, 2N and 4N images (flat = streaming) and its steady-state cost per photo.

Per-op render times: each op alone, with the parameters a critic plans, on one 24 MP photo
in one thread: on a float image (the op itself, banded as the artist runs it) and, for the
ops that render band by band from an 8-bit file's codes, from the codes to codes (decoding
and encoding the bands included). Writes benchmarks/results/speed-<time>.json. Reads
../shared/data; exits 0 when it is absent.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import baselines, data, degrade, report  # noqa: E402

TIME_V = Path("/usr/bin/time")
JPEG_QUALITY_IN = 92  # the synthesized inputs: a typical camera JPEG
JPEG_QUALITY_OUT = 95  # every method writes at this quality

# The I/O floor: Pillow decodes and re-encodes each JPEG, nothing else (no numpy import).
FLOOR_CODE = """
import sys, pathlib
from PIL import Image
src, dst = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
for p in sorted(src.glob('*.jpg')):
    with Image.open(p) as im:
        im.load()
        im.save(dst / p.name, quality=%d)
""" % JPEG_QUALITY_OUT

# Fallback when /usr/bin/time is missing: a fresh child python that reports its children's peak RSS.
RUSAGE_CODE = """
import resource, subprocess, sys
rc = subprocess.run(sys.argv[1:]).returncode
print('SPCBENCH_MAXRSS_KB', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
sys.exit(rc)
"""


# --------------------------------------------------------------------------- inputs


CASES = ("half", "all")


def _defect(i: int, case: str) -> str:
    """The defect photo ``i`` of a case's folder carries (part of its file name)."""
    if case == "half":
        return "under" if i % 2 else ""
    return ("under", "faded", "soft")[i % 3]


def make_inputs(root: Path, n: int, megapixels: float, folder: Path, case: str = "half") -> list[Path]:
    """``n`` large JPEGs in ``folder`` (reused when already there with the same size)."""
    import cv2
    import numpy as np
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    sources = data.list_images(root / "kodak24") or data.clean_photos(root)
    if not sources:
        raise SystemExit(f"no source photos under {root}")
    out = []
    for i in range(n):
        # half: every other photo is 1.2 EV under-exposed, so spc has real edits to render, not
        # only photos it leaves alone (which it copies byte for byte); all: every photo needs one
        defect = _defect(i, case)
        p = folder / f"speed_{i:03d}{'_' + defect if defect else ''}.jpg"
        out.append(p)
        if p.exists():
            with Image.open(p) as im:
                if abs(im.width * im.height / 1e6 - megapixels) < 0.05 * megapixels:
                    continue
        src = np.asarray(Image.open(sources[i % len(sources)]).convert("RGB"))
        h, w = src.shape[:2]
        s = (megapixels * 1e6 / (h * w)) ** 0.5
        big = cv2.resize(src, (round(w * s), round(h * s)), interpolation=cv2.INTER_CUBIC)
        rng = np.random.default_rng(i)
        noise = rng.normal(0.0, 2.0, big.shape[:2] + (1,)).astype(np.float32)  # luminance grain
        big = np.clip(big.astype(np.float32) + noise, 0, 255).astype(np.uint8)
        if defect:
            lin = degrade.srgb_to_linear(degrade.to_float(big))
            if defect == "under":
                lin = degrade.exposure(lin, ev=-1.2)
            elif defect == "faded":
                lin = degrade.flatten_contrast(lin, keep=0.65)
            else:
                lin = degrade.defocus(lin, radius=2.0)
            big = degrade.quantise8(degrade.linear_to_srgb(lin))
        tmp = p.with_suffix(".tmp")
        Image.fromarray(big).save(tmp, format="JPEG", quality=JPEG_QUALITY_IN)
        tmp.replace(p)
        print(f"  made {p.name} {big.shape[1]}x{big.shape[0]} ({p.stat().st_size / 1e6:.1f} MB)", flush=True)
    return out


def link_subset(files: list[Path], folder: Path) -> Path:
    """A folder holding (hard links to) exactly ``files``."""
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    for f in files:
        try:
            os.link(f, folder / f.name)
        except OSError:
            shutil.copy2(f, folder / f.name)
    return folder


# --------------------------------------------------------------------------- measuring


def measured(cmd: list[str], timeout: float) -> dict[str, Any]:
    """Run ``cmd``; wall seconds, peak RSS (MB) of the process tree's largest member, rc."""
    if TIME_V.exists():
        full = [str(TIME_V), "-v"] + cmd
    else:
        full = [sys.executable, "-c", RUSAGE_CODE] + cmd
    t0 = time.perf_counter()
    try:
        r = subprocess.run(full, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"seconds": time.perf_counter() - t0, "rss_mb": None, "rc": None, "error": f"timed out after {timeout:.0f} s"}
    secs = time.perf_counter() - t0
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", r.stderr) or \
        re.search(r"SPCBENCH_MAXRSS_KB (\d+)", r.stderr)
    res: dict[str, Any] = {"seconds": secs, "rss_mb": int(m.group(1)) / 1024 if m else None, "rc": r.returncode}
    if r.returncode != 0:
        lines = [ln.strip() for ln in r.stderr.splitlines() if ln.strip() and not ln.startswith("\t")
                 and "Command exited" not in ln and not ln.lstrip().startswith(("│", "╭", "╰"))]
        res["error"] = f"exit {r.returncode}: " + (lines[-1] if lines else r.stdout.strip()[-200:])[:300]
        res["stderr_tail"] = r.stderr[-2000:]
    return res


def spc_executable() -> str | None:
    local = Path(sys.executable).parent / "spc"
    return str(local) if local.exists() else shutil.which("spc")


def commands(src: Path, dst: Path, device: str) -> dict[str, list[str] | str]:
    """Each method's command line (or, as a str, why it is skipped)."""
    cmds: dict[str, list[str] | str] = {"pillow floor": [sys.executable, "-c", FLOOR_CODE, str(src), str(dst)]}
    im = baselines.imagemagick_command()
    if im:
        loop = ('for f in "$1"/*.jpg; do "$3" "$f" -auto-level -auto-gamma -quality %d "$2/$(basename "$f")" '
                "|| exit 1; done" % JPEG_QUALITY_OUT)
        cmds["imagemagick"] = ["bash", "-c", loop, "im", str(src), str(dst), im[0]]
    else:
        cmds["imagemagick"] = "ImageMagick not installed (Debian: apt-get install imagemagick)"
    exe = spc_executable()
    if exe:
        cmds["spc"] = [exe, "enhance", str(src), "--out", str(dst), "--force", "--quiet", "--device", device]
    else:
        cmds["spc"] = "the spc console script is not installed (pip install -e .)"
    return cmds


def count_outputs(dst: Path) -> int:
    return sum(1 for p in dst.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg"))


def run_method(name: str, cmd: list[str], src: Path, n: int, repeats: int, timeout: float) -> dict[str, Any]:
    runs = []
    for k in range(repeats):
        dst = report.WORK_DIR / "speed" / "out" / name.replace(" ", "_")
        if dst.exists():
            shutil.rmtree(dst)
        dst.mkdir(parents=True)
        r = measured([str(dst) if c == "{dst}" else c for c in cmd], timeout)
        got = count_outputs(dst)
        if "error" not in r and got != n:
            r["error"] = f"wrote {got} of {n} images"
        runs.append(r)
        print(f"  {name} run {k + 1}/{repeats}: {r['seconds']:.1f} s, "
              f"peak RSS {report.fmt(r['rss_mb'], 0)} MB" + (f"  ERROR {r['error']}" if "error" in r else ""),
              flush=True)
        if "error" in r:
            break
    ok = [r for r in runs if "error" not in r]
    res: dict[str, Any] = {"runs": runs}
    if ok:
        res["seconds"] = statistics.median(r["seconds"] for r in ok)
        rss = [r["rss_mb"] for r in ok if r["rss_mb"] is not None]
        res["rss_mb"] = statistics.median(rss) if rss else None
        res["rss_mb_max"] = max(rss) if rss else None
    else:
        res["error"] = runs[-1]["error"]
    return res


# --------------------------------------------------------------------------- main


# --------------------------------------------------------------------------- per-op times

# Each op with the parameters a critic plans (the saturation a critic plans has no vibrance).
OP_PARAMS: dict[str, dict[str, float]] = {
    "denoise": {"luma": 1.0, "chroma": 1.0, "sigma": 0.01, "chroma_sigma": 0.008},
    "unclip": {"amount": 1.0, "headroom": 1.0, "reach": 0.04},
    "local_white_balance": {"warmth": -0.2, "tint": 0.05, "local": 1.0, "region": 0.08},
    "deblur": {"amount": 0.6, "sigma": 1.4, "kind": 0.0, "noise": 4 / 255},
    "white_balance": {"red": 1.2, "green": 1.0, "blue": 0.8},
    "exposure": {"ev": 0.8, "shoulder": 1.0},
    "dehaze": {"amount": 1.0, "transmission": 0.7},
    "tone": {"shadows": 0.3, "compress": 1.0},
    "clarity": {"amount": 0.4},
    "contrast": {"amount": 0.3, "black": 0.02, "white": 0.98},
    "fade": {"lift": 0.05},
    "saturation": {"saturation": 0.3},
    "sharpen": {"amount": 1.0, "radius": 1.5},
}


def op_times(path: Path, repeats: int) -> tuple[str, dict[str, Any]]:
    """Render time of each op alone on the photo at ``path``, in one thread (median of ``repeats``):
    on its float pixels through the artist's banded apply, and through ``render`` from its 8-bit
    codes (the path the CLI takes: tables, bands from codes, or the float path)."""
    import cv2
    import torch

    from spc_cli.artist.pipeline import PipelineArtist
    from spc_cli.engine.resources import keep_freed_memory
    from spc_cli.io.decode import read_photo

    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    keep_freed_memory()  # as the CLI's engine does: a freed image's memory is reused, not faulted in again
    photo = read_photo(path)
    pixels = photo.pixels.clone()  # decoded once; the float path's timings leave decoding out
    artist = PipelineArtist("cpu", "fp32")
    with torch.inference_mode():  # as the engine renders (runner.py): the ops' paths without autograd
        return _op_table(photo, pixels, artist, repeats)


def _op_table(photo, pixels, artist, repeats: int) -> tuple[str, dict[str, Any]]:
    import statistics as st

    from spc_cli.ops import OPS
    from spc_cli.plan import Edit, EditPlan

    rows, out = [], {}
    for name, params in OP_PARAMS.items():
        edit = Edit(name, OPS[name].params.from_dict(params))
        t_float, t_render, c_float, c_render = [], [], [], []
        for _ in range(repeats):
            x = pixels[None].clone()
            t0, c0 = time.perf_counter(), time.process_time()
            artist.apply(x, [[edit]])
            t_float.append(time.perf_counter() - t0)
            c_float.append(time.process_time() - c0)
            t0, c0 = time.perf_counter(), time.process_time()
            artist.render([photo], [EditPlan([edit])])
            t_render.append(time.perf_counter() - t0)
            c_render.append(time.process_time() - c0)
        path_name = ("table" if OPS[name].channelwise else
                     "float" if OPS[name].needs_prepare(edit.params.to_dict()) else "bands from codes")
        out[name] = {"float_s": st.median(t_float), "render_s": st.median(t_render), "float_cpu_s": st.median(c_float),
                     "render_cpu_s": st.median(c_render), "path": path_name}
        rows.append([name, report.fmt(out[name]["float_s"], 2), report.fmt(out[name]["float_cpu_s"], 2),
                     report.fmt(out[name]["render_s"], 2), report.fmt(out[name]["render_cpu_s"], 2), path_name])
        print(f"  {name}: float {out[name]['float_s']:.2f} s ({out[name]['float_cpu_s']:.2f} s CPU), render "
              f"{out[name]['render_s']:.2f} s ({out[name]['render_cpu_s']:.2f} s CPU)", flush=True)
    mp = pixels.shape[-1] * pixels.shape[-2] / 1e6
    text = report.print_table(
        f"Per-op render time, one {mp:.0f} MP photo, one thread, median of {repeats}",
        ["op", "float image (s)", "CPU (s)", "render from the JPEG (s)", "CPU (s)", "render path"], rows,
        "float image: the op on the decoded float pixels, banded as the artist runs it; render: "
        "`PipelineArtist.render` on the photo as decoded from the JPEG (8-bit codes kept): "
        "one table for per-channel ops, bands decoded from and encoded to codes, or the float "
        "path (pixels already decoded) for ops with whole-image statistics. CPU: the process's CPU "
        "time, the better figure when other work shares the cores")
    return text, out


# --------------------------------------------------------------------------- main


def _edited(dst: Path) -> tuple[int, int]:
    """(outputs whose sidecar lists applied edits, outputs) in a finished spc run's folder."""
    import json

    sides = list(dst.glob("*.spc.json"))
    return sum(bool(json.loads(p.read_text()).get("applied")) for p in sides), len(sides)


def run_case(case: str, root: Path, n: int, repeats: int, args: argparse.Namespace,
             flat_runs: bool) -> tuple[list[str], dict[str, Any]]:
    work = report.WORK_DIR / "speed"
    pool = work / ("pool" if case == "half" else f"pool_{case}")
    files = make_inputs(root, (4 * n if flat_runs else 2 * n) if not args.no_flatness else n,
                        args.megapixels, pool, case)
    src = link_subset(files[:n], work / f"in_{case}_{n}")
    from PIL import Image

    mp = sum(Image.open(f).width * Image.open(f).height for f in files[:n]) / 1e6
    in_mb = sum(f.stat().st_size for f in files[:n]) / 1e6
    results: dict[str, Any] = {}
    skipped: dict[str, str] = {}
    for name, cmd in commands(src, Path("{dst}"), args.device).items():
        if isinstance(cmd, str):
            skipped[name] = cmd
            print(f"note: skipping {name}: {cmd}")
            continue
        if name == "imagemagick" and case != "half":
            continue  # its cost does not depend on the edits
        results[name] = run_method(name, cmd, src, n, repeats, args.timeout)
        if name == "spc":
            results[name]["edited"], results[name]["outputs"] = _edited(
                report.WORK_DIR / "speed" / "out" / "spc")

    startup = None
    exe = spc_executable()
    if exe:  # what a batch pays once: interpreter, imports, CLI parsing
        startup = measured([exe, "--help"], 120)

    floor = results.get("pillow floor", {}).get("seconds")
    rows = []
    for name, r in results.items():
        if "seconds" not in r:
            rows.append([name, "–", "–", "–", "–", "error: " + r.get("error", "?")[:80]])
            continue
        t = r["seconds"]
        r.update({"images_per_s": n / t, "ms_per_mp": 1000 * t / mp, "ratio_to_floor": t / floor if floor else None})
        note = f"{r['edited']} of {r['outputs']} edited" if "edited" in r else ""
        rows.append([name, report.fmt(r["images_per_s"], 3), report.fmt(r["ms_per_mp"], 0),
                     report.fmt(r["ratio_to_floor"], 1), report.fmt(r["rss_mb"], 0), note])
    what = {"half": "half need an edit", "all": "all need an edit (under, faded, soft)"}[case]
    texts = [report.print_table(
        f"Speed ({case}: {what}): {n} JPEGs of {mp / n:.1f} MP ({in_mb:.0f} MB in), median of {repeats} run(s), "
        f"spc on {args.device}",
        ["method", "images/s", "ms / MP", "x floor", "peak RSS MB", "note"], rows,
        "Each method is one process over the whole folder (ImageMagick: one `convert` per image); "
        "times include process start and imports"
        + (f" (spc --help alone takes {startup['seconds']:.1f} s)." if startup and 'error' not in startup else "."))]

    flat = None
    if not args.no_flatness and isinstance(commands(src, Path("{dst}"), args.device).get("spc"), list) \
            and "seconds" in results.get("spc", {}):
        src2 = link_subset(files[: 2 * n], work / f"in_{case}_{2 * n}")
        cmd2 = commands(src2, Path("{dst}"), args.device)["spc"]
        print(f"spc steady state ({case}): {2 * n} images", flush=True)
        # as many runs as T(N) had: the steady state is a difference of two times, and one run
        # of a 2-core machine's noise in either moves it by a tenth of a second per photo
        r2 = run_method("spc", cmd2, src2, 2 * n, repeats, 2 * args.timeout)
        flat = {"n": {"images": n, "rss_mb": results["spc"].get("rss_mb"), "seconds": results["spc"]["seconds"]},
                "2n": {"images": 2 * n, "rss_mb": r2.get("rss_mb"), "seconds": r2.get("seconds"),
                       "error": r2.get("error")}}
        if flat_runs:
            # and once on 4N, for memory alone: which photos happen to render at the same time
            # moves the peak between N and 2N; a pipeline that streams stays at that level after
            src4 = link_subset(files[: 4 * n], work / f"in_{case}_{4 * n}")
            print(f"spc memory flatness: {4 * n} images (one run)", flush=True)
            r4 = run_method("spc", commands(src4, Path("{dst}"), args.device)["spc"], src4, 4 * n, 1,
                            4 * args.timeout)
            flat["4n"] = {"images": 4 * n, "rss_mb": r4.get("rss_mb"), "seconds": r4.get("seconds"),
                          "error": r4.get("error")}
            rows = [[v["images"], report.fmt(v["rss_mb"], 0), report.fmt(v["seconds"], 1),
                     report.fmt(v["seconds"] / v["images"], 2) if v.get("seconds") else "–"] for v in flat.values()]
            texts.append(report.print_table("spc peak memory vs batch size (flat = streaming)",
                                             ["images", "peak RSS MB", "seconds", "s / image"], rows))
        # Steady state: what each further photo costs once the process is up (start-up and
        # the pipeline's fill and drain cancel out of T(2N) - T(N)). This is the throughput a
        # folder of hundreds of photos sees.
        if r2.get("seconds") and floor:
            marginal = (r2["seconds"] - results["spc"]["seconds"]) / n
            floor_per = floor / n
            flat["steady_state"] = {"s_per_image": marginal, "floor_s_per_image": floor_per,
                                    "ratio_to_floor": marginal / floor_per}
            texts.append(report.print_table(
                f"spc steady state ({case}) (T(2N) - T(N)) / N vs the floor",
                ["spc s / image", "floor s / image", "x floor"],
                [[report.fmt(marginal, 3), report.fmt(floor_per, 3), report.fmt(marginal / floor_per, 2)]],
                "the per-photo cost of a long batch, without process start-up"))
    return texts, {"images": n, "megapixels_total": mp, "input_mb": in_mb, "skipped": skipped, "methods": results,
                   "spc_startup": startup, "flatness": flat}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="3 images, 1 run each")
    ap.add_argument("-n", "--images", type=int, help="how many images (default 6, quick 3)")
    ap.add_argument("--repeats", type=int, help="runs per method, the median is reported (default 3, quick 1)")
    ap.add_argument("--megapixels", type=float, help="size of each synthesized JPEG (default 24; --engine ray 3)")
    ap.add_argument("--engine", choices=("local", "ray"), default="local",
                    help="ray: photos/s of spc --engine ray against the local engine on the same folder")
    ap.add_argument("--actors", default="1,2,4", help="--engine ray: the actor counts to measure")
    ap.add_argument("--actor-cpus", type=float, default=0.0, help="--engine ray: CPUs per actor (0 = spc's default)")
    ap.add_argument("--device", default="cpu", help="device passed to spc: cpu (default) or cuda")
    ap.add_argument("--cases", default="half,all", help="which folders: half, all (default both)")
    ap.add_argument("--no-flatness", action="store_true", help="skip the spc 2N and 4N runs (memory and steady state)")
    ap.add_argument("--no-ops", action="store_true", help="skip the per-op render times")
    ap.add_argument("--ops-only", action="store_true", help="only the per-op render times")
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds allowed per method run")
    ap.add_argument("--json", type=Path, help="where to write the results (default benchmarks/results/)")
    args = ap.parse_args(argv)
    if args.megapixels is None:
        args.megapixels = 3.0 if args.engine == "ray" else 24.0
    if args.engine == "ray":
        return _engines(args)
    n = args.images or (3 if args.quick else 6)
    repeats = args.repeats or (1 if args.quick else 3)

    root = data.require_data_root()
    if root is None:
        return 0
    if args.device.startswith("cuda"):
        try:
            import torch

            if not torch.cuda.is_available():
                print("--device cuda: no CUDA device visible to torch here; nothing to measure.")
                return 0
        except ImportError:
            print("--device cuda: torch is not installed; nothing to measure.")
            return 0

    env = report.environment()
    print(f"spc speed benchmark, {env['date']}, {env['cpus']} CPUs, {n} x {args.megapixels:g} MP JPEG, "
          f"median of {repeats}, spc device {args.device}, load average {os.getloadavg()[0]:.1f}", flush=True)
    texts: list[str] = []
    cases: dict[str, Any] = {}
    ops: dict[str, Any] = {}
    if not args.ops_only:
        for i, case in enumerate(c for c in args.cases.split(",") if c):
            if case not in CASES:
                ap.error(f"unknown case {case!r}; choose from {', '.join(CASES)}")
            more, cases[case] = run_case(case, root, n, repeats, args, flat_runs=i == 0)
            texts += more
    if not args.no_ops:
        pool = make_inputs(root, 1, args.megapixels, report.WORK_DIR / "speed" / "pool", "half")
        text, ops = op_times(pool[0], 1 if args.quick else 3)
        texts.append(text)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    out = report.write_json({"benchmark": "speed", "quick": args.quick, "environment": env,
                             "load_average": os.getloadavg(),
                             "config": {"images": n, "repeats": repeats, "device": args.device,
                                        "jpeg_quality_in": JPEG_QUALITY_IN, "jpeg_quality_out": JPEG_QUALITY_OUT,
                                        "rss_source": "/usr/bin/time -v" if TIME_V.exists() else "getrusage"},
                             "cases": cases, "ops": ops, "tables_markdown": texts}, "speed", args.json)
    print(f"results: {out}")
    return 0


def _engines(args) -> int:
    """``--engine ray``: benchmarks/engines.py on 2N synthesized JPEGs."""
    from benchmarks import engines

    root = data.require_data_root()
    exe = spc_executable()
    if root is None:
        return 0
    if exe is None:
        print("the spc console script is not installed (pip install -e '.[ray]'); nothing to measure.")
        return 0
    try:
        import ray  # noqa: F401
    except ImportError:
        print("ray is not installed (pip install -e '.[ray]'); nothing to measure.")
        return 0
    env = report.environment()
    n = args.images or 48
    print(f"spc engines benchmark, {env['date']}, {env['cpus']} CPUs, {n} and {2 * n} x {args.megapixels:g} MP JPEG",
          flush=True)
    files = make_inputs(root, 2 * n, args.megapixels, report.WORK_DIR / "engines" / "pool")
    res = engines.compare(args, files, link_subset, measured, count_outputs, exe, env)
    out = report.write_json({"benchmark": "engines", "environment": env,
                             "config": {"megapixels": args.megapixels, "actors": args.actors,
                                        "actor_cpus": args.actor_cpus}, **res},
                            "engines", args.json)
    print(f"results: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
