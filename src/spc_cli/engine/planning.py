"""From a critique to the plan that is rendered: the user's hint, the strength, the closed loop;
and what the closed loop's notes say about the result."""

from __future__ import annotations

import re

from .. import tries
from ..plan import Edit, EditPlan

_SERIES = re.compile(r"^series: score (?P<before>-?[0-9.]+) -> (?P<after>-?[0-9.]+) with")


def choose_plan(photo, critique, critic, artist, strength: float = 1.0, hint_plan: EditPlan | None = None,
                refine: bool = True, shared: EditPlan | None = None,
                hint_only: bool = False) -> tuple[EditPlan, list[str]]:
    """The plan to render: the critic's, with the user's hint winning on the ops it names (or the
    hint alone with ``hint_only``; what it asks to keep limits the whole plan), scaled by
    ``strength``, then checked on a proxy by the closed loop (``artist.refine``) unless a hint
    asked for it explicitly. Returns the plan and notes for the sidecar.

    ``shared``: a series' edits for this photo (``engine.series.Share.plan``, possibly empty):
    they replace the critic's own edits of the ops a series decides, are scaled by ``strength``
    like the rest and kept as they are by the closed loop, which judges the others on top. The
    photo's other edits are planned on the photo as the series leaves it (``after_shared``): a
    frame shot darker than the others reads flat or dull, and once matched it is not. Only ops
    the photo's own critique asked for are kept: the series' correction may make one of them
    unnecessary, but an edit it alone calls for (a white balance that takes out a warm cast
    leaves the photo reading dull, and a saturation boost would follow) answers the series'
    correction, not the photo, and would differ between frames the series is to match."""
    if hint_only:
        shared = None  # the hint alone: neither the critic's nor the series' edits
    plan, notes = critique.plan, []
    if shared is not None:
        from .series import SHARED_OPS

        shared = shared.scaled(strength)
        seen = after_shared(photo, critique, critic, artist, shared) if shared else critique
        asked = {e.op for e in critique.plan.edits}
        plan = EditPlan([e for e in seen.plan.edits if e.op not in SHARED_OPS and e.op in asked])
        if shared:
            notes.append(f"series: score {critique.score:.0f} -> {seen.score:.0f} with the series' white balance "
                         "and exposure")
    if hint_plan is not None:
        from ..hints import merge

        plan, notes = merge(EditPlan() if hint_only else plan, hint_plan, photo)
    plan = plan.scaled(strength)
    if refine and plan and hint_plan is None and not getattr(artist, "closed_loop", True):
        notes = notes + [f"closed loop not run: the {artist.name} artist edits from the critic's reasoning, "
                         "not from scalable steps"]
    elif refine and plan and hint_plan is None:
        from ..artist.refine import refine as closed_loop

        plan, more = closed_loop(photo, plan, critic, artist, full=critique, base=shared)
        notes = notes + more
    elif shared:
        from ..hints import composable_ops, hinted_ops

        hinted = hinted_ops(hint_plan)  # the hint wins on its ops
        # a dial on white balance or exposure ("slightly cooler", "+0.3 EV") goes on top of the
        # series' edit of that op, so the frames still match; what sets the op's result itself
        # ("neutral colours", "5600K", "fix the exposure") replaces it, as it replaces the critic's
        # (hints.merge), and is said: the frame then no longer matches its series in that op
        on_top = composable_ops(getattr(hint_plan, "clauses", []))
        stacked = {e.op: e for e in shared.edits if e.op in hinted and e.op in on_top}
        notes = notes + [f"the hint replaces the series' {e.op} edit ({e.instruction})"
                         for e in shared.edits if e.op in hinted and e.op not in stacked]
        notes = notes + [f"the hint's {op} edit goes on top of the series' ({e.instruction})"
                         for op, e in stacked.items()]
        mine = [stack(stacked[e.op], e) if e.op in stacked else e for e in plan.edits]
        plan = EditPlan([e for e in shared.edits if e.op not in hinted] + mine)
    return plan, notes


def stack(first: Edit, then: Edit) -> Edit:
    """One edit doing ``first`` and then ``then`` (both of ``hints.COMPOSABLE``'s ops, as rendered):
    white-balance gains multiply, exposures add their stops and keep the gentler shoulder."""
    a, b = first.effective(), then.effective()
    if first.op == "white_balance":
        params = type(a)(**{k: min(4.0, max(0.25, round(getattr(a, k) * getattr(b, k), 5)))
                            for k in ("red", "green", "blue")})
    else:
        ev = max(-4.0, min(4.0, round(a.ev + b.ev, 4)))
        params = type(a)(ev=ev, shoulder=min(a.shoulder, b.shoulder),
                         keep_white=max(a.keep_white, b.keep_white) if ev < 0 else 0.0)
    return Edit(then.op, params, f"{first.reason} {then.reason}".strip(),
                f"{first.instruction}, then {then.instruction}", then.attribute or first.attribute, 1.0)


def after_shared(photo, critique, critic, artist, shared: EditPlan):
    """The critic's critique of the photo's proxy with a series' edits rendered (with the photo's
    own pixel-scale measurements, noise and sharpness, where the critic can take them)."""
    from ..artist.refine import PROXY_EDGE, _proxy_critic, _render
    from ..photo import Photo

    small = Photo(pixels=photo.proxy(PROXY_EDGE), meta=photo.meta)
    return _proxy_critic(photo, critic, PROXY_EDGE, critique)(_render(artist, small, shared))


def accepted_score(notes: list[str]) -> float | None:
    """The critic's score of the try the closed loop accepted (on the proxy), if it accepted one: as
    the loop judged it, without a colour it read as the photo's own light (``own_light``)."""
    t = tries.accepted(notes)
    return None if t is None else t.after


def eased_to(notes: list[str]) -> str | None:
    """The strength the closed loop eased the plan to, where the try it accepted was weaker than the
    full plan ("strength 0.7"; a capped brightening at full strength says so in its own edits)."""
    t = tries.accepted(notes)
    return None if t is None or t.label.startswith("strength 1.0") else t.label


def progress(notes: list[str]) -> str:
    """Why the closed loop kept the try it accepted although its score did not rise (a finding held
    at its reading's ceiling moved toward its fix), or ""."""
    t = tries.accepted(notes)
    return "" if t is None else t.progress


def own_light(notes: list[str]) -> list[str]:
    """The directions of the white balance the accepted try showed and the loop took for the photo's
    own light (edits that keep greys grey made it readable; they cannot have cast it): ["cool"]."""
    t = tries.accepted(notes)
    return [] if t is None else [d for _, d in t.light]


def series_score(notes: list[str]) -> float | None:
    """The critic's score of the proxy with a series' edits rendered, if the photo is in a series."""
    for n in notes:
        m = _SERIES.match(n)
        if m:
            return float(m["after"])
    return None


def refusal(notes: list[str]) -> str | None:
    """Why the closed loop refused the plan at full strength, in one short phrase, if it did."""
    t = tries.first_refusal(notes)
    return None if t is None else ("; ".join(t.why) or "the score did not rise")
