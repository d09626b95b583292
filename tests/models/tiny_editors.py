"""Tiny InstructPix2Pix and FLUX.1 Kontext pipelines saved to folders (no download): random
weights, tokenizers built here (CLIP: byte-level, no merges; T5: one token per word)."""

from __future__ import annotations

import json
from pathlib import Path

import torch


def clip_tokenizer(folder: Path):
    from tokenizers import pre_tokenizers
    from transformers import CLIPTokenizer

    chars = sorted(pre_tokenizers.ByteLevel.alphabet())
    vocab = {c: i for i, c in enumerate(chars)}
    for c in chars:
        vocab[c + "</w>"] = len(vocab)
    for special in ("<|startoftext|>", "<|endoftext|>"):
        vocab[special] = len(vocab)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps(vocab))
    (folder / "merges.txt").write_text("#version: 0.2\n")
    return CLIPTokenizer(str(folder / "vocab.json"), str(folder / "merges.txt"), model_max_length=77)


def clip_text_encoder(vocab_size: int, hidden: int = 32):
    from transformers import CLIPTextConfig, CLIPTextModel

    torch.manual_seed(0)
    return CLIPTextModel(CLIPTextConfig(vocab_size=vocab_size, hidden_size=hidden, intermediate_size=37,
                                        num_attention_heads=4, num_hidden_layers=2, max_position_embeddings=77,
                                        projection_dim=hidden, eos_token_id=vocab_size - 1,
                                        bos_token_id=vocab_size - 2, pad_token_id=1)).eval()


def t5_tokenizer():
    """A T5 (Unigram) tokenizer over a few words ("\u2581" marks a word start, as in sentencepiece)."""
    from transformers import T5TokenizerFast

    words = ("slightly moderately strongly increase decrease reduce warm up cool down the exposure contrast "
             "saturation haze noise sharpness highlights shadows colours ;").split()
    vocab = [("<pad>", 0.0), ("</s>", 0.0), ("<unk>", 0.0), ("\u2581", -2.0)] + [("\u2581" + w, -1.0) for w in words]
    return T5TokenizerFast(vocab=vocab, extra_ids=0, model_max_length=512)


def build_pix2pix(folder: Path) -> Path:
    from diffusers import (AutoencoderKL, EulerAncestralDiscreteScheduler, StableDiffusionInstructPix2PixPipeline,
                           UNet2DConditionModel)

    tok = clip_tokenizer(folder / "_clip")
    torch.manual_seed(0)
    unet = UNet2DConditionModel(block_out_channels=(8, 16), layers_per_block=1, sample_size=16, in_channels=8,
                                out_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                                up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=32,
                                norm_num_groups=4, attention_head_dim=4)
    torch.manual_seed(0)
    vae = AutoencoderKL(block_out_channels=[8, 16], in_channels=3, out_channels=3, latent_channels=4,
                        down_block_types=["DownEncoderBlock2D"] * 2, up_block_types=["UpDecoderBlock2D"] * 2,
                        norm_num_groups=4)
    pipe = StableDiffusionInstructPix2PixPipeline(vae=vae, text_encoder=clip_text_encoder(len(tok)), tokenizer=tok,
                                                  unet=unet, scheduler=EulerAncestralDiscreteScheduler(),
                                                  safety_checker=None, feature_extractor=None,
                                                  requires_safety_checker=False)
    pipe.save_pretrained(str(folder))
    return folder


def build_kontext(folder: Path) -> Path:
    from diffusers import AutoencoderKL, FlowMatchEulerDiscreteScheduler, FluxKontextPipeline, FluxTransformer2DModel
    from transformers import T5Config, T5EncoderModel

    tok = clip_tokenizer(folder / "_clip")
    tok2 = t5_tokenizer()
    torch.manual_seed(0)
    transformer = FluxTransformer2DModel(patch_size=1, in_channels=16, out_channels=None, num_layers=1,
                                         num_single_layers=1, attention_head_dim=16, num_attention_heads=2,
                                         joint_attention_dim=32, pooled_projection_dim=32, axes_dims_rope=[4, 6, 6])
    torch.manual_seed(0)
    t5 = T5EncoderModel(T5Config(vocab_size=len(tok2), d_model=32, d_kv=8, d_ff=37, num_layers=2, num_heads=4,
                                 decoder_start_token_id=0, pad_token_id=0, eos_token_id=1)).eval()
    torch.manual_seed(0)
    vae = AutoencoderKL(block_out_channels=[8, 16], in_channels=3, out_channels=3, latent_channels=4,
                        down_block_types=["DownEncoderBlock2D"] * 2, up_block_types=["UpDecoderBlock2D"] * 2,
                        norm_num_groups=4, use_quant_conv=False, use_post_quant_conv=False, shift_factor=0.0,
                        scaling_factor=1.0)
    pipe = FluxKontextPipeline(scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae,
                               text_encoder=clip_text_encoder(len(tok)), tokenizer=tok, text_encoder_2=t5,
                               tokenizer_2=tok2, transformer=transformer)
    pipe.save_pretrained(str(folder))
    return folder
