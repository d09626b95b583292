"""The one line the summary prints for each photo, from its sidecar (``engine.what_was_done``)."""

from __future__ import annotations

import pytest

from spc_cli.engine import what_was_done
from spc_cli.engine.planning import accepted_score, eased_to, own_light, refusal

EXPOSURE = {"op": "exposure", "instruction": "strongly increase exposure"}
CONTRAST = {"op": "contrast", "instruction": "slightly increase contrast"}
FINDING = {"attribute": "exposure", "direction": "under"}


DEBLUR = {"op": "deblur", "instruction": "increase sharpness"}
OWN_LIGHT = ("strength 1.0, exposure capped, shadows lifted: score 66 -> 100, accepted; reads white_balance (cool): "
             "the photo's own light, which edits that move no grey that way cannot have cast")
SHAKE_NOT = "camera shake not corrected: the kernels estimated on two parts of the photo disagree"


def doc(plan=(), applied=(), refine=(), before=43.0, after=None, findings=(FINDING,), notes=(), alone=()):
    return {"plan": list(plan), "applied": [{"op": p} for p in applied], "refine": list(refine),
            "critique": {"score": before, "findings": list(findings)},
            "result": {"score": after, "measured_on": "proxy" if after is not None else None}, "notes": list(notes),
            "left_alone": [{"op": "deblur", "instruction": "increase sharpness", "reason": r} for r in alone]}


@pytest.mark.parametrize("d,line", [
    (doc([EXPOSURE, CONTRAST], ["exposure", "contrast"], after=88.4),
     "score 43 -> 88; strongly increase exposure; slightly increase contrast"),
    (doc([EXPOSURE], ["exposure"], ["strength 1.0: score 43 -> 40, rejected: new highlights (clipped)",
                                    "strength 0.7: score 43 -> 81, accepted"], after=81),
     "score 43 -> 81; strongly increase exposure (eased to strength 0.7)"),
    (doc([EXPOSURE], ["exposure"], ["strength 1.0: score 43 -> 90, accepted"], after=90),
     "score 43 -> 90; strongly increase exposure"),
    (doc([EXPOSURE, CONTRAST], [], ["strength 1.0: score 60 -> 58, rejected: new contrast (low)",
                                    "strength 0.0: no strength improved the photo; left untouched"], before=60),
     "score 60; left as it was: the closed loop refused strongly increase exposure and slightly increase contrast "
     "(new contrast (low))"),
    (doc([EXPOSURE], [], ["strength 1.0: score 41 -> 41, rejected: score did not rise"], before=41, after=41),
     "score 41 -> 41; left as it was: the closed loop refused strongly increase exposure (score did not rise)"),
    (doc([{"op": "dehaze"}], [], ["strength 1.0: score 50 -> 49, rejected"], before=50),
     "score 50; left as it was: the closed loop refused dehaze (the score did not rise)"),
    (doc([], [], findings=[], before=99, after=99), "score 99 -> 99; left as it was: nothing needs fixing"),
    # a finding the critic has no edit for is named
    (doc([], [], before=70), "score 70; left as it was: reads under-exposed, with no edit planned for it"),
    (doc([], [], before=80, findings=[{"attribute": "exposure", "direction": "over", "severity": 0.2}]),
     "score 80; left as it was"),  # a minor one is not
    (doc([EXPOSURE], [], before=55), "score 55; left as it was"),  # strength 0, no closed loop
    ({"plan": [], "applied": []}, "left as it was: nothing needs fixing"),  # an old sidecar without scores
    # an op that left the photo alone after all says why, alone or after the edits that were made
    (doc([DEBLUR], [], before=62, notes=["exif kept"], alone=[SHAKE_NOT]), f"score 62; left as it was: {SHAKE_NOT}"),
    (doc([EXPOSURE, DEBLUR], ["exposure"], after=80, alone=[SHAKE_NOT]),
     f"score 43 -> 80; strongly increase exposure; {SHAKE_NOT}"),
    (doc([DEBLUR], [], before=62, notes=[SHAKE_NOT]), "score 62; left as it was"),  # notes are not read for it
    (doc([DEBLUR], ["deblur"], after=75, notes=["camera shake corrected with a kernel estimated from the photo"]),
     "score 43 -> 75; increase sharpness"),
    # a try accepted with a milder finding it reveals is still an eased try
    (doc([EXPOSURE], ["exposure"], ["strength 1.0: score 43 -> 40, rejected: new highlights (clipped)",
                                    "strength 0.7: score 43 -> 81, accepted; reveals milder noise (present)"],
         after=81),
     "score 43 -> 81; strongly increase exposure (eased to strength 0.7)"),
    # a try kept although its score did not rise says why
    (doc([EXPOSURE], ["exposure"], ["strength 1.0: score 64 -> 63 (exposure (under) held at severity 0.57, average "
                                    "brightness -4.3 -> -3.6 stops), accepted"], after=63),
     "score 43 -> 63; strongly increase exposure; kept for what the score cannot show: exposure (under) held at "
     "severity 0.57, average brightness -4.3 -> -3.6 stops"),
    # a colour the brightening made readable, taken by the loop for the photo's own light, is named
    (doc([EXPOSURE], ["exposure"], [OWN_LIGHT], after=100),
     "score 43 -> 100; strongly increase exposure; shows a cool light once edited, kept as the photo's own"),
])
def test_what_was_done(d, line):
    assert what_was_done(d) == line


