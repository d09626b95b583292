"""The hybrid critic: the network's judgement where it is measured to be better, the analytic
critic's elsewhere.

    measure (measure.py)  ->  network (learned_net.py): white balance, haze
                          ->  judge (judge.py): exposure, contrast, saturation, noise,
                              sharpness, highlights, shadows
                          ->  plan, score, summary (advise.py)

On the validation set and the real sets (docs/learned-critic.md, "The hybrid critic") the
learned critic finds casts and haze more often and with fewer false alarms than the analytic
thresholds, and undoes tungsten casts the analytic critic leaves (it also leaves warm scenes
alone), while the analytic critic reads real exposure errors and real noise better (the
network brightens dim close-ups and harms real noisy crops). Each attribute is taken from the
critic that is better at it; one measurement pass and one network call serve both. Haze over
part of the frame, which the network was not taught, is the thresholds' regional reading where
the network finds no haze.

    >>> critic = HybridCritic()                                      # doctest: +SKIP
    >>> [f.attribute for f in critic.critique([photo])[0].findings]  # doctest: +SKIP
    ['white_balance', 'exposure']
"""

from __future__ import annotations

from ..photo import Photo
from .base import Finding
from .judge import judge
from .learned import LearnedCritic
from .thresholds import PRESENT

FROM_NETWORK = ("white_balance", "haze")  # the attributes the network judges; the rest are the thresholds'


class HybridCritic(LearnedCritic):
    """``LearnedCritic`` (same options, weights and checks) whose findings for every attribute
    but ``FROM_NETWORK`` are the analytic critic's."""

    name = "hybrid"
    version = "1"

    def _findings(self, m: dict[str, float], r: dict, photo: Photo) -> list[Finding]:
        network = [f for f in super()._findings(m, r, photo) if f.attribute in FROM_NETWORK]
        # the exposure reading's "is the clipping a cast's?": yes where this critic's own white
        # balance (the network's) finds a cast, else as the thresholds read it (which see some
        # leans the network leaves; with the network's call alone, 3 more and 1 fewer false
        # over-exposures on the validation set)
        cast = any(f.attribute == "white_balance" and f.severity >= PRESENT for f in network) or None
        # a veil the network finds lifts the black as a fade does: the contrast reading is then the
        # thresholds' (judge._contrast), as where the analytic haze reading finds one
        veil = any(f.attribute == "haze" and f.severity >= PRESENT for f in network) or None
        analytic = judge(m, photo.meta, cast=cast, veil=veil)
        # haze over part of the frame (the distance veiled, the nearest ground clear): the
        # network, taught veils over the whole frame, finds 2 in 49 such photos, the analytic
        # critic's regional reading 23 (docs/critic.md, "Haze over part of the frame"); it
        # stands where the network finds no haze
        if not any(f.attribute == "haze" and f.severity >= PRESENT for f in network):
            regional = [f for f in analytic if f.attribute == "haze" and f.measured.get("regional")]
            if regional:
                network = [f for f in network if f.attribute != "haze"] + regional
        return [f for f in analytic if f.attribute not in FROM_NETWORK] + network
