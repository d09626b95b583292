"""The hint on the command line: retouch --hint-only, retouch --explain, enhance --hint, errors."""

import json

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from spc_cli.cli import app

runner = CliRunner()


def _dark_scene(h=96, w=128, seed=0):
    """A textured sRGB scene 1.5 EV under: the critic will want to brighten it."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    base = np.stack([0.45 + 0.3 * np.sin(6 * x + 1), 0.45 + 0.25 * np.cos(5 * y), 0.4 + 0.3 * x * y], -1)
    base += 0.08 * np.sin(40 * x * (1 + y) + 3 * rng.random())[..., None]
    lin = np.clip(base, 0, 1) ** 2.2 * 2 ** -1.5
    return (np.clip(lin, 0, 1) ** (1 / 2.2) * 255).round().astype(np.uint8)


@pytest.fixture()
def folder(tmp_path):
    d = tmp_path / "shoot"
    d.mkdir()
    Image.fromarray(_dark_scene()).save(d / "a.png")
    Image.fromarray(_dark_scene(seed=1)[:, ::-1].copy()).save(d / "b.png")
    return d


def test_explain_prints_each_clause_and_writes_nothing(folder, tmp_path):
    before = sorted(p.name for p in folder.iterdir())
    r = runner.invoke(app, ["retouch", str(folder / "a.png"), "--hint", "much warmer, +0.5 EV, keep the highlights",
                            "--explain", "--out", str(tmp_path / "out.png")])
    assert r.exit_code == 0, r.output
    assert "'much warmer' -> " in r.output and "white_balance up" in r.output and "mean b* +10.5" in r.output
    assert "'+0.5 EV' -> " in r.output and "ev=+0.5" in r.output
    assert "'keep the highlights' -> protect the highlights" in r.output
    assert "renders exposure (hint" in r.output
    assert sorted(p.name for p in folder.iterdir()) == before and not (tmp_path / "out.png").exists()


def test_hint_only_leaves_the_critics_fixes_out(folder, tmp_path):
    out = tmp_path / "alone.png"
    r = runner.invoke(app, ["retouch", str(folder / "a.png"), "--hint", "a bit cooler", "--hint-only", "--out", str(out)])
    assert r.exit_code == 0, r.output
    doc = json.loads(out.with_suffix(".spc.json").read_text())
    assert any(f["attribute"] == "exposure" for f in doc["critique"]["findings"])  # the critic saw it dark ...
    assert [a["op"] for a in doc["applied"]] == ["white_balance"]  # ... but only the hint is applied
    assert doc["hint"]["hint_only"] is True and doc["settings"]["hint_only"] is True
    (clause,) = doc["hint"]["clauses"]
    assert clause["clause"] == "a bit cooler" and clause["direction"] == "down" and clause["multiplier"] == 0.5
    assert clause["measure"] == "mean b*" and clause["target"] == -3.0 and abs(clause["achieved"] + 3.0) < 0.3
    # without --hint-only the critic's exposure fix is applied too
    both = tmp_path / "both.png"
    assert runner.invoke(app, ["retouch", str(folder / "a.png"), "--hint", "a bit cooler", "--out",
                               str(both)]).exit_code == 0
    ops = [a["op"] for a in json.loads(both.with_suffix(".spc.json").read_text())["applied"]]
    assert "exposure" in ops and "white_balance" in ops


def test_enhance_takes_one_hint_for_a_whole_folder(folder, tmp_path):
    out = tmp_path / "out"
    r = runner.invoke(app, ["enhance", str(folder), "--out", str(out), "--hint", "slightly more saturated"])
    assert r.exit_code == 0, r.output
    for name in ("a", "b"):
        doc = json.loads((out / f"{name}.spc.json").read_text())
        assert doc["hint"]["text"] == "slightly more saturated"
        assert doc["hint"]["clauses"][0]["op"] == "saturation"
        ops = [a["op"] for a in doc["applied"]]
        assert "saturation" in ops and "exposure" in ops  # on top of each photo's own critique
    # a rerun with another hint is not "up to date"
    r = runner.invoke(app, ["enhance", str(folder), "--out", str(out), "--hint", "much more saturated"])
    assert "done 2" in r.output


@pytest.mark.parametrize("command", ["retouch", "enhance"])
def test_an_unknown_clause_is_a_usage_error_with_suggestions(folder, tmp_path, command):
    args = [command, str(folder / "a.png"), "--hint", "warmer and more sparkle", "--out", str(tmp_path / "o")]
    r = runner.invoke(app, args)
    assert r.exit_code == 2
    assert "'sparkle'" in r.output and "closest:" in r.output
    assert not (tmp_path / "o").exists()
