"""The Ray cluster a run uses (``--engine ray``): joined by address, or started on 127.0.0.1 for
the run and stopped at its end; Ray's own logs and progress bars kept quiet unless asked for.

Imported only when the Ray engine is chosen: ``spc --help`` and local runs never import ray.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from ..errors import SpcError, UsageError

LOOPBACK = "127.0.0.1"
# Ray binds a local cluster to the machine's routable address unless told the cluster is
# local-only (the switch it uses on macOS and Windows); read when ray is imported.
_LOCAL_ONLY_ENV = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"
CONNECT_TIMEOUT_S = 10.0


class ClusterError(SpcError):
    """The Ray cluster could not be reached, started, or could not run spc."""


def import_ray():
    """The ray module, or a usage error saying how to install it."""
    try:
        import ray
        import ray.data  # noqa: F401 - the engine's streaming map
    except ImportError as e:
        raise UsageError(f"--engine ray needs Ray Data: pip install 'spc-cli[ray]' ({e})") from e
    return ray


def cluster_address(address: str | None) -> str | None:
    """The cluster to join: ``--ray-address``, else ``RAY_ADDRESS``, else None (start a local one)."""
    return address or os.environ.get("RAY_ADDRESS") or None


@contextmanager
def ray_cluster(address: str | None, verbose: bool = False) -> Iterator[Any]:
    """Yields the ray module connected to a cluster.

    - ``address`` (or ``RAY_ADDRESS``): join that cluster ("host:port", "auto" for the one
      ``ray start`` left on this machine, "ray://host:10001" for Ray Client), and leave it running.
    - otherwise: start a cluster on 127.0.0.1 for this run and stop it at the end. It never
      reads the record ``ray start`` leaves in /tmp/ray, so a head that was killed (a stale
      record) does not matter.
    - ray already connected in this process (a notebook, a test session): use that cluster.
    """
    addr = cluster_address(address)
    set_local = addr is None and _LOCAL_ONLY_ENV not in os.environ
    if set_local:
        os.environ[_LOCAL_ONLY_ENV] = "0"
    ray = import_ray()
    restore = _quiet(ray, verbose)
    started = False
    try:
        if not ray.is_initialized():
            _connect(ray, addr, verbose)
            started = True
        yield ray
    finally:
        if started:
            try:
                ray.shutdown()
            except Exception:  # noqa: BLE001 - the run's results are in; a failed shutdown is not one of them
                pass
        restore()
        if set_local:
            del os.environ[_LOCAL_ONLY_ENV]
            constants = sys.modules.get("ray._private.ray_constants")
            if constants is not None:
                constants.ENABLE_RAY_CLUSTER = True


def _connect(ray, addr: str | None, verbose: bool) -> None:
    if addr is not None:
        _check_reachable(addr)
    if addr is None:
        constants = sys.modules.get("ray._private.ray_constants")
        if constants is not None:  # ray was imported before the environment variable was set
            constants.ENABLE_RAY_CLUSTER = False
    opts: dict[str, Any] = {"address": addr or "local", "log_to_driver": verbose,
                            "logging_level": logging.INFO if verbose else logging.ERROR}
    if addr is None:
        opts.update(include_dashboard=False, _node_ip_address=LOOPBACK)
    quiet_core = not verbose and "RAY_BACKEND_LOG_LEVEL" not in os.environ
    if quiet_core:  # Ray's C++ core logs to stderr on its own; read when it starts, here
        os.environ["RAY_BACKEND_LOG_LEVEL"] = "fatal"
    try:
        with _stderr_to_devnull(not verbose):
            ray.init(**opts)
    except Exception as e:  # noqa: BLE001 - any failure to join or start is one line for the user
        where = f"the Ray cluster at {addr}" if addr else "a local Ray cluster"
        detail = _one_line(e)
        hint = ""
        if _needs_token(e):
            hint = ("; the cluster uses Ray's token authentication (`ray start` turns it on from Ray 2.59): "
                    "run spc with RAY_AUTH_MODE=token and the cluster's token in ~/.ray/auth_token, "
                    "RAY_AUTH_TOKEN_PATH or RAY_AUTH_TOKEN")
        elif addr == "auto":
            hint = ("; the record `ray start` left on this machine may name a head that is no longer "
                    "running (run `ray stop`, or leave out --ray-address to start a local cluster)")
        raise ClusterError(f"cannot {'join' if addr else 'start'} {where}: {detail}{hint}") from e
    finally:
        if quiet_core:
            del os.environ["RAY_BACKEND_LOG_LEVEL"]


def _needs_token(e: BaseException) -> bool:
    """Whether joining failed because the cluster wants a token this process did not send."""
    seen = 0
    while e is not None and seen < 8:  # Ray wraps the authentication error in the connection error
        if type(e).__name__ == "AuthenticationError" or "InvalidAuthToken" in str(e):
            return os.environ.get("RAY_AUTH_MODE", "disabled") != "token"
        e, seen = e.__cause__ or e.__context__, seen + 1
    return False


def _check_reachable(addr: str) -> None:
    """A plain "host:port" that nothing answers on fails in seconds with a clear reason, instead
    of Ray's retries for a minute; so does "auto" where the record a killed head left names one."""
    if addr == "auto":
        addr = _recorded_address()
        if addr is None:
            return
    if "://" in addr or ":" not in addr:
        return
    host, _, port = addr.rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=CONNECT_TIMEOUT_S):
            pass
    except ValueError as e:
        raise UsageError(f"--ray-address {addr!r} is not host:port, auto or ray://host:port") from e
    except OSError as e:
        raise ClusterError(f"cannot join the Ray cluster at {addr}: nothing answers there "
                           f"({e.strerror or e})") from e


