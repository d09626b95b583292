"""What one photo takes from its series, as edits and as the sidecar's record, and the frame
record a rerun reads instead of the photo."""

import math
from pathlib import Path

import numpy as np
import pytest

from spc_cli.critic import advise
from spc_cli.engine.series import SHARED_OPS, VERSION, Series, Share
from spc_cli.engine.series_frames import Capture, Frame
from spc_cli.colour import LUMA
from spc_cli.engine.series_pool import split
from spc_cli.plan import Edit, EditPlan
from spc_cli.ops.params import ContrastParams, ExposureParams


def _frame(own=(0.1, 0.0, -0.1), links=None):
    cap = Capture(time=1_700_000_000.25, body="Maker Cam 1 #42", gain_ev=-3.5, wb_manual=False)
    return Frame(2, Path("/shoot/c.jpg"), "ab" * 32, cap, None if own is None else np.array(own), 0.8731,
                 links if links is not None else {"cd" * 32: [0.01, -0.02, 0.03, 0.9], "ef" * 32: None})


def _log_gains(ev: float, gains) -> np.ndarray:
    """log gains whose split is (ev, gains normalised to a neutral grey's luminance)."""
    g = np.asarray(gains, dtype=np.float64)
    g = g / float(np.dot(LUMA, g))
    return np.log(g * 2.0 ** ev)


def _share(n=3, correction=None, offset=None, shoulder=1.0):
    series = Series("s1", "k" * 64, "3 photos", list(range(n)), np.zeros(3))
    return Share("k" * 64, _frame(), series, correction, offset, "matched", shoulder, "auto",
                 [Path(f"/shoot/{i}.jpg") for i in range(n)])


def test_frame_record_reads_back_as_the_same_frame():
    f = _frame()
    back = Frame.from_dict(2, f.source, f.to_dict())
    assert back.capture == f.capture and back.sha256 == f.sha256 and back.p_top == pytest.approx(0.8731)
    np.testing.assert_allclose(back.own, f.own)
    assert back.links == {"cd" * 32: [0.01, -0.02, 0.03, 0.9], "ef" * 32: None}
    empty = _frame(own=None, links={})
    again = Frame.from_dict(0, empty.source, empty.to_dict())
    assert again.own is None and again.links == {}
    assert empty.to_dict()["own"] is None and empty.to_dict()["wb_manual"] is False


def test_a_photo_in_no_series_gets_no_plan_and_a_short_record():
    alone = Share(None, _frame())
    assert alone.plan() is None
    assert alone.record() == {"key": None, "mode": "auto", "frame": {**_frame().to_dict(), "version": VERSION}}
    unplanned = _share(correction=None)
    assert unplanned.plan() is None


def test_the_shared_edits_render_the_series_correction_in_words():
    corr = _log_gains(0.8, (1.3, 1.0, 0.7))
    plan = _share(n=3, correction=corr, shoulder=0.9).plan()
    wb, ex = plan.edits
    ev, gains = split(corr)
    assert wb.op == "white_balance" and [wb.params.red, wb.params.green, wb.params.blue] == pytest.approx(gains, abs=1e-4)
    assert ex.op == "exposure" and ex.params.ev == pytest.approx(0.8, abs=1e-3) and ex.params.shoulder == 0.9
    assert wb.reason == ex.reason == "shared with the 2 other photos of series s1"
    warm = math.log(gains[0] / gains[2])  # 0.62: strong
    assert warm > 0.5 and wb.instruction == "strongly increase warmth to match its series"
    assert ex.instruction == "moderately increase exposure to match its series"  # 0.8 EV of 2
    two = _share(n=2, correction=_log_gains(-0.3, (0.95, 1.0, 1.05))).plan()
    wb, ex = two.edits
    assert wb.reason == "shared with the 1 other photo of series s1"
    assert wb.instruction == "slightly reduce warmth to match its series"
    assert ex.instruction == "slightly decrease exposure to match its series"


def test_gains_and_exposure_are_bounded_and_tiny_ones_left_out():
    huge = _share(correction=_log_gains(6.0, (8.0, 1.0, 0.1))).plan()
    wb, ex = huge.edits
    assert max(wb.params.red, wb.params.green, wb.params.blue) <= 4.0
    assert min(wb.params.red, wb.params.green, wb.params.blue) >= 0.25
    assert ex.params.ev == 4.0
    assert _share(correction=_log_gains(0.01, (1.002, 1.0, 0.999))).plan().edits == []


