import pytest

from spc_cli.errors import ParamError
from spc_cli.ops import ORDER, RANK
from spc_cli.ops.params import ALL_PARAMS, ContrastParams, ExposureParams, WhiteBalanceParams
from spc_cli.plan import Edit, EditPlan, instruction_for


def test_params_reject_unknown_and_out_of_bounds():
    with pytest.raises(ParamError, match="unknown"):
        ExposureParams.from_dict({"ev": 1.0, "gamma": 2})
    with pytest.raises(ParamError, match="outside"):
        ExposureParams(ev=9.0)


@pytest.mark.parametrize("cls", ALL_PARAMS)
def test_every_op_has_a_neutral_that_scales_to_itself(cls):
    n = cls.neutral()
    assert n.is_neutral()
    assert n.scaled(0.5) == n
    for d in cls.describe():
        assert d["min"] <= d["default"] <= d["max"] and d["doc"]


def test_every_param_class_has_a_place_in_the_order_table():
    names = [n for n, _ in ORDER]
    assert len(names) == len(set(names))
    assert {c.op for c in ALL_PARAMS} == set(names)
    assert all(reason for _, reason in ORDER)


def test_plan_orders_by_the_table_whatever_the_listing():
    plan = EditPlan([Edit("contrast", ContrastParams(amount=0.3)), Edit("exposure", ExposureParams(ev=1)),
                     Edit("white_balance", WhiteBalanceParams(red=1.1))])
    assert [e.op for e in plan.ordered()] == ["white_balance", "exposure", "contrast"]
    assert [RANK[e.op] for e in plan.ordered()] == sorted(RANK[e.op] for e in plan.edits)


def test_strength_scales_from_neutral_and_round_trips():
    e = Edit("exposure", ExposureParams(ev=2.0), strength=0.5)
    assert e.effective().ev == pytest.approx(1.0)
    again = EditPlan.from_list(EditPlan([e]).to_list())
    assert again.edits[0].effective().ev == pytest.approx(1.0)
    assert EditPlan([e]).scaled(0).edits[0].effective().is_neutral()


def test_instruction_words():
    assert instruction_for(0.2, "increase", "decrease", "exposure") == "slightly increase exposure"
    assert instruction_for(-0.9, "increase", "reduce", "haze") == "strongly reduce haze"
