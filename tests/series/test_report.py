"""The report page: what it says about each photo, its filters, its updates while a batch runs,
and --json lines checked against their schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from spc_cli import api
from spc_cli.cli import app
from spc_cli.runlog import SCHEMA_FILE

from .shoot import T0, shoot


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """A small run with --report: a series of three frames, a dark photo, a good one and a broken file."""
    root = tmp_path_factory.mktemp("report")
    shoot(root / "in", {"a": (1, T0)})
    rng = np.random.default_rng(3)
    base = (rng.random((60, 80, 3)) * 0.5 + 0.25)
    Image.fromarray((np.kron(base, np.ones((4, 4, 1))) * 255).astype(np.uint8)).save(root / "in" / "good.png")
    Image.fromarray((np.kron(base ** 3, np.ones((4, 4, 1))) * 90).astype(np.uint8)).save(root / "in" / "dark.png")
    (root / "in" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    out = root / "out"
    result = CliRunner().invoke(app, ["enhance", str(root / "in"), "--out", str(out), "--report", "--json"])
    return root, out, result


def _articles(html: str) -> list[str]:
    return re.findall(r"<article class=\"(\w+)\">(.*?)</article>", html, flags=re.S)


def test_the_page_shows_every_photo_with_its_pictures_grouped_by_series(run):
    root, out, result = run
    assert result.exit_code == 1  # the broken file
    html = (out / "index.html").read_text()
    articles = _articles(html)
    assert len(articles) == 6
    states = {re.search(r"<h3[^>]*>([^<]+)<", body).group(1): state for state, body in articles}
    assert states["broken.jpg"] == "failed" and states["dark.png"] == "changed"
    assert "Finished" in html and 'http-equiv="refresh"' not in html  # a finished page stops reloading
    assert "<script" not in html and "http://" not in html and "https://" not in html  # self-contained
    series = re.findall(r"<h2>Series (\w+): 3 photos", html)
    assert len(series) == 1 and html.index("<h2>Series") < html.index("<h2>Photos not in a series")
    for state, body in articles:
        if state != "failed":
            pics = re.findall(r'<img src="([^"]+)" width="(\d+)" height="(\d+)"', body)
            assert len(pics) == 2, body
            for src, w, h in pics:
                with Image.open(out / src) as im:
                    assert im.size == (int(w), int(h)) and max(im.size) <= 320
    dark = next(body for state, body in articles if "dark.png" in body)
    assert "under-exposed" in dark and "increase exposure" in dark and "score" in dark
    broken = next(body for state, body in articles if "broken.jpg" in body)
    assert "failed" in broken and "not written" in broken
    for link in ("#changed", "#left", "#failed"):
        assert f'href="{link}"' in html
    assert "#changed:target~main article:not(.changed)" in html


def test_json_lines_follow_their_schema(run):
    import jsonschema

    root, out, result = run
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    for line in lines:
        jsonschema.validate(line, schema)
    photos = {Path(x["input"]).name: x for x in lines if x["type"] == "photo"}
    assert lines[-1]["type"] == "summary" and lines[-1]["exit_code"] == 1 and lines[-1]["failed"] == 1
    assert set(photos) == {"a_0.jpg", "a_1.jpg", "a_2.jpg", "good.png", "dark.png", "broken.jpg"}
    dark = photos["dark.png"]
    doc = json.loads(Path(dark["sidecar"]).read_text())
    assert dark["score_after"] == round(doc["result"]["score"], 1) and dark["score_before"] < dark["score_after"]
    assert dark["edits"] and dark["edits"][0]["op"] == doc["applied"][0]["op"]
    assert photos["broken.jpg"]["status"] == "failed" and photos["broken.jpg"]["reason"]
    assert photos["a_1.jpg"]["series"] == doc_series(out / "a_1.spc.json")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**dark, "score_after": 140}, schema)


def doc_series(side: Path) -> str:
    return json.loads(side.read_text())["series"]["id"]


def test_a_rerun_reports_up_to_date_photos_from_their_sidecars(run):
    import jsonschema

    root, out, _ = run
    again = CliRunner().invoke(app, ["enhance", str(root / "in"), "--out", str(out), "--report", "--json"])
    lines = [json.loads(line) for line in again.stdout.splitlines()]
    schema = json.loads(SCHEMA_FILE.read_text())
    for line in lines:
        jsonschema.validate(line, schema)
    skipped = [x for x in lines if x.get("status") == "skipped"]
    assert len(skipped) == 5 and all(x["score_before"] is not None and x["did"] for x in skipped)
    html = (out / "index.html").read_text()
    assert html.count("up to date</span>") == 5 and len(_articles(html)) == 6
    shown = set(re.findall(r'src="index_files/([^"]+)"', html))
    assert shown == {p.name for p in (out / "index_files").glob("*.jpg")}  # nothing stale kept, nothing missing


def test_the_page_is_written_while_the_batch_runs(tmp_path, monkeypatch):
    import spc_cli.report as report

    shoot(tmp_path / "in", {"a": (1, T0)})
    seen: list[str] = []
    real = report.Report.outcome
    monkeypatch.setattr(report, "UPDATE_EVERY", 0.0)

    def spy(self, o):
        real(self, o)
        seen.append((tmp_path / "out" / "index.html").read_text())

    monkeypatch.setattr(report.Report, "outcome", spy)
    api.enhance([tmp_path / "in"], tmp_path / "out", progress=False, report=True)
    assert len(seen) == 3
    assert "Running: 1 of 3" in seen[0] and 'http-equiv="refresh"' in seen[0]
    assert seen[0].count("not done yet") == 4  # two photos still to do, two pictures each
    assert "Finished" in (tmp_path / "out" / "index.html").read_text()


def test_an_interrupted_run_leaves_a_page_that_says_so_and_stops_reloading(tmp_path):
    shoot(tmp_path / "in", {"a": (1, T0)})

    def stop(o):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        api.enhance([tmp_path / "in"], tmp_path / "out", progress=False, report=True, on_outcome=stop)
    html = (tmp_path / "out" / "index.html").read_text()
    assert "Stopped" in html and "interrupted after 1 of 3" in html and 'http-equiv="refresh"' not in html


def test_the_schema_names_every_op_an_artist_can_report():
    """A line carries whatever op the artist rendered or left alone: the schema must allow them all
    (it once listed 8 of the pipeline's 13 ops, so a line with a deblur failed its own schema)."""
    from spc_cli.artist import diffusion, smartphotocrafter
    from spc_cli.ops import OPS

    schema = json.loads(SCHEMA_FILE.read_text())
    assert set(schema["$defs"]["op"]["enum"]) == set(OPS) | {diffusion.EDIT_OP, smartphotocrafter.EDIT_OP}


def test_a_line_with_every_op_and_an_edit_left_alone_follows_the_schema(tmp_path):
    import jsonschema

    from spc_cli.engine.record import Outcome
    from spc_cli.ops import OPS
    from spc_cli.runlog import photo_line

    plan = [{"op": op, "instruction": f"adjust {op}"} for op in OPS]
    reason = "camera shake not corrected: the kernels estimated on two parts of the photo disagree"
    doc = {"critique": {"score": 50.0}, "result": {"score": 70.0}, "plan": plan,
           "applied": [{"op": op, "version": 1, "params": {"amount": 0.5}} for op in OPS if op != "deblur"],
           "left_alone": [{"op": "deblur", "instruction": "adjust deblur", "reason": reason}]}
    line = photo_line(Outcome(tmp_path / "a.jpg", "done", tmp_path / "out" / "a.jpg"), doc, tmp_path / "a.spc.json")
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.validate(line, schema)
    assert line["left_alone"] == [{"op": "deblur", "instruction": "adjust deblur", "reason": reason}]
    assert [e["op"] for e in line["edits"]] == [op for op in OPS if op != "deblur"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**line, "left_alone": [{"op": "deblur", "instruction": "x", "reason": ""}]}, schema)


def test_the_page_says_which_planned_edit_an_op_left_undone_and_why(tmp_path):
    from spc_cli.engine.record import Outcome
    from spc_cli.report import Entry
    from spc_cli.report_page import fill

    reason = "camera shake not corrected: the kernels estimated on two parts of the photo disagree"
    doc = {"critique": {"score": 50.0, "findings": []}, "result": {"score": 60.0},
           "plan": [{"op": "exposure", "instruction": "increase exposure"},
                    {"op": "deblur", "instruction": "strongly increase sharpness"}],
           "applied": [{"op": "exposure", "version": 1, "params": {"ev": 0.5}}],
           "left_alone": [{"op": "deblur", "instruction": "strongly increase sharpness", "reason": reason}]}
    entry = Entry(0, "a.jpg")
    fill(entry, Outcome(tmp_path / "a.jpg", "done", tmp_path / "a.jpg"), doc, tmp_path)
    assert entry.state == "changed" and entry.refused == f"strongly increase sharpness: not done ({reason})"
