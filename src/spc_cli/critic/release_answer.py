"""The SmartPhotoCrafter critic's answer format -> a Critique.

The released critic answers a fixed five-step instruction in three tagged parts:

    <think>(1) Image Quality ... (5) Concrete suggestions ...</think>
    <edit_start>1. slightly increase light and exposure
    2. moderately reduce noise</edit_end>
    <answer>62</answer>

The suggestions go through the same reader as the ``vlm`` critic's (``instructions``,
built on the hint grammar), so "slightly increase light and exposure" is the same edit
whoever wrote it. The whole reasoning is kept for the sidecar (``Critique.reasoning``),
its first sentences make the summary. A malformed or truncated answer (the model ran
out of tokens inside ``<think>``, forgot ``<answer>``, wrote suggestions spc has no edit
for) still gives a valid critique, with a note saying what was missing, as long as it holds
a score, a suggestion spc has an edit for or an edit block that says none is needed; an
answer with none of them cannot be read as a critique and is a ``CriticError`` (the photo
fails where the user sees it, never a score of 95).

This module needs no model library; ``critic.smartphotocrafter`` calls it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .base import Critique, Finding
from .instructions import merge_edits, parse_suggestions, trim_sentences

CONFIDENCE = 0.5  # the model judges by eye; it measures nothing

_THINK = re.compile(r"<think>(.*?)(?:</think>|$)", re.DOTALL | re.IGNORECASE)
_EDITS = re.compile(r"<edit_start>(.*?)(?:</?edit_end>|</edit_start>|<answer>|$)", re.DOTALL | re.IGNORECASE)
_ANSWER = re.compile(r"<answer>\s*(.*?)\s*(?:</answer>|$)", re.DOTALL | re.IGNORECASE)
_NUMBER = re.compile(r"-?\d{1,3}(?:\.\d+)?")
_TAG = re.compile(r"</?(think|edit_start|edit_end|answer)>", re.IGNORECASE)
# "1. ...", "2) ...", "- ...", "(3) ...", "Exposure: ..." items; also ";"-separated suggestions on one line
_ITEM_START = re.compile(r"^\s*(?:\(?\d{1,2}[.):]\)?|[-*\u2022])\s*")
_NONE = re.compile(r"^(none|nothing|n/?a|no (further )?(edits?|changes?|suggestions?|adjustments?|improvements?)"
                   r"( are)?( needed| required| necessary)?)\W*$", re.IGNORECASE)


@dataclass
class ReleaseAnswer:
    """The tagged parts of one answer, as written."""

    reasoning: str = ""  # inside <think> (whole)
    items: list[str] = field(default_factory=list)  # suggestion lines inside <edit_start>
    score: float | None = None  # inside <answer>, clamped to 0..100
    notes: list[str] = field(default_factory=list)  # what was missing or malformed
    tagged: bool = False  # any of the release's tags was found
    said_none: bool = False  # an edit block that lists no edit ("None", or empty)


def _items(block: str) -> list[str]:
    """Suggestion lines of an <edit_start> block: numbered, bulleted or one per line; a line
    that only names a category ("1. Exposure:") joins the line after it."""
    out: list[str] = []
    pending = ""
    for raw in block.splitlines():
        line = _ITEM_START.sub("", raw).strip().strip("*_ ").strip()
        if not line or _NONE.match(line):
            continue
        if line.endswith(":") and len(line.split()) <= 4:  # a category header
            pending = line
            continue
        for part in (p.strip() for p in re.split(r";\s+", line)):
            if part:
                out.append(f"{pending} {part}".strip() if pending else part)
        pending = ""
    return out


def read_answer(text: str, truncated: bool = False) -> ReleaseAnswer:
    """Split an answer into reasoning, suggestion lines and score. Never raises.

    ``truncated``: generation stopped at its token limit (not at the end-of-answer token).
    """
    out = ReleaseAnswer()
    if not isinstance(text, str) or not text.strip():
        out.notes.append("the critic's answer was empty")
        return out
    out.tagged = _TAG.search(text) is not None
    m = _THINK.search(text)
    if m:
        reasoning = m.group(1)
        if "</think>" not in text.lower():
            out.notes.append("the answer stopped inside <think> (no suggestions or score followed)"
                             if truncated or "<edit_start>" not in text.lower()
                             else "the reasoning's </think> is missing")
            reasoning = reasoning.split("<edit_start>")[0]
        out.reasoning = " ".join(_TAG.sub(" ", reasoning).split())
    else:
        head = re.split(r"<edit_start>|<answer>", text, maxsplit=1, flags=re.IGNORECASE)[0]
        out.reasoning = " ".join(_TAG.sub(" ", head).split())
        if out.reasoning:
            out.notes.append("the answer has no <think> section; its text before the suggestions is the reasoning")
    m = _EDITS.search(text)
    if m:
        out.items = _items(_TAG.sub("\n", m.group(1)))
        out.said_none = not out.items and bool(_NONE.match(m.group(1).strip(" \n-*_.")) or not m.group(1).strip())
    else:
        out.notes.append("the answer has no <edit_start> suggestions")
    m = _ANSWER.search(text)
    number = _NUMBER.search(m.group(1)) if m else None
    if number is not None:
        out.score = min(100.0, max(0.0, float(number.group(0))))
    else:
        out.notes.append("the answer has no <answer> score" + ("; it was cut off at the token limit" if truncated
                                                              else ""))
    return out


def score_from_severities(severities: list[float]) -> float:
    """A score when the model gave none: 95 for nothing wrong, lower as problems add up
    (the ``vlm`` critic's rule)."""
    return float(min(100.0, max(0.0, 95.0 - 30.0 * sum(severities))))


def critique_from_answer(text: str, truncated: bool = False) -> Critique:
    """The release's answer -> Critique: findings and an edit plan from the suggestions (through
    the hint grammar), the score, the whole reasoning, a shortened summary, and notes."""
    ans = read_answer(text, truncated)
    suggestions, dropped, seen = [], [], set()
    for item in ans.items:
        item = re.sub(r"[*_`]", "", item).strip()
        head = item.partition(":")[2] if re.match(r"^[A-Za-z /&]{2,30}:", item) else item
        found = parse_suggestions(head, reason=item) or parse_suggestions(item)
        if not found:
            dropped.append(item)
            continue
        for s in found:
            if s.attribute not in seen:
                seen.add(s.attribute)
                suggestions.append(s)
    findings = [Finding(attribute=s.attribute, direction=s.direction, severity=s.severity, confidence=CONFIDENCE,
                        measured={}, reason=s.text) for s in suggestions]
    notes = list(ans.notes)
    if ans.score is None and not suggestions and not ans.said_none:
        from ..errors import CriticError

        why = "; ".join(notes) or "no <answer> score and no suggestion spc has an edit for"
        raise CriticError(f"the smartphotocrafter critic's answer could not be read as a critique ({why}): "
                          f"{_excerpt(text)}")
    score = ans.score
    if score is None:
        score = score_from_severities([s.severity for s in suggestions])
        notes.append(f"score {score:.0f} derived from the suggestions' degrees")
    plan = merge_edits([s.edit for s in suggestions])
    summary = (_summary(ans.reasoning, [s.instruction for s in suggestions], dropped) if ans.tagged else
               "The critic's answer could not be read (none of <think>, <edit_start>, <answer>); no edits suggested.")
    if dropped:
        notes.append("suggestions spc has no edit for: " + "; ".join(f"'{d[:80]}'" for d in dropped))
    measurements = {"release_suggestions": float(len(suggestions)), "release_dropped": float(len(dropped)),
                    "release_truncated": float(bool(truncated))}
    if ans.score is not None:
        measurements["release_score"] = float(ans.score)
    return Critique(score=score, summary=summary, findings=findings, plan=plan, measurements=measurements,
                    reasoning=ans.reasoning, notes=notes)


def _excerpt(text, most: int = 60) -> str:
    flat = " ".join(str(text or "").split())
    return "(empty)" if not flat else repr(flat if len(flat) <= most else flat[:most] + "...")


def _summary(reasoning: str, instructions: list[str], dropped: list[str]) -> str:
    """Two sentences of the reasoning's conclusion (section (5) when it is numbered, else its
    start), then what is suggested in spc's words."""
    tail = re.split(r"\(5\)|\b5\.\s", reasoning, maxsplit=1)
    text = tail[1] if len(tail) == 2 and len(tail[1].split()) > 4 else reasoning
    text = re.sub(r"^[\s:.-]*(concrete and concise suggestions[^:.]*[:.])?\s*", "", text, flags=re.IGNORECASE)
    head = trim_sentences(text, 2)
    if len(head) > 400:
        head = head[:399].rsplit(" ", 1)[0] + "\u2026"
    if head and head[-1] not in ".!?\u2026":
        head += "."
    parts = [head[:1].upper() + head[1:]] if head else []
    if instructions:
        parts.append("Suggested: " + "; ".join(instructions) + ".")
    elif not dropped:
        parts.append("The critic suggests no edits.")
    if dropped:
        parts.append("Not mapped to an edit: " + "; ".join(f"'{d[:60]}'" for d in dropped[:3]) + ".")
    return " ".join(parts) or "The critic's answer could not be read; no edits suggested."
