#!/usr/bin/env python
"""Does spc sharpen real blurred photos, and without ringing?

    python benchmarks/real_blur.py                 # every photo of ../shared/data/real_blur
    python benchmarks/real_blur.py --kind shake    # force the blind camera-shake deconvolution

For every photo of the real camera-shake set: spc with its default critic (as ``spc
enhance`` would), the edits it applied, and ``skimage.measure.blur_effect`` of the luminance
before and after (0 sharp .. 1 blurred; lower is sharper). ``--kind`` renders a deblur of the
critic's measured blur of that kind instead, for photos the critic leaves alone too.
blur_effect also moves with a tone curve alone (a contrast edit, no pixel moved relative to
its neighbours), so a second change is read with the output's luminance mapped onto the
input's histogram: what the edits did to the neighbourhoods.

Writes ``benchmarks/real_blur.png``: three crops at 100 % from photos spc changed, input on
the left and spc on the right, chosen where the input has the strongest edges (where ringing
would show first). Reads ../shared/data; exits 0 when it is absent.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

if __package__ in (None, ""):  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import baselines, data, degrade, report  # noqa: E402

PNG = Path(__file__).resolve().parent / "real_blur.png"
CROP = 192


def blur_of(srgb: np.ndarray) -> float:
    from skimage.measure import blur_effect

    return float(blur_effect(srgb @ degrade.LUMA))


def tone_matched_blur(srgb: np.ndarray, out: np.ndarray) -> float:
    """``blur_of`` the output with its luminance mapped onto the input's histogram: blur_effect
    is not invariant to a tone curve (a contrast curve alone moves it), so this isolates what
    the edits did to the pixels' neighbourhoods."""
    from skimage.exposure import match_histograms
    from skimage.measure import blur_effect

    y0, y1 = (x.astype(np.float64) @ degrade.LUMA for x in (srgb, out))
    return float(blur_effect(match_histograms(y1, y0)))


def strongest_crop(srgb: np.ndarray, size: int) -> tuple[int, int]:
    """Top-left corner of the ``size`` square with the most edge energy."""
    import cv2

    g = (srgb @ degrade.LUMA).astype(np.float32)
    e = np.abs(cv2.Laplacian(g, cv2.CV_32F))
    s = cv2.boxFilter(e, -1, (size, size), normalize=False, anchor=(0, 0), borderType=cv2.BORDER_CONSTANT)
    h, w = g.shape
    s = s[: max(1, h - size + 1), : max(1, w - size + 1)]
    r, c = divmod(int(np.argmax(s)), s.shape[1])
    return r, c


