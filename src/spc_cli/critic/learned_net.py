"""The learned critic's network and what it is fed: the one file the run time needs.

Three inputs, all cheap to make from the critic's 512-px proxy and the analytic measurements:

* a 64 x 64 thumbnail of the whole frame (sRGB-encoded RGB, log2 luminance and two log-chroma
  channels), for what the photo shows: sky, foliage, skin, a lamp, a veil, a dark room;
* a 32 x 32 log-chroma histogram (u = ln G/R, v = ln G/B) of the lit, unclipped pixels, one
  channel weighted by luminance and one by local contrast (what grey-world and grey-edge
  read). A cast shifts the whole histogram, so a convolution over it finds the light the way
  colour-constancy networks do (Barron's FFCC, convolutional colour constancy): a heat map
  whose soft arg-max is the correction, a learned bias map where good photos sit;
* the analytic measurements (``critic/measure.py``) as side features: where the histogram's
  top and floor sit, clipping, the classic illuminant estimates, chroma, the dark channel,
  and the full-resolution noise and sharpness readings the thumbnail cannot show.

Outputs per attribute (``ATTRIBUTES``): a presence logit, direction logits, and the correction
in the ops' own units (``CORRECTIONS``).

    >>> net = CriticNet(side_dim=len(SIDE_KEYS))
    >>> out = net(torch.zeros(2, 6, 64, 64), torch.zeros(2, 2, 32, 32), torch.zeros(2, len(SIDE_KEYS)))
    >>> out["presence"].shape, out["correction"]["ev"].shape
    (torch.Size([2, 7]), torch.Size([2]))
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from ..colour import linear_to_srgb, srgb_to_linear

ATTRIBUTES = ("exposure", "white_balance", "contrast", "saturation", "haze", "noise", "sharpness")
DIRECTIONS = {"exposure": ("under", "over"), "white_balance": ("warm", "cool", "green", "magenta"),
              "contrast": ("low", "high"), "saturation": ("low", "high")}
CORRECTIONS = ("ev", "wb_r", "wb_b", "black", "white", "curve", "saturation", "haze_t", "noise", "blur")
THUMB = 64
HIST_BINS = 32
HIST_RANGE = 1.6  # u, v in [-1.6, 1.6] (ln units): a 2300 K light on a daylight balance is about 1.2
CLIP = 0.98
# (measurement, transform): "log" = ln(max(x, 1e-4)), "raw" = as measured
SIDE_KEYS: tuple[tuple[str, str], ...] = tuple(
    [(f"exposure.{k}", "log") for k in ("key", "median", "p_hi", "p_top", "p_lo", "p5", "clipped", "clipped_any",
                                        "crushed")]
    + [("exposure.headroom_ev", "raw")]
    + [(f"white_balance.{k}", "raw") for k in ("warmth", "tint", "spread", "bright_chroma", "neutral_share")]
    + [(f"white_balance.{a}_{n}", "raw") for n in ("grey_world", "shades_of_grey", "grey_edge", "bright", "white",
                                                   "max_rgb") for a in ("warmth", "tint")]
    + [(f"contrast.{k}", "raw") for k in ("range", "l_lo", "l_hi", "std", "black", "white", "black_min", "white_max",
                                          "local")]
    + [(f"saturation.{k}", "log") for k in ("chroma_mean", "chroma_median", "chroma_p90", "chroma_p99")]
    + [(f"saturation.{k}", "raw") for k in ("vivid", "grey_share")]
    + [(f"haze.{k}", "raw") for k in ("dark_median", "dark_p10", "dark_p001", "airlight", "veil")]
    + [(f"noise.{k}", "log") for k in ("luma_sigma", "chroma_sigma", "luma_sigma_min", "grain", "floor")]
    + [(f"noise.{k}", "raw") for k in ("grain_share", "grain_fine_ratio", "floor_iso", "floor_fine_ratio")]
    + [(f"sharpness.{k}", "raw") for k in ("scale_gain", "blur_px", "edge_strength")]
)
PIXEL_SCALE = ("noise.", "sharpness.")  # side features read on full-resolution tiles


# ----------------------------------------------------------------------------------- inputs
def thumbnail_codes(proxy: torch.Tensor) -> torch.Tensor:
    """(3, 64, 64) uint8 sRGB codes of the whole frame (aspect ignored), area-averaged in linear light."""
    x = _area(proxy, (THUMB, THUMB))
    return (linear_to_srgb(x.clamp(0, 1)) * 255.0).round().to(torch.uint8)


def _area(image: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """(3, h, w) float32 resized to ``size`` (h, w) by OpenCV's area average (fractional windows)."""
    a = np.ascontiguousarray(image.detach().float().cpu().permute(1, 2, 0).numpy())
    if a.shape[:2] == size:
        return torch.from_numpy(a.copy()).permute(2, 0, 1)
    return torch.from_numpy(cv2.resize(a, (size[1], size[0]), interpolation=cv2.INTER_AREA)).permute(2, 0, 1)


