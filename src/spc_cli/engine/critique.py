"""Critique only (``spc critique``): decode in threads, critique, hand each result on."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from ..errors import SpcError, UsageError
from .record import Outcome, Summary
from .settings import Settings, critic_options


def critique_files(inputs: list[Path], settings: Settings, on_result: Callable[[Path, Any, Any], None],
                   on_plan: Callable[[list[Path]], None] | None = None) -> Summary:
    """Critique only: decode each photo (threads), critique, hand (path, photo, critique) to
    on_result. ``on_plan(paths)``: the photos found, before any is read (a progress bar's total)."""
    from ..device import resolve_device, resolve_dtype
    from ..io.decode import read_photo
    from ..io.discover import find_photos
    from ..io.reading import check_judgeable
    from ..registry import make_critic

    t0 = time.perf_counter()
    # a bad --device or --precision is an error here too, even where the critic does not use them
    resolve_dtype(settings.precision, resolve_device(settings.device))
    if settings.batch_size < 0 or settings.workers < 1:
        raise UsageError("--batch-size must be 0 (auto) or more, --workers at least 1")
    summary = Summary()
    critic = make_critic(settings.critic, **critic_options(settings))
    photos, not_read = find_photos(inputs, None)
    found = [src for src, _ in photos]
    if on_plan is not None:
        on_plan(found)
    with ThreadPoolExecutor(settings.workers, thread_name_prefix="spc-io") as pool:
        futures: deque[tuple[Path, Future]] = deque()
        it = iter(found)
        while True:
            while len(futures) < settings.workers * 2 and (src := next(it, None)) is not None:
                futures.append((src, pool.submit(read_photo, src, settings.max_megapixels)))
            if not futures:
                break
            src, fut = futures.popleft()
            try:
                photo = fut.result()
                check_judgeable(src, photo)
                c = critic.critique([photo])[0]
            except SpcError as e:
                o = Outcome(src, "failed", None, str(e) if str(src) in str(e) else f"{src}: {e}")
                summary.outcomes.append(o)
                on_result(src, None, o)
                continue
            except Exception as e:  # noqa: BLE001
                o = Outcome(src, "failed", None, f"{src}: {type(e).__name__}: {e}")
                summary.outcomes.append(o)
                on_result(src, None, o)
                continue
            summary.outcomes.append(Outcome(src, "done", score_before=c.score))
            on_result(src, photo, c)
    summary.add_not_read(not_read)
    summary.seconds = time.perf_counter() - t0
    return summary
