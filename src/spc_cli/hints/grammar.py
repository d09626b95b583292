"""Reading a hint: clauses, each a degree and an intent, a number in the intent's units, a look
or a protection. Photo-independent: ``solve`` turns the clauses into op parameters.

    >>> [(c.dial, c.sign, c.k) for c in read("a bit warmer and much more contrast")]
    [('warmth', 1, 0.5), ('contrast', 1, 1.75)]
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace

from ..errors import UsageError
from .vocabulary import (AUTO_ALL, AUTO_EXPOSURE, CAST_COLOURS, CAST_HUES, CAST_VERBS, DEGREES, DIALS, DIALS_BY_NAME,
                         DOWN_SUFFIXES, DOWN_VERBS, FILLERS, FLIP_PREFIXES, KELVIN_WORDS, LOOK_NAMES, LOOKS,
                         MIXED_LIGHT, MONOCHROME, NEUTRAL, NO_DEGREE, PROTECT, SOFT_FILLERS, UP_SUFFIXES, UP_VERBS)

KELVIN_RANGE = (1667.0, 25000.0)  # where the Planckian locus approximation holds


@dataclass(frozen=True)
class Clause:
    """One understood clause.

    ``kind``: "dial" (turn ``dial`` by ``sign`` x degree ``k``, or to ``value`` in ``unit``),
    "neutral" (undo the photo's light colour, ``k`` of it; ``dial`` "mixed": region by region
    whatever the lights measure), "kelvin" (``value`` is the target
    white point), "mono", "protect" (``dial`` names what is kept: highlights or shadows),
    "auto_exposure" (the exposure correction the critic measures for the photo, ``k`` of it).
    ``source`` is the look a clause comes from ("" when the user wrote it).
    """

    text: str
    kind: str
    dial: str = ""
    sign: int = 0
    degree: str = ""
    k: float = NO_DEGREE
    value: float | None = None
    unit: str = ""  # "ev", "kelvin", "points", "percent", "range" when ``value`` is given
    source: str = ""

    @property
    def key(self) -> str:
        """What the clause sets; two clauses may not set the same thing."""
        if self.kind in ("neutral", "kelvin"):
            return "white point"
        if self.kind == "auto_exposure":
            return "brightness"
        return self.dial if self.kind == "dial" else f"{self.kind}:{self.dial}"


@dataclass(frozen=True)
class _Entry:
    kind: str
    target: str = ""
    sign: int = 0
    head: str = ""  # the verb before a noun ("increase" in "increase saturation"), for carry-over


def _build_table() -> dict[str, _Entry]:
    table: dict[str, _Entry] = {}

    def put(phrase: str, entry: _Entry) -> None:
        table.setdefault(phrase, entry)

    for d in DIALS:  # explicit phrases first: they win over generated ones
        for p in d.up:
            put(p, _Entry("dial", d.name, 1))
        for p in d.down:
            put(p, _Entry("dial", d.name, -1))
    for p in NEUTRAL:
        put(p, _Entry("neutral"))
    for p in MIXED_LIGHT:
        put(p, _Entry("neutral", "mixed"))
    for p in MONOCHROME:
        put(p, _Entry("mono"))
    for p in AUTO_EXPOSURE:
        put(p, _Entry("auto_exposure"))
    for what, phrases in PROTECT.items():
        for p in phrases:
            put(p, _Entry("protect", what))
    for p, name in LOOK_NAMES.items():
        put(p, _Entry("look", name))
    for d in DIALS:
        for n in d.nouns:
            put(n, _Entry("dial", d.name, 0))
            for v in UP_VERBS + d.verbs_up:
                put(f"{v} {n}", _Entry("dial", d.name, 1, v))
            for v in DOWN_VERBS + d.verbs_down:
                put(f"{v} {n}", _Entry("dial", d.name, -1, v))
            for s in UP_SUFFIXES:
                put(f"{n} {s}", _Entry("dial", d.name, 1))
            for s in DOWN_SUFFIXES:
                put(f"{n} {s}", _Entry("dial", d.name, -1))
        for adjectives, sign in ((d.adj_up, 1), (d.adj_down, -1)):
            for a in adjectives:
                put(a, _Entry("dial", d.name, sign))
                put(f"more {a}", _Entry("dial", d.name, sign))
                for f in FLIP_PREFIXES:
                    put(f"{f} {a}", _Entry("dial", d.name, -sign))
    return table


TABLE = _build_table()
# "remove the orange cast", "get rid of that ugly green tint": a cast named and taken out
_CAST = re.compile(rf"^(?:{'|'.join(map(re.escape, CAST_VERBS))})(?: (?:{'|'.join(CAST_COLOURS)}))*"
                   rf"(?: (?:cast|tint)| (?:{'|'.join(CAST_HUES)}))$")
VOCABULARY = {w for p in TABLE for w in p.split()} | set(CAST_COLOURS) | {w for v in CAST_VERBS for w in v.split()} \
    | {"cast"} | {w for p in DEGREES for w in p.split()} | set(FILLERS) \
    | {w for p in SOFT_FILLERS for w in p.split()} | {w for p in KELVIN_WORDS for w in p.split()} | {"ev", "stop"}

# Canonical phrases offered when a clause is not understood.
SUGGESTIONS = sorted({p for d in DIALS for p in d.up[:3] + d.down[:3]} | {f"more {d.nouns[0]}" for d in DIALS}
                     | {f"less {d.nouns[0]}" for d in DIALS if d.name not in ("haze", "noise")}
                     | set(NEUTRAL[:4]) | {"black and white", "fix the exposure"} | {f"keep the {w}" for w in PROTECT}
                     | set(LOOKS) | {"+0.7 EV", "-1 stop", "5600K", "contrast +20", "saturation -30 %",
                                     "slightly increase saturation", "lift the shadows", "recover the highlights"})

def _fraction(m: re.Match) -> str:
    """A fraction of a stop ("2/3", "1 1/3") as the decimal a number is read as ("0.667", "1.333")."""
    whole = float(m["whole"] or 0)
    return f"{whole + float(m['num']) / float(m['den']):.3f}".rstrip("0").rstrip(".")


# Multi-word tokens rewritten before a hint is split on "and" (so "black and white" and "one and
# a half stops" stay whole) and before numbers are read; then spelling variants.
_WHOLE = (
    # a photographer's thirds and halves of a stop: "+2/3 EV", "1 1/3 stops", "-1/2 stop"
    (r"(?<![\d/.])(?:(?P<whole>\d+)\s+)?(?P<num>[1-8])/(?P<den>[2-9])(?![\d/])", _fraction),
    (r"\btwo thirds of an? (?:stop|ev)\b", "0.667 stop"),
    (r"\bblack\s*(?:and|&|n)\s*white\b|\bb\s*&\s*w\b", "black_and_white"),
    (r"\b(?:light and exposure|exposure and light|brightness and exposure)\b", "exposure"),
    (r"\b(?:one and a half|1 and a half)\s+stops?\b", "1.5 stops"),
    (r"\bhalf an? (?:stop|ev)\b|\ba half stop\b", "0.5 stop"),
    (r"\ba third of an? (?:stop|ev)\b", "0.333 stop"),
    (r"\b(?:one|a full|a) stop\b", "1 stop"), (r"\btwo stops\b", "2 stops"), (r"\bthree stops\b", "3 stops"),
)
_SPELLING = (
    (r"\bcolor", "colour"), (r"\bgray", "grey"), (r"neutraliz", "neutralis"), (r"minimiz", "minimis"),
    (r"['\u2019`]", ""), (r"\bdo not\b", "dont"), (r"\bwhite-balance\b", "white balance"),
)
_SPLIT = re.compile(r"\s*(?:,|;|\.\s|\band\b|\bbut\b|\bwith\b|\bplus(?!\s*\d)\b|\bthen\b|\balso\b|&|\+(?!\s*[\d.]))\s*")
_NUMBER = re.compile(r"(?P<sign>[+\-\u2212]|\bplus\s+|\bminus\s+)?(?P<val>\d+(?:\.\d+)?|\.\d+)\s*"
                     r"(?P<unit>evs?|stops?|f-?stops?|%|percent|pct|points?|pts|kelvin|k)?(?![a-z0-9])")


def normalise(text: str) -> str:
    t = text.lower()
    for pat, rep in _WHOLE + _SPELLING:
        t = re.sub(pat, rep, t)
    t = re.sub(r"[!?\"()\[\]]", " ", t)
    return " ".join(t.split()).strip(" .")


def _lookup(words: str) -> _Entry | None:
    """A phrase in the table: as written, without filler words, then without the softer ones too."""
    tries = [words]
    w = [x for x in words.split() if x not in FILLERS]
    tries.append(" ".join(w))
    soft = " ".join(w)
    for f in sorted(SOFT_FILLERS, key=len, reverse=True):
        soft = re.sub(rf"\b{re.escape(f)}\b", " ", soft)
    tries.append(" ".join(soft.split()))
    for t in tries:
        if t in TABLE:
            return TABLE[t]
    for t in tries:
        if _CAST.match(t):
            return _Entry("neutral")
    return None


def _degrees_in(text: str) -> list[tuple[str, str]]:
    """(degree phrase, the clause without it) for each degree phrase in the clause, longest first."""
    out = []
    for d in sorted(DEGREES, key=len, reverse=True):
        m = re.search(rf"(?<![\w-]){re.escape(d)}(?![\w-])", text)
        if m:
            out.append((d, " ".join((text[:m.start()] + " " + text[m.end():]).split())))
    return out


def _read_number(text: str) -> tuple[float, bool, str, str] | None:
    """(value, explicitly signed, unit, the clause without the number) or None."""
    found = list(_NUMBER.finditer(text))
    if not found:
        return None
    if len(found) > 1:
        raise UsageError(f"hint {text!r} has more than one number; give one number per clause")
    m = found[0]
    v = float(m["val"])
    sign = (m["sign"] or "").strip()
    if sign in ("-", "\u2212", "minus"):
        v = -v
    unit = (m["unit"] or "").replace("-", "")
    unit = {"evs": "ev", "stop": "ev", "stops": "ev", "fstop": "ev", "fstops": "ev", "%": "percent", "pct": "percent",
            "point": "points", "pts": "points", "k": "kelvin"}.get(unit, unit)
    rest = " ".join((text[:m.start()] + " " + text[m.end():]).split())
    return v, bool(sign), unit, rest


def _number_clause(raw: str, text: str) -> Clause | None:
    got = _read_number(text)
    if got is None:
        return None
    v, signed, unit, rest = got
    words = " ".join(w for w in rest.split() if w not in FILLERS)
    if unit == "kelvin" or (not unit and v >= 1000 and _is_kelvin_words(words)):
        if not _is_kelvin_words(words):
            raise UsageError(f"hint {raw!r}: a white point in kelvin stands alone (e.g. \"5600K\" or "
                             "\"white balance 5600 K\")")
        if not KELVIN_RANGE[0] <= v <= KELVIN_RANGE[1]:
            raise UsageError(f"hint {raw!r}: {v:g} K is outside {KELVIN_RANGE[0]:g}-{KELVIN_RANGE[1]:g} K")
        return Clause(raw, "kelvin", value=v, unit="kelvin")
    entry = _lookup(words) if words else None
    if entry is None and not words and unit == "ev":
        entry = _Entry("dial", "brightness", 0)
    if entry is None or entry.kind != "dial":
        return None
    dial = DIALS_BY_NAME[entry.target]
    if unit == "percent" and not signed and not entry.sign and dial.number == "percent":
        v -= 100.0  # "saturation 80%": a level, 80 % of what it is (a change is signed: "saturation +20%")
    if entry.sign:
        v = entry.sign * abs(v) * (-1 if signed and v < 0 else 1)
    if unit == "ev" or (dial.name == "brightness" and not unit and re.search(r"\bexposure\b", words)):
        if dial.name != "brightness":
            raise UsageError(f"hint {raw!r}: EV and stops measure exposure, not {dial.name}")
        if abs(v) > 4:
            raise UsageError(f"hint {raw!r}: {v:+g} EV is beyond the +-4 EV exposure can change")
        return Clause(raw, "dial", dial.name, 1 if v >= 0 else -1, value=v, unit="ev")
    kind = dial.number
    if kind == "points" and unit == "percent":  # "brightness 120%" once asked for L* +120
        example = f'"{dial.name} +10"' + (' or "+0.5 EV"' if dial.name == "brightness" else "")
        raise UsageError(f"hint {raw!r}: {dial.name} is changed in points of CIELAB {_POINTS[dial.name]}, "
                         f"not in percent (e.g. {example})")
    if kind == "percent" and v < -100:
        raise UsageError(f"hint {raw!r}: {dial.name} cannot drop by more than 100 %")
    if kind == "range" and abs(v) > 100:
        raise UsageError(f"hint {raw!r}: {dial.name} runs from -100 to +100")
    return _checked(Clause(raw, "dial", dial.name, 1 if v >= 0 else -1, value=v, unit=kind))


_POINTS = {"brightness": "L*", "warmth": "b*", "tint": "a*"}  # the quantity each "points" dial moves
_NO_OP = {"haze": "spc removes haze; it cannot add it", "noise": "spc removes noise; it adds no grain",
          "sharpness": "spc sharpens but does not blur; for a softer look try \"soft\" (less clarity)"}


def _checked(c: Clause) -> Clause:
    """A clause whose way has no op (more haze, less sharpness) is an error that says so."""
    d = DIALS_BY_NAME[c.dial]
    v = d.positive * c.sign
    if (v > 0 and d.hi <= 0) or (v < 0 and d.lo >= 0):
        raise UsageError(f"hint {c.text!r}: {_NO_OP.get(d.name, 'no op does that')}")
    return c


def _is_kelvin_words(words: str) -> bool:
    rest = words
    for w in sorted(KELVIN_WORDS, key=len, reverse=True):
        rest = re.sub(rf"\b{re.escape(w)}\b", " ", rest)
    return not rest.split()


def _from_entry(raw: str, entry: _Entry, degree: str) -> Clause | None:
    k = DEGREES[degree] if degree else NO_DEGREE
    if entry.kind == "dial":
        if entry.sign == 0:
            return None  # a bare noun says which dial but not which way
        return _checked(Clause(raw, "dial", entry.target, entry.sign, degree, k))
    if entry.kind == "neutral":
        return Clause(raw, "neutral", entry.target, degree=degree, k=min(k, 1.0))
    if entry.kind == "mono":
        return Clause(raw, "mono", "saturation", -1)
    if entry.kind == "auto_exposure":
        return Clause(raw, "auto_exposure", "brightness", degree=degree, k=min(k, 1.0))
    if entry.kind == "protect":
        return Clause(raw, "protect", entry.target)
    return Clause(raw, "look", entry.target, 1, degree, k)


def _read_clause(raw: str, previous: _Entry | None, previous_degree: str) -> tuple[Clause | None, _Entry | None, str]:
    text = normalise(raw)
    numbered = _number_clause(raw, text)
    if numbered is not None:
        return numbered, None, ""
    candidates = _degrees_in(text) + [("", text)]  # a degree word read as such before as a filler
    for degree, rest in candidates:
        entry = _lookup(rest)
        if entry is not None:
            clause = _from_entry(raw, entry, degree)
            if clause is not None:
                return clause, entry, degree
    if previous is not None and previous.head:
        # "increase contrast and saturation": a bare noun takes the verb (and degree) before it
        for degree, rest in candidates:
            entry = _lookup(rest)
            if entry is not None and entry.kind == "dial" and entry.sign == 0:
                noun = " ".join(w for w in rest.split() if w not in FILLERS)
                again = _lookup(f"{previous.head} {noun}")
                if again is not None:
                    return _from_entry(raw, again, degree or previous_degree), again, degree or previous_degree
    return None, None, ""


def _unknown(raw: str) -> UsageError:
    text = normalise(raw)
    if " ".join(w for w in text.split() if w not in FILLERS and w != "it") in AUTO_ALL:
        return UsageError(f"hint {raw.strip()!r} asks for what spc does without a hint: leave out --hint (and "
                          "--hint-only) and the critic fixes what it finds; a hint names a change of your own "
                          '("warmer", "fix the exposure", "neutral colours")')
    for d, rest in _degrees_in(text)[:1]:
        text = rest
    words = [w for w in re.findall(r"[^\W\d_][\w'\-/&]*", text) if w not in VOCABULARY]  # any alphabet's letters
    core = " ".join(w for w in text.split() if w not in FILLERS) or text
    bare = TABLE.get(core)
    if bare is not None and bare.kind == "dial" and bare.sign == 0:  # "warmth", "temp": which way?
        ways = []
        for way in (f"more {core}", f"less {core}", f"{core} +10"):
            try:
                read(way)  # only the ways spc takes ("less sharpening" is refused: spc does not blur)
            except UsageError:
                continue
            ways.append(f'"{way}"')
        if ways:
            return UsageError(f"hint {raw.strip()!r} names {bare.target} but not which way: e.g. " + ", ".join(ways))
    close = difflib.get_close_matches(core, SUGGESTIONS, n=3, cutoff=0.45)
    if len(close) < 3:
        # phrases that stand alone as a hint: not a bare noun ("temp", "warmth": which way?), not
        # the words just refused, nor a verb and noun in an order nobody writes ("up temp")
        whole = [t for t, e in TABLE.items() if not (e.kind == "dial" and e.sign == 0) and t != core
                 and not t.startswith(tuple(f"{s} " for s in UP_SUFFIXES + DOWN_SUFFIXES))]
        close += [s for s in difflib.get_close_matches(core, whole, n=6, cutoff=0.5) if s not in close]
    close = close[:3] or ["warmer", "much brighter", "less contrast"]
    listed = ", ".join(repr(w) for w in words)
    what = ((f"the word {listed} is not understood" if len(words) == 1 else f"the words {listed} are not understood")
            if words else "the words are known but not in this order")
    return UsageError(f"hint {raw.strip()!r} is not understood ({what}); closest: "
                      + ", ".join(f'"{c}"' for c in close))


def split(text: str) -> list[str]:
    """The clauses of a hint as the user wrote them: split on "and", commas and the like, with
    "black and white" kept whole (read again by ``normalise`` per clause)."""
    return [c.replace("black_and_white", "black and white")
            for c in _SPLIT.split(normalise_for_split(text)) if c and c.strip(" .")]


def normalise_for_split(text: str) -> str:
    t = text
    for pat, rep in _WHOLE:
        t = re.sub(pat, rep, t, flags=re.IGNORECASE)
    return t.strip().rstrip(".")


def read(text: str) -> list[Clause]:
    """Every clause of a hint, looks expanded, checked for contradictions. Raises UsageError
    naming a clause it does not understand and the closest phrases it does."""
    if not text or not text.strip():
        raise UsageError("--hint is empty")
    clauses: list[Clause] = []
    previous, previous_degree = None, ""
    for raw in split(text):
        only = _degree_only(raw)
        if only and clauses and clauses[-1].kind in ("dial", "look") and not clauses[-1].degree \
                and clauses[-1].value is None:  # "warmer, but only slightly"
            last = clauses.pop()
            clause = replace(last, text=f"{last.text}, {raw.strip()}", degree=only, k=DEGREES[only])
            clauses.extend(_look(clause) if clause.kind == "look" else [clause])
            continue
        clause, entry, degree = _read_clause(raw.strip(), previous, previous_degree)
        if clause is None:
            raise _unknown(raw)
        previous, previous_degree = entry, degree
        if clause.kind == "look":
            clauses.extend(_look(clause))
        else:
            clauses.append(clause)
    return _resolve(clauses, text)


def _degree_only(raw: str) -> str:
    """The degree phrase a clause consists of alone ("only slightly", "but a lot"), or ""."""
    for d, rest in _degrees_in(normalise(raw)):
        if not [w for w in rest.split() if w not in FILLERS]:
            return d
    return ""


def _look(clause: Clause) -> list[Clause]:
    out = []
    for part in LOOKS[clause.dial]:
        c, _, _ = _read_clause(part, None, "")
        assert c is not None, part  # the recipes are written in the grammar itself
        out.append(replace(c, text=clause.text, k=c.k * clause.k, source=clause.dial))
    return out


def _resolve(clauses: list[Clause], text: str) -> list[Clause]:
    """Clauses the user wrote win over a look's clause on the same dial; two written clauses
    on the same thing, or a white point with a warmth or tint, are a contradiction."""
    mine = {c.key for c in clauses if not c.source}
    out: list[Clause] = []
    seen: dict[str, Clause] = {}
    for c in clauses:
        if c.source and c.key in mine:
            continue
        if c.key in seen:
            if seen[c.key].source or c == seen[c.key]:
                continue
            raise UsageError(f"hint asks for {c.key} twice ({seen[c.key].text!r} and {c.text!r}): {text!r}")
        seen[c.key] = c
        out.append(c)
    keys = set(seen)
    if "white point" in keys and any(c.kind == "kelvin" for c in out) and keys & {"warmth", "tint"}:
        raise UsageError(f"hint {text!r}: a white point in kelvin sets warmth and tint itself; drop one of them")
    if "mono:saturation" in keys and keys & {"saturation", "vibrance"}:
        mono = [c for c in out if c.kind == "mono"]
        if any(not c.source for c in out if c.key in ("saturation", "vibrance")):
            raise UsageError(f"hint {text!r}: black and white has no colour to saturate or mute")
        out = [c for c in out if c.key not in ("saturation", "vibrance")] if mono else out
    return out


def describe(c: Clause) -> str:
    """How a clause was understood, in words: "warm up the colours (much, x1.75)"."""
    if c.kind == "dial":
        d = DIALS_BY_NAME[c.dial]
        way = d.words[0] if c.sign > 0 else d.words[1]
        if c.value is not None:
            return f"{way}: {c.value:+g} {dict(ev='EV', points='points', percent='%', range='/100').get(c.unit, c.unit)}"
        return f"{way} ({c.degree + ', ' if c.degree else ''}x{c.k:g})"
    if c.kind == "neutral":
        where = " region by region (the light is mixed)" if c.dial == "mixed" else ""
        return "neutralise the light's colour" + where + (f" ({c.k:.0%} of it)" if c.k < 1 else "")
    if c.kind == "auto_exposure":
        return "set the exposure the photo measures as right" + (f" ({c.k:.0%} of the change)" if c.k < 1 else "")
    if c.kind == "kelvin":
        return f"set the white point to {c.value:.0f} K"
    if c.kind == "mono":
        return "remove all colour"
    return f"protect the {c.dial}"
