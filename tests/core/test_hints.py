import json
import math

import numpy as np
import pytest
from PIL import Image

from spc_cli.api import photo_from_array, photo_to_array
from spc_cli.errors import UsageError
from spc_cli.hints import merge, needs_photo, parse_hint
from spc_cli.ops.params import ExposureParams
from spc_cli.plan import Edit, EditPlan


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


def test_darker_keeps_a_display_referred_files_white():
    from spc_cli.hints.assemble import make_params

    assert parse_hint("darker").edits[0].params.keep_white == 0.0  # no photo: nothing known to be blown
    blown = {"exposure.scene_linear": 0.0, "exposure.clipped": 0.25}
    assert make_params("exposure", {"ev": -0.5}, m=blown).keep_white == 1.0
    assert make_params("exposure", {"ev": 0.5}, m=blown).keep_white == 0.0
    assert make_params("exposure", {"ev": -0.5}, m={**blown, "exposure.scene_linear": 1.0}).keep_white == 0.0  # raw


def test_a_darkening_in_stops_is_made_on_the_photo():
    from spc_cli.critic.advise import CAMERA_KEEP
    from spc_cli.hints import needs_photo

    # "-1 EV" keeps a camera JPEG's highlights bright as "darker" does; "+1 EV" is the same everywhere
    assert needs_photo("-1 EV") and needs_photo("a third of a stop darker") and not needs_photo("+0.7 EV")
    jpeg = {"exposure.scene_linear": 0.0, "exposure.clipped": 0.0}
    p = parse_hint("-1 EV", None, jpeg).edits[0].params
    assert p.ev == -1.0 and p.keep_white == CAMERA_KEEP  # mid-grey still moves by exactly -1 EV
    assert parse_hint("-1 EV", None, {**jpeg, "exposure.scene_linear": 1.0}).edits[0].params.keep_white == 0.0


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
    assert evs == [parse_hint("darker").edits[0].params.ev] and evs[0] < 0
    assert any(e.op == "contrast" for e in plan.edits)
    assert notes and "exposure" in notes[0]


def photo_to_array_u8(photo):
    return (np.clip(photo_to_array(photo), 0, 1) * 255).round().astype(np.uint8)


def _log_chroma(rgb):
    r, g, b = (math.log(float(v)) for v in rgb)
    return r - b, g - 0.5 * (r + b)


def _cast_scene(gains):
    """A grey scene with texture and a few colour patches that balance out, under a light of
    ``gains`` (linear RGB), as a Photo."""
    rng = np.random.default_rng(3)
    h, w = 192, 256
    y, x = np.mgrid[0:h, 0:w] / w
    grey = 0.05 + 0.5 * (0.5 + 0.5 * np.sin(9 * x + 4 * y)) + 0.05 * rng.random((h, w))
    lin = np.repeat(grey[..., None], 3, axis=2)
    lin[20:60, 20:80] = [0.35, 0.12, 0.08]
    lin[20:60, 100:160] = [0.08, 0.14, 0.35]
    lin[120:170, 40:110] = [0.12, 0.3, 0.1]
    lin = np.clip(lin * np.asarray(gains), 0, 1)
    srgb = np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)
    return photo_from_array((srgb * 255).round().astype(np.uint8))


def test_neutral_checks_without_a_photo_and_is_built_from_the_photo():
    (placeholder,) = parse_hint("neutral colours").edits  # the CLI checks the hint before any photo
    assert (placeholder.params.red, placeholder.params.green, placeholder.params.blue) == (1.0, 1.0, 1.0)
    assert needs_photo("remove the colour cast") and needs_photo("warmer tones")  # a degree is measured on it
    assert not needs_photo("+0.7 EV")  # a number that is an op parameter itself
    cast = (1.3, 1.0, 0.68)  # about a 4300 K light on a daylight balance: log R/B 0.65
    photo = _cast_scene(cast)
    (e,) = parse_hint("remove the colour cast", photo).edits
    assert e.op == "white_balance" and e.instruction == "neutralise the colour cast"
    after = _log_chroma([e.params.red * cast[0], e.params.green * cast[1], e.params.blue * cast[2]])
    assert abs(after[0]) < 0.08 and abs(after[1]) < 0.05  # the whole cast undone, not only its excess
    # a degree word takes part of it (in log units, luminance kept), never more than all of it
    (half,) = parse_hint("slightly more neutral", photo).edits
    part = _log_chroma([half.params.red * cast[0], half.params.green * cast[1], half.params.blue * cast[2]])
    whole = _log_chroma(cast)
    assert part[0] == pytest.approx(0.5 * whole[0] + 0.5 * after[0], abs=0.01)
    assert 0.2126 / half.params.red + 0.7152 / half.params.green + 0.0722 / half.params.blue == \
        pytest.approx(1.0, abs=1e-3)
    assert half.instruction.startswith("partly")
    # the critic's own measurements are used when given
    (fromm,) = parse_hint("neutral", photo, {"white_balance.warmth": 0.5, "white_balance.tint": 0.0}).edits
    assert math.log(fromm.params.red / fromm.params.blue) == pytest.approx(-0.5, abs=1e-3)
    assert fromm.params.green == pytest.approx(fromm.params.red * math.exp(0.25), rel=1e-3)


