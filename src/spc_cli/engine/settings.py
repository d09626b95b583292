"""What shapes a run's outputs (``Settings``), and the options each backend is built with."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .. import __version__
from ..registry import DEFAULT_CRITIC, LEARNED_MODEL


@dataclass(frozen=True)
class Settings:
    """Everything that shapes an output. ``key()`` decides whether an existing output is current."""

    out_dir: Path | None = None
    out_file: Path | None = None  # a single explicit output path (retouch IMG --out FILE)
    beside: bool = False  # write <stem>.spc<ext> beside each input (retouch without --out)
    format: str | None = None
    quality: int = 95
    strength: float = 1.0
    critic: str = DEFAULT_CRITIC
    artist: str = "pipeline"
    device: str = "auto"
    precision: str = "auto"
    batch_size: int = 0  # 0 = auto: 8 on CUDA, 1 on the CPU (batching only pays on a GPU)
    workers: int = 2
    force: bool = False
    dry_run: bool = False
    max_megapixels: float = 250.0
    hint: str | None = None
    hint_only: bool = False  # the hint alone: the critic's own edits are left out
    refine: bool = True
    critic_model: str | None = None  # a hub name or local folder for the model backends
    artist_model: str | None = None
    series: str = "auto"  # "auto" | "folder" | "off": photos of one scene corrected together (engine.series),
    # the same default as ``spc enhance`` and ``api.enhance`` (``api.retouch`` passes "off": a hint is applied
    # to each photo as asked); not an output field: what a series shared is in each sidecar's series key
    # (jobs.is_current)
    allow_download: bool = False  # model backends may fetch missing weights from the Hub
    offload: bool = False  # model backends keep each model in host memory until it runs (CUDA)
    artist_megapixels: float | None = None  # a model artist's working size (None: its own, about 1 MP)

    # where the photos are processed: "local" (this process's threads) or "ray" (a Ray cluster,
    # engine/distributed.py); none of these shape an output
    engine: str = "local"
    ray_address: str | None = None  # None: RAY_ADDRESS, else a local cluster started for the run
    actors: int = 0  # Ray workers, each with its own critic and artist (0 = auto)
    actor_cpus: float = 0.0  # CPUs reserved per Ray worker (0 = auto)
    collect: bool = False  # Ray workers hand the encoded outputs to this process, which writes them
    verbose: bool = False  # Ray's own logs and progress bars

    def __post_init__(self) -> None:
        # the smartphotocrafter artist is conditioned on its own critic's hidden states
        if self.artist == MODEL_COUPLED and self.critic != MODEL_COUPLED:
            if self.critic not in (DEFAULT_CRITIC, MODEL_COUPLED):
                from ..errors import UsageError

                raise UsageError(f"--artist {MODEL_COUPLED} edits from its own critic's hidden states; "
                                 f"drop --critic {self.critic} (it implies --critic {MODEL_COUPLED})")
            object.__setattr__(self, "critic", MODEL_COUPLED)

    # the settings that change pixels or sidecar content (not device, workers, batching)
    OUTPUT_FIELDS = ("format", "quality", "strength", "critic", "artist", "hint", "refine",
                     "critic_model", "artist_model")

    def output_settings(self) -> dict[str, Any]:
        out = {k: getattr(self, k) for k in self.OUTPUT_FIELDS}
        if self.artist_megapixels is not None:  # only when set: the key of earlier outputs is unchanged
            out["artist_megapixels"] = self.artist_megapixels
        if self.hint_only:  # only when set: the key of earlier outputs is unchanged
            out["hint_only"] = True
        return out

    def key(self) -> str:
        """Hash of the output settings and spc's version: whether an existing output is current.

        A critic whose network ships in ``weights/`` adds its weights' sha256 (the manifest's, or
        that of the ``critic_model`` file given): weights retrained in a source checkout, or
        another checkpoint under the same path, make the outputs of the old weights stale."""
        relevant = {**self.output_settings(), "spc": __version__}
        if self.critic in SHIPPED_NETWORK:  # only then: the key of the other critics' outputs is unchanged
            relevant["critic_weights"] = critic_weights_sha(self.critic_model)
        return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]


MODEL_COUPLED = "smartphotocrafter"  # the backend whose artist needs its own critic


SHIPPED_NETWORK = ("learned", "hybrid")  # critics whose network's weights ship with spc


def critic_weights_sha(model: str | None = None) -> str:
    """The sha256 of the learned network's weights a run uses: the manifest's for the shipped
    file (the critic refuses a file that does not match it), else the given checkpoint's own,
    read once per file state (path, size, modification time). "" when it cannot be read: the
    critic's one-line error then says why."""
    from ..manifest import WeightsError, find

    if model:
        path = Path(model)
        try:
            st = path.stat()
        except OSError:
            return ""
        return _file_sha(str(path.resolve()), st.st_size, st.st_mtime_ns) if path.is_file() else ""
    try:
        files = [f for f in find(LEARNED_MODEL)["files"] if f.get("shipped")]
    except WeightsError:
        return ""
    return files[0]["sha256"] if files else ""


@lru_cache(maxsize=64)
def _file_sha(path: str, size: int, mtime_ns: int) -> str:
    from ..manifest import sha256_of

    try:
        return sha256_of(Path(path))
    except OSError:
        return ""


def proxy_edge_of(settings: Settings) -> int | None:
    """The long edge of the proxy the chosen critic measures first, known before it is built
    (the analytic critic's, which the learned one measures through), else None."""
    from ..pooling import PROXY_EDGE

    return PROXY_EDGE if settings.critic in ("analytic", *SHIPPED_NETWORK) else None


def critic_options(settings: Settings) -> dict[str, Any]:
    """Options for the critic backend: the analytic critic measures a CPU proxy and takes none;
    model critics get the device, precision, batch size, model folder and whether they may download."""
    if settings.critic == "analytic":
        return {}
    opts: dict[str, Any] = {"device": settings.device, "precision": settings.precision,
                            "batch_size": settings.batch_size or 1}
    model = settings.critic_model or (settings.artist_model if settings.artist == MODEL_COUPLED else None)
    if model:
        opts["model"] = model
    if settings.critic == MODEL_COUPLED:
        opts.update(allow_download=settings.allow_download, offload=settings.offload)
        if settings.artist_megapixels is not None:
            opts["megapixels"] = settings.artist_megapixels
    elif settings.critic not in SHIPPED_NETWORK:  # their weights ship with spc: nothing to download
        opts["local_files_only"] = not settings.allow_download
    return opts


def artist_options(settings: Settings, device, batch_size: int) -> dict[str, Any]:
    """Options for the artist backend: the pipeline artist works in place; model artists get the
    model folder, whether they may download, offloading and the working size."""
    opts: dict[str, Any] = {"device": device, "precision": settings.precision, "batch_size": batch_size}
    if settings.artist == "pipeline":
        opts["inplace"] = True  # the engine never reuses a photo's input pixels after rendering
        return opts
    model = settings.artist_model or (settings.critic_model if settings.artist == MODEL_COUPLED else None)
    if model:
        opts["model"] = model
    opts["offload"] = settings.offload
    if settings.artist_megapixels is not None:
        opts["megapixels"] = settings.artist_megapixels
    if settings.artist == MODEL_COUPLED:
        opts["allow_download"] = settings.allow_download
    else:  # whatever the critic: a model artist's weights come from the Hub only when allowed
        opts["local_files_only"] = not settings.allow_download
    return opts
