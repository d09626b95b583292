"""The Ray engine (``--engine ray``): the same batch spread over the workers of a Ray cluster.

Ray Data's streaming map over an actor pool, the pattern Ray documents for batch inference:

- the driver (this process) plans the jobs, checks resume (an output already current is never
  scheduled), holds the output folder's lock and shows the one progress bar;
- each job travels to the workers as a small pickled ``Job`` (paths, not pixels: the workers
  read the files themselves, EXIF and ICC included), so whatever a planning step over the whole
  job list attaches to a job on the driver arrives with it;
- each worker (``PhotoWorker``, a Ray Data actor) builds one critic and one artist once and runs
  its jobs through ``Engine.complete``: decode, critique, plan, render, score and write
  atomically, the local engine's own per-photo code, so outputs, sidecars and one-line failure
  reasons are the same;
- with ``--collect`` a worker writes into its own temporary folder and hands the encoded bytes
  and the sidecar back; the driver writes them (workers that cannot see the output folder);
- a worker that dies (SIGKILL, out of memory, a crash in a decoder) is restarted by Ray and its
  jobs retried up to ``TASK_RETRIES`` times; a job still without a result then fails with a
  one-line reason, and a rerun picks it up.
"""

from __future__ import annotations

import json
import os
import pickle
import tempfile
import time
import warnings
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import SpcError, UsageError
from .jobs import Job, is_current, sha256_file
from .record import Outcome, Summary
from .settings import Settings

TASK_RETRIES = 3  # a job whose worker died this many times more fails (a photo that crashes its decoder)
CPU_ACTOR_CPUS = 0.5  # below a whole CPU, so Ray Data's own tasks are never starved of a core
GPU_ACTOR_CPUS = 1.0
BLOCK_BATCHES = 16  # at most this many batches in one block of jobs
CHECK_CHUNK = 4096  # jobs whose resume check is in flight at once on the driver


class RayEngine:
    """Runs one batch on a Ray cluster (``Engine``'s contract: ``run(jobs, on_outcome) -> Summary``)."""

    def __init__(self, settings: Settings):
        from .cluster import import_ray
        from .runner import check_settings

        check_settings(settings)
        if settings.actors < 0 or settings.actor_cpus < 0:
            raise UsageError("--actors and --actor-cpus must be 0 (auto) or more")
        if not settings.dry_run:
            import_ray()  # a missing extra is a usage error before any work
        self.settings = settings
        self.on_rendered = None  # the report's hook: the rendered pixels stay on the workers
        self._critic = None

    @property
    def critic(self):
        """A critic on the driver, built when first asked for: series planning (``engine.series``)
        critiques the photos' previews here, before the photos are spread."""
        if self._critic is None:
            from ..registry import make_critic
            from .settings import critic_options

            self._critic = make_critic(self.settings.critic, **critic_options(self.settings))
        return self._critic

    def run(self, jobs: list[Job], on_outcome: Callable[[Outcome], None] | None = None) -> Summary:
        t0 = time.perf_counter()
        summary = Summary()
        finish = summary.recorder(on_outcome)
        if self.settings.dry_run:
            summary.add_planned(jobs, finish, self.settings.force)
        else:
            # Series planning (``engine.series.plan_series``, called by api._run_jobs before this
            # run) has set each job's ``series`` on the driver; the pickled Job carries it to its
            # worker, whose Engine.complete plans and records the photo with it.
            todo = self.pending(jobs, finish)
            if todo:
                self._spread(todo, finish)
            order = {j.source: i for i, j in enumerate(jobs)}  # the summary in the photos' order, as local
            summary.outcomes.sort(key=lambda o: order.get(o.source, len(order)))
        summary.seconds = time.perf_counter() - t0
        return summary

    def pending(self, jobs: list[Job], finish: Callable[[Outcome], None]) -> list[Job]:
        """The jobs whose output is not current; the others are reported skipped. Checked here,
        before anything is scheduled (in threads: a rerun hashes the inputs of existing outputs)."""
        s = self.settings

        def current(job: Job) -> bool:
            try:
                return is_current(job, s, lambda: sha256_file(job.source))
            except OSError:
                return False  # unreadable now: the worker's decode says why, in the usual words

        flags: list[bool] = []
        with ThreadPoolExecutor(max(1, s.workers)) as pool:
            for k in range(0, len(jobs), CHECK_CHUNK):  # a bounded number of futures at a time
                flags.extend(pool.map(current, jobs[k:k + CHECK_CHUNK]))
        todo = []
        for j, done in zip(jobs, flags):
            if done:
                finish(Outcome(j.source, "skipped", j.output, "up to date"))
            else:
                todo.append(j)
        return todo

    def _spread(self, todo: list[Job], finish: Callable[[Outcome], None]) -> None:
        from .cluster import ray_cluster

        s = self.settings
        writer = ThreadPoolExecutor(max(1, s.workers), thread_name_prefix="spc-collect") if s.collect else None
        try:
            with ray_cluster(s.ray_address, s.verbose) as ray:
                results = map_on_workers(ray, todo, s, "enhance")
                pending_writes: list = []
                seen: set[int] = set()
                for index, res in results:
                    if index in seen:  # a retried task that had delivered already
                        continue
                    seen.add(index)
                    if writer is not None and (res.get("image") is not None or res.get("sidecar_text")):
                        pending_writes.append(writer.submit(_deliver, todo[index], res))
                        pending_writes = _drain(pending_writes, finish, wait=False)
                    else:
                        finish(res["outcome"])
                _drain(pending_writes, finish, wait=True)
                for i, j in enumerate(todo):
                    if i not in seen:
                        finish(Outcome(j.source, "failed", j.output, lost_reason(j.source)))
        finally:
            if writer is not None:
                writer.shutdown()
            if s.out_dir is not None and not s.collect:
                from ..io.atomic import remove_stale_temps

                remove_stale_temps(s.out_dir)  # a killed worker's half-written temp files


