"""The hint grammar, table-driven: phrasing -> (what it turns, which way, how much).

Each row is a hint and the clauses it must be read as: the dial (or kind: neutral, kelvin,
mono, protect), the direction (+1 / -1, 0 where none applies) and the relative amount (the
degree's multiplier of the unit change, or the number in its unit). Every row is then also
checked through ``parse_hint`` without a photo: the ops it names and that each op's parameter
moves the stated way.
"""

import math

import pytest

from spc_cli.errors import UsageError
from spc_cli.hints import parse_hint, read
from spc_cli.hints.vocabulary import DEGREES, DIALS_BY_NAME

W, T, B, C, S, V = "warmth", "tint", "brightness", "contrast", "saturation", "vibrance"
H, SH, CL, SP, HZ, NZ, FD = "highlights", "shadows", "clarity", "sharpness", "haze", "noise", "fade"

TABLE = [
    # synonyms, no degree
    ("warmer", [(W, 1, 1.0)]), ("warmer tones", [(W, 1, 1.0)]), ("warm it up", [(W, 1, 1.0)]),
    ("more warmth", [(W, 1, 1.0)]), ("cooler", [(W, -1, 1.0)]), ("colder", [(W, -1, 1.0)]),
    ("bluer", [(W, -1, 1.0)]), ("cool down the colours", [(W, -1, 1.0)]), ("greener", [(T, -1, 1.0)]),
    ("more magenta", [(T, 1, 1.0)]), ("less green", [(T, 1, 1.0)]), ("brighter", [(B, 1, 1.0)]),
    ("lighter", [(B, 1, 1.0)]), ("brighten the photo", [(B, 1, 1.0)]), ("more exposure", [(B, 1, 1.0)]),
    ("darker", [(B, -1, 1.0)]), ("darken", [(B, -1, 1.0)]), ("dimmer", [(B, -1, 1.0)]),
    ("more contrast", [(C, 1, 1.0)]), ("punchy", [(C, 1, 1.0)]), ("punchier", [(C, 1, 1.0)]),
    ("flat", [(C, -1, 1.0)]), ("flatter", [(C, -1, 1.0)]), ("softer", [(C, -1, 1.0)]),
    ("less contrast", [(C, -1, 1.0)]), ("more saturated", [(S, 1, 1.0)]), ("vivid", [(S, 1, 1.0)]),
    ("more colourful", [(S, 1, 1.0)]), ("more colorful", [(S, 1, 1.0)]), ("richer colours", [(S, 1, 1.0)]),
    ("muted", [(S, -1, 1.0)]), ("desaturated", [(S, -1, 1.0)]), ("less saturated", [(S, -1, 1.0)]),
    ("more vibrant", [(V, 1, 1.0)]), ("more vibrance", [(V, 1, 1.0)]), ("less vibrance", [(V, -1, 1.0)]),
    ("recover highlights", [(H, -1, 1.0)]), ("recover the highlights", [(H, -1, 1.0)]),
    ("tame the highlights", [(H, -1, 1.0)]), ("brighter highlights", [(H, 1, 1.0)]),
    ("lift shadows", [(SH, 1, 1.0)]), ("open up the shadows", [(SH, 1, 1.0)]), ("lift the shadows", [(SH, 1, 1.0)]),
    ("crush the shadows", [(SH, -1, 1.0)]), ("deepen the shadows", [(SH, -1, 1.0)]),
    ("crush the blacks", [(SH, -1, 1.0)]), ("more clarity", [(CL, 1, 1.0)]), ("soft", [(CL, -1, 1.0)]),
    ("dreamy", [(CL, -1, 1.0)]), ("crisp", [(SP, 1, 1.0)]), ("sharper", [(SP, 1, 1.0)]),
    ("sharpen", [(SP, 1, 1.0)]), ("too soft", [(SP, 1, 1.0)]), ("less haze", [(HZ, -1, 1.0)]),
    ("dehaze", [(HZ, -1, 1.0)]), ("remove the haze", [(HZ, -1, 1.0)]), ("less noise", [(NZ, -1, 1.0)]),
    ("denoise", [(NZ, -1, 1.0)]), ("cleaner", [(NZ, -1, 1.0)]), ("faded", [(FD, 1, 1.0)]),
    # every degree
    ("a touch warmer", [(W, 1, 0.25)]), ("very slightly warmer", [(W, 1, 0.25)]), ("slightly warmer", [(W, 1, 0.5)]),
    ("a bit warmer", [(W, 1, 0.5)]), ("a little warmer", [(W, 1, 0.5)]), ("somewhat warmer", [(W, 1, 0.75)]),
    ("more warmer", [(W, 1, 1.0)]), ("much warmer", [(W, 1, 1.75)]), ("a lot warmer", [(W, 1, 1.75)]),
    ("very warm", [(W, 1, 2.0)]), ("very much warmer", [(W, 1, 2.5)]), ("extremely warm", [(W, 1, 3.0)]),
    ("a touch brighter", [(B, 1, 0.25)]), ("slightly brighter", [(B, 1, 0.5)]), ("a bit darker", [(B, -1, 0.5)]),
    ("somewhat darker", [(B, -1, 0.75)]), ("much brighter", [(B, 1, 1.75)]), ("a lot darker", [(B, -1, 1.75)]),
    ("very dark", [(B, -1, 2.0)]), ("very much brighter", [(B, 1, 2.5)]), ("extremely bright", [(B, 1, 3.0)]),
    ("a bit more contrast", [(C, 1, 0.5)]), ("much more contrast", [(C, 1, 1.75)]),
    ("a lot less saturated", [(S, -1, 1.75)]), ("way more saturated", [(S, 1, 1.75)]),
    ("make it a little bit warmer please", [(W, 1, 0.5)]), ("warmer, but only slightly", [(W, 1, 0.5)]),
    # the reference system's "<degree> <verb> <attribute>" style
    ("slightly increase saturation", [(S, 1, 0.5)]), ("increase saturation slightly", [(S, 1, 0.5)]),
    ("moderately reduce haze", [(HZ, -1, 1.0)]), ("strongly increase exposure", [(B, 1, 1.75)]),
    ("significantly decrease brightness", [(B, -1, 1.75)]), ("slightly warm up the colours", [(W, 1, 0.5)]),
    ("somewhat increase contrast", [(C, 1, 0.75)]), ("very slightly reduce noise", [(NZ, -1, 0.25)]),
    ("slightly enhance sharpness", [(SP, 1, 0.5)]), ("reduce the saturation", [(S, -1, 1.0)]),
    ("boost the contrast", [(C, 1, 1.0)]), ("lower the exposure", [(B, -1, 1.0)]),
    ("slightly increase light and exposure", [(B, 1, 0.5)]),
    # negations
    ("not so bright", [(B, -1, 1.0)]), ("not as dark", [(B, 1, 1.0)]), ("too bright", [(B, -1, 1.0)]),
    ("less bright", [(B, -1, 1.0)]), ("way too dark", [(B, 1, 1.75)]), ("too warm", [(W, -1, 1.0)]),
    ("not so warm", [(W, -1, 1.0)]), ("less warm", [(W, -1, 1.0)]), ("too saturated", [(S, -1, 1.0)]),
    ("too flat", [(C, 1, 1.0)]), ("less punchy", [(C, -1, 1.0)]), ("too hazy", [(HZ, -1, 1.0)]),
    ("too noisy", [(NZ, -1, 1.0)]), ("not so much contrast", [(C, -1, 1.0)]),
    ("not as much saturation", [(S, -1, 1.0)]),
    # colloquial and doubled intensifiers
    ("super bright", [(B, 1, 2.0)]), ("so much brighter", [(B, 1, 2.0)]), ("much much warmer", [(W, 1, 2.5)]),
    ("very very warm", [(W, 1, 2.5)]), ("really really saturated", [(S, 1, 2.5)]),
    # numbers in the attribute's own units
    ("+0.7 EV", [(B, 1, 0.7)]), ("-1 stop", [(B, -1, -1.0)]), ("+1 EV", [(B, 1, 1.0)]), ("1 stop darker", [(B, -1, -1.0)]),
    ("half a stop brighter", [(B, 1, 0.5)]), ("exposure +0.7", [(B, 1, 0.7)]), ("exposure -1.5 EV", [(B, -1, -1.5)]),
    ("brighten by 1 stop", [(B, 1, 1.0)]), ("brightness +10", [(B, 1, 10.0)]), ("5600K", [("kelvin", 0, 5600.0)]),
    ("5600 K", [("kelvin", 0, 5600.0)]), ("white balance 3200 K", [("kelvin", 0, 3200.0)]),
    ("set the white balance to 6500K", [("kelvin", 0, 6500.0)]), ("contrast +20", [(C, 1, 20.0)]),
    ("contrast -15", [(C, -1, -15.0)]), ("+20 contrast", [(C, 1, 20.0)]), ("saturation -30 %", [(S, -1, -30.0)]),
    ("saturation -30%", [(S, -1, -30.0)]), ("reduce saturation by 30%", [(S, -1, -30.0)]),
    ("30% less saturation", [(S, -1, -30.0)]), ("vibrance +25", [(V, 1, 25.0)]), ("warmth +10", [(W, 1, 10.0)]),
    ("tint -5", [(T, -1, -5.0)]), ("highlights -40", [(H, -1, -40.0)]), ("shadows +30", [(SH, 1, 30.0)]),
    ("clarity +30", [(CL, 1, 30.0)]), ("saturation -100%", [(S, -1, -100.0)]),
    ("more detail in the shadows", [(SH, 1, 1.0)]), ("more detail in the highlights", [(H, -1, 1.0)]),
    ("temp -10", [(W, -1, -10.0)]), ("raise the temp", [(W, 1, 1.0)]), ("sharpening +40", [(SP, 1, 40.0)]),
    # white balance, black and white, protections
    ("neutral colours", [("neutral", 0, 1.0)]), ("neutral colors", [("neutral", 0, 1.0)]),
    ("remove the colour cast", [("neutral", 0, 1.0)]), ("fix the white balance", [("neutral", 0, 1.0)]),
    ("slightly more neutral", [("neutral", 0, 0.5)]), ("black and white", [("mono", -1, 1.0)]),
    ("B&W", [("mono", -1, 1.0)]), ("bw", [("mono", -1, 1.0)]), ("monochrome", [("mono", -1, 1.0)]),
    ("keep the highlights", [("protect", 0, 1.0)]), ("don't blow the highlights", [("protect", 0, 1.0)]),
    ("protect the shadows", [("protect", 0, 1.0)]), ("don't crush the blacks", [("protect", 0, 1.0)]),
    # several clauses
    ("much brighter and more contrast", [(B, 1, 1.75), (C, 1, 1.0)]),
    ("darker, recover highlights", [(B, -1, 1.0), (H, -1, 1.0)]),
    ("a bit warmer and more contrast", [(W, 1, 0.5), (C, 1, 1.0)]),
    ("increase contrast and saturation", [(C, 1, 1.0), (S, 1, 1.0)]),
    ("lift shadows and highlights", [(SH, 1, 1.0), (H, 1, 1.0)]),
    ("much brighter, keep the highlights", [(B, 1, 1.75), ("protect", 0, 1.0)]),
    ("warmer; less contrast; slightly sharper", [(W, 1, 1.0), (C, -1, 1.0), (SP, 1, 0.5)]),
    ("+0.5 EV with more vibrance", [(B, 1, 0.5), (V, 1, 1.0)]),
    ("neutral colours but a bit warmer", [("neutral", 0, 1.0), (W, 1, 0.5)]),
    ("reduce noise and a lot more contrast", [(NZ, -1, 1.0), (C, 1, 1.75)]),
    # a photographer's fractions of a stop
    ("+2/3 EV", [(B, 1, 0.667)]), ("increase exposure by 2/3 stop", [(B, 1, 0.667)]), ("-1/3 EV", [(B, -1, -0.333)]),
    ("-1 1/3 stops", [(B, -1, -1.333)]), ("1/2 stop darker", [(B, -1, -0.5)]),
    ("two thirds of a stop brighter", [(B, 1, 0.667)]), ("a third of a stop darker", [(B, -1, -0.333)]),
    # a cast named and taken out: the photo's measured light, as "neutral colours" takes it
    ("remove the orange cast", [("neutral", 0, 1.0)]), ("undo the blue tint", [("neutral", 0, 1.0)]),
    ("get rid of that ugly green cast", [("neutral", 0, 1.0)]), ("fix the colours", [("neutral", 0, 1.0)]),
    ("remove the heavy tungsten colour cast", [("neutral", 0, 1.0)]),
    ("remove the yellow cast and slightly brighter", [("neutral", 0, 1.0), (B, 1, 0.5)]),
    # ... or named without "cast": a verb and the colour it shows as
    ("remove the orange", [("neutral", 0, 1.0)]), ("kill the blue", [("neutral", 0, 1.0)]),
    ("get rid of the ugly green", [("neutral", 0, 1.0)]),
    # the exposure the critic measures as right, as "fix the colours" is its measured light
    ("fix the exposure", [("auto_exposure", 0, 1.0)]), ("correct the overexposure", [("auto_exposure", 0, 1.0)]),
    ("slightly fix the exposure and warmer", [("auto_exposure", 0, 0.5), (W, 1, 1.0)]),
    # red is the warm end of the light's colour, as orange and yellow are
    ("less red", [(W, -1, 1.0)]), ("too red", [(W, -1, 1.0)]), ("a bit redder", [(W, 1, 0.5)]),
    # too much, too little, not too much
    ("too much contrast", [(C, -1, 1.0)]), ("too little saturation", [(S, 1, 1.0)]),
    ("not enough contrast", [(C, 1, 1.0)]), ("darken the sky", [(H, -1, 1.0)]),
    # a percentage with neither a sign nor a direction word is a level: 80 % of what it is
    ("saturation 80%", [(S, -1, -20.0)]), ("saturation 120%", [(S, 1, 20.0)]), ("contrast 150%", [(C, 1, 50.0)]),
    ("bring back the clouds", [(H, -1, 1.0)]), ("brighter and warmer, but not too much", [(B, 1, 1.0), (W, 1, 0.5)]),
]

