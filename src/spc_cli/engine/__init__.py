"""The batch engine: plans the jobs, runs them through critic and artist, writes the outputs.

- ``settings``: ``Settings`` (what shapes an output) and the backends' options;
- ``jobs``: where each input goes (``plan_jobs``) and the resume check (``is_current``);
- ``lock``: one run per output folder (``output_lock``);
- ``planning``: critique -> the plan rendered (hint, strength, closed loop: ``choose_plan``);
- ``runner``: the threaded pipeline (``Engine``): decode ahead, compute, render and write behind;
- ``record``: each photo's ``Outcome``, its sidecar record and the written output;
- ``critique``: critique only (``critique_files``);
- ``resources``: threads and memory.

Data flows one way: jobs -> runner -> record; nothing here is imported by the layers below.
"""

from importlib import import_module

# name -> the submodule defining it; imported on first use, so that planning the jobs and reading
# the first photos (``jobs``, ``lock``) need not wait for torch and the backends (``runner``)
_WHERE = {"critique_files": "critique", "EarlyReads": "jobs", "Job": "jobs", "is_current": "jobs", "plan_jobs": "jobs",
          "plan_run": "jobs", "decode_job": "jobs", "read_job": "jobs", "sha256_file": "jobs", "LOCK_NAME": "lock",
          "output_lock": "lock", "choose_plan": "planning", "Outcome": "record", "Summary": "record",
          "what_was_done": "record", "configure_threads": "resources", "keep_freed_memory": "resources",
          "Engine": "runner", "StageError": "runner", "Work": "runner", "Settings": "settings",
          "artist_options": "settings", "critic_options": "settings"}

__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value
    return value
