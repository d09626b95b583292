"""Where the release and its base model are, offline first.

The release (``katelyn2333/SmartPhotoCrafter``) holds the critic (``vlm/``: a Qwen2.5-VL
checkpoint; ``vlm_lora/``: its LoRA adapter) and the artist's DiT (``dit.safetensors``, in
DiffSynth's key layout; ``dit_lora/``: its LoRA adapter). The rest of the artist comes from
the base model, Qwen-Image-Edit-2509: its VAE, scheduler and the DiT's config (its 40 GB of
DiT weights are not needed, so the fetch command leaves them out). The critic's tokenizer
and image processor come from ``vlm/`` when it has them, else from the base model.

A name is a local folder or a Hub repository. A Hub repository is looked up in the local
Hugging Face cache only (at spc's pinned revision), unless downloading is allowed: nothing
is fetched without ``--allow-download``. What is missing is one line naming it and the
exact command that fetches it.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..errors import UsageError

RELEASE_HUB = "katelyn2333/SmartPhotoCrafter"
BASE_HUB = "Qwen/Qwen-Image-Edit-2509"
RELEASE_ENV = "SPC_SMARTPHOTOCRAFTER_MODEL"
BASE_ENV = "SPC_DIFFUSION_MODEL"  # the diffusion artist's Qwen-Image-Edit-2509 folder is the same base model
BASE_FILES = ("model_index.json", "scheduler/*", "vae/*", "transformer/config.json", "processor/*", "tokenizer/*")


class MissingModel(UsageError):
    """A model's files are not here; the message names them and the command that fetches them."""


def fetch_release() -> str:
    from ..manifest import fetch_command

    return fetch_command(RELEASE_HUB)


def fetch_base() -> str:
    from ..manifest import fetch_command

    return fetch_command(BASE_HUB, include=BASE_FILES)


def resolve(name: str, hub: str, fetch: str, what: str, allow_download: bool,
            patterns: tuple[str, ...] | None = None) -> Path:
    """A folder for ``name`` (a local folder or a Hub id, looked up in the cache or, when allowed,
    downloaded at the pinned revision)."""
    local = Path(name).expanduser()
    if local.is_dir():
        return local
    if name.startswith((".", "~", "/")) or local.is_absolute():
        raise MissingModel(f"{what}: folder {name} does not exist; fetch it with `{fetch}`")
    from ..manifest import pinned_revision

    try:
        from huggingface_hub import snapshot_download

        path = snapshot_download(name, revision=pinned_revision(name) if name == hub else None,
                                 allow_patterns=list(patterns) if patterns else None,
                                 local_files_only=not allow_download)
    except Exception as err:  # noqa: BLE001 - not cached, no network, gated, no such repository
        why = " ".join(str(err).split())[:160] or type(err).__name__
        how = f"fetch it with `{fetch}`" if name == hub else "check the name"
        raise MissingModel(f"{what}: {name} is not in the Hugging Face cache"
                           + (f" ({why})" if allow_download else "")
                           + f"; {how}" + ("" if allow_download else ", or rerun with --allow-download")) from None
    return Path(path)


def release_name(model: str | None) -> str:
    return str(model or os.environ.get(RELEASE_ENV) or RELEASE_HUB)


def base_name(base: str | None) -> str:
    return str(base or os.environ.get(BASE_ENV) or BASE_HUB)


def _weights(folder: Path) -> bool:
    return any(folder.glob("*.safetensors")) or any(folder.glob("*.bin"))


def dit_file(release: Path) -> Path | None:
    """The release's DiT checkpoint: ``dit.safetensors`` (any case: the code's README calls it
    ``DiT.safetensors``)."""
    for p in sorted(release.glob("*.safetensors")):
        if p.stem.lower() == "dit":
            return p
    return None


def processor_folder(release: Path, base: Path | None) -> Path | None:
    """Where the critic's tokenizer and image processor are: ``vlm/``, else the base model's
    ``processor/``, else None."""
    for folder in [release / "vlm"] + ([base / "processor"] if base is not None else []):
        if (folder / "preprocessor_config.json").is_file() and (folder / "tokenizer_config.json").is_file():
            return folder
    return None


def missing_critic(release: Path) -> list[str]:
    out = []
    if not (release / "vlm" / "config.json").is_file() or not _weights(release / "vlm"):
        out.append(f"{release / 'vlm'} (the critic's Qwen2.5-VL weights)")
    lora = release / "vlm_lora"
    if not (lora / "adapter_config.json").is_file() or not _weights(lora):
        out.append(f"{lora} (the critic's LoRA adapter)")
    return out


def missing_artist(release: Path, base: Path) -> list[str]:
    out = []
    if dit_file(release) is None:
        out.append(f"{release / 'dit.safetensors'} (the artist's DiT)")
    lora = release / "dit_lora"
    if not (lora / "adapter_config.json").is_file() or not _weights(lora):
        out.append(f"{lora} (the DiT's LoRA adapter)")
    for rel, what in (("vae/config.json", "the VAE"), ("scheduler/scheduler_config.json", "the scheduler"),
                      ("transformer/config.json", "the DiT's config")):
        if not (base / rel).is_file():
            out.append(f"{base / rel} ({what}, from {BASE_HUB})")
    if (base / "vae" / "config.json").is_file() and not _weights(base / "vae"):
        out.append(f"{base / 'vae'} (the VAE's weights, from {BASE_HUB})")
    return out


def require(missing: list[str], fetch: str) -> None:
    if missing:
        more = f" and {len(missing) - 1} more" if len(missing) > 1 else ""
        raise MissingModel(f"smartphotocrafter: missing {missing[0]}{more}; fetch it with `{fetch}`")
