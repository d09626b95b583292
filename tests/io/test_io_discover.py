"""discover(): which files a run processes, and where their outputs go."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from spc_cli.errors import UsageError
from spc_cli.io import RAW_EXTENSIONS, SUPPORTED_EXTENSIONS
from spc_cli.io.atomic import temp_path
from spc_cli.io.discover import discover


def touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def rels(found):
    return [r.as_posix() for _, r in found]


def test_extension_sets():
    assert {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".webp"} <= SUPPORTED_EXTENSIONS
    assert RAW_EXTENSIONS == {".dng", ".cr2", ".cr3", ".nef", ".arw", ".raf", ".orf", ".rw2", ".pef", ".srw"}
    assert RAW_EXTENSIONS <= SUPPORTED_EXTENSIONS
    assert all(e == e.lower() and e.startswith(".") for e in SUPPORTED_EXTENSIONS)


def test_folder_is_walked_recursively_and_sorted(tmp_path):
    shoot = tmp_path / "shoot"
    for name in ("b.jpg", "a.PNG", "sub/c.tif", "sub/deeper/d.nef", "z/e.webp", "notes.txt",
                 "clip.mp4", "a.spc.json", "._a.jpg", "sub/raw.DNG"):
        touch(shoot / name)
    touch(temp_path(shoot / "f.jpg"))
    found = discover([shoot], tmp_path / "out")
    # sorted by path components: a folder's entries stay together
    assert rels(found) == ["a.PNG", "b.jpg", "sub/c.tif", "sub/deeper/d.nef", "sub/raw.DNG", "z/e.webp"]
    for source, rel in found:
        assert source == shoot / rel
    assert discover([shoot], tmp_path / "out") == found  # deterministic


def test_system_folders_and_files_are_passed_over_unnamed_unless_named(tmp_path):
    """A share copied from a Mac, a NAS or Windows: thumbnail caches (Synology's "@eaDir" holds a
    small JPEG of every photo), recycle bins, Thumbs.db: no outputs for them, and no "not read"
    lines either. Other folders are walked, a dotted one too."""
    from spc_cli.io.discover import find_photos

    shoot = tmp_path / "shoot"
    for name in ("IMG_1.jpg", ".thumbnails/IMG_1.jpg", "@eaDir/IMG_1.jpg/SYNOPHOTO_THUMB_M.jpg",
                 "#recycle/old.jpg", "$RECYCLE.BIN/x.jpg", "sub/.Trash-1000/y.jpg", "sub/IMG_2.jpg",
                 "Thumbs.db", "sub/desktop.ini", "notes.txt", ".edits/IMG_3.jpg"):
        touch(shoot / name)
    found, not_read = find_photos([shoot], tmp_path / "out")
    assert rels(found) == [".edits/IMG_3.jpg", "IMG_1.jpg", "sub/IMG_2.jpg"]
    assert [n.path.name for n in not_read] == ["notes.txt"]
    assert rels(discover([shoot / "@eaDir"], None)) == ["IMG_1.jpg/SYNOPHOTO_THUMB_M.jpg"]  # named: read


def test_file_argument_gives_its_name(tmp_path):
    f = touch(tmp_path / "deep" / "dir" / "IMG_1.JPG")
    assert discover([f], None) == [(f, Path("IMG_1.JPG"))]
    assert discover([touch(tmp_path / "readme.txt")], None) == []


def test_missing_input_is_usage_error(tmp_path):
    with pytest.raises(UsageError, match="nope"):
        discover([tmp_path / "nope"], None)


def test_out_dir_inside_input_is_skipped(tmp_path):
    shoot = tmp_path / "shoot"
    touch(shoot / "a.jpg")
    touch(shoot / "fixed" / "a.jpg")
    touch(shoot / "fixed" / "sub" / "b.jpg")
    assert rels(discover([shoot], shoot / "fixed")) == ["a.jpg"]
    # also when named through a different spelling of the same folder
    assert rels(discover([shoot], tmp_path / "shoot" / ".." / "shoot" / "fixed")) == ["a.jpg"]
    # a file argument inside out_dir is one of our outputs too
    assert discover([shoot / "fixed" / "a.jpg"], shoot / "fixed") == []


def test_outputs_written_beside_inputs_are_skipped(tmp_path):
    touch(tmp_path / "a.jpg")
    touch(tmp_path / "a.spc.jpg")
    touch(tmp_path / "a.spc.jpg.spc.json")
    assert rels(discover([tmp_path], None)) == ["a.jpg"]


def test_symlink_loop_terminates_and_dirs_walk_once(tmp_path):
    shoot = tmp_path / "shoot"
    touch(shoot / "a.jpg")
    touch(shoot / "sub" / "b.jpg")
    os.symlink(shoot, shoot / "sub" / "loop")  # a loop back to the top
    os.symlink(shoot / "sub", shoot / "alias")  # the same folder under a second name
    found = discover([shoot], None)
    assert sorted(rels(found)) in (["a.jpg", "alias/b.jpg"], ["a.jpg", "sub/b.jpg"])
    assert len(found) == 2


def test_symlinked_file_is_followed_and_dangling_link_skipped(tmp_path):
    elsewhere = touch(tmp_path / "elsewhere" / "real.jpg")
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    os.symlink(elsewhere, shoot / "link.jpg")
    os.symlink(tmp_path / "missing.jpg", shoot / "dangling.jpg")
    assert discover([shoot], None) == [(shoot / "link.jpg", Path("link.jpg"))]


def test_same_file_twice_is_listed_once(tmp_path):
    f = touch(tmp_path / "shoot" / "a.jpg")
    found = discover([tmp_path / "shoot", f], tmp_path / "out")
    assert len(found) == 1


def test_two_inputs_landing_on_one_output_is_usage_error(tmp_path):
    a = touch(tmp_path / "day1" / "IMG_1.jpg")
    b = touch(tmp_path / "day2" / "IMG_1.jpg")
    with pytest.raises(UsageError, match="IMG_1.jpg"):
        discover([a.parent, b.parent], tmp_path / "out")
    assert len(discover([a.parent, b.parent], None)) == 2  # beside their inputs: no clash
