"""The learned critic: a small network trained here decides, the measurements explain.

    measure (measure.py)   ->  network (learned_net.py)        ->  findings and plan (advise.py)
    the analytic numbers       presence (calibrated), direction,    the reasons cite both: what the
    on the 512-px proxy and     and the correction in each op's     network estimates ("the light is
    full-resolution tiles      own units                            about 3200 K") and the numbers
                                                                    a photographer can check

The weights (``weights/critic-learned.pt``) are checked against the manifest's sha256 before
use (``spc_cli.manifest``): a missing or changed file is a one-line error, exit 2, never a
silent fall-back to another critic. How they were trained: ``spc_cli/learn/`` and
docs/critic.md.

    >>> critic = LearnedCritic()                                    # doctest: +SKIP
    >>> c = critic.critique([photo])[0]                             # doctest: +SKIP
    >>> c.findings[0].attribute, c.findings[0].measured["probability"]  # doctest: +SKIP
    ('white_balance', 0.97)
"""

from __future__ import annotations

import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..colour import planck_xy
from ..device import resolve_device, resolve_dtype
from ..manifest import WeightsError, shipped_file
from ..photo import Photo
from ..registry import LEARNED_MODEL
from .advise import plan_for, score_for, summary_for
from .analytic import AnalyticCritic
from .base import Critique, Finding
from .judge import PRESENT, clipping_findings
from .learned_net import (ATTRIBUTES, DIRECTIONS, PIXEL_SCALE, CriticNet, direction_slices, log_chroma_histogram,
                          side_vector, thumb_channels, thumbnail_codes)
from .thresholds import colourless, toned

MODEL = LEARNED_MODEL
MINOR = 0.25  # probability from which an attribute is kept as a minor finding (score, summary)
# a finding's severity runs from PRESENT at the smallest defect worth fixing to 1 at this size
FULL = {"exposure": 2.5, "white_balance": 1.0, "contrast_low": 0.5, "contrast_high": 1.2, "saturation": 1.2,
        "haze": 0.6, "noise": 12.0, "sharpness": 3.0}
LUMA = (0.2126, 0.7152, 0.0722)


def load_checkpoint(path: Path) -> dict[str, Any]:
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - any unreadable file is the same one-line error
        raise WeightsError(f"{path}: weights file cannot be loaded ({type(e).__name__}: {str(e)[:120]})") from None


