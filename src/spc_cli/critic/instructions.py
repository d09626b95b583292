"""Free-text critique -> attributes, findings and edits.

A vision-language critic answers in prose: a reasoning, numbered suggestions in the
form "<degree> <verb> <attribute>" ("slightly increase light and exposure",
"moderately reduce haze") and "Score: N/100". This module reads that text
robustly. Each suggestion becomes an attribute from ``ATTRIBUTES``, a direction,
a severity taken from the degree word, and an edit built with the hint grammar
(``spc_cli.hints``), so the same words give the same edit whoever wrote them.
Suggestions it cannot map are kept as text and reported, never guessed.

>>> s = parse_suggestion("slightly increase light and exposure")
>>> s.attribute, s.up, s.degree
('exposure', True, 'slightly')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..hints import parse_hint
from ..plan import Edit, EditPlan, merge_same_op

# Degree word -> (severity of the finding 0..1, degree word the hint grammar knows).
DEGREE_WORDS: dict[str, tuple[float, str]] = {
    "very slightly": (0.15, "very slightly"), "a tiny bit": (0.15, "very slightly"),
    "barely": (0.15, "very slightly"), "subtly": (0.2, "slightly"), "gently": (0.2, "slightly"),
    "a touch": (0.25, "slightly"), "slightly": (0.25, "slightly"), "a little": (0.25, "slightly"),
    "a bit": (0.25, "slightly"), "mildly": (0.25, "slightly"), "lightly": (0.25, "slightly"),
    "somewhat": (0.4, "somewhat"), "moderately": (0.5, "moderately"), "appropriately": (0.5, "moderately"),
    "noticeably": (0.6, "moderately"), "considerably": (0.75, "strongly"),
    "significantly": (0.8, "strongly"), "substantially": (0.8, "strongly"), "greatly": (0.8, "strongly"),
    "strongly": (0.8, "strongly"), "much": (0.8, "strongly"), "heavily": (0.85, "strongly"),
    "drastically": (0.9, "strongly"), "dramatically": (0.9, "strongly"),
}
DEFAULT_DEGREE = (0.5, "moderately")

UP_VERBS = ("increase", "raise", "boost", "enhance", "improve", "strengthen", "add", "brighten", "lift",
            "amplify", "heighten", "intensify", "restore", "bring up", "open up", "recover", "sharpen")
DOWN_VERBS = ("decrease", "reduce", "lower", "lessen", "diminish", "remove", "eliminate", "suppress",
              "darken", "tone down", "soften", "cut", "weaken", "mute", "tame", "pull down", "bring down",
              "dehaze", "denoise", "correct", "fix", "neutralize", "neutralise", "minimize", "minimise",
              "deepen")

# Words for each attribute, longest match first. "light and exposure" reads as one attribute.
ATTRIBUTE_WORDS: dict[str, tuple[str, ...]] = {
    "exposure": ("light and exposure", "exposure and light", "overall brightness", "exposure", "brightness",
                 "lighting", "light", "luminance", "darkness", "underexposure"),
    "white_balance": ("white balance", "colour temperature", "color temperature", "warmth", "warm tones",
                      "cool tones", "coolness", "temperature", "colour cast", "color cast", "tint",
                      "blue cast", "yellow cast", "orange cast", "green cast", "magenta cast", "warmer", "warm",
                      "cooler", "cool", "colder"),
    "contrast": ("contrast",),
    "saturation": ("colour saturation", "color saturation", "saturation", "vibrance", "vibrancy",
                   "colourfulness", "colorfulness", "colour intensity", "color intensity", "vividness"),
    "haze": ("haziness", "haze", "fog", "mist"),
    "noise": ("noise", "grain", "graininess"),
    "sharpness": ("sharpness", "clarity", "details", "detail", "definition", "crispness", "focus", "blurriness",
                  "blur", "softness"),
    "highlights": ("highlight details", "highlight detail", "highlights", "highlight", "bright areas",
                   "overexposed areas"),
    "shadows": ("shadow details", "shadow detail", "shadows", "shadow", "dark areas", "dark regions"),
}

# (attribute, up?) -> (what the photo shows: finding direction, hint phrase that builds the edit, noun).
# Pairs missing here ("increase noise", "reduce sharpness") have no photographic fix: dropped.
_FIXES: dict[tuple[str, bool], tuple[str, str, str]] = {
    ("exposure", True): ("under", "brighter", "exposure"),
    ("exposure", False): ("over", "darker", "exposure"),
    ("contrast", True): ("low", "more contrast", "contrast"),
    ("contrast", False): ("high", "less contrast", "contrast"),
    ("saturation", True): ("low", "more saturated", "saturation"),
    ("saturation", False): ("high", "less saturated", "saturation"),
    ("white_balance", True): ("cool", "warmer", "warmth"),  # more warmth: the photo is too cool
    ("white_balance", False): ("warm", "cooler", "warmth"),
    ("haze", False): ("present", "dehaze", "haze"),
    ("noise", False): ("present", "denoise", "noise"),
    ("sharpness", True): ("blurred", "sharper", "sharpness"),
    ("shadows", True): ("crushed", "lift shadows", "shadow detail"),
    ("highlights", False): ("clipped", "recover highlights", "highlights"),
}


@dataclass(frozen=True)
class Suggestion:
    """One suggestion read from the text: which attribute, which way, how much."""

    text: str  # the sentence as written (trimmed)
    attribute: str
    up: bool  # True: increase the attribute
    degree: str  # degree word as written ("" when none)
    severity: float  # 0..1, from the degree word
    direction: str  # Finding.direction: what is wrong with the photo
    instruction: str  # normalised: "slightly increase exposure"
    edit: Edit


@dataclass
class ParsedCritique:
    reasoning: str = ""
    suggestions: list[Suggestion] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # suggestion sentences that map to no edit
    score: float | None = None  # as written, clamped to 0..100
    structured: bool = False  # a section header, a score or a suggestion was found
    said_none: bool = False  # the answer says in words that no edit is needed ("Suggestions: none")


def _norm(text: str) -> str:
    t = text.lower().replace("\u2019", "'")
    t = re.sub(r"[*_`\"]", " ", t)
    return " ".join(re.sub(r"[^a-z0-9'\-+ ]", " ", t).split())


def _find_first(text: str, words) -> tuple[int, str] | None:
    best = None
    for w in sorted(words, key=len, reverse=True):
        m = re.search(rf"\b{re.escape(w)}\b", text)
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), w)
    return best


def _attributes_in(text: str) -> list[str]:
    """Attributes named in ``text`` in order of appearance, each once; longest phrases win."""
    spans: list[tuple[int, int, str]] = []
    phrases = sorted(((w, a) for a, ws in ATTRIBUTE_WORDS.items() for w in ws), key=lambda x: -len(x[0]))
    for w, a in phrases:
        for m in re.finditer(rf"\b{re.escape(w)}\b", text):
            if not any(s < m.end() and m.start() < e for s, e, _ in spans):
                spans.append((m.start(), m.end(), a))
    out: list[str] = []
    for _, _, a in sorted(spans):
        if a not in out:
            out.append(a)
    return out


_INVERTED = {"blur", "blurriness", "softness", "darkness", "underexposure", "dullness"}


def _verb_direction(text: str) -> bool | None:
    up, down = _find_first(text, UP_VERBS), _find_first(text, DOWN_VERBS)
    if up and down:
        return up[0] < down[0]
    if up or down:
        return bool(up)
    if re.search(r"\b(brighter|higher|stronger|sharper|clearer|more)\b", text):
        return True
    if re.search(r"\b(darker|lower|weaker|less|fewer)\b", text):
        return False
    return None


def _direction_of(text: str, attribute: str) -> bool | None:
    """True: increase the attribute; False: decrease it; None: the sentence does not say."""
    if attribute == "white_balance":
        warm = re.search(r"\b(warm|warmer|warmth|yellow|yellowish|orange|temperature)\b", text)
        cool = re.search(r"\b(cool|cooler|colder|coolness|blue|bluish)\b", text)
        if bool(warm) == bool(cool):
            return None
        polarity = bool(warm)  # True: the sentence is about warmth
        if re.search(r"\b(cast|tint)\b", text):  # casts are removed: a yellow cast -> cooler
            return not polarity
        verb = _verb_direction(text)
        return polarity if verb is None or verb else not polarity
    if attribute == "noise" and re.search(r"\b(noise reduction|denois\w*|smooth\w*)\b", text):
        return False
    if attribute == "haze" and re.search(r"\bdehaz\w*", text):
        return False
    if attribute == "highlights":
        if re.search(r"\b(recover|restore|detail|details|protect|preserve|tame)\b", text):
            return False
    verb = _verb_direction(text)
    if verb is not None and _find_first(text, tuple(_INVERTED)):
        return not verb
    return verb


def parse_suggestion(text: str, reason: str = "") -> Suggestion | None:
    """One suggestion sentence -> the first attribute it names, or None if it maps to no edit."""
    found = parse_suggestions(text, reason)
    return found[0] if found else None


_PURPOSE = re.compile(r"\s(?:to|so that|so|in order to|which|that|because|as|for|while|since|by|without)\s|[,;(]")


def parse_suggestions(text: str, reason: str = "") -> list[Suggestion]:
    """One suggestion sentence -> one Suggestion per attribute it names ("increase contrast and
    saturation" gives two). Unknown attributes or directions give an empty list.

    The main clause is read first, so "increase contrast to bring out details" is a
    contrast edit, not also a sharpening; only when it says nothing usable ("adjust the
    white balance to warm the image") is the whole sentence read.
    """
    raw = " ".join(text.split()).strip(" .;:-")
    cut = _PURPOSE.search(raw)
    if cut and cut.start() > 0:
        head = _suggestions_in(raw[:cut.start()], raw, reason)
        if head:
            return head
    return _suggestions_in(raw, raw, reason)


def _suggestions_in(clause: str, raw: str, reason: str) -> list[Suggestion]:
    t = _norm(clause)
    hit = _find_first(_norm(raw), DEGREE_WORDS)  # "increase exposure, slightly" keeps its degree
    degree = hit[1] if hit else ""
    severity, hint_degree = DEGREE_WORDS.get(degree, DEFAULT_DEGREE)
    out: list[Suggestion] = []
    for attribute in _attributes_in(t):
        up = _direction_of(t, attribute)
        if up is None or (attribute, up) not in _FIXES:
            continue
        direction, phrase, noun = _FIXES[(attribute, up)]
        plan = parse_hint(f"{hint_degree} {phrase}")
        base = plan.edits[0]
        verb = "increase" if up else ("reduce" if attribute in ("haze", "noise", "highlights") else "decrease")
        if attribute == "white_balance":
            verb, noun = ("warm up", "the colours") if up else ("cool down", "the colours")
        instruction = f"{hint_degree} {verb} {noun}"
        edit = Edit(op=base.op, params=base.params, attribute=attribute, instruction=instruction,
                    reason=reason or raw)
        out.append(Suggestion(text=raw, attribute=attribute, up=up, degree=degree, severity=severity,
                              direction=direction, instruction=instruction, edit=edit))
    return out


# -- whole answers ----------------------------------------------------------

_SCORE = re.compile(r"\b(?:score|rating)\b[*_\s]*(?:is|of|=|:|-)?[*_\s]*(-?\d{1,3}(?:\.\d+)?)"
                    r"\s*(/\s*100\b|/\s*10\b|out of 100\b|out of 10\b|%)?", re.IGNORECASE)
_SCORE_FRACTION = re.compile(r"(-?\d{1,3}(?:\.\d+)?)\s*(/\s*100\b|out of 100\b)", re.IGNORECASE)
_NONE = re.compile(r"^(none|nothing|n/?a|no (edits?|changes?|suggestions?|adjustments?)( are)?"
                   r"( needed| required)?)\W*$", re.IGNORECASE)
_ITEM = re.compile(r"^\s*(?:\d{1,2}\s*[.):]|[-*\u2022])\s+(.*\S)\s*$")
_HEADER = re.compile(r"^\s*[#*_\s]*(reasoning|analysis|assessment|critique|suggestions?|edits?|"
                     r"recommendations?|score|quality score)\b[*_\s]*:?\s*[*_]*\s*(.*)$", re.IGNORECASE)


def _sentences(text: str) -> list[str]:
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", " ".join(text.split()))
    return [p.strip() for p in parts if p.strip()]


def trim_sentences(text: str, most: int = 4) -> str:
    """The first ``most`` sentences of ``text``."""
    return " ".join(_sentences(text)[:most])


def parse_critique(text: str) -> ParsedCritique:
    """Read a critic's free-text answer. Never raises: unreadable text gives an empty result.

    Understands "Reasoning:" / "Suggestions:" / "Score:" sections (any case, markdown
    emphasis allowed), numbered or bulleted suggestion lines, "Score: 72/100",
    "72 out of 100". Without section headers, numbered lines are suggestions and
    the other lines are the reasoning.
    """
    out = ParsedCritique()
    if not isinstance(text, str) or not text.strip():
        return out
    reasoning: list[str] = []
    items: list[str] = []
    section = ""
    for line in text.splitlines():
        if not line.strip():
            continue
        h = _HEADER.match(line)
        if h:
            name = h.group(1).lower()
            section = ("score" if "score" in name else
                       "suggestions" if name.startswith(("suggest", "edit", "recommend")) else "reasoning")
            rest = h.group(2).strip()
            if section == "score":
                continue
            line = rest
            if not line:
                continue
        m = _ITEM.match(line)
        names_verb = _find_first(_norm(line), UP_VERBS + DOWN_VERBS) is not None
        if _NONE.match(line.strip(" -*_.")):
            out.said_none = True
            continue
        # a list item is a suggestion, except in the reasoning where it must name an edit verb
        if m is not None and (section != "reasoning" or names_verb):
            items.append(m.group(1))
        elif section in ("", "reasoning") and not _SCORE.match(line.strip()):
            reasoning.append(line.strip())
        elif section == "suggestions" and names_verb:  # a suggestion sentence without a number
            items.append(line.strip())
    out.reasoning = " ".join(" ".join(reasoning).split())
    out.structured = section != "" or bool(items)

    # score: the last "Score: N" wins (models sometimes restate it); else an "N/100"; "N/10" is rescaled
    scores = [float(m.group(1)) * (10.0 if m.group(2) and m.group(2).replace(" ", "") in ("/10", "outof10") else 1.0)
              for m in _SCORE.finditer(text)]
    scores = scores or [float(m.group(1)) for m in _SCORE_FRACTION.finditer(text)]
    if scores:
        out.score = min(100.0, max(0.0, scores[-1]))
        out.structured = True

    seen: set[str] = set()
    for item in items:
        item = re.sub(r"[*_`]", "", item).strip()
        # "Increase exposure slightly: the subject is dark" -> suggestion + its reason
        head = item.partition(":")[0]
        found = parse_suggestions(head, reason=item) or parse_suggestions(item)
        if not found:
            out.dropped.append(item)
            continue
        for s in found:
            if s.attribute in seen:
                continue
            seen.add(s.attribute)
            out.suggestions.append(s)
    return out


def merge_edits(edits: list[Edit]) -> EditPlan:
    """One edit per op: two suggestions for the same op (shadows and highlights both use
    ``tone``) become one edit carrying both non-neutral parameters."""
    return EditPlan(merge_same_op(edits, joiner="; "))
