"""Colour-space encodings a photo file may use, and fast conversions to/from linear Rec.709.

Decoding goes through look-up tables indexed by the stored integer (256 or 65536
entries, exact transfer function evaluated in float64), then a 3x3 matrix for wide-gamut
spaces. Encoding sRGB to 8 bits is a rounding pass and a 65536-entry table of the exact curve;
other 8-bit encodings are a few OpenCV passes (clip, pow, scale with rounding); 16-bit is
evaluated exactly in float32.

Spaces: "srgb" (IEC 61966-2-1), "display_p3" (P3 primaries, D65, sRGB transfer),
"adobe_rgb" (Adobe RGB (1998): gamma 563/256), "linear" (linear Rec.709, no transfer).
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import cv2
import numpy as np

if TYPE_CHECKING:  # imported where used: reading a file needs no torch
    import torch

SPACES = ("srgb", "display_p3", "adobe_rgb", "linear")
ADOBE_GAMMA = 563.0 / 256.0
_SRGB_KNEE = 0.0031308

_PRIMARIES = {
    "srgb": ((0.64, 0.33), (0.30, 0.60), (0.15, 0.06)),
    "linear": ((0.64, 0.33), (0.30, 0.60), (0.15, 0.06)),
    "display_p3": ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060)),
    "adobe_rgb": ((0.64, 0.33), (0.21, 0.71), (0.15, 0.06)),
}
_D65 = (0.3127, 0.3290)


def _rgb_to_xyz(space: str) -> np.ndarray:
    def xyz(xy: tuple[float, float]) -> np.ndarray:
        x, y = xy
        return np.array([x / y, 1.0, (1 - x - y) / y])

    prim = np.stack([xyz(p) for p in _PRIMARIES[space]], axis=1)
    scale = np.linalg.solve(prim, xyz(_D65))
    return prim * scale


@lru_cache(maxsize=None)
def to_rec709(space: str) -> np.ndarray | None:
    """3x3 matrix: linear ``space`` RGB -> linear Rec.709, or None when it is Rec.709."""
    if space in ("srgb", "linear"):
        return None
    return np.linalg.solve(_rgb_to_xyz("srgb"), _rgb_to_xyz(space))


@lru_cache(maxsize=None)
def from_rec709(space: str) -> np.ndarray | None:
    m = to_rec709(space)
    return None if m is None else np.linalg.inv(m)


def decode_transfer(values: np.ndarray, space: str) -> np.ndarray:
    """Encoded [0, 1] -> linear, float64, exact."""
    v = np.clip(values, 0.0, 1.0)
    if space == "adobe_rgb":
        return v ** ADOBE_GAMMA
    if space == "linear":
        return v
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


def encode_transfer(values: np.ndarray, space: str) -> np.ndarray:
    """Linear -> encoded [0, 1] (clipped), exact."""
    v = np.clip(values, 0.0, 1.0)
    if space == "adobe_rgb":
        return v ** (1.0 / ADOBE_GAMMA)
    if space == "linear":
        return v
    return np.where(v <= _SRGB_KNEE, v * 12.92, 1.055 * np.maximum(v, _SRGB_KNEE) ** (1 / 2.4) - 0.055)


@lru_cache(maxsize=None)
def decode_lut(space: str, bits: int) -> np.ndarray:
    """float32 table: stored integer code -> linear value (before any gamut matrix)."""
    top = (1 << bits) - 1
    codes = np.arange(top + 1, dtype=np.float64) / top
    lut = decode_transfer(codes, space).astype(np.float32)
    lut.setflags(write=False)
    return lut


def _mix(matrix: np.ndarray, planes: np.ndarray) -> np.ndarray:
    """Apply a 3x3 matrix to (3, H, W) float32 planes."""
    c, h, w = planes.shape
    out = matrix.astype(np.float32) @ planes.reshape(3, h * w)
    return out.reshape(3, h, w)


def decode_planes(codes: np.ndarray, space: str) -> np.ndarray:
    """Integer (C, H, W) codes (uint8 or uint16, C-contiguous) -> linear Rec.709 float32.

    Channels other than three (grey) are decoded with the transfer only.
    """
    bits = 8 if codes.dtype == np.uint8 else 16
    lut = decode_lut(space, bits)
    c, h, w = codes.shape
    if bits == 8:
        flat = np.ascontiguousarray(codes).reshape(c * h, w)
        out = cv2.LUT(flat, lut).reshape(c, h, w) if flat.size else lut[codes]
    else:
        out = lut[codes]
    matrix = to_rec709(space)
    if matrix is not None and c == 3:
        out = _mix(matrix, out)
    return out


def _finite(planes: np.ndarray) -> np.ndarray:
    """NaN and -inf -> 0, +inf -> 1, defined here before any quantisation: what a library
    does when it casts NaN or an infinity to an integer is not a contract (OpenCV 4 gave a
    negative integer for NaN, OpenCV 5 the largest one).

    One read-only pass when all is well: the sum of the planes is finite exactly when every
    value is (a finite sum that overflows only sends the planes through the repair too).
    """
    if np.isfinite(planes.sum(dtype=np.float32)):
        return planes
    return np.nan_to_num(planes, nan=0.0, posinf=1.0, neginf=0.0)


def encode_planes_u8(planes: np.ndarray, space: str) -> np.ndarray:
    """Linear Rec.709 (3, H, W) float32 -> encoded uint8 (3, H, W), clipped and rounded.

    For sRGB, two passes (about 0.12 s for 24 megapixels on one core of the dev machine);
    agrees with the exact curve rounded to nearest except for float32 ties (< 0.01%).
    NaN and -inf become 0, +inf the maximum.
    """
    return _encode(planes, space, 8)


def encode_planes_u16(planes: np.ndarray, space: str) -> np.ndarray:
    """Linear Rec.709 (3, H, W) float32 -> encoded uint16 (3, H, W), clipped and rounded."""
    return _encode(planes, space, 16)


def encode_planes_f32(planes: np.ndarray, space: str) -> np.ndarray:
    """Linear Rec.709 (3, H, W) -> float32 samples for a float TIFF, which holds linear light:
    light above white is kept (no clipping at 1), negatives become 0, NaN 0 and +inf 1 (white)."""
    if space != "linear":
        raise ValueError(f"float samples are written as linear light only, not {space!r}")
    x = np.nan_to_num(np.asarray(planes, dtype=np.float32), nan=0.0, posinf=1.0, neginf=0.0)
    return np.maximum(x, 0.0, out=x)


def _encode(planes: np.ndarray, space: str, bits: int) -> np.ndarray:
    c, h, w = planes.shape
    dtype, depth = (np.uint8, cv2.CV_8U) if bits == 8 else (np.uint16, cv2.CV_16U)
    if planes.size == 0:
        return np.zeros((c, h, w), dtype)
    top = float((1 << bits) - 1)
    planes = _finite(np.asarray(planes, dtype=np.float32))
    if bits == 8 and space == "srgb":
        return _srgb8_codes(planes.reshape(c * h, w)).reshape(c, h, w)
    matrix = from_rec709(space)
    x = _mix(matrix, planes) if matrix is not None else planes
    x2 = np.ascontiguousarray(x, dtype=np.float32).reshape(c * h, w)
    # cv2.multiply / addWeighted with an integer dtype round to nearest and saturate
    # (negatives -> 0, above 1 -> max); each is one multithreaded pass.
    if space == "linear":
        out = cv2.multiply(x2, top, dtype=depth)
    elif space == "adobe_rgb":
        buf = cv2.max(x2, 0.0)
        cv2.pow(buf, 1.0 / ADOBE_GAMMA, dst=buf)
        out = cv2.multiply(buf, top, dtype=depth)
    else:
        # sRGB: the power segment evaluated from the knee up, the linear toe everywhere;
        # past the knee the toe line lies above the power curve, so the smaller wins.
        buf = cv2.max(x2, _SRGB_KNEE)
        cv2.pow(buf, 1 / 2.4, dst=buf)
        power = cv2.addWeighted(buf, 1.055 * top, buf, 0.0, -0.055 * top, dtype=depth)
        toe = cv2.multiply(x2, 12.92 * top, dtype=depth)
        out = cv2.min(power, toe)
    return out.reshape(c, h, w)


def _srgb8_codes(x: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """Linear (N, W) float32 with no NaN or infinity (see ``_finite``) -> sRGB uint8 codes
    (into ``out``, (N, W) uint8, when given).

    The linear value rounded to one of 65536 steps (one pass; OpenCV saturates finite values
    beyond the int32 range, and the clamp takes the rest to 0 and 65535), then a table of the
    exact curve (torch's gather is about twice numpy's fancy indexing). A step is at most
    0.03 of an 8-bit level near black, so the result is the exact rounding except where a
    value lies within that distance of a level boundary (then it may land on the
    neighbouring level). Done a few rows at a time, so the integer index stays in cache
    (24 MP: about half the time of one pass over the whole image).
    """
    import torch

    n, w = x.shape
    out = np.empty((n, w), np.uint8) if out is None else out
    table = _srgb8_table()
    step = _rows_per_chunk(w)
    dst = torch.from_numpy(out)
    for y in range(0, n, step):
        index = torch.from_numpy(cv2.multiply(x[y:y + step], 65535.0, dtype=cv2.CV_32S)).clamp_(0, 65535)
        torch.index_select(table, 0, index.view(-1), out=dst[y:y + step].view(-1))
    return out


def _rows_per_chunk(width: int) -> int:
    """Rows of a plane per chunk of a streaming conversion: about 128k samples (in cache)."""
    return max(1, (1 << 17) // max(1, width))


def decode_codes(codes: np.ndarray, space: str) -> np.ndarray:
    """Stored 8-bit codes as they are laid out, (H, W, 3) uint8 RGB, -> linear Rec.709 float32
    (3, H, W): the values ``decode_planes`` gives for their planes, without a transposed copy
    (the channels are split a few rows at a time and each goes through the table into place)."""
    h, w = codes.shape[:2]
    if to_rec709(space) is not None or codes.dtype != np.uint8 or codes.shape[2] != 3:
        return decode_planes(np.ascontiguousarray(codes.transpose(2, 0, 1)), space)
    lut = decode_lut(space, 8)
    out = np.empty((3, h, w), np.float32)
    step = _rows_per_chunk(w)
    for y in range(0, h, step):
        for c, plane in enumerate(cv2.split(codes[y:y + step])):
            cv2.LUT(plane, lut, dst=out[c, y:y + step])
    return out


def encode_codes_u8(planes: np.ndarray, space: str, out: np.ndarray | None = None) -> np.ndarray:
    """Linear Rec.709 (3, H, W) float32 -> (H, W, 3) uint8 RGB codes as a file stores them (into
    ``out`` when given): ``encode_planes_u8``'s values, interleaved a few rows at a time."""
    c, h, w = planes.shape
    out = np.empty((h, w, 3), np.uint8) if out is None else out
    if space != "srgb" or c != 3:
        cv2.merge(list(encode_planes_u8(planes, space)), dst=out)
        return out
    step = _rows_per_chunk(w)
    buf = np.empty((3, min(step, h), w), np.uint8)
    for y in range(0, h, step):
        y1 = min(h, y + step)
        chunk = _finite(np.asarray(planes[:, y:y1], dtype=np.float32))
        part = buf[:, :y1 - y]
        for k in range(3):
            _srgb8_codes(chunk[k], out=part[k])
        cv2.merge(list(part), dst=out[y:y1])
    return out


@lru_cache(maxsize=None)
def _srgb8_table() -> torch.Tensor:
    """uint8 sRGB code for each of 65536 evenly spaced linear values in [0, 1] (not to be written)."""
    import torch

    lin = np.arange(65536, dtype=np.float64) / 65535.0
    return torch.from_numpy(np.clip(np.round(encode_transfer(lin, "srgb") * 255.0), 0, 255).astype(np.uint8))


def quantize_alpha(alpha: np.ndarray, bits: int) -> np.ndarray:
    """Alpha (linear coverage) in [0, 1] -> uint8/uint16 codes, rounded."""
    top = (1 << bits) - 1
    a = np.clip(np.nan_to_num(alpha, nan=1.0), 0.0, 1.0) * top + 0.5
    return a.astype(np.uint8 if bits == 8 else np.uint16)
