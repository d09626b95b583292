"""The pooled estimate: offsets solved from links, one correction voted for by the frames' critics."""

import math

import numpy as np

from spc_cli.engine.series_pool import AGREE, ASKED, OWN_SHARE, Link, medoid, pool, rendering_casts, split


def _links(offsets, pairs, noise=0.0, seed=0):
    rng = np.random.default_rng(seed)
    return [Link(i, j, offsets[j] - offsets[i] + rng.normal(0, noise, 3), 1.0, "matched") for i, j in pairs]


def test_offsets_are_recovered_from_a_chain_of_links_and_frames_end_up_matching():
    truth = np.array([[0.0, 0.0, 0.0], [0.3, 0.1, -0.2], [-0.4, -0.35, -0.3], [0.1, 0.0, 0.25]])
    own = [np.zeros(3)] * 4  # no critic asked for anything: the frames meet at the median rendering
    p = pool(own, _links(truth, [(0, 1), (1, 2), (2, 3), (0, 2)]), own_share=0.0)
    rel = p.offsets - p.offsets[0]
    assert np.allclose(rel, truth - truth[0], atol=1e-6)
    rendered = truth + p.corrections  # every frame as it will look
    assert np.allclose(rendered, rendered[0], atol=1e-6)
    assert any(np.allclose(rendered[0], truth[k], atol=1e-6) for k in range(4))  # one frame's own rendering


def test_a_wrong_link_is_outvoted_by_the_others():
    truth = np.array([[0.0] * 3, [0.2] * 3, [0.4] * 3, [0.6] * 3])
    links = _links(truth, [(0, 1), (1, 2), (2, 3), (0, 2), (1, 3), (0, 3)])
    links[2] = Link(2, 3, np.array([1.5, 1.5, 1.5]), 1.0, "matched")  # a bad registration
    p = pool([np.zeros(3)] * 4, links)
    assert np.allclose(p.offsets - p.offsets[0], truth, atol=0.02)


def test_one_frame_whose_critic_asks_for_much_does_not_move_the_others():
    truth = np.zeros((5, 3))
    own = [np.zeros(3)] * 4 + [np.full(3, 1.2)]  # one critic wants +1.7 EV (an odd frame)
    p = pool(own, _links(truth, [(0, 1), (1, 2), (2, 3), (3, 4)]))
    assert np.allclose(p.corrections[:4], 0.0, atol=1e-9)
    assert np.allclose(p.corrections[4], OWN_SHARE * 1.2)  # the odd frame keeps its share of its own


def test_the_frames_critics_agreeing_decide_the_correction():
    truth = np.array([[0.0] * 3, [0.5] * 3, [-0.3] * 3])
    # each critic proposes what undoes its frame's offset from a scene 0.2 under: they agree
    own = [-(truth[k] - truth[0]) + 0.2 for k in range(3)]
    p = pool(own, _links(truth, [(0, 1), (1, 2)]))
    assert np.allclose(truth + p.corrections, truth[0] + 0.2, atol=1e-6)


def test_two_frames_whose_camera_put_in_the_cast_their_critics_read_decide_the_colour():
    # eight frames of a warm-lit scene rendered alike, their critics silent (a warm room reads as
    # the scene's colour); two more rendered far bluer by a preset, whose critics read a blue cast
    # and ask to undo part of it: their votes agree, and the camera moved those frames further
    # than they ask, so the series follows them rather than the silent majority
    blue = np.array([-0.45, 0.0, 0.45])
    truth = np.zeros((10, 3))
    truth[8:] = blue
    own = [np.zeros(3)] * 8 + [-0.5 * blue, -0.45 * blue]
    p = pool(own, _links(truth, [(k, k + 1) for k in range(9)]), own_share=0.0)
    rendered = truth + p.corrections
    assert np.allclose(rendered, rendered[0], atol=1e-6)
    assert rendered[0] @ blue > 0.15  # the whole series moved the way the two critics asked
    # the same two critics on frames the camera rendered like the others (what they ask is what
    # their framing holds, not a rendering error): one vote each among all, and silence wins
    p = pool(own, _links(np.zeros((10, 3)), [(k, k + 1) for k in range(9)]), own_share=0.0)
    assert np.allclose(p.corrections[:8], 0.0, atol=1e-9)


