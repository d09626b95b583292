"""From understood clauses to op parameters for one photo: a degree is a visible change.

A degree word asks for a shift of a visible quantity (``vocabulary.Dial.measure``: mean
b* for warmth, mean L* for brightness, ...) of ``unit`` x the degree's multiplier. On the
photo's 256-pixel proxy, as it stands when the op runs (the ops before it in ``ops.ORDER``
applied, the critic's among them unless the hint replaces them), the op is tried over a
grid of parameter values in one batch, and the value giving the asked shift is found by
interpolation, then refined on a finer grid. Asking for more than the op can give eases
into the most it can (``ease``), so a stronger degree always gives a stronger change.
Without a photo (checking a hint, the vlm critic's suggestions) the parameter is the one a
typical photo needs (``Dial.nominal``).
"""

from __future__ import annotations

import torch

from ..ops import OPS, RANK
from ..plan import Edit
from .grammar import Clause, describe
from .vocabulary import DIALS_BY_NAME

PROXY_EDGE = 192
GRID = 12
EASE = 4.0  # sharpness of the soft limit: an ask of the whole reach gets 84 % of it
VISIBLE = 0.3  # a reach smaller than this (CIELAB units) cannot be seen: the photo cannot show the change
TYPICAL = {"rms": 19.0, "chroma": 16.0}  # median RMS contrast and chroma of the dev photos (percent, no photo)
EXTREME = 0.10  # share of the pixels the highlight and shadow measures average
# A brightening a hint asks for may push at most this share of the pixels still below white to
# white: "much brighter" said of an over-exposed photo otherwise found its mean L* shift by
# burning the rest of the frame (a photo 65 % clipped: +2.6 EV, nearly all of it white). On the
# 72 dev photos "very much brighter" pushes a median 13 % (90th percentile 41 %, largest 63 %).
BURN = 0.5
MEASURE_NAMES = {"L": "mean L*", "a": "mean a*", "b": "mean b*", "chroma": "mean chroma C*ab",
                 "rms": "RMS contrast of L*", "hi": "mean L* of the brightest 10 %",
                 "lo": "mean L* of the darkest 10 %"}


def proxy_of(photo) -> torch.Tensor:
    """(1, 3, h, w) linear proxy the solving is done on, long edge at most PROXY_EDGE."""
    from ..colour import area_downscale

    return area_downscale(photo.proxy(512).float(), PROXY_EDGE).unsqueeze(0)


def render(x: torch.Tensor, edits: list[Edit]) -> torch.Tensor:
    """The edits on a small image, whole (no bands), in the artist's order."""
    for e in sorted(edits, key=lambda e: RANK[e.op]):
        p = e.effective()
        if not p.is_neutral():
            x = OPS[e.op].fn(x, **p.to_dict())
    return x


def run_op(x: torch.Tensor, op: str, params: list) -> torch.Tensor:
    """One op over a batch: image i with params[i] (x is one image, expanded)."""
    batch = x.expand(len(params), -1, -1, -1).contiguous()
    names = params[0].to_dict()
    kwargs = {k: torch.tensor([p.to_dict()[k] for p in params]) for k in names}
    return OPS[op].fn(batch, **kwargs)


def measure(y: torch.Tensor, key: str, region: torch.Tensor | None = None) -> torch.Tensor:
    from .visible import measure as visible, region_lightness

    if key in ("hi", "lo"):
        return region_lightness(y, region)
    return visible(y, key)