LOOK_TABLE = [
    ("golden hour", {W: (1, 1.75), T: (1, 0.25), V: (1, 0.5), B: (1, 0.25), C: (-1, 0.5)}),
    ("slightly moody", {B: (-1, 0.25), W: (-1, 0.25), S: (-1, 0.375), SH: (-1, 0.25), C: (1, 0.25)}),
    ("airy, warmer", {B: (1, 1.75), C: (-1, 0.5), SH: (1, 0.5), S: (-1, 0.5), W: (1, 1.0)}),  # the user wins
    ("matte", {FD: (1, 1.0), C: (-1, 0.5), S: (-1, 0.25)}),
    ("film look", {FD: (1, 0.25), C: (1, 0.5), S: (-1, 0.5), W: (1, 0.25), CL: (1, 0.25)}),
    ("moody and brighter", {B: (1, 1.0), W: (-1, 0.5), S: (-1, 0.75), SH: (-1, 0.5), C: (1, 0.5)}),
    ("vintage", {FD: (1, 1.0), S: (-1, 0.5), W: (1, 0.5), C: (-1, 0.5)}),
    ("high key", {B: (1, 1.75), C: (-1, 0.5), SH: (1, 0.5)}),
    ("slightly low-key", {B: (-1, 0.875), C: (1, 0.25), SH: (-1, 0.25)}),
    ("make it pop", {C: (1, 1.0), V: (1, 1.0), CL: (1, 0.5)}),
    ("pop, but less contrast", {C: (-1, 1.0), V: (1, 1.0), CL: (1, 0.5)}),  # the user wins
]