def test_a_colour_lean_left_as_the_scenes_own_is_named_on_the_line():
    # the critic's summary names a lean it took for the scene's colour (critic.advise._colour_lean);
    # the line says so, whether the photo was left alone or edited for something else
    lean = ("The photo looks well exposed, with clean, sharp detail. Nothing needs fixing. Its colours lean blue "
            "(2.2x the spread of well-balanced photos), read as the scene's own colour and left as they are; the "
            "hint \"neutral colours\" removes the lean.")
    alone = doc([], [], findings=[], before=100, after=100)
    alone["critique"]["summary"] = lean
    assert what_was_done(alone) == ("score 100 -> 100; left as it was: nothing needs fixing; "
                                    "colours lean blue, taken for the scene's own")
    refused = doc([EXPOSURE], [], ["strength 1.0: score 41 -> 41, rejected: score did not rise"], before=41, after=41)
    refused["critique"]["summary"] = lean
    assert what_was_done(refused).endswith("(score did not rise); colours lean blue, taken for the scene's own")
    edited = doc([EXPOSURE], ["exposure"], after=88)
    edited["critique"]["summary"] = "The photo is under-exposed: ... " + lean.split("Nothing needs fixing. ")[1]
    assert what_was_done(edited) == "score 43 -> 88; strongly increase exposure; colours lean blue, taken for the " \
                                    "scene's own"
    # a lean named already is not named twice where the brightening also shows the light
    shown = doc([EXPOSURE], ["exposure"], [OWN_LIGHT], after=100)
    shown["critique"]["summary"] = edited["critique"]["summary"]
    assert what_was_done(shown).endswith("strongly increase exposure; colours lean blue, taken for the scene's own")
    plain = doc([], [], findings=[], before=99, after=99)
    plain["critique"]["summary"] = "The photo looks well exposed and balanced, with clean, sharp detail."
    assert what_was_done(plain) == "score 99 -> 99; left as it was: nothing needs fixing"
    # the hint "neutral colours" took the lean out: the line does not say it was left
    neutral = doc([{"op": "white_balance", "instruction": "neutralise the colour cast"}], ["white_balance"],
                  findings=[], before=100, after=100)
    neutral["critique"]["summary"] = lean
    assert what_was_done(neutral) == "score 100 -> 100; neutralise the colour cast"


def test_a_toned_print_is_named_on_the_line_unless_a_hint_took_its_tone_out():
    from spc_cli.critic.advise import TONE_SENTENCE

    kept = doc([], [], findings=[], before=96, after=96)
    kept["critique"]["summary"] = "The photo looks well exposed, with clean, sharp detail. " + TONE_SENTENCE
    assert what_was_done(kept).endswith("nothing needs fixing; one tone throughout (a toned print), kept")
    for op, words in (("saturation", "remove all colour"), ("white_balance", "neutralise the colour cast")):
        grey = doc([{"op": op, "instruction": words}], [op], findings=[], before=96, after=84)
        grey["critique"]["summary"] = kept["critique"]["summary"]
        assert what_was_done(grey) == f"score 96 -> 84; {words}"


