"""The artist contract: render plans into pixels, batched, never changing geometry."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ..photo import Photo
from ..plan import EditPlan


@dataclass
class Applied:
    """One rendered step, replayable: {op, version, params}."""

    op: str
    version: int
    params: dict[str, float]

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "version": self.version,
                "params": {k: round(float(v), 6) for k, v in self.params.items()}}


@dataclass(frozen=True)
class LeftAlone:
    """A planned edit the artist did not render after all, and why: the op's own statistics
    said it could not do it reliably on this photo (a camera-shake kernel it cannot trust)."""

    op: str
    instruction: str  # the plan's words for the edit ("strongly increase sharpness")
    reason: str

    def to_dict(self) -> dict[str, str]:
        return {"op": self.op, "instruction": self.instruction, "reason": self.reason}


@dataclass
class Rendered:
    photo: Photo
    applied: list[Applied] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    left_alone: list[LeftAlone] = field(default_factory=list)


class Artist(Protocol):
    name: str
    version: str

    def render(self, photos: list[Photo], plans: list[EditPlan]) -> list[Rendered]: ...
