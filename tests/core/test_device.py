"""Device/precision selection and the batching logic, including fp16/bf16 on the CPU."""

import pytest
import torch

from spc_cli.artist.pipeline import PipelineArtist
from spc_cli.device import batches, from_compute, resolve_device, resolve_dtype, to_compute
from spc_cli.errors import UsageError
from spc_cli.ops.params import ExposureParams, WhiteBalanceParams
from spc_cli.photo import Metadata, Photo
from spc_cli.plan import Edit, EditPlan


def test_auto_precision_is_fp32_on_cpu_and_fp16_on_cuda():
    assert resolve_dtype("auto", torch.device("cpu")) == torch.float32
    assert resolve_dtype("auto", torch.device("cuda")) == torch.float16
    assert resolve_dtype("bf16", torch.device("cpu")) == torch.bfloat16
    with pytest.raises(UsageError):
        resolve_dtype("fp8", torch.device("cpu"))


def test_device_resolution():
    assert resolve_device("cpu").type == "cpu"
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(UsageError):
        resolve_device("tpu")
    if not torch.cuda.is_available():
        with pytest.raises(UsageError, match="CUDA is not available"):
            resolve_device("cuda:0")


def test_batches_group_by_shape_and_respect_size():
    shapes = [(3, 4, 4), (3, 8, 8), (3, 4, 4), (3, 4, 4), (3, 8, 8)]
    groups = list(batches(shapes, 2))
    assert groups == [[0, 2], [3], [1, 4]]
    assert sorted(i for g in groups for i in g) == list(range(5))
    with pytest.raises(UsageError):
        list(batches(shapes, 0))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_compute_dtype_round_trip_returns_fp32(dtype):
    xs = [torch.rand(3, 5, 7) for _ in range(3)]
    b = to_compute(xs, torch.device("cpu"), dtype)
    assert b.dtype == dtype and b.shape == (3, 3, 5, 7)
    back = from_compute(b)
    assert all(t.dtype == torch.float32 and t.shape == (3, 5, 7) for t in back)
    tol = 1e-2 if dtype == torch.bfloat16 else 1e-3
    assert all(torch.allclose(a, c, atol=tol) for a, c in zip(xs, back))


def _photo(pixels):
    meta = Metadata(source="x", format="png", sha256="0", width=pixels.shape[-1], height=pixels.shape[-2], bit_depth=8)
    return Photo(pixels=pixels, meta=meta)


@pytest.mark.parametrize("precision,tol", [("fp32", 1e-6), ("fp16", 2e-3), ("bf16", 1.5e-2)])
def test_batched_render_matches_one_by_one_in_each_precision(precision, tol):
    torch.manual_seed(0)
    photos = [_photo(torch.rand(3, 16, 24) * 0.5) for _ in range(3)] + [_photo(torch.rand(3, 8, 8) * 0.5)]
    plans = [EditPlan([Edit("exposure", ExposureParams(ev=0.5))]),
             EditPlan([Edit("white_balance", WhiteBalanceParams(red=1.2, blue=0.8)),
                       Edit("exposure", ExposureParams(ev=-0.3))]),
             EditPlan([]),
             EditPlan([Edit("exposure", ExposureParams(ev=1.0))])]
    ref = PipelineArtist(device="cpu", precision="fp32", batch_size=1).render(photos, plans)
    out = PipelineArtist(device="cpu", precision=precision, batch_size=4).render(photos, plans)
    for r, o in zip(ref, out):
        assert o.photo.pixels.dtype == torch.float32
        assert torch.allclose(r.photo.pixels, o.photo.pixels, atol=tol)
        assert [a.op for a in r.applied] == [a.op for a in o.applied]
    assert out[2].applied == [] and torch.equal(out[2].photo.pixels, photos[2].pixels)
