"""The smartphotocrafter backend on a tiny release built in a temporary folder (no download):
the DiT key conversion, both LoRA adapters, the hidden-state coupling, batching, dtype and
device placement, and the memory refusal."""

import pytest
import torch

pytest.importorskip("transformers")
pytest.importorskip("diffusers")
pytest.importorskip("peft")

from spc_cli.artist.smartphotocrafter import SmartPhotoCrafterArtist  # noqa: E402
from spc_cli.crafter import dit_keys, lora, memory  # noqa: E402
from spc_cli.crafter.prompt import INSTRUCTION, chat_text  # noqa: E402
from spc_cli.crafter.proxy import edit_proxy  # noqa: E402
from spc_cli.crafter.release import Release, release_dtype  # noqa: E402
from spc_cli.errors import UsageError  # noqa: E402

from .conftest import make_photo  # noqa: E402
from .tiny_release import tiny_dit  # noqa: E402


@pytest.fixture(scope="module")
def artist(tiny_release):
    release, base = tiny_release
    return SmartPhotoCrafterArtist(model=str(release), base=str(base), device="cpu", steps=2, max_new_tokens=12)


# -- the DiT's key layout ------------------------------------------------------------

def test_the_conversion_maps_every_dit_tensor():
    dit = tiny_dit()
    state = dit.state_dict()
    expected = {k: tuple(v.shape) for k, v in state.items()}
    engine = dit_keys.to_engine_layout(state)
    assert set(engine) != set(state) and "norm_out.linear.weight" in engine  # renamed, halves swapped
    for layout in (engine, {f"pipe.dit.{k}": v for k, v in state.items()}, dict(state),
                   dit_keys.to_engine_layout(state, prefix="model.diffusion_model.")):
        back = dit_keys.to_diffusers(layout, expected)
        assert set(back) == set(expected)  # every tensor placed, every parameter covered
        assert all(torch.equal(back[k], state[k]) for k in state)
    # and the model built from the converted checkpoint computes what the original does
    twin = tiny_dit()
    twin.load_state_dict(dit_keys.to_diffusers(engine, expected))
    x = torch.randn(1, 16, 16)
    kw = dict(hidden_states=x, encoder_hidden_states=torch.randn(1, 5, 32), timestep=torch.tensor([0.5]),
              img_shapes=[[(1, 4, 4)]], return_dict=False)
    assert torch.equal(dit(**kw)[0], twin(**kw)[0])


def test_a_checkpoint_that_does_not_fit_is_a_one_line_error():
    state = tiny_dit().state_dict()
    expected = {k: tuple(v.shape) for k, v in state.items()}
    for bad, what in (({**state, "extra.weight": torch.zeros(1)}, "does not have (extra.weight)"),
                      ({k: v for k, v in state.items() if k != "proj_out.bias"}, "lacks (proj_out.bias)"),
                      ({**state, "proj_out.bias": torch.zeros(3)}, "wrong shape")):
        with pytest.raises(dit_keys.DiTKeyError) as err:
            dit_keys.to_diffusers(bad, expected, source="dit.safetensors")
        assert what in str(err.value) and "\n" not in str(err.value)


# -- loading: both adapters active ----------------------------------------------------

def test_both_adapters_are_loaded_and_active(artist):
    r = artist.release
    assert r.adapters["critic"]["rank"] == 4 and r.adapters["critic"]["alpha"] == 8
    assert r.adapters["artist"]["targets"] == sorted(["attn.add_k_proj", "attn.add_q_proj", "attn.add_v_proj",
                                                      "attn.to_add_out", "attn.to_k", "attn.to_out.0", "attn.to_q",
                                                      "attn.to_v"])
    # the critic: its logits change when its adapter is switched off
    _, image, _ = edit_proxy(make_photo(64, 96), 1.0)
    inputs = r.processor(text=[chat_text()], images=[image], return_tensors="pt")
    with torch.inference_mode():
        on = r.vlm(**inputs).logits
        assert lora.set_enabled(r.vlm, False) == 8  # 2 layers x q, k, v, o
        off = r.vlm(**inputs).logits
        lora.set_enabled(r.vlm, True)
        assert torch.equal(r.vlm(**inputs).logits, on)
    assert not torch.allclose(on, off)
    # the DiT: its prediction changes when its adapter is switched off
    dit = r.pipeline.transformer
    kw = dict(hidden_states=torch.randn(1, 32, 16), encoder_hidden_states=torch.randn(1, 7, 32),
              timestep=torch.tensor([0.3]), img_shapes=[[(1, 4, 4), (1, 4, 4)]], return_dict=False)
    with torch.inference_mode():
        on = dit(**kw)[0]
        assert lora.set_enabled(dit, False) == 16  # 2 blocks x 8 projections
        off = dit(**kw)[0]
        lora.set_enabled(dit, True)
    assert not torch.allclose(on, off)