def test_rendering_casts_needs_two_agreeing_critics_the_camera_explains():
    asked = np.array([[0.1, 0.0, -0.1], [0.12, 0.0, -0.1], [0.0, 0.0, 0.0]])
    explained = -2 * asked  # the camera moved each frame twice as far the other way
    votes = asked + explained
    assert rendering_casts(asked, explained, votes).tolist() == [0, 1]
    assert rendering_casts(asked[[0, 2]], explained[[0, 2]], votes[[0, 2]]).size == 0  # one alone
    assert rendering_casts(asked, 0.4 * explained, votes).size == 0  # the camera explains 80 % of it
    assert rendering_casts(asked, -explained, votes).size == 0  # moved the same way: the framing
    far = votes.copy()
    far[1] += AGREE
    assert rendering_casts(asked, explained, far).size == 0  # they disagree
    assert rendering_casts(np.full((3, 3), ASKED / 2), -np.full((3, 3), ASKED), np.zeros((3, 3))).size == 0


def test_frames_nothing_ties_keep_their_own_correction():
    own = [np.array([0.1, 0.0, -0.1]), np.full(3, 0.5), np.zeros(3)]
    p = pool(own, [])
    assert np.allclose(p.corrections, np.stack(own)) and p.how == ["alone"] * 3


def test_a_camera_link_ties_exposure_and_not_colour():
    own = [np.array([0.2, 0.0, -0.2]), np.array([0.0, 0.0, 0.0])]
    link = Link(0, 1, np.full(3, math.log(2.0)), 0.3, "camera", colour=False)  # frame 1 shot a stop brighter
    p = pool(own, [link], own_share=0.0)
    # they end up equally bright: frame 0 gets a stop more (in the mean of the log gains)
    assert math.isclose(p.corrections[0].mean() - p.corrections[1].mean(), math.log(2.0), abs_tol=1e-6)
    colour = p.corrections - p.corrections.mean(axis=1, keepdims=True)
    assert np.allclose(colour, np.stack(own) - np.stack(own).mean(axis=1, keepdims=True))  # colour their own


def test_each_frame_keeps_a_share_of_its_own_rendering():
    truth = np.array([[0.0] * 3, [0.3, 0.2, 0.1], [-0.2] * 3, [0.1, 0.0, 0.25]])  # how the camera rendered each
    own = [np.zeros(3), np.zeros(3), np.full(3, 0.1), np.zeros(3)]
    links = _links(truth, [(0, 1), (1, 2), (2, 3)])
    exact, kept = pool(own, links, own_share=0.0), pool(own, links)
    assert 0.1 <= OWN_SHARE <= 1 / 3
    assert np.allclose(kept.corrections, (1 - OWN_SHARE) * exact.corrections + OWN_SHARE * np.stack(own))
    # the frames' remaining differences are that share of their differences as the camera and
    # their own critics left them
    as_own = truth + np.stack(own)
    rendered = truth + kept.corrections
    assert np.allclose(rendered - rendered[0], OWN_SHARE * (as_own - as_own[0]), atol=1e-6)


def test_the_framing_reaction_is_taken_out_of_the_votes_of_frames_whose_critic_asked_nothing():
    camera = np.array([0.0, 0.2, 0.4, -0.1, 0.3])[:, None] * np.ones(3)  # how each frame was rendered
    union = 0.05  # how the camera would have rendered the whole view: what every frame should end as
    seen = []

    def framing(offsets):
        seen.append(offsets.copy())
        return camera - union

    own = [np.zeros(3)] * 4 + [np.full(3, -0.9)]  # the last frame's critic asks for much: its vote is its own
    p = pool(own, _links(camera, [(0, 1), (1, 2), (2, 3), (3, 4)]), own_share=0.0, framing=framing)
    assert np.allclose(seen[0] - seen[0][0], camera - camera[0], atol=1e-6)  # it is given the solved offsets
    assert np.allclose(camera + p.corrections, union, atol=1e-6)


def test_split_keeps_grey_luminance_in_the_gains():
    ev, gains = split(np.array([0.3, 0.0, -0.2]))
    assert math.isclose(float(np.dot([0.2126, 0.7152, 0.0722], gains)), 1.0, rel_tol=1e-9)
    assert np.allclose(np.log(gains) + ev * math.log(2.0), [0.3, 0.0, -0.2])


def test_the_medoid_is_the_most_central_vote_and_ties_go_to_the_frame_needing_least():
    pts = np.array([[1.0, 0, 0], [0.0, 0, 0], [-1.0, 0, 0], [10.0, 10, 10]])
    assert np.allclose(medoid(pts, np.array([0.0, 1.0, 0.0, 0.0])), [0.0, 0, 0])
    two = np.array([[0.0, 0, 0], [0.5, 0, 0]])
    assert np.allclose(medoid(two, np.array([0.7, 0.0])), [0.5, 0, 0])
