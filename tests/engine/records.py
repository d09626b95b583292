"""What two runs are compared on: each output folder's sidecars, without their timings."""

from __future__ import annotations

import json
from pathlib import Path


def sidecars(out: Path) -> dict[str, dict]:
    """Every sidecar under ``out`` by relative path, timings dropped and output paths relative."""
    docs = {}
    for p in sorted(out.rglob("*.spc.json")):
        doc = json.loads(p.read_text())
        doc.pop("timings_ms")
        if doc["output"] is not None:  # None: the photo failed after it was read
            doc["output"]["path"] = str(Path(doc["output"]["path"]).relative_to(out))
        docs[str(p.relative_to(out))] = doc
    return docs