def extreme_region(x: torch.Tensor, key: str) -> torch.Tensor | None:
    """The brightest or darkest EXTREME of the pixels of ``x`` (1, 3, h, w) by L*."""
    if key not in ("hi", "lo"):
        return None
    from .visible import rgb_to_lab

    lum = rgb_to_lab(x.clamp(0, 1))[0, 0]
    q = torch.quantile(lum.flatten()[::max(1, lum.numel() // 50000)], 1 - EXTREME if key == "hi" else EXTREME)
    return lum >= q if key == "hi" else lum <= q


def ease(ask: float, reach: float) -> float:
    """A soft minimum of |ask| and |reach|, strictly growing with |ask| (sign of ``ask``)."""
    a = abs(ask)
    return (a / (1.0 + (a / reach) ** EASE) ** (1.0 / EASE)) * (1 if ask >= 0 else -1)


def burned(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(B,) share of the pixels of ``x`` (1, 3, h, w) below white that are white in ``y`` (B, 3, h, w)."""
    from ..artist.refine import WHITE

    was = x.amax(dim=1) < WHITE
    now = (y.amax(dim=1) >= WHITE) & was
    return now.flatten(1).sum(1).float() / was.sum().clamp(min=1).float()


def burn_cap(x: torch.Tensor, op: str, make, bound: float, burn: float) -> float | None:
    """The largest knob value in (0, ``bound``] whose render pushes at most ``burn`` of the pixels
    still below white to white, to a 36th of the bound; None where ``bound`` itself stays within."""
    coarse = [bound * i / 6 for i in range(1, 7)]
    over = (burned(x, run_op(x, op, [make(v) for v in coarse])) > burn).tolist()
    if not any(over):
        return None
    i = over.index(True)
    a = coarse[i - 1] if i > 0 else 0.0
    fine = [a + (coarse[i] - a) * t / 6 for t in range(1, 7)]
    within = [v for v, o in zip(fine, (burned(x, run_op(x, op, [make(v) for v in fine])) > burn).tolist()) if not o]
    return max(within) if within else a


def solve_knob(x: torch.Tensor, op: str, make, knob: str, target: float, lo: float, hi: float,
               key: str, burn: float | None = None) -> dict:
    """The knob value whose visible shift of ``key`` on ``x`` is ``target`` (eased to what the
    op can reach). ``make(value)`` builds the op's params with this knob at ``value``. ``burn``:
    the most of the pixels still below white the op may push to white (``BURN``, a brightening);
    the reach is then what the op gives within it, and ``burn_cap`` says where it stopped.
    Returns {value, target, eased, achieved, reach} (and burn_cap)."""
    region = extreme_region(x, key)
    m0 = float(measure(run_op(x, op, [make(0.0)]), key, region)[0])
    bound = hi if target > 0 else lo
    if bound == 0 or target == 0:
        return {"value": 0.0, "target": target, "eased": 0.0, "achieved": 0.0, "reach": 0.0}
    cap = burn_cap(x, op, make, bound, burn) if burn is not None else None
    if cap is not None:
        if cap <= 0.0:
            return {"value": 0.0, "target": target, "eased": 0.0, "achieved": 0.0, "reach": 0.0, "burn_cap": 0.0}
        bound = cap
    grid = [bound * (i / GRID) ** 2 for i in range(1, GRID + 1)]
    f = (measure(run_op(x, op, [make(v) for v in grid]), key, region) - m0).tolist()
    s = 1.0 if target > 0 else -1.0
    reach = max(v * s for v in f)
    if reach < VISIBLE:
        if cap is not None:  # what the photo can show without burning it is too little to see
            return {"value": 0.0, "target": target, "eased": 0.0, "achieved": 0.0, "reach": reach, "burn_cap": cap}
        return {"value": None, "target": target, "eased": 0.0, "achieved": 0.0, "reach": reach}
    goal = abs(ease(target, reach))
    value = _cross([0.0] + grid, [0.0] + [v * s for v in f], goal)
    # refine between the grid points around the crossing
    i = next((j for j, v in enumerate(grid) if abs(v) >= abs(value)), len(grid) - 1)
    a, b = (grid[i - 1] if i > 0 else 0.0), grid[i]
    fine = [a + (b - a) * t / 6 for t in range(1, 7)]
    ff = (measure(run_op(x, op, [make(v) for v in fine]), key, region) - m0).tolist()
    fa = 0.0 if i == 0 else f[i - 1] * s
    value = _cross([a] + fine, [fa] + [v * s for v in ff], goal)
    achieved = float(measure(run_op(x, op, [make(value)]), key, region)[0]) - m0
    out = {"value": value, "target": target, "eased": goal * s, "achieved": achieved, "reach": reach * s}
    if cap is not None:
        out["burn_cap"] = cap
    return out


def _cross(xs: list[float], ys: list[float], goal: float) -> float:
    """The first x where the piecewise-linear ys reaches goal (the last x when none does)."""
    for i in range(1, len(xs)):
        if ys[i] >= goal:
            span = ys[i] - ys[i - 1]
            t = 1.0 if span <= 1e-9 else min(1.0, max(0.0, (goal - ys[i - 1]) / span))
            return xs[i - 1] + t * (xs[i] - xs[i - 1])
    return xs[-1]


def ask(c: Clause, m0: float | None = None) -> tuple[float | None, float | None]:
    """(visible target shift, direct knob value) a dial clause asks for; one of them is None.
    ``m0``: the measure's current value (for percent); None without a photo."""
    d = DIALS_BY_NAME[c.dial]
    if c.value is None:
        if d.measure is None:
            return None, _clip(d.positive * c.sign * d.unit * c.k, d)
        return c.sign * d.unit * c.k, None
    if c.unit == "ev":
        return None, c.value
    if c.unit == "range":
        v = d.positive * c.value / 100.0
        return None, _clip(v * (d.hi if v > 0 else -d.lo), d)
    if c.unit == "percent":
        if c.value <= -100:
            return None, d.lo
        base = m0 if m0 is not None else TYPICAL.get(d.measure, 10.0)
        return base * c.value / 100.0, None
    return c.value, None  # points of the measure


def nominal(c: Clause) -> float:
    """The knob value for a clause without a photo: what a typical photo needs."""
    d = DIALS_BY_NAME[c.dial]
    target, value = ask(c)
    if value is not None:
        return value
    return _clip(d.nominal * target / d.unit, d)


def _clip(v: float, d) -> float:
    return min(max(v, d.lo), d.hi)


def record(c: Clause, op: str, knob: str, value: float, solved: dict | None = None, note: str = "") -> dict:
    """How one clause was understood and what it became, for the sidecar and --explain."""
    d = DIALS_BY_NAME.get(c.dial) if c.kind == "dial" else None
    out = {"clause": c.text, "understood": describe(c), "op": op, "param": knob,
           "direction": "up" if c.sign > 0 else ("down" if c.sign < 0 else ""),
           "degree": c.degree, "multiplier": c.k, "value": round(float(value), 4)}
    if c.source:
        out["look"] = c.source
    if c.value is not None:
        out["number"] = {"value": c.value, "unit": c.unit}
    if d is not None and d.measure is not None and solved is not None:
        out["measure"] = MEASURE_NAMES[d.measure]
        out["target"] = round(solved["target"], 2)
        if solved["value"] is not None and abs(solved["eased"] - solved["target"]) > 0.05:
            out["eased_to"] = round(solved["eased"], 2)
        out["achieved"] = round(solved["achieved"], 2)
    if note:
        out["note"] = note
    return out
