"""The default artist: the plan's ops, as pure torch functions, in the fixed order."""

from __future__ import annotations

import torch

from ..device import batches, from_compute, resolve_device, resolve_dtype, to_compute
from ..errors import UsageError
from ..ops import OPS
from ..photo import Photo
from ..plan import Edit, EditPlan
from .base import Applied, Rendered


def _stack_param(values: list[float]) -> float | torch.Tensor:
    return values[0] if all(v == values[0] for v in values) else torch.tensor(values)


class PipelineArtist:
    name = "pipeline"
    version = "1"

    def __init__(self, device: str | torch.device = "cpu", precision: str = "auto", batch_size: int = 4):
        self.device = device if isinstance(device, torch.device) else resolve_device(device)
        self.dtype = resolve_dtype(precision, self.device)
        self.batch_size = batch_size

    @staticmethod
    def steps(plan: EditPlan) -> list[Edit]:
        """The edits that will render: ordered, non-neutral, known ops only."""
        out = []
        for e in plan.ordered():
            if e.op not in OPS:
                raise UsageError(f"the pipeline artist has no op {e.op!r}")
            if not e.effective().is_neutral():
                out.append(e)
        return out

    def apply(self, batch: torch.Tensor, plans: list[list[Edit]]) -> torch.Tensor:
        """Run per-image step lists over a (B,3,H,W) batch. Images lacking an op get its neutral params."""
        names = [name for name in OPS if any(e.op == name for steps in plans for e in steps)]
        from ..ops import RANK

        for name in sorted(names, key=lambda n: RANK[n]):
            spec = OPS[name]
            per = []
            for steps in plans:
                found = [e.effective() for e in steps if e.op == name]
                per.append(found[0] if found else spec.params.neutral())
            kwargs = {k: _stack_param([p.to_dict()[k] for p in per]) for k in per[0].to_dict()}
            batch = spec.fn(batch, **kwargs)
        return batch

    def render(self, photos: list[Photo], plans: list[EditPlan]) -> list[Rendered]:
        if len(photos) != len(plans):
            raise ValueError("one plan per photo")
        out: list[Rendered | None] = [None] * len(photos)
        steps = [self.steps(p) for p in plans]
        for group in batches([tuple(p.pixels.shape) for p in photos], self.batch_size):
            todo = [i for i in group if steps[i]]
            for i in group:
                if not steps[i]:
                    out[i] = Rendered(photos[i], [])
            if not todo:
                continue
            with torch.no_grad():
                x = to_compute([photos[i].pixels for i in todo], self.device, self.dtype)
                y = self.apply(x, [steps[i] for i in todo])
            for i, pix in zip(todo, from_compute(y)):
                applied = [Applied(e.op, e.params.version, e.effective().to_dict()) for e in steps[i]]
                out[i] = Rendered(photos[i].with_pixels(pix), applied)
        return out  # type: ignore[return-value]


def replay(pixels: torch.Tensor, applied: list[dict]) -> torch.Tensor:
    """Re-render a sidecar's ``applied`` list on linear (3,H,W) pixels (fp32, CPU)."""
    x = pixels.unsqueeze(0).float()
    for step in applied:
        spec = OPS[step["op"]]
        params = spec.params.from_dict(step["params"])
        x = spec.fn(x, **params.to_dict())
    return x[0]
