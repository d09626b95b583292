"""Diffusion artist: an instruction-following image editor (Qwen-Image-Edit-2509) performs the plan.

Chosen with ``--artist diffusion``; needs ``pip install 'spc-cli[models]'``, the
weights (tens of GB, from the Hugging Face Hub or a local folder) and, in
practice, a large GPU. diffusers is imported when this module is imported; the
registry imports it only when ``diffusion`` is chosen.

The editor works on a ~1 MP proxy and may shift geometry and colour slightly, so
its pixels are never used directly. We measure what it did to the colours (a
smooth, low-resolution per-channel gain/offset map fitted from the input proxy to
the edited proxy, in linear light), upsample that map and apply it to the
full-resolution photo: the output keeps the input's exact geometry and detail.
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ..colour import srgb_to_linear
from ..device import resolve_device, resolve_dtype
from ..errors import InputError, UsageError
from ..photo import Photo
from ..plan import EditPlan
from .base import Applied, Rendered

EDIT_OP = "diffusion_edit"  # the one applied step of a diffusion edit (it renders the whole plan)

try:
    import diffusers  # noqa: F401 - a missing extra is a usage error here, before any work
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise UsageError("the diffusion artist needs the model extras: pip install 'spc-cli[models]'") from exc

DEFAULT_MODEL = "Qwen/Qwen-Image-Edit-2509"


def _missing_weights(model: str, err: BaseException, offline: bool) -> str:
    text = " ".join(str(err).split()) or type(err).__name__
    why = re.split(r"(?<=[.!?])\s", text, maxsplit=1)[0].rstrip(".")
    why = why if len(why) <= 160 else why[:159].rstrip() + "\u2026"
    from ..manifest import fetch_command

    folder = "point SPC_DIFFUSION_MODEL at a local folder"
    fix = (f"fetch them with `{fetch_command(model)}` (needs network), rerun with --allow-download, or {folder}"
           if offline else f"check the name and network, log in for gated models (`hf auth login`), or {folder}")
    return f"diffusion artist model {model!r} could not be loaded ({why}); {fix}"


def _dtype_kwarg() -> str:
    """Newer diffusers take ``dtype=`` and deprecate ``torch_dtype=``; older ones know only the latter."""
    from diffusers.pipelines import pipeline_utils

    return "dtype" if hasattr(pipeline_utils, "_resolve_dtype") else "torch_dtype"


def _resize(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(3, h, w) -> (3, *size), antialiased bilinear (an area-like average when shrinking)."""
    if tuple(image.shape[-2:]) == tuple(size):
        return image.float()
    return F.interpolate(image.float().unsqueeze(0), size=size, mode="bilinear", align_corners=False,
                         antialias=True).squeeze(0)


@dataclass(frozen=True)
class TransferSettings:
    """How the proxy edit is carried to full resolution.

    ``cells``: grid cells along the long edge (the map's resolution); ``eps``:
    regularisation that pulls the local gain toward the cell-wide mean where the
    input is flat; ``smooth``: passes of 3x3 averaging over the grid.
    """

    cells: int = 16
    eps: float = 1e-2
    smooth: int = 2
    gain_range: tuple[float, float] = (0.125, 8.0)


def _check(photos, plans) -> tuple[list[Photo], list[EditPlan]]:
    if isinstance(photos, Photo) or not isinstance(photos, (list, tuple)):
        raise UsageError("render() takes a list of photos")
    if not isinstance(plans, (list, tuple)) or len(plans) != len(photos):
        raise UsageError(f"render() needs one plan per photo: {len(photos)} photos, "
                         f"{len(plans) if isinstance(plans, (list, tuple)) else '?'} plans")
    for i, (p, plan) in enumerate(zip(photos, plans)):
        if not isinstance(p, Photo):
            raise UsageError(f"photo {i} is a {type(p).__name__}, not a Photo")
        if p.pixels.dim() != 3 or p.pixels.shape[0] != 3:
            raise UsageError(f"photo {i}: pixels must be (3, H, W), got {tuple(p.pixels.shape)}")
        if not isinstance(plan, EditPlan):
            raise UsageError(f"plan {i} is a {type(plan).__name__}, not an EditPlan")
    return list(photos), list(plans)


def instruction_text(plan: EditPlan) -> str:
    """The plan in words for the editor: 'slightly increase exposure; moderately reduce haze'."""
    parts = []
    for e in plan.edits:
        words = (e.instruction or f"adjust {e.attribute or e.op.replace('_', ' ')}").strip().rstrip(".")
        if words and words not in parts:
            parts.append(words)
    return "; ".join(parts)


