"""Local white balance: the light's colour removed region by region, for photos under mixed light.

One global gain cannot neutralise a room lit by a tungsten lamp and a window at once: it
leaves one part orange and turns the other blue. Here the light's colour is estimated per
region and removed per pixel:

* Prepared once on a copy downscaled to ``LOW_RES``, in linear light. A region's grey world
  (its summed R : G : B) reads a region filled by one colour (a sky, a brick wall) as that
  colour's light, so each window's light is instead its *achromatic mode* (``achromatic_mode``):
  among the pixels a light on the black-body locus could have made of a grey, the warmth where
  most of them pile up (a grey surface's pixels all sit at their light's chromaticity, whatever
  their shading). Pixels near the window's mode are kept, and a weighted guided filter of the
  colour per unit luminance, guided by log luminance, gives the light-colour field: smooth
  within a region, following strong luminance edges (a window frame, a lamp's pool of light).
  Windows are averaged by how clearly they show a mode (the share of their pixels at it); where
  a window holds few usable pixels near its mode the field leans on the photo's mean light.
* At full resolution the field's coefficients are upsampled (bilinearly: along the columns
  once, ``filters.upsample_cols``, then each band's rows, ``filters.rows_from_cols``) and
  applied with the full-resolution log luminance as the guide, so a band of rows gives
  exactly the whole image's values.
* The cast removed at each pixel is ``(warmth, tint) + local * w * (field - mean light)``: the
  global cast everywhere plus ``local`` of the region's departure from the photo's mean light,
  removed by von Kries gains that keep a grey's luminance. ``w`` (``separation_weight``) is
  0 unless a logistic model fitted on photographs under one light and under two
  (``benchmarks/calibrate_mixed_light.py``) reads two lights: how far apart the coolest and the
  warmest large regions' lights are as lights differ (mostly in warmth, along the black-body
  locus), by their grey worlds and by their achromatic modes, and what tells that apart from
  scene colour (where those regions sit and how far apart across the frame, how bright, varied
  and textured they are, how much of the colour varies over large areas): a photo read as
  under one light gets exactly the global white balance, whatever ``local`` says. ``local = 0``
  is the global white balance too (the gains of ``critic.advise.wb_gains``).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ._util import any_active, luma, per_image, smoothstep
from .filters import box_mean, downscale, factor_for, rows_from_cols, upsample_cols

LOW_RES = 256  # long edge of the grid the light field is estimated on
SIGMA = 0.3  # log-chromaticity distance from the local light at which a pixel's weight is 1/e
EPS = 1.0  # guided-filter epsilon in squared stops: only luminance edges of a stop or more steer the field
MASS = 0.15  # windows where fewer pixels than this share are usable and near-grey lean on the mean light
SLOPE = 0.2  # largest relative change of the field per stop of luminance (guards deep shadows and texture)
MAX_WARMTH = 2.0  # largest departure of a region's light from the mean (log R/B: 2700 K vs 8000 K is 2.3)
MAX_TINT = 0.6  # a region's light differs from the mean light (which scene colour can tint) little in tint
COARSE = 0.25  # regions the two lights are told apart over, share of the long edge
PART = 0.15  # the coolest and warmest share of the pixels whose regional light is averaged
# Achromatic candidates: pixels that a light on the black-body locus through the mean light
# could have made of a grey (off the locus by less than CANDIDATE in tint, within RANGE in
# warmth). A region's light is the mode of their warmth (bins BIN wide, over windows MODE x the
# region), where a grey surface's pixels pile up whatever the light; a window's confidence is
# the share of its pixels at that mode, and the field leans on the windows that show one.
CANDIDATE = 0.3
RANGE = 2.0
BIN = 0.03
SPREAD = 5  # bins either side of a pixel's nearest that its Gaussian vote reaches
MODE = 0.7
SHARPNESS = 2.0  # the field's windows weighted by confidence ** SHARPNESS
NEAR = 0.15  # log-chromaticity distance from a window's mode at which a pixel's weight is 1/e
# Whether the local correction takes part: a logistic model of GATE_FEATURES, fitted by
# ``benchmarks/calibrate_mixed_light.py`` on the train split of ../shared/data/train (581 colour
# photos, each under one light, under 3000 K / 6500 K halves and under two random lights over a
# random boundary, at 192 and 256 px; never the development photos or the validation split).
# The two separations alone (the coolest and warmest large regions lit differently both by their
# grey worlds and by their achromatic modes) overlap between one light and two: scene colour
# fools each in its own way (a blue sky over orange rock moves the grey world; a big orange or
# blue surface can be a region's mode). What else tells them apart: where the regions sit (a
# cool region at the top is often sky), how far apart across the frame they lie (a sky lies above
# the ground it lights; a window and a lamp light a room from its sides as often as from above),
# how bright, how varied in colour and how textured they are, and how much of the photo's spread
# in warmth is large-scale (a light changes colour over large areas, surfaces at their edges).
# The weight ramps in from the score of the 98th percentile of one-light scenes (GATE_RAMP).
GATE_FEATURES = ("separation", "mode_separation", "cool_height", "cool_luminance", "cool_spread", "cool_texture",
                 "warm_height", "warm_luminance", "warm_spread", "warm_texture", "large_scale", "apart")
GATE_MEAN = (0.9779, 1.123, 0.4154, 0.03927, 0.5017, 0.2248, 0.5854, -0.1738, 0.5708, 0.2782, 0.5152, 0.5067)
GATE_SCALE = (1.035, 0.7958, 0.2565, 0.7041, 0.4143, 0.1594, 0.2383, 0.6605, 0.4497, 0.1524, 0.1954, 0.2517)
GATE_WEIGHTS = (0.1415, 2.162, 0.3606, -0.3646, 0.07386, 0.3773, -0.06886, -0.162, 0.4869, -0.1138, 1.082, 0.5788)
GATE_BIAS = 1.801
GATE_RAMP = (2.106, 3.106)
# the gate fades out where the photo's mean light (log R/B) is beyond what the two-light scenes
# it was fitted on show (their 0.5th and 99.5th percentiles), over WARMTH_PAD
GATE_WARMTH = (-0.5997, 2.476)
WARMTH_PAD = 0.25
PLANCK_TINT = 0.12  # log G/sqrt(RB) per log R/B along the black-body locus (3000 K vs 6500 K: 0.25 / 1.86)
PLANCK_WEIGHT = 4.0
CLIP = 0.98
DARK = 0.01
_FLOOR = 1e-4
CHUNK_ROWS = 32  # rows per pass of the no-gradient render: its planes stay in the cache
_LUMA = (0.2126, 0.7152, 0.0722)


def log_chroma(image: torch.Tensor) -> torch.Tensor:
    """(B, 2, H, W): log R/B and log G/sqrt(R B) of a linear (B, 3, H, W) image (float32)."""
    lg = image.float().clamp(min=_FLOOR).log()
    r, g, b = lg[:, 0:1], lg[:, 1:2], lg[:, 2:3]
    return torch.cat([r - b, g - 0.5 * (r + b)], dim=1)


def cast_gains(cast: torch.Tensor) -> torch.Tensor:
    """Von Kries gains (B, 3, ...) removing a light of log chromaticity ``cast`` (B, 2, ...),
    a grey's luminance kept: the per-pixel form of ``critic.advise.wb_gains``."""
    w, t = cast[:, 0:1], cast[:, 1:2]
    e = torch.cat([torch.exp(w / 2), torch.exp(t), torch.exp(-w / 2)], dim=1)
    y = _LUMA[0] * e[:, 0:1] + _LUMA[1] * e[:, 1:2] + _LUMA[2] * e[:, 2:3]
    return (y / e).clamp(0.25, 4.0)


