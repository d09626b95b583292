"""Does a hint's degree give the visible change it promises, the right way, every time?

On the clean development photos (kodak24, cbsd68, pypi_natural), with ``--hint-only`` (the
hint alone, as ``spc retouch --hint-only`` renders it: same parsing, solving, planning and
artist), measured on the full-resolution result:

1. degrees: warmer/cooler (mean b*), brighter/darker (mean L*), more/less saturated (mean
   chroma C*ab), more/less contrast (RMS contrast of L*) at "slightly", no degree, "much",
   "very much": the shift per degree, the share of photos moved the right way, and the
   share where the shift grows strictly with the degree;
2. "+1 EV": how far a mid-grey patch moves, in EV;
3. "5600K" on the photo lit at 3200 K (the photo made grey-world neutral, a grey card put
   in, then lit): the card's CIEDE2000 distance from neutral;
4. mixed light: the neutral photo with grey patches, its left half lit at 3000 K and its
   right half at 6500 K; "neutral colours": each half's patches' distance from neutral, and
   what one global white balance gives;
5. single light: the photo under one 4000 K light; "neutral colours" against the global
   correction spc made before the local white balance existed (the critic's whole estimate
   undone by one gain): whether the global path was chosen, and the largest difference.

    python benchmarks/tonal.py            # all 72 photos (about 15 min here)
    python benchmarks/tonal.py --quick    # 12 photos

Prints the tables that README.md ("Hints") records; JSON to benchmarks/results/tonal.json.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.data import CLEAN_SETS, list_images, load_srgb, require_data_root  # noqa: E402
from benchmarks.report import environment, fmt, print_table, utc_now, write_json  # noqa: E402

INTENTS = (("warmer", "cooler", "b", "mean b*"), ("brighter", "darker", "L", "mean L*"),
           ("more saturated", "less saturated", "chroma", "mean chroma"),
           ("more contrast", "less contrast", "rms", "RMS contrast of L*"))
DEGREES = ("slightly", "", "much", "very much")
LONG_EDGE = 768
NO_COLOUR = 1.0  # mean chroma below which a photo has no colour to saturate or mute


def photo(srgb: np.ndarray):
    from spc_cli.api import photo_from_array

    return photo_from_array((np.clip(srgb, 0, 1) * 255).round().astype(np.uint8))


class Runner:
    """The engine's per-photo path for one hint: critique, hint plan, choose_plan, render."""

    def __init__(self):
        from spc_cli.registry import make_artist, make_critic

        self.critic = make_critic("analytic")
        self.artist = make_artist("pipeline")
        self.seconds: list[float] = []

    def critique(self, p):
        return self.critic.critique([p])[0]

    def render(self, p, c, hint: str, hint_only: bool = True) -> torch.Tensor:
        from spc_cli.engine import choose_plan
        from spc_cli.hints import parse_hint

        t0 = time.perf_counter()
        hp = parse_hint(hint, p, c.measurements, None if hint_only else c.plan)
        plan, _ = choose_plan(p, c, self.critic, self.artist, hint_plan=hp, hint_only=hint_only)
        self.seconds.append(time.perf_counter() - t0)
        with torch.inference_mode():
            return self.artist.render([p], [plan])[0].photo.pixels.float()


def visible(lin: torch.Tensor, key: str) -> float:
    from spc_cli.hints.visible import measure

    return float(measure(lin.clamp(0, 1), key)[0])


