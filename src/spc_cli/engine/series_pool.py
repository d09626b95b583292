"""The joint white balance and exposure of one series: how each frame was rendered relative to
the others, and the one correction they share.

Model: the frames show one scene under one light. Frame i was rendered with gains ``exp(r_i)``
on linear R, G, B relative to the series' typical rendering (auto exposure and auto white
balance moved with the framing). The offsets come from the links between frames, solved
together by weighted least squares on the graph of links (robust: links that disagree with the
rest are down-weighted):

- ``matched``: two frames registered on each other; their colour ratio over the overlap
  (``series_frames.relate``) gives the full offset, weighted by the overlap;
- ``camera``: the camera's exposure settings (exposure time x ISO / f-number^2) give the
  exposure part, and a white balance set by hand on both says the colour part is 0.

Each group of frames tied by links is centred on its median offset.

Each frame's critic proposed its own correction ``a_i`` (log gains). Expressed for the typical
rendering, that proposal is ``a_i + r_i``: every frame votes for the correction of the same
scene. A frame whose critic asked nothing (most frames: a camera's errors are mostly within what
scenes themselves show) votes for its camera's rendering, ``r_i``, and that moved with its
framing: all framings of one scene share much of that error (frames that all hold the same
centre all lean the same way), so no vote among them is nearer the scene than its framing lets
it be. ``series_union.reaction`` reads from the frames how far their renderings followed their
content, and what the camera would have chosen for everything the frames show together; that
reaction is taken out of the silent frames' votes. The pooled correction ``T`` is the votes'
medoid, the vote with the least summed distance to the others (one odd frame, an over-exposed
one or a critic misled by a framing, does not move it; of near-equal votes, the one of the frame
whose critic asked least for itself), and frame i renders ``T - r_i``: every frame ends up
rendered as the union would have been, or where the framing explains nothing, as the typical
frame corrected by the correction one of the frames' critics chose.

Silence is not a vote against a cast the camera put in: a camera's white balance preset or
exposure can move a few frames far from the rest (a tungsten preset on two frames of a daylit
scene), and their critics read that error while the frames rendered closer to the scene's warm
or dim look stay silent, though they share it. So where at least two frames' critics asked for
a correction that their camera's rendering explains (it moved each frame at least as far the
other way) and their votes agree, the medoid is taken over those votes alone
(``rendering_casts``). A critic misled by what its framing holds asks the other way: the camera
had already moved that frame against the framing's colour or brightness (a red wall filling the
frame renders cooler, and its critic asks for cooler still), so its vote stays one among all.

Each frame then keeps ``OWN_SHARE`` of its own rendering (the camera's, with its own critic's
correction): it renders ``(1 - OWN_SHARE) (T - r_i) + OWN_SHARE a_i``. Nothing in the pixels says
for certain whether the pooled rendering or a frame's own is nearer the scene; keeping a share of
its own evidence bounds what the series can cost a frame whose camera happened to get it right,
and leaves the frames' differences at that share of what they were.

Exposure and colour are pooled apart, each within the frames its links tie: a camera on manual
exposure ties the exposure of unrelated framings (a folder series), not their colour; a frame
that nothing ties keeps its own critic's correction.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..colour import LUMA

CAMERA_WEIGHT = 0.3  # a link from EXIF settings, against a registered link's overlap (0.12 .. 1)
HUBER = 0.05  # log units (5%): residuals beyond this count linearly, not squared
# the share of its own rendering each frame of a series keeps: the frames' differences shrink to this
# share, within the third a matching series may keep (the spread of the series' mean CIELAB). Chosen
# on series made from training photos (benchmarks/series.py --train 24): see benchmarks/README.md
OWN_SHARE = 0.2
# a critic's correction of more than ASKED (log units) asks; votes within AGREE of each other agree
ASKED = 0.02
AGREE = 0.15


@dataclass
class Link:
    i: int
    j: int
    gains: np.ndarray  # log gains of frame j relative to frame i (R, G, B)
    weight: float
    kind: str  # "matched" | "camera"
    exposure: bool = True  # the link says something about the exposure part
    colour: bool = True  # ... and about the colour part


@dataclass
class Pooled:
    offsets: np.ndarray  # (n, 3) each frame's rendering relative to the typical one, log gains
    how: list[str]  # per frame: what placed it: "matched", "camera" or "alone" (assumed typical)
    target: np.ndarray  # (3,) the pooled correction of the typical rendering, log gains (the median of
    # the groups' where links leave more than one group)
    corrections: np.ndarray  # (n, 3) what each frame renders: target - offset


def split(log_gains: np.ndarray) -> tuple[float, np.ndarray]:
    """(ev, white balance gains) whose product is ``exp(log_gains)``: the gains keep a neutral
    grey's luminance (``sum(LUMA * gains) == 1``) and the exposure carries the rest."""
    g = np.exp(np.asarray(log_gains, dtype=np.float64))
    y = float(np.dot(LUMA, g))
    return math.log2(y), g / y


