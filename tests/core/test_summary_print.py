"""The run's summary as the CLI prints it: the counts and rate, failures, files not read (named
in a small run, counted in a big one) and what was done to each photo (listed up to 20)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from spc_cli.cli import EXPLAIN_UP_TO, _print_summary
from spc_cli.engine.record import Outcome, Summary


def printed(summary, explain=False, quiet=False) -> list[str]:
    buf = io.StringIO()
    _print_summary(summary, quiet, Console(file=buf, width=60, highlight=False, color_system=None), explain)
    return buf.getvalue().splitlines()


def done(n: int, start: int = 0) -> list[Outcome]:
    return [Outcome(Path(f"/in/p{i}.jpg"), "done", Path(f"/out/p{i}.jpg"), did=f"score 40 -> 80; fix {i}")
            for i in range(start, start + n)]


def test_counts_and_rate():
    s = Summary(done(3) + [Outcome(Path("/in/old.jpg"), "skipped")], seconds=1.5)
    assert printed(s)[0] == "done 3  skipped 1 (up to date)  failed 0  in 1.5 s (2.00 img/s)"
    assert printed(Summary(done(2), seconds=0.0))[0].endswith("in 0.0 s (0.00 img/s)")


def test_a_batch_of_exactly_twenty_lists_each_photo_and_a_bigger_one_only_counts():
    assert EXPLAIN_UP_TO == 20
    twenty = printed(Summary(done(20), seconds=2.0))
    assert len(twenty) == 21 and twenty[1] == "  /in/p0.jpg -> /out/p0.jpg: score 40 -> 80; fix 0"
    assert len(printed(Summary(done(21), seconds=2.0))) == 1
    assert len(printed(Summary(done(21), seconds=2.0), explain=True)) == 22


def test_a_failed_photo_is_not_listed_as_done_and_its_reason_keeps_its_brackets():
    reason = "/in/[2024] wedding/bad.jpg: not a JPEG file: starts with 0x00 0x00 and goes on for a long while"
    failed = Outcome(Path("/in/[2024] wedding/bad.jpg"), "failed", reason=reason, did="x")
    untouched = Outcome(Path("/in/ok.jpg"), "done", Path("/out/ok.jpg"))  # nothing said: not listed
    lines = printed(Summary([failed, untouched] + done(1), seconds=1.0))
    assert lines[0].startswith("done 2  skipped 0 (up to date)  failed 1")
    assert lines[1] == f"  x {reason}"  # one line, however long, brackets kept
    assert lines[2:] == ["  /in/p0.jpg -> /out/p0.jpg: score 40 -> 80; fix 0"]


def test_files_not_read_are_named_in_a_small_run_and_counted_by_reason_in_a_big_one():
    def unread(i, why):
        return Outcome(Path(f"/in/[x] f{i}"), "unread", reason=f"/in/[x] f{i}: {why}")

    few = printed(Summary([unread(0, "not a photo format spc reads (.md)")], seconds=1.0))
    assert few[0].startswith("done 0  skipped 0 (up to date)  not read 1  failed 0")
    assert few[1] == "  not read: /in/[x] f0: not a photo format spc reads (.md)"
    many = [unread(i, "not a photo format spc reads (.txt) [text]") for i in range(22)]
    many += [unread(i, "a hidden file") for i in range(22, 25)]
    lines = printed(Summary(many, seconds=1.0))
    assert lines[1:] == ["  not read: 22 files, not a photo format spc reads (.txt) [text]",
                         "  not read: 3 files, a hidden file"]


@pytest.mark.parametrize("quiet", [True])
def test_quiet_prints_only_failures(quiet):
    failed = Outcome(Path("/in/a.jpg"), "failed", reason="/in/a.jpg: [broken] file")
    assert printed(Summary(done(2) + [failed], seconds=1.0), quiet=quiet) == ["failed: /in/a.jpg: [broken] file"]
