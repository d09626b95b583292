"""Reliability suite: slow soak/fuzz runs are deselected unless ``--runslow`` or ``SPC_SLOW=1``.

``--runslow`` is only recognised when pytest is pointed at this folder
(``pytest tests/reliability --runslow``); ``SPC_SLOW=1 pytest`` works from anywhere.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from .helpers import ForkServer, InputGuard

HERE = Path(__file__).resolve().parent


def pytest_addoption(parser):
    try:
        parser.addoption("--runslow", action="store_true", default=False,
                         help="also run the @pytest.mark.slow reliability soak and fuzz tests")
    except ValueError:  # already registered by another conftest
        pass


def slow_enabled(config) -> bool:
    if os.environ.get("SPC_SLOW", "").strip() not in ("", "0"):
        return True
    try:
        return bool(config.getoption("--runslow"))
    except ValueError:
        return False


def pytest_configure(config):
    if slow_enabled(config):
        os.environ["SPC_SLOW"] = "1"  # test_fuzz.py sizes its example counts from it


def pytest_collection_modifyitems(config, items):
    if slow_enabled(config):
        return
    keep, drop = [], []
    for item in items:
        inside = HERE in Path(str(item.fspath)).resolve().parents
        (drop if inside and item.get_closest_marker("slow") else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture
def guard():
    """Freeze input files (sha256, mtime) with ``guard.freeze(root)``; checked after the test."""
    g = InputGuard()
    yield g
    g.check()


@pytest.fixture(scope="session")
def forkserver():
    """Real ``spc`` processes forked from one that imported spc and torch once (see _forkserver.py)."""
    fs = ForkServer()
    yield fs
    fs.close()
