"""The released SmartPhotoCrafter critic: Qwen2.5-VL with the release's LoRA adapter.

Chosen with ``--critic smartphotocrafter`` (and implied by ``--artist smartphotocrafter``);
needs ``pip install 'spc-cli[models]'`` and the release's weights (see ``crafter.locate``;
nothing downloads without ``--allow-download``). Each photo is shown at the edit's working
size (about 1 MP, never larger than the photo; at most 1 MP when the artist edits larger),
with the release's fixed five-step
instruction; the model answers greedily (up to 1280 new tokens), in batches (left-padded)
on a GPU. The answer is read by ``release_answer`` into findings, a plan, a score and the
whole reasoning. The last-layer hidden states of the prefill and of every generated token
are kept for the artist (the release's coupling), paired with the photo by a fingerprint of
the image the model saw.
"""

from __future__ import annotations

from typing import Any

import torch

from ..errors import UsageError
from ..photo import Photo
from .base import Critique
from .release_answer import critique_from_answer

MAX_NEW_TOKENS = 1280
CRITIC_MEGAPIXELS = 1.0


class SmartPhotoCrafterCritic:
    """``model``: the release (a folder or Hub id; default ``$SPC_SMARTPHOTOCRAFTER_MODEL``, else
    katelyn2333/SmartPhotoCrafter); ``base``: Qwen-Image-Edit-2509 (default ``$SPC_DIFFUSION_MODEL``,
    else the Hub id), needed only when ``vlm/`` lacks its tokenizer. ``megapixels``: the size
    the model sees, the artist's working size. Precision "auto" is bf16 on CUDA, fp32 on the CPU."""

    name = "smartphotocrafter"
    version = "1"

    def __init__(self, model: str | None = None, device: str | torch.device = "auto", precision: str = "auto",
                 batch_size: int = 1, megapixels: float = 1.0, max_new_tokens: int | None = None,
                 allow_download: bool = False, offload: bool = False, base: str | None = None, **_: Any):
        max_new_tokens = MAX_NEW_TOKENS if max_new_tokens is None else max_new_tokens
        if batch_size < 1 or max_new_tokens < 1 or not 0.001 <= megapixels <= 4.0:
            raise UsageError("smartphotocrafter critic: batch_size and max_new_tokens must be >= 1, "
                             "0.001 <= megapixels <= 4")
        from ..crafter.release import shared

        self.batch_size, self.max_new_tokens, self.megapixels = int(batch_size), int(max_new_tokens), float(megapixels)
        self.release = shared(model, base, device, precision, offload, allow_download).load_critic()
        self.last_texts: list[str] = []

    @property
    def device(self) -> torch.device:
        return self.release.device

    @property
    def dtype(self) -> torch.dtype:
        return self.release.dtype

    def answer(self, images: list, keys: list[str] | None = None, instruction: str | None = None,
               tokens: int | None = None) -> list:
        """The model's answers and conditioning for sRGB PIL images (batched); remembered for
        the artist under ``keys``. ``instruction``: another text than the release's five steps
        (the release's manual mode); ``tokens=1``: the prompt's encoding alone (no answer)."""
        from ..crafter.generate import generate_with_states
        from ..crafter.memory import out_of_memory
        from ..crafter.prompt import INSTRUCTION, chat_text

        r = self.release
        text = chat_text(INSTRUCTION if instruction is None else instruction)
        limit = self.max_new_tokens if tokens is None else int(tokens)
        out = []
        for start in range(0, len(images), self.batch_size):
            chunk = images[start:start + self.batch_size]
            try:
                with r.lock:
                    got = generate_with_states(r.vlm, r.processor, [text] * len(chunk), chunk, limit,
                                               r.drop, r.device, r.dtype)
            except torch.cuda.OutOfMemoryError as err:
                raise out_of_memory(err, r.device, "the smartphotocrafter critic") from None
            out.extend(got)
        if keys is not None:
            for k, g in zip(keys, out):
                r.remember(k, g)
        return out

    def critique(self, photos: list[Photo]) -> list[Critique]:
        from ..crafter.proxy import edit_proxy
        from .vlm import check_photos

        photos = check_photos(photos)
        if not photos:
            return []
        proxies = [edit_proxy(p, critic_megapixels(self.megapixels)) for p in photos]
        answers = self.answer([im for _, im, _ in proxies], [k for _, _, k in proxies])
        self.last_texts = [a.text for a in answers]
        critiques = []
        for a in answers:
            c = critique_from_answer(a.text, truncated=a.truncated)
            c.measurements["release_tokens"] = float(a.new_tokens)
            if a.truncated:
                c.notes.append(f"the answer reached the {self.max_new_tokens}-token limit")
            a.plan_text = _plan_text(c)
            critiques.append(c)
        return critiques


def critic_megapixels(megapixels: float) -> float:
    """The size the critic sees: the edit's working size, at most the ~1 MP the release's critic
    was trained on (its image tokens and answer must fit the DiT's 4096 text positions)."""
    return min(float(megapixels), CRITIC_MEGAPIXELS)


def _plan_text(c: Critique) -> str:
    return "; ".join(e.instruction for e in c.plan.edits)


__all__ = ["SmartPhotoCrafterCritic", "MAX_NEW_TOKENS"]
