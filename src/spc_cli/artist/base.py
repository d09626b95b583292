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


@dataclass
class Rendered:
    photo: Photo
    applied: list[Applied] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class Artist(Protocol):
    name: str
    version: str

    def render(self, photos: list[Photo], plans: list[EditPlan]) -> list[Rendered]: ...
