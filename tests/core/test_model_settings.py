"""How the engine builds model backends: the options each gets, --allow-download, --offload,
--artist-megapixels, and the smartphotocrafter artist implying its own critic (no model needed)."""

import subprocess
import sys

import pytest
import torch

from spc_cli.engine import Settings, artist_options, critic_options
from spc_cli.errors import UsageError


def test_the_smartphotocrafter_artist_implies_its_critic():
    s = Settings(artist="smartphotocrafter")
    assert s.critic == "smartphotocrafter"
    assert Settings(artist="smartphotocrafter", critic="smartphotocrafter").critic == "smartphotocrafter"
    with pytest.raises(UsageError, match="implies --critic smartphotocrafter"):
        Settings(artist="smartphotocrafter", critic="vlm")
    assert Settings(critic="smartphotocrafter").artist == "pipeline"  # critique-only: any artist


def test_nothing_downloads_unless_allowed():
    assert critic_options(Settings(critic="vlm"))["local_files_only"] is True
    assert critic_options(Settings(critic="vlm", allow_download=True))["local_files_only"] is False
    s = Settings(artist="diffusion", offload=True, artist_megapixels=0.5)
    opts = artist_options(s, torch.device("cpu"), 1)
    assert opts["local_files_only"] is True and opts["offload"] is True and opts["megapixels"] == 0.5
    c = critic_options(Settings(artist="smartphotocrafter", critic_model="/models/spc", allow_download=True,
                                artist_megapixels=0.25))
    assert c["allow_download"] is True and c["model"] == "/models/spc" and c["megapixels"] == 0.25
    a = artist_options(Settings(artist="smartphotocrafter", critic_model="/models/spc"), torch.device("cpu"), 8)
    assert a["model"] == "/models/spc" and a["allow_download"] is False and a["batch_size"] == 8
    assert artist_options(Settings(), torch.device("cpu"), 1) == {"device": torch.device("cpu"), "precision": "auto",
                                                                  "batch_size": 1, "inplace": True}
    assert critic_options(Settings()) == {}
    for critic in ("analytic", "learned", "hybrid"):  # the critic's weights shipping says nothing of the artist's
        assert artist_options(Settings(critic=critic, artist="diffusion"), torch.device("cpu"), 1)["local_files_only"]
    assert "local_files_only" not in critic_options(Settings(critic="hybrid"))


def test_the_working_size_changes_the_outputs_key_only_when_set():
    base = Settings(artist="diffusion")
    assert "artist_megapixels" not in base.output_settings()  # earlier outputs stay current
    assert Settings(artist="diffusion", offload=True).key() == base.key()  # offload changes no pixel
    assert Settings(artist="diffusion", artist_megapixels=0.5).key() != base.key()


def test_the_learned_networks_weights_are_part_of_the_outputs_key(tmp_path, monkeypatch):
    import hashlib
    import json

    from spc_cli import __version__, manifest

    # the analytic critic's key is what it was before weights took part: its outputs stay current
    plain = Settings(critic="analytic")
    old = hashlib.sha256(json.dumps({**plain.output_settings(), "spc": __version__}, sort_keys=True).encode())
    assert plain.key() == old.hexdigest()[:16]
    # the shipped network: its manifest sha256 is in the key, so retrained weights make outputs stale
    shipped = Settings(critic="learned").key()
    assert Settings(critic="hybrid").key() != shipped  # (the critic's name differs too)
    entry = manifest.find("spc-critic-learned")
    retrained = {**entry, "files": [{**f, "sha256": "0" * 64} if f.get("shipped") else f for f in entry["files"]]}
    monkeypatch.setattr(manifest, "find", lambda name: retrained)
    assert Settings(critic="learned").key() != shipped
    monkeypatch.undo()
    # another checkpoint given as a file: its content, not its path
    ckpt = tmp_path / "critic.pt"
    ckpt.write_bytes(b"first weights")
    first = Settings(critic="learned", critic_model=str(ckpt)).key()
    assert Settings(critic="learned", critic_model=str(ckpt)).key() == first
    ckpt.write_bytes(b"weights trained again")
    assert Settings(critic="learned", critic_model=str(ckpt)).key() != first


def test_new_options_are_listed_and_help_stays_light():
    from typer.testing import CliRunner

    from spc_cli.cli import app

    out = CliRunner().invoke(app, ["enhance", "--help"], env={"COLUMNS": "200"}).output
    for flag in ("--allow-download", "--offload", "--artist-megapixels", "smartphotocrafter"):
        assert flag in out
    assert "--allow-download" in CliRunner().invoke(app, ["critique", "--help"], env={"COLUMNS": "200"}).output
    assert CliRunner().invoke(app, ["models", "--help"]).exit_code == 0
    code = ("import sys; from spc_cli.cli import app; from spc_cli import catalog; "
            "print(any(m in sys.modules for m in ('transformers', 'diffusers', 'peft')))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip() == "False"
