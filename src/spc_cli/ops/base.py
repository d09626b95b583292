"""Op parameters as data: bounded, described, versioned, strict about unknown keys.

Every op ``adjust_x(image, **params)`` has a frozen ``Params`` dataclass whose
fields carry (min, max, default, description). ``Params.from_dict`` rejects
unknown fields and out-of-bound values; ``scaled(s)`` moves every field from its
neutral value toward the set value by ``s`` (0 = neutral = no-op).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..errors import ParamError


def param(default: float, lo: float, hi: float, doc: str, neutral: float | None = None) -> Any:
    """A bounded float field. ``neutral`` is the value at which the op does nothing."""
    return field(default=default, metadata={"min": lo, "max": hi, "doc": doc,
                                            "neutral": default if neutral is None else neutral})


@dataclass(frozen=True)
class Params:
    """Base of every op's parameters."""

    op: ClassVar[str] = ""
    version: ClassVar[int] = 1

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            v = getattr(self, f.name)
            lo, hi = f.metadata["min"], f.metadata["max"]
            if not isinstance(v, (int, float)) or isinstance(v, bool) or not (lo <= float(v) <= hi):
                raise ParamError(f"{self.op}.{f.name}={v!r} is outside [{lo}, {hi}]")
            object.__setattr__(self, f.name, float(v))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Params":
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - names
        if unknown:
            raise ParamError(f"{cls.op}: unknown parameter(s) {sorted(unknown)}; known: {sorted(names)}")
        return cls(**data)

    @classmethod
    def neutral(cls) -> "Params":
        return cls(**{f.name: f.metadata["neutral"] for f in dataclasses.fields(cls)})

    def to_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def is_neutral(self, tol: float = 1e-6) -> bool:
        return all(abs(getattr(self, f.name) - f.metadata["neutral"]) <= tol for f in dataclasses.fields(self))

    def scaled(self, strength: float) -> "Params":
        """Interpolate from neutral (strength 0) to these values (1); >1 extrapolates, clamped to bounds."""
        out = {}
        for f in dataclasses.fields(self):
            n = f.metadata["neutral"]
            v = n + (getattr(self, f.name) - n) * strength
            out[f.name] = min(max(v, f.metadata["min"]), f.metadata["max"])
        return type(self)(**out)

    @classmethod
    def describe(cls) -> list[dict[str, Any]]:
        return [{"name": f.name, "default": f.default, **f.metadata} for f in dataclasses.fields(cls)]
