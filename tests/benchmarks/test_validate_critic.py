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
    out, ops, alone = _enhance("analytic", noisy, denoise_alone=True)
    assert "denoise" in ops and alone is not None and alone.shape == noisy.shape == out.shape
    assert metrics.psnr(alone, clean) > metrics.psnr(noisy, clean) + 3.0  # the denoise by itself helps
    if ops == ["denoise"]:  # nothing else applied: the output is the denoise alone
        assert np.abs(alone - out).max() < 1e-4
    _, ops_clean, alone_clean = _enhance("analytic", clean.astype(np.float32), denoise_alone=True)
    assert "denoise" not in ops_clean and alone_clean is None


def test_the_casts_and_warm_scenes_parts_read_a_photo(tmp_path):
    """Each part's per-photo step runs end to end (the casts part: a real light's cast on a clean
    photo, scored against it; the warm scenes part: what the critic adds to a photo as it is)."""
    import cv2
    from PIL import Image

    from benchmarks.validate_critic import _cast_photo, _warm_photo

    rng = np.random.default_rng(2)
    img = cv2.resize(rng.random((4, 5, 3)).astype(np.float32), (160, 128), interpolation=cv2.INTER_CUBIC)
    path = tmp_path / "scene.png"
    Image.fromarray(np.round(np.clip(0.2 + 0.6 * img, 0, 1) * 255).astype(np.uint8)).save(path)
    rec = _cast_photo(0, "scene", path, ["analytic"])
    assert rec["untouched"] > 0 and np.isfinite(rec["critics"]["analytic"]["delta_e"])
    warm = _warm_photo("scene", path, ["analytic"])
    assert np.isfinite(warm["critics"]["analytic"]["delta_e"]) and isinstance(warm["critics"]["analytic"]["ops"], list)