class LearnedCritic:
    """The default critic: a network over the proxy, the histogram of its colours and the analytic
    measurements; findings with calibrated probabilities, plans in the ops' units.

    Options: ``device`` (auto, cpu, cuda[:N]), ``precision`` (auto = fp16 on CUDA), ``batch_size``
    (photos per network call), ``model`` or ``weights`` (another checkpoint file, e.g. one just
    trained), ``present`` (probability from which a finding is reported and planned; by default each
    attribute's threshold calibrated on the tune split, stored with the weights).
    """

    name = "learned"
    version = "1"

    def __init__(self, device: str = "auto", precision: str = "auto", batch_size: int = 8, model: str | None = None,
                 weights: str | Path | None = None, present: float | None = None) -> None:
        self.device = resolve_device(str(device))
        self.dtype = resolve_dtype(precision, self.device)
        self.batch_size = max(1, int(batch_size))
        self.present = None if present is None else float(present)
        path = Path(weights or model) if (weights or model) else shipped_file(MODEL)
        ckpt = load_checkpoint(path)
        try:
            st = ckpt["settings"]
            self.net = CriticNet(len(ckpt["side_keys"]), use_hist=st["use_hist"], use_side=st["use_side"])
            self.net.load_state_dict(ckpt["state_dict"])
            self.side_mean, self.side_std = ckpt["side_mean"].float(), ckpt["side_std"].float()
            self.temperature = ckpt["temperature"].float()
            self.thresholds = dict(zip(ATTRIBUTES, ckpt.get("threshold", torch.full((len(ATTRIBUTES),), 0.5)).tolist()))
        except (KeyError, RuntimeError, TypeError) as e:
            raise WeightsError(f"{path}: not a learned-critic checkpoint ({type(e).__name__}: {str(e)[:120]})") from None
        self.net.eval().to(device=self.device, dtype=self.dtype)
        self.analytic = AnalyticCritic()

    # ------------------------------------------------------------------------ the contract
    def critique(self, photos: list[Photo]) -> list[Critique]:
        return self._judge(photos, [self.analytic.measure(p) for p in photos])

    def critique_proxy(self, proxies: list[Photo], of: Critique) -> list[Critique]:
        """Critiques of downscaled copies of one photo (the closed loop's tries), with the
        pixel-scale measurements (noise, sharpness) of ``of``, the photo's own critique: a
        resampled copy does not keep them (see ``AnalyticCritic.critique_proxy``)."""
        pixel_scale = {k: v for k, v in of.measurements.items() if k.startswith(PIXEL_SCALE)}
        return self._judge(proxies, [self.analytic.measure(p, pixel_scale or None) for p in proxies])

    def predict(self, photos: list[Photo], ms: list[dict[str, float]]) -> list[dict[str, Any]]:
        """The network's raw reading of each photo: calibrated presence probabilities, direction
        probabilities, corrections (float32, CPU)."""
        if self.device.type != "cpu":
            return self._predict(photos, ms)
        # the inputs and the network are small: on the CPU one thread is fastest, and several wait on
        # each other when other work shares the cores (24 MP, load 6: network 198 ms on two threads)
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return self._predict(photos, ms)
        finally:
            torch.set_num_threads(threads)

    def _predict(self, photos: list[Photo], ms: list[dict[str, float]]) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for k in range(0, len(photos), self.batch_size):
            chunk = photos[k:k + self.batch_size]
            proxies = [p.proxy(self.analytic.proxy) for p in chunk]
            thumbs = torch.stack([thumbnail_codes(x) for x in proxies])
            hists = torch.stack([log_chroma_histogram(x) for x in proxies])
            side = torch.stack([side_vector(m) for m in ms[k:k + self.batch_size]])
            side = ((side - self.side_mean) / self.side_std).clamp(-6, 6)
            args = [t.to(device=self.device, dtype=self.dtype) for t in (thumb_channels(thumbs), hists, side)]
            with torch.no_grad():
                o = self.net(*args)
            prob = torch.sigmoid(o["presence"].float().cpu() / self.temperature)
            dirs = o["direction"].float().cpu()
            corr = {n: v.float().cpu() for n, v in o["correction"].items()}
            for i in range(len(chunk)):
                d = {a: torch.softmax(dirs[i, sl], 0).tolist() for a, sl in direction_slices().items()}
                out.append({"presence": dict(zip(ATTRIBUTES, prob[i].tolist())), "direction": d,
                            "correction": {n: float(v[i]) for n, v in corr.items()}})
        return out

    def _judge(self, photos: list[Photo], ms: list[dict[str, float]]) -> list[Critique]:
        results = []
        for photo, m, r in zip(photos, ms, self.predict(photos, ms)):
            m = dict(m)
            # the probabilities and the corrections apart: "saturation" and "noise" name both
            m.update({f"learned.presence.{a}": p for a, p in r["presence"].items()})
            m.update({f"learned.correction.{n}": v for n, v in r["correction"].items()})
            allf = self._findings(m, r, photo)
            findings = [f for f in allf if f.severity >= PRESENT]
            findings.sort(key=lambda f: -f.severity * (0.5 + 0.5 * f.confidence))
            plan = plan_for(findings, m)
            results.append(Critique(score=score_for(allf), summary=summary_for(findings, allf, plan, m),
                                    findings=findings, plan=plan, measurements=m))
        return results

    # ----------------------------------------------------------------------- the findings
    def _findings(self, m: dict[str, float], r: dict[str, Any], photo: Photo) -> list[Finding]:
        out: list[Finding] = []
        c = r["correction"]
        for a in ATTRIBUTES:
            p = r["presence"][a]
            if p < MINOR:
                continue
            f = _FINDERS[a](m, c, r["direction"].get(a))
            if f is None:
                continue
            direction, mag, measured, reason = f
            t = self.thresholds[a] if self.present is None else self.present
            sev = (PRESENT + (1 - PRESENT) * min(1.0, max(0.0, mag))) if p >= t \
                else PRESENT * 0.99 * max(0.0, p - MINOR) / max(1e-6, t - MINOR)
            out.append(Finding(a, direction, sev, p, {"probability": p, **measured}, reason))
        out += [f for f in clipping_findings(m, photo.meta, out) if f.severity > 0]
        return out


