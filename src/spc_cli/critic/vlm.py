"""VLM critic: a Qwen2.5-VL vision-language model writes the critique; we read it.

Chosen with ``--critic vlm``; needs ``pip install 'spc-cli[models]'`` and the weights
(downloaded from the Hugging Face Hub on first use, or a local folder). The model
sees a ~448-px sRGB proxy of each photo and answers with a reasoning, numbered
suggestions "<degree> <verb> <attribute>" and "Score: N/100";
``spc_cli.critic.instructions`` turns that text into findings and an edit plan.

transformers is imported when this module is imported, so the registry imports
this module only when ``vlm`` is chosen.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import torch

from ..colour import to_srgb8
from ..device import resolve_device, resolve_dtype
from ..errors import CriticError, UsageError
from ..photo import Photo
from .base import Critique, Finding
from .instructions import ParsedCritique, merge_edits, parse_critique, trim_sentences

try:
    import transformers
    from transformers import AutoImageProcessor, AutoTokenizer, BatchFeature
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise UsageError("the vlm critic needs the model extras: pip install 'spc-cli[models]'") from exc

DEFAULT_MODEL = "Qwen/Qwen2.5-VL-7B-Instruct"
PROXY_EDGE = 448  # long edge of the image the model sees (16 x 16 merged 28-px patches)
CONFIDENCE = 0.5  # a VLM judges by eye, it does not measure

SYSTEM_PROMPT = "You are an expert photographer and photo retoucher."
USER_PROMPT = """Critique this photo as a photographer would, then suggest global edits that fix it.
Answer in exactly this form:
Reasoning: <2 to 4 sentences: what is wrong and why, most important problem first>
Suggestions:
1. <degree> <verb> <attribute>
2. ...
Score: <N>/100

degree is one of: slightly, moderately, significantly.
verb is one of: increase, decrease, reduce, warm up, cool down.
attribute is one of: exposure, contrast, saturation, haze, noise, sharpness, highlights, shadows,
colours (with warm up or cool down).
List only the edits the photo needs, most important first; write "Suggestions: none" if it needs none.
N rates the photo's technical quality from 0 (unusable) to 100 (flawless)."""


def _env_offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")


def _dtype_kwarg() -> str:
    """transformers renamed ``torch_dtype`` to ``dtype`` in 4.56."""
    major, minor = (int(x) for x in transformers.__version__.split(".")[:2])
    return "dtype" if (major, minor) >= (4, 56) else "torch_dtype"


def _model_class():
    cls = getattr(transformers, "AutoModelForImageTextToText", None)
    return cls if cls is not None else transformers.AutoModelForVision2Seq


def first_sentence(err: BaseException, most: int = 160) -> str:
    """The first sentence of an exception's message, on one line."""
    text = " ".join(str(err).split()) or type(err).__name__
    text = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".")
    return text if len(text) <= most else text[:most - 1].rstrip() + "\u2026"


def missing_weights_message(kind: str, model: str, err: BaseException, offline: bool,
                            env: str = "SPC_VLM_MODEL") -> str:
    """One line: what failed and how to get the weights."""
    from ..manifest import fetch_command

    why = first_sentence(err)
    folder = f"point {env} at a local folder"
    fix = (f"fetch them with `{fetch_command(model)}` (needs network), rerun with --allow-download, or {folder}"
           if offline else f"check the name and network, log in for gated models (`hf auth login`), or {folder}")
    return f"{kind} model {model!r} could not be loaded ({why}); {fix}"


MIN_SIDE = 28  # one vision patch after merging; smaller images are upscaled to it


