"""The critic contract: findings, a score, a short reasoning and an edit plan per photo."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from ..photo import Photo
from ..plan import EditPlan

# Fixed attribute vocabulary used in findings and sidecars.
ATTRIBUTES: tuple[str, ...] = ("exposure", "white_balance", "contrast", "saturation", "haze",
                               "noise", "sharpness", "highlights", "shadows")


@dataclass(frozen=True)
class Finding:
    """One deficiency that is present.

    ``direction`` says which way the photo is off ("under", "over", "warm", "cool",
    "green", "magenta", "low", "high", "present", "blurred", "clipped", "crushed").
    ``measured`` holds the numbers the reason cites.
    """

    attribute: str
    direction: str
    severity: float  # 0..1
    confidence: float  # 0..1
    measured: dict[str, float]
    reason: str

    def __post_init__(self) -> None:
        if self.attribute not in ATTRIBUTES:
            raise ValueError(f"unknown attribute {self.attribute!r}")

    def to_dict(self) -> dict[str, Any]:
        return {"attribute": self.attribute, "direction": self.direction,
                "severity": round(float(self.severity), 3), "confidence": round(float(self.confidence), 3),
                "measured": {k: round(float(v), 4) for k, v in self.measured.items()},
                "reason": self.reason}


@dataclass
class Critique:
    score: float  # 0..100, higher is better
    summary: str  # 2-4 sentences, most important problem first
    findings: list[Finding] = field(default_factory=list)
    plan: EditPlan = field(default_factory=EditPlan)
    measurements: dict[str, float] = field(default_factory=dict)  # everything measured, flagged or not
    reasoning: str = ""  # a model critic's whole reasoning, where it wrote one (the summary is shortened)
    notes: list[str] = field(default_factory=list)  # what the critic could not read or had to assume

    def to_dict(self) -> dict[str, Any]:
        out = {"score": round(float(self.score), 1), "summary": self.summary,
               "findings": [f.to_dict() for f in self.findings],
               "measurements": {k: round(float(v), 4) for k, v in self.measurements.items()}}
        if self.reasoning:
            out["reasoning"] = self.reasoning
        if self.notes:
            out["notes"] = list(self.notes)
        return out


class Critic(Protocol):
    """A critic backend. It may also offer ``critique_proxy(proxies, of)``: critiques of
    downscaled copies of one photo that keep the pixel-scale measurements (noise, sharpness)
    of ``of``, the photo's own critique; the closed loop uses it where the proxy is resampled
    (``AnalyticCritic.critique_proxy``)."""

    name: str
    version: str

    def critique(self, photos: list[Photo]) -> list[Critique]: ...
