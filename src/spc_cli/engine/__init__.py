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

from .critique import critique_files
from .jobs import Job, is_current, plan_jobs, plan_run, sha256_file
from .lock import LOCK_NAME, output_lock
from .planning import choose_plan
from .record import Outcome, Summary, what_was_done
from .resources import configure_threads, keep_freed_memory
from .runner import Engine, StageError, Work
from .settings import Settings, artist_options, critic_options

__all__ = ["LOCK_NAME", "Engine", "Job", "Outcome", "Settings", "StageError", "Summary", "Work", "artist_options", "choose_plan",
           "configure_threads", "critic_options", "critique_files", "is_current", "keep_freed_memory",
           "output_lock", "plan_jobs", "plan_run", "sha256_file", "what_was_done"]
