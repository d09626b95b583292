"""Resume by content: a rerun skips a photo only when its output and sidecar match the input's bytes
(SHA-256) and the settings that shape the output; mtimes and sizes decide nothing."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from spc_cli.cli import app

from .test_cli import _dark, _scene

runner = CliRunner()
ANALYTIC = ["--critic", "analytic"]


def _enhance(src: Path, out: Path, *args):
    r = runner.invoke(app, ["enhance", str(src), "--out", str(out), *ANALYTIC, *map(str, args)])
    assert r.exit_code == 0, r.output
    return r.output


@pytest.fixture
def done(tmp_path):
    """A folder of two photos, enhanced once into out/."""
    src = tmp_path / "in"
    src.mkdir()
    # stored uncompressed: an edit of the pixels keeps the file's size
    Image.fromarray(_dark(_scene(48, 64, seed=1))).save(src / "a.png", compress_level=0)
    Image.fromarray(_dark(_scene(48, 64, seed=2))).save(src / "b.png", compress_level=0)
    out = tmp_path / "out"
    assert "done 2" in _enhance(src, out)
    return src, out


def _stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_ino, st.st_mtime_ns


def test_an_input_edited_between_runs_is_redone_even_with_its_old_size_and_mtime(done):
    src, out = done
    a = src / "a.png"
    st = a.stat()
    # same size, same mtime, other pixels: only its content says it changed
    data = bytearray(a.read_bytes())
    edited = np.asarray(Image.open(a)).copy()
    edited[:8, :8] = 255 - edited[:8, :8]
    Image.fromarray(edited).save(a, compress_level=0)
    os.utime(a, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert a.stat().st_size == st.st_size and a.stat().st_mtime_ns == st.st_mtime_ns and a.read_bytes() != data
    b_before = _stamp(out / "b.png")
    text = _enhance(src, out)
    assert "done 1" in text and "skipped 1" in text, text
    doc = json.loads((out / "a.spc.json").read_text())
    import hashlib

    assert doc["input"]["sha256"] == hashlib.sha256(a.read_bytes()).hexdigest()
    assert _stamp(out / "b.png") == b_before


@pytest.mark.parametrize("args", [("--strength", "0.5"), ("--format", "tiff"), ("--quality", "80"),
                                  ("--no-refine",)])
def test_a_changed_setting_redoes_every_photo(done, args):
    src, out = done
    text = _enhance(src, out, *args)
    assert "done 2" in text and "skipped 0" in text
    # the run's own record (in another format the earlier a.png's a.spc.json is kept: a.tif.spc.json)
    side = max(out.glob("a*.spc.json"), key=lambda p: p.stat().st_mtime_ns)
    settings = json.loads(side.read_text())["settings"]
    assert settings != {"format": None, "quality": 95, "strength": 1.0, "critic": "analytic", "artist": "pipeline",
                        "hint": None, "refine": True, "critic_model": None, "artist_model": None}


@pytest.mark.parametrize("args", [("--workers", "1"), ("--batch-size", "2"), ("--device", "cpu")])
def test_settings_that_do_not_change_the_output_do_not_redo(done, args):
    src, out = done
    assert "skipped 2" in _enhance(src, out, *args)


def test_touching_only_the_mtime_skips(done):
    src, out = done
    before = {p.name: _stamp(p) for p in out.iterdir() if p.name != ".spc.lock"}
    for p in src.iterdir():
        os.utime(p, ns=(p.stat().st_atime_ns, p.stat().st_mtime_ns + 10**10))
    text = _enhance(src, out)
    assert "done 0" in text and "skipped 2" in text
    assert {p.name: _stamp(p) for p in out.iterdir() if p.name != ".spc.lock"} == before


@pytest.mark.parametrize("damage", ["output deleted", "sidecar deleted", "output changed", "sidecar corrupt"])
def test_a_damaged_output_is_redone(done, damage):
    src, out = done
    if damage == "output deleted":
        (out / "a.png").unlink()
    elif damage == "sidecar deleted":
        (out / "a.spc.json").unlink()
    elif damage == "output changed":
        with open(out / "a.png", "ab") as fh:
            fh.write(b"\0")
    else:
        (out / "a.spc.json").write_text("{ not json")
    text = _enhance(src, out)
    assert "done 1" in text and "skipped 1" in text
    doc = json.loads((out / "a.spc.json").read_text())
    assert doc["output"]["bytes"] == (out / "a.png").stat().st_size


def test_a_rerun_over_a_finished_folder_decodes_nothing(done, monkeypatch):
    """The early reads (started before the engine's check) leave photos whose outputs look
    finished alone; the one edited since is decoded, by the engine."""
    from spc_cli.engine import jobs

    src, out = done
    decoded = []
    real = jobs.decode_job
    monkeypatch.setattr(jobs, "decode_job", lambda job, settings: decoded.append(job.source.name) or real(job, settings))
    assert "skipped 2" in _enhance(src, out)
    assert decoded == []
    edited = np.asarray(Image.open(src / "a.png")).copy()
    edited[:8, :8] = 255 - edited[:8, :8]
    Image.fromarray(edited).save(src / "a.png", compress_level=0)  # same size: only the hash tells
    text = _enhance(src, out)
    assert "done 1" in text and "skipped 1" in text, text
    assert decoded == ["a.png"]