def test_the_dit_is_the_release_checkpoint_not_random(tiny_release, artist):
    from safetensors.torch import load_file

    release, _ = tiny_release
    saved = load_file(str(release / "dit.safetensors"))
    dit = artist.release.pipeline.transformer
    got = dit.state_dict()
    assert torch.equal(got["transformer_blocks.0.attn.to_out.0.base_layer.weight"],
                       saved["transformer_blocks.0.attn.to_out.weight"])
    half = saved["norm_out.linear.weight"].shape[0] // 2
    assert torch.equal(got["norm_out.linear.weight"][:half], saved["norm_out.linear.weight"][half:])


# -- the coupling --------------------------------------------------------------------------

def test_the_dit_receives_the_critics_hidden_states(artist, canned):
    photo = make_photo(90, 120, seed=3)
    (critique,) = artist.critic.critique([photo])
    assert [e.op for e in critique.plan.edits] == ["exposure", "denoise", "white_balance"]
    _, image, key = edit_proxy(photo, artist.megapixels)
    produced = artist.release.recall(key)
    assert produced is not None and produced.new_tokens > 1

    # what the critic produced is the prefill's and every generated token's last-layer hidden state
    r = artist.release
    inputs = r.processor(text=[chat_text(INSTRUCTION)], images=[image], return_tensors="pt")
    tok = r.processor.tokenizer
    with torch.inference_mode():
        ref = r.vlm.generate(**inputs, max_new_tokens=12, do_sample=False, output_hidden_states=True,
                             return_dict_in_generate=True, pad_token_id=tok.pad_token_id)
    steps = ref.hidden_states[:produced.new_tokens]
    expected = torch.cat([steps[0][-1][0]] + [s[-1][0] for s in steps[1:]], dim=0)[r.drop:]
    assert r.drop > 0 and produced.states.shape == expected.shape
    assert torch.allclose(produced.states, expected, atol=1e-5)

    # and it is what the DiT received, at every step, with an all-ones mask
    received = []
    hook = r.pipeline.transformer.register_forward_pre_hook(
        lambda mod, args, kwargs: received.append((kwargs["encoder_hidden_states"].clone(),
                                                   kwargs.get("encoder_hidden_states_mask"),
                                                   kwargs["hidden_states"].shape[0])), with_kwargs=True)
    try:
        (out,) = artist.render([photo], [critique.plan])
    finally:
        hook.remove()
    assert len(received) == artist.steps
    for states, mask, batch in received:
        assert batch == 1  # the DiT edits one photo at a time
        assert torch.equal(states[0], produced.states.to(states.dtype))
        assert mask is None or bool(mask.all())  # diffusers drops an all-ones mask
    assert out.photo.pixels.shape == photo.pixels.shape and out.applied[0].op == "smartphotocrafter_edit"
    assert any("the critic's hidden states" in n for n in out.notes)


def test_a_plan_that_is_not_the_critics_is_edited_from_its_words(artist, canned):
    from spc_cli.critic.instructions import parse_suggestions
    from spc_cli.plan import EditPlan

    photo = make_photo(64, 80, seed=5)
    artist.critic.critique([photo])
    plan = EditPlan([s.edit for s in parse_suggestions("slightly warm up the colours")])
    (out,) = artist.render([photo], [plan])
    assert any("instruction 'slightly warm up the colours'" in n for n in out.notes)
    (same,) = artist.render([photo], [EditPlan()])
    assert same.photo is photo and same.applied == []  # an empty plan never runs the DiT


def test_batched_generation_keeps_each_photos_states(tiny_release):
    release, base = tiny_release
    from spc_cli.critic.smartphotocrafter import SmartPhotoCrafterCritic

    photos = [make_photo(64, 96, 0), make_photo(96, 64, 1), make_photo(40, 40, 2)]  # different prompt lengths
    batched = SmartPhotoCrafterCritic(str(release), device="cpu", batch_size=3, max_new_tokens=6, base=str(base))
    single = SmartPhotoCrafterCritic(str(release), device="cpu", batch_size=1, max_new_tokens=6, base=str(base))
    images = [edit_proxy(p, 1.0)[1] for p in photos]
    together, alone = batched.answer(images), single.answer(images)
    for a, b in zip(together, alone):
        assert a.text == b.text and a.new_tokens == b.new_tokens
        assert torch.allclose(a.states, b.states, atol=1e-4)