def test_the_record_says_what_was_shared_and_how_the_photo_was_placed():
    corr, off = _log_gains(0.5, (1.1, 1.0, 0.9)), _log_gains(-0.25, (0.9, 1.0, 1.12345))
    own = EditPlan([Edit("exposure", ExposureParams(ev=0.7), "dark", "increase exposure", "exposure"),
                    Edit("contrast", ContrastParams(amount=0.2), "flat", "increase contrast", "contrast")])
    share = _share(correction=corr, offset=off)
    doc = share.record(own)
    ev, gains = split(corr)
    oev, ogains = split(off)
    assert doc["id"] == "s1" and doc["label"] == "3 photos" and doc["size"] == 3
    assert doc["members"] == ["/shoot/0.jpg", "/shoot/1.jpg", "/shoot/2.jpg"]
    assert doc["shared"] == list(SHARED_OPS) and doc["mode"] == "auto"
    assert doc["offset"] == {"ev": round(oev, 3), "gains": [round(float(g), 4) for g in ogains], "from": "matched"}
    assert doc["offset"]["ev"] == -0.25
    assert doc["correction"] == {"ev": round(ev, 3), "gains": [round(float(g), 4) for g in gains]}
    assert doc["edits"] == share.plan().to_list()
    assert doc["own"] == [own.edits[0].to_dict()]  # the critic's own, of what the series decides only
    assert "own" not in share.record()
    assert doc["frame"]["version"] == VERSION and doc["frame"]["sha256"] == "ab" * 32


def test_exif_links_frames_no_registration_connects():
    from spc_cli.engine.series import _camera_links
    from spc_cli.engine.series_pool import CAMERA_WEIGHT, Link

    def frame(k, gain_ev, manual):
        return Frame(k, Path(f"/s/{k}.jpg"), str(k) * 64, Capture(100.0 + k, "Cam", gain_ev, manual))

    frames = {0: frame(0, -2.0, True), 1: frame(1, -1.0, True), 2: frame(2, None, False), 3: frame(3, 0.5, False)}
    members = [0, 1, 2, 3]
    pos = {k: k for k in members}
    links = _camera_links(members, frames, pos, [])
    ex, wb = links  # 0-1 only: 2 has no exposure settings and 2-3 no white balance set by hand
    assert (ex.i, ex.j, ex.kind, ex.weight, ex.exposure, ex.colour) == (0, 1, "camera", CAMERA_WEIGHT, True, False)
    np.testing.assert_allclose(ex.gains, np.full(3, math.log(2.0)))  # one stop brighter
    assert (wb.i, wb.j, wb.kind, wb.weight, wb.exposure, wb.colour) == (0, 1, "camera", CAMERA_WEIGHT, False, True)
    np.testing.assert_array_equal(wb.gains, np.zeros(3))
    # frames already registered on each other take no EXIF link
    matched = [Link(0, 1, np.zeros(3), 1.0, "matched")]
    assert _camera_links(members, frames, pos, matched) == []


def test_the_critics_own_correction_is_its_white_balance_times_its_exposure():
    from spc_cli.engine.series_frames import own_correction
    from spc_cli.ops.params import WhiteBalanceParams

    plan = EditPlan([Edit("white_balance", WhiteBalanceParams(1.2, 1.0, 0.8), "cast", "", "white_balance"),
                     Edit("exposure", ExposureParams(ev=1.5), "dark", "", "exposure"),
                     Edit("contrast", ContrastParams(amount=0.3), "flat", "", "contrast")])
    np.testing.assert_allclose(own_correction(plan), np.log([1.2, 1.0, 0.8]) + 1.5 * math.log(2.0))
    np.testing.assert_array_equal(own_correction(EditPlan([])), np.zeros(3))
    ev, gains = split(own_correction(plan))
    assert ev == pytest.approx(1.5 + math.log2(float(np.dot(LUMA, [1.2, 1.0, 0.8]))))


def test_a_series_label_says_how_many_when_and_which_camera():
    import time

    from spc_cli.engine.series import _label

    t0 = time.mktime((2025, 6, 1, 10, 20, 0, 0, 0, -1))  # local time, as the camera writes it

    def frames(times, bodies):
        return {k: Frame(k, Path(f"/s/{k}.jpg"), capture=Capture(t, b)) for k, (t, b) in enumerate(zip(times, bodies))}

    three = frames([t0, t0 + 30, t0 + 250], ["Canon EOS R6"] * 3)
    assert _label([0, 1, 2], three) == "3 photos, 2025-06-01 10:20-10:24, Canon EOS R6"
    same_minute = frames([t0, t0 + 20], ["Canon EOS R6", "Canon EOS R6"])
    assert _label([0, 1], same_minute) == "2 photos, 2025-06-01 10:20, Canon EOS R6"
    mixed = frames([t0, None], ["Canon EOS R6", "Nikon Z6"])  # a time unknown, two bodies
    assert _label([0, 1], mixed) == "2 photos"
    unknown = frames([t0, t0 + 5], [None, None])
    assert _label([0, 1], unknown) == "2 photos, 2025-06-01 10:20"