def render_kind(u8: np.ndarray, kind: int) -> tuple[np.ndarray, list[str], list[dict]]:
    from spc_cli import api
    from spc_cli.artist.pipeline import PipelineArtist
    from spc_cli.critic.advise import DEBLUR_NOISE_FLOOR
    from spc_cli.ops import OPS
    from spc_cli.plan import Edit, EditPlan

    m = api.critique_pixels(u8).measurements
    params = {"amount": 1.0, "sigma": min(max(m.get("sharpness.blur_px", 1.5), 0.5), 5.0), "kind": float(kind),
              "noise": max(m.get("noise.luma_sigma", 0.0), DEBLUR_NOISE_FLOOR)}
    r = PipelineArtist("cpu", "fp32").render([api.photo_from_array(u8)],
                                             [EditPlan([Edit("deblur", OPS["deblur"].params.from_dict(params))])])[0]
    return api.photo_to_array(r.photo), r.notes, [a.to_dict() for a in r.applied]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--kind", choices=["gaussian", "defocus", "shake"], help="render this deblur instead of spc's plan")
    ap.add_argument("--png", type=Path, default=PNG, help="where the crops go (default benchmarks/real_blur.png)")
    args = ap.parse_args(argv)
    root = data.require_data_root()
    if root is None:
        return 0
    import cv2
    import torch

    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    rows, changed, recs = [], [], []
    for p in data.list_images(root / "real_blur" / "blurred"):
        u8 = degrade.quantise8(data.load_srgb(p))
        srgb = u8.astype(np.float32) / 255.0
        if args.kind:
            out, notes, applied = render_kind(u8, {"gaussian": 0, "defocus": 1, "shake": 2}[args.kind])
        else:
            out, _, applied = baselines.spc_run(srgb)
            notes = []
        ops = [a["op"] for a in applied]
        b0, b1 = blur_of(srgb), blur_of(out)
        diff = float(np.abs(out - srgb).max())
        bt = tone_matched_blur(srgb, out) if diff > 1 / 255 else b1
        recs.append({"name": p.name, "applied": applied, "notes": notes, "blur_in": b0, "blur_out": b1,
                     "blur_out_tones_matched": bt})
        rows.append([p.name, ", ".join(ops) or "–", report.fmt(b0, 3), report.fmt(b1, 3),
                     report.fmt(b1 - b0, 3) if diff > 1 / 255 else "unchanged",
                     report.fmt(bt - b0, 3) if diff > 1 / 255 else "unchanged", "; ".join(notes)[:90]])
        if "deblur" in ops or "sharpen" in ops:
            changed.append((b0 - b1, p.name, srgb, out))
    title = f"real_blur: blur_effect of the luminance (lower is sharper), {'deblur ' + args.kind if args.kind else 'spc default'}"
    report.print_table(title, ["photo", "applied", "blur in", "blur out", "change",
                                "change, tones matched", "notes"], rows)
    sharper = [r for r in recs if any(a["op"] in ("deblur", "sharpen") for a in r["applied"])]
    print(f"changed (deblur or sharpen) {len(sharper)} of {len(recs)}; sharper by blur_effect: "
          f"{sum(r['blur_out'] < r['blur_in'] for r in sharper)} of {len(sharper)}")
    # every photo spc changed at all, by any edit: a denoise or a tone change moves blur_effect too
    edited = [r for r in recs if r["applied"]]
    blurrier = [r for r in edited if r["blur_out"] > r["blur_in"] + 1e-4]
    print(f"changed by any edit {len(edited)} of {len(recs)}; sharper: "
          f"{sum(r['blur_out'] < r['blur_in'] - 1e-4 for r in edited)}, blurrier: {len(blurrier)}"
          + "".join(f"; {r['name']} ({', '.join(a['op'] for a in r['applied'])}) "
                    f"{r['blur_in']:.3f} -> {r['blur_out']:.3f} ({r['blur_out_tones_matched']:.3f} with its tones "
                    f"mapped onto the input's)" for r in blurrier))
    if changed:
        changed.sort(key=lambda c: -c[0])
        picks = changed[:: max(1, len(changed) // 3)][:3]
        tiles = []
        for _, name, a, b in picks:
            size = min(CROP, *a.shape[:2])
            r, c = strongest_crop(a, size)
            pair = [np.pad(x[r:r + size, c:c + size], ((2, 2), (2, 2), (0, 0)), constant_values=1.0) for x in (a, b)]
            tiles.append(np.concatenate(pair, axis=1))
            print(f"crop: {name} at ({r}, {c}), {size} px: input left, spc right")
        width = max(t.shape[1] for t in tiles)
        img = np.concatenate([np.pad(t, ((0, 0), (0, width - t.shape[1]), (0, 0)), constant_values=1.0)
                              for t in tiles], axis=0)
        from PIL import Image

        Image.fromarray(degrade.quantise8(img)).save(args.png, optimize=True)
        print(f"wrote {args.png} ({args.png.stat().st_size / 1e3:.0f} kB)")
    report.write_json({"benchmark": "real_blur", "kind": args.kind, "environment": report.environment(),
                       "records": recs}, "real_blur")
    return 0


if __name__ == "__main__":
    sys.exit(main())
