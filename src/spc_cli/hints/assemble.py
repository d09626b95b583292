"""Understood clauses -> one edit per op for one photo, with a record of each clause.

Ops are solved in the artist's order on the photo's proxy, so each is measured on the photo
as it will stand when the op runs: the critic's edits before it (unless the hint replaces
them) and the hint's own earlier ops applied. Within an op, knobs are solved in a fixed
order (warmth then tint, saturation then vibrance, shadows then highlights), each with the
ones before it set.
"""

from __future__ import annotations

from dataclasses import replace

from ..ops import ORDER
from ..ops.params import (PARAMS_BY_OP, ContrastParams, DehazeParams, DenoiseParams, ExposureParams,
                          LocalWhiteBalanceParams, Params, SaturationParams, SharpenParams, ToneParams,
                          WhiteBalanceParams)
from ..plan import Edit, EditPlan
from .grammar import Clause
from .light import estimated_cast, kelvin_chroma
from .solve import BURN, ask, nominal, proxy_of, record, render, solve_knob
from .vocabulary import DIALS_BY_NAME

KNOB_ORDER = {"white_balance": ("warmth", "tint"), "saturation": ("saturation", "vibrance"),
              "tone": ("shadows", "highlights")}
DEFAULT_SIGMA = 0.02  # noise sigma a hint's denoise assumes when the critic measured none


def op_of(c: Clause) -> str:
    if c.kind in ("dial", "auto_exposure"):  # "fix the exposure" sets the brightness dial's op
        return DIALS_BY_NAME[c.dial].op
    return "saturation" if c.kind == "mono" else "white_balance"


def make_params(op: str, knobs: dict[str, float], remove: tuple[float, float] = (0.0, 0.0),
                sigma: float = DEFAULT_SIGMA, m: dict | None = None) -> Params:
    """The op's parameters for its knob values (``remove``: a cast the white balance removes;
    ``m``: the photo's measurements, which say whether a darkening keeps its white)."""
    if op == "white_balance":
        from ..critic.advise import wb_gains

        r, g, b = (round(v, 5) for v in wb_gains(remove[0] - knobs.get("warmth", 0.0),
                                                    remove[1] + knobs.get("tint", 0.0)))
        return WhiteBalanceParams(red=r, green=g, blue=b)
    v = {k: round(float(x), 4) for k, x in knobs.items()}
    if op == "exposure":
        from ..critic.advise import keep_white

        ev = v.get("ev", 0.0)
        return ExposureParams(ev=ev, keep_white=keep_white(ev, m or {}))
    if op == "contrast":
        return ContrastParams(amount=v.get("amount", 0.0))
    if op == "saturation":
        return SaturationParams(saturation=v.get("saturation", 0.0), vibrance=v.get("vibrance", 0.0))
    if op == "tone":
        return ToneParams(highlights=v.get("highlights", 0.0), shadows=v.get("shadows", 0.0))
    if op == "sharpen":
        return SharpenParams(amount=v.get("amount", 0.0), radius=1.2)
    if op == "dehaze":
        return DehazeParams(amount=v.get("amount", 0.0))
    if op == "denoise":
        a = v.get("amount", 0.0)
        return DenoiseParams(luma=min(1.0, a), chroma=min(1.0, 1.4 * a), sigma=sigma)
    return PARAMS_BY_OP[op](**v)


def assemble(clauses: list[Clause], photo=None, measurements: dict | None = None,
             base: EditPlan | None = None, pre: EditPlan | None = None) -> tuple[list[Edit], list[dict]]:
    """One edit per op the clauses name, and one record per clause (``pre``: edits rendered on
    the proxy before anything, which the hint's go on top of)."""
    groups: dict[str, list[Clause]] = {}
    for c in clauses:
        if c.kind != "protect":
            groups.setdefault(op_of(c), []).append(c)
    x = proxy_of(photo) if photo is not None else None
    if x is not None and pre is not None:
        x = render(x, pre.edits)
    hinted = set(groups) | ({"local_white_balance"} if "white_balance" in groups else set())
    base_edits = [e for e in (base.edits if base is not None else []) if e.op not in hinted]
    m = measurements or {}
    edits: list[Edit] = []
    records: list[dict] = []
    for name, _ in ORDER:
        if x is not None:
            x = render(x, [e for e in base_edits if e.op == name])
        op = "white_balance" if name == "local_white_balance" else name
        if op not in groups or (name == "white_balance"):
            continue
        new, recs = _solve_op(op, groups[op], x, photo, m)
        edits += new
        records += recs
        if x is not None:
            x = render(x, new)
    for c in clauses:
        if c.kind == "protect":
            records.append({"clause": c.text, "understood": f"protect the {c.dial}", "op": "", "protect": c.dial})
    return edits, records


