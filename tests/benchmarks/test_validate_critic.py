"""validate_critic's real-set reading: spc's output, and the denoise it applied rendered alone."""

from __future__ import annotations

import numpy as np

from benchmarks import metrics
from benchmarks.validate_critic import _enhance


def test_the_denoise_spc_applied_is_rendered_alone_beside_its_output():
    import cv2

    rng = np.random.default_rng(1)
    clean = cv2.resize(rng.random((3, 4, 3)).astype(np.float32), (256, 192), interpolation=cv2.INTER_CUBIC)
    clean = np.clip(0.25 + 0.5 * clean, 0, 1)
    noisy = np.clip(clean + rng.normal(0, 10 / 255, clean.shape), 0, 1).astype(np.float32)
    out, ops, alone = _enhance("analytic", noisy)
    assert "denoise" in ops and alone is not None and alone.shape == noisy.shape == out.shape
    assert metrics.psnr(alone, clean) > metrics.psnr(noisy, clean) + 3.0  # the denoise by itself helps
    if ops == ["denoise"]:  # nothing else applied: the output is the denoise alone
        assert np.abs(alone - out).max() < 1e-4
    _, ops_clean, alone_clean = _enhance("analytic", clean.astype(np.float32))
    assert "denoise" not in ops_clean and alone_clean is None
