"""The first pass of series planning: a small record of each photo, and how two photos relate.

A ``Frame`` is what series planning keeps of a photo (a few kilobytes): when and with which
camera body it was taken, the camera's exposure settings, the critic's own white balance
and exposure correction, read from a cheap reduced decode (``io.preview``), and a 12 x 12 grid of
its small picture's mean colours (``series_union.grid_of``: about 5 KB in the sidecar) from which
the union of a series' frames is assembled. A ``Look`` is the
photo's small picture (320 px), kept only while its neighbours in capture order are compared
with it.

``relate`` finds whether two photos show the same scene and how their renderings differ: ORB
features matched and a homography fitted with RANSAC (a reframing, a zoom, a small change of
view), checked by the agreement of the two pictures' structure where they overlap; then the
ratio of their linear colours over the overlap (median per channel, mid-tones only, edges left
out) is how much brighter, warmer or greener one frame was rendered than the other.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from ..colour import LUMA

LOOK_EDGE = 320  # long edge of the picture features and colours are compared on
MIN_INLIERS = 20  # matched features a homography needs to count as the same scene
MIN_INLIER_SHARE = 0.25  # ... and the share of the ratio-tested matches it explains
MIN_OVERLAP = 0.12  # share of a frame the other must cover (after masking) for a colour ratio
MIN_STRUCTURE = 0.6  # correlation of the two frames' gradients over the overlap
MID_TONES = (0.008, 0.85)  # linear levels the colour ratio reads (no crushed or clipped pixels)
# median absolute deviation of the log ratio (any channel) above which two frames differ by more
# than a gain (another tone curve, an edit): the same scene, but no rendering offset to read
# (reframings of one photo: 0.01-0.09; one scene under five white balance presets and two picture
# styles: up to 0.11; a contrast-flattened copy: 0.40)
MAX_SPREAD = 0.2


@dataclass
class Capture:
    """What the EXIF says about the shot (every field may be unknown)."""

    time: float | None = None  # seconds (local time of the camera, sub-seconds included)
    body: str | None = None  # make, model and serial number
    gain_ev: float | None = None  # log2(exposure time x ISO / f-number^2): the camera's own brightness
    wb_manual: bool | None = None  # the camera's white balance was set by hand (not auto)


@dataclass
class Frame:
    """One photo as series planning keeps it."""

    index: int  # in the job list
    source: Path
    sha256: str = ""
    capture: Capture = field(default_factory=Capture)
    own: np.ndarray | None = None  # the critic's own correction: log gains on R, G, B (None: not read)
    p_top: float = 0.0  # the brightest 0.1% of the preview (max channel, linear), for a gain's shoulder
    # other sha256 -> [gR, gG, gB, weight, 9 homography entries] (``relate``) or None (not the same scene)
    links: dict[str, list[float] | None] = field(default_factory=dict)
    shape: tuple[int, int] = (0, 0)  # the small picture's (h, w), in whose pixels the homographies map
    grid: np.ndarray | None = None  # series_union.grid_of the small picture (GRID x GRID x 4)

    def to_dict(self) -> dict[str, Any]:
        """The record a sidecar keeps, so that a rerun need not read an unchanged photo again."""
        c = self.capture
        return {"sha256": self.sha256, "time": c.time, "body": c.body, "gain_ev": c.gain_ev,
                "wb_manual": c.wb_manual, "p_top": round(self.p_top, 4),
                "own": None if self.own is None else [round(float(v), 5) for v in self.own],
                "links": {k: (None if v is None else [round(float(x), 6) for x in v]) for k, v in self.links.items()},
                "shape": list(self.shape),
                "grid": None if self.grid is None else np.round(self.grid, 4).tolist()}

    @classmethod
    def from_dict(cls, index: int, source: Path, d: dict[str, Any]) -> "Frame":
        cap = Capture(d.get("time"), d.get("body"), d.get("gain_ev"), d.get("wb_manual"))
        own = d.get("own")
        grid = d.get("grid")
        return cls(index, source, d["sha256"], cap, None if own is None else np.asarray(own, dtype=np.float64),
                   float(d.get("p_top", 0.0)), {k: v for k, v in (d.get("links") or {}).items()},
                   tuple(d.get("shape") or (0, 0)), None if grid is None else np.asarray(grid, dtype=np.float32))


# --------------------------------------------------------------------------- EXIF


def _number(text: str | None) -> float | None:
    from ..io.metadata import _number as parse

    return parse(text)


def capture_of(tags: dict[str, str]) -> Capture:
    """Capture time (DateTimeOriginal + SubSecTimeOriginal, else DateTimeDigitized), camera body
    (make, model, serial), the exposure the camera chose and its white balance mode."""
    stamp, sub = tags.get("EXIF DateTimeOriginal"), tags.get("EXIF SubSecTimeOriginal")
    if not stamp:
        stamp, sub = tags.get("EXIF DateTimeDigitized"), tags.get("EXIF SubSecTimeDigitized")
    when = None
    if stamp:
        try:
            when = datetime.strptime(stamp.strip()[:19], "%Y:%m:%d %H:%M:%S").timestamp()
        except ValueError:
            when = None
        digits = "".join(ch for ch in (sub or "") if ch.isdigit())
        if when is not None and digits:
            when += int(digits) / 10 ** len(digits)
    make = (tags.get("Image Make") or "").strip()
    model = (tags.get("Image Model") or "").strip()
    serial = (tags.get("EXIF BodySerialNumber") or tags.get("Image CameraSerialNumber") or "").strip()
    body = " ".join(p for p in (make, model, serial) if p) or None
    t = _number(tags.get("EXIF ExposureTime"))
    n = _number(tags.get("EXIF FNumber"))
    iso = _number(tags.get("EXIF ISOSpeedRatings") or tags.get("EXIF PhotographicSensitivity"))
    gain = math.log2(t * iso / (n * n)) if t and n and iso and t > 0 and n > 0 and iso > 0 else None
    wb = (tags.get("EXIF WhiteBalance") or "").strip().lower()
    return Capture(when, body, gain, {"manual": True, "auto": False}.get(wb))


def read_capture(path: Path) -> Capture:
    """The EXIF capture facts of a file, reading only its metadata (no pixels). Where exifread
    finds none (a HEIF layout it cannot read, WebP), the EXIF block from the file's header."""
    import exifread

    try:
        with open(path, "rb") as fh:
            raw = exifread.process_file(fh, details=False, extract_thumbnail=False)
    except Exception:  # noqa: BLE001 - unreadable metadata: nothing known about the capture
        raw = {}
    tags = {str(k): " ".join(str(v).split()) for k, v in raw.items()}
    if not tags:
        from ..io import metadata as md
        from ..io.decode import exif_block

        try:
            block = exif_block(path)
            tags = md.read_tags(block)[0] if block else {}
        except Exception:  # noqa: BLE001 - as above
            tags = {}
    return capture_of(tags)