def proxy_size(height: int, width: int, megapixels: float, multiple: int = 16) -> tuple[int, int]:
    """(h, w) with about ``megapixels`` MP, the input's aspect ratio, both multiples of ``multiple``."""
    scale = math.sqrt(megapixels * 1e6 / (height * width))
    h = max(multiple, round(height * scale / multiple) * multiple)
    w = max(multiple, round(width * scale / multiple) * multiple)
    return int(h), int(w)


# -- colour transfer: proxy edit -> full resolution --------------------------

def fit_colour_map(source: torch.Tensor, edited: torch.Tensor,
                   settings: TransferSettings = TransferSettings()) -> torch.Tensor:
    """A smooth per-channel local affine map ``edited ~ gain * source + offset``.

    ``source``, ``edited``: (3, h, w) linear light, same size. Returns (6, gh, gw):
    gains then offsets on a coarse grid (``settings.cells`` along the long edge).

    1. A global per-channel least-squares fit gives the overall change.
    2. Pixels the global fit explains badly (where the editor moved or redrew
       something) get low weight (a Cauchy weight on the residual), so geometry
       changes do not leak into the colour map.
    3. Each cell gets a weighted least-squares fit (a guided-filter / bilateral-grid
       style local affine model), shrunk toward the global gain where the cell is flat.
    4. The grid is averaged with its neighbours so the map carries no edges or texture.
    """
    x, y = source.float().unsqueeze(0), edited.float().unsqueeze(0)
    h, w = x.shape[-2:]
    gh = max(1, round(settings.cells * h / max(h, w)))
    gw = max(1, round(settings.cells * w / max(h, w)))
    dims = (-2, -1)

    gmx, gmy = x.mean(dim=dims, keepdim=True), y.mean(dim=dims, keepdim=True)
    gvx = ((x - gmx) ** 2).mean(dim=dims, keepdim=True)
    g_gain = (((x - gmx) * (y - gmy)).mean(dim=dims, keepdim=True) + settings.eps * gmy / gmx.clamp(min=1e-4)) \
        / (gvx + settings.eps)
    g_gain = g_gain.clamp(*settings.gain_range)
    resid = (y - (g_gain * x + gmy - g_gain * gmx)).abs().mean(dim=1, keepdim=True)
    tau = 2.0 * resid.flatten().median() + 1e-3
    wgt = 1.0 / (1.0 + (resid / tau) ** 2)

    def pool(t: torch.Tensor) -> torch.Tensor:
        return F.adaptive_avg_pool2d(t, (gh, gw))

    sw = pool(wgt).clamp(min=1e-6)
    mx, my = pool(wgt * x) / sw, pool(wgt * y) / sw
    vx = (pool(wgt * x * x) / sw - mx * mx).clamp(min=0.0)
    cxy = pool(wgt * x * y) / sw - mx * my
    gain = ((cxy + settings.eps * g_gain) / (vx + settings.eps)).clamp(*settings.gain_range)
    offset = my - gain * mx
    coef = torch.cat([gain, offset], dim=1)
    for _ in range(settings.smooth):
        coef = F.avg_pool2d(F.pad(coef, (1, 1, 1, 1), mode="replicate"), 3, stride=1)
    return coef.squeeze(0)


def apply_colour_map(image: torch.Tensor, coef: torch.Tensor, rows_per_band: int = 512) -> torch.Tensor:
    """Apply a (6, gh, gw) gain/offset map to a full-resolution (3, H, W) image, bilinearly upsampled.

    Works in bands of rows so a 50 MP photo never needs the full-size map in memory.
    """
    h, w = image.shape[-2:]
    coef = coef.to(device=image.device, dtype=torch.float32).unsqueeze(0)
    out = torch.empty_like(image, dtype=torch.float32)
    xs = (torch.arange(w, device=image.device, dtype=torch.float32) + 0.5) / w * 2 - 1
    for r0 in range(0, h, rows_per_band):
        r1 = min(h, r0 + rows_per_band)
        ys = (torch.arange(r0, r1, device=image.device, dtype=torch.float32) + 0.5) / h * 2 - 1
        grid = torch.stack(torch.meshgrid(ys, xs, indexing="ij")[::-1], dim=-1).unsqueeze(0)
        m = F.grid_sample(coef, grid, mode="bilinear", padding_mode="border", align_corners=False)[0]
        out[:, r0:r1] = m[:3] * image[:, r0:r1].float() + m[3:]
    return out.clamp(min=0.0)