def to_pil(photo: Photo, long_edge: int):
    """An sRGB-encoded 8-bit PIL image of the photo, long edge at most ``long_edge``.

    Thumbnails and slivers are resized so the short side is at least ``MIN_SIDE``
    (every photo gives at least one image token) and the long side stays within
    ``long_edge`` (a sliver's aspect ratio is squeezed: the critique is by eye anyway).
    """
    from PIL import Image

    proxy = photo.proxy(long_edge)
    img = Image.fromarray(to_srgb8(proxy))
    w, h = img.size
    if min(w, h) < MIN_SIDE:
        scale, top = MIN_SIDE / min(w, h), max(long_edge, MIN_SIDE)
        size = tuple(int(min(max(MIN_SIDE, round(v * scale)), top)) for v in (w, h))
        img = img.resize(size, Image.Resampling.BICUBIC)
    return img


def check_photos(photos) -> list[Photo]:
    """Validate inputs before any model work: a list of Photos with (3, H, W) finite pixels."""
    if isinstance(photos, Photo) or not isinstance(photos, (list, tuple)):
        raise UsageError("critique() takes a list of photos")
    for i, p in enumerate(photos):
        if not isinstance(p, Photo):
            raise UsageError(f"photo {i} is a {type(p).__name__}, not a Photo")
        px = p.pixels
        if not isinstance(px, torch.Tensor) or px.dim() != 3 or px.shape[0] != 3 or min(px.shape[1:]) < 1:
            raise UsageError(f"photo {i}: pixels must be a (3, H, W) tensor, got {tuple(getattr(px, 'shape', ()))}")
        if not torch.isfinite(px).all():
            raise UsageError(f"photo {i} ({p.meta.source}): pixels hold NaN or infinite values")
    return list(photos)