def degrees(runner: Runner, photos: list[tuple[str, np.ndarray]]) -> tuple[list, dict]:
    rows, out = [], {}
    for up, down, key, name in INTENTS:
        for intent, sign in ((up, 1), (down, -1)):
            shifts, right, grows, skipped = [], 0, 0, 0
            for _, srgb in photos:
                p = photo(srgb)
                base = visible(p.pixels, key)
                if key == "chroma" and base < NO_COLOUR:
                    skipped += 1
                    continue
                c = runner.critique(p)
                s = [visible(runner.render(p, c, f"{d} {intent}".strip()), key) - base for d in DEGREES]
                shifts.append(s)
                right += all(v * sign > 0 for v in s)
                grows += all(s[i + 1] * sign > s[i] * sign for i in range(len(s) - 1))
            n = len(shifts)
            med = np.median(np.array(shifts), axis=0).tolist() if n else [None] * 4
            out[intent] = {"measure": name, "median_shift": med, "right": right / max(n, 1),
                           "grows": grows / max(n, 1), "photos": n, "skipped_no_colour": skipped}
            rows.append([intent, name, *[fmt(v, 1) for v in med], fmt(right / max(n, 1), pct=True),
                         fmt(grows / max(n, 1), pct=True), n])
            print(f"  {intent}: {[round(v, 2) for v in med]} right {right}/{n} grows {grows}/{n}", flush=True)
    return rows, out


def _linear(srgb: np.ndarray) -> np.ndarray:
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _srgb(lin: np.ndarray) -> np.ndarray:
    lin = np.clip(lin, 0, 1)
    return np.where(lin <= 0.0031308, 12.92 * lin, 1.055 * lin ** (1 / 2.4) - 0.055)


def neutral_scene(srgb: np.ndarray, patches: list[tuple[int, int, int]]) -> np.ndarray:
    """The photo made grey-world neutral in linear light, scaled to leave headroom for a warm
    light, with neutral mid-grey (linear 0.18) squares (y, x, size) put in. Linear."""
    def balanced(a: np.ndarray) -> np.ndarray:
        m = a.reshape(-1, 3).mean(0)
        return a * (m.mean() / np.maximum(m, 1e-4))

    lin = balanced(_linear(srgb))
    lin = lin * (0.6 / max(np.percentile(lin, 99.5), 1e-3))
    for _ in range(4):  # the clip and the cards move the means a little: balance again
        lin = np.clip(balanced(lin), 0, 1)
        for y, x, s in patches:
            lin[y:y + s, x:x + s] = 0.18
    return lin


def patch_delta_e(lin: torch.Tensor, patch: tuple[int, int, int]) -> float:
    """CIEDE2000 of a square's mean colour (its inner part) from the neutral of the same L*."""
    from skimage.color import deltaE_ciede2000

    from spc_cli.hints.visible import rgb_to_lab

    y, x, s = patch
    m = s // 4
    lab = rgb_to_lab(lin[:, y + m:y + s - m, x + m:x + s - m].clamp(0, 1)).mean((1, 2)).numpy()
    return float(deltaE_ciede2000(lab[None], np.array([[lab[0], 0.0, 0.0]]))[0])


