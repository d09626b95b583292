"""The committed examples decode, stay small, and each has a licence line."""

from __future__ import annotations

from pathlib import Path

import pytest

from spc_cli.io.decode import read_photo

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
FILES = sorted(p for p in EXAMPLES.glob("*") if p.suffix.lower() in {".jpg", ".dng"}) if EXAMPLES.is_dir() else []


@pytest.mark.skipif(not FILES, reason="examples/ not built (python tools/make_examples.py)")
def test_examples_decode_and_are_licensed():
    licences = (EXAMPLES / "LICENSES.md").read_text(encoding="utf-8")
    assert len(FILES) >= 7
    for path in FILES:
        assert path.stat().st_size < 300 * 1024, path.name
        assert f"`{path.name}`" in licences, path.name
        photo = read_photo(path)
        assert photo.pixels.shape[0] == 3 and min(photo.width, photo.height) >= 192
    raw = read_photo(EXAMPLES / "synthetic.dng")
    assert raw.meta.format == "raw" and raw.meta.iso == 400