def critique_on_ray(inputs: list[Path], settings: Settings, on_result: Callable[[Path, Any, Any], None],
                    on_plan: Callable[[list[Path]], None] | None = None) -> Summary:
    """``spc critique --engine ray``: each photo decoded and critiqued on a worker; ``on_result``
    gets (path, None, critique) or (path, None, failed Outcome) in the photos' order, as the
    local critique gives them (the photo's pixels stay on the worker). ``on_plan(paths)``: the
    photos found, before any is read."""
    from ..io.discover import find_photos
    from .cluster import ray_cluster
    from .runner import check_settings

    check_settings(settings)
    t0 = time.perf_counter()
    summary = Summary()
    found, not_read = find_photos(inputs, None)
    sources = [src for src, _ in found]
    if on_plan is not None:
        on_plan(sources)

    def give(src: Path, res: dict[str, Any]) -> None:
        if "critique" in res:
            summary.outcomes.append(Outcome(src, "done", None, score_before=res["critique"].score))
            on_result(src, None, res["critique"])
        else:
            summary.outcomes.append(res["outcome"])
            on_result(src, None, res["outcome"])

    if sources:
        with ray_cluster(settings.ray_address, settings.verbose) as ray:
            waiting: dict[int, dict[str, Any]] = {}
            nxt = 0
            for index, res in map_on_workers(ray, [Job(src, src) for src in sources], settings, "critique"):
                waiting[index] = res
                while nxt in waiting:  # in the photos' order, as they arrive
                    give(sources[nxt], waiting.pop(nxt))
                    nxt += 1
            for i in range(nxt, len(sources)):
                res = waiting.pop(i, None)
                lost = Outcome(sources[i], "failed", None, lost_reason(sources[i]))
                give(sources[i], res if res is not None else {"outcome": lost})
    summary.add_not_read(not_read)
    summary.seconds = time.perf_counter() - t0
    return summary


def lost_reason(source: Path) -> str:
    return (f"{source}: its Ray worker stopped {TASK_RETRIES + 1} times while processing it (killed, out "
            "of memory, or a crash); rerun to try again")


def _drain(futures: list, finish: Callable[[Outcome], None], wait: bool) -> list:
    """Report the collected photos the driver has finished writing; returns those still being written."""
    left = []
    for f in futures:
        if wait or f.done():
            finish(f.result())
        else:
            left.append(f)
    return left


def _deliver(job: Job, res: dict[str, Any]) -> Outcome:
    """Write a collected photo (the encoded bytes) and then its sidecar, each atomically."""
    from ..io.atomic import atomic_write_bytes, atomic_write_text, describe_error
    from ..errors import OutputError

    o: Outcome = res["outcome"]
    try:
        try:
            job.output.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise OutputError(job.output, f"cannot create its folder ({describe_error(e)})") from e
        if res["image"] is None:  # a photo that failed after it was read: only its sidecar
            _write_failure_sidecar(job, res["sidecar_text"])
            return o
        atomic_write_bytes(job.output, res["image"])
        atomic_write_text(job.sidecar, res["sidecar_text"])
    except SpcError as e:
        if res["image"] is None:
            o.reason += f"; its sidecar could not be written either ({e})"
        else:
            o.status, o.reason, o.did = "failed", str(e), ""
    return o


def _write_failure_sidecar(job: Job, text: str) -> None:
    """The sidecar of a collected photo that failed, with the note the local engine adds where
    an earlier run's output is left in place (which only the driver can see)."""
    from .. import sidecar
    from ..io.atomic import atomic_write_text
    from .record import kept_output_note

    doc = json.loads(text)
    doc["notes"] = doc.get("notes", []) + kept_output_note(job.output)
    atomic_write_text(job.sidecar, sidecar.dumps(doc))