def exposure_patch(runner: Runner, photos) -> tuple[list, dict]:
    errs = []
    for _, srgb in photos:
        h, w = srgb.shape[:2]
        s = min(h, w) // 5
        lin = _linear(srgb)
        lin[h // 2 - s // 2:h // 2 + s // 2, w // 2 - s // 2:w // 2 + s // 2] = 0.18
        p = photo(_srgb(lin))
        before = float(p.pixels[1, h // 2 - s // 4:h // 2 + s // 4, w // 2 - s // 4:w // 2 + s // 4].mean())
        out = runner.render(p, runner.critique(p), "+1 EV")
        after = float(out[1, h // 2 - s // 4:h // 2 + s // 4, w // 2 - s // 4:w // 2 + s // 4].mean())
        errs.append(math.log2(after / before) - 1.0)
    a = np.abs(errs)
    rows = [["+1 EV", "mid-grey patch moves (EV)", fmt(1 + float(np.mean(errs)), 3), fmt(float(a.max()), 3),
             fmt(float((a <= 0.05).mean()), pct=True), len(errs)]]
    return rows, {"mean_ev": 1 + float(np.mean(errs)), "max_error": float(a.max()), "within": float((a <= 0.05).mean())}


def kelvin_card(runner: Runner, photos) -> tuple[list, dict]:
    from spc_cli.hints.light import planck_rgb

    before, after = [], []
    for _, srgb in photos:
        h, w = srgb.shape[:2]
        s = min(h, w) // 5
        card = (h // 2 - s // 2, w // 2 - s // 2, s)
        lin = neutral_scene(srgb, [card]) * np.asarray(planck_rgb(3200.0))
        p = photo(_srgb(lin))
        before.append(patch_delta_e(p.pixels, card))
        after.append(patch_delta_e(runner.render(p, runner.critique(p), "5600K"), card))
    a = np.array(after)
    rows = [["5600K on a photo lit at 3200 K", f"{np.median(before):.1f}", f"{np.median(a):.2f}",
             f"{a.max():.2f}", fmt(float((a <= 3).mean()), pct=True), len(a)]]
    return rows, {"before_median": float(np.median(before)), "median": float(np.median(a)), "max": float(a.max()),
                  "within_3": float((a <= 3).mean()), "per_photo": [float(v) for v in a]}


def mixed_light(runner: Runner, photos) -> tuple[list, dict]:
    from spc_cli.hints.light import planck_rgb

    res = {"local": [], "global": [], "before": [], "asked": [], "mode": []}
    for _, srgb in photos:
        h, w = srgb.shape[:2]
        s = min(h, w) // 6
        pts = [(h // 3 - s // 2, w // 4 - s // 2, s), (2 * h // 3 - s // 2, w // 4 - s // 2, s),
               (h // 3 - s // 2, 3 * w // 4 - s // 2, s), (2 * h // 3 - s // 2, 3 * w // 4 - s // 2, s)]
        lin = neutral_scene(srgb, pts)
        lin[:, : w // 2] *= np.asarray(planck_rgb(3000.0))
        lin[:, w // 2:] *= np.asarray(planck_rgb(6500.0))
        p = photo(_srgb(lin))
        c = runner.critique(p)
        res["before"].append(max(patch_delta_e(p.pixels, q) for q in pts))
        from spc_cli.hints import parse_hint

        hp = parse_hint("neutral colours", p, c.measurements)
        res["mode"].append(hp.records[0].get("mode"))
        res["local"].append(max(patch_delta_e(runner.render(p, c, "neutral colours"), q) for q in pts))
        res["asked"].append(max(patch_delta_e(runner.render(p, c, "fix the mixed light"), q) for q in pts))
        res["global"].append(max(patch_delta_e(_global(p, c), q) for q in pts))
    rows = []
    for k, label in (("before", "as lit"), ("global", "one global white balance"), ("local", '"neutral colours"'),
                     ("asked", '"fix the mixed light"')):
        a = np.array(res[k])
        rows.append([label, f"{np.median(a):.2f}", f"{a.max():.2f}", fmt(float((a <= 4).mean()), pct=True), len(a)])
    local_share = sum(m == "local" for m in res["mode"]) / max(1, len(res["mode"]))
    return rows, {k: [float(v) for v in res[k]] for k in ("before", "global", "local", "asked")} | \
        {"local_chosen": local_share}


def _global(p, c) -> torch.Tensor:
    """The global correction spc made before the local white balance existed: the critic's whole
    estimate of the light undone by one von Kries gain (luminance kept)."""
    from spc_cli.critic.advise import wb_gains
    from spc_cli.hints.light import estimated_cast
    from spc_cli.ops import OPS

    cast = estimated_cast(p, c.measurements)
    r, g, b = (round(v, 4) for v in wb_gains(*cast))
    return OPS["white_balance"].fn(p.pixels[None], red=r, green=g, blue=b)[0]


def single_light(runner: Runner, photos) -> tuple[list, dict]:
    from skimage.color import deltaE_ciede2000

    from spc_cli.hints import parse_hint
    from spc_cli.hints.light import planck_rgb
    from spc_cli.hints.visible import rgb_to_lab

    modes, diffs, asked = [], [], []
    for _, srgb in photos:
        lin = np.clip(_linear(srgb) * np.asarray(planck_rgb(4000.0)), 0, 1)
        p = photo(_srgb(lin))
        c = runner.critique(p)
        modes.append(parse_hint("neutral colours", p, c.measurements).records[0].get("mode"))
        new, old = runner.render(p, c, "neutral colours"), _global(p, c)
        lb = rgb_to_lab(old.clamp(0, 1)).permute(1, 2, 0).reshape(-1, 3)[::7].numpy()

        def lab(t):
            return rgb_to_lab(t.clamp(0, 1)).permute(1, 2, 0).reshape(-1, 3)[::7].numpy()

        diffs.append(float(np.percentile(deltaE_ciede2000(lab(new), lb), 99)))
        # "fix the mixed light" said of a photo under one light: the field's reading of scene colour
        asked.append(float(deltaE_ciede2000(lab(runner.render(p, c, "fix the mixed light")), lb).mean()))
    g = [d for d, m in zip(diffs, modes) if m == "global"]
    rows = [["one 4000 K light", fmt(sum(m == "global" for m in modes) / len(modes), pct=True),
             f"{max(g):.3f}" if g else "–", f"{max(diffs):.2f}", f"{np.median(asked):.2f}", len(modes)]]
    return rows, {"global_chosen": sum(m == "global" for m in modes) / len(modes), "p99_delta_e": diffs,
                  "modes": modes, "fix_the_mixed_light_mean_delta_e": asked}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="12 photos")
    ap.add_argument("--limit", type=int, default=0, help="photos per set")
    ap.add_argument("--only", default="", help="comma list of sections: degrees,ev,kelvin,mixed,single")
    args = ap.parse_args()
    root = require_data_root()
    if root is None:
        return 0
    torch.set_num_threads(1)
    paths = []
    for s in CLEAN_SETS:
        found = list_images(root / s)
        paths += found[: (4 if args.quick else args.limit or len(found))]
    photos = [(f"{p.parent.name}/{p.name}", load_srgb(p, LONG_EDGE)) for p in paths]
    print(f"{len(photos)} photos from {', '.join(CLEAN_SETS)} (long edge <= {LONG_EDGE})", flush=True)
    runner = Runner()
    only = set(args.only.split(",")) - {""}
    results: dict = {"when": utc_now(), "environment": environment(), "photos": [n for n, _ in photos]}
    text = ""
    if not only or "degrees" in only:
        rows, results["degrees"] = degrees(runner, photos)
        text += print_table("Degrees, hint alone: median visible shift per degree",
                            ["hint", "measure", "slightly", "(none)", "much", "very much", "right way",
                             "grows strictly", "photos"], rows,
                            "right way: every degree moves the measure the asked way; grows strictly: slightly < "
                            "none < much < very much. Photos without colour (mean chroma < 1) are left out of "
                            "the saturation rows.")
    if not only or "ev" in only:
        rows, results["ev"] = exposure_patch(runner, photos)
        text += print_table('"+1 EV"', ["hint", "what", "mean", "largest error", "within 0.05 EV", "photos"], rows)
    if not only or "kelvin" in only:
        rows, results["kelvin"] = kelvin_card(runner, photos)
        text += print_table("A white point in kelvin", ["hint", "card ΔE00 before (median)", "after (median)",
                                                        "after (largest)", "within ΔE 3", "photos"], rows)
    if not only or "mixed" in only:
        rows, results["mixed"] = mixed_light(runner, photos)
        text += print_table("Mixed light: left half 3000 K, right half 6500 K; worst grey patch per photo",
                            ["result", "median ΔE00", "largest", "within ΔE 4", "photos"], rows,
                            f"local white balance chosen on {results['mixed']['local_chosen']:.0%} of the photos")
    if not only or "single" in only:
        rows, results["single"] = single_light(runner, photos)
        text += print_table('Single light: "neutral colours" against the global correction',
                            ["scene", "global path chosen", "99th pct ΔE00 where chosen", "largest (any)",
                             '"fix the mixed light": mean ΔE00 from it (median)', "photos"], rows)
    t = np.array(runner.seconds)
    print(f"\nhint planning per photo (parse, solve, protections): median {1000 * np.median(t):.0f} ms, "
          f"90th percentile {1000 * np.percentile(t, 90):.0f} ms (this machine, shared; rough)")
    results["seconds"] = {"median": float(np.median(t)), "p90": float(np.percentile(t, 90))}
    results["markdown"] = text
    print(f"\nwrote {write_json(results, 'tonal')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