def _solve_op(op: str, group: list[Clause], x, photo, m: dict) -> tuple[list[Edit], list[dict]]:
    records: list[dict] = []
    edits: list[Edit] = []
    remove = (0.0, 0.0)
    measured = None  # the critic's exposure params, for "fix the exposure"
    knobs: dict[str, float] = {}
    words: list[str] = []
    for c in group:
        if c.kind == "neutral":
            local, remove, rec = _neutral(c, x, photo, m)
            records.append(rec)
            if local is not None:
                edits.append(Edit("local_white_balance", local, reason=f"asked for: {c.text!r}",
                                  instruction=_words(c, "neutralise the mixed light region by region"),
                                  attribute="white_balance"))
                x = render(x, [edits[-1]]) if x is not None else None
            else:
                words.append(_words(c, "neutralise the colour cast"))
        elif c.kind == "kelvin":
            est = _grey_world(x) if x is not None else (0.0, 0.0)
            tgt = kelvin_chroma(c.value)
            remove = (est[0] - tgt[0], est[1] - tgt[1])
            note = _kelvin_note(est, estimated_cast(photo, m), c.value) if photo is not None else ""
            records.append({**record(c, op, "white point", c.value, note=note),
                            "estimated_light": [round(v, 4) for v in est], "target_light": [round(v, 4) for v in tgt]})
            words.append(f"set the white point to {c.value:.0f} K")
        elif c.kind == "mono":
            knobs["saturation"] = -1.0
            records.append(record(c, op, "saturation", -1.0))
            words.append("remove all colour")
        elif c.kind == "auto_exposure":
            planned, note = measured_exposure(photo, m)
            ev = planned.ev if planned is not None else 0.0
            knobs["ev"] = round(c.k * ev, 3)
            measured = planned
            records.append(record(c, op, "ev", knobs["ev"], note=note))
            words.append(_words(c, "set the exposure the photo measures as right") + f" ({knobs['ev']:+.2f} EV)"
                         if knobs["ev"] else "leave the exposure as it is")
    sigma = float(m.get("noise.sigma", DEFAULT_SIGMA)) if op == "denoise" else DEFAULT_SIGMA
    dials = [c for c in group if c.kind == "dial"]
    order = KNOB_ORDER.get(op, ())
    dials.sort(key=lambda c: order.index(DIALS_BY_NAME[c.dial].knob) if DIALS_BY_NAME[c.dial].knob in order else 0)
    for c in dials:
        d = DIALS_BY_NAME[c.dial]

        def make(v: float, knob=d.knob) -> Params:
            return make_params(op, {**knobs, knob: v}, remove, sigma, m)

        solved, note = None, ""
        if x is None:
            value = nominal(c)
        else:
            from .solve import measure, run_op

            # a percentage is of the value as the op's other knobs leave it
            m0 = float(measure(run_op(x, op, [make(0.0)]), d.measure)[0]) if d.measure in ("rms", "chroma") else None
            target, value = ask(c, m0)
            if value is None:
                brighten = op == "exposure" and d.knob == "ev" and target > 0
                solved = solve_knob(x, op, make, d.knob, target, d.lo, d.hi, d.measure, BURN if brighten else None)
                value = solved["value"]
                if value is None:
                    value, note = nominal(c), "the photo cannot show this change; the typical amount is used"
                    solved = {**solved, "value": None}
                elif "burn_cap" in solved and abs(solved["eased"]) < 0.97 * abs(solved["target"]):
                    note = (f"eased: brightening past {solved['burn_cap']:+.2f} EV would push more than "
                            f"{BURN:.0%} of what still holds detail to white")
        knobs[d.knob] = value
        records.append(record(c, op, d.knob, value, solved, note))
        words.append(_words(c, d.words[0] if c.sign > 0 else d.words[1]))
    params = make_params(op, knobs, remove, sigma, m)
    if measured is not None:  # the critic's own exposure edit (its highlight shoulder too), k of it
        from ..critic.advise import keep_white

        params = replace(measured, ev=knobs["ev"], keep_white=keep_white(knobs["ev"], m))
    if not params.is_neutral() or not edits:
        edits.append(Edit(op, params, reason="asked for: " + ", ".join(repr(c.text) for c in group),
                          instruction=" and ".join(words) or "leave the white balance", attribute=_attribute(group)))
    return edits, records


