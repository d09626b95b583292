"""The weights manifest (``weights/manifest.json``, installed as ``spc_cli.weights``).

One entry per model spc knows: where it comes from (a hub id at a pinned revision, or
trained here; a hub source that cannot be pinned has ``revision: null`` and says why in
``unpinned``), its licence, size and memory needs, and ``{path, bytes, sha256, shipped}``
for its files. Shipped files lie beside the manifest and are checked against their sha256
before use: a missing or changed file is a :class:`WeightsError` (exit 2) naming the file
and the checksums, never a silent fall-back.

    >>> entry = find("qwen2.5-vl-7b-instruct")
    >>> entry["backend"], entry["source"]["hub"]
    ('vlm', 'Qwen/Qwen2.5-VL-7B-Instruct')
"""

from __future__ import annotations

import hashlib
import json
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import UsageError

MANIFEST = "manifest.json"
ROLES = ("critic", "artist", "critic+artist")
REQUIRED = ("name", "backend", "role", "source", "licence", "size_bytes", "memory", "files")


class WeightsError(UsageError):
    """A shipped weights file is missing or does not match the manifest's checksum (exit 2)."""


def folder() -> Path:
    """The installed ``weights`` folder (``weights/`` of the source tree in an editable install)."""
    return Path(str(resources.files("spc_cli.weights")))


@lru_cache(maxsize=None)
def load() -> dict[str, Any]:
    """The manifest, validated: every entry has the required fields, a known role, and files
    with a path, byte count and sha256 (a shipped file must have all three)."""
    path = folder() / MANIFEST
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as e:
        raise WeightsError(f"{path}: the weights manifest cannot be read ({e})") from e
    validate(doc, path)
    return doc


def validate(doc: dict[str, Any], path: Path | str = MANIFEST) -> None:
    if not isinstance(doc, dict) or doc.get("schema") != 1 or not isinstance(doc.get("models"), list):
        raise WeightsError(f"{path}: not a schema-1 weights manifest")
    names = set()
    for entry in doc["models"]:
        missing = [k for k in REQUIRED if k not in entry]
        if missing:
            raise WeightsError(f"{path}: entry {entry.get('name', '?')!r} lacks {', '.join(missing)}")
        if entry["name"] in names:
            raise WeightsError(f"{path}: two entries are named {entry['name']!r}")
        names.add(entry["name"])
        if entry["role"] not in ROLES:
            raise WeightsError(f"{path}: {entry['name']}: role must be one of {ROLES}")
        src = entry["source"]
        if not (("hub" in src and "revision" in src) or "trained_here" in src):
            raise WeightsError(f"{path}: {entry['name']}: source needs a hub id and revision, or trained_here")
        if "hub" in src and not src["revision"] and not src.get("unpinned"):
            raise WeightsError(f"{path}: {entry['name']}: a hub source without a pinned revision must say why "
                               "(source.unpinned)")
        for f in entry["files"]:
            if f.get("shipped") and not all(f.get(k) for k in ("path", "bytes", "sha256")):
                raise WeightsError(f"{path}: {entry['name']}: a shipped file needs path, bytes and sha256")


def entries(backend: str | None = None) -> list[dict[str, Any]]:
    return [e for e in load()["models"] if backend is None or e["backend"] == backend]


def find(name: str) -> dict[str, Any]:
    for e in load()["models"]:
        if e["name"] == name:
            return e
    raise WeightsError(f"no model named {name!r} in the weights manifest")


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


def verify_file(path: Path, sha256: str, size: int | None = None) -> Path:
    """``path`` if it exists and its content has ``sha256``; else a one-line WeightsError."""
    if not path.is_file():
        raise WeightsError(f"{path}: weights file is missing (expected sha256 {sha256}); "
                           "reinstall spc-cli or rebuild it with the command in weights/manifest.json")
    got = sha256_of(path)
    if got != sha256:
        raise WeightsError(f"{path}: weights file is corrupt: sha256 {got}, expected {sha256}"
                           + (f" ({path.stat().st_size} bytes, expected {size})" if size else ""))
    return path


def shipped_file(name: str, path: str | None = None, base: Path | None = None) -> Path:
    """The checked local path of a shipped file of model ``name`` (its first, or ``path``)."""
    entry = find(name)
    files = [f for f in entry["files"] if f.get("shipped") and (path is None or f["path"] == path)]
    if not files:
        raise WeightsError(f"model {name!r} ships no file" + (f" {path!r}" if path else ""))
    f = files[0]
    return verify_file((base or folder()) / f["path"], f["sha256"], f.get("bytes"))


def by_hub(hub: str) -> dict[str, Any] | None:
    """The manifest entry of a Hub repository, if spc knows it."""
    for e in load()["models"]:
        if e["source"].get("hub") == hub:
            return e
    return None


def pinned_revision(hub: str) -> str | None:
    """The commit spc pins for a Hub repository (None: not in the manifest, or unpinned)."""
    entry = by_hub(hub)
    return entry["source"].get("revision") if entry else None


def fetch_command(hub: str, include: tuple[str, ...] | list[str] | None = None, local_dir: str | None = None) -> str:
    """The exact command that fetches a Hub repository at its pinned revision (when pinned), only
    the files spc uses (the entry's ``fetch_include``) unless ``include`` says otherwise."""
    parts = ["hf", "download", hub]
    entry = by_hub(hub)
    rev = entry["source"].get("revision") if entry else None
    if include is None:
        include = (entry or {}).get("fetch_include", ())
    if rev:
        parts += ["--revision", rev]
    for pattern in include:
        parts += ["--include", f"'{pattern}'" if any(c in pattern for c in "*?[") else pattern]
    if local_dir:
        parts += ["--local-dir", local_dir]
    return " ".join(parts)
