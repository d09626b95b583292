"""Noise and sharpness: judging what the full-resolution tiles show.

The analytic critic reads noise and blur on full-resolution tiles (``measure_detail.py``);
here those readings become findings. Real camera noise after in-camera processing is told
apart from texture by its fingerprint (weak at the finest scale, isotropic), and sharpening
is held back where grain would be amplified.
"""

from __future__ import annotations

from .base import Finding
from .thresholds import MONOCHROME, PRESENT, SHAKE_SIGMA, linear_ramp, ramp

LUMA_PER_CHROMA = 4.0  # luma noise counted per unit of colour noise (independent channel noise: 0.75)
GRAIN = (0.2 / 255, 0.6 / 255)  # noise-like grain (noise.grain): onset and full risk of sharpening it


def grain_risk(m: dict[str, float]) -> float:
    """0..1: how visible noise-like grain is (``noise.grain``, sRGB units, half resolution).

    Real camera noise after in-camera processing is coarse and weak at the finest scale
    (PolyU ISO 1600-12800 crops: grain 0.5-2/255, median 1.2/255, where the noise finding
    stays silent); blurred photos read 0. Sharpening would amplify it, so a blur finding
    gets less severe and less certain, and from 0.5 on no sharpening is planned.
    """
    lo, hi = GRAIN
    return min(1.0, max(0.0, (m.get("noise.grain", 0.0) - lo) / (hi - lo)))


CAMERA_RATIO = (0.56, 0.50)  # grain_fine_ratio: none at 0.56 (the lowest non-camera photo, 0.563), full at 0.50 (camera noise: 0.3-0.5)
CAMERA_SHARE = (0.025, 0.05)  # share of half-res blocks that look like noise: too few to trust, enough
HIGH_GAIN = (0.4 / 255, 0.7 / 255)  # camera-processed grain from which it says "high ISO"
# the weakest-texture blocks of a frame textured everywhere (noise.floor_*): their fine-to-half-res
# ratio (none at 0.50, just under the lowest clean photo's 0.52; full at 0.44, PolyU 0.36-0.43) and
# their isotropy (none at 0.37, just over the 0.35 of PolyU's textured clean means and of blurred film scans; full at 0.45)
FLOOR_RATIO = (0.50, 0.44)
FLOOR_ISO = (0.37, 0.45)
# and its level: PolyU's in-camera noise reads <= 2.6/255 at half resolution (ISO up to 12800);
# a weakest-block floor far above that is an isotropic surface (stucco, gravel), not noise
FLOOR_LEVEL = (4.5 / 255, 3.0 / 255)
# noise.flat_sigma / noise.flat_struct from which white noise on the flattest blocks counts (none,
# in full): noise reads ~1, the flattest blocks of a photo textured everywhere 0.4-0.8
FLAT_ISO = (0.8, 0.88)
FLAT_ISO_HALF = (0.9, 0.95)


def camera_noise(m: dict[str, float]) -> tuple[float, float]:
    """(fingerprint 0..1, level in sRGB units) of noise as a camera's own processing leaves it.

    In-camera demosaicing and noise reduction remove noise from the finest scale and leave
    it correlated over 2-3 px, so at the photo's native resolution the noise-like blocks
    carry far less energy at full resolution than at half (``noise.grain_fine_ratio``
    0.3-0.5; white noise 2, film scans and resampled photos >= 0.57). The fingerprint needs
    that ratio and enough noise-like blocks; the level is ``noise.grain`` scaled by its square,
    so a partial fingerprint counts little (texture with a few noise-like blocks can read
    several /255 of grain: 11/255 on one PolyU clean crop at fingerprint 0.08). A frame
    textured everywhere has no noise-like block; there the weakest-texture blocks are read
    instead (``noise.floor_*``), and the route that finds more noise counts.
    """
    w, grain = max(_camera_routes(m), key=lambda r: r[0] * r[0] * r[1])
    return w, w * w * grain


