"""What each backend needs and whether it is here: ``spc models``.

For every backend (analytic, learned where its weights are in the manifest, vlm, diffusion
and its smaller editors, smartphotocrafter): the Python packages it needs and whether they
are installed, which weights were found (path, size, revision) in a local folder (the
backend's environment variable) or the Hugging Face cache, and what it needs to run (GPU
memory, licence). Nothing here touches the network or imports a model library: the
cache is read as files, the packages through their installed metadata.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from . import manifest

PACKAGES = {
    "analytic": ("torch",),
    "learned": ("torch",),
    "hybrid": ("torch",),
    "vlm": ("transformers", "accelerate"),
    "diffusion": ("diffusers", "transformers", "accelerate"),
    "smartphotocrafter": ("transformers", "diffusers", "peft", "accelerate"),
}
ENV = {"vlm": "SPC_VLM_MODEL", "diffusion": "SPC_DIFFUSION_MODEL", "smartphotocrafter": "SPC_SMARTPHOTOCRAFTER_MODEL"}
NON_COMMERCIAL = ("non-commercial licence: research and personal use only; outputs may not be used "
                  "commercially")
# the built-in critic's code is spc's; its fitted constants (the cast, exposure and flat models, the
# calibrated thresholds, the mixed-light gate of local_white_balance: benchmarks/calibrate_*.py) were
# fitted on ../shared/data/train, whose terms are mostly research use, as the learned network was
ANALYTIC_LICENCE = "MIT (spc); fitted on research-use photos"


@dataclass
class Found:
    path: str
    bytes: int
    revision: str | None

    def describe(self) -> str:
        rev = f" @ {self.revision[:12]}" if self.revision else ""
        size = f"{self.bytes / 1e9:.1f} GB" if self.bytes >= 1e8 else f"{self.bytes / 1e6:.1f} MB"
        return f"{self.path} ({size}{rev})"


@dataclass
class Status:
    backend: str
    model: str  # the manifest entry's name, or "built in"
    role: str
    packages: dict[str, str | None]  # name -> installed version (None: missing)
    weights: list[Found] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # one line each: what is missing and the command to get it
    gpu: str = ""
    licence: str = ""
    warning: str = ""
    default: bool = True

    @property
    def ready(self) -> bool:
        return not self.missing

    def to_dict(self) -> dict[str, Any]:
        return {"backend": self.backend, "model": self.model, "role": self.role, "ready": self.ready,
                "default": self.default, "packages": self.packages,
                "weights": [f.__dict__ for f in self.weights], "missing": self.missing, "gpu": self.gpu,
                "licence": self.licence, "warning": self.warning}


def package_versions(names) -> dict[str, str | None]:
    out: dict[str, str | None] = {}
    for n in names:
        try:
            out[n] = metadata.version(n)
        except metadata.PackageNotFoundError:
            out[n] = None
    return out


def _size(folder: Path) -> int:
    total = 0
    for p in folder.rglob("*"):
        try:
            if p.is_file():
                total += p.stat().st_size  # follows the cache's symlinks to their blobs
        except OSError:
            pass
    return total


def hub_cache() -> Path:
    try:
        from huggingface_hub import constants

        return Path(constants.HF_HUB_CACHE)
    except ImportError:  # pragma: no cover - huggingface_hub comes with the model extras
        home = os.environ.get("HF_HOME", os.path.join(os.path.expanduser("~"), ".cache", "huggingface"))
        return Path(os.environ.get("HF_HUB_CACHE", os.path.join(home, "hub")))


def cached(hub: str, revision: str | None) -> Found | None:
    """The cached snapshot of ``hub`` at ``revision`` (any snapshot when unpinned), if present."""
    snaps = hub_cache() / ("models--" + hub.replace("/", "--")) / "snapshots"
    if revision:
        candidates = [snaps / revision]
    else:
        candidates = sorted(snaps.glob("*"), key=lambda p: p.stat().st_mtime, reverse=True) if snaps.is_dir() else []
    for snap in candidates:
        if snap.is_dir() and any(snap.iterdir()):
            return Found(str(snap), _size(snap), snap.name)
    return None


def _folder(path: str) -> Found | None:
    p = Path(path).expanduser()
    return Found(str(p), _size(p), None) if p.is_dir() else None


def _entry_status(entry: dict[str, Any], env_value: str | None) -> Status:
    backend = entry["backend"]
    src, mem = entry["source"], entry.get("memory", {})
    gpu = f"~{mem['gpu_gb']} GB {mem.get('precision', '')}".strip() if "gpu_gb" in mem else ""
    if "offload_gpu_gb" in mem:
        gpu += f" (~{mem['offload_gpu_gb']} GB with --offload)"
    st = Status(backend, entry["name"], entry["role"], package_versions(PACKAGES.get(backend, ())),
                gpu=gpu, licence=entry["licence"], default=bool(entry.get("default", True)))
    if entry.get("non_commercial"):
        st.warning = f"{entry['name']}: {NON_COMMERCIAL}"
    for name, version in st.packages.items():
        if version is None:
            st.missing.append(f"{backend}: package {name} is not installed; install it with "
                              f"`pip install 'spc-cli[models]'`")
    if "trained_here" in src:
        for f in entry["files"]:
            if f.get("shipped"):
                path = manifest.folder() / f["path"]
                if path.is_file():
                    st.weights.append(Found(str(path), path.stat().st_size, "sha256 " + f["sha256"][:12]))
                else:
                    st.missing.append(f"{backend}: shipped file {path} is missing; reinstall spc-cli")
        return st
    hub, rev = src["hub"], src.get("revision")
    found = _folder(env_value) if env_value else cached(hub, rev)
    if found is not None:
        st.weights.append(found)
    else:
        where = (f"folder {env_value} (${ENV.get(backend)})" if env_value
                 else f"{hub}" + (f" at {rev[:12]}" if rev else "") + " in the Hugging Face cache")
        st.missing.append(f"{backend}: {entry['name']} weights not found ({where}); fetch them with "
                          f"`{manifest.fetch_command(hub)}`" + (" after `hf auth login` (gated)" if entry.get("gated")
                                                               else ""))
    return st


def _crafter_status(entry: dict[str, Any]) -> Status:
    """The release and the parts of its base model it uses."""
    from .crafter import locate

    st = _entry_status(entry, os.environ.get(locate.RELEASE_ENV))
    if st.weights:
        release = Path(st.weights[0].path)
        for line in locate.missing_critic(release) + ([] if locate.dit_file(release) else
                                                      [f"{release / 'dit.safetensors'} (the artist's DiT)"]):
            st.missing.append(f"smartphotocrafter: missing {line}; fetch it with `{locate.fetch_release()}`")
    base_env = os.environ.get(locate.BASE_ENV)
    base = _folder(base_env) if base_env else cached(locate.BASE_HUB, manifest.pinned_revision(locate.BASE_HUB))
    if base is None:
        st.missing.append(f"smartphotocrafter: the base model's VAE, scheduler and DiT config "
                          f"({locate.BASE_HUB}) not found; fetch them with `{locate.fetch_base()}`")
    else:
        st.weights.append(base)
    return st


def statuses() -> list[Status]:
    """Every backend, the default model of each first."""
    out = [Status("analytic", "built in", "critic", package_versions(PACKAGES["analytic"]), gpu="none (CPU)",
                  licence=ANALYTIC_LICENCE)]
    for e in manifest.entries("learned"):
        out.append(_entry_status(e, None))
        # the hybrid critic runs the same shipped network (white balance, haze) beside the thresholds
        out.append(_entry_status({**e, "backend": "hybrid"}, None))
    for backend in ("vlm", "diffusion"):
        for e in sorted(manifest.entries(backend), key=lambda e: not e.get("default", True)):
            out.append(_entry_status(e, os.environ.get(ENV[backend]) if e.get("default", True) else None))
    for e in manifest.entries("smartphotocrafter"):
        out.append(_crafter_status(e))
    return out
