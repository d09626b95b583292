"""Fixtures for the I/O tests: hand-built ICC profiles and PNG chunk surgery."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest


def _s15(v: float) -> bytes:
    return struct.pack(">i", int(round(v * 65536)))


def _xyz_tag(xyz) -> bytes:
    return b"XYZ " + b"\x00" * 4 + b"".join(_s15(v) for v in xyz)


def _desc_tag(text: str) -> bytes:
    ascii_ = text.encode("ascii") + b"\x00"
    body = b"desc" + b"\x00" * 4 + struct.pack(">I", len(ascii_)) + ascii_
    body += struct.pack(">II", 0, 0) + struct.pack(">HB", 0, 0) + b"\x00" * 67
    return body


def _curve_tag(gamma: float) -> bytes:
    return b"curv" + b"\x00" * 4 + struct.pack(">IH", 1, int(round(gamma * 256))) + b"\x00\x00"


def build_icc(description: str, primaries: tuple, gamma: float = 2.2) -> bytes:
    """A minimal ICC v2 matrix/TRC display profile with the given description.

    ``primaries``: ((xr, yr), (xg, yg), (xb, yb)) chromaticities, D65 white.
    """

    def xyz(xy):
        x, y = xy
        return np.array([x / y, 1.0, (1 - x - y) / y])

    prim = np.stack([xyz(p) for p in primaries], axis=1)
    m = prim * np.linalg.solve(prim, xyz((0.3127, 0.3290)))
    bradford = np.array([[1.0478112, 0.0228866, -0.0501270],
                         [0.0295424, 0.9904844, -0.0170491],
                         [-0.0092345, 0.0150436, 0.7521316]])  # D65 -> D50
    m50 = bradford @ m
    tags = [
        (b"desc", _desc_tag(description)),
        (b"wtpt", _xyz_tag((0.9642, 1.0, 0.8249))),
        (b"rXYZ", _xyz_tag(m50[:, 0])),
        (b"gXYZ", _xyz_tag(m50[:, 1])),
        (b"bXYZ", _xyz_tag(m50[:, 2])),
        (b"rTRC", _curve_tag(gamma)),
        (b"gTRC", _curve_tag(gamma)),
        (b"bTRC", _curve_tag(gamma)),
        (b"cprt", b"text" + b"\x00" * 4 + b"Public domain test profile\x00"),
    ]
    offset = 128 + 4 + 12 * len(tags)
    table, data = b"", b""
    for sig, body in tags:
        while (offset + len(data)) % 4:
            data += b"\x00"
        table += sig + struct.pack(">II", offset + len(data), len(body))
        data += body
    size = offset + len(data)
    header = struct.pack(">I", size) + b"lcms" + struct.pack(">I", 0x02100000) + b"mntrRGB XYZ "
    header += struct.pack(">6H", 2026, 1, 1, 0, 0, 0) + b"acsp" + b"APPL" + b"\x00" * 4
    header += b"\x00" * 8 + b"\x00" * 8 + struct.pack(">I", 0)
    header += _s15(0.9642) + _s15(1.0) + _s15(0.8249) + b"lcms"
    header += b"\x00" * (128 - len(header))
    return header + struct.pack(">I", len(tags)) + table + data


ADOBE_PRIMARIES = ((0.64, 0.33), (0.21, 0.71), (0.15, 0.06))
P3_PRIMARIES = ((0.680, 0.320), (0.265, 0.690), (0.150, 0.060))


@pytest.fixture
def adobe_icc() -> bytes:
    return build_icc("Adobe RGB (1998)", ADOBE_PRIMARIES, 563 / 256)


@pytest.fixture
def p3_icc() -> bytes:
    return build_icc("Display P3", P3_PRIMARIES, 2.2)


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def tiny_png(width: int, height: int, bit_depth: int = 8, extra: bytes = b"", idat: bytes | None = None) -> bytes:
    """A PNG whose IHDR declares ``width`` x ``height`` (RGB); pixel data optional."""
    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, 2, 0, 0, 0)
    if idat is None:
        idat = zlib.compress(b"\x00" * 16)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + extra + png_chunk(b"IDAT", idat)
            + png_chunk(b"IEND", b""))


@pytest.fixture
def png_tools():
    """Helpers to hand-craft PNG files: ``.chunk(kind, body)`` and ``.tiny(w, h, ...)``."""

    class Tools:
        chunk = staticmethod(png_chunk)
        tiny = staticmethod(tiny_png)

    return Tools
