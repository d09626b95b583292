"""weights/: the manifest of the models spc knows, and the checksums of the files it ships."""

from __future__ import annotations

import copy
import json
import shutil

import pytest

from spc_cli import manifest
from spc_cli.manifest import WeightsError


def test_the_manifest_lists_valid_entries():
    doc = manifest.load()
    assert doc["schema"] == 1 and doc["models"]
    for entry in doc["models"]:
        for key in manifest.REQUIRED:
            assert key in entry, (entry["name"], key)
        assert entry["role"] in manifest.ROLES
        src = entry["source"]
        if "hub" in src and src["revision"] is None:  # unpinned only with the reason written down
            assert len(src["unpinned"]) > 40, entry["name"]
        elif "hub" in src:
            assert len(src["revision"]) == 40 and int(src["revision"], 16) >= 0, entry["name"]  # a commit, pinned
    assert {e["backend"] for e in manifest.entries()} >= {"vlm", "diffusion", "smartphotocrafter"}


def test_every_shipped_file_is_present_and_matches_its_checksum():
    shipped = [(e["name"], f) for e in manifest.entries() for f in e["files"] if f.get("shipped")]
    assert ("spc-critic-learned", "critic-learned.pt") in [(n, f["path"]) for n, f in shipped]
    for name, f in shipped:
        path = manifest.folder() / f["path"]
        assert path.is_file(), path
        assert path.stat().st_size == f["bytes"], path
        assert manifest.sha256_of(path) == f["sha256"], path
        assert manifest.shipped_file(name, f["path"]) == path


def test_a_missing_or_changed_file_is_a_one_line_error_naming_it_and_the_checksums(tmp_path):
    good = tmp_path / "w.pt"
    good.write_bytes(b"weights")
    sha = manifest.sha256_of(good)
    assert manifest.verify_file(good, sha) == good
    bad = tmp_path / "bad.pt"
    shutil.copy(good, bad)
    bad.write_bytes(b"weightz")
    with pytest.raises(WeightsError) as e:
        manifest.verify_file(bad, sha, 7)
    msg = str(e.value)
    assert "\n" not in msg and str(bad) in msg and sha in msg and manifest.sha256_of(bad) in msg
    with pytest.raises(WeightsError, match="missing"):
        manifest.verify_file(tmp_path / "gone.pt", sha)


def test_malformed_manifests_are_refused():
    doc = manifest.load()
    for mutate in (lambda d: d.update(schema=2), lambda d: d["models"][0].pop("licence"),
                   lambda d: d["models"][0].update(role="painter"),
                   lambda d: d["models"][0].update(source={"hub": "x/y"}),
                   lambda d: d["models"].append(copy.deepcopy(d["models"][0])),
                   lambda d: d["models"][0]["files"].append({"path": "x.pt", "shipped": True})):
        bad = json.loads(json.dumps(doc))
        mutate(bad)
        with pytest.raises(WeightsError):
            manifest.validate(bad)


def test_large_weights_are_kept_out_of_git():
    ignore = (manifest.folder().parent / ".gitignore")
    if not ignore.is_file():
        pytest.skip("not a source checkout")
    rules = ignore.read_text()
    for pattern in ("weights/**/*.safetensors", "weights/**/*.bin", "weights/**/*.gguf"):
        assert pattern in rules
