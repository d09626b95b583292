"""Tiny models for the model-backend tests, built from configs in a temporary folder.

Nothing here downloads: the tokenizer is a byte-level BPE with no merges (every
byte is a token, plus the Qwen chat and vision special tokens), the image
processor and models are constructed from small configs with random weights.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|vision_start|>", "<|vision_end|>",
            "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>"]

# The Qwen chat layout, string content only (what VLMCritic sends).
CHAT_TEMPLATE = ("{% for message in messages %}<|im_start|>{{ message['role'] }}\n{{ message['content'] }}"
                 "<|im_end|>\n{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}")


def build_tokenizer():
    """A Qwen2TokenizerFast over a byte-level BPE without merges: any text round-trips."""
    from tokenizers import Tokenizer, decoders, pre_tokenizers
    from tokenizers.models import BPE
    from transformers import Qwen2TokenizerFast

    vocab = {ch: i for i, ch in enumerate(sorted(pre_tokenizers.ByteLevel.alphabet()))}
    tok = Tokenizer(BPE(vocab=vocab, merges=[]))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    tok.decoder = decoders.ByteLevel()
    tok.add_special_tokens(SPECIALS)
    fast = Qwen2TokenizerFast(tokenizer_object=tok, eos_token="<|im_end|>", pad_token="<|endoftext|>",
                              unk_token=None, bos_token=None)
    fast.chat_template = CHAT_TEMPLATE
    return fast


def build_image_processor(max_side: int = 112):
    from transformers import Qwen2VLImageProcessor

    # at most (112 / 28)^2 = 16 merged image tokens per photo
    return Qwen2VLImageProcessor(min_pixels=28 * 28, max_pixels=max_side * max_side)


def qwen25vl_config(tok, hidden: int = 32, heads: int = 2):
    from transformers import Qwen2_5_VLConfig

    ids = {t: tok.convert_tokens_to_ids(t) for t in SPECIALS}
    head_dim = hidden // heads
    # mrope sections split the rotary half-dimension (head_dim / 2) across t, h, w
    half = head_dim // 2
    section = [half - 2 * (half // 3), half // 3, half // 3]
    return Qwen2_5_VLConfig(
        text_config=dict(vocab_size=len(tok), hidden_size=hidden, intermediate_size=2 * hidden, num_hidden_layers=2,
                         num_attention_heads=heads, num_key_value_heads=1, max_position_embeddings=4096,
                         rope_scaling={"mrope_section": section, "rope_type": "default", "type": "default"},
                         rope_theta=1e6, eos_token_id=ids["<|im_end|>"], pad_token_id=ids["<|endoftext|>"],
                         bos_token_id=ids["<|endoftext|>"]),
        vision_config=dict(depth=2, hidden_size=32, intermediate_size=64, num_heads=2, out_hidden_size=hidden,
                           fullatt_block_indexes=[1], window_size=56),
        vocab_size=len(tok), hidden_size=hidden,
        image_token_id=ids["<|image_pad|>"], video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"], vision_end_token_id=ids["<|vision_end|>"],
        eos_token_id=ids["<|im_end|>"], pad_token_id=ids["<|endoftext|>"],
    )


def build_tiny_vlm(folder: Path, hidden: int = 32) -> Path:
    """A random 2-layer Qwen2.5-VL with its tokenizer and image processor, saved to ``folder``."""
    from transformers import Qwen2_5_VLForConditionalGeneration

    tok = build_tokenizer()
    torch.manual_seed(0)
    model = Qwen2_5_VLForConditionalGeneration(qwen25vl_config(tok, hidden=hidden)).eval()
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    build_image_processor().save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_vlm_dir(tmp_path_factory) -> Path:
    pytest.importorskip("transformers")
    return build_tiny_vlm(tmp_path_factory.mktemp("tiny-qwen2.5-vl"))


# What the scripted model answers, in three pieces (each one token): a dark photo's critique.
SCRIPT = ("Reasoning: The photo is too dark; the subject is lost in the shadows.",
          "\nSuggestions:\n1. significantly increase exposure",
          "\nScore: 41/100")


def build_scripted_vlm(folder: Path, answer: tuple[str, ...] = SCRIPT) -> Path:
    """A tiny Qwen2.5-VL whose greedy answer to any photo is ``answer``: each piece is one added
    token, every layer's output projection is zero (so the last position's state is its own
    token's embedding) and the output head maps each token of the chain to the next one. The
    real loading, image processing, prompt and generation code runs; only the words are fixed."""
    from transformers import Qwen2_5_VLForConditionalGeneration

    tok = build_tokenizer()
    tok.add_tokens(list(answer))
    cfg = qwen25vl_config(tok)
    cfg.tie_word_embeddings = cfg.text_config.tie_word_embeddings = False
    torch.manual_seed(0)
    model = Qwen2_5_VLForConditionalGeneration(cfg).eval()
    text = model.model.language_model
    # the prompt ends with "assistant\n": its last token is the byte-level newline "\u010a"
    chain = [tok.convert_tokens_to_ids(t) for t in ("\u010a", *answer, "<|im_end|>")]
    with torch.no_grad():
        for layer in text.layers:
            layer.self_attn.o_proj.weight.zero_()
            layer.mlp.down_proj.weight.zero_()
        model.lm_head.weight.zero_()
        for i, (here, after) in enumerate(zip(chain, chain[1:])):
            text.embed_tokens.weight[here].zero_()
            text.embed_tokens.weight[here, i] = 1.0
            model.lm_head.weight[after, i] = 10.0
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    build_image_processor().save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def scripted_vlm_dir(tmp_path_factory) -> Path:
    pytest.importorskip("transformers")
    return build_scripted_vlm(tmp_path_factory.mktemp("scripted-qwen2.5-vl"))


@pytest.fixture(scope="session")
def garbled_vlm_dir(tmp_path_factory) -> Path:
    """A model that answers what wrong weights or a half-precision overflow give: no critique."""
    pytest.importorskip("transformers")
    return build_scripted_vlm(tmp_path_factory.mktemp("garbled-qwen2.5-vl"), ("\u00bfRT;;q \u00e9\u00e9 0x1a zz",))


def build_tiny_pix2pix(folder: Path) -> Path:
    """A tiny random InstructPix2Pix pipeline saved to ``folder``, loadable by diffusers'
    ``DiffusionPipeline.from_pretrained`` (what ``--artist-model FOLDER`` does). Its CLIP
    tokenizer is byte-level without merges, written here (no download)."""
    import json

    from diffusers import (AutoencoderKL, EulerAncestralDiscreteScheduler, StableDiffusionInstructPix2PixPipeline,
                           UNet2DConditionModel)
    from tokenizers import pre_tokenizers
    from transformers import CLIPTextConfig, CLIPTextModel, CLIPTokenizer

    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for ch in sorted(pre_tokenizers.ByteLevel.alphabet()):
        vocab.setdefault(ch, len(vocab))
        vocab.setdefault(ch + "</w>", len(vocab))
    words = folder.parent / (folder.name + "-vocab")
    words.mkdir(parents=True, exist_ok=True)
    (words / "vocab.json").write_text(json.dumps(vocab))
    (words / "merges.txt").write_text("#version: 0.2\n")
    tok = CLIPTokenizer(str(words / "vocab.json"), str(words / "merges.txt"), model_max_length=77,
                        pad_token="<|endoftext|>")
    torch.manual_seed(0)
    unet = UNet2DConditionModel(block_out_channels=(8, 16), layers_per_block=1, sample_size=16, in_channels=8,
                                out_channels=4, down_block_types=("DownBlock2D", "CrossAttnDownBlock2D"),
                                up_block_types=("CrossAttnUpBlock2D", "UpBlock2D"), cross_attention_dim=8,
                                attention_head_dim=4, norm_num_groups=4)
    torch.manual_seed(0)
    vae = AutoencoderKL(block_out_channels=[8, 16], in_channels=3, out_channels=3, latent_channels=4,
                        down_block_types=["DownEncoderBlock2D"] * 2, up_block_types=["UpDecoderBlock2D"] * 2,
                        norm_num_groups=4)
    torch.manual_seed(0)
    text = CLIPTextModel(CLIPTextConfig(bos_token_id=0, eos_token_id=1, pad_token_id=1, hidden_size=8,
                                        intermediate_size=16, num_attention_heads=2, num_hidden_layers=1,
                                        vocab_size=len(vocab), max_position_embeddings=77))
    pipe = StableDiffusionInstructPix2PixPipeline(vae=vae, text_encoder=text, tokenizer=tok, unet=unet,
                                                  scheduler=EulerAncestralDiscreteScheduler(), safety_checker=None,
                                                  feature_extractor=None, requires_safety_checker=False)
    pipe.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_pix2pix_dir(tmp_path_factory) -> Path:
    pytest.importorskip("transformers")
    pytest.importorskip("diffusers")
    return build_tiny_pix2pix(tmp_path_factory.mktemp("tiny-pix2pix") / "model")


def make_photo(height: int = 48, width: int = 64, seed: int = 0, name: str = "p.jpg"):
    """A smooth synthetic photo (gradient plus a few blobs), linear light."""
    from spc_cli.photo import Metadata, Photo

    g = torch.Generator().manual_seed(seed)
    yy, xx = torch.meshgrid(torch.linspace(0, 1, height), torch.linspace(0, 1, width), indexing="ij")
    base = torch.stack([0.2 + 0.5 * xx, 0.15 + 0.4 * yy, 0.3 * (1 - xx)])
    base = base + 0.05 * torch.rand(3, 1, 1, generator=g)
    meta = Metadata(source=Path(name), format="jpeg", sha256="0" * 64, width=width, height=height, bit_depth=8)
    return Photo(pixels=base.clamp(0, 1), meta=meta)


def build_tiny_qwen_image_edit():
    """QwenImageEditPlusPipeline with tiny random components (shapes as in diffusers' own fast tests).

    The text encoder's processor is spc's QwenVLProcessor (tokenizer + image processor),
    standing in for transformers' Qwen2VLProcessor, whose constructor wants a video
    processor (torchvision).
    """
    diffusers = pytest.importorskip("diffusers")
    if not hasattr(diffusers, "QwenImageEditPlusPipeline"):
        pytest.skip("this diffusers has no QwenImageEditPlusPipeline")
    from diffusers import (AutoencoderKLQwenImage, FlowMatchEulerDiscreteScheduler, QwenImageEditPlusPipeline,
                           QwenImageTransformer2DModel)
    from transformers import Qwen2_5_VLForConditionalGeneration

    from spc_cli.critic.vlm import QwenVLProcessor

    torch.manual_seed(0)
    transformer = QwenImageTransformer2DModel(patch_size=2, in_channels=16, out_channels=4, num_layers=2,
                                              attention_head_dim=16, num_attention_heads=3, joint_attention_dim=16,
                                              guidance_embeds=False, axes_dims_rope=(8, 4, 4))
    torch.manual_seed(0)
    z = 4
    vae = AutoencoderKLQwenImage(base_dim=z * 6, z_dim=z, dim_mult=[1, 2, 4], num_res_blocks=1,
                                 temperal_downsample=[False, True], latents_mean=[0.0] * z, latents_std=[1.0] * z)
    tok = build_tokenizer()
    torch.manual_seed(0)
    text_encoder = Qwen2_5_VLForConditionalGeneration(qwen25vl_config(tok, hidden=16, heads=2)).eval()
    processor = QwenVLProcessor(tok, build_image_processor(56))
    return QwenImageEditPlusPipeline(scheduler=FlowMatchEulerDiscreteScheduler(), vae=vae, text_encoder=text_encoder,
                                     tokenizer=tok, processor=processor, transformer=transformer)


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny models gain nothing from intra-op threads; on a busy shared CPU the thread
    hand-offs cost ~10x (measured: 3.4 s vs 0.4 s for one tiny critique)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_release(tmp_path_factory):
    """(release folder, base folder) of a tiny SmartPhotoCrafter release (see tiny_release.py)."""
    pytest.importorskip("transformers")
    pytest.importorskip("diffusers")
    pytest.importorskip("peft")
    from .tiny_release import build_tiny_release

    return build_tiny_release(tmp_path_factory.mktemp("tiny-smartphotocrafter"))


@pytest.fixture
def canned(monkeypatch):
    """The tiny critic's real generation (its hidden states kept), with the release's answer
    format as its text: a random model cannot write one, and the edit only runs on a plan."""
    import spc_cli.crafter.generate as gen

    from .test_release_answer import COMPLETE

    real = gen.generate_with_states

    def patched(*a, **k):
        out = real(*a, **k)
        for g in out:
            if k.get("max_new_tokens", a[4] if len(a) > 4 else 0) > 1:
                g.text = COMPLETE
        return out

    monkeypatch.setattr(gen, "generate_with_states", patched)
