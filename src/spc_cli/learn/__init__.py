"""Training the learned parts of spc. Never imported at run time.

    data.py    the training photos: listing, the fixed hash split, loading
    synth.py   defect synthesis: which defects, how strong, and the labels they imply
    defects.py the physical models synth.py draws from (casts, haze, blur, noise, exposure, tone, colour)
    train.py   the learned critic's training loop, calibration and export (settings at the top)

    python -m spc_cli.learn.train --data ../shared/data/train --out weights/
"""