def _recorded_address() -> str | None:
    """The address "auto" resolves to (the record ``ray start`` leaves, or a running head), or
    None where Ray's look-up is unavailable."""
    try:
        from ray._private.services import get_ray_address_from_environment

        return get_ray_address_from_environment("auto", None)
    except ConnectionError as e:
        raise ClusterError(f"--ray-address auto: no Ray cluster answers on this machine ({_one_line(e)}); "
                           "start one with `ray start --head`, or leave out --ray-address for a cluster "
                           "of this run's own") from e
    except (ImportError, AttributeError, TypeError):  # another Ray version: let ray.init resolve it
        return None


def _quiet(ray, verbose: bool):
    """Ray Data's progress bars and log lines, and the worker errors Ray prints on the driver's
    stdout, off for the run (the driver's one bar and summary say what happened); returns a
    function restoring them."""
    from ray.data import DataContext

    ctx = DataContext.get_current()
    data_log = logging.getLogger("ray.data")
    before = (ctx.enable_progress_bars, data_log.level)
    ctx.enable_progress_bars = verbose
    if not verbose:
        data_log.setLevel(logging.CRITICAL + 1)
    worker = sys.modules.get("ray._private.worker")
    logs_before = getattr(worker, "_worker_logs_enabled", None)
    if worker is not None and logs_before is not None and not verbose:
        worker._worker_logs_enabled = False  # the flag Ray itself uses to silence workers in a debugger

    def restore() -> None:
        ctx.enable_progress_bars, level = before
        data_log.setLevel(level)
        if worker is not None and logs_before is not None:
            worker._worker_logs_enabled = logs_before

    return restore


@contextmanager
def _stderr_to_devnull(on: bool) -> Iterator[None]:
    """While ``on``: file descriptor 2 goes nowhere (Ray's C++ core writes its start-up lines
    there directly; a failure to start still reaches the user as the exception's text)."""
    if not on:
        yield
        return
    sys.stderr.flush()
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(null)


def _one_line(e: BaseException) -> str:
    """The last non-empty line of an exception's text (Ray's carry tracebacks), cut short."""
    while getattr(e, "cause", None) is not None and e.cause is not e:
        e = e.cause
    lines = [ln.strip() for ln in str(e).splitlines() if ln.strip()]
    return (lines[-1] if lines else type(e).__name__)[:300]


def describe_failure(e: BaseException) -> str:
    """One line for an error Ray raised while running the workers."""
    return _one_line(e)