def _neutral(c: Clause, x, photo, m: dict):
    """(local white balance params or None, cast removed globally, record) for "neutral colours"."""
    k = c.k
    if photo is None:
        return None, (0.0, 0.0), record(c, "white_balance", "cast", 0.0, note="built per photo")
    mixed, info = mixed_light(x)
    asked = c.dial == "mixed"  # "fix the mixed light": the user says there are two lights
    if mixed or asked:
        params = LocalWhiteBalanceParams(warmth=_bound(k * info["mean"][0], 3.0), tint=_bound(k * info["mean"][1], 1.0),
                                         local=round(k, 4), gate=0.0 if asked else 1.0)
        rec = record(c, "local_white_balance", "local", k, note="" if asked else mixed_note(info, local=True))
        rec.update(mode="local, as asked" if asked and not mixed else "local", light=info)
        return params, (0.0, 0.0), rec
    cast = estimated_cast(photo, m)  # the global path's light (the regional one removes the grey world's)
    rec = record(c, "white_balance", "cast", k, note=mixed_note(info, local=False))
    rec.update(mode="global", light=info, cast=[round(v, 4) for v in cast])
    return None, (k * cast[0], k * cast[1]), rec


NEAR_MISS = 1.0  # log-odds under the gate's ramp within which "neutral colours" names the mixed-light hint


def mixed_note(info: dict, local: bool) -> str:
    """What to tell the user where "neutral colours" read the light as one while the gate's score
    (``mixed_light``'s ``info``) came within NEAR_MISS of reading two, or took the regional path
    only in part (``local``): that "fix the mixed light" corrects region by region in full; ""
    where the reading is clear."""
    from ..ops.local_white_balance import GATE_RAMP

    weight, score = info["weight"], info["score"]
    advice = "if two lights are mixed, 'fix the mixed light' corrects region by region in full"
    if not local:
        if score <= GATE_RAMP[0] - NEAR_MISS:
            return ""
        return (f"read as one light, though close to two: the coolest and warmest regions differ by "
                f"{info['separation']:.2f} log R/B (two-light score {score:.2f}, two lights from "
                f"{GATE_RAMP[0]:.2f}); {advice}")
    if weight < 0.95:
        share = f"{weight:.0%}" if weight >= 0.005 else "under 1%"
        return f"the regional correction in part ({share}): the two lights measure close to one; {advice}"
    return ""


# How far (log R/B) the photo's grey world may lie from the critic's estimate of its light before a
# kelvin target says so: about the 90th percentile of the two's disagreement, both on the grey-card
# scenes of benchmarks/tonal.py ("5600K" on grey-world-neutral photos lit at 3200 K, where the grey
# world is the light exactly: median 0.15, 90th percentile 0.57) and on the same photos as they come
# (0.15, 0.56). Beyond it the scene's own colour is likely in one of them; which one, nothing here
# tells (the cards' scenes need the grey world, the bundled coffee.jpg the critic), so the light
# moved stays the grey world and the note says so.
KELVIN_DOUBT = 0.6


