"""Issue 6, "Paths": outputs stay under --out, inputs are never overwritten, loops end.

Discovery-level checks (walk order, loops, skipping the output folder) are in
tests/io/test_io_discover.py; here the CLI runs over hostile trees and every file written
anywhere is accounted for.
"""

from __future__ import annotations

import os

import pytest

from .helpers import assert_all_under, cli, outputs, save, scene, sidecar_of, temp_files


def _written(root, before: set[str]) -> list[str]:
    return [p for p in (str(q) for q in root.rglob("*")) if p not in before]


def test_output_folder_inside_the_input_folder_is_never_reprocessed(tmp_path, guard):
    shoot = tmp_path / "shoot"
    save(shoot / "a.jpg", scene(32, 48, 1))
    save(shoot / "sub" / "b.png", scene(32, 48, 2, ev=-1.5))
    out = shoot / "fixed"
    guard.freeze(shoot, exclude=(out,))
    for _ in range(3):
        r = cli("enhance", shoot, "--out", out, "--no-refine")
        assert r.exit_code == 0, r.output
    assert "done 0" in r.output and "skipped 2" in r.output
    assert sorted(outputs(out)) == ["a.jpg", os.path.join("sub", "b.png")]  # no fixed/fixed/...
    # naming the output folder through another spelling changes nothing
    r = cli("enhance", shoot, "--out", tmp_path / "shoot" / "sub" / ".." / "fixed", "--no-refine")
    assert r.exit_code == 0 and "skipped 2" in r.output, r.output
    # and giving an output file itself as an input is refused, not reprocessed
    r = cli("enhance", out / "a.jpg", "--out", out, "--no-refine")
    assert r.exit_code == 2 and "never overwritten" in r.output, r.output
    assert sorted(outputs(out)) == ["a.jpg", os.path.join("sub", "b.png")]


@pytest.mark.parametrize("spelling", ["same", "dotdot", "symlink", "second_input", "file_in_it"])
def test_out_equal_to_an_input_folder_is_refused(tmp_path, guard, spelling):
    shoot = tmp_path / "shoot"
    save(shoot / "a.jpg", scene(32, 48, 1))
    save(shoot / "sub" / "b.png", scene(32, 48, 2))
    other = save(tmp_path / "elsewhere" / "c.jpg", scene(32, 48, 3))
    os.symlink(shoot, tmp_path / "link")
    guard.freeze(tmp_path)
    args = {"same": [shoot, "--out", shoot],
            "dotdot": [shoot, "--out", shoot / "sub" / ".."],
            "symlink": [shoot, "--out", tmp_path / "link"],
            "second_input": [other, shoot, "--out", shoot],
            "file_in_it": [shoot / "a.jpg", "--out", shoot]}[spelling]
    r = cli("enhance", *args)
    assert r.exit_code == 2, r.output
    assert "never overwritten" in r.output or "overwrite the input" in r.output, r.output
    assert not list(tmp_path.rglob("*.spc.json")) and not temp_files(tmp_path)


def test_output_never_lands_on_an_input_through_a_symlink_in_the_output_tree(tmp_path, guard):
    """out/day2 is a (user-made) link back to the shoot: out/day2/b.jpg *is* shoot/b.jpg."""
    shoot = tmp_path / "shoot"
    save(shoot / "b.jpg", scene(32, 48, 1))
    save(shoot / "day2" / "b.jpg", scene(32, 48, 2))
    out = tmp_path / "out"
    out.mkdir()
    os.symlink(shoot, out / "day2")
    guard.freeze(shoot)
    r = cli("enhance", shoot, "--out", out, "--no-refine")
    assert r.exit_code == 2 and "input" in r.output, r.output


