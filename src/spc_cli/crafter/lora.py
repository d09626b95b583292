"""A peft LoRA adapter folder (``adapter_config.json`` + ``adapter_model.safetensors``) injected
into a model in place, so the model keeps its own class (a diffusers transformer stays one,
for the pipeline and for offloading), and switched on or off.

The release's two adapters (the critic's ``vlm_lora/``, the DiT's ``dit_lora/``: rank 32,
alpha 64 on the attention projections) load this way. Every LoRA weight the config injects
must be in the file: a missing one would leave that layer's adapter at its initial value
and is an error, never a silent half-adapter.
"""

from __future__ import annotations

from pathlib import Path

import torch

from ..errors import UsageError

WEIGHTS = ("adapter_model.safetensors", "adapter_model.bin")


def adapter_weights(folder: Path) -> Path | None:
    for name in WEIGHTS:
        if (folder / name).is_file():
            return folder / name
    return None


def load_adapter(model: torch.nn.Module, folder: Path, name: str = "default") -> dict:
    """Inject the adapter in ``folder`` into ``model`` and load its weights; returns a short
    description {rank, alpha, targets, tensors} for the sidecar."""
    try:
        from peft import PeftConfig, inject_adapter_in_model, set_peft_model_state_dict
    except ImportError as exc:  # pragma: no cover - only without the extra
        raise UsageError("LoRA adapters need peft: pip install 'spc-cli[models]'") from exc
    folder = Path(folder)
    weights = adapter_weights(folder)
    if not (folder / "adapter_config.json").is_file() or weights is None:
        raise UsageError(f"{folder}: not a LoRA adapter folder (needs adapter_config.json and "
                         "adapter_model.safetensors)")
    config = PeftConfig.from_pretrained(str(folder))
    if weights.suffix == ".safetensors":
        from safetensors.torch import load_file

        state = load_file(str(weights))
    else:
        state = torch.load(str(weights), map_location="cpu", weights_only=True)
    state = {k.removeprefix("base_model.model."): v for k, v in state.items()}
    inject_adapter_in_model(config, model, adapter_name=name)
    result = set_peft_model_state_dict(model, state, adapter_name=name)
    unexpected = list(getattr(result, "unexpected_keys", []) or [])
    injected = [n for n, _ in model.named_parameters() if f".lora_A.{name}." in n or f".lora_B.{name}." in n]
    loaded = {k.replace(".lora_A.", f".lora_A.{name}.").replace(".lora_B.", f".lora_B.{name}.") for k in state}
    missing = [n for n in injected if n not in loaded]
    if unexpected or missing:
        what = (f"{len(missing)} adapted weight(s) missing from the file (e.g. {missing[0]})" if missing else
                f"{len(unexpected)} weight(s) the model has no layer for (e.g. {unexpected[0]})")
        raise UsageError(f"{weights}: the LoRA adapter does not fit this model: {what}")
    dtype = next((p.dtype for n, p in model.named_parameters() if ".lora_" not in n), None)
    for n, p in model.named_parameters():
        p.requires_grad_(False)
        if ".lora_" in n and dtype is not None and p.dtype != dtype:
            p.data = p.data.to(dtype)  # the adapter computes in the model's precision
    return {"rank": int(getattr(config, "r", 0)), "alpha": float(getattr(config, "lora_alpha", 0)),
            "targets": sorted(getattr(config, "target_modules", None) or []), "tensors": len(state)}


def set_enabled(model: torch.nn.Module, enabled: bool) -> int:
    """Switch every LoRA layer of ``model`` on or off; returns how many layers were switched."""
    from peft.tuners.tuners_utils import BaseTunerLayer

    layers = [m for m in model.modules() if isinstance(m, BaseTunerLayer)]
    for m in layers:
        m.enable_adapters(enabled)
    return len(layers)
