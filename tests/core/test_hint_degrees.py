"""A degree is a visible change, solved per photo; numbers mean what their units say; protections hold."""

import math

import numpy as np
import pytest
import torch

from spc_cli.api import enhance_pixels, photo_from_array
from spc_cli.hints import merge, parse_hint
from spc_cli.hints.light import planck_rgb
from spc_cli.hints.visible import measure, rgb_to_lab


def _srgb(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(lin, 0, 1)
    return (np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055) * 255).round().astype(np.uint8)


def _lin(srgb: np.ndarray) -> torch.Tensor:
    x = srgb.astype(np.float32) / 255 if srgb.dtype == np.uint8 else srgb.astype(np.float32)
    x = np.where(x <= 0.04045, x / 12.92, ((x + 0.055) / 1.055) ** 2.4)
    return torch.from_numpy(x).permute(2, 0, 1).float()


def scene(chroma: float = 1.0, h: int = 96, w: int = 128, seed: int = 0) -> np.ndarray:
    """A textured scene in linear light: tones from deep shadow to near white, colour patches
    (``chroma`` scales their colourfulness), a neutral mid-grey card at the centre."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / w
    grey = 0.02 + 0.6 * (0.5 + 0.5 * np.sin(7 * x + 3 * y) * np.cos(4 * y)) + 0.03 * rng.random((h, w))
    lin = np.repeat(grey[..., None], 3, axis=2)
    colours = [(0.35, 0.12, 0.08), (0.08, 0.14, 0.35), (0.12, 0.3, 0.1), (0.4, 0.32, 0.1), (0.3, 0.1, 0.28)]
    for i, c in enumerate(colours):
        c = np.asarray(c)
        grey_c = np.full(3, c @ [0.2126, 0.7152, 0.0722])
        lin[8 + 16 * i: 20 + 16 * i, 6:40] = grey_c + chroma * (c - grey_c)
        lin[8 + 16 * i: 20 + 16 * i, 90:120] = (grey_c + chroma * (c - grey_c)) * 1.6
    lin[h // 2 - 8:h // 2 + 8, w // 2 - 8:w // 2 + 8] = 0.18
    return np.clip(lin, 0, 1)


def shift(srgb: np.ndarray, hint: str, key: str) -> float:
    out, _, _ = enhance_pixels(srgb, hint=hint, hint_only=True)
    return float(measure(_lin(out), key)[0] - measure(_lin(srgb), key)[0])


@pytest.mark.parametrize("intent, key, unit", [("warmer", "b", 6.0), ("darker", "L", -8.0),
                                               ("more saturated", "chroma", 5.0), ("less contrast", "rms", -3.0)])
def test_a_degree_gives_its_visible_shift_and_grows_with_the_degree(intent, key, unit):
    srgb = _srgb(scene())
    shifts = [shift(srgb, f"{d} {intent}".strip(), key) for d in ("slightly", "", "much", "very much")]
    assert all(s * unit > 0 for s in shifts)  # the right way
    assert all(abs(b) > abs(a) for a, b in zip(shifts, shifts[1:]))  # strictly growing
    assert shifts[1] == pytest.approx(unit, rel=0.15)  # no degree: the documented unit change
    assert shifts[0] == pytest.approx(unit / 2, rel=0.15)


def test_the_same_degree_looks_the_same_on_a_pale_and_a_saturated_photo():
    pale, vivid = _srgb(scene(chroma=0.3)), _srgb(scene(chroma=1.6))
    a, b = shift(pale, "much warmer", "b"), shift(vivid, "much warmer", "b")
    assert a == pytest.approx(b, rel=0.1) and a == pytest.approx(1.75 * 6.0, rel=0.15)
    # ... while the op parameters differ: the solve is per photo
    ga = parse_hint("much warmer", photo_from_array(pale)).edits[0].params
    gb = parse_hint("much warmer", photo_from_array(vivid)).edits[0].params
    assert ga.red != gb.red


def test_asking_for_more_than_the_op_gives_eases_into_its_reach():
    srgb = _srgb(scene())
    p = photo_from_array(srgb)
    recs = [parse_hint(f"{d} more contrast", p).records[0] for d in ("much", "very much", "extremely")]
    assert [r["value"] for r in recs] == sorted({r["value"] for r in recs})  # still strictly growing
    assert all(r["value"] <= 1.0 for r in recs)


def test_plus_one_ev_moves_a_mid_grey_patch_by_one_ev():
    srgb = _srgb(scene())
    out, _, applied = enhance_pixels(srgb, hint="+1 EV", hint_only=True)
    card = (slice(42, 54), slice(58, 70))
    before = _lin(srgb)[1][card].mean()
    after = _lin(out)[1][card].mean()
    assert math.log2(after / before) == pytest.approx(1.0, abs=0.05)
    assert [a["op"] for a in applied] == ["exposure"]


def test_percent_and_points_mean_what_they_say():
    srgb = _srgb(scene())
    base = {k: float(measure(_lin(srgb), k)[0]) for k in ("chroma", "rms", "L")}
    out, _, _ = enhance_pixels(srgb, hint="saturation -30 %", hint_only=True)
    assert float(measure(_lin(out), "chroma")[0]) / base["chroma"] == pytest.approx(0.70, abs=0.02)
    out, _, _ = enhance_pixels(srgb, hint="contrast +20", hint_only=True)
    assert float(measure(_lin(out), "rms")[0]) / base["rms"] == pytest.approx(1.20, abs=0.03)
    out, _, _ = enhance_pixels(srgb, hint="brightness +10", hint_only=True)
    assert float(measure(_lin(out), "L")[0]) - base["L"] == pytest.approx(10.0, abs=0.7)
    out, _, _ = enhance_pixels(srgb, hint="saturation -100%", hint_only=True)
    assert float(measure(_lin(out), "chroma")[0]) < 0.5


def _card_delta_e(lin: torch.Tensor, card) -> float:
    from skimage.color import deltaE_ciede2000

    lab = rgb_to_lab(lin[:, card[0], card[1]]).mean((1, 2)).numpy()
    return float(deltaE_ciede2000(lab[None], np.array([[lab[0], 0.0, 0.0]]))[0])


def test_a_kelvin_white_point_neutralises_a_grey_card_lit_at_3200_k():
    lin = scene()
    lin = lin * (lin.reshape(-1, 3).mean(0).mean() / lin.reshape(-1, 3).mean(0))  # grey-world neutral scene
    lit = _srgb(np.clip(0.6 * lin / lin.max(), 0, 1) * np.asarray(planck_rgb(3200.0)))
    card = (slice(44, 52), slice(60, 68))
    assert _card_delta_e(_lin(lit), card) > 10
    for hint in ("5600K", "5600 K", "white balance 5600 kelvin"):
        out, _, _ = enhance_pixels(lit, hint=hint, hint_only=True)
        assert _card_delta_e(_lin(out), card) < 3
    warm, _, _ = enhance_pixels(lit, hint="3200K", hint_only=True)  # the light as it was: left orange
    assert _card_delta_e(_lin(warm), card) > 10


def test_a_kelvin_target_on_a_warm_scene_says_the_grey_world_may_be_the_scene():
    # the bundled coffee photo: wood, coffee and a red saucer average to a light far warmer than
    # the critic reads; "5600K" moves that average, and the record says how far apart the two
    # readings are and what may suit better. A neutral scene under a 3200 K light gets no note.
    from pathlib import Path

    from spc_cli.io.decode import read_photo

    examples = Path(__file__).resolve().parents[2] / "examples"
    rec = parse_hint("5600K", read_photo(examples / "coffee.jpg")).records[0]
    assert rec["note"].startswith("the photo's colours average to a light of about ")
    assert "'neutral colours'" in rec["note"] and "slightly cooler" in rec["note"]
    lin = scene()
    lin = lin * (lin.reshape(-1, 3).mean(0).mean() / lin.reshape(-1, 3).mean(0))
    lit = _srgb(np.clip(0.6 * lin / lin.max(), 0, 1) * np.asarray(planck_rgb(3200.0)))
    assert "note" not in parse_hint("5600K", photo_from_array(lit)).records[0]


def test_keep_the_highlights_limits_the_other_edits():
    srgb = _srgb(scene())
    p = photo_from_array(srgb)
    alone = parse_hint("very much brighter", p)
    kept = parse_hint("very much brighter, keep the highlights", p)
    assert kept.protect == ("highlights",)
    plan_alone, _ = merge(alone.__class__(), alone, p)
    plan_kept, notes = merge(alone.__class__(), kept, p)
    assert any(n.startswith("keep the highlights") for n in notes)
    x = p.pixels[None]
    from spc_cli.hints.solve import render

    y_alone, y_kept = render(x, plan_alone.edits), render(x, plan_kept.edits)
    clipped = lambda y: float((y[0].amax(0) >= 0.995).float().mean())  # noqa: E731
    assert clipped(y_alone) > clipped(x) + 0.01  # brightening alone blows highlights
    assert clipped(y_kept) <= clipped(x) + 0.002 + 1e-6
    lum = rgb_to_lab(x.clamp(0, 1))[0, 0]
    bright = lum >= torch.quantile(lum.flatten(), 0.95)
    before, after = float(lum[bright].mean()), float(rgb_to_lab(y_kept.clamp(0, 1))[0, 0][bright].mean())
    assert after <= max(before + 1.0, 92.0) + 0.1  # not pushed into white
    assert float(measure(y_kept, "L")[0]) > float(measure(x, "L")[0]) + 5  # still much brighter overall


def test_the_hint_is_solved_on_the_photo_as_the_critic_leaves_it():
    from spc_cli.ops.params import ExposureParams
    from spc_cli.plan import Edit, EditPlan

    p = photo_from_array(_srgb(scene() * 0.25))  # a dark photo, which an S-curve can barely steepen
    base = EditPlan([Edit("exposure", ExposureParams(ev=2.0))])  # the critic brightens it first
    alone = parse_hint("more contrast", p).records[0]
    after = parse_hint("more contrast", p, base=base).records[0]
    assert alone["achieved"] == pytest.approx(alone.get("eased_to", alone["target"]), abs=0.1)
    assert alone["achieved"] < 2.5  # eased: the dark photo cannot show more
    assert after["achieved"] == pytest.approx(3.0, abs=0.2)  # measured on the brightened photo
    assert alone["value"] != after["value"]


def test_a_dark_photos_highlights_may_still_brighten():
    p = photo_from_array(_srgb(scene() * 0.2))  # nothing near white
    hint = parse_hint("much brighter, keep the highlights", p)
    plan, notes = merge(hint.__class__(), hint, p)
    assert notes == ["keep the highlights: the plan keeps them as they are"]
    assert [e.op for e in plan.edits] == ["exposure"] and plan.edits[0].strength == 1.0


def test_brightening_an_over_exposed_photo_stops_short_of_burning_what_still_holds_detail():
    from spc_cli.artist.refine import WHITE
    from spc_cli.hints.solve import BURN

    # a fifth of the frame blown, the rest bright: "much brighter" used to reach its mean L* shift
    # by pushing most of the rest to white
    srgb = _srgb(scene() * 1.8 + 0.25)
    assert (srgb.min(axis=2) == 255).mean() > 0.2
    x = _lin(srgb)
    below = x.amax(dim=0) < WHITE
    shifts, burns = [], []
    for d in ("slightly", "", "much", "very much"):
        hint = f"{d} brighter".strip()
        out, _, _ = enhance_pixels(srgb, hint=hint, hint_only=True)
        y = _lin(out)
        burns.append(float(((y.amax(dim=0) >= WHITE) & below).sum() / below.sum()))
        shifts.append(float(measure(y, "L")[0] - measure(x, "L")[0]))
        rec = parse_hint(hint, photo_from_array(srgb), None).records[0]
    assert all(b <= BURN + 0.1 for b in burns)  # the solve's proxy and the full render differ a little
    assert all(s > 0 for s in shifts) and all(b >= a for a, b in zip(shifts, shifts[1:]))
    assert "would push more than 50% of what still holds detail to white" in rec["note"]
    # a photo with room to brighten is not held back where the degree asks for less than burning
    assert "note" not in parse_hint("much brighter", photo_from_array(_srgb(scene())), None).records[0]
    assert parse_hint("much brighter", photo_from_array(_srgb(scene())), None).records[0]["achieved"] > 12
