"""Issue 6, "Faults": SIGKILL at random moments, 20 times, each followed by a rerun.

After every kill, each output file present is already complete (byte-identical to an
uninterrupted run's) and each sidecar present parses; after every rerun the folder is
exactly the uninterrupted result: same files, same bytes, same pixels, valid sidecars, no
temporary files anywhere, inputs untouched.

The default run forks the 20 runs from a server that has imported spc and torch once
(tests/reliability/_forkserver.py: each run is still its own process, killed by a real
SIGKILL), plus one kill of a plain ``python -m spc_cli.cli`` process; the slow run kills 20
plain processes.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from .helpers import SPC, decode_pixels, make_batch, outputs, sidecar_path, subprocess_env, temp_files

N_PHOTOS = 10
RUN_ARGS = ["--workers", "2", "--batch-size", "2", "--no-refine", "--quiet"]
SEED = 20260601


@dataclass
class Reference:
    shoot: Path
    out: Path
    seconds: float
    images: dict[str, bytes] = field(default_factory=dict)
    pixels: dict[str, np.ndarray] = field(default_factory=dict)
    sidecars: dict[str, dict] = field(default_factory=dict)


def _normal_sidecar(doc: dict) -> dict:
    """A sidecar without what legitimately differs between runs: timings and the output folder."""
    doc = json.loads(json.dumps(doc))
    doc.pop("timings_ms", None)
    doc["output"]["path"] = Path(doc["output"]["path"]).name
    return doc


def _read_sidecar(image: Path) -> dict:
    return json.loads(sidecar_path(image).read_text(encoding="utf-8"))


def _reference(shoot: Path, out: Path, start, poll, wait, log: Path) -> tuple[Reference, float]:
    """An uninterrupted run into ``out``; also when its first output appeared (to aim the kills)."""
    t0 = time.perf_counter()
    h = start([shoot, "--out", out, *RUN_ARGS], log)
    first = None
    while poll(h) is None:
        if first is None and out.exists() and any(out.rglob("*.spc.json")):
            first = time.perf_counter() - t0
        time.sleep(0.005)
    seconds = time.perf_counter() - t0
    assert wait(h) == 0, log.read_text()
    ref = Reference(shoot, out, seconds)
    for rel, p in outputs(out).items():
        ref.images[rel] = p.read_bytes()
        ref.pixels[rel] = decode_pixels(p)
        ref.sidecars[rel] = _normal_sidecar(_read_sidecar(p))
    assert len(ref.images) == N_PHOTOS
    assert any(any(a["op"] == "exposure" for a in d["applied"]) for d in ref.sidecars.values()), "no edits"
    return ref, first or 0.0


def _check_after_kill(ref: Reference, out: Path, since_ns: int) -> int:
    """Whatever a kill left: every output present is complete, every sidecar parses. Returns how many
    outputs the killed run had finished (output and sidecar written after ``since_ns``)."""
    complete = 0
    for rel, p in outputs(out).items():
        assert rel in ref.images, f"unexpected file {rel}"
        assert p.read_bytes() == ref.images[rel], f"{rel}: a killed run left an incomplete or different output"
        side = sidecar_path(p)
        if side.is_file():
            _read_sidecar(p)
            complete += side.stat().st_mtime_ns >= since_ns
    for side in (q for q in out.rglob("*.spc.json") if "spc-tmp" not in q.name):
        json.loads(side.read_text(encoding="utf-8"))
    return complete


def _check_converged(ref: Reference, out: Path, root: Path) -> list[str]:
    """The rerun's result equals the reference. Returns the names whose bytes differ (pixels must not)."""
    got = outputs(out)
    assert set(got) == set(ref.images)
    byte_diffs = []
    for rel, p in got.items():
        assert np.array_equal(decode_pixels(p), ref.pixels[rel]), f"{rel}: pixels differ from the reference"
        if p.read_bytes() != ref.images[rel]:
            byte_diffs.append(rel)
        assert _normal_sidecar(_read_sidecar(p)) == ref.sidecars[rel], f"{rel}: sidecar differs"
    assert not temp_files(root), temp_files(root)
    return byte_diffs


@dataclass
class Tally:
    kills: int = 0
    mid_batch: int = 0
    before_first_output: int = 0
    after_last_output: int = 0
    finished_first: int = 0
    progress: list[int] = field(default_factory=list)
    temps_left_by_kills: int = 0
    byte_diffs: set[str] = field(default_factory=set)

    def add(self, status: int, complete: int) -> None:
        if status != -signal.SIGKILL:
            assert status == 0, status
            self.finished_first += 1
            return
        self.kills += 1
        self.progress.append(complete)
        if complete == 0:
            self.before_first_output += 1
        elif complete >= N_PHOTOS:
            self.after_last_output += 1
        else:
            self.mid_batch += 1


def _written_since(out: Path, since_ns: int) -> int:
    try:
        return sum(1 for q in out.rglob("*.spc.json") if "spc-tmp" not in q.name and q.stat().st_mtime_ns >= since_ns)
    except OSError:  # a file renamed under our feet
        return 0


