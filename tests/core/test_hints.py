import pytest

from spc.errors import UsageError
from spc.hints import merge, parse_hint
from spc.ops.params import ExposureParams
from spc.plan import Edit, EditPlan


def test_warmer_raises_red_and_lowers_blue():
    plan = parse_hint("warmer tones")
    (e,) = plan.edits
    assert e.op == "white_balance"
    assert e.params.red > 1.0 > e.params.blue
    assert "warm" in e.instruction


def test_degrees_scale_the_edit():
    a = parse_hint("slightly brighter").edits[0].params.ev
    b = parse_hint("brighter").edits[0].params.ev
    c = parse_hint("much brighter").edits[0].params.ev
    assert 0 < a < b < c


def test_several_clauses():
    ops = [e.op for e in parse_hint("a bit darker, more contrast and less saturated").edits]
    assert ops == ["exposure", "contrast", "saturation"]


@pytest.mark.parametrize("text", ["", "make it pop like a unicorn", "warmer and cooler"])
def test_unknown_or_contradictory_hints_are_usage_errors(text):
    with pytest.raises(UsageError):
        parse_hint(text)


def test_merge_lets_the_hint_win_on_its_op_only():
    critic = EditPlan([Edit("exposure", ExposureParams(ev=1.0), instruction="increase exposure"),
                       Edit("contrast", parse_hint("more contrast").edits[0].params)])
    plan, notes = merge(critic, parse_hint("darker"))
    evs = [e.params.ev for e in plan.edits if e.op == "exposure"]
    assert evs == [-0.5] and any(e.op == "contrast" for e in plan.edits)
    assert notes and "exposure" in notes[0]
