"""EditPlan: the ordered edits a critic suggests and an artist renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .errors import ParamError
from .ops.base import Params
from .ops.params import PARAMS_BY_OP


@dataclass(frozen=True)
class Edit:
    """One suggested edit: an op with its parameters, and why, in plain words.

    ``instruction`` reads like a photographer's note ("slightly increase exposure");
    ``attribute`` names the finding it answers (exposure, white_balance, ...).
    """

    op: str
    params: Params
    reason: str = ""
    instruction: str = ""
    attribute: str = ""
    strength: float = 1.0

    @property
    def is_levels(self) -> bool:
        """A black/white point stretch with no tone curve (``contrast`` at ``amount == 0``)."""
        return self.op == "contrast" and float(getattr(self.params, "amount", 1.0)) == 0.0

    def effective(self) -> Params:
        """The parameters actually rendered: ``params`` scaled by ``strength``."""
        return self.params if self.strength == 1.0 else self.params.scaled(self.strength)

    def to_dict(self) -> dict[str, Any]:
        return {"op": self.op, "version": self.params.version, "params": self.params.to_dict(),
                "strength": self.strength, "attribute": self.attribute,
                "instruction": self.instruction, "reason": self.reason}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Edit":
        op = data["op"]
        if op not in PARAMS_BY_OP:
            raise ParamError(f"unknown op {op!r}; known: {sorted(PARAMS_BY_OP)}")
        return cls(op=op, params=PARAMS_BY_OP[op].from_dict(data.get("params", {})),
                   reason=data.get("reason", ""), instruction=data.get("instruction", ""),
                   attribute=data.get("attribute", ""), strength=float(data.get("strength", 1.0)))


@dataclass
class EditPlan:
    edits: list[Edit] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.edits)

    def ordered(self) -> list[Edit]:
        """Edits in the artist's fixed order (ops.ORDER); a stable sort keeps ties as listed."""
        from .ops import RANK

        return sorted(self.edits, key=lambda e: RANK.get(e.op, len(RANK)))

    def scaled(self, strength: float) -> "EditPlan":
        return EditPlan([Edit(e.op, e.params, e.reason, e.instruction, e.attribute, e.strength * strength)
                         for e in self.edits])

    def to_list(self) -> list[dict[str, Any]]:
        return [e.to_dict() for e in self.edits]

    @classmethod
    def from_list(cls, items: list[dict[str, Any]]) -> "EditPlan":
        return cls([Edit.from_dict(d) for d in items])


def merge_same_op(edits: list[Edit], joiner: str = " and ") -> list[Edit]:
    """One edit per op (the artist renders each op once), in first-seen order.

    Two edits for the same op (highlights and shadows both use ``tone``) become one: each
    parameter takes whichever value departs further from neutral; instructions, reasons
    and attributes are joined; the larger strength is kept.
    """
    merged: dict[str, Edit] = {}
    for e in edits:
        if e.op not in merged:
            merged[e.op] = e
            continue
        a = merged[e.op]
        neutral = type(a.params).neutral().to_dict()
        values = a.params.to_dict()
        for k, v in e.params.to_dict().items():
            if abs(v - neutral[k]) > abs(values[k] - neutral[k]):
                values[k] = v
        attribute = a.attribute if e.attribute in ("", a.attribute) else f"{a.attribute}+{e.attribute}"
        merged[e.op] = Edit(a.op, type(a.params).from_dict(values), f"{a.reason} {e.reason}".strip(),
                            f"{a.instruction}{joiner}{e.instruction}", attribute, max(a.strength, e.strength))
    return list(merged.values())


def instruction_for(magnitude: float, verb_up: str, verb_down: str, noun: str) -> str:
    """Plain-words instruction: degree + direction + attribute, e.g. 'slightly increase exposure'.

    ``magnitude`` is signed and normalised so that |m| ~ 1 is a strong edit.
    """
    a = abs(magnitude)
    degree = "slightly" if a < 0.34 else ("moderately" if a < 0.67 else "strongly")
    return f"{degree} {verb_up if magnitude > 0 else verb_down} {noun}"