def _kelvin_note(grey_world: tuple[float, float], critic: tuple[float, float], kelvin: float) -> str:
    """What a kelvin target should tell the user where the light it moves (the photo's grey world)
    and the critic's estimate of the light disagree by more than KELVIN_DOUBT: a warm or cool
    scene reads as a warmer or cooler light, and the step may be larger than the photo needs."""
    from .light import chroma_kelvin

    if abs(grey_world[0] - critic[0]) <= KELVIN_DOUBT:
        return ""
    warm = grey_world[0] > critic[0]
    seen, read = (round(chroma_kelvin(v[0]), -2) for v in (grey_world, critic))
    return (f"the photo's colours average to a light of about {seen:.0f} K, which this moves to {kelvin:.0f} K; "
            f"the critic reads its light as about {read:.0f} K "
            f"(a {'warm' if warm else 'cool'} scene averages {'warmer' if warm else 'cooler'} than its light): "
            f"if the colours looked right, 'neutral colours' or a smaller step ('slightly "
            f"{'cooler' if warm else 'warmer'}') may suit better")


def _grey_world(x) -> tuple[float, float]:
    """The light a kelvin target is measured from: the grey world of the usable pixels of the
    photo as it stands (``ops.local_white_balance.mean_light``). It moves exactly with the
    light, so a photo lit at 3200 K instead of daylight is measured exactly that much warmer."""
    from ..ops.local_white_balance import mean_light

    w, t = mean_light(x)[0].tolist()
    return w, t


def mixed_light(x) -> tuple[bool, dict]:
    """Whether one global estimate would leave large regions off-neutral: the gate of the local
    white balance reads two lights (``ops.local_white_balance.separation_weight``), and what it read."""
    from ..ops.local_white_balance import gate_score, prepare_local_white_balance, separation, separation_weight

    ctx = prepare_local_white_balance(x, region=LocalWhiteBalanceParams().region)
    lights = [round(float(v), 4) for v in ctx["lights"].flatten()]
    mean = [round(float(t), 4) for t in ctx["mean"].flatten()]
    weight = float(separation_weight(ctx).flatten()[0])
    return weight > 0, {"weight": round(weight, 3), "score": round(float(gate_score(ctx).flatten()[0]), 3),
                        "separation": round(float(separation(ctx["lights"]).flatten()[0]), 3),
                        "mode_separation": round(float(separation(ctx["lights"][:, 4:]).flatten()[0]), 3),
                        "mean": mean, "cool_light": lights[0:2], "warm_light": lights[2:4],
                        "cool_mode": lights[4:6], "warm_mode": lights[6:8]}


def measured_exposure(photo, m: dict) -> tuple[ExposureParams | None, str]:
    """(params, note): the critic's exposure edit for ``photo``, from the analytic critic's
    measurements (``m`` when it holds them, else measured here), whether its finding was
    present or minor; None where the exposure reads right, or without a photo."""
    if photo is None:
        return None, "measured on the photo"
    from ..critic.advise import plan_for
    from ..critic.judge import judge

    if "exposure.key" not in m:
        from ..critic.analytic import AnalyticCritic

        m = AnalyticCritic().measure(photo)
    found = [f for f in judge(m, photo.meta) if f.attribute == "exposure"]  # minor ones too: asked for
    edits = [e for e in plan_for(found, m).edits if e.op == "exposure"]
    if not edits:
        return None, "the exposure reads right: nothing to change"
    return edits[0].params, ""


def _bound(v: float, limit: float) -> float:
    return round(min(max(v, -limit), limit), 4)


def _words(c: Clause, what: str) -> str:
    if c.value is not None:
        unit = {"ev": " EV", "percent": " %", "points": "", "range": "/100"}.get(c.unit, "")
        return f"{what} ({c.value:+g}{unit})"
    if c.kind in ("neutral", "auto_exposure"):
        return what if c.k >= 1 else f"partly {what}"
    k = c.k
    degree = ("very slightly" if k <= 0.3 else "slightly" if k <= 0.6 else "somewhat" if k <= 0.8
              else "moderately" if k <= 1.2 else "strongly" if k <= 2.2 else "very strongly")
    return f"{degree} {what}"


def _attribute(group: list[Clause]) -> str:
    names = []
    for c in group:
        a = DIALS_BY_NAME[c.dial].attribute if c.kind in ("dial", "auto_exposure") else \
            ("saturation" if c.kind == "mono" else "white_balance")
        if a not in names:
            names.append(a)
    return "+".join(names)
