"""The model backends' GPU path on tiny models: dtypes, device placement, batching, offload, timings.

    python benchmarks/gpu_check.py            # on a machine with CUDA; exits 0 with a note without one

Builds the tests' tiny SmartPhotoCrafter release and tiny Qwen-Image-Edit pipeline in a
temporary folder (no download), then on ``cuda`` for bf16 and fp16:

- the smartphotocrafter critic: load, critique 4 photos one at a time and as one left-padded
  batch (answers and hidden states compared), the dtype and device of every weight;
- the smartphotocrafter artist: one edit per photo (the DiT's batch is one photo), with and
  without ``offload`` (model CPU offload), peak GPU memory;
- the diffusion artist on the tiny Qwen-Image-Edit pipeline.

It prints one line per check; figures are for tiny models (they show the path works and
where time goes, not how fast the real 7B + 20B models run).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _sync() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()


def timed(fn):
    _sync()
    t0 = time.perf_counter()
    out = fn()
    _sync()
    return out, (time.perf_counter() - t0) * 1000


def dtypes_of(model) -> str:
    kinds = sorted({f"{str(p.dtype).replace('torch.', '')}@{p.device}" for p in model.parameters()})
    return ", ".join(kinds)


def check_release(release: Path, base: Path, precision: str, offload: bool) -> None:
    from spc_cli.artist.smartphotocrafter import SmartPhotoCrafterArtist
    from spc_cli.crafter.proxy import edit_proxy
    from spc_cli.crafter.release import forget_all
    from spc_cli.critic.instructions import parse_suggestions
    from spc_cli.plan import EditPlan
    from tests.models.conftest import make_photo

    forget_all()
    torch.cuda.reset_peak_memory_stats()
    artist, ms = timed(lambda: SmartPhotoCrafterArtist(str(release), base=str(base), device="cuda",
                                                       precision=precision, offload=offload, steps=20,
                                                       max_new_tokens=64, batch_size=4))
    r = artist.release
    tag = f"smartphotocrafter {precision}{' offload' if offload else ''}"
    print(f"{tag}: loaded in {ms:.0f} ms; dtype {r.dtype}; critic {dtypes_of(r.vlm)}; "
          f"DiT {dtypes_of(r.pipeline.transformer)}; VAE {dtypes_of(r.pipeline.vae)}")
    photos = [make_photo(90 + 10 * i, 120, seed=i) for i in range(4)]
    images = [edit_proxy(p, 1.0)[1] for p in photos]
    artist.critic.batch_size = 1
    single, ms1 = timed(lambda: artist.critic.answer(images))
    artist.critic.batch_size = 4
    batched, ms4 = timed(lambda: artist.critic.answer(images))
    same_text = all(a.text == b.text for a, b in zip(single, batched))
    diff = max(float((a.states.float() - b.states.float()).abs().max()) for a, b in zip(single, batched))
    print(f"{tag}: critic 4 photos one by one {ms1:.0f} ms, as one batch {ms4:.0f} ms; same answers {same_text}; "
          f"largest hidden-state difference {diff:.3g}; states dtype {batched[0].states.dtype}")
    plan = EditPlan([s.edit for s in parse_suggestions("slightly increase exposure")])
    artist.critic.critique(photos[:1])
    out, ms = timed(lambda: artist.render(photos[:1], [plan]))
    peak = torch.cuda.max_memory_allocated() / 1e6
    print(f"{tag}: one DiT edit (20 steps) {ms:.0f} ms; output {tuple(out[0].photo.pixels.shape)} "
          f"{out[0].photo.pixels.dtype}; finite {bool(torch.isfinite(out[0].photo.pixels).all())}; "
          f"peak GPU memory {peak:.0f} MB")


def check_diffusion(precision: str) -> None:
    from spc_cli.artist.diffusion import DiffusionArtist
    from spc_cli.critic.instructions import parse_suggestions
    from spc_cli.plan import EditPlan
    from tests.models.conftest import build_tiny_qwen_image_edit, make_photo

    artist = DiffusionArtist(pipeline=build_tiny_qwen_image_edit(), device="cuda", precision=precision, steps=20)
    plan = EditPlan([s.edit for s in parse_suggestions("slightly increase exposure")])
    out, ms = timed(lambda: artist.render([make_photo(96, 128)], [plan]))
    print(f"diffusion {precision}: transformer {dtypes_of(artist.pipeline.transformer)}; one edit (20 steps) "
          f"{ms:.0f} ms; finite {bool(torch.isfinite(out[0].photo.pixels).all())}")


def main() -> int:
    if not torch.cuda.is_available():
        print("gpu_check: no CUDA device here; nothing to check (the CPU path is covered by the test suite)")
        return 0
    print(f"gpu_check: {torch.cuda.get_device_name(0)}, torch {torch.__version__}")
    from tests.models.tiny_release import build_tiny_release

    with tempfile.TemporaryDirectory() as tmp:
        release, base = build_tiny_release(Path(tmp))
        for precision in ("bf16", "fp16"):
            for offload in (False, True):
                check_release(release, base, precision, offload)
            check_diffusion(precision)
    return 0


if __name__ == "__main__":
    sys.exit(main())
