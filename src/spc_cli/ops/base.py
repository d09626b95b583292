"""Op parameters as data: bounded, described, versioned, strict about unknown keys.

Every op ``adjust_x(image, **params)`` has a frozen ``Params`` dataclass whose
fields carry (min, max, default, description). ``Params.from_dict`` rejects
unknown fields and out-of-bound values; ``scaled(s)`` moves every field from its
neutral value toward the set value by ``s`` (0 = neutral = no-op).

Two kinds of field: *strengths* (how much of the correction to apply) and
*measurements* (``measured=True``: a property of the photo the critic estimated, such
as a noise sigma, a blur radius or a haze transmission). ``scaled`` leaves measurements
as they are (half the correction of a 2 px blur is not the full correction of a 1 px
blur), and an op whose strengths are all neutral is an identity whatever its
measurements say, so neutrality is decided by the strengths alone.

``version`` is the version of the op's rendering; ``replays`` lists the older versions
whose recorded parameters this code renders exactly as they were rendered (a new field
with a neutral default keeps them), and ``replays_step`` may name the steps of other older
versions it still renders exactly (an op whose change touched only some of its parameter
values); a sidecar step of any other older version is refused on replay with a message
saying why (``artist.pipeline.steps_from_applied``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..errors import ParamError


def param(default: float, lo: float, hi: float, doc: str, neutral: float | None = None,
          measured: bool = False) -> Any:
    """A bounded float field. ``neutral`` is the value at which the op does nothing;
    ``measured`` marks a measurement of the photo rather than a strength (see above)."""
    return field(default=default, metadata={"min": lo, "max": hi, "doc": doc, "measured": measured,
                                            "neutral": default if neutral is None else neutral})


@dataclass(frozen=True)
class Params:
    """Base of every op's parameters."""

    op: ClassVar[str] = ""
    version: ClassVar[int] = 1
    replays: ClassVar[tuple[int, ...]] = ()  # older versions this code still renders exactly

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
    def replays_step(cls, version: int, data: dict[str, Any]) -> bool:
        """Whether this code renders a step of an older ``version`` with parameters ``data``
        exactly as it was rendered: ``version`` in ``replays``, unless an op says more."""
        return version in cls.replays

    @classmethod
    def neutral(cls) -> "Params":
        return cls(**{f.name: f.metadata["neutral"] for f in dataclasses.fields(cls)})

    def to_dict(self) -> dict[str, float]:
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def is_neutral(self, tol: float = 1e-6) -> bool:
        """True when every strength is at its neutral value (the op is then an identity)."""
        return all(abs(getattr(self, f.name) - f.metadata["neutral"]) <= tol for f in dataclasses.fields(self)
                   if not f.metadata.get("measured"))

    def scaled(self, strength: float) -> "Params":
        """Interpolate the strengths from neutral (strength 0) to these values (1); >1 extrapolates,
        clamped to bounds. Measurements are kept."""
        out = {}
        for f in dataclasses.fields(self):
            if f.metadata.get("measured"):
                out[f.name] = getattr(self, f.name)
                continue
            n = f.metadata["neutral"]
            v = n + (getattr(self, f.name) - n) * strength
            out[f.name] = min(max(v, f.metadata["min"]), f.metadata["max"])
        return type(self)(**out)

    @classmethod
    def describe(cls) -> list[dict[str, Any]]:
        return [{"name": f.name, "default": f.default, **f.metadata} for f in dataclasses.fields(cls)]
