"""One try of the closed loop (``artist.refine``) as its note says it, written and read in one place.

The loop records each try as a line of its notes ("strength 0.7: score 43 -> 81, accepted"), which
the sidecar keeps in ``refine``; the engine reads the accepted try's score from it for the
``result``, and the summary line reads the refusal, the eased strength and a colour taken for the
photo's own light, also from sidecars written by earlier runs. The note was once written in
``refine`` and read by a pattern in the engine, and the two drifted apart: a note ending with the
photo's own light, or carrying the progress of a pinned finding, was not read at all. ``Try.note``
writes what ``parse`` reads (``tests/core/test_tries.py`` checks both ways). Light: no torch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# what the loop says of a white balance that edits keeping greys grey made readable
OWN_LIGHT = "the photo's own light, which edits that move no grey that way cannot have cast"


@dataclass(frozen=True)
class Try:
    label: str  # "strength 0.7", "strength 1.0, exposure capped, shadows lifted"
    before: float  # the critic's score of the proxy before, and after the try (rounded in the note)
    after: float
    accepted: bool
    levels: bool = False  # judged again with a black point added
    progress: str = ""  # why an accepted try whose score did not rise still helps (a pinned finding)
    why: tuple[str, ...] = ()  # why a rejected one was: "new highlights (clipped)", "score did not rise"
    milder: tuple[tuple[str, str], ...] = ()  # milder findings it reveals and tolerates: ("noise", "present")
    light: tuple[tuple[str, str], ...] = ()  # white balances it reads as the photo's own light

    def note(self) -> str:
        head = f"{self.label}: score {self.before:.0f} -> {self.after:.0f}" + (" with levels" if self.levels else "")
        if self.progress:
            head += f" ({self.progress})"
        tail = ("; reveals milder " + _findings(self.milder)) if self.milder else ""
        if self.light:
            tail += "; reads " + _findings(self.light) + ": " + OWN_LIGHT
        if not self.accepted:
            return f"{head}, rejected" + (": " + "; ".join(self.why) if self.why else "") + tail
        return f"{head}, accepted" + tail


def _findings(pairs: tuple[tuple[str, str], ...]) -> str:
    return ", ".join(f"{a} ({d})" for a, d in pairs)


_FINDING = r"([a-z_]+) \(([a-z]+)\)"  # "noise (present)": attribute, direction
_FINDINGS = r"[a-z_]+ \([a-z]+\)(?:, [a-z_]+ \([a-z]+\))*"  # a list of them
_NOTE = re.compile(r"^(?P<label>strength [0-9.]+(?:, [a-z ,]+)?): score (?P<before>-?[0-9.]+) -> "
                   r"(?P<after>-?[0-9.]+)(?P<levels> with levels)?(?: \((?P<progress>.*)\))?, "
                   r"(?P<verdict>accepted|rejected)(?:: (?P<why>.*?))?"
                   rf"(?:; reveals milder (?P<milder>{_FINDINGS}))?"
                   rf"(?:; reads (?P<light>{_FINDINGS}): {re.escape(OWN_LIGHT)})?$")


def parse(note: str) -> Try | None:
    """The try a note records, or None where the note is not a try's ("strength 0.0: no strength
    improved the photo; left untouched", a pixel-scale op's note)."""
    m = _NOTE.match(note)
    if m is None:
        return None
    return Try(m["label"], float(m["before"]), float(m["after"]), m["verdict"] == "accepted",
               levels=bool(m["levels"]), progress=m["progress"] or "",
               why=tuple(m["why"].split("; ")) if m["why"] else (),
               milder=tuple(re.findall(_FINDING, m["milder"] or "")),
               light=tuple(re.findall(_FINDING, m["light"] or "")))


def accepted(notes: list[str]) -> Try | None:
    """The try the loop accepted, if it accepted one."""
    for n in notes:
        t = parse(n)
        if t is not None and t.accepted:
            return t
    return None


def first_refusal(notes: list[str]) -> Try | None:
    """The first try the loop refused, if it refused one."""
    for n in notes:
        t = parse(n)
        if t is not None and not t.accepted:
            return t
    return None
