"""The union of a series' frames: placing them, and reading how the camera reacted to framing."""

import numpy as np

from spc_cli.colour import LUMA
from spc_cli.engine.series_union import MIN_FRAMES, View, grid_of, place, reaction

BOXES = [(0.0, 0.0, 1.0, 1.0), (0.0, 0.0, 0.6, 0.6), (0.4, 0.0, 1.0, 0.6), (0.0, 0.4, 0.6, 1.0),
         (0.4, 0.4, 1.0, 1.0), (0.2, 0.2, 0.8, 0.8)]
SIZE = (120, 160)  # (h, w) of each frame's small picture


def _scene(seed=3):
    """A linear scene (3, 240, 320): a bright sky over dark ground, and coloured blobs."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:240, 0:320] / 240.0
    base = np.where(y < 0.45, 0.6, 0.05)[None] * np.array([0.8, 0.9, 1.1])[:, None, None]
    for _ in range(6):
        cx, cy, r = rng.uniform(0, 1.3), rng.uniform(0, 1), rng.uniform(0.05, 0.2)
        blob = np.exp(-((x - cx) ** 2 + (y - cy) ** 2) / r ** 2)
        base = base + 0.3 * blob[None] * rng.uniform(0.2, 1.0, 3)[:, None, None]
    return base.astype(np.float32)


def _crop(scene, box):
    import cv2

    _, h, w = scene.shape
    x0, y0, x1, y1 = box
    part = scene[:, int(y0 * h):int(y1 * h), int(x0 * w):int(x1 * w)]
    return np.stack([cv2.resize(c, (SIZE[1], SIZE[0]), interpolation=cv2.INTER_AREA) for c in part])


def _to_first(box):
    """The homography from a frame's picture into the first (whole) frame's."""
    x0, y0, x1, y1 = box
    return np.array([[x1 - x0, 0, x0 * SIZE[1]], [0, y1 - y0, y0 * SIZE[0]], [0, 0, 1.0]])


def _mean_log_luminance(colour):
    return float(np.log(np.maximum(np.tensordot(LUMA, colour, axes=1), 1e-4)).mean())


def _series(camera_reacts: bool, seed=0):
    """Views and offsets of frames shot with an auto exposure that brightens a framing by 0.7 of
    how much darker its content is than the whole scene's (or, without a reaction, at random)."""
    scene, rng = _scene(), np.random.default_rng(seed)
    crops = [_crop(scene, b) for b in BOXES]
    whole = _mean_log_luminance(crops[0])
    if camera_reacts:
        ev = np.array([-0.7 * (_mean_log_luminance(c) - whole) for c in crops]) + rng.normal(0, 0.005, len(crops))
    else:
        ev = rng.normal(0, 0.3, len(crops))
    shots = [c * np.exp(e) for c, e in zip(crops, ev)]
    views = [View(grid_of(s), SIZE, _to_first(b)) for s, b in zip(shots, BOXES)]
    offsets = (ev - np.median(ev))[:, None] * np.ones(3)  # as series_pool measures them: relative
    return views, offsets, ev


def test_frames_are_placed_by_chaining_their_registrations():
    a = np.array([[1.0, 0, 10], [0, 1, 5], [0, 0, 1]])
    b = np.array([[0.5, 0, 3], [0, 0.5, 2], [0, 0, 1]])
    got = place(4, {(0, 1): a, (1, 2): b}, 1)
    assert np.allclose(got[1], np.eye(3)) and np.allclose(got[0], np.linalg.inv(a))
    assert np.allclose(got[2], b) and got[3] is None


def test_the_camera_reaction_to_framing_is_read_from_the_frames_and_the_union():
    views, offsets, ev = _series(camera_reacts=True)
    got = reaction(views, offsets)
    # what the reaction leaves of each frame's rendering is the rendering of the whole scene: ev 0
    assert np.abs(got[:, 0] - ev).max() < 0.05, (got[:, 0], ev)
    assert np.allclose(got, got[:, :1], atol=0.02)  # exposure moved, colour did not
    assert np.ptp(ev) > 0.3  # a reaction worth reading


def test_offsets_the_framing_does_not_explain_are_left_alone():
    views, offsets, _ = _series(camera_reacts=False)
    assert np.allclose(reaction(views, offsets), 0.0)


def test_too_few_placed_frames_say_nothing():
    views, offsets, _ = _series(camera_reacts=True)
    for v in views[MIN_FRAMES - 1:]:
        v.to_ref = None
    assert np.allclose(reaction(views, offsets), 0.0)
