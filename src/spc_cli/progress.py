"""Progress of a batch: rich's bar on a terminal, tqdm elsewhere (logs, notebooks, the Python API).

Both show the same thing, photos done out of the total and the rate, and print a failed
photo's one-line reason above the bar as it happens. ``for_cli`` picks rich when stderr is a
terminal and tqdm writing whole lines (one every ``LOG_INTERVAL`` seconds, no carriage
returns) when it is a log file or a pipe; ``for_api`` gives tqdm's notebook widget in Jupyter
and its text bar elsewhere.
"""

from __future__ import annotations

import sys
import time
from typing import Any, TextIO

LOG_INTERVAL = 10.0  # seconds between progress lines in a log (cron, a pipe)


class RichBar:
    """rich's live bar on a terminal."""

    def __init__(self, console, verb: str, total: int):
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        self.progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TextColumn("eta"),
                                 TimeRemainingColumn(), console=console, transient=False)
        self.task = self.progress.add_task(verb, total=total, rate="")
        self.done = 0
        self.progress.start()

    def note(self, text: str) -> None:
        from rich.markup import escape

        self.progress.console.print(f"[red]failed[/] {escape(text)}", soft_wrap=True, highlight=False)

    def advance(self) -> None:
        self.done += 1
        start = self.progress.tasks[0].start_time
        elapsed = time.perf_counter() - start if start else 0.0
        rate = f"{self.done / elapsed:.2f} img/s" if elapsed > 0 else ""
        self.progress.update(self.task, advance=1, rate=rate)

    def close(self) -> None:
        self.progress.stop()


class _Lines:
    """A text stream for tqdm that ends every update with a newline instead of returning the
    carriage: a log file gets one readable line per update."""

    def __init__(self, stream: TextIO):
        self.stream = stream

    def write(self, text: str) -> None:
        text = text.replace("\r", "").replace("\x1b[A", "")
        if text.strip():
            self.stream.write(text.rstrip("\n") + "\n")

    def flush(self) -> None:
        self.stream.flush()


class TqdmBar:
    """tqdm's bar: the notebook widget (``tqdm.auto``) or text on any stream."""

    def __init__(self, verb: str, total: int, stream: TextIO | None = None, log: bool = False,
                 notebook: bool = False):
        if notebook:
            from tqdm.auto import tqdm
        else:
            from tqdm import tqdm
        opts: dict[str, Any] = {"total": total, "desc": verb, "unit": "img", "dynamic_ncols": not log}
        if log:
            opts.update(file=_Lines(stream or sys.stderr), mininterval=LOG_INTERVAL, ascii=True, ncols=80)
        elif stream is not None:
            opts["file"] = stream
        self.bar = tqdm(**opts)

    def note(self, text: str) -> None:
        self.bar.write(f"failed {text}", file=getattr(self.bar, "fp", None))

    def advance(self) -> None:
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def in_notebook() -> bool:
    """Whether this runs in a Jupyter kernel (where tqdm draws a widget)."""
    shell = sys.modules.get("IPython")
    try:
        ip = shell.get_ipython() if shell is not None else None
    except Exception:  # noqa: BLE001 - an odd IPython install: treat as no notebook
        return False
    return ip is not None and type(ip).__name__ == "ZMQInteractiveShell"


def for_cli(console, verb: str, total: int):
    """rich on a terminal, tqdm writing log lines otherwise."""
    if console.is_terminal:
        return RichBar(console, verb, total)
    return TqdmBar(verb, total, stream=console.file, log=True)


def for_api(verb: str, total: int):
    """The Python API's bar: tqdm's widget in a notebook, its text bar on stderr elsewhere."""
    return TqdmBar(verb, total, notebook=in_notebook())
