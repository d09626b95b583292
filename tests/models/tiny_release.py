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


def trained_tokenizer(vocab_size: int = 3000):
    """A byte-level BPE trained on the release's prompt and answer words, with the Qwen special
    tokens: the five-step instruction takes about a hundred tokens, not three thousand bytes,
    so the tiny DiT's attention over the critic's states stays cheap on the CPU."""
    from tokenizers import Tokenizer, decoders, pre_tokenizers, trainers
    from tokenizers.models import BPE
    from transformers import Qwen2TokenizerFast

    from spc_cli.crafter.prompt import INSTRUCTION, SYSTEM_PART

    from .conftest import CHAT_TEMPLATE, SPECIALS
    from .test_release_answer import COMPLETE

    tok = Tokenizer(BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIALS, show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    tok.train_from_iterator([SYSTEM_PART, INSTRUCTION, COMPLETE] * 3, trainer)
    fast = Qwen2TokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                              unk_token=None, bos_token=None)
    fast.chat_template = CHAT_TEMPLATE
    return fast


def build_tiny_release(root: Path) -> tuple[Path, Path]:
    """(release folder, base folder) under ``root``."""
    from diffusers import FlowMatchEulerDiscreteScheduler
    from safetensors.torch import save_file
    from transformers import Qwen2_5_VLForConditionalGeneration

    from spc_cli.crafter.dit_keys import to_engine_layout

    from .conftest import build_image_processor, qwen25vl_config

    release, base = root / "release", root / "base"
    tok = trained_tokenizer()
    torch.manual_seed(0)
    Qwen2_5_VLForConditionalGeneration(qwen25vl_config(tok, hidden=HIDDEN)).save_pretrained(str(release / "vlm"))
    tok.save_pretrained(str(release / "vlm"))
    build_image_processor().save_pretrained(str(release / "vlm"))
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
