"""Issue 6, "Inputs": every broken file is one line naming it and why, exit 1, the rest of the batch done.

Unit-level decode errors live in tests/io/test_io_errors.py; here the whole CLI runs over a
folder that mixes good photos with every kind of broken one.
"""

from __future__ import annotations

import io
import os
import re
import struct
import time
import zlib

import pytest
from PIL import Image

from .helpers import EXAMPLES, cli, failure_lines, outputs, save, scene, sidecar_of, temp_files


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def _png(width: int, height: int, extra: bytes = b"", rows: bytes | None = None) -> bytes:
    """An 8-bit RGB PNG declaring ``width`` x ``height``; real rows when given, else a token IDAT."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(rows if rows is not None else b"\x00" * 16)
    return (b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + extra + _png_chunk(b"IDAT", idat)
            + _png_chunk(b"IEND", b""))


def _grey_rows(w: int, h: int) -> bytes:
    return b"".join(b"\x00" + bytes([90, 110, 130]) * w for _ in range(h))


def _encoded(fmt: str, size=(64, 48), **kw) -> bytes:
    buf = io.BytesIO()
    Image.fromarray(scene(size[1], size[0], seed=3)).save(buf, fmt, **kw)
    return buf.getvalue()


def _corrupt_dng() -> bytes:
    data = bytearray((EXAMPLES / "synthetic.dng").read_bytes())
    data[8: len(data) // 2] = bytes(len(data) // 2 - 8)  # wipe IFD0 and the start of the pixel data
    return bytes(data)


# name -> (bytes, words one of which the reason must contain)
def broken_files() -> dict[str, tuple[bytes, tuple[str, ...]]]:
    jpeg, png, tiff = _encoded("JPEG", quality=90), _encoded("PNG"), _encoded("TIFF")
    return {
        "zero bytes.jpg": (b"", ("empty",)),
        "truncated.jpg": (jpeg[: len(jpeg) // 2], ("truncated", "corrupt")),
        "truncated.png": (png[: len(png) // 2], ("truncated", "corrupt")),
        "truncated.tif": (tiff[: len(tiff) // 3], ("truncated", "corrupt")),
        "notes.jpg": (b"shopping list: milk, eggs\n" * 40, ("not an image",)),
        "corrupt.dng": (_corrupt_dng(), ("raw",)),
        "garbage.nef": (b"\x00\x01garbage" * 300, ("raw",)),
        "zero_width.png": (_png(0, 16), ("invalid", "corrupt")),
        "bomb.png": (_png(100_000, 100_000), ("too large",)),
    }


def test_every_broken_input_is_one_line_and_the_rest_is_done(tmp_path, guard):
    shoot = tmp_path / "shoot"
    [save(shoot / "a_good.jpg", scene(48, 64, 1)), save(shoot / "sub" / "z_good.png", scene(48, 64, 2, ev=-1.5))]
    cases = broken_files()
    for name, (data, _) in cases.items():
        (shoot / name).write_bytes(data)
    guard.freeze(shoot)
    out = tmp_path / "out"
    r = cli("enhance", shoot, "--out", out, "--no-refine")
    assert r.exit_code == 1, r.output
    summary = [ln.strip() for ln in r.output.splitlines() if ln.strip().startswith("x ")]
    assert len(summary) == len(cases), r.output
    for name, (_, words) in cases.items():
        lines = [ln for ln in summary if name in ln]
        assert len(lines) == 1, (name, r.output)
        assert any(w in lines[0].lower() for w in words), (name, lines[0])
        assert not (out / name).exists()
    assert re.search(rf"done 2 .*failed {len(cases)}", r.output), r.output
    assert set(outputs(out)) == {"a_good.jpg", os.path.join("sub", "z_good.png")}
    for p in outputs(out).values():
        sidecar_of(p)
    assert not temp_files(out)


def test_quiet_still_names_each_failure_on_one_line(tmp_path, guard):
    shoot = tmp_path / "shoot"
    save(shoot / "ok.png", scene(32, 32))
    (shoot / "empty.png").write_bytes(b"")
    guard.freeze(shoot)
    r = cli("enhance", shoot, "--out", tmp_path / "out", "--quiet", "--no-refine")
    assert r.exit_code == 1
    lines = [ln for ln in r.output.splitlines() if ln.strip()]
    assert lines == [f"failed: {shoot / 'empty.png'}: empty file (0 bytes)"], r.output


def test_decompression_bomb_is_refused_fast_with_little_memory(tmp_path, guard):
    """A 70-byte PNG declaring 100k x 100k (30 GB of pixels): refused from the header."""
    import tracemalloc

    from spc_cli.errors import InputError
    from spc_cli.io.decode import read_photo

    shoot = tmp_path / "shoot"
    shoot.mkdir()
    (shoot / "bomb.png").write_bytes(_png(100_000, 100_000))
    (shoot / "bomb.jpg").write_bytes(_sof_bomb())
    save(shoot / "ok.jpg", scene(32, 48))
    guard.freeze(shoot)
    for name in ("bomb.png", "bomb.jpg"):
        tracemalloc.start()
        t0 = time.perf_counter()
        with pytest.raises(InputError) as info:
            read_photo(shoot / name)
        seconds = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert name in str(info.value) and "too large" in str(info.value), str(info.value)
        assert seconds < 0.5 and peak < 20 << 20, (name, seconds, peak)
    # through the CLI: one line each, the other photo done, exit 1
    r = cli("enhance", shoot, "--out", tmp_path / "out", "--no-refine")
    assert r.exit_code == 1 and "done 1" in r.output and "failed 2" in r.output, r.output
    assert (tmp_path / "out" / "ok.jpg").is_file()


def _sof_bomb() -> bytes:
    """A small JPEG whose frame header (SOF0) declares 60000 x 60000."""
    data = bytearray(_encoded("JPEG", (16, 16), quality=50))
    i = data.index(b"\xff\xc0")
    data[i + 5: i + 9] = struct.pack(">HH", 60000, 60000)
    return bytes(data)


def test_max_megapixels_flag_refuses_a_normal_photo(tmp_path, guard):
    shoot = tmp_path / "shoot"
    save(shoot / "normal.jpg", scene(96, 128))  # 0.012 MP
    save(shoot / "tiny.png", scene(32, 32))  # 0.001 MP
    guard.freeze(shoot)
    # the CLI's smallest limit is 0.01 MP (--max-megapixels min=0.01)
    r = cli("enhance", shoot, "--out", tmp_path / "out", "--max-megapixels", "0.01", "--no-refine")
    assert r.exit_code == 1, r.output
    [line] = [ln for ln in failure_lines(r.output) if ln.strip().startswith("x ")]
    assert "normal.jpg" in line and "too large" in line and "128x96" in line and "limit 0.01" in line
    assert (tmp_path / "out" / "tiny.png").is_file() and not (tmp_path / "out" / "normal.jpg").exists()
    # a zero or negative limit is a usage error, not a batch of failures
    assert cli("enhance", shoot, "--out", tmp_path / "o2", "--max-megapixels", "0").exit_code == 2


# ---------------------------------------------------------------- hostile and oversized metadata

def _exif_ifd(entries: list[tuple[int, int, int, bytes]], next_ifd: int = 0) -> bytes:
    """A big-endian TIFF header + IFD0 with raw (tag, type, count, 4-byte value/offset) entries."""
    body = struct.pack(">H", len(entries))
    for tag, typ, count, value in entries:
        body += struct.pack(">HHI", tag, typ, count) + value.ljust(4, b"\x00")[:4]
    return b"MM\x00*" + struct.pack(">I", 8) + body + struct.pack(">I", next_ifd)


def hostile_metadata_files() -> dict[str, bytes]:
    rows = _grey_rows(8, 8)
    big_exif = Image.Exif()
    big_exif[0x010E] = "x" * (5 << 20)  # 5 MB ImageDescription: over the 4 MB EXIF limit
    garbage_icc = struct.pack(">I", 4000) + b"lcms" + b"\xff" * 3992
    bogus_icc = struct.pack(">I", 0xFFFFFFF0) + b"lcmsmntrRGB XYZ " + b"\x00" * 100  # size claims 4 GB
    xmp_huge = b'<x:xmpmeta xmlns:x="adobe:ns:meta/">' + b" " * (17 << 20) + b"</x:xmpmeta>"
    xmp_nasty = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;'
                 b'&a;&a;&a;&a;&a;">]><x:xmpmeta xmlns:x="adobe:ns:meta/" tiff:Orientation="' + b" " * 50_000
                 + b'6"><l>&b;</l></x:xmpmeta>')
    itxt = lambda xmp: _png_chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + xmp)  # noqa: E731
    return {
        # EXIF: counts that point far past the end, an IFD that links to itself, a deep
        # chain of sub-IFD pointers, an entry type that does not exist, and 5 MB of text
        "exif_counts.png": _png(8, 8, _png_chunk(b"eXIf", _exif_ifd([
            (0x010F, 2, 0x7FFFFFFF, struct.pack(">I", 0x7FFFFFF0)),
            (0x0112, 3, 0xFFFF, struct.pack(">I", 0xFFFFFF00)),
            (0x8769, 4, 1, struct.pack(">I", 0xFFFFFFF0))])), rows),
        "exif_loop.png": _png(8, 8, _png_chunk(b"eXIf", _exif_ifd([(0x8769, 4, 1, struct.pack(">I", 8)),
                                                                   (0x8825, 4, 1, struct.pack(">I", 8))],
                                                                  next_ifd=8)), rows),
        "exif_badtype.png": _png(8, 8, _png_chunk(b"eXIf", _exif_ifd([(0x0112, 99, 1, b"\x00\x06")])), rows),
        "exif_5mb.png": _png(8, 8, _png_chunk(b"eXIf", big_exif.tobytes()[6:]), rows),
        # ICC: garbage after a plausible header, a size field claiming 4 GB, a 9 MB profile in a JPEG
        "icc_garbage.jpg": _encoded("JPEG", (16, 16), icc_profile=garbage_icc),
        "icc_bogus_size.png": _png(8, 8, _png_chunk(b"iCCP", b"p\x00\x00" + zlib.compress(bogus_icc)), rows),
        "icc_9mb.jpg": _encoded("JPEG", (16, 16), icc_profile=b"\x00" * (9 << 20)),
        "icc_zip_bomb.png": _png(8, 8, _png_chunk(b"iCCP", b"p\x00\x00" + zlib.compress(b"\x00" * (64 << 20))), rows),
        # XMP: 17 MB (over the 16 MB limit), and an entity-expansion / padded-attribute packet
        "xmp_17mb.png": _png(8, 8, itxt(xmp_huge), rows),
        "xmp_nasty.jpg": _encoded("JPEG", (16, 16), xmp=xmp_nasty),
    }


def test_hostile_or_oversized_metadata_never_crashes_the_batch(tmp_path, guard):
    """Each file is either refused in one line naming it, or processed with the block dropped; the
    batch always finishes, and oversized blocks are always refused."""
    shoot = tmp_path / "shoot"
    shoot.mkdir()
    files = hostile_metadata_files()
    for name, data in files.items():
        (shoot / name).write_bytes(data)
    save(shoot / "plain.jpg", scene(32, 32))
    guard.freeze(shoot)
    out = tmp_path / "out"
    t0 = time.perf_counter()
    r = cli("enhance", shoot, "--out", out, "--no-refine")
    assert time.perf_counter() - t0 < 60
    assert r.exit_code == 1, r.output
    summary = [ln.strip() for ln in r.output.splitlines() if ln.strip().startswith("x ")]
    refused = {name for name in files if any(name in ln for ln in summary)}
    assert {"exif_5mb.png", "icc_9mb.jpg", "xmp_17mb.png"} <= refused, r.output
    for ln in summary:
        assert sum(name in ln for name in files) == 1 and "Traceback" not in ln
        assert "internal error" not in ln and "could not be read (" not in ln, ln
    assert any("too large" in ln for ln in summary if "9mb" in ln or "5mb" in ln or "17mb" in ln)
    done = {p.name for p in outputs(out).values()}
    assert "plain.jpg" in done
    for name in files:
        assert (name in refused) != (name in done), name  # exactly one of the two
        if name in done:
            doc = sidecar_of(out / name)
            assert doc["input"]["width"] in (8, 16)
    assert not temp_files(out)
