"""Natural-language hints -> edits: "warmer tones", "a bit brighter and more contrast".

The grammar is small and explicit: clauses split on commas, "and", "but", "with";
each clause is an optional degree word and one known intent. Anything else is a
clear error (exit 2), never a silent no-op.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from .errors import UsageError
from .ops.params import (ContrastParams, DehazeParams, DenoiseParams, ExposureParams, SaturationParams,
                         SharpenParams, ToneParams, WhiteBalanceParams)
from .plan import Edit, EditPlan

# Degree words -> a multiplier of the intent's base step.
DEGREES: dict[str, float] = {
    "very slightly": 0.35, "a tiny bit": 0.35, "a touch": 0.5, "slightly": 0.5, "a little": 0.5,
    "a bit": 0.5, "somewhat": 0.75, "moderately": 1.0, "more": 1.0, "much": 1.6, "a lot": 1.6,
    "way": 1.6, "very": 1.6, "strongly": 1.6, "much more": 1.6,
}


def _wb(k: float, cool: bool = False, tint: bool = False) -> WhiteBalanceParams:
    # A warm step raises red and lowers blue (about 800 K around daylight per unit);
    # a tint step moves green against red+blue. Gains keep luminance roughly constant.
    s = -k if cool else k
    if tint:
        g = 2 ** (0.12 * s)
        return WhiteBalanceParams(red=1 / math.sqrt(g), green=g, blue=1 / math.sqrt(g))
    return WhiteBalanceParams(red=2 ** (0.12 * s), green=1.0, blue=2 ** (-0.18 * s))


def _neutral(k: float, cast: tuple[float, float] | None) -> WhiteBalanceParams:
    # The photo's whole estimated cast, (log R/B, log G/sqrt(RB)), undone (``k`` = 1) or part
    # of it, luminance kept. The critic itself undoes only the part no warm or cool scene could
    # explain; a user who asks for neutral colours says the rest is a cast too.
    if cast is None:
        return WhiteBalanceParams()
    from .critic.advise import wb_gains

    k = min(1.0, k)
    r, g, b = (round(v, 4) for v in wb_gains(k * cast[0], k * cast[1]))
    return WhiteBalanceParams(red=r, green=g, blue=b)


@dataclass(frozen=True)
class Intent:
    patterns: tuple[str, ...]
    attribute: str
    op: str
    build: object  # callable(k) -> Params; with ``from_photo``, callable(k, cast) -> Params
    words: str  # e.g. "increase warmth"
    from_photo: bool = False  # the edit depends on the photo: its estimated cast


INTENTS: tuple[Intent, ...] = (
    Intent(("warmer", "warm", "warmer tones", "warmer colours", "warmer colors", "more warmth"),
           "white_balance", "white_balance", lambda k: _wb(k), "warm up the colours"),
    Intent(("cooler", "cool", "cooler tones", "colder", "less warm", "bluer"),
           "white_balance", "white_balance", lambda k: _wb(k, cool=True), "cool down the colours"),
    Intent(("greener", "more green"), "white_balance", "white_balance", lambda k: _wb(k, tint=True),
           "shift the tint toward green"),
    Intent(("more magenta", "less green"), "white_balance", "white_balance",
           lambda k: _wb(k, cool=True, tint=True), "shift the tint toward magenta"),
    Intent(("neutral", "more neutral", "neutral white balance", "neutral colours", "neutral colors",
            "remove cast", "remove colour cast", "remove color cast", "no cast", "no colour cast",
            "no color cast", "neutralise cast", "neutralize cast", "fix white balance",
            "correct white balance", "auto white balance", "white balance"),
           "white_balance", "white_balance", _neutral, "neutralise the colour cast", from_photo=True),
    Intent(("brighter", "lighter", "brighten", "more exposure", "more light"),
           "exposure", "exposure", lambda k: ExposureParams(ev=0.5 * k), "increase exposure"),
    Intent(("darker", "darken", "less exposure", "less light", "moodier"),
           "exposure", "exposure", lambda k: ExposureParams(ev=-0.5 * k), "decrease exposure"),
    Intent(("more contrast", "punchier", "contrastier", "higher contrast", "more punch"),
           "contrast", "contrast", lambda k: ContrastParams(amount=min(1.0, 0.25 * k)), "increase contrast"),
    Intent(("less contrast", "flatter", "softer contrast", "lower contrast"),
           "contrast", "contrast", lambda k: ContrastParams(amount=-min(1.0, 0.25 * k)), "decrease contrast"),
    Intent(("more saturated", "more saturation", "more colourful", "more colorful", "more vivid", "vivid",
            "more vibrant", "vibrant", "saturated"),
           "saturation", "saturation", lambda k: SaturationParams(vibrance=min(1.0, 0.3 * k)),
           "increase saturation"),
    Intent(("less saturated", "less saturation", "muted", "more muted", "desaturated", "less colourful",
            "less colorful"),
           "saturation", "saturation", lambda k: SaturationParams(saturation=-min(1.0, 0.3 * k)),
           "decrease saturation"),
    Intent(("black and white", "black & white", "monochrome", "grayscale", "greyscale"),
           "saturation", "saturation", lambda k: SaturationParams(saturation=-1.0), "remove all colour"),
    Intent(("sharper", "sharpen", "more detail", "crisper", "more sharpness"),
           "sharpness", "sharpen", lambda k: SharpenParams(amount=min(2.0, 0.5 * k), radius=1.2),
           "increase sharpness"),
    Intent(("less noise", "denoise", "reduce noise", "cleaner", "smoother"),
           "noise", "denoise", lambda k: DenoiseParams(luma=min(1.0, 0.5 * k), chroma=min(1.0, 0.7 * k),
                                                        sigma=0.02),
           "reduce noise"),
    Intent(("less haze", "dehaze", "remove haze", "clearer", "less hazy", "less foggy"),
           "haze", "dehaze", lambda k: DehazeParams(amount=min(1.0, 0.5 * k)), "reduce haze"),
    Intent(("lift shadows", "brighter shadows", "open shadows", "open up the shadows", "lift the shadows",
            "more shadow detail"),
           "shadows", "tone", lambda k: ToneParams(shadows=min(1.0, 0.4 * k)), "lift the shadows"),
    Intent(("recover highlights", "darker highlights", "tame highlights", "less blown highlights",
            "recover the highlights", "more highlight detail"),
           "highlights", "tone", lambda k: ToneParams(highlights=-min(1.0, 0.4 * k)), "recover the highlights"),
)

_SPLIT = re.compile(r"\s*(?:,|;|\band\b|\bbut\b|\bwith\b|\bplus\b)\s*")
_FILLER = re.compile(r"\b(please|make it|make the photo|make the image|make|the|photo|image|picture|"
                     r"overall|tones?|colou?rs?|look|a\s+little\s+bit)\b")


def _match(clause: str) -> tuple[Intent, float] | None:
    c = " ".join(clause.lower().split())
    for degree in sorted(DEGREES, key=len, reverse=True):  # longest degree phrase first
        for intent in INTENTS:
            for p in intent.patterns:
                if c == p or c == f"{degree} {p}":
                    return intent, (DEGREES[degree] if c != p else 1.0)
    return None


def _clauses(text: str):
    """Each clause of a hint with its match: ``(clause, (intent, degree) or None)``."""
    for raw in filter(None, _SPLIT.split(text.strip().rstrip("."))):
        yield raw, _match(raw) or _match(_FILLER.sub(" ", raw.lower()))


def needs_photo(text: str) -> bool:
    """Whether the hint's edits depend on the photo (e.g. "neutral colours": its own cast)."""
    return any(found is not None and found[0].from_photo for _, found in _clauses(text))


