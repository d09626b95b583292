"""The JSON sidecar written beside every output: what was seen, suggested and applied.

Schema history (only fields are ever added; older sidecars still load):
  1 -- input, output, critique, plan, applied, refine, backends, settings, timings_ms, notes
  2 -- result: the critic's score of the photo as written, and what it was measured on
  3 -- series: the series the photo was corrected with (its key, members, what was shared)
  4 -- error: why a photo that was read then failed (its output is null: no image was written)
  5 -- left_alone: planned edits the artist did not render after all ({op, instruction, reason});
       before 5 such a reason was only one of the notes (older sidecars are read into the field)
"""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

SCHEMA = 5
SUFFIX = ".spc.json"


NAME_MAX = 255  # bytes in one file name on the common file systems (ext4, APFS, NTFS in UTF-16 units)


def sidecar_path(output: Path) -> Path:
    """``<stem>.spc.json`` beside the output image (``fit_name`` where that is too long); an output
    already named ``<stem>.spc<ext>`` (``retouch`` beside its input) gets ``<stem>.spc.json``, not
    ``<stem>.spc.spc.json``."""
    stem = output.stem
    if stem.lower().endswith(".spc") and len(stem) > 4:
        stem = stem[:-4]
    return output.with_name(fit_name(stem, SUFFIX, output.name))


def full_name_path(output: Path) -> Path:
    """``<name>.spc.json`` beside the output (``x.spc.jpg.spc.json``): its sidecar where
    ``sidecar_path`` is taken (two outputs of one run would share it, or it records another file:
    ``records_another``)."""
    return output.with_name(fit_name(output.name, SUFFIX, output.name))


def paths_of(output: Path) -> list[Path]:
    """Where the sidecar of ``output`` may be: ``sidecar_path``, then ``full_name_path``."""
    return [sidecar_path(output), full_name_path(output)]


def read_quietly(side: Path) -> dict[str, Any] | None:
    """The sidecar at ``side`` (``load``), or None where there is none or it cannot be read."""
    try:
        return load(side) if side.is_file() else None
    except (OSError, ValueError, TypeError):
        return None


def output_name(doc: dict[str, Any]) -> str | None:
    """The file name of the output a sidecar records, or None (a photo that failed has none)."""
    out = doc.get("output")
    return Path(str(out["path"])).name if isinstance(out, dict) and out.get("path") else None


def records(side: Path, output: Path) -> bool:
    """Whether the sidecar ``side`` exists and is the record of ``output`` (by name)."""
    doc = read_quietly(side)
    return doc is not None and output_name(doc) == output.name


def records_another(side: Path, output: Path) -> bool:
    """Whether the sidecar ``side`` is the record of a file other than ``output`` that is still
    there beside it (so writing ``output``'s record there would lose it)."""
    doc = read_quietly(side)
    name = None if doc is None else output_name(doc)
    return name is not None and name != output.name and side.with_name(name).is_file()


def fit_name(stem: str, suffix: str, whole: str) -> str:
    """``stem + suffix``, or, where that is longer than NAME_MAX bytes (a photo whose name already
    nears the limit gains ".spc.json"), the stem cut to fit with ``~`` and 8 hex digits of the
    hash of ``whole`` (the output's own name) before the suffix: distinct for distinct outputs,
    the same on every run."""
    import hashlib
    import os

    from .io.atomic import cut_name

    name = stem + suffix
    if len(os.fsencode(name)) <= NAME_MAX:
        return name
    tag = "~" + hashlib.sha256(os.fsencode(whole)).hexdigest()[:8]
    return cut_name(stem, NAME_MAX - len(os.fsencode(tag + suffix))) + tag + suffix


def versions() -> dict[str, str]:
    """Versions of spc and the libraries whose behaviour shapes the pixels."""
    from importlib import metadata

    from . import __version__

    out = {"spc": __version__, "python": platform.python_version()}
    for dist in ("torch", "numpy", "pillow", "opencv-python-headless", "rawpy", "exifread", "tifffile"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            pass
    return out


def build(*, photo_info: dict[str, Any], output_info: dict[str, Any] | None, critique: dict[str, Any],
          plan: list[dict[str, Any]], applied: list[dict[str, Any]], backends: dict[str, Any],
          settings: dict[str, Any], settings_key: str, timings_ms: dict[str, float],
          exif: dict[str, str] | None = None, refine: list[str] | None = None,
          notes: list[str] | None = None, hint: dict[str, Any] | None = None,
          result: dict[str, Any] | None = None, series: dict[str, Any] | None = None,
          error: str | None = None, left_alone: list[dict[str, str]] | None = None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "schema": SCHEMA,
        "error": error,
        "input": {**photo_info, "exif": exif or {}},
        "output": output_info,
        "critique": critique,
        "plan": plan,
        "applied": applied,
        "left_alone": left_alone or [],
        "refine": refine or [],
        "result": result or {"score": None, "measured_on": None},
        "series": series,
        "backends": backends,
        "settings": settings,
        "settings_key": settings_key,
        "timings_ms": {k: round(v, 1) for k, v in timings_ms.items()},
        "notes": notes or [],
    }
    if hint is not None:
        doc["hint"] = hint
    return doc


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def load(path: Path) -> dict[str, Any]:
    """Read a sidecar of any schema version up to ours; missing later fields get defaults."""
    doc = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(doc, dict) or "schema" not in doc:
        raise ValueError(f"{path}: not an spc sidecar")
    if int(doc["schema"]) > SCHEMA:
        raise ValueError(f"{path}: sidecar schema {doc['schema']} is newer than this spc ({SCHEMA})")
    doc.setdefault("refine", [])
    doc.setdefault("notes", [])
    doc.setdefault("result", {"score": None, "measured_on": None})
    doc.setdefault("series", None)
    doc.setdefault("error", None)
    if "left_alone" not in doc:
        doc["left_alone"] = _left_alone_in_notes(doc)
    return doc


def _left_alone_in_notes(doc: dict[str, Any]) -> list[dict[str, str]]:
    """A sidecar before schema 5 said why an edit was not rendered only in a note: the camera
    shake deconvolution's, which begins with ``ops.shake.NOT_DONE``."""
    from .ops.shake import NOT_DONE

    words = {e.get("op"): e.get("instruction") or e.get("op") for e in doc.get("plan", [])}
    return [{"op": "deblur", "instruction": words.get("deblur", "deblur"), "reason": n}
            for n in doc.get("notes", []) if isinstance(n, str) and n.startswith(f"{NOT_DONE} ")]


# Tags from the input's EXIF (exifread names) recorded in the sidecar as critic context.
EXIF_KEYS = ("Image Make", "Image Model", "EXIF LensModel", "EXIF DateTimeOriginal", "EXIF ExposureTime",
             "EXIF FNumber", "EXIF ISOSpeedRatings", "EXIF FocalLength", "EXIF ExposureBiasValue",
             "EXIF Flash", "Image Orientation")


def exif_summary(tags: dict[str, str]) -> dict[str, str]:
    return {k: tags[k] for k in EXIF_KEYS if k in tags}