class QwenVLProcessor:
    """Text + images -> model inputs for Qwen2-VL-family models.

    The same job as transformers' ``Qwen2_5_VLProcessor`` (expand each image
    placeholder to one token per merged patch, tokenise, stack pixels), built from
    the tokenizer and image processor alone: the full processor also wants a video
    processor, which needs torchvision, and photos are not videos.
    """

    def __init__(self, tokenizer, image_processor, image_token: str = "<|image_pad|>"):
        self.tokenizer = tokenizer
        self.image_processor = image_processor
        self.image_token = image_token
        self.merge_size = int(getattr(image_processor, "merge_size", 2))

    @classmethod
    def from_pretrained(cls, path: str, **kw: Any) -> "QwenVLProcessor":
        tok = AutoTokenizer.from_pretrained(path, **kw)
        ip = AutoImageProcessor.from_pretrained(path, **kw)
        return cls(tok, ip, getattr(tok, "image_token", None) or "<|image_pad|>")

    def __call__(self, text, images=None, padding: bool = True, return_tensors: str = "pt", **_: Any):
        texts = [text] if isinstance(text, str) else list(text)
        data: dict[str, Any] = {}
        if images is not None:
            images = images if isinstance(images, (list, tuple)) else [images]
            vis = self.image_processor(images=list(images), return_tensors="pt", input_data_format="channels_last")
            data.update(vis)
            counts = (vis["image_grid_thw"].prod(-1) // (self.merge_size ** 2)).tolist()
            k = 0
            for i, t in enumerate(texts):
                pieces = t.split(self.image_token)
                if len(pieces) - 1 + k > len(counts):
                    raise ValueError("more image placeholders than images")
                out = pieces[0]
                for piece in pieces[1:]:
                    out += self.image_token * int(counts[k]) + piece
                    k += 1
                texts[i] = out
            if k != len(counts):
                raise ValueError(f"{len(counts)} images but {k} image placeholders in the text")
        enc = self.tokenizer(texts, padding=padding, return_tensors=return_tensors)
        data.update(enc)
        return BatchFeature(data=data, tensor_type=return_tensors)


class VLMCritic:
    """Critic backed by a vision-language model (default Qwen2.5-VL-7B-Instruct).

    ``model``: a Hub name or a local folder; default ``$SPC_VLM_MODEL``, else
    Qwen/Qwen2.5-VL-7B-Instruct. Components: ``processor`` (a :class:`QwenVLProcessor`)
    and ``model``. The device
    is chosen at run time (CUDA when present); precision "auto" is fp16 on CUDA and
    fp32 on the CPU. Generation is greedy, so the same photo gives the same words.
    ``revision``, ``cache_dir`` and ``token`` apply to every component; other keyword
    options go to the model's ``from_pretrained`` (``attn_implementation``, ...).
    """

    name = "vlm"
    version = "1"

    def __init__(self, model: str | None = None, device: str | torch.device = "auto", precision: str = "auto",
                 max_new_tokens: int = 384, local_files_only: bool | None = None, batch_size: int = 4,
                 proxy_edge: int = PROXY_EDGE, **kw: Any):
        if max_new_tokens < 1 or batch_size < 1 or proxy_edge < 56:
            raise UsageError("vlm critic: max_new_tokens and batch_size must be >= 1, proxy_edge >= 56")
        self.model_name = str(model or os.environ.get("SPC_VLM_MODEL") or DEFAULT_MODEL)
        self.device = resolve_device(str(device))
        self.dtype = resolve_dtype(precision, self.device)
        self.max_new_tokens = int(max_new_tokens)
        self.batch_size = int(batch_size)
        self.proxy_edge = int(proxy_edge)
        self.local_files_only = _env_offline() if local_files_only is None else bool(local_files_only)
        self.last_texts: list[str] = []  # the model's raw answers from the latest critique() call
        self.processor, self.model = self._load(kw)
        self.model.to(self.device)

    # -- components -------------------------------------------------------
    def _load(self, kw: dict[str, Any]):
        name = self.model_name
        local = Path(name).expanduser()
        source = str(local) if local.is_dir() else name
        if not local.is_dir() and (local.is_absolute() or name.startswith((".", "~"))):
            raise UsageError(f"vlm critic: model folder {name!r} does not exist; pass a folder holding the "
                             f"weights or a Hub name such as {DEFAULT_MODEL!r}")
        common = {"local_files_only": self.local_files_only}
        for key in ("revision", "cache_dir", "token"):
            if key in kw:
                common[key] = kw.pop(key)
        if "revision" not in common and source == name:  # a Hub id spc knows: its pinned commit
            from ..manifest import pinned_revision

            if rev := pinned_revision(name):
                common["revision"] = rev
        model_kw = {**common, _dtype_kwarg(): self.dtype, **kw}  # e.g. attn_implementation, quantization_config
        try:
            processor = QwenVLProcessor.from_pretrained(source, **common)
            model = _model_class().from_pretrained(source, **model_kw)
        except (OSError, ValueError, KeyError) as err:
            raise UsageError(missing_weights_message("vlm critic", name, err, self.local_files_only)) from None
        processor.tokenizer.padding_side = "left"  # generation continues from the right edge
        if processor.tokenizer.pad_token is None:
            processor.tokenizer.pad_token = processor.tokenizer.eos_token
        cfg = model.config
        token_id = getattr(cfg, "image_token_id", None)
        if token_id is not None:
            processor.image_token = processor.tokenizer.convert_ids_to_tokens(int(token_id))
        model.eval()
        return processor, model

    def to(self, device: str | torch.device) -> "VLMCritic":
        self.device = resolve_device(str(device))
        self.model.to(self.device)
        return self

    # -- prompt -----------------------------------------------------------
    def _vision_tokens(self) -> str:
        cfg, tok = self.model.config, self.processor.tokenizer
        ids = [getattr(cfg, k, None) for k in ("vision_start_token_id", "image_token_id", "vision_end_token_id")]
        if any(i is None for i in ids):
            return "<|vision_start|><|image_pad|><|vision_end|>"
        return "".join(tok.convert_ids_to_tokens([int(i) for i in ids]))

    def prompt(self) -> str:
        """The full chat text for one photo, with the image placeholder in place."""
        content = self._vision_tokens() + USER_PROMPT
        messages = [{"role": "system", "content": SYSTEM_PROMPT}, {"role": "user", "content": content}]
        tok = self.processor.tokenizer
        if getattr(tok, "chat_template", None):
            try:
                return tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            except Exception:  # a template that wants structured content: use the plain Qwen layout
                pass
        return "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages) + \
            "<|im_start|>assistant\n"

    # -- the contract -----------------------------------------------------
    @torch.inference_mode()
    def generate(self, photos: list[Photo]) -> list[str]:
        """The model's raw answers, one per photo (batched, greedy)."""
        texts: list[str] = []
        prompt = self.prompt()
        tok = self.processor.tokenizer
        for start in range(0, len(photos), self.batch_size):
            chunk = photos[start:start + self.batch_size]
            images = [to_pil(p, self.proxy_edge) for p in chunk]
            inputs = self.processor(text=[prompt] * len(chunk), images=images, padding=True, return_tensors="pt")
            inputs = {k: (v.to(self.device, dtype=self.dtype) if torch.is_floating_point(v) else v.to(self.device))
                      for k, v in inputs.items()}
            out = self.model.generate(**inputs, max_new_tokens=self.max_new_tokens, do_sample=False,
                                      temperature=None, top_p=None, top_k=None,
                                      pad_token_id=tok.pad_token_id, eos_token_id=tok.eos_token_id)
            new = out[:, inputs["input_ids"].shape[1]:]
            texts.extend(tok.batch_decode(new, skip_special_tokens=True))
        return texts

    def critique(self, photos: list[Photo]) -> list[Critique]:
        photos = check_photos(photos)
        if not photos:
            return []
        self.last_texts = self.generate(photos)
        return [critique_from_text(t) for t in self.last_texts]  # an unreadable answer raises CriticError


def score_from_severities(severities: list[float]) -> float:
    """A score when the model gave none: 95 for nothing wrong, lower as problems add up."""
    return float(min(100.0, max(0.0, 95.0 - 30.0 * sum(severities))))


def critique_from_text(text: str) -> Critique:
    """Free text -> Critique.

    An answer that gives no score, no suggestion that maps to an edit and does not say that
    none is needed cannot be read as a critique (an empty answer, or the garbage of wrong
    weights or a half-precision overflow): :class:`CriticError`, so the photo fails where
    the user sees it instead of passing as a good photo.
    """
    parsed: ParsedCritique = parse_critique(text)
    if parsed.score is None and not parsed.suggestions and not parsed.said_none:
        raise CriticError(f"the vlm critic's answer could not be read as a critique: {_excerpt(text)} "
                          "(no score, no suggestion spc knows, no 'none'); check the model (--critic-model) "
                          "and try --precision fp32")
    findings = [Finding(attribute=s.attribute, direction=s.direction, severity=s.severity, confidence=CONFIDENCE,
                        measured={}, reason=s.text) for s in parsed.suggestions]
    score = parsed.score
    if score is None:
        score = score_from_severities([s.severity for s in parsed.suggestions])
    plan = merge_edits([s.edit for s in parsed.suggestions])
    summary = trim_sentences(parsed.reasoning, 3 if parsed.dropped else 4)
    if not summary:
        summary = ("The model suggests: " + "; ".join(s.instruction for s in parsed.suggestions) + "."
                   if parsed.suggestions else "The model suggests no edits.")
    if parsed.dropped:
        listed = "; ".join(f"'{d[:60]}'" for d in parsed.dropped[:3])
        summary += f" Ignored suggestion(s) with no matching edit: {listed}."
    measurements = {"vlm_structured": float(parsed.structured), "vlm_suggestions": float(len(parsed.suggestions)),
                    "vlm_dropped": float(len(parsed.dropped))}
    if parsed.score is not None:
        measurements["vlm_score"] = float(parsed.score)
    return Critique(score=score, summary=summary, findings=findings, plan=plan, measurements=measurements)


def _excerpt(text: str, most: int = 60) -> str:
    """The start of a model's answer on one line, quoted; ``(empty)`` for nothing."""
    flat = " ".join(str(text or "").split())
    if not flat:
        return "(empty)"
    return repr(flat if len(flat) <= most else flat[:most] + "...")


__all__ = ["VLMCritic", "QwenVLProcessor", "critique_from_text", "check_photos", "to_pil"]
