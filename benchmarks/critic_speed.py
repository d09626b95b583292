"""Time the analytic critic on a 24-megapixel photo (6000 x 4000), CPU.

    python -m benchmarks.critic_speed     # same as: python -m benchmarks.calibrate_critic speed
"""

from __future__ import annotations

from benchmarks.calibrate_critic import speed

if __name__ == "__main__":
    speed()
