"""Issue 6, "Faults": write failures give a clear error, exit 1, no partial file, inputs untouched,
and the rest of the batch is still written.

Tests run as root here, and root ignores permission bits, so disk full / permission denied /
read-only are injected at the lowest write call spc makes (spc_cli.io.atomic's temp-file write and
rename) for chosen files; real failures root cannot bypass (a folder where a file should be, a
name too long) and a real chmod when not root are exercised too.
"""

from __future__ import annotations

import errno
import os

import pytest

from spc_cli.io import atomic, encode

from .helpers import cli, make_batch, outputs, sidecar_of, temp_files

REASONS = {errno.ENOSPC: "disk full", errno.EACCES: "permission denied", errno.EROFS: "read-only"}


def _fail_for(monkeypatch, victim: str, code: int, where: str) -> None:
    """Make writes whose target name contains ``victim`` fail with ``code`` at ``where``:
    'write' (the encoder's temp file, after some bytes), 'replace' (the final rename),
    'sidecar' (the sidecar's temp write)."""
    real_atomic = atomic.atomic_write
    real_replace = os.replace

    def atomic_write(path, write):
        def failing(tmp):
            if where == "write" and victim in path.name and not path.name.endswith(".spc.json"):
                with open(tmp, "wb") as fh:  # a partial file on disk, then the failure
                    fh.write(b"\xff\xd8\xff partial")
                raise OSError(code, os.strerror(code))
            if where == "sidecar" and victim in path.name and path.name.endswith(".spc.json"):
                raise OSError(code, os.strerror(code))
            write(tmp)

        return real_atomic(path, failing)

    def replace(src, dst, *a, **kw):
        if where == "replace" and victim in os.fspath(dst):
            raise OSError(code, os.strerror(code))
        return real_replace(src, dst, *a, **kw)

    monkeypatch.setattr(atomic, "atomic_write", atomic_write)
    monkeypatch.setattr(encode, "atomic_write", atomic_write)
    monkeypatch.setattr(atomic.os, "replace", replace)


@pytest.mark.parametrize("code", list(REASONS))
@pytest.mark.parametrize("where", ["write", "replace"])
def test_write_failure_is_clear_leaves_nothing_and_the_rest_is_done(tmp_path, guard, monkeypatch, code, where):
    shoot = tmp_path / "shoot"
    make_batch(shoot, 4, size=(32, 40))
    guard.freeze(shoot)
    out = tmp_path / "out"
    with monkeypatch.context() as m:
        _fail_for(m, "img_001", code, where)
        r = cli("enhance", shoot, "--out", out, "--no-refine")
    assert r.exit_code == 1, r.output
    [line] = [ln.strip() for ln in r.output.splitlines() if ln.strip().startswith("x ")]
    assert "img_001.jpg" in line and REASONS[code] in line, line
    got = outputs(out)
    assert sorted(got) == ["img_000.png", "img_002.png", "img_003.jpg"]
    for p in got.values():
        sidecar_of(p)
    assert not (out / "img_001.jpg").exists() and not (out / "img_001.spc.json").exists()
    assert not temp_files(tmp_path)
    # once the disk has room again, a rerun completes the batch and redoes nothing else
    r = cli("enhance", shoot, "--out", out, "--no-refine")
    assert r.exit_code == 0 and "done 1" in r.output and "skipped 3" in r.output, r.output


def test_failure_replacing_an_existing_output_keeps_the_old_one(tmp_path, guard, monkeypatch):
    shoot = tmp_path / "shoot"
    make_batch(shoot, 2, size=(32, 40))
    guard.freeze(shoot)
    out = tmp_path / "out"
    assert cli("enhance", shoot, "--out", out, "--no-refine").exit_code == 0
    old = (out / "img_000.png").read_bytes()
    old_side = (out / "img_000.spc.json").read_bytes()
    with monkeypatch.context() as m:
        _fail_for(m, "img_000", errno.ENOSPC, "write")
        r = cli("enhance", shoot, "--out", out, "--no-refine", "--strength", "0.5")
    assert r.exit_code == 1 and "disk full" in r.output
    assert (out / "img_000.png").read_bytes() == old and (out / "img_000.spc.json").read_bytes() == old_side
    assert not temp_files(tmp_path)