# ---------------------------------------------------------------- the workers


def map_on_workers(ray, jobs: list[Job], settings: Settings, mode: str):
    """Yields ``(index, result)`` for each job as workers finish it (completion order). ``mode``:
    "enhance" (``result["outcome"]``, with ``--collect`` also "image" and "sidecar_text") or
    "critique" (``result["critique"]`` or a failed ``result["outcome"]``)."""
    from ray.data import DataContext

    pool = worker_sizing(settings, ray.cluster_resources(), _largest_node_cpus(ray))
    needed = -(-len(jobs) // pool.batch)  # no more workers than batches (a rerun that redoes two photos)
    pool = replace(pool, actors=min(pool.actors, needed), fit=min(pool.fit, needed))
    relative = any(not j.source.is_absolute() or not (settings.collect or j.output.is_absolute()) for j in jobs)
    worker = {"settings": replace(settings, device="cuda" if pool.gpus else "cpu", actor_cpus=pool.cpus),
              "mode": mode, "version": __version__, "cwd": os.getcwd(), "relative": relative}
    rows = [{"index": i, "job": pickle.dumps(j)} for i, j in enumerate(jobs)]
    ctx = DataContext.get_current()
    saved = (ctx.max_errored_blocks, ctx.target_max_block_size)
    ctx.max_errored_blocks = -1  # a job lost with its worker is reported by the driver; the rest go on
    ctx.target_max_block_size = 1  # each batch's results go to the driver as soon as they exist
    try:
        yield from _stream(ray, rows, pool, worker)
    finally:
        ctx.max_errored_blocks, ctx.target_max_block_size = saved


def _stream(ray, rows: list[dict[str, Any]], pool: WorkerPool, worker: dict[str, Any]):
    from ray.data import ActorPoolStrategy

    from .cluster import ClusterError, describe_failure

    # Blocks of a few batches: enough blocks to keep every worker fed to the end of the run, few
    # enough that a million photos are not a million objects.
    per_block = pool.batch * max(1, min(BLOCK_BATCHES, len(rows) // (pool.batch * pool.actors * 8)))
    ds = ray.data.from_items(rows, override_num_blocks=max(1, -(-len(rows) // per_block)))
    with warnings.catch_warnings():  # max_task_retries is passed as a plain Ray option (deprecated spelling)
        warnings.simplefilter("ignore")
        ds = ds.map_batches(
            PhotoWorker, batch_size=pool.batch, batch_format="numpy",
            compute=ActorPoolStrategy(min_size=1, max_size=pool.actors, initial_size=pool.fit),
            num_cpus=pool.cpus, num_gpus=1 if pool.gpus else None, max_task_retries=TASK_RETRIES,
            fn_constructor_kwargs=worker)
    try:
        for row in ds.iter_rows():
            yield int(row["index"]), pickle.loads(row["result"])
    except SpcError:
        raise
    except Exception as e:  # noqa: BLE001 - the workers could not run at all: one line for the user
        raise ClusterError(f"the Ray workers could not run spc: {describe_failure(e)}") from e


@dataclass(frozen=True)
class WorkerPool:
    gpus: bool  # one GPU per worker
    actors: int  # workers at most
    cpus: float  # CPUs reserved per worker
    fit: int  # workers the cluster has room for now (the others start when it grows)
    batch: int  # photos per call of a worker


def worker_sizing(settings: Settings, resources: dict[str, float], node_cpus: float) -> WorkerPool:
    """The workers for a cluster's resources.

    GPU clusters (unless ``--device cpu``): one GPU per worker and one worker per GPU, 1 CPU
    each, batches of ``--batch-size`` (8 by default) as the local engine on a GPU. CPU clusters:
    one worker per CPU, each reserving half a CPU, so Ray Data's own tasks (feeding the pool,
    gathering results) always find room, one photo per call.
    """
    total_gpus = int(resources.get("GPU", 0))
    total_cpus = float(resources.get("CPU", 0))
    gpus = settings.device != "cpu" and total_gpus > 0
    if settings.device.startswith("cuda") and not gpus:
        raise UsageError(f"--device {settings.device}: the Ray cluster has no GPU")
    cpus = settings.actor_cpus or (GPU_ACTOR_CPUS if gpus else CPU_ACTOR_CPUS)
    if cpus > node_cpus:
        raise UsageError(f"--actor-cpus {cpus:g}: no node of the Ray cluster has that many CPUs "
                         f"(the largest has {node_cpus:g})")
    actors = settings.actors or (total_gpus if gpus else max(1, int(total_cpus)))
    fit = int(total_cpus // cpus)
    if gpus:
        fit = min(fit, total_gpus)
    return WorkerPool(gpus, actors, cpus, max(1, min(actors, fit)), (settings.batch_size or 8) if gpus else 1)


def _largest_node_cpus(ray) -> float:
    nodes = [n for n in ray.nodes() if n.get("Alive")]
    return max((float(n.get("Resources", {}).get("CPU", 0)) for n in nodes), default=0.0)


class PhotoWorker:
    """A Ray Data actor: one critic and one artist, built once; its jobs from paths to outputs."""

    def __init__(self, settings: Settings, mode: str, version: str, cwd: str, relative: bool):
        if version != __version__:
            raise UsageError(f"this Ray worker has spc {__version__} and the driver spc {version}: "
                             "install the same spc-cli on every node")
        if os.path.isdir(cwd):
            os.chdir(cwd)  # relative paths name the same files as on the driver (shared storage)
        elif relative:
            raise UsageError(f"a Ray worker cannot see the folder spc was started in ({cwd}): give the "
                             "inputs and --out as absolute paths on storage every node sees")
        self.settings = settings
        self.mode = mode
        self.collect_dir = tempfile.TemporaryDirectory(prefix="spc-collect-") if settings.collect else None
        if mode == "critique":
            from ..registry import make_critic
            from .settings import critic_options

            self.critic = make_critic(settings.critic, **critic_options(settings))
        else:
            from .runner import Engine

            self.engine = Engine(settings)
        _share_cpus(settings.actor_cpus)

    def __call__(self, batch: dict[str, Any]) -> dict[str, list]:
        jobs = [pickle.loads(b) for b in batch["job"]]
        if self.mode == "critique":
            results = [self._critique(j) for j in jobs]
        elif self.collect_dir is not None:
            results = self._collect(jobs)
        else:
            results = [{"outcome": o} for o in self.engine.complete(jobs, check=False)]
        return {"index": list(batch["index"]), "result": [pickle.dumps(r) for r in results]}

    def _critique(self, job: Job) -> dict[str, Any]:
        from ..io.decode import read_photo
        from ..io.reading import check_judgeable

        try:
            photo = read_photo(job.source, self.settings.max_megapixels)
            check_judgeable(job.source, photo)
            return {"critique": self.critic.critique([photo])[0]}
        except SpcError as e:
            return {"outcome": Outcome(job.source, "failed", None, str(e) if str(job.source) in str(e)
                                       else f"{job.source}: {e}")}
        except Exception as e:  # noqa: BLE001 - the local critique's words
            return {"outcome": Outcome(job.source, "failed", None, f"{job.source}: {type(e).__name__}: {e}")}

    def _collect(self, jobs: list[Job]) -> list[dict[str, Any]]:
        """Write each output into this worker's own folder, then hand its bytes and sidecar back."""
        from .. import sidecar

        assert self.collect_dir is not None
        here = Path(self.collect_dir.name)
        local = [replace(j, output=here / f"{k}{j.output.suffix}", side=here / f"{k}{sidecar.SUFFIX}")
                 for k, j in enumerate(jobs)]
        results = []
        for job, tmp, o in zip(jobs, local, self.engine.complete(local, check=False)):
            res: dict[str, Any] = {"image": None, "sidecar_text": None}

            def here_to_there(text: str) -> str:
                return text.replace(str(tmp.output), str(job.output)).replace(str(tmp.sidecar), str(job.sidecar))

            if o.status == "done" and o.sidecar is not None:
                o.sidecar["output"]["path"] = str(job.output)
                res["image"] = tmp.output.read_bytes()
                res["sidecar_text"] = sidecar.dumps(o.sidecar)
            elif tmp.sidecar.exists():  # read, then failed: the sidecar saying why (no image)
                doc = json.loads(tmp.sidecar.read_text(encoding="utf-8"))
                doc["error"] = here_to_there(doc.get("error") or "")
                doc["notes"] = [here_to_there(n) for n in doc.get("notes", [])]
                res["sidecar_text"] = sidecar.dumps(doc)
            o.output = job.output
            o.reason = here_to_there(o.reason)
            for p in (tmp.output, tmp.sidecar):
                p.unlink(missing_ok=True)
            res["outcome"] = o
            results.append(res)
        return results


def _share_cpus(cpus: float) -> None:
    """Torch's and OpenCV's threads sized to the CPUs this worker reserved (at least one): the
    other workers on the node run beside it."""
    import torch

    n = max(1, int(cpus))
    if not os.environ.get("OMP_NUM_THREADS"):
        torch.set_num_threads(n)
    try:
        import cv2

        cv2.setNumThreads(n)
    except ImportError:  # pragma: no cover
        pass