def _kill_loop(iterations: int, ref: Reference, root: Path, out: Path, start, poll, wait, log_dir: Path,
               first_output_s: float, target: int | None = None) -> Tally:
    """``start(args) -> handle``, ``poll(handle) -> status | None``, ``wait(handle) -> status``.

    Even iterations start from an empty folder, odd ones --force over a complete one (outputs being
    replaced while killed). Each kill waits for a random number of finished photos (0 to all but one)
    and then a random fraction of one photo's time, so kills land before the first output, between
    photos and inside writes."""
    rng = random.Random(SEED)
    tally = Tally()
    fixed_target = target
    per_photo = max(ref.seconds - first_output_s, 0.05) / N_PHOTOS
    for i in range(iterations):
        force = i % 2 == 1
        if not force and out.exists():
            shutil.rmtree(out)
        target = rng.randrange(0, N_PHOTOS) if fixed_target is None else fixed_target
        extra = rng.uniform(0.0, first_output_s if target == 0 else per_photo)
        since = time.time_ns() - 10_000_000
        h = start([ref.shoot, "--out", out, *RUN_ARGS, *(["--force"] if force else [])], log_dir / f"kill{i}.log")
        alive = True
        while target and alive and _written_since(out, since) < target:
            alive = poll(h) is None
            time.sleep(0.003)
        time.sleep(extra)
        if alive and poll(h) is None:
            os.kill(h if isinstance(h, int) else h.pid, signal.SIGKILL)
        status = wait(h)
        complete = _check_after_kill(ref, out, since) if out.exists() else 0
        tally.temps_left_by_kills += len(temp_files(out)) if out.exists() else 0
        tally.add(status, complete)
        # the rerun: must finish and converge, whatever the kill left
        h = start([ref.shoot, "--out", out, *RUN_ARGS], log_dir / f"rerun{i}.log")
        rc = wait(h)
        assert rc == 0, (log_dir / f"rerun{i}.log").read_text()
        tally.byte_diffs |= set(_check_converged(ref, out, root))
    return tally


def test_sigkill_twenty_times_then_rerun_converges(tmp_path, guard, forkserver, record_property):
    shoot = tmp_path / "shoot"
    make_batch(shoot, N_PHOTOS, size=(64, 80))
    guard.freeze(shoot)
    logs = tmp_path / "logs"
    logs.mkdir()

    fs = forkserver
    ref, first = _reference(shoot, tmp_path / "out_ref", fs.start, fs.poll, fs.wait, logs / "ref.log")
    t0 = time.perf_counter()
    tally = _kill_loop(20, ref, tmp_path, tmp_path / "out_kill", fs.start, fs.poll, fs.wait, logs, first)
    elapsed = time.perf_counter() - t0
    record_property("kill_figures", {"kills": tally.kills, "mid_batch": tally.mid_batch,
                                     "before_first_output": tally.before_first_output,
                                     "after_last_output": tally.after_last_output,
                                     "finished_before_kill": tally.finished_first, "progress": tally.progress,
                                     "run_s": round(ref.seconds, 2), "first_output_s": round(first, 2),
                                     "loop_s": round(elapsed, 1)})
    print(f"\nkill test: {tally}, full run {ref.seconds:.2f} s, first output at {first:.2f} s, loop {elapsed:.1f} s")
    assert tally.kills >= 15 and tally.mid_batch >= 8, tally
    assert not tally.byte_diffs, f"outputs whose bytes differ from an uninterrupted run: {tally.byte_diffs}"


def _plain_process_kills(tmp_path, guard, iterations: int, size=(64, 80), target: int | None = None) -> Tally:
    shoot = tmp_path / "shoot"
    make_batch(shoot, N_PHOTOS, size=size)
    guard.freeze(shoot)
    logs = tmp_path / "logs"
    logs.mkdir()
    env = subprocess_env()

    def start(args, log):
        fh = open(log, "wb")
        p = subprocess.Popen([*SPC, "enhance", *[str(a) for a in args]], stdout=fh, stderr=subprocess.STDOUT, env=env)
        fh.close()
        return p

    def wait(p):
        return p.wait(timeout=300)

    ref, first = _reference(shoot, tmp_path / "out_ref", start, lambda p: p.poll(), wait, logs / "ref.log")
    tally = _kill_loop(iterations, ref, tmp_path, tmp_path / "out_kill", start, lambda p: p.poll(), wait, logs, first,
                       target)
    print(f"\nplain-process kill test: {tally}, full run {ref.seconds:.2f} s, first output at {first:.2f} s")
    assert not tally.byte_diffs, tally.byte_diffs
    return tally


def test_sigkill_of_a_plain_spc_process_then_rerun_converges(tmp_path, guard):
    tally = _plain_process_kills(tmp_path, guard, 1, target=N_PHOTOS // 2)
    assert tally.kills == 1 and tally.mid_batch == 1, tally


@pytest.mark.slow
def test_sigkill_twenty_plain_spc_processes(tmp_path, guard):
    tally = _plain_process_kills(tmp_path, guard, 20)
    assert tally.kills >= 15 and tally.mid_batch >= 8, tally
