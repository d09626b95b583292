"""Compute device and precision, chosen at run time, and how photos are grouped into batches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch

from .errors import UsageError

PRECISIONS = ("auto", "fp32", "fp16", "bf16")
_DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def resolve_device(spec: str = "auto") -> torch.device:
    """'auto' picks the first CUDA device when there is one, else the CPU."""
    spec = (spec or "auto").strip().lower()
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(spec)
    except (RuntimeError, ValueError):
        raise UsageError(f"--device {spec!r}: expected auto, cpu, cuda or cuda:N") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise UsageError(f"--device {spec}: CUDA is not available on this machine")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise UsageError(f"--device {spec}: only {torch.cuda.device_count()} CUDA device(s)")
    elif dev.type != "cpu":
        raise UsageError(f"--device {spec!r}: expected auto, cpu, cuda or cuda:N")
    return dev


def resolve_dtype(precision: str, device: torch.device) -> torch.dtype:
    """'auto' = fp16 on CUDA, fp32 on the CPU (half precision is slow and lossy there)."""
    precision = (precision or "auto").lower()
    if precision not in PRECISIONS:
        raise UsageError(f"--precision {precision!r}: choose one of {', '.join(PRECISIONS)}")
    if precision == "auto":
        return torch.float16 if device.type == "cuda" else torch.float32
    return _DTYPES[precision]


def batches(shapes: Sequence[tuple[int, ...]], batch_size: int) -> Iterator[list[int]]:
    """Indices grouped so each group shares one shape (stackable) and holds at most batch_size.

    Order within a shape is kept; groups come in order of their first member.
    """
    if batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    groups: dict[tuple[int, ...], list[int]] = {}
    for i, s in enumerate(shapes):
        groups.setdefault(tuple(s), []).append(i)
    for idx in groups.values():
        for start in range(0, len(idx), batch_size):
            yield idx[start:start + batch_size]


def to_compute(tensors: Sequence[torch.Tensor], device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    """Stack same-shape (C,H,W) tensors into (B,C,H,W) on the device, in the compute dtype."""
    return torch.stack([t.to(device=device, dtype=dtype, non_blocking=True) for t in tensors])


def from_compute(batch: torch.Tensor) -> list[torch.Tensor]:
    """Back to float32 CPU tensors, one per image (statistics and encoding stay in fp32)."""
    out = batch.float().cpu()
    return list(out.unbind(0))