def transfer_edit(full: torch.Tensor, source_proxy: torch.Tensor, edited_proxy: torch.Tensor,
                  settings: TransferSettings = TransferSettings(), strength: float = 1.0) -> torch.Tensor:
    """Carry the colour change source_proxy -> edited_proxy onto ``full`` (3, H, W linear), no geometry change.

    ``edited_proxy`` is first resized to the source proxy's exact size (the editor may
    output a slightly different size); ``strength`` blends the map toward identity.
    """
    edited_proxy = _resize(edited_proxy, tuple(source_proxy.shape[-2:]))
    coef = fit_colour_map(source_proxy, edited_proxy, settings)
    if strength != 1.0:
        coef = torch.cat([1.0 + strength * (coef[:3] - 1.0), strength * coef[3:]])
    return apply_colour_map(full, coef)


# -- the artist ---------------------------------------------------------------

class DiffusionArtist:
    """Artist backed by a diffusers image-editing pipeline (default Qwen-Image-Edit-2509).

    ``model``: a Hub name or a local folder; default ``$SPC_DIFFUSION_MODEL``, else
    Qwen/Qwen-Image-Edit-2509. The pipeline class comes from the folder's ``model_index.json``:
    Qwen-Image-Edit, FLUX.1 Kontext or InstructPix2Pix (``editors``), each with its own default
    steps and guidance (``steps``/``guidance`` None). Components: ``pipeline`` (loaded with
    ``from_pretrained``, or any diffusers image-editing pipeline passed as ``pipeline=``). The
    device is chosen at run time; precision "auto" is fp16 on CUDA and fp32 on the CPU.
    ``megapixels``: the working size (never larger than the photo); ``offload``: model CPU
    offload on CUDA, for GPUs smaller than the whole pipeline.
    """

    name = "diffusion"
    version = "1"

    def __init__(self, model: str | None = None, device: str | torch.device = "auto", precision: str = "auto",
                 steps: int | None = None, guidance: float | None = None, seed: int = 0, *, pipeline: Any = None,
                 local_files_only: bool | None = None, megapixels: float = 1.0,
                 transfer: TransferSettings = TransferSettings(), offload: bool = False, **kw: Any):
        from . import editors

        if (steps is not None and steps < 1) or (guidance is not None and guidance < 0) \
                or not 0.001 <= megapixels <= 4.0:
            raise UsageError("diffusion artist: needs steps >= 1, guidance >= 0 and 0.001 <= megapixels <= 4")
        self.model_name = (str(model or os.environ.get("SPC_DIFFUSION_MODEL") or DEFAULT_MODEL)
                           if pipeline is None else type(pipeline).__name__)
        self.device = resolve_device(str(device))
        self.dtype = resolve_dtype(precision, self.device)
        self.offload = bool(offload) and self.device.type == "cuda"
        if local_files_only is None:
            local_files_only = os.environ.get("HF_HUB_OFFLINE", "").strip().lower() in ("1", "true", "yes", "on")
        self.local_files_only = bool(local_files_only)
        kw.pop("batch_size", None)  # the editor takes one photo at a time
        self.pipeline = pipeline if pipeline is not None else self._load(kw)
        self.family = editors.FAMILIES[editors.family_of_pipeline(self.pipeline)]
        self.steps = int(steps if steps is not None else self.family.steps)
        self.guidance = float(guidance if guidance is not None else self.family.guidance)
        self.seed = int(seed)
        self.megapixels = float(megapixels)
        self.transfer = transfer
        self.to(self.device)

    def _load(self, kw: dict[str, Any]):
        from . import editors

        name = self.model_name
        local = Path(name).expanduser()
        if not local.is_dir() and (local.is_absolute() or name.startswith((".", "~"))):
            raise UsageError(f"diffusion artist: model folder {name!r} does not exist; pass a folder holding the "
                             f"pipeline or a Hub name such as {DEFAULT_MODEL!r}")
        family = editors.family_of_folder(local) if local.is_dir() else editors.family_of_name(name)
        cls = editors.pipeline_class(family, local if local.is_dir() else None)
        if not local.is_dir() and "revision" not in kw:
            from ..manifest import pinned_revision

            if rev := pinned_revision(name):
                kw["revision"] = rev
        try:
            pipe = cls.from_pretrained(str(local) if local.is_dir() else name, **{_dtype_kwarg(): self.dtype},
                                       local_files_only=self.local_files_only, **kw)
        except (OSError, ValueError, KeyError) as err:
            raise UsageError(_missing_weights(name, err, self.local_files_only)) from None
        return pipe

    def to(self, device: str | torch.device) -> "DiffusionArtist":
        self.device = resolve_device(str(device))
        if self.offload and hasattr(self.pipeline, "enable_model_cpu_offload"):
            self.pipeline.enable_model_cpu_offload(device=self.device)
        else:
            self.pipeline.to(self.device, self.dtype)
        if hasattr(self.pipeline, "set_progress_bar_config"):
            self.pipeline.set_progress_bar_config(disable=True)
        return self

    # -- one photo ----------------------------------------------------------
    def _call_kwargs(self, instruction: str, image, height: int, width: int) -> dict[str, Any]:
        from .editors import call_kwargs

        generator = torch.Generator(device="cpu").manual_seed(self.seed)
        return call_kwargs(self.pipeline, self.family, instruction, image, height, width, self.steps,
                           self.guidance, generator)

    def edit_proxy(self, proxy: torch.Tensor, instruction: str) -> torch.Tensor:
        """Run the editor on a (3, h, w) linear proxy; returns its (3, h', w') output in linear light."""
        from ..crafter.proxy import to_pil
        from .editors import conditioning_size

        pil = to_pil(proxy)  # 8-bit sRGB, NaN-safe (colour.to_srgb8)
        h, w = proxy.shape[-2:]
        with conditioning_size(self.pipeline, h, w):
            out = self.pipeline(**self._call_kwargs(instruction, pil, h, w))
        images = out.images if hasattr(out, "images") else out[0]
        img = images[0] if isinstance(images, (list, tuple)) or (torch.is_tensor(images) and images.dim() == 4) \
            else images
        if not torch.is_tensor(img):  # PIL or numpy (H, W, 3): a pipeline that ignores output_type
            arr = np.asarray(img, dtype=np.float32)
            img = torch.from_numpy(arr / 255.0 if arr.max() > 1.0 else arr).permute(2, 0, 1)
        return srgb_to_linear(img.float().cpu().clamp(0.0, 1.0))

    def render(self, photos: list[Photo], plans: list[EditPlan]) -> list[Rendered]:
        from ..crafter.proxy import working_size

        photos, plans = _check(photos, plans)
        results: list[Rendered] = []
        for photo, plan in zip(photos, plans):
            text = instruction_text(plan)
            strengths = [e.strength for e in plan.edits]
            strength = float(sum(strengths) / len(strengths)) if strengths else 0.0
            if not text or strength <= 0.0:
                results.append(Rendered(photo=photo, applied=[], notes=["empty plan: photo left untouched"]))
                continue
            ph, pw = working_size(photo.height, photo.width, self.megapixels, self.family.multiple)
            source = _resize(photo.proxy(max(ph, pw)), (ph, pw))
            with torch.inference_mode():
                edited = self.edit_proxy(source, text)
            if edited.dim() != 3 or edited.shape[0] != 3 or not torch.isfinite(edited).all():
                raise InputError(photo.meta.source, "the diffusion editor returned an unusable image "
                                 f"(shape {tuple(edited.shape)}; non-finite values suggest trying --precision bf16)")
            full = photo.pixels.to(self.device)  # the map is applied where the compute is, in bands
            pixels = transfer_edit(full, source.to(self.device), edited.to(self.device), self.transfer,
                                   strength=min(strength, 2.0)).to(photo.pixels.device)
            applied = Applied(op=EDIT_OP, version=1,
                              params={"steps": float(self.steps), "guidance": float(self.guidance),
                                      "seed": float(self.seed), "strength": round(strength, 6)})
            notes = [f"diffusion instruction: {text!r} ({self.model_name}, {self.family.name}, {pw}x{ph} proxy)",
                     "colour change transferred to full resolution by a smooth gain/offset map; geometry unchanged",
                     "not replayable bit-exactly without the same model weights, library versions and device"]
            results.append(Rendered(photo=photo.with_pixels(pixels.to(photo.pixels.dtype)), applied=[applied],
                                    notes=notes))
        return results


__all__ = ["DiffusionArtist", "TransferSettings", "apply_colour_map", "fit_colour_map", "instruction_text",
           "proxy_size", "transfer_edit"]
