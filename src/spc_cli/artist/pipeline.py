"""The default artist: the plan's ops, as pure torch functions, in the fixed order.

How a batch is rendered (see docs/artist.md):

* Ops run in ``ops.ORDER`` whatever order the plan lists them in; images of a batch that
  lack an op get its neutral parameters (an exact identity).
* The ops are cut into *segments*. An op with whole-image statistics (``OpSpec.prepare``:
  dehaze, tone) starts a segment and is prepared once on the whole image as it stands at
  that point. An op that reads neighbours (``OpSpec.halo``: denoise, sharpen) is a segment
  of its own. Everything else is per-pixel and joins the current segment.
* Each segment streams over the image in bands of rows (tiles), writing the result back
  in place: intermediate tensors are band-sized, so peak memory is the batch plus a few
  megabytes whatever the resolution, and small tensors stay in cache. Halo segments read
  ``halo`` extra rows each side (the rows above come from a saved copy of the input).
* Runs of per-channel curves (white balance, exposure, contrast: ``OpSpec.channelwise``)
  are fused into one lookup table per image and channel, sampled from the ops
  themselves on a square-root-spaced grid (32769 entries, nearest bin; the error is about
  3e-5 in sRGB units, a hundredth of an 8-bit step). Values outside [0, 1] take the exact path.
* A photo that keeps its 8-bit codes (``Photo.codes``) renders from them: a plan of
  per-channel curves only as one exact 256-entry table per channel (``code_tables``), any
  other plan without whole-image statistics, on the CPU, band by band from codes to codes
  (``render_codes``). Neither makes a whole float image.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch

from ..device import batches, from_compute, resolve_device, resolve_dtype, to_compute
from ..errors import ParamError, UsageError
from ..ops import OPS, RANK, OpSpec
from ..photo import Photo
from ..plan import Edit, EditPlan
from .base import Applied, LeftAlone, Rendered
from .tiling import Stage, stream, stream_halo

LUT_SIZE = 32769


def _stack_param(values: list[float]) -> float | torch.Tensor:
    return values[0] if all(v == values[0] for v in values) else torch.tensor(values)


def _op_stage(spec: OpSpec, kwargs: dict, context: dict | None) -> Stage:
    if context is None:
        return lambda x, row0: spec.fn(x, **kwargs)
    return lambda x, row0: spec.fn(x, **kwargs, context=context, row0=row0)


def _lut_stage(chain: list[tuple[OpSpec, dict]], batch: torch.Tensor, active: list[bool]) -> Stage:
    """One table per (image, channel) for a run of per-channel curves, indexed by sqrt(x).

    Entry i holds the chain's value at the centre of its bin, ((i + 0.5) / (n - 1))^2, so
    a truncating float-to-int conversion is the nearest-bin lookup. Bands holding values
    outside [0, 1] take the exact path for those values.
    """
    b = batch.shape[0]
    n = LUT_SIZE
    centres = ((torch.arange(n, device=batch.device, dtype=torch.float32) + 0.5) / (n - 1)) ** 2
    table = centres.view(1, 1, 1, n).expand(b, 3, 1, n).to(batch.dtype)
    for spec, kwargs in chain:
        table = spec.fn(table, **kwargs)
    table = table.float().reshape(b, 3, n).contiguous()

    def exact(x: torch.Tensor) -> torch.Tensor:
        for spec, kwargs in chain:
            x = spec.fn(x, **kwargs)
        return x

    def run(x: torch.Tensor, row0: int) -> torch.Tensor:
        if x.dtype != torch.float32 or not all(x[i, c].is_contiguous() for i in range(b) for c in range(3)):
            return run(x.float().contiguous(), row0).to(x.dtype)
        # In place, plane by plane (a band of an image's channel is contiguous memory).
        lo, hi = torch.aminmax(x)
        fix = None
        if not (float(lo) >= 0.0 and float(hi) <= 1.0):  # also true when a value is NaN
            # values the table does not cover, NaN included (its integer index would be
            # whatever the cast makes of it), take the exact path: NaN stays NaN, and the
            # encoder defines what it becomes
            outside = (x < 0.0) | (x > 1.0) | torch.isnan(x)
            if not all(active):
                outside &= torch.tensor(active, device=x.device).view(b, 1, 1, 1)
            fix = (outside, exact(x.clone()))
        for i in range(b):
            if not active[i]:  # images this run leaves alone stay bit-exact
                continue
            for c in range(3):
                plane = x[i, c]
                idx = torch.sqrt(plane).mul_(n - 1).to(torch.int32).clamp_(0, n - 1)
                torch.index_select(table[i, c], 0, idx.view(-1), out=plane.view(-1))
        if fix is not None:
            x = torch.where(fix[0], fix[1], x)
        return x

    return run


class PipelineArtist:
    name = "pipeline"
    version = "2"

    def __init__(self, device: str | torch.device = "cpu", precision: str = "auto", batch_size: int = 4,
                 band_pixels: int | None = None, inplace: bool = False):
        self.device = device if isinstance(device, torch.device) else resolve_device(device)
        self.dtype = resolve_dtype(precision, self.device)
        self.batch_size = batch_size
        # Pixels per band (per image batch): small enough to stay in cache on the CPU,
        # large enough to keep a GPU busy.
        self.band_pixels = band_pixels or (1 << 24 if self.device.type == "cuda" else 1 << 19)
        # inplace=True lets a caller that no longer needs the input pixels (a batch engine)
        # have single-image batches rendered into them, saving one copy of the image.
        self.inplace = inplace
        # threads that may take bands of a render from codes while they are idle (sharing.Spare:
        # the batch engine's I/O threads, so that the last photo of a batch is not one core's work)
        self.spare = None

    @staticmethod
    def steps(plan: EditPlan) -> list[Edit]:
        """The edits that will render: ordered, non-neutral, known ops only."""
        out = []
        for e in plan.ordered():
            if e.op not in OPS:
                raise UsageError(f"the pipeline artist has no op {e.op!r}")
            if not e.effective().is_neutral():
                out.append(e)
        return out

    def apply(self, batch: torch.Tensor, plans: list[list[Edit]], band_pixels: int | None = None,
              notes: list[list[str]] | None = None, in_place: bool = True,
              left: list[dict[str, str]] | None = None) -> torch.Tensor:
        """Run per-image step lists over a (B,3,H,W) batch, **in place**; returns it.
        ``in_place=False``: the result may be a new tensor where an op made one for a segment
        that covers the whole batch in one band (it is not copied back; ``batch`` is then spent).

        Images lacking an op get its neutral params. ``band_pixels``: pixels per band of the
        streaming (default the artist's). ``notes``: one list per image, extended with what
        the ops have to say (how a shake kernel was trusted, ...). ``left``: one dict per image,
        given op name -> reason for each op that left the image alone after all (its statistics
        said it cannot do the edit reliably: ``context["left_alone"]``, a reason or None per
        image), so that it is not reported as applied and the record can say why.
        """
        band_pixels = band_pixels or self.band_pixels
        names = sorted({e.op for steps in plans for e in steps}, key=lambda n: RANK[n])
        ops: list[tuple[OpSpec, dict]] = []
        active: list[list[bool]] = []  # per op: which images it changes
        for name in names:
            spec = OPS[name]
            per = []
            for steps in plans:
                found = [e.effective() for e in steps if e.op == name]
                per.append(found[0] if found else spec.params.neutral())
            ops.append((spec, {k: _stack_param([p.to_dict()[k] for p in per]) for k in per[0].to_dict()}))
            active.append([not p.is_neutral() for p in per])

        def prepared(spec: OpSpec, kwargs: dict) -> dict | None:
            if not spec.needs_prepare(kwargs):
                return None
            context = spec.prepare(batch, **kwargs)
            if notes is not None:
                for i, said in enumerate(context.get("notes", [])):
                    notes[i].extend(said)
            if left is not None:
                for i, why in enumerate(context.get("left_alone", [])):
                    if why:
                        left[i][spec.name] = why
            return context

        start = batch
        i = 0
        while i < len(ops):
            spec, kwargs = ops[i]
            if spec.halo > 0 or spec.halo_of is not None:
                # a neighbourhood op: its own segment, bands read its halo (statistics first)
                context = prepared(spec, kwargs)
                fn = (lambda x, s=spec, k=kwargs: s.fn(x, **k)) if context is None else \
                    (lambda x, s=spec, k=kwargs, c=context: s.fn(x, **k, context=c))
                batch = stream_halo(batch, fn, spec.halo_for(kwargs, context), band_pixels)
                i += 1
                continue
            context = prepared(spec, kwargs)
            j = i + 1
            while j < len(ops) and ops[j][0].pointwise:
                j += 1
            # Segment ops[i:j]; fuse runs of per-channel curves into lookup tables.
            stages: list[Stage] = []
            k = i
            while k < j:
                s, kw = ops[k]
                if s.channelwise:
                    run = [(s, kw)]
                    on = list(active[k])
                    while k + 1 < j and ops[k + 1][0].channelwise:
                        k += 1
                        run.append(ops[k])
                        on = [u or v for u, v in zip(on, active[k])]
                    stages.append(_lut_stage(run, batch, on))
                else:
                    stages.append(_op_stage(s, kw, context if k == i else None))
                k += 1
            batch = stream(batch, stages, band_pixels)
            i = j
        if in_place and batch is not start:
            return start.copy_(batch)
        return batch

    def render_codes(self, photo: Photo, steps: list[Edit]) -> np.ndarray:
        """Render ``steps`` on an 8-bit photo's stored codes, band by band, into 8-bit codes.

        Each band of rows is decoded with enough rows around it for every neighbourhood op
        in the plan (their halos add up), rendered like a whole image, cropped and encoded.
        The whole image never exists in float, and the result is the whole-image render's
        (ops with whole-image statistics, ``OpSpec.prepare``, cannot run this way).
        """
        from ..io.spaces import encode_codes_u8

        from ..sharing import each

        codes = photo.codes
        h, w, _ = codes.shape
        halo = (sum(_halo(e) for e in steps) + 7) // 8 * 8  # bands start on multiples of 8
        rows = max(4 * halo, 64, (4 * self.band_pixels // w + 7) // 8 * 8)
        out = np.empty_like(codes)
        dtype = torch.float32 if any(OPS[e.op].full_precision for e in steps) else self.dtype
        # a band may run in a spare thread: in the caller's autograd mode (some ops work in place
        # only where no gradient is recorded, and their last bit could differ)
        modes = torch.is_inference_mode_enabled(), torch.is_grad_enabled()

        def band(k: int) -> None:
            y0 = k * rows
            y1 = min(h, y0 + rows)
            a, b = max(0, y0 - halo), min(h, y1 + halo)
            with torch.inference_mode(modes[0]), torch.set_grad_enabled(modes[1]):
                x = photo.region(a, 0, b - a, w)[None].to(dtype)
                # the band is the unit of streaming: split again, each split would add its own halos
                x = self.apply(x, [steps], band_pixels=x.numel(), in_place=False)[0, :, y0 - a:y1 - a].float()
            encode_codes_u8(x.numpy(), photo.meta.colour_space, out=out[y0:y1])

        each(band, (h + rows - 1) // rows, self.spare)
        return out

    def render(self, photos: list[Photo], plans: list[EditPlan]) -> list[Rendered]:
        if len(photos) != len(plans):
            raise ValueError("one plan per photo")
        out: list[Rendered | None] = [None] * len(photos)
        steps = [self.steps(p) for p in plans]
        for i, (photo, st) in enumerate(zip(photos, steps)):
            if not st:
                out[i] = Rendered(photo, [])
            elif photo.codes is not None and all(OPS[e.op].channelwise for e in st):
                table = code_tables(st, photo.meta.colour_space)
                # in place where the caller allows it: no fresh photo-sized buffer to fault in
                inplace = self.inplace and photo.codes.flags.writeable  # Pillow's arrays are read-only
                out[i] = Rendered(photo.with_codes(_lookup(photo.codes, table, inplace)), _applied(st))
            elif photo.codes is not None and self.device.type == "cpu" and not any(map(_whole_image, st)):
                out[i] = Rendered(photo.with_codes(self.render_codes(photo, st)), _applied(st))
        left = [i for i in range(len(photos)) if out[i] is None]
        for group in batches([tuple(photos[i].pixels.shape) for i in left], self.batch_size):
            todo = [left[i] for i in group]
            said: list[list[str]] = [[] for _ in todo]
            alone: list[dict[str, str]] = [{} for _ in todo]
            with torch.no_grad():
                # to_compute stacks into a new tensor: apply may work in place without
                # touching the callers' pixels (unless they allowed it).
                src = photos[todo[0]].pixels
                dtype = torch.float32 if any(OPS[e.op].full_precision for i in todo for e in steps[i]) else self.dtype
                if self.inplace and len(todo) == 1 and src.dtype == dtype and src.device == self.device \
                        and src.is_contiguous():
                    x = src.unsqueeze(0)
                    photos[todo[0]].codes = None  # rendered into: its stored codes no longer match
                else:
                    x = to_compute([photos[i].pixels for i in todo], self.device, dtype)
                y = self.apply(x, [steps[i] for i in todo], notes=said, left=alone)
            for i, pix, note, skip in zip(todo, from_compute(y), said, alone):
                out[i] = Rendered(photos[i].with_pixels(pix), _applied([e for e in steps[i] if e.op not in skip]), note,
                                  [LeftAlone(e.op, e.instruction or e.op, skip[e.op]) for e in steps[i] if e.op in skip])
        return out  # type: ignore[return-value]


def _lookup(codes: np.ndarray, table: np.ndarray, inplace: bool) -> np.ndarray:
    """``cv2.LUT(codes, table)`` (into ``codes`` when ``inplace``); one table for every sample where
    the three channels' are equal (exposure, contrast: OpenCV runs it about twice as fast)."""
    dst = codes if inplace else np.empty_like(codes)
    if codes.flags.c_contiguous and (table == table[..., :1]).all():
        h = codes.shape[0]
        cv2.LUT(codes.reshape(h, -1), np.ascontiguousarray(table[..., :1]), dst=dst.reshape(h, -1))
    else:
        cv2.LUT(codes, table, dst=dst)
    return dst


def _whole_image(e: Edit) -> bool:
    """The edit needs statistics of the whole image (it cannot render band by band from codes)."""
    return OPS[e.op].needs_prepare(e.effective().to_dict())


def _halo(e: Edit) -> int:
    return OPS[e.op].halo_for(e.effective().to_dict())


def _applied(steps: list[Edit]) -> list[Applied]:
    return [Applied(e.op, e.params.version, e.effective().to_dict()) for e in steps]


def code_tables(steps: list[Edit], space: str) -> np.ndarray:
    """A run of per-channel steps as one table per channel from 8-bit codes in ``space`` (no
    gamut matrix) to output codes: (1, 256, 3) uint8, as ``cv2.LUT`` takes it.

    Each of the 256 codes is decoded as the float path decodes it, taken through the ops
    themselves in float64 and encoded with the exact transfer, rounded to nearest: the
    output is the exact chain's, with no rounding error of its own.
    """
    from ..io.spaces import decode_lut, encode_transfer

    if any(not OPS[e.op].channelwise for e in steps):
        raise ValueError("code tables render per-channel ops only")
    x = torch.from_numpy(decode_lut(space, 8).astype(np.float64)).view(1, 1, 1, 256).expand(1, 3, 1, 256)
    for e in sorted(steps, key=lambda e: RANK[e.op]):
        x = OPS[e.op].fn(x, **e.effective().to_dict())
    lin = np.nan_to_num(x.double().reshape(3, 256).numpy(), nan=0.0, posinf=1.0, neginf=0.0)
    table = np.round(encode_transfer(lin, space) * 255.0).astype(np.uint8)
    return np.ascontiguousarray(table.T[None])


def steps_from_applied(applied: list[dict]) -> list[Edit]:
    """A sidecar's ``applied`` list ({op, version, params}) back into renderable edits."""
    edits = []
    for step in applied:
        if step["op"] not in OPS:
            raise ParamError(f"unknown op {step['op']!r} in applied list")
        spec = OPS[step["op"]]
        version = int(step.get("version", 1))
        if version > spec.params.version:
            raise ParamError(f"{step['op']} version {step['version']} is newer than this spc "
                             f"(knows {spec.params.version})")
        if version < spec.params.version and not spec.params.replays_step(version, step["params"]):
            raise ParamError(f"{step['op']} version {version} cannot be replayed: this spc renders {step['op']} "
                             f"version {spec.params.version}, whose pixels differ (see docs/artist.md); "
                             f"enhance the input again instead")
        edits.append(Edit(step["op"], spec.params.from_dict(step["params"])))
    return edits


def replay(pixels: torch.Tensor, applied: list[dict], artist: PipelineArtist | None = None) -> torch.Tensor:
    """Re-render a sidecar's ``applied`` list on linear (3,H,W) pixels (fp32, CPU by default).

    Uses the same banded, fused path as rendering, so the result matches the rendered
    output to float rounding.
    """
    artist = artist or PipelineArtist("cpu", "fp32")
    edits = [e for e in steps_from_applied(applied) if not e.params.is_neutral()]
    with torch.no_grad():
        dtype = torch.float32 if any(OPS[e.op].full_precision for e in edits) else artist.dtype
        x = to_compute([pixels], artist.device, dtype).clone()
        y = artist.apply(x, [edits]) if edits else x
    return from_compute(y)[0]
