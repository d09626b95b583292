"""Shared helpers for the reliability suite: photo generators, input snapshots, CLI runners."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from typer.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
TEMP_MARK = "spc-tmp"


# ---------------------------------------------------------------- photos

def scene(h: int = 64, w: int = 96, seed: int = 0, ev: float = 0.0) -> np.ndarray:
    """A smooth natural-looking sRGB uint8 scene; ``ev`` < 0 darkens it (needs an exposure edit)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    ph = rng.random(3) * 6
    base = np.stack([0.45 + 0.3 * np.sin(6 * x + ph[0]), 0.45 + 0.25 * np.cos(5 * y + ph[1]),
                     0.4 + 0.3 * x * y + 0.05 * np.sin(ph[2])], -1)
    base += 0.06 * np.sin(40 * x * (1 + y) + ph[2])[..., None]
    base[h // 3: h // 2, w // 4: w // 2] = [0.92, 0.9, 0.88]
    base[2 * h // 3:, : w // 5] = [0.06, 0.07, 0.05]
    base = np.clip(base, 0, 1)
    if ev:
        base = np.clip(base ** 2.2 * 2 ** ev, 0, 1) ** (1 / 2.2)
    return (base * 255).round().astype(np.uint8)


def save(path: Path, arr: np.ndarray, **kw) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".jpg", ".jpeg"):
        kw.setdefault("quality", 92)
    Image.fromarray(arr).save(path, **kw)
    return path


def make_batch(folder: Path, n: int, size: tuple[int, int] = (64, 96), seed: int = 0) -> list[Path]:
    """``n`` photos alternating PNG/JPEG, every third one a stop and a half under-exposed."""
    out = []
    for i in range(n):
        h, w = size
        ext = ".png" if i % 2 == 0 else ".jpg"
        out.append(save(folder / f"img_{i:03d}{ext}", scene(h, w, seed + i, ev=-1.5 if i % 3 == 0 else 0.0)))
    return out


# ---------------------------------------------------------------- inputs never change

def _fingerprint(path: Path) -> tuple[str, int]:
    st = os.stat(path)
    return hashlib.sha256(path.read_bytes()).hexdigest(), st.st_mtime_ns


class InputGuard:
    """Snapshot every input file (sha256, mtime_ns) and the set of files in input folders."""

    def __init__(self) -> None:
        self._files: dict[Path, tuple[str, int]] = {}
        self._listings: dict[Path, tuple[set[str], tuple[Path, ...]]] = {}

    def freeze(self, *roots: Path, exclude: tuple[Path, ...] = ()) -> None:
        """Remember every file under ``roots`` (symlinks not followed); ``exclude``: output folders."""
        for root in roots:
            root = Path(root)
            if root.is_file() or root.is_symlink() and not root.is_dir():
                if root.is_file():
                    self._files[root] = _fingerprint(root)
                continue
            self._listings[root] = (self._listing(root, exclude), tuple(exclude))
            for p in self._walk(root, exclude):
                if p.is_file() and not p.is_symlink():
                    self._files[p] = _fingerprint(p)

    @staticmethod
    def _walk(root: Path, exclude: tuple[Path, ...]):
        ex = [os.path.abspath(e) for e in exclude]
        for dirpath, dirnames, filenames in os.walk(root):  # does not follow symlinked folders
            dirnames[:] = [d for d in dirnames if os.path.abspath(os.path.join(dirpath, d)) not in ex]
            for name in filenames:
                yield Path(dirpath) / name

    def _listing(self, root: Path, exclude: tuple[Path, ...]) -> set[str]:
        return {str(p.relative_to(root)) for p in self._walk(root, exclude)}

    @property
    def count(self) -> int:
        return len(self._files)

    def check(self) -> None:
        changed = []
        for path, before in self._files.items():
            if not path.exists():
                changed.append(f"{path}: deleted")
            elif _fingerprint(path) != before:
                now = _fingerprint(path)
                what = "bytes" if now[0] != before[0] else "mtime"
                changed.append(f"{path}: {what} changed")
        for root, (names, exclude) in self._listings.items():
            extra = self._listing(root, exclude) - names
            if extra:
                changed.append(f"{root}: new files in an input folder: {sorted(extra)[:5]}")
        assert not changed, "inputs were modified:\n" + "\n".join(changed)


# ---------------------------------------------------------------- running the CLI

runner = CliRunner()


@dataclass
class Result:
    exit_code: int
    output: str


def cli(*args: str | Path) -> Result:
    """Run ``spc ARGS`` in-process; stdout and stderr together in ``output``."""
    from spc_cli.cli import app

    r = runner.invoke(app, [str(a) for a in args], catch_exceptions=False)
    out = r.output
    try:  # click >= 8.2 mixes stderr in; older keeps it apart
        if r.stderr and r.stderr not in out:
            out += r.stderr
    except ValueError:
        pass
    return Result(r.exit_code, out)


def subprocess_env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(REPO / "src") + os.pathsep + env.get("PYTHONPATH", "")
    env["COLUMNS"] = "200"
    return env


SPC = [sys.executable, "-m", "spc_cli.cli"]


class ForkServer:
    def __init__(self) -> None:
        self.proc = subprocess.Popen([sys.executable, str(Path(__file__).with_name("_forkserver.py"))],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=subprocess_env())
        ready = json.loads(self.proc.stdout.readline())
        assert "ready" in ready

    def _ask(self, req: dict) -> dict:
        self.proc.stdin.write(json.dumps(req) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        assert line, "fork server died"
        return json.loads(line)

    def start(self, args: list[str], log: Path) -> int:
        return self._ask({"run": ["enhance", *[str(a) for a in args]], "log": str(log)})["pid"]

    def poll(self, pid: int) -> int | None:
        return self._ask({"poll": pid})["status"]

    def wait(self, pid: int) -> int:
        return self._ask({"wait": pid})["status"]

    def wait_usage(self, pid: int) -> tuple[int, int]:
        """(status, peak RSS in kB) of a finished run."""
        r = self._ask({"wait": pid})
        return r["status"], r["maxrss_kb"]

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)


# ---------------------------------------------------------------- looking at outputs

def failure_lines(output: str) -> list[str]:
    return [ln for ln in output.splitlines() if ln.lstrip().startswith(("failed", "x "))]


def temp_files(root: Path) -> list[Path]:
    return [p for p in Path(root).rglob("*") if TEMP_MARK in p.name]


def outputs(root: Path) -> dict[str, Path]:
    """Relative path -> image output under ``root`` (sidecars and the lock file left out)."""
    return {str(p.relative_to(root)): p for p in sorted(Path(root).rglob("*"))
            if p.is_file() and not p.name.endswith(".spc.json") and p.name != ".spc.lock"
            and TEMP_MARK not in p.name}


def sidecar_path(image: Path) -> Path:
    """``<stem>.spc.json``, or ``<name>.spc.json`` where two outputs share a stem."""
    full = image.with_name(image.name + ".spc.json")
    return full if full.is_file() else image.with_name(image.stem + ".spc.json")


def sidecar_of(image: Path) -> dict:
    """The output's sidecar, checked to describe this very file."""
    doc = json.loads(sidecar_path(image).read_text(encoding="utf-8"))
    assert doc["schema"] >= 1 and doc["output"]["bytes"] == image.stat().st_size, image
    assert Path(doc["output"]["path"]).name == image.name, image
    return doc


def decode_pixels(path: Path) -> np.ndarray:
    """The file's stored pixels exactly (uint8/uint16), any channel count, via OpenCV or Pillow."""
    import cv2

    arr = cv2.imdecode(np.fromfile(str(path), np.uint8), cv2.IMREAD_UNCHANGED)
    if arr is None:
        with Image.open(path) as im:
            im.load()
            arr = np.asarray(im)
    assert arr is not None and arr.size > 0, path
    return arr


def assert_all_under(root: Path, paths) -> None:
    real_root = os.path.realpath(root)
    for p in paths:
        real = os.path.realpath(p)
        assert real == real_root or real.startswith(real_root + os.sep), f"{p} escapes {root}"