def test_retouch_neutral_undoes_a_cast_the_critic_leaves(tmp_path):
    # a moderate warm cast on a grey scene is within what warm scenes show, so the critic
    # leaves it; the user who says it is a cast gets it removed, recorded in the sidecar
    from spc_cli import api

    photo = _cast_scene((1.3, 1.0, 0.68))
    src = tmp_path / "warm.png"
    Image.fromarray(photo_to_array_u8(photo)).save(src)
    out = tmp_path / "fixed.png"
    outcomes = []
    api.retouch([src], "neutral colours", out, on_outcome=outcomes.append)
    doc = json.loads(out.with_suffix(".spc.json").read_text())
    assert not any(f["attribute"] == "white_balance" for f in doc["critique"]["findings"])  # the critic leaves it
    (hinted,) = doc["hint"]["edits"]
    assert hinted["params"]["red"] < 0.9 < 1.2 < hinted["params"]["blue"]
    assert [a["op"] for a in doc["applied"]] == ["white_balance"]
    a = np.asarray(Image.open(out)).astype(float)[100:110, 180:250].mean((0, 1))  # a grey area
    b = np.asarray(Image.open(src)).astype(float)[100:110, 180:250].mean((0, 1))
    assert abs(a[0] - a[2]) < 0.25 * abs(b[0] - b[2])


def test_enhance_pixels_takes_a_hint_as_retouch_does():
    from spc_cli import api

    srgb = photo_to_array_u8(_cast_scene((1.3, 1.0, 0.68)))
    out, _, applied = api.enhance_pixels(srgb, hint="neutral colours")
    (wb,) = [a for a in applied if a["op"] == "white_balance"]
    assert wb["params"]["red"] < 0.9 < 1.2 < wb["params"]["blue"]
    grey_in, grey_out = srgb[100:110, 180:250].mean((0, 1)), 255 * out[100:110, 180:250].mean((0, 1))
    assert abs(grey_out[0] - grey_out[2]) < 0.25 * abs(float(grey_in[0]) - float(grey_in[2]))


def test_fix_the_exposure_is_the_critics_measured_correction_found_or_not():
    from spc_cli.critic.analytic import AnalyticCritic

    assert needs_photo("fix the exposure")  # measured on the photo
    (placeholder,) = parse_hint("fix the exposure").edits  # checked before any photo: nothing to do
    assert placeholder.op == "exposure" and placeholder.params.ev == 0.0
    scene = _cast_scene((1.0, 1.0, 1.0))
    critic = AnalyticCritic()
    dark = photo_from_array(np.round(photo_to_array(scene) * 0.25 * 255).astype(np.uint8))
    planned = [e for e in critic.critique_one(dark).plan.edits if e.op == "exposure"]
    assert planned and planned[0].params.ev > 1.0  # the critic brightens it itself
    # the hint alone takes the critic's own exposure edit (its shoulder too), k of it with a degree
    (e,) = parse_hint("fix the exposure", dark, critic.measure(dark)).edits
    assert e.params == planned[0].params
    (half,) = parse_hint("slightly fix the exposure", dark).edits  # measured here when not given
    assert half.params.ev == pytest.approx(0.5 * planned[0].params.ev, abs=1e-3)
    assert half.instruction.startswith("partly")
    # where the exposure reads right there is nothing to change, and the record says so
    plan = parse_hint("fix the exposure", scene, critic.measure(scene))
    assert [e.params.ev for e in plan.edits] == [0.0] and "reads right" in plan.records[0]["note"]
    with pytest.raises(UsageError, match="twice"):
        parse_hint("fix the exposure and +1 EV")


def test_clauses_are_shown_in_the_users_words():
    from spc_cli.hints.grammar import split

    assert split("black and white, more contrast") == ["black and white", "more contrast"]
    assert split("Black & White and warmer") == ["black and white", "warmer"]
