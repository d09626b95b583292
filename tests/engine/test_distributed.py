"""The Ray engine on a local Ray cluster (127.0.0.1), shared by every test here: the same
outputs, sidecars and failures as the local engine (series planned on the driver included), --collect, a worker killed with SIGKILL
mid-run (and resume, decided on the driver, after it), and critique. Skipped when ray is not installed
(pip install 'spc-cli[ray]')."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import tempfile
from pathlib import Path

import numpy as np
import pytest

from .conftest import make_shoot
from .records import sidecars

pytestmark = pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="ray is not installed")

TEMP_MARK = "spc-tmp"
N_KILL = 16  # photos in the run whose worker is killed


@pytest.fixture(scope="module")
def cluster():
    """One local Ray cluster for the module, started the way spc starts one, while Ray's record
    of the last cluster names a head that was killed (nothing answers at its address)."""
    from spc_cli.engine.cluster import ray_cluster

    tmp = tempfile.mkdtemp(prefix="spcray", dir="/tmp")  # short: Ray's socket paths live under it
    Path(tmp, "ray_current_cluster").write_text("127.0.0.1:9\n")
    saved = {k: os.environ.get(k) for k in ("RAY_TMPDIR", "RAY_ADDRESS")}
    os.environ["RAY_TMPDIR"] = tmp
    os.environ.pop("RAY_ADDRESS", None)
    try:
        with ray_cluster(None) as ray:
            yield ray
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def shoot_and_local(tmp_path_factory):
    from spc_cli import api

    root = tmp_path_factory.mktemp("ray")
    shoot = make_shoot(root / "shoot", 6)
    out = root / "local"
    summary = api.enhance([shoot], out, progress=False, series="folder")
    return shoot, out, summary


@pytest.fixture(scope="module")
def ray_run(cluster, shoot_and_local):
    from spc_cli import api

    shoot, local, _ = shoot_and_local
    out = local.parent / "ray"
    return out, api.enhance([shoot], out, progress=False, engine="ray", series="folder")


def _images(out: Path) -> dict[str, Path]:
    return {str(p.relative_to(out)): p for p in sorted(out.rglob("*")) if p.is_file()
            and not p.name.endswith(".spc.json") and p.name != ".spc.lock"}


def _pixels(path: Path) -> np.ndarray:
    import cv2

    return cv2.imdecode(np.fromfile(str(path), np.uint8), cv2.IMREAD_UNCHANGED).astype(np.int32)


def _outcomes(summary, out: Path) -> dict[str, tuple[str, str]]:
    return {str(o.source): (o.status, o.reason.replace(str(out), "OUT")) for o in summary.outcomes}


def test_a_local_cluster_gives_the_local_engines_outputs_sidecars_and_failures(cluster, shoot_and_local, ray_run):
    _, local, local_summary = shoot_and_local
    out, summary = ray_run
    assert cluster.is_initialized()
    assert all(n["NodeManagerAddress"] == "127.0.0.1" for n in cluster.nodes())
    assert _outcomes(summary, out) == _outcomes(local_summary, local)
    assert summary.exit_code == local_summary.exit_code == 1  # the truncated JPEG, the same one line
    assert summary.count("done") == 13
    a, b = _images(local), _images(out)
    assert a.keys() == b.keys() and len(a) == 13
    for rel in a:
        assert np.abs(_pixels(a[rel]) - _pixels(b[rel])).max() <= 1, rel
    sa, sb = sidecars(local), sidecars(out)
    assert sa == sb
    assert sum(bool(d["applied"]) for d in sb.values()) >= 3  # real edits were compared, not only copies
    # series planned on the driver travelled with each job to its worker
    assert sum(bool((d.get("series") or {}).get("key")) for d in sb.values()) >= 6
    assert not [p for p in out.rglob("*") if TEMP_MARK in p.name]


def test_collect_writes_the_same_outputs_as_shared_storage(cluster, shoot_and_local, ray_run, monkeypatch):
    """Half the outputs are already there (copied from the shared-storage run, so current): the
    driver schedules only the others, whose workers send them back to be written."""
    from spc_cli import api
    from spc_cli.engine import distributed

    shoot, _, _ = shoot_and_local
    shared, shared_summary = ray_run
    out = shared.parent / "collected"
    present = sorted(_images(shared))[::2]
    for rel in present:
        image = out / rel
        image.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(shared / rel, image)
        side = (shared / rel).with_name(Path(rel).stem + ".spc.json")
        doc = json.loads(side.read_text())
        doc["output"]["path"] = str(image)
        (image.parent / side.name).write_text(json.dumps(doc))
    scheduled: list = []
    real = distributed.map_on_workers

    def counting(ray, jobs, settings, mode):
        scheduled.extend(jobs)
        yield from real(ray, jobs, settings, mode)

    monkeypatch.setattr(distributed, "map_on_workers", counting)
    summary = api.enhance([shoot], out, progress=False, engine="ray", collect=True, series="folder")
    assert summary.count("skipped") == len(present)
    assert {str(j.output.relative_to(out)) for j in scheduled} == set(_images(shared)) - set(present) | {"broken.jpg"}
    a, b = _images(shared), _images(out)
    assert a.keys() == b.keys()
    for rel in a:
        assert a[rel].read_bytes() == b[rel].read_bytes(), rel
    assert sidecars(shared) == sidecars(out)
    assert {o.reason.replace(str(out), "OUT") for o in summary.failed} == \
        {o.reason.replace(str(shared), "OUT") for o in shared_summary.failed}


def test_critique_on_ray_gives_the_local_critiques_in_order(cluster, shoot_and_local):
    from spc_cli import api

    shoot, _, _ = shoot_and_local
    got = {}
    for engine in ("local", "ray"):
        rows = []
        opts = {"engine": "ray", "actors": 1} if engine == "ray" else {}
        summary = api.critique([shoot], lambda p, photo, c, rows=rows: rows.append((str(p), c)), **opts)
        got[engine] = (rows, summary.exit_code)
    (local, code_l), (ray, code_r) = got["local"], got["ray"]
    assert code_l == code_r == 1
    assert [p for p, _ in local] == [p for p, _ in ray]
    for (p, a), (_, b) in zip(local, ray):
        if hasattr(a, "to_dict"):
            assert a.to_dict() == b.to_dict() and a.plan.to_list() == b.plan.to_list(), p
        else:
            assert a.reason == b.reason


def _worker_pids() -> list[int]:
    pids = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit() and int(d.name) != os.getpid():
            try:
                if b"PhotoWorker" in (d / "cmdline").read_bytes():
                    pids.append(int(d.name))
            except OSError:
                pass
    return pids


def test_a_worker_killed_mid_run_loses_no_photo_and_leaves_nothing_half_written(cluster, tmp_path, monkeypatch):
    from spc_cli import api
    from spc_cli.engine import distributed
    from spc_cli.engine.distributed import lost_reason

    shoot = make_shoot(tmp_path / "shoot", N_KILL, size=(360, 540), examples=False)
    reference = api.enhance([shoot], tmp_path / "local", progress=False)
    out = tmp_path / "ray"
    killed: list[int] = []

    def kill_one(o) -> None:
        if o.status == "done" and not killed:
            pids = _worker_pids()
            assert pids, "no Ray worker process found"
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    summary = api.enhance([shoot], out, progress=False, engine="ray", on_outcome=kill_one)
    assert killed
    done = summary.count("done")
    lost = [o for o in summary.outcomes if o.status == "failed"]
    assert done + len(lost) == N_KILL
    assert all(o.reason == lost_reason(o.source) for o in lost)
    if lost:  # a rerun finishes them and skips the rest
        again = api.enhance([shoot], out, progress=False, engine="ray")
        assert again.count("done") == len(lost) and again.count("skipped") == N_KILL - len(lost)
    assert not [p for p in out.rglob("*") if TEMP_MARK in p.name]
    a, b = _images(tmp_path / "local"), _images(out)
    assert a.keys() == b.keys() and len(b) == N_KILL and reference.count("done") == N_KILL
    for rel in a:
        assert np.abs(_pixels(a[rel]) - _pixels(b[rel])).max() <= 1, rel
    assert sidecars(tmp_path / "local") == sidecars(out)
    # every output complete and current: resume, decided on the driver, schedules nothing
    scheduled: list = []
    real = distributed.map_on_workers

    def counting(ray, jobs, settings, mode):
        scheduled.extend(jobs)
        yield from real(ray, jobs, settings, mode)

    monkeypatch.setattr(distributed, "map_on_workers", counting)
    final = api.enhance([shoot], out, progress=False, engine="ray")
    assert final.count("skipped") == N_KILL and not scheduled