# --------------------------------------------------------------------------- the critic's own correction


def own_correction(plan) -> np.ndarray:
    """The white balance and exposure a critic's plan would render, as log gains on linear R, G, B
    (white balance gains times 2^ev; strengths applied). Any critic: only the ``white_balance``
    and ``exposure`` edits of its ``EditPlan`` are read."""
    out = np.zeros(3)
    for e in plan.edits:
        p = e.effective()
        if e.op == "white_balance":
            out += np.log(np.maximum([p.red, p.green, p.blue], 1e-6))
        elif e.op == "exposure":
            out += float(p.ev) * math.log(2.0)
    return out


# --------------------------------------------------------------------------- pictures


@dataclass
class Look:
    """A frame's small picture: linear colours (3, h, w) and an 8-bit grey for features."""

    colour: np.ndarray
    grey: np.ndarray
    keypoints: Any = None
    descriptors: Any = None


def look_of(pixels) -> Look:
    """The picture two frames are compared on, from a preview's linear (3, H, W) pixels."""
    import cv2

    from ..colour import area_downscale

    small = area_downscale(pixels.float(), LOOK_EDGE).numpy().astype(np.float32)
    y = np.tensordot(np.asarray(LUMA, dtype=np.float32), small, axes=1)
    enc = np.sqrt(np.clip(y, 0.0, None))  # a perceptual-ish encoding for features
    lo, hi = np.percentile(enc, [1, 99])
    grey = np.clip((enc - lo) / max(hi - lo, 1e-4) * 255.0, 0, 255).astype(np.uint8)
    orb = cv2.ORB_create(nfeatures=1000, edgeThreshold=15, patchSize=15, fastThreshold=5)
    kp, desc = orb.detectAndCompute(grey, None)
    return Look(small, grey, kp, desc)


