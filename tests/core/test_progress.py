"""Progress: rich's bar on a terminal, tqdm in logs and for the Python API (a widget in notebooks)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image
from typer.testing import CliRunner

from spc_cli import api
from spc_cli.cli import app
from spc_cli.progress import TqdmBar


def _photos(folder: Path, n: int = 3) -> Path:
    folder.mkdir(parents=True)
    for i in range(n):
        rng = np.random.default_rng(i)
        Image.fromarray(rng.integers(40, 200, (24, 32, 3), dtype=np.uint8)).save(folder / f"p{i}.png")
    return folder


def test_a_log_gets_whole_lines_not_carriage_returns():
    buf = io.StringIO()
    bar = TqdmBar("enhancing", 3, stream=buf, log=True)
    for _ in range(3):
        bar.advance()
    bar.note("x.jpg: cannot be read")
    bar.close()
    text = buf.getvalue()
    assert "\r" not in text and text.endswith("\n")
    lines = text.splitlines()
    assert lines[0].startswith("enhancing:   0%") and any("3/3" in line for line in lines)
    assert "failed x.jpg: cannot be read" in lines


def test_the_cli_outside_a_terminal_reports_progress_through_tqdm(tmp_path):
    src = _photos(tmp_path / "in")
    r = CliRunner().invoke(app, ["enhance", str(src), "--out", str(tmp_path / "out")])
    assert r.exit_code == 0, r.output
    assert "enhancing: 100%" in r.output and "3/3" in r.output and "done 3" in r.output
    quiet = CliRunner().invoke(app, ["enhance", str(src), "--out", str(tmp_path / "out2"), "--quiet"])
    assert quiet.exit_code == 0 and quiet.output == ""


def test_the_python_api_draws_a_tqdm_bar_when_asked(tmp_path, capsys):
    src = _photos(tmp_path / "in")
    summary = api.enhance([src], tmp_path / "out", progress=True)
    assert summary.count("done") == 3
    err = capsys.readouterr().err
    assert "enhancing" in err and "3/3" in err
    # by default a bar only where someone watches (a terminal or a notebook): not under pytest
    api.enhance([src], tmp_path / "out2")
    assert capsys.readouterr().err == ""
