"""Time the critics on a 24-megapixel photo (6000 x 4000) after decode, on the CPU (and CUDA when present).

    python -m benchmarks.critic_speed                 # both critics, 5 runs each, median
    python -m benchmarks.critic_speed --critics learned --runs 9

The photo is built in memory the way the decoder leaves a JPEG: its 8-bit codes, float pixels
decoded only where asked (``codes``), and, for comparison, as a float image (``float``, a 16-bit
or RAW input). Each run starts from a fresh ``Photo`` (the proxy is not cached), so the times
include the proxy downscale, the full-resolution tiles, the measurements and, for the learned
critic, the thumbnail, histogram and network. Wall time depends on what else the machine runs:
the load average is printed with it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

import numpy as np
import torch


def photo_24mp(kind: str):
    """A 24 MP photo-like frame: smooth regions, edges, grain; as codes or as float pixels."""
    import cv2

    from spc_cli.io.spaces import decode_planes
    from spc_cli.photo import Metadata, Photo

    rng = np.random.default_rng(0)
    base = cv2.resize((rng.random((40, 60, 3)) * 230).astype(np.uint8), (6000, 4000), interpolation=cv2.INTER_NEAREST)
    codes = np.clip(base.astype(np.int16) + rng.integers(-4, 5, (4000, 6000, 3), dtype=np.int16), 0, 255).astype(np.uint8)
    meta = Metadata(source=Path("24mp.jpg"), format="jpeg", sha256="", width=6000, height=4000, bit_depth=8)
    if kind == "codes":
        return lambda: Photo(meta=meta, codes=codes)
    pixels = torch.from_numpy(decode_planes(np.ascontiguousarray(codes.transpose(2, 0, 1)), "srgb"))
    return lambda: Photo(pixels=pixels, meta=meta)


def time_critic(name: str, make, runs: int, **options) -> dict[str, float]:
    from spc_cli.registry import make_critic

    critic = make_critic(name, **options)
    critic.critique([make()])  # warm-up: imports, weights, tables
    wall, cpu, proxy = [], [], []
    for _ in range(runs):
        p = make()
        t0, c0 = time.perf_counter(), time.process_time()
        p.proxy(512)
        t1 = time.perf_counter()
        critic.critique([p])
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        proxy.append(t1 - t0)
    return {"wall_ms": 1000 * statistics.median(wall), "cpu_ms": 1000 * statistics.median(cpu),
            "proxy_ms": 1000 * statistics.median(proxy), "min_wall_ms": 1000 * min(wall)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--critics", default="analytic,learned")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--inputs", default="codes,float")
    args = ap.parse_args(argv)
    print(f"24 MP critique, median of {args.runs}; torch threads {torch.get_num_threads()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    print("| critic | input | device | wall ms (median) | wall ms (min) | proxy ms | CPU ms |")
    print("|---|---|---|---|---|---|---|")
    for kind in args.inputs.split(","):
        make = photo_24mp(kind)
        for name in args.critics.split(","):
            r = time_critic(name, make, args.runs)
            print(f"| {name} | {kind} | cpu | {r['wall_ms']:.0f} | {r['min_wall_ms']:.0f} | {r['proxy_ms']:.0f} | "
                  f"{r['cpu_ms']:.0f} |", flush=True)
    if torch.cuda.is_available() and "learned" in args.critics:
        make = photo_24mp("codes")
        from spc_cli.registry import make_critic

        critic = make_critic("learned", device="cuda", precision="fp16", batch_size=8)
        photos = [make() for _ in range(8)]
        critic.critique(photos)
        t0 = time.perf_counter()
        critic.critique([make() for _ in range(8)])
        print(f"| learned | codes, batch of 8 | cuda fp16 | {1000 * (time.perf_counter() - t0) / 8:.0f} per photo | | | |")
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