def thumb_channels(codes: torch.Tensor) -> torch.Tensor:
    """(B, 6, 64, 64) network input from (B, 3, 64, 64) uint8 codes: sRGB, log2 luminance / 8,
    ln G/R and ln G/B (clamped to +-2)."""
    enc = codes.float() / 255.0
    lin = srgb_to_linear(enc)
    eps = 1.0 / 512
    y = 0.2126 * lin[:, 0:1] + 0.7152 * lin[:, 1:2] + 0.0722 * lin[:, 2:3]
    lg = torch.log(lin + eps)
    uv = torch.cat([lg[:, 1:2] - lg[:, 0:1], lg[:, 1:2] - lg[:, 2:3]], 1).clamp(-2, 2)
    return torch.cat([enc, torch.log2(y + eps) / 8.0, uv], 1)


def log_chroma_histogram(proxy: torch.Tensor) -> torch.Tensor:
    """(2, 32, 32) float32: bilinear-splatted histogram of (u, v) = (ln G/R, ln G/B) over the lit,
    unclipped pixels of a ~128-px copy; channel 0 weighted by sqrt(luminance), channel 1 by
    local contrast of log luminance; each sums to 1, then square-rooted."""
    h, w = proxy.shape[-2:]
    s = min(1.0, 128 / max(h, w))
    x = _area(proxy, (max(1, round(h * s)), max(1, round(w * s))))
    y = 0.2126 * x[0] + 0.7152 * x[1] + 0.0722 * x[2]
    ok = (x.amax(0) < CLIP) & (y > 0.004) & (x.amin(0) > 1e-4)
    lx = torch.log(x.clamp(min=1e-4))
    u, v = lx[1] - lx[0], lx[1] - lx[2]
    ly = torch.log(y.clamp(min=1e-4))
    # central differences; a copy fewer than 3 pixels across (a panorama far wider than tall)
    # has none along that side
    gx = F.pad((ly[:, 2:] - ly[:, :-2]).abs(), (1, 1)) if ly.shape[1] >= 3 else torch.zeros_like(ly)
    gy = F.pad((ly[2:] - ly[:-2]).abs(), (0, 0, 1, 1)) if ly.shape[0] >= 3 else torch.zeros_like(ly)
    weights = torch.stack([y.clamp(min=0).sqrt(), (gx + gy).clamp(max=2.0)])
    out = torch.zeros(2, HIST_BINS * HIST_BINS)
    if int(ok.sum()) < 16:
        return out.reshape(2, HIST_BINS, HIST_BINS)
    step = 2 * HIST_RANGE / HIST_BINS
    fu = ((u[ok] + HIST_RANGE) / step - 0.5).clamp(0, HIST_BINS - 1.001)
    fv = ((v[ok] + HIST_RANGE) / step - 0.5).clamp(0, HIST_BINS - 1.001)
    iu, iv = fu.floor(), fv.floor()
    du, dv = fu - iu, fv - iv
    iu, iv = iu.long(), iv.long()
    w = weights[:, ok]
    for (a, b, k) in ((0, 0, (1 - du) * (1 - dv)), (1, 0, du * (1 - dv)), (0, 1, (1 - du) * dv), (1, 1, du * dv)):
        idx = (iu + a) * HIST_BINS + (iv + b)
        out.index_add_(1, idx, w * k)
    out = out / out.sum(1, keepdim=True).clamp(min=1e-8)
    return out.sqrt().reshape(2, HIST_BINS, HIST_BINS)


def side_vector(m: dict[str, float]) -> torch.Tensor:
    """The side features of a measurement dict (missing keys read 0), transformed, unnormalised."""
    vals = []
    for key, how in SIDE_KEYS:
        v = float(m.get(key, 0.0))
        if not math.isfinite(v):
            v = 0.0
        vals.append(math.log(max(v, 1e-4)) if how == "log" else v)
    return torch.tensor(vals, dtype=torch.float32)


def bin_centres() -> torch.Tensor:
    step = 2 * HIST_RANGE / HIST_BINS
    return -HIST_RANGE + step * (torch.arange(HIST_BINS, dtype=torch.float32) + 0.5)