def estimated_cast(photo, measurements: dict[str, float] | None = None) -> tuple[float, float]:
    """The photo's whole estimated illuminant colour, (log R/B, log G/sqrt(RB)): from the
    critic's measurements when it took them, else measured on the photo's proxy."""
    m = measurements or {}
    if "white_balance.warmth" in m and "white_balance.tint" in m:
        return float(m["white_balance.warmth"]), float(m["white_balance.tint"])
    from .colour import area_downscale
    from .critic.measure import measure_white_balance

    wb = measure_white_balance(area_downscale(photo.proxy(512).float(), 256))
    return wb["warmth"], wb["tint"]


def parse_hint(text: str, photo=None, measurements: dict[str, float] | None = None) -> EditPlan:
    """Turn a hint into edits relative to the input photo.

    Intents that depend on the photo ("neutral colours") are built from ``photo`` (and the
    critic's ``measurements`` of it, when given); without a photo they are neutral
    placeholders, which is enough to check the hint.

    >>> [e.op for e in parse_hint("a bit warmer and more contrast").edits]
    ['white_balance', 'contrast']
    """
    if not text or not text.strip():
        raise UsageError("--hint is empty")
    edits: dict[str, Edit] = {}
    for raw, found in _clauses(text):
        if found is None:
            known = sorted({p for i in INTENTS for p in i.patterns[:2]})
            raise UsageError(f"hint {raw.strip()!r} is not understood; try e.g. " + ", ".join(f'"{k}"' for k in known[:12]))
        intent, k = found
        if intent.op in edits:
            raise UsageError(f"hint asks for {intent.attribute} twice: {text!r}")
        degree = "slightly" if k < 0.75 else ("strongly" if k > 1.2 else "moderately")
        instruction = f"{degree} {intent.words}"
        if intent.from_photo:  # its full strength is the photo's own estimate: no degree above it
            instruction = intent.words if k >= 1.0 else f"partly {intent.words}"
            params = intent.build(k, estimated_cast(photo, measurements) if photo is not None else None)
        else:
            params = intent.build(k)
        edits[intent.op] = Edit(op=intent.op, params=params, attribute=intent.attribute,
                                instruction=instruction, reason=f"asked for: {raw.strip()!r}")
    return EditPlan(list(edits.values()))


def merge(critic_plan: EditPlan, hint_plan: EditPlan) -> tuple[EditPlan, list[str]]:
    """The user's intent wins on the ops it names; the critic's other fixes stay."""
    hinted = {e.op for e in hint_plan.edits}
    notes = [f"the hint replaces the critic's {e.op} edit ({e.instruction})"
             for e in critic_plan.edits if e.op in hinted]
    kept = [e for e in critic_plan.edits if e.op not in hinted]
    return EditPlan(kept + list(hint_plan.edits)), notes
