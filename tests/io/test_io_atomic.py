"""atomic_write: all or nothing, never a stray temp file, errors explained."""

from __future__ import annotations

import errno
import os

import pytest

from spc_cli.errors import OutputError
from spc_cli.io.atomic import atomic_write, atomic_write_bytes, atomic_write_text, is_temp_name, temp_path


def _names(folder):
    return sorted(p.name for p in folder.iterdir())


def test_success_replaces_and_leaves_no_temp(tmp_path):
    target = tmp_path / "a.jpg"
    target.write_bytes(b"old")
    seen = []

    def write(tmp):
        seen.append(tmp)
        tmp.write_bytes(b"new")

    atomic_write(target, write)
    assert target.read_bytes() == b"new"
    assert _names(tmp_path) == ["a.jpg"]
    tmp = seen[0]
    assert tmp.parent == tmp_path and tmp.suffix == ".jpg" and is_temp_name(tmp.name)


def test_failure_mid_write_keeps_old_file_and_removes_temp(tmp_path):
    target = tmp_path / "photo.png"
    target.write_bytes(b"precious original output")

    def half_then_crash(tmp):
        with open(tmp, "wb") as fh:
            fh.write(b"half of a png")
        raise RuntimeError("encoder exploded")

    with pytest.raises(OutputError) as info:
        atomic_write(target, half_then_crash)
    assert target.read_bytes() == b"precious original output"
    assert _names(tmp_path) == ["photo.png"]
    assert isinstance(info.value.__cause__, RuntimeError)
    assert "encoder exploded" in str(info.value) and "photo.png" in str(info.value)


def test_failure_without_old_file_leaves_nothing(tmp_path):
    def crash(tmp):
        tmp.write_bytes(b"x" * 100)
        raise ValueError("bad")

    with pytest.raises(OutputError):
        atomic_write(tmp_path / "new.tif", crash)
    assert _names(tmp_path) == []


@pytest.mark.parametrize("code, reason", [
    (errno.ENOSPC, "disk full"), (errno.EACCES, "permission denied"), (errno.EROFS, "read-only"),
    (errno.EDQUOT, "quota"),
])
def test_os_errors_are_explained(tmp_path, code, reason):
    def fail(tmp):
        tmp.write_bytes(b"partial")
        raise OSError(code, os.strerror(code))

    with pytest.raises(OutputError, match=reason) as info:
        atomic_write(tmp_path / "x.jpg", fail)
    assert info.value.reason == reason or reason in info.value.reason
    assert _names(tmp_path) == []


def test_interrupt_cleans_up_and_propagates(tmp_path):
    def interrupted(tmp):
        tmp.write_bytes(b"partial")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(tmp_path / "x.jpg", interrupted)
    assert _names(tmp_path) == []


def test_writer_that_writes_nothing_is_an_error(tmp_path):
    with pytest.raises(OutputError, match="wrote nothing"):
        atomic_write(tmp_path / "x.jpg", lambda tmp: None)


def test_missing_folder(tmp_path):
    with pytest.raises(OutputError, match="folder does not exist"):
        atomic_write_bytes(tmp_path / "no" / "x.bin", b"data")


def test_bytes_and_text_helpers(tmp_path):
    atomic_write_bytes(tmp_path / "a.bin", b"\x00\x01")
    atomic_write_text(tmp_path / "a.spc.json", '{"ok": "é"}')
    assert (tmp_path / "a.bin").read_bytes() == b"\x00\x01"
    assert (tmp_path / "a.spc.json").read_text(encoding="utf-8") == '{"ok": "é"}'
    atomic_write_text(tmp_path / "a.spc.json", "second")
    assert (tmp_path / "a.spc.json").read_text() == "second"
    assert _names(tmp_path) == ["a.bin", "a.spc.json"]


def test_temp_names():
    from pathlib import Path

    t1, t2 = temp_path(Path("/x/IMG_1.JPG")), temp_path(Path("/x/IMG_1.JPG"))
    assert t1 != t2 and t1.suffix == ".JPG" and t1.name.startswith(".IMG_1.JPG.")
    assert is_temp_name(t1.name)
    for name in ("IMG_1.jpg", ".hidden.jpg", "a.spc-tmp.jpg", "a.spc.json"):
        assert not is_temp_name(name)


def test_temp_names_of_long_multibyte_names_fit_the_file_system(tmp_path):
    target = tmp_path / ("é" * 124 + ".jpg")  # 252 bytes: a valid name
    tmp = temp_path(target)
    assert len(os.fsencode(tmp.name)) <= 255 and tmp.suffix == ".jpg" and is_temp_name(tmp.name)
    atomic_write_bytes(target, b"x")
    assert target.read_bytes() == b"x" and _names(tmp_path) == [target.name]