# ------------------------------------------------------------------------ per attribute
def _word(a: str, probs: list[float] | None) -> str:
    return DIRECTIONS[a][int(np.argmax(probs))] if probs else DIRECTIONS[a][0]


def _exposure(m, c, probs):
    d = _word("exposure", probs)
    ev = c["ev"]
    if (ev > 0) != (d == "under"):
        ev = 0.0  # the direction and the correction disagree: name it, plan nothing
    key_ev = math.log2(max(m["exposure.key"], 1e-4) / 0.18)
    reason = (f"it reads about {abs(c['ev']):.1f} stops {'under' if d == 'under' else 'over'}-exposed: the brightest "
              f"pixels reach {m['exposure.p_hi']:.2f} of white ({max(0.0, m['exposure.headroom_ev']):.1f} stops of "
              f"headroom), the average is {key_ev:+.1f} stops from mid-grey")
    if m.get("exposure.clipped_any", 0.0) >= 0.01:
        reason += f" and {100 * m['exposure.clipped_any']:.0f}% of the pixels are clipped"
    return d, abs(c["ev"]) / FULL["exposure"], {"correction_ev": ev, "headroom_ev": m["exposure.headroom_ev"],
                                                "key_ev": key_ev}, reason


def _white_balance(m, c, probs):
    if toned(m):
        return None  # a toned monochrome photo's colour is its tone (thresholds.TONED)
    w, t = c["wb_b"] - c["wb_r"], 0.5 * (c["wb_r"] + c["wb_b"])  # the cast: ln R/B and ln G/sqrt(RB) of a grey
    d = _word("white_balance", probs)
    lg = np.array([-c["wb_r"], 0.0, -c["wb_b"]])
    mag = float(np.sqrt(((lg - lg.mean()) ** 2).sum()))
    grey = f"a grey reads R/B {math.exp(w):.2f}, G/sqrt(R*B) {math.exp(t):.2f}"
    classic = (f"grey-world R/B {math.exp(m['white_balance.warmth_grey_world']):.2f}, the brightest areas "
               f"{math.exp(m['white_balance.warmth_white']):.2f}")
    if d in ("warm", "cool"):
        kelvin = light_kelvin(w)
        reason = (f"the photo is {'orange' if d == 'warm' else 'blue'}: the light is about {kelvin:.0f} K on a daylight "
                  f"balance ({grey}; {classic})")
    else:
        reason = f"the neutral-looking areas lean {d} ({grey}; {classic})"
    return d, mag / FULL["white_balance"], {"correct_warmth": w, "correct_tint": t, "light_k": light_kelvin(w),
                                            "warmth": m["white_balance.warmth"], "tint": m["white_balance.tint"]}, reason


def _contrast(m, c, probs):
    d = _word("contrast", probs)
    if d == "low":
        # never clip: the black point no higher than the darkest pixel, the white no lower than the brightest
        black = min(c["black"], m.get("contrast.black_min", 0.0))
        white = max(c["white"], m.get("contrast.white_max", 1.0))
        lost = 1.0 - (white - black)
        reason = (f"the tones span only {m['contrast.range']:.2f} of the lightness scale: the darkest channel stays above "
                  f"{m['contrast.black']:.2f} and the brightest below {m['contrast.white']:.2f} (sRGB levels)")
        return d, lost / FULL["contrast_low"], {"black_min": black, "white_max": white, "range": m["contrast.range"]}, \
            reason
    amount = min(0.0, c["curve"])
    reason = (f"the tones are harsh: {100 * m.get('exposure.crushed', 0):.0f}% of the pixels are crushed to black and "
              f"{100 * m.get('exposure.clipped', 0):.0f}% clipped to white, lightness spread {m['contrast.std']:.2f}")
    return "high", abs(amount) / FULL["contrast_high"], {"amount": amount, "range": m["contrast.range"]}, reason