def _camera_routes(m: dict[str, float]) -> list[tuple[float, float]]:
    """(fingerprint, grain) as read on the noise-like (isotropic) blocks, and on the
    weakest-texture blocks of a frame textured everywhere, where no block is isotropic."""
    out = [(0.0, 0.0)]
    ratio = m.get("noise.grain_fine_ratio", -1.0)
    if ratio >= 0:
        out.append((linear_ramp(ratio, *CAMERA_RATIO) * linear_ramp(m.get("noise.grain_share", 0.0), *CAMERA_SHARE),
                    m.get("noise.grain", 0.0)))
    ratio = m.get("noise.floor_fine_ratio", -1.0)
    if ratio >= 0:
        floor = m.get("noise.floor", 0.0)
        out.append((linear_ramp(ratio, *FLOOR_RATIO) * linear_ramp(m.get("noise.floor_iso", 0.0), *FLOOR_ISO)
                    * linear_ramp(floor, *FLOOR_LEVEL), floor))
    return out


def flat_severity(m: dict[str, float], suffix: str = "") -> float:
    """Severity of noise read on the frame's least structured blocks (``noise.flat_*``, at full
    resolution, or at half with ``suffix`` "_half"; read by ``measure_detail.flat_noise``): its level, counted in proportion to how
    evenly it fills the diagonal band against the horizontal and vertical ones that chose the
    blocks (noise ~1, texture 0.4-0.8: ``FLAT_ISO``; at half resolution ``FLAT_ISO_HALF``, where
    a JPEG's blocks add structure of their own)."""
    flat, struct = m.get(f"noise.flat_sigma{suffix}", 0.0), m.get(f"noise.flat_struct{suffix}", 0.0)
    if flat <= 0 or struct <= 0:
        return 0.0
    return ramp(flat, f"noise_flat{suffix}") * linear_ramp(flat / struct, *(FLAT_ISO_HALF if suffix else FLAT_ISO))


def high_gain(m: dict[str, float]) -> float:
    """0..1: the frame shows camera-processed noise of a high sensor gain (a measured stand-in
    for a high EXIF ISO when there is none). Like ``camera_noise`` it takes the route with the
    stronger evidence, here for a high gain (fingerprint times the gain ramp)."""
    return max(w * linear_ramp(g, *HIGH_GAIN) for w, g in _camera_routes(m))



