"""benchmarks/wb_evidence.py: the grey-pixel estimate recovers a known cast where grey-world cannot."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # repo root, for `benchmarks`

from benchmarks.degrade import cast_gains  # noqa: E402
from benchmarks.wb_evidence import grey_pixel  # noqa: E402
from spc_cli.critic.measure import _log_chroma  # noqa: E402


def _blocks(rng: np.random.Generator, h: int, w: int, cell: int, n: int) -> np.ndarray:
    """(h, w, n) piecewise-constant random values in [0, 1), one per cell x cell block."""
    v = rng.uniform(0, 1, (h // cell + 1, w // cell + 1, n))
    return np.repeat(np.repeat(v, cell, 0), cell, 1)[:h, :w]


def _scene(seed: int = 0) -> np.ndarray:
    """Linear (3, 96, 128): the left half grey surfaces of many levels, the right half a
    surface whose texture varies in colour (reds and oranges) at about the same levels, so
    grey-world is pulled warm by content while the grey half stays neutral."""
    rng = np.random.default_rng(seed)
    h, w = 96, 128
    level = 0.05 + 0.5 * _blocks(rng, h, w, 4, 1)[..., 0]
    img = np.repeat(level[None], 3, 0)
    hue = _blocks(rng, h, w // 2, 4, 1)[..., 0]  # 0 red .. 1 orange
    colour = np.stack([np.ones_like(hue), 0.15 + 0.35 * hue, 0.08 + 0.05 * hue])
    img[:, :, w // 2:] = level[None, :, w // 2:] * colour * 1.6
    return img.astype(np.float32)


def test_grey_pixel_recovers_a_known_cast_on_a_coloured_scene():
    base = torch.from_numpy(_scene())
    gw0 = _log_chroma(base.mean(dim=(1, 2)))
    assert gw0[0] > 0.4  # the content alone reads as a strong warm cast to grey-world
    gp0 = _log_chroma(grey_pixel(base))
    assert abs(gp0[0]) < 0.05 and abs(gp0[1]) < 0.05  # the grey surfaces are found
    g = torch.from_numpy(cast_gains("cool", kelvin=11000.0))
    want = _log_chroma(g)
    assert want[0] < -0.2
    cast = (base * g[:, None, None]).clamp(0, 1)
    gp = _log_chroma(grey_pixel(cast))
    assert math.isclose(gp[0], want[0], abs_tol=0.05) and math.isclose(gp[1], want[1], abs_tol=0.05)


def test_grey_pixel_is_blind_to_the_cast_in_its_choice_of_pixels():
    """A von Kries cast leaves every local log-contrast unchanged, so the estimate moves by
    exactly the cast's log gains (no clipping here)."""
    base = torch.from_numpy(_scene(1)) * 0.6
    for direction, kw in (("green", {"tint": 0.2}), ("warm", {"kelvin": 4500.0})):
        g = torch.from_numpy(cast_gains(direction, **kw))
        a, b = _log_chroma(grey_pixel(base)), _log_chroma(grey_pixel(base * g[:, None, None]))
        want = _log_chroma(g)
        assert math.isclose(b[0] - a[0], want[0], abs_tol=1e-3)
        assert math.isclose(b[1] - a[1], want[1], abs_tol=1e-3)