def test_a_sidecar_before_schema_5_has_its_shake_note_read_as_left_alone(tmp_path):
    import json

    from spc_cli import sidecar

    old = {**doc([EXPOSURE, DEBLUR], ["exposure"], after=80, notes=["exif kept", SHAKE_NOT]), "schema": 4}
    del old["left_alone"]
    path = tmp_path / "a.spc.json"
    path.write_text(json.dumps(old))
    got = sidecar.load(path)
    assert got["left_alone"] == [{"op": "deblur", "instruction": "increase sharpness", "reason": SHAKE_NOT}]
    assert what_was_done(got) == f"score 43 -> 80; strongly increase exposure; {SHAKE_NOT}"
    path.write_text(json.dumps({**old, "schema": 5, "left_alone": []}))
    assert sidecar.load(path)["left_alone"] == []  # a schema-5 sidecar's field is taken as written


def test_the_closed_loops_notes_are_read_in_order():
    notes = ["sharpen: pixel-scale, kept as planned (not judged on the proxy)",
             "strength 1.0: score 43 -> 40, rejected: new highlights (clipped)",
             "strength 0.7: score 43 -> 81 with levels, accepted"]
    assert accepted_score(notes) == 81 and refusal(notes) == "new highlights (clipped)"
    assert accepted_score(notes[:2]) is None and refusal(notes[2:]) is None
    assert refusal(["strength 1.0: score 5 -> 4, rejected"]) == "the score did not rise"
    assert refusal([]) is None and accepted_score(["a note that is not a try"]) is None


def test_the_score_of_a_try_whose_colour_the_loop_took_for_the_photos_own_light_is_read():
    """The engine reports the score the closed loop accepted, as the loop judged it; a note that ends
    with the colour read as the photo's own light was once not read at all, and the output was scored
    again with that colour counted (a brightened aquarium, 62 -> 60 where the loop saw 66 -> 100)."""
    rejected = "strength 1.0: score 66 -> 100, rejected: 18% of the frame pushed from below white to white"
    assert accepted_score([rejected, OWN_LIGHT]) == 100 and own_light([rejected, OWN_LIGHT]) == ["cool"]
    assert refusal([rejected, OWN_LIGHT]) == "18% of the frame pushed from below white to white"
    assert eased_to([rejected, OWN_LIGHT]) is None  # a capped brightening at full strength
    both = ("strength 0.7: score 50 -> 70, accepted; reveals milder noise (present); reads white_balance (warm), "
            "white_balance (green): the photo's own light, which edits that move no grey that way cannot have cast")
    assert accepted_score([both]) == 70 and own_light([both]) == ["warm", "green"]
    assert eased_to([both]) == "strength 0.7"
    vetoed = ("strength 1.0: score 60 -> 58, rejected: new contrast (low); reads white_balance (cool): the photo's own "
              "light, which edits that move no grey that way cannot have cast")
    assert refusal([vetoed]) == "new contrast (low)" and accepted_score([vetoed]) is None and own_light([vetoed]) == []


def test_a_darkening_that_kept_a_blown_area_white_says_so():
    darker = {"op": "exposure", "instruction": "moderately decrease exposure"}

    def line(clipped: float, keep: float, ev: float = -0.9) -> str:
        d = doc([darker], ["exposure"], ["strength 1.0: score 36 -> 44, accepted"], before=36, after=44,
                findings=({"attribute": "exposure", "direction": "over"},))
        d["applied"] = [{"op": "exposure", "params": {"ev": ev, "shoulder": 1.0, "keep_white": keep}}]
        d["critique"]["measurements"] = {"exposure.clipped": clipped}
        return what_was_done(d)

    assert line(0.24, 1.0) == ("score 36 -> 44; moderately decrease exposure; the blown 24% of the frame is kept "
                               "white: nothing is left in it to darken")
    # a plain darkening (a raw file's, version 1), a frame with next to nothing blown, or a brightening: not said
    assert line(0.24, 0.0).endswith("moderately decrease exposure")
    assert line(0.24, 0.3).endswith("moderately decrease exposure")  # kept only a little of the way
    # part of the way (a camera's roll-off, advise.CAMERA_KEEP, with a few percent blown): near white
    assert line(0.03, 0.6).endswith("the blown 3% of the frame is kept near white: nothing is left in it to darken")
    assert line(0.004, 1.0).endswith("moderately decrease exposure")
    assert line(0.24, 1.0, ev=0.5).endswith("moderately decrease exposure")