# -------------------------------------------------------------------------------- noise
def noise_findings(m, meta, found):
    sc, sl = m["noise.chroma_sigma"], m["noise.luma_sigma"]
    _, cam = camera_noise(m)
    sev_cam = ramp(cam, "noise_camera")
    # sensor noise is independent per channel: in the opponent channels it reads 1.3x its luma
    # sigma. Luma "noise" of a colour photo with next to none in colour is texture (scene
    # detail is mostly luminance), so the luma route counts no further than LUMA_PER_CHROMA
    # times the colour noise; a monochrome photo has no colour to carry its noise and is exempt
    sl_eff = sl if m.get("saturation.grey_share", 0.0) > MONOCHROME else min(sl, LUMA_PER_CHROMA * sc)
    sev_flat, sev_half = flat_severity(m), flat_severity(m, "_half")
    sev = max(ramp(sc, "noise"), ramp(sl_eff, "noise_luma"), sev_cam, sev_flat, sev_half)
    conf = 0.8
    if meta is not None and meta.iso:
        if meta.iso >= 1600:
            conf = 0.95
            sev = max(sev, ramp(sl_eff * 1.3, "noise_luma"))  # the ISO says noise is expected
        elif meta.iso <= 200:
            conf = 0.65
    if not sev:
        return []
    measured = {"luma_sigma": sl, "chroma_sigma": sc, "camera_grain": cam}
    if sev_cam < sev and sev_half >= sev and sev_flat < sev:
        # coarse noise on the flattest blocks at half resolution (a JPEG's noise): denoised as the
        # camera-processed route's, at its level
        half = m["noise.flat_sigma_half"]
        measured.update(camera_route=1.0, camera_grain=half)
        return [Finding("noise", "present", sev, conf, measured,
                        f"the flattest parts of the frame show {half * 255:.1f}/255 of coarse noise at half resolution, "
                        f"as strong along the diagonals as along rows and columns")]
    if sev_cam >= sev and cam > 0:  # the camera-processed route is what found it
        measured["camera_route"] = 1.0
        return [Finding("noise", "present", sev, conf, measured,
                        f"noise of {cam * 255:.1f}/255 at half resolution, correlated over 2-3 px as a camera's own "
                        f"noise reduction leaves it (sigma {sl * 255:.1f}/255 at full resolution)")]
    flat = m.get("noise.flat_sigma", 0.0)
    if sev_flat >= sev and sev_flat > 0:  # found where the scene is flattest: that is the noise's level
        measured["luma_sigma"] = flat
        return [Finding("noise", "present", sev, conf, measured,
                        f"the flattest parts of the frame show {flat * 255:.1f}/255 of noise, as strong along the "
                        f"diagonals as along rows and columns (sigma; {sc * 255:.1f}/255 in colour)")]
    return [Finding("noise", "present", sev, conf, measured,
                    f"the measured noise is {sl * 255:.1f}/255 in luminance and {sc * 255:.1f}/255 in colour "
                    f"(sigma; below 1/255 in colour is clean)")]


# ---------------------------------------------------------------------------- sharpness
def sharpness_findings(m, meta, found):
    # a blur along one direction (camera shake, a moving subject) leaves the edges across it
    # sharp, which set the overall gain: where a shake kernel could be estimated on the photo
    # (thresholds.SHAKE_SIGMA), the most blurred direction is the reading
    gain, blur_px, shake = m["sharpness.scale_gain"], m["sharpness.blur_px"], 0.0
    if m.get("sharpness.shake_sigma", 0.0) >= SHAKE_SIGMA:
        gain, blur_px, shake = m["sharpness.gain_max"], m["sharpness.blur_px_max"], 1.0
    g = gain - 1.0
    sev = ramp(g, "blur")
    if not sev or m["sharpness.edge_strength"] < 0.03:
        return []  # no blur, or too few edges anywhere to judge (a clear sky, a studio backdrop)
    conf = 0.8 if m["sharpness.edge_strength"] > 0.05 else 0.3
    if m["sharpness.edge_strength"] <= 0.05:
        sev *= 0.5  # too few edges to tell soft content from a soft lens
    # sharpening amplifies noise: with grain visible in flat areas (real camera noise) or a noise
    # finding, only a clearly blurred frame is reported, and with less confidence
    risk = grain_risk(m)
    noisy = any(f.attribute == "noise" and f.severity >= PRESENT for f in found)
    sev *= 1.0 - 0.6 * risk
    conf *= (1.0 - 0.6 * risk) * (0.6 if noisy else 1.0)
    if shake:
        reason = (f"blurred along one direction (camera shake or motion): halving the image makes edges "
                  f"{gain:.2f}x steeper along it and {gain - m['sharpness.anisotropy']:.2f}x across (sharp photos: "
                  f"1.0-1.5x), and a shake of {m['sharpness.shake_sigma']:.1f} px (sigma) is estimated from the photo")
    else:
        reason = (f"edges are spread over about {blur_px:.1f} px: halving the image makes them "
                  f"{gain:.2f}x steeper (sharp photos: 1.0-1.5x)")
    if noisy or risk > 0:
        reason += "; the frame is noisy, so sharpening would amplify the noise: denoise first"
    return [Finding("sharpness", "blurred", sev, conf, {"scale_gain": gain, "blur_px": blur_px, "shake": shake,
                                                         "grain_risk": risk}, reason)]
