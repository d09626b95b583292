"""What a run says about each photo: its outcome, the sidecar record, and the written output."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import sidecar
from ..errors import OutputError
from ..plan import EditPlan
from .jobs import Job
from .settings import Settings

BLOWN_SAID = 0.01  # share of the frame clipped white in every channel from which the summary line names it
# (where the darkening kept white at least half-way: ops.exposure's keep_white)
WHITE_SAID = 0.9  # keep_white from which the line says the blown area stays "white" (below it, "near white")


@dataclass
class Outcome:
    source: Path
    status: str  # "done" | "skipped" | "failed" | "planned" | "unread" (a file in a folder spc does not read)
    output: Path | None = None
    reason: str = ""
    score_before: float | None = None
    sidecar: dict[str, Any] | None = None
    did: str = ""  # one line of what was done, in words (kept; the sidecar itself is dropped)


@dataclass
class Summary:
    outcomes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0

    def count(self, status: str) -> int:
        return sum(o.status == status for o in self.outcomes)

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0

    def recorder(self, on_outcome: Callable[[Outcome], None] | None = None) -> Callable[[Outcome], None]:
        """``finish(outcome)`` for a run: adds the outcome to this summary, then reports it."""

        def finish(o: Outcome) -> None:
            self.outcomes.append(o)
            if on_outcome is not None:
                on_outcome(o)

        return finish

    def add_planned(self, jobs, finish: Callable[[Outcome], None], force: bool = False) -> None:
        """A dry run: every job is reported as planned, nothing is read or written (``did`` says
        when the photo is spc's own output, which is copied as it is unless ``force``)."""
        from .own_output import own_sidecar

        for j in jobs:
            own = None if force else own_sidecar(j.source)
            did = f"spc's own output ({own[0].name} beside it): copied as it is" if own is not None else ""
            finish(Outcome(j.source, "planned", j.output, did=did))

    def add_not_read(self, not_read) -> None:
        """Record the files found and not read (``io.discover.NotRead``): a file given by name
        counts as failed (the run did not do what was asked), one found in a folder does not."""
        for n in not_read:
            self.outcomes.append(Outcome(n.path, "failed" if n.named else "unread", None, f"{n.path}: {n.reason}"))


def document(photo, critique, plan: EditPlan, rendered, timings: dict[str, float], notes: list[str],
             hint_plan: EditPlan | None, settings: Settings, backends: dict[str, Any],
             result: dict[str, Any] | None = None, series: dict[str, Any] | None = None) -> dict[str, Any]:
    """The sidecar record of one photo, before its output is written (``write_record`` adds it)."""
    if hint_plan is not None:
        from ..hints import hint_record  # the hint grammar's tables: built only for a run with a hint
    return sidecar.build(
        photo_info=_input_info(photo), output_info=None, critique=critique.to_dict(), plan=plan.to_list(),
        applied=[a.to_dict() for a in rendered.applied], backends=backends,
        left_alone=[x.to_dict() for x in rendered.left_alone],
        settings=settings.output_settings(),
        settings_key=settings.key(), timings_ms=timings, exif=sidecar.exif_summary(photo.meta.tags),
        refine=[n for n in notes if n.startswith("strength")],
        notes=list(photo.meta.notes) + list(rendered.notes) + [n for n in notes if not n.startswith("strength")],
        hint=(hint_record(settings.hint, hint_plan, settings.hint_only) if hint_plan is not None else None),
        result=result, series=series)


def _input_info(photo) -> dict[str, Any]:
    info = photo.describe()
    info.update(bit_depth=photo.meta.bit_depth, colour_space=photo.meta.colour_space,
                orientation=photo.meta.orientation, frames=photo.meta.frames)
    return info


def write_failure(job: Job, photo, reason: str, critique, plan: EditPlan | None, settings: Settings,
                  backends: dict[str, Any]) -> None:
    """The sidecar of a photo that was read and then failed: ``error`` says why, ``output`` is
    null (no image is written). What the critic said, when it said anything, is kept."""
    from ..io.atomic import atomic_write_text

    notes = list(photo.meta.notes) + kept_output_note(job.output)
    doc = sidecar.build(
        photo_info=_input_info(photo), output_info=None,
        critique=critique.to_dict() if critique is not None else None,
        plan=plan.to_list() if plan is not None else (critique.plan.to_list() if critique is not None else []),
        applied=[], backends=backends, settings=settings.output_settings(), settings_key=settings.key(),
        timings_ms={}, exif=sidecar.exif_summary(photo.meta.tags), notes=notes, error=reason)
    job.sidecar.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(job.sidecar, sidecar.dumps(doc))


def kept_output_note(output: Path) -> list[str]:
    """The note of a failed photo's sidecar where an earlier run's output stays in place."""
    return [f"{output} (an earlier run's output) was left as it was"] if output.exists() else []


def write_image(job: Job, rendered, quality: int) -> tuple[list[str], float]:
    """Write the rendered photo, or a copy of the input's own bytes when nothing was changed;
    returns what the sidecar's notes gain from it and how long it took (ms). The writer's notes
    go to a list of its own, so that a sidecar may be drawn up from the photo meanwhile."""
    import dataclasses

    t0 = time.perf_counter()
    try:
        job.output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        from ..io.atomic import describe_error

        raise OutputError(job.output, f"cannot create its folder ({describe_error(e)})") from e
    meta = rendered.photo.meta
    if (not rendered.applied and job.fmt == meta.format and job.bit_depth == meta.bit_depth
            and meta.frames == 1):  # a copy would keep every frame; the sidecar says first only
        # Nothing to fix: the output is the input's own bytes, so a good photo loses
        # nothing to re-encoding and keeps every byte of its metadata.
        import shutil

        from ..io.atomic import atomic_write

        atomic_write(job.output, lambda tmp: shutil.copyfile(job.source, tmp))
        said = ["no edit applied: the input file was copied unchanged"]
    else:
        from ..io.encode import write_photo

        own = dataclasses.replace(meta, notes=list(meta.notes))
        write_photo(rendered.photo.with_meta(own), job.output, job.fmt, job.bit_depth, quality=quality)
        said = own.notes[len(meta.notes):]  # what the writer left out (EXIF in a BMP, ...)
    return said, (time.perf_counter() - t0) * 1000


def write_record(job: Job, doc: dict[str, Any], said: list[str], encode_ms: float) -> dict[str, Any]:
    """Complete ``doc`` with the written output (``write_image``: its notes and time) and write
    it as the sidecar, atomically; returns it."""
    from ..io.atomic import atomic_write_text

    doc["notes"].extend(said)
    doc["timings_ms"]["encode"] = encode_ms
    doc["output"] = {"path": str(job.output), "format": job.fmt, "bit_depth": job.bit_depth,
                     "bytes": job.output.stat().st_size}
    doc["timings_ms"]["total"] = sum(v for k, v in doc["timings_ms"].items() if k != "total")
    doc["timings_ms"] = {k: round(v, 1) for k, v in doc["timings_ms"].items()}
    atomic_write_text(job.sidecar, sidecar.dumps(doc))
    return doc


def what_was_done(doc: dict[str, Any]) -> str:
    """One line from a sidecar: the score before -> after, and the edits rendered in words, or
    why the photo was left as it was ("nothing needs fixing", the closed loop's refusal, or an
    op's own reason for leaving it alone, which is also added after the edits that were made)."""
    from .planning import eased_to, own_light, progress, refusal

    # the planned edits the artist did not render after all (an op's own statistics said it could
    # not do them reliably: ops/deblur.prepare_deblur), each with the op's reason
    alone = [x["reason"] for x in doc.get("left_alone") or [] if x.get("reason")]

    applied = {a["op"] for a in doc.get("applied", [])}
    whole = any(op.endswith("_edit") for op in applied)  # a model artist's one edit renders the whole plan
    words = [e["instruction"] for e in doc.get("plan", []) if (whole or e["op"] in applied) and e.get("instruction")]
    critique = doc.get("critique") or {}
    before = critique.get("score")
    after = (doc.get("result") or {}).get("score")
    head = ""
    if isinstance(before, (int, float)):
        head = f"score {before:.0f}" + (f" -> {after:.0f}" if isinstance(after, (int, float)) else "") + "; "
    # a colour lean the critic took for the scene's own and left (its summary says so): named, so that a
    # photo left orange is not reported as needing nothing without a word about its colour
    from ..critic.advise import lean_in, toned_in
    from ..critic.judge import UNRECOVERABLE

    summary = critique.get("summary") or ""
    # ... unless an applied edit (a hint's: "neutral colours", "black and white") took it out
    rebalanced = bool(applied & {"white_balance", "local_white_balance"})
    lean = "" if rebalanced else lean_in(summary)
    tail = (f"; colours lean {lean}, taken for the scene's own" if lean
            else "; one tone throughout (a toned print), kept"
            if toned_in(summary) and not rebalanced and "saturation" not in applied else "")
    from .own_output import noted

    own = noted(doc.get("notes") or [])
    if own and not words:
        return head + "left as it was: spc's own output (its sidecar is beside it), not enhanced again" + tail
    if own:
        tail += "; spc's own output: the hint alone"
    if not words:
        planned = [e.get("instruction") or e["op"] for e in doc.get("plan", [])]
        why = refusal(doc.get("refine", []))
        if planned and why:
            return head + f"left as it was: the closed loop refused {' and '.join(planned)} ({why})" + tail
        findings = critique.get("findings") or []
        if not planned and not findings:
            return head + "left as it was: nothing needs fixing" + tail
        if not planned and any(f.get("attribute") == "highlights" and UNRECOVERABLE in (f.get("reason") or "")
                               for f in findings):
            return head + "left as it was: its clipped white holds nothing to bring back" + tail
        if alone:
            return head + f"left as it was: {alone[0]}" + tail
        # a finding the critic reported without an edit for it (its correction too small to change
        # the photo visibly, a sharpening that would raise visible noise): named, not passed over
        from ..critic.advise import finding_words

        seen = [w for f in findings if f.get("severity", 1.0) >= 0.3
                if (w := finding_words(f.get("attribute"), f.get("direction")))]
        if seen and not planned:
            return head + f"left as it was: reads {' and '.join(seen[:2])}, with no edit planned for it{tail}"
        return head + "left as it was" + tail
    eased = eased_to(doc.get("refine", []))
    # a colour the edits made readable and the closed loop took for the photo's own light (the score
    # after is the loop's, without it): named, so that a photo left blue is not passed over in silence,
    # unless its lean is named already
    light = own_light(doc.get("refine", []))
    if light and not rebalanced and not lean:
        tail += f"; shows a {' and '.join(light)} light once edited, kept as the photo's own"
    # a try kept although its score did not rise (a finding held at its reading's ceiling moved
    # toward its fix): why, so that "64 -> 63" beside an edit is not read as a loss
    kept = progress(doc.get("refine", []))
    if kept:
        tail += f"; kept for what the score cannot show: {kept}"
    # a darkening that kept the file's white (ops.exposure): what was blown stays blown, and the critic
    # still reads it on the output; said, so that a score that barely rose is not read as a failure
    blown = float((critique.get("measurements") or {}).get("exposure.clipped", 0.0))
    kept_white = [a.get("params") or {} for a in doc.get("applied", []) if a["op"] == "exposure"]
    keep = max((p.get("keep_white", 0.0) for p in kept_white if p.get("ev", 0.0) < 0), default=0.0)
    if blown >= BLOWN_SAID and keep >= 0.5:  # in full it stays white; part of the way, near white (L* 90 or so)
        how = "white" if keep >= WHITE_SAID else "near white"
        tail += f"; the blown {blown:.0%} of the frame is kept {how}: nothing is left in it to darken"
    return (head + "; ".join(words) + (f" (eased to {eased})" if eased else "") + "".join(f"; {n}" for n in alone)
            + tail)