def prepare_local_white_balance(image: torch.Tensor, region: float | torch.Tensor = 0.08, **_: object) -> dict:
    """The light-colour field's guided-filter coefficients on a low-resolution grid, and the
    photo's mean light (B, 2, 1, 1); see the module docstring."""
    h, w = image.shape[-2:]
    factor = factor_for(h, w, LOW_RES)
    small = downscale(image, factor).clamp(min=0.0)
    size = max(small.shape[-2:])
    reg = per_image(region, small).detach().float().reshape(-1)
    radii = [max(2, round(float(v) * size)) for v in reg]
    outs = [light_field(small[i:i + 1], radii[min(i, len(radii) - 1)]) for i in range(small.shape[0])]
    return {"cols": upsample_cols(torch.cat([o[0] for o in outs]), factor, w), "mean": torch.cat([o[1] for o in outs]),
            "lights": torch.cat([o[2] for o in outs]), "gate": torch.cat([o[3] for o in outs]), "factor": factor}


def mean_light(image: torch.Tensor) -> torch.Tensor:
    """(B, 2) log chromaticity of the photo's mean light: the grey world of its usable pixels
    (neither clipped nor near black), R : G : B summed in linear light."""
    x = image.float().clamp(min=0.0)
    y = luma(x)
    w = ((x.amax(dim=1, keepdim=True) < CLIP) & (y > DARK)).float() * y
    w = torch.where(w.flatten(1).sum(1).view(-1, 1, 1, 1) > 0, w, y)  # nothing usable: every pixel
    total = (w * x / y.clamp(min=_FLOOR)).sum(dim=(2, 3), keepdim=True)
    return log_chroma(total).flatten(1)


