"""Natural-language hints -> edits: "warmer tones", "much brighter, keep the highlights", "+0.7 EV".

A hint is clauses split on commas, "and", "but", "with"; each clause is an optional degree
("a touch" ... "extremely") and an intent (warmer, darker, less contrast, lift the shadows,
neutral colours, a named look), or a number in the intent's own units ("+0.7 EV",
"5600K", "contrast +20", "saturation -30 %"), or a protection ("keep the highlights").
Anything else is a usage error naming the words not understood and the closest phrases
that are. ``grammar`` reads the words, ``assemble`` and ``solve`` turn them into op
parameters for one photo (a degree is a visible change: see README, "Hints"), ``protect``
holds what the user asked to keep.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..plan import EditPlan
from .grammar import Clause, describe, read
from .light import estimated_cast

__all__ = ["HintPlan", "describe", "estimated_cast", "explain_lines", "hint_record", "merge", "needs_photo",
           "parse_hint", "read"]


@dataclass
class HintPlan(EditPlan):
    """The hint's edits for one photo, with how each clause was understood (``records``) and
    what it asked to keep (``protect``: "highlights", "shadows")."""

    text: str = ""
    clauses: list[Clause] = field(default_factory=list)
    records: list[dict] = field(default_factory=list)
    protect: tuple[str, ...] = ()
    built_for_photo: bool = False


def needs_photo(text: str) -> bool:
    """Whether the hint's edits depend on the photo: a degree is a visible change, measured on
    the photo; only numbers that are op parameters themselves (EV, N/100) do not, but for a
    darkening in stops, whose roll-off keeps a camera JPEG's highlights bright as far as the photo
    calls for (``critic.advise.keep_white``)."""
    return any(c.kind in ("neutral", "kelvin", "protect", "auto_exposure")
               or (c.kind == "dial" and c.unit not in ("ev", "range"))
               or (c.kind == "dial" and c.unit == "ev" and (c.value or 0.0) < 0) for c in read(text))


COMPOSABLE = ("white_balance", "exposure")  # ops whose edits compose exactly: gains multiply, stops add


def composable_ops(clauses: list[Clause]) -> set[str]:
    """The ops a hint's clauses (``HintPlan.clauses``) turn by a dial alone ("slightly cooler",
    "+0.3 EV"), whose edit can go on top of a series' matching edit of the same op instead of
    replacing it; not "neutral colours", a kelvin target or "fix the exposure", which set the
    op's result themselves."""
    from .assemble import op_of

    by_op: dict[str, list[str]] = {}
    for c in clauses:
        if c.kind != "protect":
            by_op.setdefault(op_of(c), []).append(c.kind)
    return {op for op, kinds in by_op.items() if op in COMPOSABLE and all(k == "dial" for k in kinds)}


def parse_hint(text: str, photo=None, measurements: dict[str, float] | None = None,
               base: EditPlan | None = None, pre: EditPlan | None = None) -> HintPlan:
    """Turn a hint into edits for ``photo``.

    With a photo, each degree is solved on its proxy for the visible change it asks for, on
    the photo as it stands when the op runs (``base``: the edits rendered with the hint's,
    e.g. the critic's plan; ``pre``: edits the hint's own go on top of, rendered first even for
    the ops the hint names, e.g. a series' matching white balance); ``measurements`` are the
    critic's (its estimate of the light). Without a photo the edits are what a typical photo
    needs, enough to check a hint.

    >>> [e.op for e in parse_hint("a bit warmer and more contrast").edits]
    ['white_balance', 'contrast']
    """
    from .assemble import assemble

    clauses = read(text)
    edits, records = assemble(clauses, photo, measurements, base, pre)
    protect = tuple(c.dial for c in clauses if c.kind == "protect")
    return HintPlan(edits, text=text, clauses=clauses, records=records, protect=protect,
                    built_for_photo=photo is not None)


def hinted_ops(hint_plan: EditPlan | None) -> set[str]:
    """The ops a hint's edits decide, where another plan's edits of them give way: its own, both
    white-balance ops where it names either (the regional one includes the global cast)."""
    hinted = {e.op for e in hint_plan.edits} if hint_plan is not None else set()
    if hinted & {"white_balance", "local_white_balance"}:
        hinted |= {"white_balance", "local_white_balance"}
    return hinted


def merge(critic_plan: EditPlan, hint_plan: EditPlan, photo=None) -> tuple[EditPlan, list[str]]:
    """The user's intent wins on the ops it names (both white-balance ops count as one); the
    critic's other fixes stay. A protection ("keep the highlights") then limits the whole plan,
    measured on ``photo``'s proxy."""
    hinted = hinted_ops(hint_plan)
    notes = [f"the hint replaces the critic's {e.op} edit ({e.instruction})"
             for e in critic_plan.edits if e.op in hinted]
    kept = [e for e in critic_plan.edits if e.op not in hinted]
    plan = EditPlan(kept + list(hint_plan.edits))
    protect = getattr(hint_plan, "protect", ())
    if protect and photo is not None:
        from .protect import protect_plan

        plan, more = protect_plan(plan, protect, photo)
        notes += more
    return plan, notes


def hint_record(text: str, hint_plan: EditPlan, hint_only: bool = False) -> dict:
    """The sidecar's ``hint`` block: the text, the edits, and how each clause was understood."""
    out = {"text": text, "edits": hint_plan.to_list()}
    if isinstance(hint_plan, HintPlan):
        out["clauses"] = hint_plan.records
        if hint_plan.protect:
            out["protect"] = list(hint_plan.protect)
    if hint_only:
        out["hint_only"] = True
    return out


def explain_lines(plan: HintPlan) -> list[str]:
    """One line per clause: clause -> op, direction, amount (target and achieved when solved)."""
    lines = []
    for r in plan.records:
        head = f"{r['clause']!r} -> "
        if r.get("protect"):
            lines.append(head + f"protect the {r['protect']} (limits every other edit)")
            continue
        way = {"up": "up", "down": "down"}.get(r.get("direction", ""), "")
        amount = f"{r['param']}={r['value']:+g}" if isinstance(r.get("value"), (int, float)) else ""
        text = f"{r['op']} {way} {amount}".replace("  ", " ").strip()
        if "target" in r:
            text += f"; {r['measure']} {r['target']:+.1f}"
            if "eased_to" in r and abs(r["eased_to"]) < 0.97 * abs(r["target"]):
                text += f" (eased to {r['eased_to']:+.1f}: near the most the op gives)"
            text += f", achieved {r['achieved']:+.1f}"
        if r.get("mode"):
            text += (f"; {r['mode']} white balance (coolest and warmest regions' light "
                     f"{r['light']['separation']:.2f} log R/B apart)")
        if r.get("look"):
            text += f" [look: {r['look']}]"
        if r.get("note"):
            text += f" ({r['note']})"
        lines.append(head + f"{r['understood']}: " + text)
    return lines
