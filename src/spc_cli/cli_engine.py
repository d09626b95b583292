"""The flags of ``spc enhance`` and ``spc critique`` that choose where the photos are processed:
this machine's threads, or a Ray cluster (engine/distributed.py)."""

from __future__ import annotations

from typing import Annotated, Optional

import typer

EngineOpt = Annotated[str, typer.Option("--engine", help="Where photos are processed: local (this machine's "
                                        "threads) or ray (a Ray cluster; pip install 'spc-cli\\[ray]').")]
RayAddress = Annotated[Optional[str], typer.Option("--ray-address", envvar="RAY_ADDRESS", help="With --engine "
                                                   "ray: the cluster to join (host:port, auto, ray://host:10001) "
                                                   "\\[default: a local cluster on 127.0.0.1 for this run].",
                                                   show_default=False)]
Actors = Annotated[int, typer.Option("--actors", min=0, help="With --engine ray: workers, each with its own critic "
                                     "and artist (0 = auto: one per GPU, else one per CPU).")]
ActorCpus = Annotated[float, typer.Option("--actor-cpus", min=0.0, help="With --engine ray: CPUs reserved per "
                                          "worker (0 = auto: 1 with a GPU, else 0.5).")]
Collect = Annotated[bool, typer.Option("--collect", help="With --engine ray: workers send the encoded photos and "
                                       "sidecars here to be written (they cannot see --out).")]
Verbose = Annotated[bool, typer.Option("--verbose", help="With --engine ray: show Ray's own logs and progress bars.")]