def light_field(small: torch.Tensor, r: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """For one (1, 3, h, w) linear image: coefficients (1, 6, h, w) of the light's colour per
    unit luminance, field = A * log2 luminance + B (3 channels each), the mean light's log
    chromaticity (1, 2, 1, 1), and the coolest and warmest regions' lights (1, 8, 1, 1): by
    their grey worlds, then by their achromatic modes; and the gate's other features
    (``gate_features``).

    Statistics in linear light, weighted by luminance (so a region's estimate is its summed
    R : G : B, what a grey card there would show), over usable pixels near the window's
    achromatic mode (``achromatic_mode``); windows are then averaged by how clearly they show
    one. The mean light is the plain grey world of the usable pixels: it moves exactly with
    the light (a photo lit at 3200 K instead of daylight gives exactly the 3200 K light's
    colour more).
    """
    y = luma(small).clamp(min=_FLOOR)
    g = torch.log2(y)
    s = small / y  # colour per unit luminance
    chroma = log_chroma(s)
    usable = ((small.amax(dim=1, keepdim=True) < CLIP) & (y > DARK)).float()
    w1 = usable * y
    mean = (w1 * s).sum(dim=(2, 3), keepdim=True)  # the grey world, as mean_light
    mean = mean / luma(mean).clamp(min=1e-8)
    rc = max(2, round(COARSE * max(small.shape[-2:])))
    # the regions' grey worlds (vivid surfaces down-weighted): what the lights seem by colour alone
    local1 = box_mean(w1 * s, r) / box_mean(w1, r).clamp(min=1e-8)
    near_grey = w1 * torch.exp(-((chroma - log_chroma(local1)) ** 2).sum(dim=1, keepdim=True) / SIGMA ** 2)
    grey_world = _two_lights(log_chroma(box_mean(near_grey * s, rc) / box_mean(near_grey, rc).clamp(min=1e-8)),
                             usable)
    ref, confidence = achromatic_mode(chroma, log_chroma(mean), usable, max(2, round(MODE * r)))
    d2 = ((chroma - ref) ** 2).sum(dim=1, keepdim=True)
    w2 = w1 * torch.exp(-d2 / NEAR ** 2)
    wm = box_mean(w2, r).clamp(min=1e-8)

    def wmean(v: torch.Tensor) -> torch.Tensor:
        return box_mean(w2 * v, r) / wm

    mg, ms = wmean(g), wmean(s)
    cov = wmean(g * s) - mg * ms
    var = (wmean(g * g) - mg * mg).clamp(min=0.0)
    a = cov / (var + EPS)
    a = torch.maximum(torch.minimum(a, SLOPE * ms.abs()), -SLOPE * ms.abs())
    b = ms - a * mg
    # little evidence in a window (few usable pixels near its mode): lean on the photo's mean light
    trust = (box_mean(usable * torch.exp(-d2 / NEAR ** 2), r) / MASS).clamp(max=1.0)
    a = a * trust
    b = trust * b + (1 - trust) * mean
    q = confidence ** SHARPNESS + 1e-6
    qm = box_mean(q, r)
    wq = w2 * q
    modes = _two_lights(log_chroma(box_mean(wq * s, rc) / box_mean(wq, rc).clamp(min=1e-8)), usable)
    coeffs = torch.cat([box_mean(q * a, r) / qm, box_mean(q * b, r) / qm], dim=1)
    return (coeffs, log_chroma(mean), torch.cat([grey_world, modes], dim=1),
            gate_features(g, s, chroma[:, 0:1], usable, w1, rc))


def gate_features(g: torch.Tensor, s: torch.Tensor, warmth: torch.Tensor, usable: torch.Tensor,
                  w1: torch.Tensor, rc: int) -> torch.Tensor:
    """(1, len(GATE_FEATURES), 1, 1): what besides the two separations tells two lights from
    scene colour (``separation_weight``), from ``light_field``'s planes of its float32 copy (log2
    luminance ``g``, colour per unit luminance ``s``, its log R/B ``warmth``, the ``usable``
    pixels and their luminance weights ``w1``). The coolest and warmest PART of the usable pixels
    by their regions' grey worlds (radius ``rc``), each: its height in the frame (0 top, 1
    bottom; a blue sky above warm ground is one light), its log2 luminance against the photo's,
    the spread of its pixels' warmth (a vivid surface varies; a light tints everything alike)
    and its fine luminance texture; how much of the pixels' spread in warmth the regions
    keep (a light changes colour over large areas, surfaces change it at their edges); and how
    far apart across the frame the two parts lie (their mean columns, 0 to 1: under one light a
    blue sky lies straight above the warm ground it lights; a window and a lamp often light a
    room from either side)."""
    warmth, lg = warmth[0, 0], g[0, 0]
    coarse = log_chroma(box_mean(w1 * s, rc) / box_mean(w1, rc).clamp(min=1e-8))[0, 0]
    u = usable[0, 0] > 0
    if int(u.sum()) < 16:
        u = torch.ones_like(u)
    q = torch.quantile(coarse[u][::max(1, int(u.sum()) // 50000)].detach(),
                       torch.tensor([PART, 1 - PART], device=g.device))
    tex = (lg - F.avg_pool2d(lg[None, None], 5, 1, 2, count_include_pad=False)[0, 0]).abs()
    rows = torch.linspace(0, 1, lg.shape[0], device=g.device).view(-1, 1).expand_as(lg)
    cols = torch.linspace(0, 1, lg.shape[1], device=g.device).view(1, -1).expand_as(lg)
    out, across = [], []
    for side in (coarse <= q[0], coarse >= q[1]):
        m = u & side
        if not bool(m.any()):
            m = u
        out += [rows[m].mean(), lg[m].mean() - lg[u].mean(), warmth[m].std(correction=0), tex[m].mean()]
        across.append(cols[m].mean())
    out.append(coarse[u].std(correction=0) / warmth[u].std(correction=0).clamp(min=1e-6))
    out.append((across[1] - across[0]).abs())
    return torch.stack(out).view(1, -1, 1, 1)


def achromatic_mode(chroma: torch.Tensor, mean: torch.Tensor, usable: torch.Tensor,
                    r: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Per window of radius ``r``: the light (1, 2, h, w) on the black-body locus through the
    mean light ``mean`` (1, 2, 1, 1) that the most achromatic candidates would be grey under,
    and the share of the window's usable pixels at it (1, 1, h, w). A grey surface's pixels
    all sit at their light's chromaticity, whatever their shading, so they pile up in one bin;
    a coloured surface shows a light only when it is the window's largest pile."""
    with torch.no_grad():
        warmth = chroma[:, 0:1].detach() - mean[:, 0:1]
        off = chroma[:, 1:2].detach() - mean[:, 1:2] - PLANCK_TINT * warmth
        weight = usable * torch.exp(-(off / CANDIDATE) ** 2) * (warmth.abs() < RANGE).float()
        bins = torch.arange(-RANGE, RANGE + BIN / 2, BIN, device=chroma.device).view(1, -1, 1, 1)
        kernel = _soft_bins(warmth, weight, bins.flatten())
        hist = box_mean(kernel, r)
        peak, index = hist.max(dim=1, keepdim=True)
        mode = bins.flatten()[index]
        # the tint of the pile: its candidates' mean distance from the locus
        tint = box_mean(kernel * off, r).gather(1, index) / peak.clamp(min=1e-8)
        confidence = peak / box_mean(usable, r).clamp(min=1e-6)
    return torch.cat([mean[:, 0:1] + mode, mean[:, 1:2] + PLANCK_TINT * mode + tint], dim=1), confidence


def _soft_bins(warmth: torch.Tensor, weight: torch.Tensor, bins: torch.Tensor) -> torch.Tensor:
    """(1, len(bins), h, w): each pixel's ``weight`` spread over the bins by a Gaussian of one
    bin's width around its ``warmth``, over the SPREAD bins either side of its nearest (beyond
    them a Gaussian weighs under 5e-5 of its peak): a few scatters instead of an exponential
    per bin and pixel."""
    n = bins.numel()
    near = ((warmth - bins[0]) / BIN).round().long()
    kernel = torch.zeros((warmth.shape[0], n) + tuple(warmth.shape[-2:]), device=warmth.device)
    for step in range(-SPREAD, SPREAD + 1):
        k = near + step
        inside = (k >= 0) & (k < n)
        k = k.clamp(0, n - 1)
        kernel.scatter_add_(1, k, weight * inside * torch.exp(-0.5 * ((warmth - bins[k]) / BIN) ** 2))
    return kernel


def _two_lights(coarse: torch.Tensor, usable: torch.Tensor) -> torch.Tensor:
    """(1, 4, 1, 1): the log chromaticities of the coolest and the warmest light over large
    regions (the mean of the coarse field (1, 2, h, w) over its coolest and warmest PART of
    usable pixels)."""
    coarse = coarse[0]
    u = usable[0, 0] > 0
    if int(u.sum()) < 16:
        u = torch.ones_like(u)
    warm = coarse[0][u].detach()
    q = torch.quantile(warm[::max(1, warm.numel() // 50000)], torch.tensor([PART, 1 - PART], device=warm.device))
    cool_light = coarse[:, u & (coarse[0] <= q[0])].mean(dim=1)
    warm_light = coarse[:, u & (coarse[0] >= q[1])].mean(dim=1)
    return torch.cat([cool_light, warm_light]).view(1, 4, 1, 1)


def departure(image: torch.Tensor, context: dict, row0: int = 0) -> torch.Tensor:
    """(B, 2, rows, W) log chromaticity of each pixel's regional light minus the mean light, for a
    band of rows starting at ``row0`` (the whole image's values whatever the band)."""
    warm, tint = _departure_planes(image.float(), context, row0)
    return torch.cat([warm, tint], dim=1)


def _departure_planes(x: torch.Tensor, context: dict, row0: int, in_place: bool = False,
                      weight: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """``departure``'s two planes, (B, 1, rows, W) each, computed a plane at a time: the field's
    log R/B and log G/B each as one log of a ratio (log G/sqrt(RB) = log G/B - log R/B / 2)."""
    coeffs = rows_from_cols(context["cols"], context["factor"], row0, x.shape[-2])
    g = torch.log2(luma(x).clamp_(min=_FLOOR))
    r, gr, b = (torch.addcmul(coeffs[:, 3 + c:4 + c], coeffs[:, c:c + 1], g).clamp_(min=_FLOOR) for c in range(3))
    weight = separation_weight(context) if weight is None else weight
    mean = context["mean"]
    if in_place:  # no gradient: in the planes just made
        log_rb = r.div_(b).log_()
        tint = gr.div_(b).log_().add_(log_rb, alpha=-0.5)
    else:
        log_rb = torch.log(r / b)
        tint = torch.add(torch.log(gr / b), log_rb, alpha=-0.5)
    tint = tint.sub_(mean[:, 1:2])
    warm = log_rb.sub_(mean[:, 0:1]) if in_place else log_rb - mean[:, 0:1]
    if not (in_place and bool((weight == 1).all())):  # two lights clearly apart: a weight of one
        tint, warm = tint.mul_(weight), warm.mul_(weight)
    return warm.clamp_(-MAX_WARMTH, MAX_WARMTH), tint.clamp_(-MAX_TINT, MAX_TINT)


def separation(lights: torch.Tensor) -> torch.Tensor:
    """How far apart the coolest and warmest regions' lights (B, 4+, 1, 1; the first four
    channels) are *as lights*: their difference in log R/B, less PLANCK_WEIGHT x its departure
    from the black-body direction (a warmer light is a little greener, PLANCK_TINT per unit of
    warmth). Scene colours that regions cannot tell from light (a purple flower on green
    leaves, a red shirt on a blue wall) rarely differ that way."""
    dw = lights[:, 2:3] - lights[:, 0:1]
    dt = lights[:, 3:4] - lights[:, 1:2]
    return dw - PLANCK_WEIGHT * (dt - PLANCK_TINT * dw).abs()


def gate_inputs(context: dict) -> torch.Tensor:
    """(B, len(GATE_FEATURES), 1, 1): the gate's features of a prepared context."""
    lights = context["lights"]
    return torch.cat([separation(lights), separation(lights[:, 4:]), context["gate"]], dim=1)


def gate_score(context: dict) -> torch.Tensor:
    """(B, 1, 1, 1) log-odds that the photo is lit by two lights (``GATE_FEATURES``' model)."""
    f = gate_inputs(context)
    shape = (1, -1, 1, 1)
    mean, scale, weights = (torch.tensor(v, dtype=f.dtype, device=f.device).view(shape)
                            for v in (GATE_MEAN, GATE_SCALE, GATE_WEIGHTS))
    return ((f - mean) / scale * weights).sum(dim=1, keepdim=True) + GATE_BIAS


def separation_weight(context: dict) -> torch.Tensor:
    """(B, 1, 1, 1) share of the regional correction in play: 0 where the gate's score is under
    GATE_RAMP[0] (one light: the op is then the global white balance exactly), 1 beyond
    GATE_RAMP[1]; and 0 where the photo's mean light is further than WARMTH_PAD beyond GATE_WARMTH."""
    warmth = context["mean"][:, 0:1]
    inside = (smoothstep((warmth - GATE_WARMTH[0]) / WARMTH_PAD + 1)
              * smoothstep((GATE_WARMTH[1] - warmth) / WARMTH_PAD + 1))
    return smoothstep((gate_score(context) - GATE_RAMP[0]) / (GATE_RAMP[1] - GATE_RAMP[0])) * inside


def adjust_local_white_balance(image: torch.Tensor, warmth: float | torch.Tensor = 0.0,
                               tint: float | torch.Tensor = 0.0, local: float | torch.Tensor = 0.0,
                               region: float | torch.Tensor = 0.08, gate: float | torch.Tensor = 1.0, *,
                               context: dict | None = None, row0: int = 0) -> torch.Tensor:
    """Remove the cast ``(warmth, tint)`` (log R/B, log G/sqrt(RB)) everywhere, and ``local`` of
    each region's departure from the photo's mean light (regions ``region`` x the long edge).

    All zero is an exact identity; ``local = 0`` is a global von Kries white balance.
    ``gate``: 1, the regional share is scaled by how far apart the two lights measure
    (``separation_weight``); 0, it is applied in full (the user said the light is mixed).
    ``context``/``row0``: coefficients prepared on the whole image and a band's first row.

    >>> img = torch.full((1, 3, 8, 8), 0.2) * torch.tensor([1.3, 1.0, 0.7]).view(1, 3, 1, 1)
    >>> out = adjust_local_white_balance(img, warmth=0.62, local=1.0)
    >>> float(out[0, 0].mean() / out[0, 2].mean()) < 1.01  # the orange cast is gone
    True
    """
    if not any_active(warmth, tint, local):
        return image
    x = image.float()
    warm = per_image(warmth, x).reshape(-1, 1, 1, 1)
    tnt = per_image(tint, x).reshape(-1, 1, 1, 1)
    if any_active(local) and context is None:
        context = prepare_local_white_balance(image, region)
    grad = torch.is_grad_enabled() and any(isinstance(v, torch.Tensor) and v.requires_grad
                                           for v in (image, warmth, tint, local))
    weight = None
    if any_active(local):
        g = per_image(gate, x).reshape(-1, 1, 1, 1).detach()
        sep = separation_weight(context)
        weight = sep + (1.0 - g) * (1.0 - sep)  # gate 1: the measured weight itself, exactly
    if not any_active(local) or (not grad and not any_active(weight)):
        # the global white balance: no local share asked for, or one light (every departure is
        # scaled by a separation weight of 0), where it is exactly what the regional path gives (without
        # a gradient to pass through that weight)
        base = torch.cat(torch.broadcast_tensors(warm, tnt), dim=1)
        return (x * cast_gains(base)).to(image.dtype)
    share = per_image(local, x).reshape(-1, 1, 1, 1)
    if grad:
        gains = _regional_gains(x, context, row0, warm, tnt, share, weight)
        return torch.cat([x[:, c:c + 1] * gains[c] for c in range(3)], dim=1).to(image.dtype)
    # without a gradient, a few rows at a time: the dozens of per-pixel passes then stay in the
    # cache (docs/artist.md, "Cost"); every pass is per pixel, so the result is the same as in
    # one piece
    out = torch.empty_like(x)
    for r0 in range(0, x.shape[-2], CHUNK_ROWS):
        part = x[..., r0:r0 + CHUNK_ROWS, :]
        gains = _regional_gains(part, context, row0 + r0, warm, tnt, share, weight, in_place=True)
        for c in range(3):
            torch.mul(part[:, c:c + 1], gains[c], out=out[:, c:c + 1, r0:r0 + CHUNK_ROWS])
    return out.to(image.dtype)


def _regional_gains(x: torch.Tensor, context: dict, row0: int, warm: torch.Tensor, tnt: torch.Tensor,
                    share: torch.Tensor, weight: torch.Tensor | None = None,
                    in_place: bool = False) -> list[torch.Tensor]:
    """Per pixel, a plane at a time: the three channel gains, cast_gains of the base cast plus
    ``share`` of the pixel's regional departure. ``in_place`` (no gradient): in the planes it
    makes, the passes by a share of one skipped, and the red and blue gains as products
    (y / e_r = y * e_b, y / e_b = y * e_r)."""
    dw, dt = _departure_planes(x, context, row0, in_place, weight)
    if in_place:
        if not bool((share == 1).all()):  # the usual "neutral colours" asks for the whole share
            dw, dt = dw.mul_(share), dt.mul_(share)
        e_r = dw.add_(warm).mul_(0.5).exp_()
        e_g = dt.add_(tnt).exp_()
    else:
        e_r = torch.exp(torch.addcmul(warm, share, dw).mul_(0.5))
        e_g = torch.exp(torch.addcmul(tnt, share, dt))
    e_b = torch.reciprocal(e_r)  # exp(w / 2) for red; blue's exp(-w / 2) is its reciprocal
    y = torch.mul(e_r, _LUMA[0]).add_(e_g, alpha=_LUMA[1]).add_(e_b, alpha=_LUMA[2])
    if in_place:
        return [e_b.mul_(y).clamp_(0.25, 4.0), e_g.reciprocal_().mul_(y).clamp_(0.25, 4.0),
                e_r.mul_(y).clamp_(0.25, 4.0)]
    return [torch.div(y, e).clamp_(0.25, 4.0) for e in (e_r, e_g, e_b)]
