"""The release loaded once and shared by its critic and its artist.

``shared(...)`` returns one :class:`Release` per (release, base model, device, precision,
offload): ``--critic smartphotocrafter`` and ``--artist smartphotocrafter`` built separately
by the registry get the same models, and the artist finds the hidden states the critic
produced for a photo (``remember`` / ``recall``, keyed by a fingerprint of the image both
saw). The critic's part loads on first critique; the artist's (DiT, VAE, scheduler) only
when an edit is asked for, so ``spc critique`` never loads 40 GB of DiT.

Precision "auto" is bf16 on CUDA (the release runs in bf16; Qwen-Image's DiT overflows in
fp16) and fp32 on the CPU. ``offload`` (CUDA only) keeps each model in host memory until
it runs (diffusers' model CPU offload: critic, then DiT, then VAE), for GPUs under ~60 GB.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

import torch

from ..device import resolve_device
from ..errors import UsageError
from . import locate
from .generate import Generated
from .memory import check_fits, parameters_in

KEEP = 64  # conditionings kept for the artist (a batch's worth, and more)


def release_dtype(precision: str, device: torch.device) -> torch.dtype:
    from ..device import resolve_dtype

    if (precision or "auto").lower() == "auto":
        return torch.bfloat16 if device.type == "cuda" else torch.float32
    return resolve_dtype(precision, device)


class Release:
    """The release's components. ``processor`` and ``vlm`` (the critic, its LoRA active),
    ``pipeline`` (a ``QwenImageEditPlusPipeline`` whose transformer is the release's DiT with its
    LoRA, whose text encoder is the critic) once the artist is loaded."""

    def __init__(self, model: str | None = None, base: str | None = None, device: str | torch.device = "auto",
                 precision: str = "auto", offload: bool = False, allow_download: bool = False):
        self.device = resolve_device(str(device))
        self.dtype = release_dtype(precision, self.device)
        self.offload = bool(offload) and self.device.type == "cuda"
        self.allow_download = bool(allow_download)
        self.release_dir = locate.resolve(locate.release_name(model), locate.RELEASE_HUB, locate.fetch_release(),
                                          "smartphotocrafter release", self.allow_download)
        self._base_name = locate.base_name(base)
        self._base_dir: Path | None = None
        self.processor: Any = None
        self.vlm: Any = None
        self.pipeline: Any = None
        self.drop = 0
        self.adapters: dict[str, dict] = {}
        self.parameters: dict[str, int] = {}
        self._states: OrderedDict[str, Generated] = OrderedDict()
        # one model call at a time: the engine critiques in one thread and scores written photos in
        # another, and a generation's hidden-state hook must see only its own forward passes
        self.lock = threading.RLock()

    # -- where --------------------------------------------------------------
    def base_dir(self) -> Path:
        if self._base_dir is None:
            self._base_dir = locate.resolve(self._base_name, locate.BASE_HUB, locate.fetch_base(),
                                            "smartphotocrafter base model", self.allow_download,
                                            patterns=locate.BASE_FILES)
        return self._base_dir

    # -- the critic ---------------------------------------------------------
    def load_critic(self) -> "Release":
        if self.vlm is not None:
            return self
        from ..critic.vlm import QwenVLProcessor, _dtype_kwarg, _model_class
        from .lora import load_adapter
        from .prompt import system_tokens

        locate.require(locate.missing_critic(self.release_dir), locate.fetch_release())
        folder = locate.processor_folder(self.release_dir, None)
        if folder is None:
            folder = locate.processor_folder(self.release_dir, self.base_dir())
            if folder is None:
                raise locate.MissingModel(f"smartphotocrafter: no tokenizer and image processor in "
                                          f"{self.release_dir / 'vlm'} or {self.base_dir() / 'processor'}; "
                                          f"fetch them with `{locate.fetch_base()}`")
        vlm_dir = self.release_dir / "vlm"
        self.parameters["critic"] = parameters_in(sorted(vlm_dir.glob("*.safetensors")))
        check_fits(self.parameters, self.dtype, self.device, self.offload)
        try:
            processor = QwenVLProcessor.from_pretrained(str(folder), local_files_only=True)
            vlm = _model_class().from_pretrained(str(vlm_dir), local_files_only=True, **{_dtype_kwarg(): self.dtype})
        except (OSError, ValueError, KeyError) as err:
            raise UsageError(f"smartphotocrafter: the critic in {vlm_dir} could not be loaded "
                             f"({' '.join(str(err).split())[:160]})") from None
        processor.tokenizer.padding_side = "left"
        if processor.tokenizer.pad_token is None:
            processor.tokenizer.pad_token = processor.tokenizer.eos_token
        token_id = getattr(vlm.config, "image_token_id", None)
        if token_id is not None:
            processor.image_token = processor.tokenizer.convert_ids_to_tokens(int(token_id))
        self.adapters["critic"] = load_adapter(vlm, self.release_dir / "vlm_lora")
        vlm.eval()
        self.processor, self.vlm = processor, vlm
        self.drop = system_tokens(processor.tokenizer)
        self.place()
        return self

    # -- the artist ---------------------------------------------------------
    def load_artist(self) -> "Release":
        if self.pipeline is not None:
            return self
        self.load_critic()
        base = self.base_dir()
        locate.require(locate.missing_artist(self.release_dir, base), locate.fetch_base()
                       if locate.dit_file(self.release_dir) else locate.fetch_release())
        from diffusers import (AutoencoderKLQwenImage, FlowMatchEulerDiscreteScheduler, QwenImageEditPlusPipeline,
                               QwenImageTransformer2DModel)

        dit_path = locate.dit_file(self.release_dir)
        self.parameters["DiT"] = parameters_in([dit_path])
        self.parameters["VAE"] = parameters_in(sorted((base / "vae").glob("*.safetensors")))
        check_fits(self.parameters, self.dtype, self.device, self.offload)
        transformer = load_dit(QwenImageTransformer2DModel, base / "transformer", dit_path, self.dtype)
        from .lora import load_adapter

        self.adapters["artist"] = load_adapter(transformer, self.release_dir / "dit_lora")
        vae = AutoencoderKLQwenImage.from_pretrained(str(base / "vae"), torch_dtype=self.dtype,
                                                     local_files_only=True).eval()
        scheduler = FlowMatchEulerDiscreteScheduler.from_pretrained(str(base / "scheduler"), local_files_only=True)
        self.pipeline = QwenImageEditPlusPipeline(scheduler=scheduler, vae=vae, text_encoder=self.vlm,
                                                  tokenizer=self.processor.tokenizer, processor=self.processor,
                                                  transformer=transformer)
        self.pipeline.set_progress_bar_config(disable=True)
        self.place()
        return self

    # -- device -------------------------------------------------------------
    def place(self) -> None:
        """Put the loaded models where they compute: all on the device, or (offload) each moved
        there only while it runs."""
        if self.offload and self.pipeline is not None:
            self.pipeline.enable_model_cpu_offload(device=self.device)
            return
        if self.vlm is not None:
            self.vlm.to(self.device)
        if self.pipeline is not None:
            self.pipeline.to(self.device)

    def describe(self) -> dict[str, Any]:
        return {"release": str(self.release_dir), "base": str(self._base_dir) if self._base_dir else None,
                "adapters": self.adapters, "offload": self.offload}

    # -- the coupling ---------------------------------------------------------
    def remember(self, key: str, generated: Generated) -> None:
        self._states[key] = generated
        self._states.move_to_end(key)
        while len(self._states) > KEEP:
            self._states.popitem(last=False)

    def recall(self, key: str) -> Generated | None:
        return self._states.get(key)


def load_dit(cls, config_dir: Path, checkpoint: Path, dtype: torch.dtype):
    """The release's DiT: the base model's DiT config, built without weights, filled from the
    checkpoint converted from DiffSynth's layout (every tensor placed, see ``dit_keys``)."""
    from accelerate import init_empty_weights
    from safetensors.torch import load_file

    from .dit_keys import to_diffusers

    with init_empty_weights():
        model = cls.from_config(cls.load_config(str(config_dir)))
    expected = {k: tuple(v.shape) for k, v in model.state_dict().items()}
    state = to_diffusers(load_file(str(checkpoint)), expected, source=str(checkpoint))
    model.load_state_dict({k: v.to(dtype) for k, v in state.items()}, strict=True, assign=True)
    return model.eval()


_SHARED: dict[tuple, Release] = {}


def shared(model: str | None = None, base: str | None = None, device: str | torch.device = "auto",
           precision: str = "auto", offload: bool = False, allow_download: bool = False) -> Release:
    """One Release per (release, base, device, precision, offload), shared by critic and artist."""
    dev = resolve_device(str(device))
    key = (locate.release_name(model), locate.base_name(base), str(dev), (precision or "auto").lower(), bool(offload))
    if key not in _SHARED:
        _SHARED[key] = Release(model, base, dev, precision, offload, allow_download)
    return _SHARED[key]


def forget_all() -> None:
    """Drop every shared release (tests; a long-lived process switching models)."""
    _SHARED.clear()