def _amount(c):
    return c.value if c.value is not None else c.k


def test_the_table_is_large_and_covers_every_degree():
    assert len(TABLE) + len(LOOK_TABLE) >= 100
    phrases = " ".join(t for t, _ in TABLE)
    for degree in ("a touch", "slightly", "a bit", "somewhat", "much", "a lot", "very", "very much", "extremely"):
        assert f"{degree} " in phrases, degree
    assert {k for _, rows in TABLE for _, _, k in rows} >= {DEGREES[d] for d in ("a touch", "slightly", "somewhat",
                                                                                 "much", "very", "very much",
                                                                                 "extremely")}


@pytest.mark.parametrize("text, expected", TABLE, ids=[t for t, _ in TABLE])
def test_phrasing(text, expected):
    clauses = read(text)
    got = [(c.dial if c.kind == "dial" else c.kind, c.sign, _amount(c)) for c in clauses]
    assert got == [(d, s, pytest.approx(a)) for d, s, a in expected]
    # the same through parse_hint without a photo: the ops named, each moved the stated way
    plan = parse_hint(text)
    by_op = {e.op: e.params for e in plan.edits}
    for c in clauses:
        if c.kind != "dial":
            continue
        d = DIALS_BY_NAME[c.dial]
        assert d.op in by_op, (text, d.op)
        assert _moves(d, by_op[d.op]) == d.positive * c.sign, (text, by_op[d.op])


