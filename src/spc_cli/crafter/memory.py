"""How much GPU memory the release needs, and a clear one-line refusal when it does not fit.

Parameter counts are read from the checkpoints' safetensors headers (no weights loaded),
so the figure is known before anything is moved to the GPU. Working memory (activations,
the critic's key/value cache, the DiT's attention over ~11k tokens at 1 MP) is taken as a
tenth of the weights plus 3 GB: a margin, not a measurement (``benchmarks/gpu_check.py``
prints the peak on a real GPU).
"""

from __future__ import annotations

from pathlib import Path

import torch

from ..errors import UsageError

GB = 1e9  # decimal gigabytes, as disk sizes and the manifest give them
_NAMES = {torch.bfloat16: "bf16", torch.float16: "fp16", torch.float32: "fp32"}


class NotEnoughMemory(UsageError):
    """The models do not fit the GPU; the message says how much they need and what to do."""


def parameters_in(files: list[Path]) -> int:
    """Parameters stored in safetensors files, from their headers."""
    from safetensors import safe_open

    total = 0
    for f in files:
        with safe_open(str(f), framework="pt") as fh:
            for k in fh.keys():
                n = 1
                for d in fh.get_slice(k).get_shape():
                    n *= int(d)
                total += n
    return total


def need_bytes(parts: dict[str, int], dtype: torch.dtype, offload: bool) -> int:
    """GPU bytes for ``parts`` ({name: parameters}) in ``dtype``: all of them resident, or with
    model offload only the largest at a time; plus working memory."""
    size = torch.empty((), dtype=dtype).element_size()
    weights = [n * size for n in parts.values()]
    resident = max(weights, default=0) if offload else sum(weights)
    return int(resident * 1.1 + 3 * GB)


def check_fits(parts: dict[str, int], dtype: torch.dtype, device: torch.device, offload: bool,
               free: int | None = None, backend: str = "smartphotocrafter") -> int:
    """Raise :class:`NotEnoughMemory` unless ``parts`` fit the free memory of ``device`` (CUDA
    only; the CPU is not checked). Returns the bytes needed."""
    need = need_bytes(parts, dtype, offload)
    if device.type != "cuda":
        return need
    if free is None:
        free, _ = torch.cuda.mem_get_info(device)
    if need <= free:
        return need
    name = _NAMES.get(dtype, str(dtype).replace("torch.", ""))
    listed = ", ".join(f"{k} {v * torch.empty((), dtype=dtype).element_size() / GB:.1f} GB" for k, v in parts.items())
    msg = (f"{backend} needs about {need / GB:.0f} GB of GPU memory in {name} ({listed}, plus working memory)"
           f"{' with --offload' if offload else ''}; {device} has {free / GB:.1f} GB free")
    if not offload and len(parts) > 1:
        lean = need_bytes(parts, dtype, True)
        msg += (f": rerun with --offload (about {lean / GB:.0f} GB)" if lean <= free else
                f"; even --offload needs about {lean / GB:.0f} GB: use a larger GPU")
    else:
        msg += ": use a larger GPU or free the memory other programs hold"
    raise NotEnoughMemory(msg)


def out_of_memory(err: BaseException, device: torch.device, what: str) -> NotEnoughMemory:
    """A CUDA out-of-memory error during a run, as one line."""
    free = ""
    if device.type == "cuda":
        try:
            f, total = torch.cuda.mem_get_info(device)
            free = f" ({f / GB:.1f} of {total / GB:.1f} GB free)"
        except RuntimeError:  # pragma: no cover
            pass
    return NotEnoughMemory(f"{what} ran out of GPU memory on {device}{free}; rerun with --offload, "
                           "a smaller --artist-megapixels or --batch-size 1")
