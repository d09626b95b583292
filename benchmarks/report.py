"""Shared output helpers for the benchmark scripts: markdown tables, environment, JSON."""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import subprocess
from pathlib import Path
from typing import Any, Sequence

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"  # *.json here is git-ignored
WORK_DIR = BENCH_DIR / "_work"  # scratch images, git-ignored


def fmt(x: Any, nd: int = 2, pct: bool = False) -> str:
    """A table cell: numbers rounded, None as an en dash, shares as percentages."""
    if x is None:
        return "–"
    if isinstance(x, str):
        return x
    if pct:
        return f"{100 * x:.0f}%"
    if isinstance(x, int):
        return str(x)
    return f"{x:.{nd}f}"


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub markdown table with columns padded for reading in a terminal."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    line = lambda r: "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths)) + " |"  # noqa: E731
    sep = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(cells[0]), sep] + [line(r) for r in cells[1:]])


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], note: str = "") -> str:
    """Print a titled table and return the same text (for the README)."""
    text = f"### {title}\n\n{markdown_table(headers, rows)}\n"
    if note:
        text += f"\n{note}\n"
    print("\n" + text, flush=True)
    return text


def utc_now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _git_commit() -> str | None:
    try:
        r = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BENCH_DIR, capture_output=True,
                           text=True, timeout=10)
        return r.stdout.strip() or None
    except (OSError, subprocess.TimeoutExpired):
        return None


def environment() -> dict[str, Any]:
    """What the figures were measured on."""
    env: dict[str, Any] = {"date": utc_now(), "host": platform.node(), "cpus": os.cpu_count(),
                           "platform": platform.platform(), "python": platform.python_version(),
                           "git_commit": _git_commit()}
    for mod in ("numpy", "torch", "PIL", "cv2", "skimage", "spc"):
        try:
            m = __import__(mod)
            env[f"{mod}_version"] = getattr(m, "__version__", "?")
        except Exception as e:  # noqa: BLE001 - record, never fail on a version probe
            env[f"{mod}_version"] = f"unavailable ({type(e).__name__})"
    try:
        import torch

        env["torch_threads"] = torch.get_num_threads()
        env["cuda"] = torch.cuda.get_device_name(0) if torch.cuda.is_available() else None
    except Exception:  # noqa: BLE001
        pass
    return env


def write_json(obj: dict[str, Any], stem: str, path: Path | None = None) -> Path:
    """Write results to ``path`` or ``results/<stem>-<timestamp>.json``, and a copy to
    ``results/<stem>-latest.json``; returns the path written."""
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = _dt.datetime.now(_dt.timezone.utc).strftime("%Y%m%d-%H%M%S")
    path = path or RESULTS_DIR / f"{stem}-{stamp}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(obj, indent=1, default=_jsonable)
    path.write_text(text)
    (RESULTS_DIR / f"{stem}-latest.json").write_text(text)
    return path


def _jsonable(x: Any) -> Any:
    try:
        import numpy as np

        if isinstance(x, np.generic):
            return x.item()
        if isinstance(x, np.ndarray):
            return x.tolist()
    except ImportError:
        pass
    if isinstance(x, Path):
        return str(x)
    return str(x)