def p_top_of(pixels) -> float:
    """The 99.9th percentile of each pixel's brightest channel (linear)."""
    top = pixels.float().amax(dim=0).reshape(-1)
    if top.numel() > 65536:
        top = top[:: top.numel() // 65536]
    return float(top.quantile(0.999))


def relate(a: Look, b: Look) -> list[float] | None:
    """How frame ``b`` is rendered relative to ``a`` where both show the same scene:
    ``[gR, gG, gB, w]``, the median log ratio b / a per linear channel over their overlap and a
    weight (the share of ``a`` it was read on; 0 where the ratio varies too much to be a
    rendering gain) and the homography (9 entries, row-major) that maps ``b``'s picture into
    ``a``'s, or None when they do not show the same scene."""
    import cv2

    if a.descriptors is None or b.descriptors is None or len(a.keypoints) < 8 or len(b.keypoints) < 8:
        return None
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(b.descriptors, a.descriptors, k=2)
    good = [m[0] for m in pairs if len(m) == 2 and m[0].distance < 0.8 * m[1].distance]
    if len(good) < MIN_INLIERS:
        return None
    src = np.float32([b.keypoints[m.queryIdx].pt for m in good])
    dst = np.float32([a.keypoints[m.trainIdx].pt for m in good])
    hom, inl = cv2.findHomography(src, dst, cv2.RANSAC, 3.0, maxIters=500, confidence=0.995)
    if hom is None or inl is None:
        return None
    inliers = int(inl.sum())
    if inliers < MIN_INLIERS or inliers < MIN_INLIER_SHARE * len(good) or not _plausible(hom, b.grey.shape):
        return None
    h, w = a.grey.shape
    warp = lambda img, interp: cv2.warpPerspective(img, hom, (w, h), flags=interp,  # noqa: E731
                                                   borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    inside = warp(np.ones(b.grey.shape, np.uint8), cv2.INTER_NEAREST) > 0
    inside = cv2.erode(inside.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    if inside.mean() < MIN_OVERLAP:
        return None
    bw = np.stack([warp(c, cv2.INTER_LINEAR) for c in b.colour])
    if _structure(a.grey, warp(b.grey, cv2.INTER_LINEAR), inside) < MIN_STRUCTURE:
        return None
    # mid-tones away from edges (a residual misalignment there would read as a colour change)
    ok = inside & np.all((a.colour > MID_TONES[0]) & (a.colour < MID_TONES[1]), axis=0) \
        & np.all((bw > MID_TONES[0]) & (bw < MID_TONES[1]), axis=0)
    ok &= _flat(a.grey) & _flat(warp(b.grey, cv2.INTER_LINEAR))
    if ok.mean() < MIN_OVERLAP / 4 or ok.sum() < 200:
        return None
    ratio = np.log(bw[:, ok]) - np.log(a.colour[:, ok])
    gains = np.median(ratio, axis=1)
    spread = np.median(np.abs(ratio - gains[:, None]), axis=1)
    weight = float(min(1.0, inside.mean())) if spread.max() <= MAX_SPREAD else 0.0
    return [float(g) for g in gains] + [weight] + [float(v) for v in (hom / hom[2, 2]).ravel()]


def _plausible(hom: np.ndarray, shape: tuple[int, int]) -> bool:
    """A homography a reframing can make: corners keep their order, the area changes less than
    16-fold, and the perspective is mild."""
    h, w = shape
    corners = np.float64([[0, 0, 1], [w, 0, 1], [w, h, 1], [0, h, 1]]) @ hom.T
    if np.any(corners[:, 2] <= 0):
        return False
    pts = corners[:, :2] / corners[:, 2:]
    edges = np.roll(pts, -1, axis=0) - pts
    cross = edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1] - edges[:, 1] * np.roll(edges, -1, axis=0)[:, 0]
    if not (np.all(cross > 0) or np.all(cross < 0)):
        return False
    return 1 / 16 < _area(hom, shape) / (w * h) < 16 and abs(hom[2, 0]) * w + abs(hom[2, 1]) * h < 0.5


def _area(hom: np.ndarray, shape: tuple[int, int]) -> float:
    """The area of a (h, w) picture's outline mapped by ``hom`` (pixels of the target picture)."""
    h, w = shape
    corners = np.float64([[0, 0, 1], [w, 0, 1], [w, h, 1], [0, h, 1]]) @ hom.T
    pts = corners[:, :2] / corners[:, 2:]
    return 0.5 * abs(float(np.sum(pts[:, 0] * np.roll(pts[:, 1], -1) - np.roll(pts[:, 0], -1) * pts[:, 1])))


def _gradients(grey: np.ndarray) -> np.ndarray:
    import cv2

    g = cv2.GaussianBlur(grey.astype(np.float32), (0, 0), 1.0)
    return np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0), cv2.Sobel(g, cv2.CV_32F, 0, 1))


def _structure(a: np.ndarray, b: np.ndarray, mask: np.ndarray) -> float:
    """Correlation of the two pictures' gradient magnitudes over ``mask``: near 1 where the
    same edges lie in the same places, near 0 for unrelated content."""
    ga, gb = _gradients(a)[mask], _gradients(b)[mask]
    if ga.size < 100:
        return 0.0
    ga, gb = ga - ga.mean(), gb - gb.mean()
    den = float(np.sqrt((ga * ga).sum() * (gb * gb).sum()))
    return float((ga * gb).sum()) / den if den > 0 else 0.0


def _flat(grey: np.ndarray) -> np.ndarray:
    """Pixels away from strong edges (gradient under the frame's 70th percentile)."""
    g = _gradients(grey)
    return g <= np.percentile(g, 70)
