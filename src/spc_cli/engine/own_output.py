"""spc's own outputs: a photo spc wrote is not enhanced again.

A photo spc enhanced is, to its critic, a photo like any other, and the critic's reading of it
is not always "nothing to fix": a darkening that keeps a blown sky white leaves the frame's mean
as bright as the blown area makes it (the critic would darken the mid-tones again, and again on
every further run), an exposure or a sharpening planned at part of its reading (a +3 EV cap, a
deconvolution at 0.6 of the blur read) leaves the rest to be read once more. Run on a folder of
its own outputs (a cron job pointed at the wrong folder, outputs moved back among the
originals), spc would edit each of them again, and a photo would drift a little further with
every run.

So an input that spc wrote itself is left as it is: it is recognised by the sidecar beside it
(``<stem>.spc.json``), whose ``output`` names this very file (the same name, the same size in
bytes). Its critique is still made and recorded; a hint the user gives is applied to it alone (as
``--hint-only`` applies one), and ``--force`` enhances it again. A photo whose sidecar was not
kept beside it (copied on its own, renamed) is not recognised and is enhanced as any other.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .. import sidecar

# how the note a recognised photo's sidecar carries begins (``what_was_done`` reads it back)
NOTE = "spc's own output"


def own_sidecar(source: Path) -> tuple[Path, dict[str, Any]] | None:
    """``(path, record)`` of the sidecar that says ``source`` is an output spc wrote, or None: the
    ``<stem>.spc.json`` (or ``<name>.spc.json``, ``sidecar.paths_of``) beside it, readable, whose
    ``output`` has ``source``'s name and size. A sidecar of a photo that failed (no output), of
    another file (the input a ``retouch`` output sits beside) or of an earlier version of the file
    (its size since changed) is not one."""
    for side in sidecar.paths_of(source):
        doc = sidecar.read_quietly(side)
        if doc is None or sidecar.output_name(doc) != source.name:
            continue
        try:
            if doc["output"].get("bytes") == source.stat().st_size:
                return side, doc
        except OSError:
            return None
    return None


def own_record(source: Path) -> dict[str, Any] | None:
    """The record of ``own_sidecar``, or None."""
    found = own_sidecar(source)
    return None if found is None else found[1]


def note(found: tuple[Path, dict[str, Any]], hinted: bool) -> str:
    """The sidecar note of a photo recognised as spc's output (``found``: ``own_sidecar``'s)."""
    side, doc = found
    applied = {a.get("op") for a in doc.get("applied") or []}
    made = [e.get("instruction") or e.get("op") for e in doc.get("plan") or [] if e.get("op") in applied]
    how = "; ".join(m for m in made if m) or "copied unchanged"
    what = "only the hint is applied" if hinted else "not enhanced again"
    return (f"{NOTE} ({side.name} records it: {how}): {what}; "
            "--force enhances it again")


def noted(notes: list[str]) -> bool:
    """Whether a sidecar's ``notes`` say the photo was recognised as spc's own output."""
    return any(isinstance(n, str) and n.startswith(NOTE + " (") for n in notes)
