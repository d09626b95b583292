"""Time the analytic critic on a 24-megapixel photo (6000 x 4000), CPU.

    python -m benchmarks.critic_speed            # median of 5 runs, with the proxy's share

The photo is a colour chart upscaled with texture and noise, built in memory (no data
needed). Each run starts from a fresh Photo, so the proxy downscale is included.
"""

from __future__ import annotations

import statistics
import time

import torch


def main(runs: int = 5) -> None:
    from spc.critic.analytic import AnalyticCritic
    from spc.photo import Metadata, Photo

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


if __name__ == "__main__":
    main()
