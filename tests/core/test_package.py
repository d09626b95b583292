"""The package is spc_cli (distribution spc-cli), the command spc; nothing is installed as `spc`."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from importlib import metadata

from typer.testing import CliRunner

import spc_cli
from spc_cli.cli import app


def test_the_distribution_and_the_import_package():
    assert metadata.version("spc-cli") == spc_cli.__version__
    assert importlib.util.find_spec("spc") is None  # no alias package, no clash with the index's `spc`
    dist = metadata.distribution("spc-cli")
    assert {ep.name: ep.value for ep in dist.entry_points if ep.group == "console_scripts"} == \
        {"spc": "spc_cli.cli:main"}


def test_version_prints_the_distributions_version():
    r = CliRunner().invoke(app, ["--version"])
    assert r.exit_code == 0 and r.output.strip() == f"spc {metadata.version('spc-cli')}"


def test_import_spc_fails_in_a_fresh_interpreter():
    r = subprocess.run([sys.executable, "-c", "import spc"], capture_output=True, text=True)
    assert r.returncode != 0 and "No module named 'spc'" in r.stderr
