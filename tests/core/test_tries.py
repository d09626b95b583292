"""A closed-loop try's note: what ``Try.note`` writes, ``parse`` reads back (``spc_cli.tries``)."""

from __future__ import annotations

import itertools

import pytest

from spc_cli.tries import OWN_LIGHT, Try, accepted, first_refusal, parse

LABELS = ("strength 1.0", "strength 0.4", "strength 1.0, exposure capped, shadows lifted")
PROGRESS = ("", "exposure (under) at full severity, asking +3.0 -> +2.7 EV",
            "exposure (under) held at severity 0.60, average brightness -4.4 -> -3.1 stops; "
            "noise (present) at full severity, asking +0.0 -> +0.0 EV")
WHY = ((), ("score did not rise",), ("new highlights (clipped), exposure (over)",
                                     "18% of the frame pushed from below white to white"))
MILDER = ((), (("noise", "present"),), (("noise", "present"), ("contrast", "low")))
LIGHT = ((), (("white_balance", "cool"),), (("white_balance", "warm"), ("white_balance", "green")))


def tries():
    for label, progress, why, milder, light, levels in itertools.product(LABELS, PROGRESS, WHY, MILDER, LIGHT,
                                                                         (False, True)):
        ok = not why
        if progress and not ok:
            continue  # the loop states a pinned finding's progress only where it accepts the try
        yield Try(label, 43.0, 81.0 if ok else 40.0, ok, levels=levels, progress=progress, why=why, milder=milder,
                  light=light)


@pytest.mark.parametrize("t", list(tries()), ids=lambda t: t.note()[:60])
def test_every_note_the_loop_writes_is_read_back_as_written(t):
    assert parse(t.note()) == t


def test_the_notes_as_the_loop_has_always_written_them_are_read():
    # as they stand in sidecars written before the notes had one writer
    assert parse("strength 0.7: score 43 -> 81, accepted") == Try("strength 0.7", 43, 81, True)
    assert parse("strength 1.0: score 5 -> 4, rejected") == Try("strength 1.0", 5, 4, False)
    t = parse("strength 1.0, exposure capped, shadows lifted: score 72 -> 78, accepted; reads white_balance (cool): "
              + OWN_LIGHT)
    assert t.accepted and t.after == 78 and t.light == (("white_balance", "cool"),)
    t = parse("strength 1.0: score 43 -> 43 (exposure (under) at full severity, asking +3.0 -> +2.7 EV), accepted; "
              "reveals milder noise (present)")
    assert t.accepted and t.progress.startswith("exposure (under)") and t.milder == (("noise", "present"),)
    for other in ("strength 0.0: no strength improved the photo; left untouched", "no strength was accepted; left "
                  "untouched", "deblur: pixel-scale, kept as planned (not judged on the proxy)"):
        assert parse(other) is None


def test_the_accepted_try_and_the_first_refusal_are_found_in_order():
    notes = ["sharpen: pixel-scale, kept as planned (not judged on the proxy)",
             Try("strength 1.0", 43, 40, False, why=("new highlights (clipped)",)).note(),
             Try("strength 0.7", 43, 81, True, progress="exposure (under) at full severity, asking +3.0 -> +2.0 EV")
             .note()]
    assert accepted(notes).label == "strength 0.7" and first_refusal(notes).why == ("new highlights (clipped)",)
    assert accepted(notes[:2]) is None and first_refusal(notes[2:]) is None