def test_sidecar_write_failure_fails_the_photo_and_a_rerun_repairs_it(tmp_path, guard, monkeypatch):
    shoot = tmp_path / "shoot"
    make_batch(shoot, 2, size=(32, 40))
    guard.freeze(shoot)
    out = tmp_path / "out"
    with monkeypatch.context() as m:
        _fail_for(m, "img_001", errno.ENOSPC, "sidecar")
        r = cli("enhance", shoot, "--out", out, "--no-refine")
    assert r.exit_code == 1 and "img_001" in r.output and "disk full" in r.output, r.output
    assert not (out / "img_001.spc.json").exists() and not temp_files(tmp_path)
    r = cli("enhance", shoot, "--out", out, "--no-refine")
    assert r.exit_code == 0 and "done 1" in r.output, r.output
    sidecar_of(out / "img_001.jpg")


def test_real_failures_root_cannot_bypass(tmp_path, guard):
    """A file where an output folder must go (ENOTDIR / EEXIST), and an output name too long (a
    255-byte PNG written as WebP gains a byte). A name that only "<stem>.spc.json" would take
    past the limit is no failure: its sidecar's name is cut to fit (``sidecar.fit_name``)."""
    shoot = tmp_path / "shoot"
    make_batch(shoot / "sub", 2, size=(32, 40))
    make_batch(shoot, 1, size=(32, 40))
    (shoot / ("n" * 250 + ".png")).write_bytes((shoot / "img_000.png").read_bytes())
    (shoot / ("m" * 251 + ".png")).write_bytes((shoot / "img_000.png").read_bytes())
    guard.freeze(shoot)
    out = tmp_path / "out"
    out.mkdir()
    (out / "sub").write_text("a file, not a folder")
    r = cli("enhance", shoot, "--out", out, "--no-refine", "--format", "webp")
    assert r.exit_code == 1, r.output
    fails = [ln.strip() for ln in r.output.splitlines() if ln.strip().startswith("x ")]
    assert len(fails) == 3, r.output
    for ln in fails:
        assert "Traceback" not in ln and "internal error" not in ln, ln
    assert sum("sub" in ln for ln in fails) == 2 and sum("too long" in ln for ln in fails) == 1, fails
    assert (out / "img_000.webp").is_file() and (out / ("n" * 250 + ".webp")).is_file()
    assert any(p.name.startswith("n" * 200) and p.name.endswith(".spc.json") for p in out.iterdir())
    assert (out / "sub").read_text() == "a file, not a folder"
    assert not temp_files(tmp_path)


def test_out_folder_that_cannot_be_created_is_a_clear_error(tmp_path, guard):
    shoot = tmp_path / "shoot"
    make_batch(shoot, 1, size=(32, 40))
    guard.freeze(shoot)
    blocker = tmp_path / "blocker"
    blocker.write_text("x")
    r = cli("enhance", shoot, "--out", blocker / "out", "--no-refine")
    assert r.exit_code == 1, r.output
    assert "blocker" in r.output and "Traceback" not in r.output
    assert len([ln for ln in r.output.splitlines() if ln.strip()]) <= 3, r.output


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores permission bits")
def test_read_only_out_folder_for_real(tmp_path, guard):
    shoot = tmp_path / "shoot"
    make_batch(shoot, 2, size=(32, 40))
    guard.freeze(shoot)
    out = tmp_path / "out"
    out.mkdir()
    (out / ".spc.lock").write_text("")
    out.chmod(0o555)
    try:
        r = cli("enhance", shoot, "--out", out, "--no-refine")
    finally:
        out.chmod(0o755)
    assert r.exit_code == 1 and "permission denied" in r.output, r.output
    assert not outputs(out) and not temp_files(tmp_path)