def _moves(d, p) -> int:
    """Which way the op's parameters move the dial's knob: +1, -1 (0 when they do not)."""
    if d.op == "white_balance":
        v = math.log(p.red / p.blue) if d.knob == "warmth" else -math.log(p.green / math.sqrt(p.red * p.blue))
    elif d.op == "denoise":
        v = p.luma
    else:
        v = getattr(p, d.knob)
    return (v > 1e-9) - (v < -1e-9)


@pytest.mark.parametrize("text, expected", LOOK_TABLE, ids=[t for t, _ in LOOK_TABLE])
def test_looks_are_the_same_clauses_with_their_degree(text, expected):
    clauses = [c for c in read(text) if c.kind == "dial"]
    assert {c.dial: (c.sign, pytest.approx(c.k)) for c in clauses} == expected


def test_degrees_order_the_nominal_edit():
    evs = [parse_hint(f"{d} brighter").edits[0].params.ev for d in ("a touch", "slightly", "somewhat", "", "much",
                                                                      "very", "very much", "extremely")]
    assert all(0 < a < b for a, b in zip(evs, evs[1:]))


@pytest.mark.parametrize("text, words, close", [
    ("make it pop like a unicorn", ["unicorn"], None),
    ("warmmer", ["warmmer"], "warmer"),
    ("more contrst", ["contrst"], "more contrast"),
    ("golden hours glow", ["hours", "glow"], "golden hour"),
    # a verb and a word that is no colour of light: not a cast taken out (nor all colour removed)
    ("remove colour", [], "neutral colours"),
    # words of other alphabets are named whole, not cut at their accents
    ("wärmer bitte", ["wärmer", "bitte"], "warmer"), ("très chaud", ["très", "chaud"], None),
])
def test_unknown_clause_names_the_words_and_the_closest_phrases(text, words, close):
    with pytest.raises(UsageError) as e:
        parse_hint(text)
    msg = str(e.value)
    assert "not understood" in msg and "closest:" in msg
    for w in words:
        assert repr(w) in msg
    if words:  # one word is named as one word
        assert ("the word " if len(words) == 1 else "the words ") + repr(words[0]) in msg
    if close:
        assert f'"{close}"' in msg.split("closest:")[1]


