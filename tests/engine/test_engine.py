"""The engines without a cluster: Engine.complete (the per-photo path both engines share) against
the threaded run, the --engine flags, and the Ray engine's sizing and late import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spc_cli.cli import app
from spc_cli.engine import Engine, Settings, plan_run
from spc_cli.engine.distributed import RayEngine, WorkerPool, worker_sizing
from spc_cli.errors import UsageError

from .records import sidecars


def test_complete_gives_the_threaded_runs_outcomes_outputs_and_sidecars(shoot, tmp_path):
    runs = {}
    for how in ("run", "complete"):
        out = tmp_path / how
        settings = Settings(out_dir=out)
        jobs, _ = plan_run([shoot], settings)
        engine = Engine(settings)
        outcomes = engine.run(jobs).outcomes if how == "run" else engine.complete(jobs)
        runs[how] = (out, {str(o.source): (o.status, o.reason.replace(str(out), "OUT"), o.did) for o in outcomes})
    (out_a, a), (out_b, b) = runs["run"], runs["complete"]
    assert a == b
    assert [s for s, _, _ in a.values()].count("failed") == 1  # the truncated JPEG, same words
    assert sidecars(out_a) == sidecars(out_b)
    for p in out_a.rglob("*"):
        if p.is_file() and not p.name.endswith(".json") and p.name != ".spc.lock":
            assert p.read_bytes() == (out_b / p.relative_to(out_a)).read_bytes(), p
    # and complete() checks resume like run() does
    jobs, _ = plan_run([shoot], Settings(out_dir=out_b))
    again = Engine(Settings(out_dir=out_b)).complete(jobs)
    assert {o.status for o in again if "broken" not in str(o.source)} == {"skipped"}


def test_ray_only_flags_are_refused_with_the_local_engine(tmp_path):
    runner = CliRunner()
    r = runner.invoke(app, ["enhance", str(tmp_path), "--out", str(tmp_path / "o"), "--collect"])
    assert r.exit_code == 2 and "--engine ray" in r.output
    r = runner.invoke(app, ["enhance", str(tmp_path), "--out", str(tmp_path / "o"), "--engine", "spark"])
    assert r.exit_code == 2 and "--engine spark" in r.output
    r = runner.invoke(app, ["critique", str(tmp_path), "--actors", "3"])
    assert r.exit_code == 2


def test_help_and_a_local_run_never_import_ray(tmp_path):
    code = ("import sys\nfrom typer.testing import CliRunner\nfrom spc_cli.cli import app\n"
            "r = CliRunner().invoke(app, ['enhance', '--help'])\nassert r.exit_code == 0, r.output\n"
            "assert '--engine' in r.output and '--collect' in r.output\n"
            "from spc_cli import api\n"
            f"api.enhance([{str(Path(__file__).parents[2] / 'examples' / 'chelsea.jpg')!r}], "
            f"{str(tmp_path / 'o')!r}, progress=False)\n"
            "print(sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.')))")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"


def test_help_shows_the_defaults_written_in_brackets():
    """Square brackets in help text are rich markup unless escaped: the words must survive."""
    runner = CliRunner(env={"COLUMNS": "250"})
    enhance = runner.invoke(app, ["enhance", "--help"]).output
    for words in ("pip install 'spc-cli[ray]'", "[default: a local cluster on 127.0.0.1 for this run]",
                  "[default: same as input; RAW -> 16-bit TIFF]", "[default: about 1]"):
        assert words in enhance, words
    assert "[default: <stem>.spc<ext> beside the input]" in runner.invoke(app, ["retouch", "--help"]).output
    assert "--ray-address" in runner.invoke(app, ["critique", "--help"]).output


def test_without_ray_installed_the_engine_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(UsageError, match=r"spc-cli\[ray\]"):
        RayEngine(Settings(engine="ray"))


def test_worker_sizing_cpu_and_gpu_clusters():
    cpu = Settings(engine="ray")
    # a laptop: one worker per core, half a CPU each, all fit now, one photo per call
    assert worker_sizing(cpu, {"CPU": 2.0}, 2.0) == WorkerPool(False, 2, 0.5, 2, 1)
    # GPU nodes: one worker per GPU with one CPU each, the GPU batch; --device cpu keeps them off the GPUs
    assert worker_sizing(cpu, {"CPU": 64.0, "GPU": 4.0}, 32.0) == WorkerPool(True, 4, 1.0, 4, 8)
    assert worker_sizing(Settings(engine="ray", batch_size=16), {"CPU": 64.0, "GPU": 4.0}, 32.0).batch == 16
    assert worker_sizing(Settings(engine="ray", device="cpu"), {"CPU": 64.0, "GPU": 4.0}, 32.0) == \
        WorkerPool(False, 64, 0.5, 64, 1)
    # flags win; what does not fit yet starts when the cluster grows (an autoscaler)
    assert worker_sizing(Settings(engine="ray", actors=8, actor_cpus=1.0), {"CPU": 4.0}, 4.0) == \
        WorkerPool(False, 8, 1.0, 4, 1)
    with pytest.raises(UsageError, match="no GPU"):
        worker_sizing(Settings(engine="ray", device="cuda"), {"CPU": 8.0}, 8.0)
    with pytest.raises(UsageError, match="largest has 4"):
        worker_sizing(Settings(engine="ray", actor_cpus=6.0), {"CPU": 8.0}, 4.0)


class _FailsOnUnderExposed:
    """The pipeline artist, except that it fails on the first (under-exposed) generated photo."""

    name, version = "fails-on-img_000", "1"

    def __init__(self, real):
        self.real = real

    def render(self, photos, plans):
        if any("img_000" in str(p.meta.source) for p in photos):
            raise RuntimeError("out of memory on the device")
        return self.real.render(photos, plans)


def test_collected_photos_that_fail_after_reading_bring_their_sidecar_to_the_driver(shoot, tmp_path, monkeypatch):
    """A Ray worker with --collect (run here in this process) hands back each output and, for a
    photo read and then failed, the sidecar saying why: the driver writes what the local engine writes."""
    import os
    import pickle

    import numpy as np

    from spc_cli import __version__, registry
    from spc_cli.engine.distributed import PhotoWorker, _deliver

    real = registry.make_artist("pipeline", device="cpu")
    monkeypatch.setattr(registry, "make_artist", lambda *a, **k: _FailsOnUnderExposed(real))
    local = Settings(out_dir=tmp_path / "local")
    jobs, _ = plan_run([shoot], local)
    want = {str(o.source): (o.status, o.reason.replace(str(local.out_dir), "OUT"))
            for o in Engine(local).run(jobs).outcomes}
    assert sum("rendering failed" in reason for _, reason in want.values()) == 1

    def collect(out: Path) -> dict:
        settings = Settings(out_dir=out, engine="ray", collect=True, actor_cpus=0.5)
        jobs, _ = plan_run([shoot], settings)
        worker = PhotoWorker(settings, "enhance", __version__, os.getcwd(), False)
        got = worker({"index": np.arange(len(jobs)), "job": np.array([pickle.dumps(j) for j in jobs], object)})
        outcomes = {}
        for job, blob in zip(jobs, got["result"]):
            res = pickle.loads(blob)
            o = _deliver(job, res) if res["image"] is not None or res["sidecar_text"] else res["outcome"]
            outcomes[str(o.source)] = (o.status, o.reason.replace(str(out), "OUT"))
        return outcomes

    out = tmp_path / "collected"
    assert collect(out) == want
    assert sidecars(out) == sidecars(local.out_dir)
    failed = json.loads((out / "gen" / "img_000.spc.json").read_text())
    assert "rendering failed" in failed["error"] and failed["output"] is None
    assert not (out / "gen" / "img_000.jpg").exists() and not list(out.rglob("*spc-tmp*"))
    for p in local.out_dir.rglob("*"):
        if p.is_file() and not p.name.endswith(".json") and p.name != ".spc.lock":
            assert p.read_bytes() == (out / p.relative_to(local.out_dir)).read_bytes(), p
    # an earlier run's output the driver can see stays as it was, and the sidecar says so
    (out / "gen" / "img_000.jpg").write_bytes(b"an earlier output")
    collect(out)
    assert (out / "gen" / "img_000.jpg").read_bytes() == b"an earlier output"
    notes = json.loads((out / "gen" / "img_000.spc.json").read_text())["notes"]
    assert any("an earlier run's output" in n for n in notes)


def test_a_cluster_that_wants_a_token_is_named_with_what_to_set(monkeypatch):
    from spc_cli.engine import cluster

    class AuthenticationError(Exception):
        pass

    class Ray:
        @staticmethod
        def init(**opts):
            try:
                raise AuthenticationError("RPC error: InvalidAuthToken: Authentication token is missing or incorrect")
            except AuthenticationError as e:
                raise ConnectionError("Failed to connect to Ray cluster at 10.0.0.5:6379") from e

    monkeypatch.delenv("RAY_AUTH_MODE", raising=False)
    with pytest.raises(cluster.ClusterError) as err:
        cluster._connect(Ray, "ray://10.0.0.5:10001", verbose=False)
    message = str(err.value)
    assert "cannot join the Ray cluster at ray://10.0.0.5:10001" in message and "\n" not in message
    assert "RAY_AUTH_MODE=token" in message and "~/.ray/auth_token" in message
    monkeypatch.setenv("RAY_AUTH_MODE", "token")  # set already: the token itself is wrong, no advice to set it
    with pytest.raises(cluster.ClusterError) as err:
        cluster._connect(Ray, "ray://10.0.0.5:10001", verbose=False)
    assert "RAY_AUTH_MODE=token" not in str(err.value)


def test_an_early_read_not_yet_started_is_read_by_the_engine_instead(tmp_path):
    from concurrent.futures import Future

    import numpy as np
    from PIL import Image

    from spc_cli.engine.jobs import Job, read_job

    src = tmp_path / "a.png"
    Image.fromarray(np.full((8, 8, 3), 100, np.uint8)).save(src)
    queued: Future = Future()  # the early thread has not reached it
    photo, _ = read_job(Job(src, tmp_path / "o" / "a.png"), Settings(out_dir=tmp_path / "o"), True, queued)
    assert queued.cancelled() and photo.width == 8



def test_the_early_thread_is_one_of_the_workers_not_one_more(tmp_path, monkeypatch):
    """While the early thread decodes, an engine thread's decode waits for a free slot
    (``--workers 1``: one decode at a time), and the engine reads with the early reads' slots."""
    import threading

    import numpy as np
    from PIL import Image

    import spc_cli.engine.jobs as jobs_mod
    from spc_cli.engine.jobs import EarlyReads, Job, read_job
    from spc_cli.engine.runner import Engine

    paths = []
    for k in range(3):
        paths.append(tmp_path / f"p{k}.png")
        Image.fromarray(np.full((8, 8, 3), 50 + 40 * k, np.uint8)).save(paths[-1])
    settings = Settings(out_dir=tmp_path / "o", workers=1)
    jobs = [Job(p, tmp_path / "o" / p.name) for p in paths]
    real, release, started = jobs_mod.decode_job, threading.Event(), threading.Event()
    decoding, most = [], [0]

    def decode(job, s):
        decoding.append(job.source.name)
        most[0] = max(most[0], len(decoding))
        if threading.current_thread().name.startswith("spc-early"):
            started.set()
            release.wait(5)  # the early thread holds its decode until told
        try:
            return real(job, s)
        finally:
            decoding.remove(job.source.name)

    monkeypatch.setattr(jobs_mod, "decode_job", decode)
    early = EarlyReads(jobs[:1], settings, 1)
    assert started.wait(5)
    engine_read = threading.Thread(target=read_job, args=(jobs[2], settings, False, None, early.slots))
    engine_read.start()
    engine_read.join(0.3)
    assert engine_read.is_alive() and decoding == ["p0.png"]  # waits for the early thread's slot
    release.set()
    engine_read.join(5)
    assert not engine_read.is_alive() and most[0] == 1
    early.close()

    seen = []
    monkeypatch.setattr("spc_cli.engine.runner.read_job", lambda job, s, check, fut, slots: seen.append(slots))
    runner = Engine.__new__(Engine)
    runner.settings, runner.proxy_edge = settings, None
    runner._load(jobs[1], True, None, early.slots)
    assert seen == [early.slots]


def test_decoding_a_job_leaves_an_8_bit_photo_as_its_codes(tmp_path):
    """The engine reads a photo's size to refuse one too small to judge, not its pixels: an 8-bit
    file stays undecoded codes until a stage needs floats (a 24 MP photo's float pixels are
    288 MB, held from the read on otherwise)."""
    import numpy as np
    from PIL import Image

    from spc_cli.engine.jobs import Job, decode_job

    path = tmp_path / "p.jpg"
    Image.fromarray(np.full((48, 64, 3), 120, np.uint8)).save(path)
    photo, _ = decode_job(Job(path, tmp_path / "o" / "p.jpg"), Settings(out_dir=tmp_path / "o"))
    assert photo.codes is not None and photo._pixels is None
    assert (photo.width, photo.height) == (64, 48)
