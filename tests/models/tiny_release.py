"""A tiny SmartPhotoCrafter release built in a folder, laid out like the real one (no download).

    release/vlm/            a 2-layer Qwen2.5-VL (hidden 32) with its tokenizer and image processor
    release/vlm_lora/       a peft LoRA (rank 4, alpha 8) on its attention projections
    release/dit.safetensors a 2-block Qwen-Image DiT in DiffSynth(-Engine)'s key layout
    release/dit_lora/       a peft LoRA (rank 4, alpha 8) on the DiT's eight attention projections
    base/transformer/config.json, base/vae/, base/scheduler/   the base model's parts the release uses

The LoRA weights are random (not zero), so each adapter changes its model's output.
"""

from __future__ import annotations

from pathlib import Path

import torch

DIT_TARGETS = ["attn.add_k_proj", "attn.add_q_proj", "attn.add_v_proj", "attn.to_add_out", "attn.to_k",
               "attn.to_out.0", "attn.to_q", "attn.to_v"]
VLM_TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj"]
HIDDEN = 32  # the critic's hidden size = the DiT's joint attention dim


def tiny_dit(hidden: int = HIDDEN):
    from diffusers import QwenImageTransformer2DModel

    torch.manual_seed(1)
    return QwenImageTransformer2DModel(patch_size=2, in_channels=16, out_channels=4, num_layers=2,
                                       attention_head_dim=16, num_attention_heads=3, joint_attention_dim=hidden,
                                       guidance_embeds=False, axes_dims_rope=(8, 4, 4)).eval()


def tiny_vae():
    from diffusers import AutoencoderKLQwenImage

    torch.manual_seed(2)
    z = 4
    return AutoencoderKLQwenImage(base_dim=z * 6, z_dim=z, dim_mult=[1, 2, 4], num_res_blocks=1,
                                  temperal_downsample=[False, True], latents_mean=[0.0] * z,
                                  latents_std=[1.0] * z).eval()


def save_lora(model, folder: Path, targets: list[str], seed: int) -> None:
    from peft import LoraConfig, get_peft_model

    torch.manual_seed(seed)
    peft_model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=targets, init_lora_weights=False))
    peft_model.save_pretrained(str(folder))


def build_tiny_release(root: Path) -> tuple[Path, Path]:
    """(release folder, base folder) under ``root``."""
    from diffusers import FlowMatchEulerDiscreteScheduler
    from safetensors.torch import save_file
    from transformers import Qwen2_5_VLForConditionalGeneration

    from spc_cli.crafter.dit_keys import to_engine_layout

    from .conftest import build_tiny_vlm

    release, base = root / "release", root / "base"
    build_tiny_vlm(release / "vlm", hidden=HIDDEN)
    vlm = Qwen2_5_VLForConditionalGeneration.from_pretrained(str(release / "vlm"))
    save_lora(vlm, release / "vlm_lora", VLM_TARGETS, seed=3)

    dit = tiny_dit()
    (base / "transformer").mkdir(parents=True)
    dit.save_config(str(base / "transformer"))
    state = {k: v.contiguous() for k, v in dit.state_dict().items()}
    save_file(to_engine_layout(state), str(release / "dit.safetensors"))
    save_lora(tiny_dit(), release / "dit_lora", DIT_TARGETS, seed=4)
    tiny_vae().save_pretrained(str(base / "vae"))
    FlowMatchEulerDiscreteScheduler().save_pretrained(str(base / "scheduler"))
    return release, base