# -- precision, placement, memory ------------------------------------------------------------

def test_bf16_on_the_cpu_puts_every_weight_in_bf16_on_the_cpu(tiny_release):
    release, base = tiny_release
    a = SmartPhotoCrafterArtist(str(release), base=str(base), device="cpu", precision="bf16", steps=1,
                                max_new_tokens=3)
    r = a.release
    assert r.dtype == torch.bfloat16 and r.device == torch.device("cpu") and not r.offload
    for name, model in (("critic", r.vlm), ("DiT", r.pipeline.transformer), ("VAE", r.pipeline.vae)):
        kinds = {(p.dtype, p.device.type) for p in model.parameters()}
        assert kinds == {(torch.bfloat16, "cpu")}, (name, kinds)
    assert r.pipeline.text_encoder is r.vlm  # one critic, shared by the pipeline
    from spc_cli.errors import CriticError

    with pytest.raises(CriticError, match="could not be read"):  # three random tokens, generated in bf16
        a.critic.critique([make_photo(48, 64)])
    assert len(a.critic.last_texts) == 1


def test_auto_precision_is_bf16_on_cuda_and_fp32_on_the_cpu():
    assert release_dtype("auto", torch.device("cuda")) == torch.bfloat16
    assert release_dtype("auto", torch.device("cpu")) == torch.float32
    assert release_dtype("fp16", torch.device("cpu")) == torch.float16


def test_offload_hands_the_pipeline_to_model_cpu_offload(artist):
    r = artist.release
    calls = []

    class Fake:
        def enable_model_cpu_offload(self, device=None):
            calls.append(device)

        def to(self, *a, **k):
            calls.append(("to", a))

    saved = (r.pipeline, r.offload)
    try:
        r.pipeline, r.offload = Fake(), True
        r.place()
        r.offload = False
        r.place()
    finally:
        r.pipeline, r.offload = saved
    assert calls == [r.device, ("to", (r.device,))]


def test_not_enough_gpu_memory_is_one_line_naming_what_is_needed():
    cuda = torch.device("cuda:0")
    parts = {"critic": 8_300_000_000, "DiT": 20_400_000_000, "VAE": 127_000_000}
    gb = memory.GB
    with pytest.raises(memory.NotEnoughMemory) as err:
        memory.check_fits(parts, torch.bfloat16, cuda, offload=False, free=50 * gb)
    msg = str(err.value)
    assert "\n" not in msg and "needs about 66 GB" in msg and "bf16" in msg and "DiT 40.8 GB" in msg
    assert "rerun with --offload (about 48 GB)" in msg and "50.0 GB free" in msg
    with pytest.raises(memory.NotEnoughMemory, match="even --offload needs about 48 GB"):
        memory.check_fits(parts, torch.bfloat16, cuda, offload=False, free=30 * gb)
    assert memory.check_fits(parts, torch.bfloat16, cuda, offload=True, free=50 * gb) > 45 * gb
    assert memory.check_fits(parts, torch.bfloat16, torch.device("cpu"), offload=False) > 60 * gb  # CPU: no check
    oom = memory.out_of_memory(RuntimeError("CUDA out of memory"), torch.device("cpu"), "the artist")
    assert "--offload" in str(oom) and "\n" not in str(oom)


def test_missing_weights_are_one_line_with_the_command_that_fetches_them(tmp_path, tiny_release, monkeypatch):
    import shutil

    from spc_cli.crafter.locate import MissingModel

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(MissingModel) as err:
        Release(str(tmp_path / "nowhere"), device="cpu")
    assert "does not exist" in str(err.value) and "hf download katelyn2333/SmartPhotoCrafter" in str(err.value)
    with pytest.raises(MissingModel) as err:  # a Hub id not in the cache: nothing is downloaded
        Release("spc-tests/not-a-release", device="cpu")
    assert "not in the Hugging Face cache" in str(err.value) and "--allow-download" in str(err.value)
    release, base = tiny_release
    partial = tmp_path / "partial"
    shutil.copytree(release, partial)
    (partial / "dit.safetensors").unlink()
    r = Release(str(partial), str(base), device="cpu")
    r.load_critic()  # the critic needs no DiT
    with pytest.raises(MissingModel) as err:
        r.load_artist()
    msg = str(err.value)
    assert "\n" not in msg and "dit.safetensors" in msg and "`hf download katelyn2333/SmartPhotoCrafter`" in msg
    with pytest.raises(UsageError):
        SmartPhotoCrafterArtist(str(release), base=str(base), device="cpu", megapixels=10)