def _labels(n: int, links: list[Link]) -> np.ndarray:
    """The connected group of every frame under ``links``."""
    parent = list(range(n))

    def root(a: int) -> int:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for lk in links:
        parent[root(lk.i)] = root(lk.j)
    return np.array([root(a) for a in range(n)])


def _solve(n: int, links: list[Link]) -> np.ndarray:
    """Offsets (n, 3) minimising sum w (r_j - r_i - g)^2 over ``links``, each connected group
    centred on its median: conjugate gradients on the links' graph, so a folder of thousands of
    frames costs little."""
    r = np.zeros((n, 3))
    if links:
        i = np.array([lk.i for lk in links])
        j = np.array([lk.j for lk in links])
        g = np.stack([lk.gains for lk in links])
        w0 = np.array([lk.weight for lk in links], dtype=np.float64)
        w = w0.copy()
        labels = _labels(n, links)
        anchors = np.unique(labels)
        for _ in range(25):  # iteratively reweighted: Huber (with a threshold this small, near L1)
            r = _cg(n, i, j, g, w, anchors)
            res = np.linalg.norm(r[j] - r[i] - g, axis=1)
            w = w0 * np.minimum(1.0, HUBER / np.maximum(res, 1e-9))
        for group in anchors:
            members = labels == group
            r[members] -= np.median(r[members], axis=0)
    return r


def _cg(n: int, i: np.ndarray, j: np.ndarray, g: np.ndarray, w: np.ndarray, anchors: np.ndarray) -> np.ndarray:
    anchor = np.zeros(n)
    anchor[anchors] = 1e3 * (w.sum() + 1.0)

    def apply(x: np.ndarray) -> np.ndarray:
        d = (x[j] - x[i]) * w[:, None]
        out = anchor[:, None] * x
        np.add.at(out, j, d)
        np.add.at(out, i, -d)
        return out

    b = np.zeros((n, 3))
    np.add.at(b, j, g * w[:, None])
    np.add.at(b, i, -g * w[:, None])
    x = np.zeros((n, 3))
    res = b - apply(x)
    p = res.copy()
    rs = (res * res).sum(axis=0)
    for _ in range(4 * n + 20):
        ap = apply(p)
        alpha = rs / np.maximum((p * ap).sum(axis=0), 1e-30)
        x += alpha * p
        res -= alpha * ap
        new = (res * res).sum(axis=0)
        if np.all(new < 1e-20):
            break
        p = res + (new / np.maximum(rs, 1e-30)) * p
        rs = new
    return x


def medoid(votes: np.ndarray, own_size: np.ndarray) -> np.ndarray:
    """The vote with the least summed distance to the others; of votes within 0.01 (1%) of the
    least, the one whose critic asked for the smallest correction of its own frame (a frame it
    found right as the camera rendered it)."""
    cost = np.linalg.norm(votes[:, None, :] - votes[None, :, :], axis=2).sum(axis=1)
    near = np.flatnonzero(cost <= cost.min() + 0.01)
    return votes[near[np.argmin(own_size[near])]]


