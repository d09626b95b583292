"""From a critique to the plan that is rendered: the user's hint, the strength, the closed loop."""

from __future__ import annotations

from ..plan import EditPlan


def choose_plan(photo, critique, critic, artist, strength: float = 1.0, hint_plan: EditPlan | None = None,
                refine: bool = True) -> tuple[EditPlan, list[str]]:
    """The plan to render: the critic's, with the user's hint winning on the ops it names, scaled
    by ``strength``, then checked on a proxy by the closed loop (``artist.refine``) unless a hint
    asked for it explicitly. Returns the plan and notes for the sidecar."""
    plan, notes = critique.plan, []
    if hint_plan is not None:
        from ..hints import merge

        plan, notes = merge(plan, hint_plan)
    plan = plan.scaled(strength)
    if refine and plan and hint_plan is None:
        from ..artist.refine import refine as closed_loop

        plan, more = closed_loop(photo, plan, critic, artist, full=critique)
        notes = notes + more
    return plan, notes