def test_capture_facts_from_exif_tags():
    from datetime import datetime

    from spc_cli.engine.series_frames import capture_of

    t = datetime(2025, 6, 1, 10, 20, 5).timestamp()
    full = capture_of({"EXIF DateTimeOriginal": "2025:06:01 10:20:05", "EXIF SubSecTimeOriginal": "25",
                       "EXIF DateTimeDigitized": "2030:01:01 00:00:00", "Image Make": " Canon ",
                       "Image Model": "Canon EOS R6 ", "EXIF BodySerialNumber": "0123",
                       "EXIF ExposureTime": "1/100", "EXIF FNumber": "28/10", "EXIF ISOSpeedRatings": "400",
                       "EXIF WhiteBalance": "Manual"})
    assert full.time == pytest.approx(t + 0.25) and full.body == "Canon Canon EOS R6 0123"
    assert full.gain_ev == pytest.approx(math.log2(0.01 * 400 / 2.8 ** 2)) and full.wb_manual is True
    other = capture_of({"EXIF DateTimeDigitized": "2025:06:01 10:20:05", "EXIF SubSecTimeDigitized": "5",
                        "Image Model": "X100", "Image CameraSerialNumber": "77",
                        "EXIF ExposureTime": "1/50", "EXIF FNumber": "2", "EXIF PhotographicSensitivity": "200",
                        "EXIF WhiteBalance": "Auto"})
    assert other.time == pytest.approx(t + 0.5) and other.body == "X100 77" and other.wb_manual is False
    assert other.gain_ev == pytest.approx(math.log2(0.02 * 200 / 4))
    assert capture_of({}) == Capture()
    odd = capture_of({"EXIF DateTimeOriginal": "0000:00:00 00:00:00", "EXIF SubSecTimeOriginal": "12",
                      "EXIF ExposureTime": "0", "EXIF FNumber": "2.8", "EXIF ISOSpeedRatings": "100",
                      "EXIF WhiteBalance": "?"})
    assert odd == Capture()  # no usable time, no exposure, white balance mode unknown


def test_an_over_exposed_series_darkens_keeping_white_and_a_matching_shift_scales():
    blown = {"exposure.scene_linear": 0.0, "exposure.clipped": 0.3}  # a camera JPEG, 30 % of it blown

    def exposure(target_ev: float, frame_ev: float, m=blown) -> ExposureParams:
        share = _share(correction=_log_gains(frame_ev, (1.0, 1.0, 1.0)))
        share.series.target = _log_gains(target_ev, (1.0, 1.0, 1.0))
        return next(e for e in share.plan(m).edits if e.op == "exposure").params

    # the series' typical rendering is over-exposed: every frame it darkens keeps a camera file's white
    assert exposure(-0.8, -0.6).keep_white == 1.0 and exposure(-0.8, -1.1).keep_white == 1.0
    assert exposure(-0.8, 0.2).keep_white == 0.0  # a frame it brightens scales
    # a series matched by small shifts (its typical rendering about right) scales every frame, so the
    # frames' means move as the pooled estimate assumes
    assert exposure(-0.1, -0.3).keep_white == 0.0 and exposure(0.4, -0.3).keep_white == 0.0
    # how far each frame keeps it is its own measurements' (advise.keep_white): a camera's roll-off
    # at the least, more as more of it is blown
    assert exposure(-0.8, -0.6, {**blown, "exposure.clipped": 0.02}).keep_white == advise.CAMERA_KEEP
    assert exposure(-0.8, -0.6, {**blown, "exposure.clipped": 0.08}).keep_white == pytest.approx(0.8)
    raw = exposure(-0.8, -0.6, {**blown, "exposure.scene_linear": 1.0})
    assert raw.keep_white == 0.0 and raw.ev == pytest.approx(-0.6, abs=1e-3)  # a raw file's darkening scales
    assert exposure(-0.8, -0.6, None).keep_white == 0.0  # no measurements: nothing known blown
    # the sidecar records what the frame renders
    share = _share(correction=_log_gains(-0.6, (1.0, 1.0, 1.0)))
    share.series.target = _log_gains(-0.8, (1.0, 1.0, 1.0))
    assert share.record(None, blown)["edits"] == share.plan(blown).to_list()
