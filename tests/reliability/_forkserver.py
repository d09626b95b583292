"""A tiny fork server for the kill test: import spc_cli (and torch) once, fork one child per CLI run.

Each child is a real, separate process running ``spc_cli.cli.main()`` with its own argv, its own
output lock and its own threads, so SIGKILL hits it exactly as it would hit ``spc`` started
from a shell; only the 1-3 s of interpreter and torch start-up are paid once instead of per run.
The parent never runs a torch op, so no thread pool exists at fork time.

Protocol, one JSON object per line on stdin / stdout:
    {"run": [args...], "log": path}  ->  {"pid": N}
    {"wait": N}                      ->  {"pid": N, "status": exit code, or -signal, "maxrss_kb": peak RSS}
    {"poll": N}                      ->  the same, status null while it runs
"""

from __future__ import annotations

import json
import os
import sys


def main() -> None:
    import torch  # noqa: F401  - the expensive part, paid once

    import spc_cli.api  # noqa: F401
    import spc_cli.artist.pipeline  # noqa: F401
    import spc_cli.cli
    import spc_cli.critic.analytic  # noqa: F401
    import spc_cli.engine  # noqa: F401
    import spc_cli.io.decode  # noqa: F401
    import spc_cli.io.encode  # noqa: F401

    try:
        import spc_cli.artist.refine  # noqa: F401
    except ImportError:
        pass
    print(json.dumps({"ready": os.getpid()}), flush=True)
    done: dict[int, int] = {}
    for line in sys.stdin:
        req = json.loads(line)
        if "run" in req:
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    fd = os.open(req["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
                    os.dup2(fd, 1)
                    os.dup2(fd, 2)
                    null = os.open(os.devnull, os.O_RDONLY)
                    os.dup2(null, 0)
                    sys.argv = ["spc", *req["run"]]
                    try:
                        spc_cli.cli.main()
                        code = 0
                    except SystemExit as e:
                        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
                finally:
                    try:
                        sys.stdout.flush()
                        sys.stderr.flush()
                    finally:
                        os._exit(code)
            print(json.dumps({"pid": pid}), flush=True)
        elif "wait" in req or "poll" in req:
            pid = int(req.get("wait") or req["poll"])
            if pid not in done:
                got, status, usage = os.wait4(pid, 0 if "wait" in req else os.WNOHANG)
                if got:
                    rc = -os.WTERMSIG(status) if os.WIFSIGNALED(status) else os.WEXITSTATUS(status)
                    done[pid] = (rc, usage.ru_maxrss)
            rc, maxrss = (done.pop(pid, None) if "wait" in req else done.get(pid)) or (None, None)
            print(json.dumps({"pid": pid, "status": rc, "maxrss_kb": maxrss}), flush=True)


if __name__ == "__main__":
    main()
