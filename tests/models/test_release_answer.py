"""The SmartPhotoCrafter critic's answer format read into a Critique (no model needed)."""

import pytest

from spc_cli.critic.base import ATTRIBUTES, Critique
from spc_cli.critic.release_answer import critique_from_answer, read_answer

COMPLETE = """<think>(1) Image Quality / Degradations Analysis: the photo is sharp, with visible noise in the shadows; distortion severity: low.
(2) Color Performance & Lighting Analysis: the photo is under-exposed and the white balance leans cool.
(3) Composition Analysis: a centred subject and a level horizon.
(4) Aesthetic Impression Analysis: calm but flat.
(5) Concrete and concise suggestions for image improvement: brighten the scene and warm it a little. The dim light hides the subject's face.</think>
<edit_start>1. slightly increase light and exposure
2. moderately reduce noise
3. Color: warm up the white balance slightly
4. straighten the horizon</edit_end>
<answer>62</answer>"""


def _valid(c: Critique) -> None:
    assert isinstance(c, Critique) and 0.0 <= c.score <= 100.0 and c.summary
    assert all(f.attribute in ATTRIBUTES for f in c.findings)
    c.to_dict()


def test_complete_answer():
    c = critique_from_answer(COMPLETE)
    _valid(c)
    assert c.score == 62 and c.measurements["release_score"] == 62
    assert [(f.attribute, f.direction) for f in c.findings] == [("exposure", "under"), ("noise", "present"),
                                                                ("white_balance", "cool")]
    assert [f.severity for f in c.findings] == [0.25, 0.5, 0.25] and {f.confidence for f in c.findings} == {0.5}
    assert [e.op for e in c.plan.edits] == ["exposure", "denoise", "white_balance"]
    assert c.plan.edits[0].instruction == "slightly increase exposure"
    # the whole reasoning goes to the sidecar, the summary is its conclusion, shortened, and the suggestions
    assert c.reasoning.startswith("(1) Image Quality") and "(4) Aesthetic" in c.reasoning
    assert c.summary.startswith("Brighten the scene and warm it a little.") and len(c.summary) < len(c.reasoning)
    assert "Suggested: slightly increase exposure; moderately reduce noise" in c.summary
    d = c.to_dict()
    assert d["reasoning"] == c.reasoning
    # a suggestion the grammar does not know is kept in words, never guessed
    assert "straighten the horizon" in c.summary and any("straighten the horizon" in n for n in c.notes)
    assert c.measurements["release_dropped"] == 1


def test_answer_without_score():
    c = critique_from_answer(COMPLETE.split("<answer>")[0])
    _valid(c)
    assert "release_score" not in c.measurements and len(c.findings) == 3
    assert c.score < 95 and any("no <answer> score" in n for n in c.notes)


def test_truncated_inside_think_is_a_critic_error_saying_why():
    """Cut off before any suggestion or score: the critic did not judge the photo (never a 95)."""
    from spc_cli.errors import CriticError

    text = COMPLETE[:230]
    assert read_answer(text, truncated=True).reasoning.startswith("(1) Image Quality")
    with pytest.raises(CriticError) as err:
        critique_from_answer(text, truncated=True)
    assert "stopped inside <think>" in str(err.value) and "token limit" in str(err.value)


def test_suggestions_the_grammar_does_not_know():
    text = ("<think>Fine overall.</think><edit_start>1. crop tighter on the subject\n2. add a vignette\n"
            "3. remove the lamp post</edit_end><answer>80</answer>")
    c = critique_from_answer(text)
    _valid(c)
    assert c.score == 80 and not c.findings and not c.plan
    assert c.measurements["release_dropped"] == 3 and "Not mapped to an edit" in c.summary


def test_malformed_answers_that_still_say_something_give_a_critique():
    for text in ("<edit_start>1. increase contrast", "<think><think></think></edit_end><answer>250</answer>",
                 "<answer>-5</answer>", "<think>Fine.</think><edit_start>None</edit_end>"):
        c = critique_from_answer(text)
        _valid(c)
    assert critique_from_answer("<answer>250</answer>").score == 100
    assert critique_from_answer("<think>Fine.</think><edit_start>None</edit_end>").score == 95


@pytest.mark.parametrize("text", ["", "   ", "EEEEEEEE", None, "garbage", "<answer>abc</answer>",
                                  "<think>The photo is (1) slightly dark and", "<edit_start>1. add a vignette"])
def test_an_answer_with_no_score_and_no_edit_is_a_critic_error_never_a_good_photo(text):
    from spc_cli.errors import CriticError

    with pytest.raises(CriticError) as err:
        critique_from_answer(text, truncated=text is not None and text.startswith("<think>"))
    message = str(err.value)
    assert message.startswith("the smartphotocrafter critic's answer could not be read as a critique (")
    assert "\n" not in message


def test_a_cut_off_edit_block_still_gives_its_suggestions():
    # an open <edit_start> (cut off) still gives its suggestions
    c = critique_from_answer("<think>Flat.</think><edit_start>1. moderately increase contrast\n2. slig", truncated=True)
    assert [e.op for e in c.plan.edits] == ["contrast"]


def test_variants_of_the_tags():
    ans = read_answer("<think>ok</think>\n<edit_start>\n- significantly increase exposure; slightly reduce haze\n"
                      "</edit_start>\n<answer> 71 </answer>")
    assert ans.items == ["significantly increase exposure", "slightly reduce haze"] and ans.score == 71
    c = critique_from_answer("<think>ok</think><edit_start>None</edit_end><answer>93</answer>")
    assert c.score == 93 and not c.plan and "suggests no edits" in c.summary
