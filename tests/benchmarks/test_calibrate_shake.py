"""benchmarks/calibrate_shake.py's blurs and its rendering of a planned deblur (no data needed)."""

import math

import numpy as np

from benchmarks.calibrate_shake import blurred, deblurred, line_psf, psnr
from spc_cli.ops.params import DeblurParams


def test_the_line_blur_is_a_normalised_line_along_its_angle():
    k = line_psf(9.0, 0.0)
    assert abs(float(k.sum()) - 1.0) < 1e-6
    rows = k.sum(axis=1)
    assert rows.max() > 0.9  # a horizontal line: its mass in the middle row
    spread = [np.ptp(np.nonzero(line_psf(9.0, a).sum(axis=0) > 0.02)[0]) for a in (0.0, math.pi / 2)]
    assert spread[0] >= 7 and spread[1] <= 2  # long across columns at 0, a point's width at 90 degrees


def test_each_blur_softens_and_the_planned_gaussian_deblur_brings_it_back_closer():
    rng = np.random.default_rng(0)
    blocks = rng.uniform(0.05, 0.9, (16, 24, 3)).astype(np.float32)
    sharp = np.kron(blocks, np.ones((12, 12, 1), np.float32))
    codes_sharp = (np.clip(sharp, 0, 1) ** (1 / 2.2) * 255).round().astype(np.uint8)
    for kind in ("gaussian", "disc", "line"):
        soft = blurred(sharp, kind, np.random.default_rng(1))
        assert float(np.abs(soft - sharp).mean()) > 0.005, kind
    soft = blurred(sharp, "gaussian", np.random.default_rng(1))
    codes = (np.clip(soft, 0, 1) ** (1 / 2.2) * 255).round().astype(np.uint8)
    out = deblurred(codes, DeblurParams(amount=0.6, sigma=1.2, kind=0.0, noise=4 / 255))
    assert out.shape == codes.shape and out.dtype == np.uint8
    assert psnr(out, codes_sharp) > psnr(codes, codes_sharp)
    assert psnr(codes, codes) > 90
