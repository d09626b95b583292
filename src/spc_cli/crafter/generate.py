"""Greedy, batched generation that keeps what the DiT is conditioned on.

The release hands the DiT the critic's own last-layer hidden states: the prefill's (the
prompt with the photo) and every generated token's, concatenated, less the chat template's
system part, with an all-ones mask. Asking ``generate`` for every layer's hidden states at
every step would hold all 29 layers of a 7B model for each of up to 1280 tokens; a forward
hook on the language model's final norm keeps only the last layer (the same tensor that
``output_hidden_states`` reports last).

Batches are left-padded (generation continues at the right edge). Each row keeps its own
prompt tokens (padding dropped) and the generated tokens up to its end-of-answer token, so
a photo gets the same states alone or in a batch (up to the arithmetic of padded matmuls).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Generated:
    """One photo's answer and conditioning."""

    text: str
    states: torch.Tensor  # (tokens, hidden): the DiT's prompt embedding, on the CPU
    new_tokens: int  # tokens generated (the end-of-answer token included)
    truncated: bool  # stopped at max_new_tokens, not at the end-of-answer token
    plan_text: str = ""  # the edits the critic's answer was read as, in words (set by the critic)


def final_norm(model) -> torch.nn.Module:
    """The language model's last norm: its output is the last layer's hidden state."""
    base = getattr(model, "model", model)
    lm = getattr(base, "language_model", None) or base
    norm = getattr(lm, "norm", None)
    if not isinstance(norm, torch.nn.Module):
        raise TypeError(f"{type(model).__name__}: no language_model.norm to read hidden states from")
    return norm


def _eos_ids(model, tokenizer) -> set[int]:
    ids: set[int] = set()
    for v in (getattr(getattr(model, "generation_config", None), "eos_token_id", None), tokenizer.eos_token_id):
        if isinstance(v, int):
            ids.add(v)
        elif isinstance(v, (list, tuple)):
            ids.update(int(x) for x in v)
    return ids


@torch.inference_mode()
def generate_with_states(model, processor, texts: list[str], images: list, max_new_tokens: int,
                         drop: int, device: torch.device, dtype: torch.dtype) -> list[Generated]:
    """Answer each (text, image) pair greedily; return the answers and their conditioning.

    ``drop``: leading prompt tokens left out of the states (the template's system part).
    """
    tok = processor.tokenizer
    inputs = processor(text=texts, images=images, padding=True, return_tensors="pt")
    inputs = {k: (v.to(device, dtype=dtype) if torch.is_floating_point(v) else v.to(device))
              for k, v in inputs.items()}
    captured: list[torch.Tensor] = []
    hook = final_norm(model).register_forward_hook(lambda mod, args, out: captured.append(
        (out[0] if isinstance(out, tuple) else out).detach()))
    try:
        out = model.generate(**inputs, max_new_tokens=max_new_tokens, do_sample=False, temperature=None, top_p=None,
                             top_k=None, pad_token_id=tok.pad_token_id, eos_token_id=sorted(_eos_ids(model, tok)),
                             return_dict_in_generate=True)
    finally:
        hook.remove()
    sequences = out.sequences if hasattr(out, "sequences") else out
    prompt_len = inputs["input_ids"].shape[1]
    mask = inputs["attention_mask"].bool()
    eos = _eos_ids(model, tok)
    prefill, steps = captured[0], captured[1:]
    results = []
    for i in range(len(texts)):
        new = sequences[i, prompt_len:].tolist()
        ends = [j for j, t in enumerate(new) if t in eos]
        n = ends[0] + 1 if ends else len(new)
        parts = [prefill[i][mask[i]]] + [s[i, -1:] for s in steps[:max(0, n - 1)]]
        states = torch.cat(parts, dim=0)[drop:].to("cpu")
        text = tok.decode(new[:n], skip_special_tokens=True)
        results.append(Generated(text=text, states=states, new_tokens=n, truncated=not ends))
    return results