@pytest.mark.parametrize("text, why", [
    ("warmer and cooler", "twice"), ("5600K and warmer", "kelvin"), ("black and white, more saturated", "colour"),
    ("more haze", "cannot add"), ("less sharp", "does not blur"), ("+5 EV", "4 EV"), ("saturation -150%", "100"),
    ("20000000K", "outside"), ("+1 EV and +2 EV", "twice"), ("", "empty"), ("contrast +1 +2", "one number"),
    ("brightness 120%", "points of CIELAB L"), ("warmth +10%", "not in percent"),
])
def test_contradictions_and_impossible_asks_are_usage_errors(text, why):
    with pytest.raises(UsageError, match=why):
        parse_hint(text)


@pytest.mark.parametrize("text", ["auto enhance", "fix it", "make it look better", "please improve the photo"])
def test_asking_for_what_spc_does_without_a_hint_says_so(text):
    with pytest.raises(UsageError, match="what spc does without a hint: leave out --hint"):
        parse_hint(text)



@pytest.mark.parametrize("text, ways", [
    ("temp", ['"more temp"', '"less temp"', '"temp +10"']),
    ("the contrast", ['"more contrast"', '"less contrast"', '"contrast +10"']),
    ("sharpening", ['"more sharpening"', '"sharpening +10"']),  # spc sharpens, never blurs
    ("noise", ['"less noise"']),
])
def test_a_bare_noun_asks_which_way_and_offers_only_ways_spc_takes(text, ways):
    with pytest.raises(UsageError) as e:
        parse_hint(text)
    msg = str(e.value)
    assert "but not which way: e.g. " + ", ".join(ways) in msg
    for way in ways:
        parse_hint(way.strip('"'))  # each offered way is understood


def test_suggestions_never_offer_the_words_refused():
    with pytest.raises(UsageError) as e:
        parse_hint("warmer temp")
    assert '"warmer temp"' not in str(e.value).split("closest:")[1]
