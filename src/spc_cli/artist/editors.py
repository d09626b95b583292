"""The image-editing pipelines spc drives, and the one size they edit at.

Which pipeline a model folder holds is read from its ``model_index.json`` (``_class_name``):

- Qwen-Image-Edit (``QwenImageEditPlusPipeline`` / ``QwenImageEditPipeline``): ~20B, true
  classifier-free guidance (``true_cfg_scale`` with a negative prompt), 30 steps;
- FLUX.1 Kontext (``FluxKontextPipeline``): 12B, guidance-distilled (``guidance_scale`` 2.5),
  28 steps; about 24 GB of GPU memory with offloading;
- InstructPix2Pix (``StableDiffusionInstructPix2PixPipeline``): Stable Diffusion 1.5 sized, runs
  in 4 GB (``guidance_scale`` 7.5 on the text, ``image_guidance_scale`` 1.5 on the photo), 20 steps.

Each pipeline would otherwise resize the photo to its own preferred size (Qwen-Image-Edit
encodes its conditioning image at 1 MP whatever the photo; Kontext snaps to its list of
~1 MP sizes), so a 128x96 photo was enlarged to 1024x1024. Here the working size is decided
once (``crafter.proxy.working_size``: about ``megapixels``, never larger than the photo) and
every pipeline is made to edit at exactly that size.
"""

from __future__ import annotations

import inspect
import json
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

QWEN, KONTEXT, PIX2PIX, OTHER = "qwen-image-edit", "flux-kontext", "instruct-pix2pix", "other"


@dataclass(frozen=True)
class Family:
    """Defaults for one kind of editor."""

    name: str
    steps: int
    guidance: float
    multiple: int  # the sides the pipeline accepts are multiples of this
    image_guidance: float | None = None


FAMILIES = {
    QWEN: Family(QWEN, 30, 4.0, 32),
    KONTEXT: Family(KONTEXT, 28, 2.5, 16),
    PIX2PIX: Family(PIX2PIX, 20, 7.5, 8, image_guidance=1.5),
    OTHER: Family(OTHER, 30, 4.0, 16),
}
CLASSES = {
    "QwenImageEditPlusPipeline": QWEN, "QwenImageEditPipeline": QWEN, "FluxKontextPipeline": KONTEXT,
    "StableDiffusionInstructPix2PixPipeline": PIX2PIX,
}


def family_of_class(class_name: str) -> str:
    return CLASSES.get(class_name, OTHER)


def family_of_pipeline(pipeline) -> str:
    """A pipeline object's family: by its class, else (a wrapper) by what its call accepts."""
    fam = family_of_class(type(pipeline).__name__)
    if fam != OTHER:
        return fam
    accepted = set(inspect.signature(pipeline.__call__).parameters)
    if "_auto_resize" in accepted or "max_area" in accepted:  # before true_cfg_scale: Kontext has it too
        return KONTEXT
    if "true_cfg_scale" in accepted:
        return QWEN
    if "image_guidance_scale" in accepted:
        return PIX2PIX
    return OTHER


def pipeline_class(family: str | None, folder: Path | None = None):
    """The diffusers class to load a folder or Hub name of ``family`` with."""
    import diffusers

    if folder is not None:
        try:
            name = json.loads((Path(folder) / "model_index.json").read_text()).get("_class_name", "")
            if hasattr(diffusers, name):
                return getattr(diffusers, name)
        except (OSError, ValueError):
            pass
    by_family = {QWEN: "QwenImageEditPlusPipeline", KONTEXT: "FluxKontextPipeline",
                 PIX2PIX: "StableDiffusionInstructPix2PixPipeline"}
    return getattr(diffusers, by_family.get(family or OTHER, "DiffusionPipeline"), diffusers.DiffusionPipeline)


NEGATIVE_PROMPT = " "  # Qwen-Image-Edit enables true CFG only with a negative prompt; " " is the usual one


def call_kwargs(pipeline, family: Family, instruction: str, image, height: int, width: int, steps: int,
                guidance: float, generator) -> dict:
    """The keyword arguments for one edit at exactly ``height x width``, for whichever pipeline."""
    params = inspect.signature(pipeline.__call__).parameters
    accepted = set(params)
    open_ended = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())
    kw: dict = {"image": image, "prompt": instruction, "num_inference_steps": steps, "generator": generator,
                "output_type": "pt"}
    if "true_cfg_scale" in accepted and family.name in (QWEN, OTHER):  # Qwen-Image-Edit: true CFG
        kw["true_cfg_scale"] = guidance
        kw["negative_prompt"] = NEGATIVE_PROMPT
    elif "guidance_scale" in accepted:
        kw["guidance_scale"] = guidance
    if "image_guidance_scale" in accepted and family.image_guidance is not None:
        kw["image_guidance_scale"] = family.image_guidance
    if "height" in accepted and "width" in accepted:
        kw["height"], kw["width"] = height, width
    if "_auto_resize" in accepted:  # Kontext: keep the working size, not its list of ~1 MP sizes
        kw["_auto_resize"] = False
    if "max_area" in accepted:
        kw["max_area"] = height * width
    return {k: v for k, v in kw.items() if k in accepted or open_ended}


def family_of_folder(folder: Path) -> str | None:
    """The editor family a local pipeline folder holds (its ``model_index.json``), or None."""
    index = Path(folder) / "model_index.json"
    try:
        return family_of_class(json.loads(index.read_text()).get("_class_name", ""))
    except (OSError, ValueError):
        return None


def family_of_name(name: str) -> str:
    """A Hub name's family, from the name alone (before anything is loaded)."""
    low = name.lower()
    if "qwen-image-edit" in low:
        return QWEN
    if "kontext" in low:
        return KONTEXT
    if "pix2pix" in low:
        return PIX2PIX
    return OTHER


_SIZE_LOCK = threading.Lock()


@contextmanager
def conditioning_size(pipeline, height: int, width: int):
    """Make a Qwen-Image-Edit pipeline encode its conditioning image at ``height x width``.

    ``QwenImageEditPlusPipeline`` sizes its conditioning images from two module constants (1 MP
    for the VAE, 384^2 for the text encoder); for the duration of one call they are set to the
    working size (the text encoder's never above its own 384^2), under a lock, and restored.
    Other pipelines are left as they are.
    """
    call = inspect.unwrap(type(pipeline).__call__)  # a wrapper made with functools.wraps names the real one
    module = sys.modules.get(getattr(call, "__module__", type(pipeline).__module__))
    names = [n for n in ("VAE_IMAGE_SIZE", "CONDITION_IMAGE_SIZE") if module is not None and hasattr(module, n)]
    if not names:
        yield
        return
    with _SIZE_LOCK:
        saved = {n: getattr(module, n) for n in names}
        try:
            if "VAE_IMAGE_SIZE" in saved:
                module.VAE_IMAGE_SIZE = height * width
            if "CONDITION_IMAGE_SIZE" in saved:
                module.CONDITION_IMAGE_SIZE = min(saved["CONDITION_IMAGE_SIZE"], height * width)
            yield
        finally:
            for n, v in saved.items():
                setattr(module, n, v)
