"""Issue 6, "Load": many small photos in one run: peak memory does not grow with the count, no file
handles leak, progress and summary stay correct.

Default run: 30 vs 150 photos, forked from the session's fork server. Slow run: 200 vs 2,000
photos, each a plain ``python -m spc_cli.cli`` process (``SPC_SLOW=1``).
"""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from .helpers import SPC, outputs, subprocess_env, temp_files


def _make_photos(folder: Path, n: int, broken_every: int = 0) -> int:
    """``n`` 32x32 PNG/JPEG photos in sub-folders of 100 (cheap: 24 distinct images reused);
    every ``broken_every``-th one truncated. Returns how many are broken."""
    rng = np.random.default_rng(1)
    blobs = []
    for i in range(24):
        a = cv2.GaussianBlur(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8), (7, 7), 3)
        a = (a.astype(np.float32) * (0.35 if i % 3 == 0 else 1.0)).astype(np.uint8)
        ext = ".png" if i % 2 == 0 else ".jpg"
        blobs.append((ext, cv2.imencode(ext, a)[1].tobytes()))
    broken = 0
    for i in range(n):
        ext, data = blobs[i % len(blobs)]
        if broken_every and i % broken_every == broken_every - 1:
            data, broken = data[: len(data) // 2], broken + 1
        sub = folder / f"d{i // 100:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        (sub / f"p{i:05d}{ext}").write_bytes(data)
    return broken


class Watch:
    """Polls /proc/<pid> every 20 ms: peak RSS (kB) and most open file descriptors."""

    def __init__(self, pid: int) -> None:
        self.pid, self.rss_kb, self.fds, self.samples = pid, 0, 0, 0
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)
        self._t.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.fds = max(self.fds, len(os.listdir(f"/proc/{self.pid}/fd")))
                with open(f"/proc/{self.pid}/status") as fh:
                    for line in fh:
                        if line.startswith("VmRSS:"):
                            self.rss_kb = max(self.rss_kb, int(line.split()[1]))
                self.samples += 1
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                pass
            time.sleep(0.02)

    def stop(self) -> None:
        self._stop.set()
        self._t.join()


def _summary_counts(text: str) -> tuple[int, int, int]:
    m = re.search(r"done (\d+)\s+skipped (\d+) \(up to date\)\s+failed (\d+)", text)
    assert m, text[-2000:]
    return int(m.group(1)), int(m.group(2)), int(m.group(3))


def _run_load(tmp_path: Path, n: int, start, wait_usage, guard, broken_every: int = 50) -> dict:
    shoot = tmp_path / f"shoot{n}"
    broken = _make_photos(shoot, n, broken_every)
    guard.freeze(shoot)
    out = tmp_path / f"out{n}"
    log = tmp_path / f"load{n}.log"
    t0 = time.perf_counter()
    pid = start([shoot, "--out", out, "--no-refine", "--batch-size", "4", "--workers", "2"], log)
    w = Watch(pid)
    status, maxrss = wait_usage(pid)
    w.stop()
    seconds = time.perf_counter() - t0
    text = log.read_text(errors="replace")
    assert status == 1 if broken else status == 0, text[-2000:]
    done, skipped, failed = _summary_counts(text)
    assert (done, skipped, failed) == (n - broken, 0, broken), text[-2000:]
    assert f"{n}/{n}" in text  # the progress bar reached the end
    assert len(outputs(out)) == n - broken and not temp_files(out)
    return {"n": n, "seconds": round(seconds, 1), "rss_peak_mb": round(max(maxrss, w.rss_kb) / 1024, 1),
            "max_fds": w.fds, "samples": w.samples, "failed": failed}


def _assert_flat(small: dict, big: dict) -> None:
    assert big["rss_peak_mb"] < small["rss_peak_mb"] * 1.25 + 30, (small, big)
    assert big["max_fds"] <= small["max_fds"] + 8, (small, big)
    assert big["max_fds"] < 64, big


def test_memory_and_file_handles_do_not_grow_with_the_count(tmp_path, forkserver, guard, record_property):
    small = _run_load(tmp_path, 30, forkserver.start, forkserver.wait_usage, guard)
    big = _run_load(tmp_path, 150, forkserver.start, forkserver.wait_usage, guard)
    record_property("load", {"small": small, "big": big})
    print(f"\nload: {small}\n      {big}")
    _assert_flat(small, big)


def _plain(tmp_path):
    env = subprocess_env()
    procs = {}

    def start(args, log):
        fh = open(log, "wb")
        p = subprocess.Popen([*SPC, "enhance", *[str(a) for a in args]], stdout=fh, stderr=subprocess.STDOUT, env=env)
        fh.close()
        procs[p.pid] = p
        return p.pid

    def wait_usage(pid):
        _, status, usage = os.wait4(pid, 0)
        procs.pop(pid).returncode = os.waitstatus_to_exitcode(status)
        return os.waitstatus_to_exitcode(status), usage.ru_maxrss

    return start, wait_usage


@pytest.mark.slow
def test_two_thousand_photos_in_one_run(tmp_path, guard, record_property):
    start, wait_usage = _plain(tmp_path)
    small = _run_load(tmp_path, 200, start, wait_usage, guard)
    big = _run_load(tmp_path, 2000, start, wait_usage, guard)
    record_property("load", {"small": small, "big": big})
    print(f"\nload: {small}\n      {big}")
    _assert_flat(small, big)
    # a rerun over the finished 2,000 skips them all and still reports the broken ones
    p = subprocess.run([*SPC, "enhance", str(tmp_path / "shoot2000"), "--out", str(tmp_path / "out2000"),
                        "--no-refine", "--batch-size", "4"], capture_output=True, text=True, env=subprocess_env())
    assert _summary_counts(p.stdout + p.stderr) == (0, 2000 - big["failed"], big["failed"])
