"""Reliability suite for issue 6: no input crashes a batch, no crash corrupts an output or an
input, and a rerun always converges to the same complete result.

    pytest tests/reliability                  # default run (slow soak/fuzz deselected)
    pytest tests/reliability --runslow        # + 20 plain-process kills, 2,000 photos, 3,000-example fuzz
    SPC_SLOW=1 pytest tests/reliability       # the same, from anywhere
"""