# ---------------------------------------------------------------------------------- network
def _block(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, padding=dilation, dilation=dilation, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class CriticNet(nn.Module):
    """Thumbnail CNN + log-chroma histogram heat map + side-feature MLP -> shared trunk -> heads.

    ``use_hist`` / ``use_side`` switch an input off (for measuring what each buys): its branch
    is then not built and the trunk does without it. About 0.4 M parameters.
    """

    def __init__(self, side_dim: int, use_hist: bool = True, use_side: bool = True, width: int = 256):
        super().__init__()
        self.use_hist, self.use_side = use_hist, use_side
        self.thumb = nn.Sequential(_block(6, 32, 2), _block(32, 48, 2), _block(48, 48), _block(48, 96, 2),
                                   _block(96, 96), _block(96, 128, 2))
        feat = 256
        if use_hist:
            self.hist = nn.Sequential(nn.Conv2d(2, 16, 3, padding=1), nn.ReLU(inplace=True),
                                      nn.Conv2d(16, 16, 3, padding=2, dilation=2), nn.ReLU(inplace=True),
                                      nn.Conv2d(16, 16, 3, padding=4, dilation=4), nn.ReLU(inplace=True))
            self.heat = nn.Conv2d(16, 1, 1)
            self.prior = nn.Parameter(torch.zeros(1, HIST_BINS, HIST_BINS))
            self.register_buffer("centres", bin_centres(), persistent=False)
            feat += 32 + 3
        if use_side:
            self.side = nn.Sequential(nn.Linear(side_dim, 64), nn.ReLU(inplace=True), nn.Linear(64, 64),
                                      nn.ReLU(inplace=True))
            feat += 64
        self.trunk = nn.Sequential(nn.Linear(feat, width), nn.ReLU(inplace=True), nn.Dropout(0.1),
                                   nn.Linear(width, width), nn.ReLU(inplace=True))
        self.presence = nn.Linear(width, len(ATTRIBUTES))
        self.direction = nn.Linear(width, sum(len(v) for v in DIRECTIONS.values()))
        self.correction = nn.Linear(width, len(CORRECTIONS))
        if use_side:
            # the measurements' own say, added to the trunk's: noise and blur are read only at full
            # resolution, so their evidence must not have to pass through the thumbnail's features
            self.side_presence = nn.Linear(64, len(ATTRIBUTES))
            self.side_correction = nn.Linear(64, len(CORRECTIONS))
            nn.init.zeros_(self.side_correction.weight)
            nn.init.zeros_(self.side_correction.bias)
        with torch.no_grad():  # start every correction at "leave it alone"
            self.correction.weight.mul_(0.1)
            self.correction.bias.copy_(torch.tensor([0, 0, 0, -4, -4, 0, 0, 3, 0, -1.0]))

    def forward(self, thumb: torch.Tensor, hist: torch.Tensor, side: torch.Tensor) -> dict:
        t = self.thumb(thumb)
        parts = [t.mean((2, 3)), t.amax((2, 3))]
        uv = None
        if self.use_hist:
            h = self.hist(hist)
            heat = (self.heat(h)[:, 0] + self.prior).flatten(1)
            p = heat.softmax(1).view(-1, HIST_BINS, HIST_BINS)
            u = (p.sum(2) * self.centres).sum(1)  # the light's ln G/R: the correction's ln R/G gain
            v = (p.sum(1) * self.centres).sum(1)
            entropy = -(p.flatten(1) * p.flatten(1).clamp(min=1e-9).log()).sum(1) / math.log(HIST_BINS ** 2)
            uv = torch.stack([u, v], 1)
            parts += [h.mean((2, 3)), h.amax((2, 3)), uv, entropy[:, None]]
        sf = None
        if self.use_side:
            sf = self.side(side)
            parts.append(sf)
        z = self.trunk(torch.cat(parts, 1))
        raw = self.correction(z)
        presence = self.presence(z)
        if sf is not None:
            raw = raw + self.side_correction(sf)
            presence = presence + self.side_presence(sf)
        wb = raw[:, 1:3] + (uv if uv is not None else 0.0)
        corr = {"ev": 3.0 * torch.tanh(raw[:, 0] / 3.0), "wb_r": wb[:, 0], "wb_b": wb[:, 1],
                "black": 0.35 * torch.sigmoid(raw[:, 3]), "white": 1.0 - 0.35 * torch.sigmoid(raw[:, 4]),
                "curve": 1.5 * torch.tanh(raw[:, 5]), "saturation": torch.exp(raw[:, 6].clamp(-2.5, 2.5)) - 1.0,
                "haze_t": torch.sigmoid(raw[:, 7]), "noise": torch.exp(raw[:, 8].clamp(-4, 4)),
                "blur": torch.exp(raw[:, 9].clamp(-4, 2.5))}
        out = {"presence": presence, "direction": self.direction(z), "correction": corr}
        if uv is not None:
            out["hist_uv"] = uv
        return out


def direction_slices() -> dict[str, slice]:
    """Where each attribute's direction logits sit in the ``direction`` output."""
    out, i = {}, 0
    for a, names in DIRECTIONS.items():
        out[a] = slice(i, i + len(names))
        i += len(names)
    return out
