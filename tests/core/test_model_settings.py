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
