"""Smaller editors through the same diffusion artist: InstructPix2Pix and FLUX.1 Kontext, chosen by
the model folder, on tiny pipelines saved to folders (no download)."""

import functools

import pytest
import torch

pytest.importorskip("transformers")
diffusers = pytest.importorskip("diffusers")

from spc_cli.artist import editors  # noqa: E402
from spc_cli.artist.diffusion import DiffusionArtist  # noqa: E402
from spc_cli.critic.instructions import parse_suggestions  # noqa: E402
from spc_cli.plan import EditPlan  # noqa: E402

from .conftest import make_photo  # noqa: E402
from .tiny_editors import build_kontext, build_pix2pix  # noqa: E402


def recording(pipe):
    """The pipeline, with each call's keyword arguments recorded (same call signature)."""
    calls = []

    class Recording:
        @functools.wraps(type(pipe).__call__)
        def __call__(self, **kw):
            calls.append(kw)
            return pipe(**kw)

        def to(self, *a, **k):
            pipe.to(*a, **k)
            return self

    return Recording(), calls


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("tiny-editors")
    return {"pix2pix": build_pix2pix(root / "pix2pix"), "kontext": build_kontext(root / "kontext")}


PLAN = EditPlan([s.edit for s in parse_suggestions("slightly increase exposure")])


@pytest.mark.parametrize("kind, cls, family", [
    ("pix2pix", "StableDiffusionInstructPix2PixPipeline", editors.PIX2PIX),
    ("kontext", "FluxKontextPipeline", editors.KONTEXT)])
def test_the_folder_chooses_the_pipeline_and_its_defaults(folders, kind, cls, family):
    assert editors.family_of_folder(folders[kind]) == family
    artist = DiffusionArtist(model=str(folders[kind]), device="cpu", seed=0)
    assert type(artist.pipeline).__name__ == cls and artist.family.name == family
    assert (artist.steps, artist.guidance) == (editors.FAMILIES[family].steps, editors.FAMILIES[family].guidance)


def test_instruct_pix2pix_edits_at_the_photos_size(folders):
    artist = DiffusionArtist(model=str(folders["pix2pix"]), device="cpu", steps=2, seed=0)
    artist.pipeline, calls = recording(artist.pipeline)
    photo = make_photo(90, 120)
    (out,) = artist.render([photo], [PLAN])
    (call,) = calls
    assert call["prompt"] == "slightly increase exposure" and call["guidance_scale"] == 7.5
    assert call["image_guidance_scale"] == 1.5 and call["num_inference_steps"] == 2
    assert call["image"].size == (120, 88)  # sides rounded down to the pipeline's multiple of 8, never up
    assert out.photo.pixels.shape == (3, 90, 120) and torch.isfinite(out.photo.pixels).all()
    assert out.applied[0].op == "diffusion_edit" and "instruct-pix2pix" in out.notes[0]


def test_flux_kontext_keeps_the_working_size(folders):
    artist = DiffusionArtist(model=str(folders["kontext"]), device="cpu", steps=2, seed=0)
    artist.pipeline, calls = recording(artist.pipeline)
    (out,) = artist.render([make_photo(90, 120)], [PLAN])
    (call,) = calls
    assert call["_auto_resize"] is False  # not snapped to Kontext's ~1 MP sizes
    assert (call["height"], call["width"]) == (80, 112) and call["max_area"] == 80 * 112
    assert call["guidance_scale"] == 2.5 and "true_cfg_scale" not in call
    assert out.photo.pixels.shape == (3, 90, 120) and torch.isfinite(out.photo.pixels).all()


def test_a_hub_name_is_read_for_its_family():
    assert editors.family_of_name("timbrooks/instruct-pix2pix") == editors.PIX2PIX
    assert editors.family_of_name("black-forest-labs/FLUX.1-Kontext-dev") == editors.KONTEXT
    assert editors.family_of_name("Qwen/Qwen-Image-Edit-2509") == editors.QWEN
    assert editors.pipeline_class(editors.KONTEXT) is diffusers.FluxKontextPipeline
