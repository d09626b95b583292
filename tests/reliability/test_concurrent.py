"""Issue 6, "Faults": two runs at once on the same --out: one proceeds, the other refuses.

The in-process lock check is tests/core/test_cli.py::test_a_second_run_on_the_same_out_refuses;
here separate processes race for the lock.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest

from .helpers import SPC, make_batch, outputs, sidecar_of, subprocess_env, temp_files

ARGS = ["--workers", "2", "--batch-size", "2", "--no-refine"]


def _check_pair(results: list[tuple[int, str]], out, n: int) -> None:
    codes = sorted(rc for rc, _ in results)
    assert codes == [0, 2], results
    loser = next(text for rc, text in results if rc == 2)
    assert "another spc run is writing here" in loser and "pid" in loser, loser
    assert len(outputs(out)) == n
    for p in outputs(out).values():
        sidecar_of(p)
    assert not temp_files(out)


def test_two_processes_started_together_one_proceeds_one_refuses(tmp_path, guard, forkserver):
    shoot = tmp_path / "shoot"
    make_batch(shoot, 30, size=(64, 80))  # enough work that the winner still holds the lock
    guard.freeze(shoot)
    out = tmp_path / "out"
    for round_ in range(3):  # fresh folder, then a folder with current outputs (--force), then again
        logs = [tmp_path / f"a{round_}.log", tmp_path / f"b{round_}.log"]
        extra = ["--force"] if round_ else []
        pids = [forkserver.start([shoot, "--out", out, *ARGS, *extra], log) for log in logs]
        results = [(forkserver.wait(pid), log.read_text()) for pid, log in zip(pids, logs)]
        _check_pair(results, out, 30)


def test_a_killed_lock_holder_does_not_block_the_next_run(tmp_path, guard, forkserver):
    shoot = tmp_path / "shoot"
    make_batch(shoot, 40, size=(32, 40))
    guard.freeze(shoot)
    out = tmp_path / "out"
    pid = forkserver.start([shoot, "--out", out, *ARGS], tmp_path / "a.log")
    t0 = time.perf_counter()
    while not ((out / ".spc.lock").is_file() and (out / ".spc.lock").read_text().strip() == str(pid)):
        assert forkserver.poll(pid) is None and time.perf_counter() - t0 < 60
        time.sleep(0.001)
    os.kill(pid, signal.SIGSTOP)  # frozen while it holds the lock, however fast the batch would be
    try:
        assert forkserver.poll(pid) is None, "finished before it could be stopped"
        # while it holds the lock, a second process refuses
        other = forkserver.start([shoot, "--out", out, *ARGS], tmp_path / "b.log")
        assert forkserver.wait(other) == 2 and "another spc run" in (tmp_path / "b.log").read_text()
    finally:
        os.kill(pid, signal.SIGKILL)
    assert forkserver.wait(pid) == -signal.SIGKILL
    # the lock file stays behind with a dead pid in it; the OS released the lock itself
    assert (out / ".spc.lock").is_file()
    rerun = forkserver.start([shoot, "--out", out, *ARGS], tmp_path / "c.log")
    assert forkserver.wait(rerun) == 0, (tmp_path / "c.log").read_text()
    assert len(outputs(out)) == 40 and not temp_files(out)


@pytest.mark.slow
def test_two_plain_spc_processes_one_refuses(tmp_path, guard):
    """The same race with two ``python -m spc_cli.cli`` processes (each pays its own start-up)."""
    shoot = tmp_path / "shoot"
    make_batch(shoot, 40, size=(64, 96))
    guard.freeze(shoot)
    out = tmp_path / "out"
    env = subprocess_env()
    procs = [subprocess.Popen([*SPC, "enhance", str(shoot), "--out", str(out), *ARGS], env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    results = []
    for p in procs:
        text, _ = p.communicate(timeout=600)
        results.append((p.returncode, text))
    _check_pair(results, out, 40)
