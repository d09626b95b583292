"""The free-text critique parser: SmartPhotoCrafter-style answers -> findings, plan, score."""

import pytest

from spc_cli.critic.instructions import merge_edits, parse_critique, parse_suggestion, parse_suggestions

TYPICAL = """Reasoning: The photo is underexposed: the subject's face sits in deep shadow and the sky
is the only well-lit area. A faint haze flattens the background and the colours look slightly cool.
Fine detail is acceptable.

Suggestions:
1. Slightly increase light and exposure.
2. Moderately reduce haze.
3. Slightly warm up the colours.
4. Add a vignette to draw the eye to the subject.

Score: 58/100"""


@pytest.mark.parametrize("text, attribute, up, severity, op", [
    ("slightly increase light and exposure", "exposure", True, 0.25, "exposure"),
    ("moderately reduce haze", "haze", False, 0.5, "dehaze"),
    ("significantly decrease brightness", "exposure", False, 0.8, "exposure"),
    ("slightly warm up the colours", "white_balance", True, 0.25, "white_balance"),
    ("reduce the yellow cast", "white_balance", False, 0.5, "white_balance"),
    ("moderately reduce noise", "noise", False, 0.5, "denoise"),
    ("slightly enhance sharpness", "sharpness", True, 0.25, "sharpen"),
    ("lift the shadows a little", "shadows", True, 0.25, "tone"),
    ("recover highlight details", "highlights", False, 0.5, "tone"),
    ("**Moderately increase contrast**", "contrast", True, 0.5, "contrast"),
])
def test_one_suggestion(text, attribute, up, severity, op):
    s = parse_suggestion(text)
    assert s is not None
    assert (s.attribute, s.up, s.severity, s.edit.op) == (attribute, up, severity, op)
    assert s.edit.attribute == attribute and s.instruction


def test_degree_orders_the_edit_size():
    degrees = ("slightly", "moderately", "significantly")
    evs = [parse_suggestion(f"{d} increase exposure").edit.params.ev for d in degrees]
    assert 0 < evs[0] < evs[1] < evs[2]
    assert parse_suggestion("slightly decrease exposure").edit.params.ev < 0


def test_two_attributes_in_one_sentence():
    found = parse_suggestions("significantly increase contrast and saturation")
    assert [s.attribute for s in found] == ["contrast", "saturation"]


@pytest.mark.parametrize("text", ["add a vignette", "crop tighter", "increase noise", "deepen the shadows",
                                  "make it pop", "", "fix the white balance"])
def test_suggestions_without_an_edit_are_none(text):
    assert parse_suggestion(text) is None


def test_typical_answer():
    p = parse_critique(TYPICAL)
    assert p.score == 58
    assert [s.attribute for s in p.suggestions] == ["exposure", "haze", "white_balance"]
    assert [s.instruction for s in p.suggestions] == ["slightly increase exposure", "moderately reduce haze",
                                                      "slightly warm up the colours"]
    assert p.dropped == ["Add a vignette to draw the eye to the subject."]
    assert p.reasoning.startswith("The photo is underexposed") and "\n" not in p.reasoning


def test_markdown_bullets_reasons_and_score_variants():
    p = parse_critique("**Analysis:** Too dark overall.\n\n**Edits**\n"
                       "- **Increase exposure moderately**: the face is dark\n- reduce noise\n"
                       "* slightly increase exposure again\nThese edits will help.\n\nQuality score: 71 out of 100")
    assert [s.attribute for s in p.suggestions] == ["exposure", "noise"]  # the repeat is ignored
    assert p.suggestions[0].edit.reason.endswith("the face is dark")
    assert p.score == 71


@pytest.mark.parametrize("text, score", [
    ("Score: 140/100", 100.0), ("Score: -5", 0.0), ("Rated 64/100.", 64.0), ("no number here", None),
    ("**Score:** 7/10", 70.0), ("The image quality has 2 problems.\nScore: 55", 55.0),
    ("Image quality suffers from 2 problems.", None), ("Score: 40/100\n... on reflection, Score: 45/100", 45.0)])
def test_score_is_clamped_or_missing(text, score):
    assert parse_critique(text).score == score


@pytest.mark.parametrize("text", ["", "   ", "\x00\x01 ;;; 🤖 ¿¿", "1. 2. 3.", "Score: abc", None, "a" * 5000])
def test_garbage_never_raises(text):
    p = parse_critique(text)
    assert p.suggestions == [] and p.score is None


def test_no_suggestions():
    p = parse_critique("Reasoning: A well exposed, crisp photo.\nSuggestions: none\nScore: 92/100")
    assert p.suggestions == [] and p.dropped == [] and p.score == 92 and p.structured


def test_same_op_edits_merge():
    s = parse_suggestions("lift the shadows") + parse_suggestions("recover the highlights")
    plan = merge_edits([x.edit for x in s])
    (e,) = plan.edits
    assert e.op == "tone" and e.params.shadows > 0 > e.params.highlights


@pytest.mark.parametrize("text, expected", [
    ("Increase contrast to bring out details", ["contrast"]),  # the purpose clause is not a second edit
    ("Reduce the highlights to recover details in the sky.", ["highlights"]),
    ("Adjust the white balance to warm the image", ["white_balance"]),  # only the purpose says which way
    ("Apply noise reduction, as the shadows are grainy", ["noise"]),
    ("Boost the vibrance for more colour", ["saturation"]),
])
def test_main_clause_first(text, expected):
    assert [s.attribute for s in parse_suggestions(text)] == expected


def test_degree_after_the_main_clause():
    assert parse_suggestion("Increase exposure slightly, to brighten the face").instruction == \
        "slightly increase exposure"
