"""NaN and infinities are defined by spc, not by a library's cast: NaN -> 0, +inf -> white, -inf -> 0.

Every writer (JPEG, PNG 8/16, TIFF 8/16/float, WebP, BMP) and every 8-bit table path
(the float pipeline's fused tables, the exact code tables) is fed the same row of special
values and checked code by code.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import tifffile
import torch
from PIL import Image

from spc_cli.artist.pipeline import PipelineArtist, code_tables
from spc_cli.io.encode import encode_pixels, write_photo
from spc_cli.io.spaces import encode_planes_f32, encode_planes_u8, encode_planes_u16
from spc_cli.ops.params import ContrastParams, ExposureParams, SaturationParams, WhiteBalanceParams
from spc_cli.photo import Metadata, Photo
from spc_cli.plan import Edit

NAN, INF = float("nan"), float("inf")
# one value per 8x8 block, so lossy codecs see flat blocks: NaN, +inf, -inf, beyond white, below black, 0.5 grey
VALUES = [NAN, INF, -INF, 5.0, -3.0, 0.2158]  # linear 0.2158 is sRGB code 128
CODES8 = [0, 255, 0, 255, 0, 128]


def _photo(space: str = "srgb", bit_depth: int = 8, values=VALUES) -> Photo:
    row = torch.tensor(values, dtype=torch.float32).repeat_interleave(8)
    px = row.view(1, 1, -1).expand(3, 8, -1).contiguous()
    meta = Metadata(source=Path("special.png"), format="png", sha256="0" * 64, width=px.shape[2], height=8,
                    bit_depth=bit_depth, colour_space=space)
    return Photo(pixels=px, meta=meta)


def _blocks(arr: np.ndarray) -> list:
    """The value of each 8x8 block's centre pixel, first channel."""
    return [arr[4, 8 * i + 4, 0].item() for i in range(len(VALUES))]


@pytest.mark.parametrize("space", ["srgb", "linear", "adobe_rgb", "display_p3"])
def test_encoders_define_every_special_value(space):
    planes = _photo(space).pixels.numpy()
    u8 = encode_planes_u8(planes, space)
    u16 = encode_planes_u16(planes, space)
    for i, v in enumerate(VALUES[:5]):
        want = 255 if v in (INF, 5.0) else 0
        assert u8[:, 0, 8 * i].tolist() == [want] * 3, (space, v)
        assert u16[:, 0, 8 * i].tolist() == [want * 257] * 3, (space, v)


def test_float_samples_keep_light_above_white_and_define_the_rest():
    f = encode_planes_f32(_photo("linear", 32).pixels.numpy(), "linear")
    assert f.dtype == np.float32 and np.isfinite(f).all()
    assert [f[0, 0, 8 * i] for i in range(5)] == [0.0, 1.0, 0.0, 5.0, 0.0]


@pytest.mark.parametrize("fmt,depth,lossless", [
    ("png", 8, True), ("png", 16, True), ("tiff", 8, True), ("tiff", 16, True), ("bmp", 8, True),
    ("jpeg", 8, False), ("webp", 8, False),
])
def test_every_writer_writes_the_defined_codes(tmp_path, fmt, depth, lossless):
    out = tmp_path / f"special.{fmt}"
    write_photo(_photo(), out, fmt, depth, quality=100)
    if fmt == "tiff":
        arr = tifffile.imread(out)
    elif fmt == "png" and depth == 16:
        import cv2

        arr = cv2.imread(str(out), cv2.IMREAD_UNCHANGED)[:, :, ::-1]
    else:
        with Image.open(out) as img:
            arr = np.asarray(img.convert("RGB"))
    top = 65535 if depth == 16 else 255
    want = [round(c / 255 * top) if c != 128 or depth == 8 else None for c in CODES8]
    got = _blocks(arr)
    for g, w, v in zip(got, want, VALUES):
        if w is None:  # grey at 16 bits: the exact curve's own code
            continue
        assert (g == w) if lossless else abs(g - w) <= 2, (fmt, depth, v, g, w)


def test_float_tiff_writes_the_defined_samples(tmp_path):
    out = tmp_path / "special.tif"
    write_photo(_photo("linear", 32), out, "tiff", 32)
    arr = tifffile.imread(out)
    assert arr.dtype == np.float32
    assert _blocks(arr)[:5] == [0.0, 1.0, 0.0, 5.0, 0.0]


def test_the_codes_an_encoder_gets_are_the_codes_written():
    arr = encode_pixels(_photo(), 8, with_alpha=False)
    assert _blocks(arr) == CODES8


CHANNELWISE = [Edit("white_balance", WhiteBalanceParams(1.2, 1.0, 0.8)), Edit("exposure", ExposureParams(ev=0.5)),
               Edit("contrast", ContrastParams(amount=0.3))]


def test_the_float_pipelines_fused_tables_pass_special_values_to_the_encoder_defined():
    artist = PipelineArtist("cpu", "fp32")
    x = _photo().pixels[None].clone()
    y = artist.apply(x, [CHANNELWISE])[0]
    codes = encode_planes_u8(y.numpy(), "srgb")
    # NaN stays NaN through the exact path and the encoder makes it 0; +inf and beyond-white
    # are white after the gains; -inf and below-black are black
    assert [codes[0, 0, 8 * i] for i in range(5)] == [0, 255, 0, 255, 0]
    # a non-curve op (chroma scaling) on the same values: whatever its arithmetic makes of them
    # (inf - inf is NaN), the encoder's rule decides the codes
    y2 = artist.apply(_photo().pixels[None].clone(), [[Edit("saturation", SaturationParams(saturation=0.5))]])[0]
    codes2 = encode_planes_u8(y2.numpy(), "srgb")
    for i in range(5):
        v = float(y2[0, 0, 8 * i])
        want = 255 if v == INF or v > 1 else 0
        assert codes2[0, 0, 8 * i] == want, (VALUES[i], v)


def test_exact_code_tables_are_finite_and_in_range():
    table = code_tables(CHANNELWISE, "srgb")
    assert table.dtype == np.uint8 and table.shape == (1, 256, 3)
    # an extreme gain drives the upper codes to white; none wraps around to black
    hot = code_tables([Edit("exposure", ExposureParams(ev=4.0, shoulder=1.0))], "srgb")
    assert hot[0, 0].tolist() == [0, 0, 0] and (hot[0, 128:] == 255).all()
    assert (np.diff(hot[0].astype(int), axis=0) >= 0).all()  # monotone: nothing overflowed


def test_model_inputs_and_critic_tiles_define_special_values():
    from spc_cli.colour import to_srgb8, unit_range
    from spc_cli.critic.measure_detail import encode_tiles

    px = _photo().pixels
    arr = to_srgb8(px)
    assert arr.dtype == np.uint8 and [int(arr[0, 8 * i, 0]) for i in range(6)] == CODES8
    assert torch.equal(unit_range(torch.tensor([NAN, INF, -INF, 2.0, -1.0])), torch.tensor([0.0, 1.0, 0.0, 1.0, 0.0]))
    tiles = encode_tiles([px[:, :, :48]])  # the critic's sRGB tiles for noise and sharpness
    assert torch.isfinite(tiles).all() and float(tiles.min()) >= 0.0 and float(tiles.max()) <= 1.0
