"""``spc enhance --json``: one JSON line per photo on stdout as it is finished, then a summary line.

Every line is one JSON object; ``schemas/enhance-json.schema.json`` is the contract (a
``photo`` line and a ``summary`` line), for scripts and cron:

    {"type": "photo", "input": "shoot/a.jpg", "output": "fixed/a.jpg", "status": "done",
     "reason": null, "score_before": 43.0, "score_after": 100.0, "did": "score 43 -> 100; ...",
     "edits": [{"op": "exposure", "params": {"ev": 2.02, "shoulder": 1.0},
                "instruction": "strongly increase exposure"}],
     "left_alone": [], "series": null, "sidecar": "fixed/a.spc.json"}
    {"type": "summary", "done": 1, "skipped": 0, "failed": 0, "unread": 0, "planned": 0,
     "seconds": 0.4, "exit_code": 0}

A photo skipped as up to date reports what its sidecar says was done to it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, TextIO

SCHEMA_FILE = Path(__file__).with_name("schemas") / "enhance-json.schema.json"


def _number(value: Any) -> float | None:
    return round(float(value), 1) if isinstance(value, (int, float)) and value == value else None


def edits_of(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The edits a sidecar says were rendered, each with its plain-words instruction."""
    words = {e["op"]: e.get("instruction") or "" for e in doc.get("plan", [])}
    return [{"op": a["op"], "params": a.get("params", {}), "instruction": words.get(a["op"], "")}
            for a in doc.get("applied", [])]


def photo_line(outcome, doc: dict[str, Any] | None, side: Path | None) -> dict[str, Any]:
    """The JSON line of one photo's outcome (``doc``: its sidecar, when it has one)."""
    doc = doc or {}
    series = doc.get("series") or {}
    return {
        "type": "photo",
        "input": str(outcome.source),
        "output": str(outcome.output) if outcome.output is not None else None,
        "status": outcome.status,
        "reason": outcome.reason or None,
        "score_before": _number((doc.get("critique") or {}).get("score", outcome.score_before)),
        "score_after": _number((doc.get("result") or {}).get("score")),
        "did": outcome.did or None,
        "edits": edits_of(doc),
        "left_alone": [{"op": x.get("op", ""), "instruction": x.get("instruction", ""), "reason": x.get("reason", "")}
                       for x in doc.get("left_alone") or []],
        "series": series.get("id"),
        "sidecar": str(side) if doc and side is not None else None,
    }


class JsonLines:
    """Writes the lines of one run to ``stream`` (stdout) as outcomes arrive."""

    def __init__(self, jobs: list, stream: TextIO | None = None):
        self.sides = {j.source: j.sidecar for j in jobs}
        self.stream = stream or sys.stdout
        self.written: set[int] = set()

    def _emit(self, line: dict[str, Any]) -> None:
        self.stream.write(json.dumps(line, ensure_ascii=False) + "\n")
        self.stream.flush()

    def outcome(self, o) -> None:
        """One photo's line (its sidecar as the run wrote it, or as an earlier run left it)."""
        from . import sidecar

        side = self.sides.get(o.source)
        doc = o.sidecar
        if doc is None and o.status == "skipped" and side is not None:
            try:
                doc = sidecar.load(side)
            except (OSError, ValueError):
                doc = None
        if doc is not None and not o.did:
            from .engine.record import what_was_done

            o.did = what_was_done(doc)
        self.written.add(id(o))
        self._emit(photo_line(o, doc, side))

    def summary(self, summary) -> None:
        """Lines for the files found and not read (they never reached the batch), then the summary."""
        for o in summary.outcomes:
            if id(o) not in self.written:
                self.written.add(id(o))
                self._emit(photo_line(o, None, None))
        self._emit({"type": "summary", **{s: summary.count(s) for s in ("done", "skipped", "failed", "unread",
                                                                          "planned")},
                    "seconds": round(summary.seconds, 2), "exit_code": summary.exit_code})
