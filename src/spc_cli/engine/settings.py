"""What shapes a run's outputs (``Settings``), and the options each backend is built with."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__


@dataclass(frozen=True)
class Settings:
    """Everything that shapes an output. ``key()`` decides whether an existing output is current."""

    out_dir: Path | None = None
    out_file: Path | None = None  # a single explicit output path (retouch IMG --out FILE)
    beside: bool = False  # write <stem>.spc<ext> beside each input (retouch without --out)
    format: str | None = None
    quality: int = 95
    strength: float = 1.0
    critic: str = "analytic"
    artist: str = "pipeline"
    device: str = "auto"
    precision: str = "auto"
    batch_size: int = 0  # 0 = auto: 8 on CUDA, 1 on the CPU (batching only pays on a GPU)
    workers: int = 2
    force: bool = False
    dry_run: bool = False
    max_megapixels: float = 250.0
    hint: str | None = None
    refine: bool = True
    critic_model: str | None = None  # a hub name or local folder for the model backends
    artist_model: str | None = None

    # the settings that change pixels or sidecar content (not device, workers, batching)
    OUTPUT_FIELDS = ("format", "quality", "strength", "critic", "artist", "hint", "refine",
                     "critic_model", "artist_model")

    def output_settings(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.OUTPUT_FIELDS}

    def key(self) -> str:
        """Hash of the output settings and spc's version: whether an existing output is current."""
        relevant = {**self.output_settings(), "spc": __version__}
        return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]


def critic_options(settings: Settings) -> dict[str, Any]:
    """Options for the critic backend: the analytic critic measures a CPU proxy and takes none;
    model critics get the device, precision, batch size and model folder."""
    if settings.critic == "analytic":
        return {}
    opts: dict[str, Any] = {"device": settings.device, "precision": settings.precision,
                            "batch_size": settings.batch_size or 1}
    if settings.critic_model:
        opts["model"] = settings.critic_model
    return opts