def rendering_casts(asked: np.ndarray, offsets: np.ndarray, votes: np.ndarray) -> np.ndarray:
    """Indices of the voters whose critics read one error of the camera's rendering: each asked
    for more than ASKED, the camera moved its frame at least that far the other way (the offset's
    part against the correction is at least as long as the correction), and at least two such
    votes agree within AGREE. Empty otherwise. ``asked``, ``offsets``, ``votes``: (n, 3) log gains
    of one part (exposure or colour)."""
    size = np.linalg.norm(asked, axis=1)
    k = np.flatnonzero((size > ASKED) & (-(asked * offsets).sum(axis=1) >= size ** 2))
    if len(k) < 2 or np.linalg.norm(votes[k][:, None] - votes[k][None], axis=2).max() >= AGREE:
        return np.zeros(0, dtype=int)
    return k


def pool(own: list[np.ndarray | None], links: list[Link], own_share: float = OWN_SHARE,
         framing: Callable[[np.ndarray], np.ndarray] | None = None) -> Pooled:
    """Offsets, pooled correction and each frame's correction for one series of ``len(own)``
    frames; ``own[i]`` is frame i's critic's correction (None when it could not be read).

    Exposure and colour are pooled apart, each over the frames its links tie together (a camera
    on manual exposure ties unrelated framings' exposure, not their colour); a frame nothing
    ties keeps its own critic's correction of that part. Each frame keeps ``own_share`` of its own
    rendering (0: the frames match exactly).

    ``framing(offsets)``: (n, 3) log gains, how far each frame's camera rendering moved with its
    framing away from what it would have chosen for everything the series shows
    (``series_union.reaction``); it is taken out of the vote of a frame whose critic asked nothing
    of that part (a critic's correction already answers for its frame's rendering)."""
    n = len(own)
    mean = np.full(3, 1 / 3)

    def exposure(v: np.ndarray) -> np.ndarray:
        return (v @ mean)[..., None] * np.ones(3)

    lx = [Link(lk.i, lk.j, exposure(lk.gains), lk.weight, lk.kind) for lk in links if lk.exposure]
    lc = [Link(lk.i, lk.j, lk.gains - exposure(lk.gains), lk.weight, lk.kind) for lk in links if lk.colour]
    ox, oc = _solve(n, lx), _solve(n, lc)
    offsets = ox + oc
    how = ["alone"] * n
    for kind in ("camera", "matched"):
        for lk in links:
            if lk.kind == kind:
                how[lk.i] = how[lk.j] = kind
    mine = [np.zeros(3) if o is None else o for o in own]
    bias = np.zeros((n, 3)) if framing is None else np.asarray(framing(offsets), dtype=np.float64)
    targets = np.zeros((n, 3))
    for part, offs, part_links in ((exposure, ox, lx), (lambda v: v - exposure(v), oc, lc)):
        labels = _labels(n, part_links)
        for group in np.unique(labels):
            members = np.flatnonzero(labels == group)
            voters = [k for k in members if own[k] is not None]
            if not voters:
                continue
            asked = np.stack([part(mine[k]) for k in voters])
            sizes = np.linalg.norm(asked, axis=1)
            votes = np.stack([asked[i] + offs[k] - (part(bias[k]) if sizes[i] < 1e-9 else 0.0)
                              for i, k in enumerate(voters)])
            rendered = rendering_casts(asked, offs[voters], votes)
            targets[members] += medoid(votes[rendered], sizes[rendered]) if rendered.size else medoid(votes, sizes)
    target = np.median(targets, axis=0)
    shared = targets - offsets
    return Pooled(offsets, how, target, (1.0 - own_share) * shared + own_share * np.stack(mine))
