"""VLMCritic end to end on a tiny random Qwen2.5-VL built in a temporary folder (no download)."""

import pytest
import torch

pytest.importorskip("transformers")

from spc_cli.critic.base import ATTRIBUTES, Critique  # noqa: E402
from spc_cli.critic.vlm import USER_PROMPT, VLMCritic, critique_from_text  # noqa: E402
from spc_cli.errors import CriticError, UsageError  # noqa: E402

from .conftest import make_photo  # noqa: E402
from .test_instructions import TYPICAL  # noqa: E402


@pytest.fixture(scope="module")
def critic(tiny_vlm_dir):
    return VLMCritic(str(tiny_vlm_dir), device="cpu", max_new_tokens=6, batch_size=2)


def _valid(c):
    assert isinstance(c, Critique)
    assert 0.0 <= c.score <= 100.0 and c.summary
    assert all(f.attribute in ATTRIBUTES for f in c.findings)
    c.to_dict()


def test_loads_from_folder_generates_and_parses(critic):
    assert critic.device == torch.device("cpu") and critic.model.dtype == torch.float32  # auto = fp32 on CPU
    # mixed sizes (padded batches of 2), a thumbnail and a sliver
    photos = [make_photo(48, 64, 0), make_photo(90, 40, 1), make_photo(600, 800, 2), make_photo(3, 300, 4),
              make_photo(1, 1, 5)]
    texts = critic.generate(photos)
    assert len(texts) == 5 and all(isinstance(t, str) for t in texts)
    # a random model writes garbage: that is a failure the user sees, never a good photo
    with pytest.raises(CriticError, match="could not be read as a critique") as err:
        critic.critique(photos)
    assert len(critic.last_texts) == 5 and "\n" not in str(err.value)


def test_batched_generation_matches_one_by_one(tiny_vlm_dir, critic):
    photos = [make_photo(48, 64, 0), make_photo(100, 60, 3)]
    together = critic.generate(photos)
    single = VLMCritic(str(tiny_vlm_dir), device="cpu", max_new_tokens=6, batch_size=1)
    assert single.generate(photos) == together


def test_bf16_on_cpu(tiny_vlm_dir):
    c = VLMCritic(str(tiny_vlm_dir), device="cpu", precision="bf16", max_new_tokens=4)
    assert c.model.dtype == torch.bfloat16
    (text,) = c.generate([make_photo()])
    assert isinstance(text, str)
    assert c.to("cpu") is c


def test_scripted_model_answers_what_it_was_built_to(scripted_vlm_dir):
    from .conftest import SCRIPT

    c = VLMCritic(str(scripted_vlm_dir), device="cpu")
    (res,) = c.critique([make_photo()])
    assert c.last_texts == ["".join(SCRIPT)]
    assert res.score == 41 and [e.op for e in res.plan.edits] == ["exposure"]
    assert res.findings[0].direction == "under" and "too dark" in res.summary


def test_prompt_asks_for_reasoning_suggestions_and_score(critic):
    text = critic.prompt()
    assert "<|image_pad|>" in text and text.endswith("<|im_start|>assistant\n")
    for part in ("Reasoning:", "Suggestions:", "Score: <N>/100", "slightly, moderately, significantly"):
        assert part in USER_PROMPT


def test_inputs_are_checked_before_the_model(critic):
    with pytest.raises(UsageError):
        critic.critique(make_photo())  # not a list
    with pytest.raises(UsageError):
        critic.critique([torch.rand(3, 8, 8)])
    assert critic.critique([]) == []


def test_missing_model_is_a_one_line_usage_error(tmp_path, monkeypatch):
    with pytest.raises(UsageError, match="does not exist"):
        VLMCritic(str(tmp_path / "nope"), device="cpu")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # honoured when local_files_only is None: no network attempt
    with pytest.raises(UsageError) as err:
        VLMCritic("spc-tests/definitely-not-a-model", device="cpu")
    msg = str(err.value)
    assert "\n" not in msg and "hf download spc-tests/definitely-not-a-model" in msg


def test_registry_builds_it_from_the_environment(tiny_vlm_dir, monkeypatch):
    from spc_cli.registry import make_critic

    monkeypatch.setenv("SPC_VLM_MODEL", str(tiny_vlm_dir))  # how the CLI reaches a local folder
    c = make_critic("vlm", device="cpu", max_new_tokens=2)
    assert c.name == "vlm" and c.model_name == str(tiny_vlm_dir)


def test_typical_answer_to_critique():
    c = critique_from_text(TYPICAL)
    _valid(c)
    assert c.score == 58
    assert [f.attribute for f in c.findings] == ["exposure", "haze", "white_balance"]
    assert [f.direction for f in c.findings] == ["under", "present", "cool"]
    assert all(f.confidence == 0.5 for f in c.findings)
    assert [e.op for e in c.plan.edits] == ["exposure", "dehaze", "white_balance"]
    assert c.plan.edits[0].instruction == "slightly increase exposure"
    assert "vignette" in c.summary and c.summary.count(". ") <= 4


@pytest.mark.parametrize("text", ["", "   \n ", "\x00\ufffd RT 7 ,,", "The image.", "Reasoning: blurry blob",
                                  "Suggestions:\n1. add a vignette\n2. crop tighter"])
def test_an_answer_that_cannot_be_read_is_a_critic_error_never_a_good_score(text):
    with pytest.raises(CriticError) as err:
        critique_from_text(text)
    message = str(err.value)
    assert "could not be read" in message and "\n" not in message and "--critic-model" in message


def test_a_readable_answer_needs_a_score_an_edit_or_an_explicit_none():
    assert critique_from_text("Score: 88").score == 88  # a score alone is a verdict
    assert critique_from_text("Suggestions: none").score == 95  # nothing to fix, said in words
    c = critique_from_text("1. slightly increase contrast")
    assert [e.op for e in c.plan.edits] == ["contrast"] and c.score < 95


def test_score_is_derived_when_missing():
    c = critique_from_text("Reasoning: Dark.\nSuggestions:\n1. significantly increase exposure\n"
                           "2. moderately reduce noise")
    assert c.score < 80 and len(c.findings) == 2
    assert critique_from_text("Reasoning: Fine.\nSuggestions: none\nScore: 90/100").score == 90


def test_one_unreadable_answer_in_a_batch_fails_the_call(critic, monkeypatch):
    monkeypatch.setattr(critic, "generate", lambda photos: [TYPICAL, ""])
    with pytest.raises(CriticError, match=r"critique: \(empty\)"):
        critic.critique([make_photo(), make_photo(seed=1)])


def test_critique_reads_what_the_model_wrote(critic, monkeypatch):
    monkeypatch.setattr(critic, "generate", lambda photos: [TYPICAL, "Reasoning: Fine.\nSuggestions: none\nScore: 91"])
    a, b = critic.critique([make_photo(), make_photo(seed=1)])
    assert a.score == 58 and [e.op for e in a.plan.edits] == ["exposure", "dehaze", "white_balance"]
    assert b.score == 91 and not b.findings and not b.plan
