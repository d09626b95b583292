"""Train the learned critic from clean photos and synthetic defects; write its weights.

    python -m spc_cli.learn.train --data ../shared/data/train --out weights/

Seeded and reproducible: sample i is drawn from its own seed (the base seed and i), so the
pool is the same whatever the number of worker processes, and training runs on one thread.
About 19 minutes on the two CPU cores when they are mostly free (1141 s), about 41 beside other
jobs (about 23 to synthesise and measure the pools, 18 to train). The settings are the first thing below; flags override a few of them.
What happens:

1. the train split's photos (``data.py``) are loaded at their own size (at most 1024 px);
   ``SAMPLES`` training samples and ``TUNE_SAMPLES`` tune-split samples are synthesised
   (``synth.py``), each measured by the analytic critic and turned into the network's inputs
   (``critic/learned_net.py``);
2. the network trains for ``EPOCHS`` on the pool with presence, direction and direct losses,
   and a rendered loss: the planned corrections are rendered on the input thumbnail through
   the artist's own differentiable ops (white balance, exposure, levels and curve,
   saturation) and compared with the clean thumbnail, clean photos included (do no harm);
3. each attribute's presence logit gets a temperature (calibrated probabilities) and a decision
   threshold fitted on the tune split, and the weights, their settings and the tune figures
   are written to ``<out>/critic-learned.pt``, with the manifest entry's size and sha256 updated.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..registry import LEARNED_MODEL


# ------------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class Settings:
    seed: int = 1234
    samples: int = 16000  # training samples synthesised from the train split
    tune_samples: int = 1500  # from the tune split: calibration and the figures
    photo_edge: int = 1024  # photos are loaded at most this large (their own size here), then
    # cropped and sized 320-1024 (never enlarged)
    workers: int = 2  # processes synthesising and measuring the pool
    epochs: int = 12
    batch: int = 64
    lr: float = 2e-3
    weight_decay: float = 1e-4
    render_weight: float = 4.0  # the rendered loss (0: corrections learn from their targets alone)
    clean_weight: float = 2.0  # do no harm: weight of clean samples in the correction losses (0: none)
    presence_weight: float = 2.0  # the presence log-loss against the correction losses
    false_alarms: float = 0.012  # share of tune samples without a defect that its threshold may flag
    use_hist: bool = True
    use_side: bool = True
    threads: int = 1  # torch threads while training (the pool uses ``workers`` processes); more is slower
    # on two shared cores: 0.6 s a step with one thread, 5.5 s with two beside other jobs


WEIGHTS_NAME = "critic-learned.pt"
MODEL_NAME = LEARNED_MODEL
REG_WEIGHTS = {"ev": 1.0, "wb": 6.0, "levels": 4.0, "curve": 1.0, "saturation": 1.0, "haze_t": 3.0, "noise": 0.5,
               "blur": 0.5}


# --------------------------------------------------------------------------------- the pool
_PHOTOS: list[np.ndarray] = []
_COLOUR: list[bool] = []


def _init_worker(root: str, relpaths: list[str], colour: list[bool], edge: int) -> None:
    global _PHOTOS, _COLOUR
    import cv2

    from .data import load_srgb8

    torch.set_num_threads(1)
    cv2.setNumThreads(1)
    _PHOTOS = [load_srgb8(Path(root) / r, edge) for r in relpaths]
    _COLOUR = colour


def _make(task: tuple[int, int]) -> dict:
    """Sample ``task[1]`` of the stream seeded ``task[0]``: synthesised, measured, made into inputs."""
    from ..critic.analytic import AnalyticCritic
    from ..critic.learned_net import log_chroma_histogram, side_vector, thumbnail_codes
    from ..photo import Metadata, Photo
    from .data import srgb_to_linear
    from .synth import ATTRIBUTES, synthesise

    seed, i = task
    rng = np.random.default_rng(np.random.SeedSequence([seed, i]))
    k = int(rng.integers(len(_PHOTOS)))
    s = synthesise(_PHOTOS[k], rng, _COLOUR[k])
    lin = torch.from_numpy(srgb_to_linear(s.image)).permute(2, 0, 1).contiguous()
    h, w = lin.shape[-2:]
    photo = Photo(pixels=lin, meta=Metadata(source=Path("sample"), format="png", sha256="", width=w, height=h,
                                            bit_depth=8))
    m = AnalyticCritic().measure(photo)
    proxy = photo.proxy(512)
    target = torch.from_numpy(s.target).permute(2, 0, 1).contiguous()
    return {"thumb": thumbnail_codes(proxy).numpy(), "target": thumbnail_codes(target).numpy(),
            "hist": log_chroma_histogram(proxy).numpy().astype(np.float16), "side": side_vector(m).numpy(),
            "presence": np.array([s.presence[a] for a in ATTRIBUTES], np.int8),
            "direction": np.array([s.direction[a] for a in ATTRIBUTES], np.int8),
            "values": s.values, "colour_ok": s.colour_ok, "photo": k}


def make_pool(root: Path, split: str, n: int, seed: int, st: Settings, log=print,
              cache: Path | None = None) -> dict[str, torch.Tensor]:
    """``n`` samples of ``split``'s photos, stacked into tensors; kept in ``cache`` (a folder) when
    given, keyed by everything that decides the samples, so experiments need not redraw them."""
    if cache is not None:
        import hashlib

        from .. import learn

        code = "".join((Path(learn.__file__).parent / f).read_text() for f in ("synth.py", "defects.py", "data.py"))
        key = hashlib.sha256(f"{root.resolve()}|{split}|{n}|{seed}|{st.photo_edge}|{code}".encode()).hexdigest()[:16]
        path = cache / f"pool-{split}-{key}.pt"
        if path.is_file():
            log(f"{split}: {n} samples from {path}")
            return torch.load(path, weights_only=True)
        pool = make_pool(root, split, n, seed, st, log)
        cache.mkdir(parents=True, exist_ok=True)
        torch.save(pool, path)
        return pool
    from .data import list_photos

    photos = list_photos(root, split)
    args = (str(root), [p.relpath for p in photos], [p.colour_ok for p in photos], st.photo_edge)
    tasks = [(seed, i) for i in range(n)]
    t0 = time.perf_counter()
    rows: list[dict] = []
    if st.workers <= 1:
        _init_worker(*args)
        for t in tasks:
            rows.append(_make(t))
    else:
        import multiprocessing

        with ProcessPoolExecutor(st.workers, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=_init_worker, initargs=args) as pool:
            for j, r in enumerate(pool.map(_make, tasks, chunksize=16)):
                rows.append(r)
                if (j + 1) % 2000 == 0:
                    log(f"  {split}: {j + 1}/{n} samples, {time.perf_counter() - t0:.0f} s")
    log(f"{split}: {n} samples from {len(photos)} photos in {time.perf_counter() - t0:.0f} s")
    from .synth import fix_of

    def stack(key: str, dtype=None) -> torch.Tensor:
        return torch.from_numpy(np.stack([r[key] for r in rows])).to(dtype) if dtype else \
            torch.from_numpy(np.stack([r[key] for r in rows]))

    fixes = [fix_of(r["values"]) for r in rows]
    return {"thumb": stack("thumb"), "target": stack("target"), "hist": stack("hist", torch.float32),
            "side": stack("side"), "presence": stack("presence", torch.long), "direction": stack("direction", torch.long),
            "colour_ok": torch.tensor([r["colour_ok"] for r in rows]),
            "fix": {k: torch.tensor([f[k] for f in fixes], dtype=torch.float32) for k in fixes[0]},
            "haze_t": torch.tensor([r["values"]["haze_t"] for r in rows], dtype=torch.float32),
            "noise": torch.tensor([r["values"]["noise"] for r in rows], dtype=torch.float32),
            "blur": torch.tensor([r["values"]["blur"] for r in rows], dtype=torch.float32)}


def _take(pool: dict, idx: torch.Tensor) -> dict:
    return {k: (_take(v, idx) if isinstance(v, dict) else v[idx]) for k, v in pool.items()}


# --------------------------------------------------------------------------------- losses
def small_linear(codes: torch.Tensor) -> torch.Tensor:
    """(B, 3, 32, 32) linear light from (B, 3, 64, 64) uint8 sRGB thumbnails (2x2 means)."""
    from ..colour import srgb_to_linear

    return F.avg_pool2d(srgb_to_linear(codes.float() / 255.0), 2)


def render(x: torch.Tensor, c: dict[str, torch.Tensor]) -> torch.Tensor:
    """The corrections ``c`` rendered on (B, 3, H, W) linear images through the artist's ops, in
    their order (white balance, exposure, contrast, saturation); sRGB-encoded result."""
    from ..colour import linear_to_srgb
    from ..ops.contrast import adjust_contrast
    from ..ops.exposure import adjust_exposure
    from ..ops.saturation import adjust_saturation
    from ..ops.white_balance import adjust_white_balance

    r, b = torch.exp(c["wb_r"]), torch.exp(c["wb_b"])
    y = 0.2126 * r + 0.7152 + 0.0722 * b  # keep a grey's luminance
    x = adjust_white_balance(x, r / y, 1.0 / y, b / y)
    # the shoulder rolls off only what a brightening pushes past it (the plan's 0.9); a knee of 1
    # (a hard clip) has no finite gradient, and for a darkening the knee does nothing
    x = adjust_exposure(x, c["ev"], 0.9)
    x = adjust_contrast(x, c["curve"], c["black"], c["white"])
    x = adjust_saturation(x, c["saturation"], 0.0)
    return linear_to_srgb(x.clamp(0, 1))


def losses(out: dict, batch: dict, st: Settings) -> dict[str, torch.Tensor]:
    from ..critic.learned_net import ATTRIBUTES, direction_slices

    pres, want = out["presence"], batch["presence"]
    known = want >= 0
    l_pres = F.binary_cross_entropy_with_logits(pres[known], want[known].float())
    l_dir = pres.new_zeros(())
    for a, sl in direction_slices().items():
        j = ATTRIBUTES.index(a)
        rows = (want[:, j] == 1) & (batch["direction"][:, j] >= 0)
        if rows.any():
            l_dir = l_dir + F.cross_entropy(out["direction"][rows, sl], batch["direction"][rows, j])
    c, fix = out["correction"], batch["fix"]
    clean = (want <= 0).all(1)
    w = torch.where(clean, torch.full_like(clean, st.clean_weight, dtype=torch.float32), torch.ones_like(clean,
                                                                                                           dtype=torch.float32))
    colour = batch["colour_ok"].float() * w
    sl1 = F.smooth_l1_loss
    reg = (REG_WEIGHTS["ev"] * (sl1(c["ev"], fix["ev"], reduction="none", beta=0.2) * w).mean()
           + REG_WEIGHTS["wb"] * ((sl1(c["wb_r"], fix["wb_r"], reduction="none", beta=0.05)
                                    + sl1(c["wb_b"], fix["wb_b"], reduction="none", beta=0.05)) * colour).mean()
           + REG_WEIGHTS["levels"] * ((sl1(c["black"], fix["black"], reduction="none", beta=0.02)
                                        + sl1(c["white"], fix["white"], reduction="none", beta=0.02)) * w).mean()
           + REG_WEIGHTS["curve"] * (sl1(c["curve"], fix["curve"], reduction="none", beta=0.1) * w).mean()
           + REG_WEIGHTS["saturation"] * (sl1(torch.log1p(c["saturation"]), torch.log1p(fix["saturation"]),
                                              reduction="none", beta=0.1) * colour).mean()
           + REG_WEIGHTS["haze_t"] * (sl1(c["haze_t"], batch["haze_t"], reduction="none", beta=0.05) * w).mean()
           + REG_WEIGHTS["noise"] * (sl1(c["noise"].log(), batch["noise"].log(), reduction="none") * w).mean()
           + REG_WEIGHTS["blur"] * (sl1(c["blur"].log(), batch["blur"].clamp(min=0.2).log(), reduction="none")
                                    * w).mean())
    out_l = {"presence": st.presence_weight * l_pres, "direction": 0.5 * l_dir, "regression": reg}
    if st.render_weight > 0:
        from ..colour import linear_to_srgb

        got = render(small_linear(batch["thumb"]), c)
        target = linear_to_srgb(small_linear(batch["target"]))
        per = (got - target).abs().mean((1, 2, 3))
        out_l["render"] = st.render_weight * (per * w).mean()
    return out_l


# -------------------------------------------------------------------------------- training
def normaliser(side: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    mean = side.mean(0)
    std = side.std(0).clamp(min=1e-3)
    return mean, std


def net_inputs(batch: dict, mean: torch.Tensor, std: torch.Tensor) -> tuple[torch.Tensor, ...]:
    from ..critic.learned_net import thumb_channels

    side = ((batch["side"] - mean) / std).clamp(-6, 6)
    return thumb_channels(batch["thumb"]), batch["hist"], side


def train(st: Settings, root: Path, out_dir: Path, log=print, cache: Path | None = None) -> dict:
    from ..critic.learned_net import ATTRIBUTES, SIDE_KEYS, CriticNet

    torch.manual_seed(st.seed)
    torch.set_num_threads(st.threads)
    t0 = time.perf_counter()
    pool = make_pool(root, "train", st.samples, st.seed, st, log, cache)
    tune = make_pool(root, "tune", st.tune_samples, st.seed + 1, st, log, cache)
    mean, std = normaliser(pool["side"])
    net = CriticNet(len(SIDE_KEYS), use_hist=st.use_hist, use_side=st.use_side)
    opt = torch.optim.AdamW(net.parameters(), lr=st.lr, weight_decay=st.weight_decay)
    steps = st.epochs * math.ceil(st.samples / st.batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=st.lr, total_steps=steps, pct_start=0.1)
    gen = torch.Generator().manual_seed(st.seed)
    history = []
    for epoch in range(st.epochs):
        net.train()
        order = torch.randperm(st.samples, generator=gen)
        sums: dict[str, float] = {}
        te = time.perf_counter()
        for k in range(0, st.samples, st.batch):
            batch = _take(pool, order[k:k + st.batch])
            if len(batch["presence"]) < 2:
                continue
            out = net(*net_inputs(batch, mean, std))
            parts = losses(out, batch, st)
            loss = sum(parts.values())
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 5.0)
            opt.step()
            sched.step()
            for n, v in parts.items():
                sums[n] = sums.get(n, 0.0) + float(v.detach()) * len(batch["presence"])
        figs = evaluate(net, tune, mean, std, st)
        history.append({"epoch": epoch + 1, **{n: round(v / st.samples, 4) for n, v in sums.items()},
                        "tune": figs["loss"]})
        log(f"epoch {epoch + 1}/{st.epochs}: " + " ".join(f"{n} {v / st.samples:.4f}" for n, v in sums.items())
            + f"  tune {figs['loss']:.4f}  ({time.perf_counter() - te:.0f} s)")
    temps, thresholds = calibrate(net, tune, mean, std, st)
    figs = evaluate(net, tune, mean, std, st, temps, thresholds)
    log("tune split: " + json.dumps(figs["per_attribute"]))
    ckpt = {"format": 1, "settings": asdict(st), "state_dict": net.state_dict(), "side_keys": [k for k, _ in SIDE_KEYS],
            "side_mean": mean, "side_std": std, "temperature": torch.tensor([temps[a] for a in ATTRIBUTES]),
            "threshold": torch.tensor([thresholds[a] for a in ATTRIBUTES]),
            "tune_figures": figs, "history": history}
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / WEIGHTS_NAME
    tmp = path.with_suffix(".tmp")
    torch.save(ckpt, tmp)
    os.replace(tmp, path)
    seconds = round(time.perf_counter() - t0)
    log(f"wrote {path} ({path.stat().st_size} bytes) in {seconds} s")
    # the training time goes to the manifest, not into the file: a rebuild gives the same bytes
    return {**ckpt, "train_seconds": seconds}


@torch.no_grad()
def predict(net, pool: dict, mean, std, st: Settings | None = None, chunk: int = 512) -> dict:
    net.eval()
    outs = []
    n = len(pool["presence"])
    for k in range(0, n, chunk):
        b = _take(pool, torch.arange(k, min(n, k + chunk)))
        outs.append(net(*net_inputs(b, mean, std)))
    return {"presence": torch.cat([o["presence"] for o in outs]), "direction": torch.cat([o["direction"] for o in outs]),
            "correction": {k: torch.cat([o["correction"][k] for o in outs]) for k in outs[0]["correction"]}}


def calibrate(net, tune: dict, mean, std, st: "Settings") -> tuple[dict[str, float], dict[str, float]]:
    """Per attribute, on the tune split: a temperature minimising the presence log-loss (calibrated
    probabilities), and the decision threshold (``_threshold``)."""
    from ..critic.learned_net import ATTRIBUTES

    logits = predict(net, tune, mean, std)["presence"]
    temps, thresholds = {}, {}
    for j, a in enumerate(ATTRIBUTES):
        known = tune["presence"][:, j] >= 0
        z, y = logits[known, j], tune["presence"][known, j].float()
        grid = torch.exp(torch.linspace(math.log(0.3), math.log(4.0), 80))
        nll = torch.stack([F.binary_cross_entropy_with_logits(z / t, y) for t in grid])
        temps[a] = float(grid[int(nll.argmin())])
        p = torch.sigmoid(z / temps[a])
        thresholds[a] = _threshold(p, y, st.false_alarms)
    return temps, thresholds


def _threshold(p: torch.Tensor, y: torch.Tensor, false_alarms: float) -> float:
    """The probability in [0.2, 0.9] with the best balance of precision and recall (F1) among those
    that flag at most ``false_alarms`` of the samples without the defect; 0.9 when none does."""
    best, best_f1 = 0.9, -1.0
    for t in torch.linspace(0.2, 0.9, 71).tolist():
        flag = p >= t
        if float(flag[y == 0].float().mean()) > false_alarms:
            continue
        tp = float((flag & (y == 1)).sum())
        f1 = 2 * tp / max(1.0, float(flag.sum()) + float((y == 1).sum()))
        if f1 > best_f1 + 1e-9:
            best, best_f1 = round(t, 3), f1
    return best


def evaluate(net, tune: dict, mean, std, st: Settings, temps: dict[str, float] | None = None,
             thresholds: dict[str, float] | None = None) -> dict:
    from ..critic.learned_net import ATTRIBUTES, direction_slices

    net.eval()
    with torch.no_grad():
        o = predict(net, tune, mean, std)
        parts = losses(o, tune, st)
    loss = float(sum(parts.values()))
    per = {}
    slices = direction_slices()
    for j, a in enumerate(ATTRIBUTES):
        t = (temps or {}).get(a, 1.0)
        p = torch.sigmoid(o["presence"][:, j] / t)
        y = tune["presence"][:, j]
        flag = p >= (thresholds or {}).get(a, 0.5)
        tp = int((flag & (y == 1)).sum())
        fp = int((flag & (y == 0)).sum())
        fn = int((~flag & (y == 1)).sum())
        d = {"precision": round(tp / max(1, tp + fp), 3), "recall": round(tp / max(1, tp + fn), 3)}
        if a in slices:
            hit = flag & (y == 1) & (tune["direction"][:, j] >= 0)
            if hit.any():
                pred = o["direction"][hit, slices[a]].argmax(1)
                d["direction"] = round(float((pred == tune["direction"][hit, j]).float().mean()), 3)
        per[a] = d
    clean = (tune["presence"] <= 0).all(1)
    flags = torch.stack([torch.sigmoid(o["presence"][:, j] / (temps or {}).get(a, 1.0)) >= (thresholds or {}).get(a, 0.5)
                         for j, a in enumerate(ATTRIBUTES)], 1)
    return {"loss": round(loss, 4), "per_attribute": per,
            "clean_flagged": round(float(flags[clean].any(1).float().mean()), 3) if clean.any() else None}


def update_manifest(out_dir: Path, ckpt: dict, data: Path, command: str) -> None:
    """Refresh the manifest entry's file size, sha256 and training record (when the manifest is there)."""
    from ..manifest import MANIFEST, sha256_of

    path = out_dir / MANIFEST
    if not path.is_file():
        return
    doc = json.loads(path.read_text())
    weights = out_dir / WEIGHTS_NAME
    for e in doc["models"]:
        if e["name"] == MODEL_NAME:
            e["size_bytes"] = weights.stat().st_size
            e["files"] = [{"path": WEIGHTS_NAME, "bytes": weights.stat().st_size, "sha256": sha256_of(weights),
                           "shipped": True}]
            src = e.setdefault("source", {})
            src["trained_here"] = {**src.get("trained_here", {}), "command": command,
                                   "settings": ckpt["settings"], "train_seconds": ckpt["train_seconds"],
                                   "tune_split_figures": ckpt["tune_figures"]}
    path.write_text(json.dumps(doc, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=Path("../shared/data/train"), help="folder of clean training photos")
    ap.add_argument("--out", type=Path, default=Path("weights"), help="where critic-learned.pt is written")
    defaults = Settings()
    for f in ("seed", "samples", "tune_samples", "epochs", "workers"):
        ap.add_argument(f"--{f.replace('_', '-')}", type=int, default=getattr(defaults, f))
    ap.add_argument("--no-hist", action="store_true", help="no log-chroma histogram input")
    ap.add_argument("--no-side", action="store_true", help="no analytic side features")
    ap.add_argument("--cache", type=Path, help="keep the synthesised pools here and reuse them (experiments)")
    ap.add_argument("--threads", type=int, default=defaults.threads, help="torch threads while training")
    ap.add_argument("--render-weight", type=float, default=defaults.render_weight)
    ap.add_argument("--clean-weight", type=float, default=defaults.clean_weight)
    args = ap.parse_args(argv)
    if not args.data.is_dir():
        print(f"{args.data}: no such folder of training photos", file=sys.stderr)
        return 2
    st = replace(defaults, seed=args.seed, samples=args.samples, tune_samples=args.tune_samples, epochs=args.epochs,
                 workers=args.workers, use_hist=not args.no_hist, use_side=not args.no_side,
                 render_weight=args.render_weight, clean_weight=args.clean_weight, threads=args.threads)
    ckpt = train(st, args.data, args.out, cache=args.cache)
    given = list(argv if argv is not None else sys.argv[1:])
    if "--cache" in given:  # where the pool is kept does not change the weights
        k = given.index("--cache")
        del given[k:k + 2]
    cmd = "python -m spc_cli.learn.train " + " ".join(given)
    update_manifest(args.out, ckpt, args.data, cmd.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