def _saturation(m, c, probs):
    if toned(m):
        return None
    d = _word("saturation", probs)
    ratio = 1.0 + c["saturation"]
    if (ratio > 1) != (d == "low"):
        ratio = 1.0
    p90 = m["saturation.chroma_p90"]
    reason = (f"the colours read {'muted' if d == 'low' else 'over-saturated'}: the most colourful 10% of pixels "
              f"reach {p90:.3f} in OKLab chroma (0.06-0.15 is usual)")
    return d, abs(math.log(max(1.0 + c["saturation"], 1e-3))) / FULL["saturation"], \
        {"target_ratio": ratio, "chroma_p90": p90}, reason


def _haze(m, c, probs):
    if colourless(m):
        return None  # a greyscale photo's veil and a light grey surface look alike (thresholds.COLOURLESS)
    t = c["haze_t"]
    reason = (f"a veil lets through about {100 * t:.0f}% of the scene's light: the darkest regions are lifted to "
              f"{m['haze.veil']:.0%} of the airlight level (dark channel {m['haze.dark_p10']:.2f})")
    return "present", (1.0 - t) / FULL["haze"], {"transmission": t, "veil": m["haze.veil"]}, reason


def _noise(m, c, probs):
    s = c["noise"]  # sigma at sRGB mid-grey, /255
    reason = (f"noise of about {s:.1f}/255 at mid-grey (the tiles read {255 * m['noise.luma_sigma']:.1f}/255 in "
              f"luminance and {255 * m['noise.chroma_sigma']:.1f}/255 in colour at full resolution)")
    return "present", s / FULL["noise"], {"luma_sigma": s / 255.0, "chroma_sigma": s / 255.0,
                                          "noise_sigma": s / 255.0}, reason


def _sharpness(m, c, probs):
    b = c["blur"]
    reason = (f"edges are spread over about {b:.1f} px (Gaussian-equivalent blur): halving the image makes them "
              f"{m['sharpness.scale_gain']:.2f}x steeper (sharp photos: 1.0-1.5x)")
    from .judge_detail import grain_risk

    return "blurred", b / FULL["sharpness"], {"blur_px": b, "blur_sigma_px": b, "grain_risk": grain_risk(m)}, reason


_FINDERS = {"exposure": _exposure, "white_balance": _white_balance, "contrast": _contrast, "saturation": _saturation,
            "haze": _haze, "noise": _noise, "sharpness": _sharpness}


# ------------------------------------------------------------------ colour temperature
def _planck_rgb(kelvin: float) -> np.ndarray:
    """Linear Rec.709 RGB of a blackbody (Kim et al.'s fit of the Planckian locus)."""
    x, y = planck_xy(kelvin)
    xyz = np.array([x / y, 1.0, (1 - x - y) / y])
    m = np.array([[3.2404542, -1.5371385, -0.4985314], [-0.9692660, 1.8760108, 0.0415560],
                  [0.0556434, -0.2040259, 1.0572252]])
    return m @ xyz


@lru_cache(maxsize=1)
def _warmth_table() -> tuple[np.ndarray, np.ndarray]:
    ks = np.exp(np.linspace(math.log(2000), math.log(25000), 400))  # below ~1900 K blue leaves the gamut
    ref = _planck_rgb(6500.0)
    w = np.array([math.log((_planck_rgb(k)[0] / ref[0]) / (_planck_rgb(k)[2] / ref[2])) for k in ks])
    return w[::-1], ks[::-1]  # warmth rises as the temperature falls


def light_kelvin(warmth: float) -> float:
    """The blackbody temperature whose light gives a grey ``warmth`` (ln R/B) on a 6500 K balance."""
    w, ks = _warmth_table()
    return float(np.interp(warmth, w, ks))
