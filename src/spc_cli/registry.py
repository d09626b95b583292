"""Backends register by name as 'module:Class' strings and are imported only when used.

This keeps ``spc --help`` fast: transformers and diffusers load only when a model
backend is actually chosen.
"""

from __future__ import annotations

import importlib
from typing import Any

from .errors import UsageError

DEFAULT_CRITIC = "analytic"  # what --critic is when not given
LEARNED_MODEL = "spc-critic-learned"  # the manifest entry of the network the learned and hybrid critics run
CRITICS: dict[str, str] = {
    "learned": "spc_cli.critic.learned:LearnedCritic",
    "hybrid": "spc_cli.critic.hybrid:HybridCritic",
    "analytic": "spc_cli.critic.analytic:AnalyticCritic",
    "vlm": "spc_cli.critic.vlm:VLMCritic",
    "smartphotocrafter": "spc_cli.critic.smartphotocrafter:SmartPhotoCrafterCritic",
}
ARTISTS: dict[str, str] = {
    "pipeline": "spc_cli.artist.pipeline:PipelineArtist",
    "diffusion": "spc_cli.artist.diffusion:DiffusionArtist",
    "smartphotocrafter": "spc_cli.artist.smartphotocrafter:SmartPhotoCrafterArtist",
}


def _load(table: dict[str, str], kind: str, name: str) -> Any:
    if name not in table:
        raise UsageError(f"unknown {kind} backend {name!r}; choose one of: {', '.join(table)}")
    module, _, attr = table[name].partition(":")
    return getattr(importlib.import_module(module), attr)


def make_critic(name: str = DEFAULT_CRITIC, **options: Any):
    return _load(CRITICS, "critic", name)(**options)


def make_artist(name: str = "pipeline", **options: Any):
    return _load(ARTISTS, "artist", name)(**options)