def test_hostile_input_tree_writes_only_under_out(tmp_path, guard):
    """Folders named '..x' and '...', links to folders and files outside the tree, a loop back to
    the top, a dangling link: every path written resolves under --out, nothing else changes."""
    root = tmp_path / "root"
    shoot = root / "shoot"
    outside = root / "outside"
    save(shoot / "top.jpg", scene(24, 32, 1))
    save(shoot / "..x" / "dots.png", scene(24, 32, 2))
    save(shoot / "..." / "three.jpg", scene(24, 32, 3))
    save(shoot / ". " / "dot space.png", scene(24, 32, 4))
    save(outside / "secret.jpg", scene(24, 32, 5))
    save(outside / "deeper" / "s2.png", scene(24, 32, 6))
    os.symlink(outside, shoot / "link_out")  # a folder outside the tree
    os.symlink(outside / "secret.jpg", shoot / "file_out.jpg")  # a file outside
    os.symlink("../..", shoot / "..x" / "up")  # relative link up to the top: a loop
    os.symlink(shoot, shoot / "..." / "loop")  # absolute loop
    os.symlink(tmp_path / "gone.jpg", shoot / "dangling.jpg")
    out = root / "out"
    guard.freeze(root, exclude=(out,))
    before = {str(q) for q in tmp_path.rglob("*")}
    r = cli("enhance", shoot, "--out", out, "--no-refine")
    assert r.exit_code == 0, r.output
    written = _written(tmp_path, before)
    assert written, r.output
    assert_all_under(out, written)
    assert all(".." not in os.path.relpath(p, out).split(os.sep) for p in written)
    got = sorted(outputs(out))
    assert "top.jpg" in got and os.path.join("..x", "dots.png") in got and os.path.join("...", "three.jpg") in got
    assert os.path.join(". ", "dot space.png") in got
    # photos outside the tree, reached up to three ways (file link, folder link, the '../..' link),
    # are processed once each, under out
    assert len([g for g in got if g.endswith(("secret.jpg", "file_out.jpg"))]) == 1
    assert len([g for g in got if g.endswith("s2.png")]) == 1
    assert len(got) == 6, got
    for p in outputs(out).values():
        assert not os.path.islink(p)
        sidecar_of(p)
    assert not temp_files(tmp_path)
    # rerun: converged, nothing new
    before = {str(q) for q in tmp_path.rglob("*")}
    r = cli("enhance", shoot, "--out", out, "--no-refine")
    assert r.exit_code == 0 and "done 0" in r.output, r.output
    assert _written(tmp_path, before) == []


def test_inputs_named_with_dotdot_paths_stay_under_out(tmp_path, guard, monkeypatch):
    base = tmp_path / "base"
    save(base / "a" / "one.jpg", scene(24, 32, 1))
    save(base / "b" / "two.png", scene(24, 32, 2))
    out = tmp_path / "out"
    guard.freeze(base)
    monkeypatch.chdir(base / "a")
    before = {str(q) for q in tmp_path.rglob("*")}
    r = cli("enhance", "../b/../a/one.jpg", "..", "--out", "../../out", "--no-refine")
    assert r.exit_code == 0, r.output
    written = _written(tmp_path, before)
    assert_all_under(out, written)
    # one.jpg was named first (as a file: its own name); the folder walk does not list it again
    assert sorted(outputs(out)) == [os.path.join("b", "two.png"), "one.jpg"]


def test_the_input_guard_notices_changes(tmp_path):
    """The snapshot every test here relies on does catch a rewrite, a touch and a new file."""
    from .helpers import InputGuard

    shoot = tmp_path / "shoot"
    a = save(shoot / "a.jpg", scene(16, 16))
    b = save(shoot / "b.png", scene(16, 16))
    for change in (lambda: a.write_bytes(a.read_bytes()[:-1] + b"\x00"),
                   lambda: os.utime(b, ns=(1, 1)),
                   lambda: (shoot / "new.jpg").write_bytes(b"x")):
        g = InputGuard()
        g.freeze(shoot)
        g.check()
        change()
        with pytest.raises(AssertionError, match="inputs were modified"):
            g.check()
