"""The released SmartPhotoCrafter artist: Qwen-Image-Edit-2509's DiT, fine-tuned, with its LoRA,
conditioned on the critic's own hidden states.

Chosen with ``--artist smartphotocrafter`` (which implies ``--critic smartphotocrafter``).
The DiT is not prompted with re-encoded text: its prompt embedding is the critic's last-layer
hidden states for the photo (the prefill's and every generated token's, all-ones mask), as in
the release. The edit runs on the working-size proxy (about 1 MP, never larger than the
photo), 20 steps, guidance 1.0, seeded, one photo at a time (the DiT's batch is one photo).

Its pixels are never used directly: the change is carried to full resolution by the same
smooth colour map as the ``diffusion`` artist (``diffusion.transfer_edit``). The edit's
geometric drift is measured first (``drift``); above the threshold the map keeps to global
tone and colour and the sidecar says so. The output keeps the input's size, detail and
metadata.

A plan that is not the critic's own (a ``--hint`` changed it) is edited in the release's
manual mode: the DiT is conditioned on the critic's encoding of the plan's words with the
photo. An empty plan leaves the photo untouched and never runs the DiT. The closed loop is
not run for this artist (``closed_loop = False``): the edit follows the critic's reasoning,
not a plan of scalable steps, and each try would cost a DiT run and a 1280-token critique.
"""

from __future__ import annotations

from typing import Any

import torch

from ..errors import InputError, UsageError
from ..photo import Photo
from ..plan import EditPlan
from .base import Applied, Rendered
from .diffusion import TransferSettings, _check, transfer_edit
from ..critic.smartphotocrafter import critic_megapixels
from .drift import DriftSettings, measure_drift

EDIT_OP = "smartphotocrafter_edit"  # the one applied step of the release's edit (it renders the whole plan)

GLOBAL_ONLY = TransferSettings(cells=1, smooth=0)


def plan_words(plan: EditPlan) -> str:
    return "; ".join(e.instruction for e in plan.edits)


def fit_positions(states: torch.Tensor, transformer, size) -> tuple[torch.Tensor, str]:
    """The conditioning cut to the DiT's text positions, if it is longer (its rotary table holds a
    fixed number of positions, shared with the image's). At the release's ~1 MP critic view and
    1280 new tokens it fits; only a longer answer or a larger view is cut, with a note."""
    table = getattr(getattr(transformer, "pos_embed", None), "pos_freqs", None)
    if table is None:
        return states, ""
    h, w = size[0] // 16, size[1] // 16  # latent patches of the edit (VAE 8 x patch 2)
    room = int(table.shape[0]) - max(h // 2, w // 2)  # the image's positions are centred (scale_rope)
    if states.shape[0] <= room:
        return states, ""
    return states[:room], (f"the critic's conditioning was cut from {states.shape[0]} to {room} tokens "
                           "(the DiT's text positions); its last tokens were left out")


class SmartPhotoCrafterArtist:
    """Components: ``release`` (the shared models: ``release.pipeline`` is a
    ``QwenImageEditPlusPipeline`` with the release's DiT, VAE and the critic as text encoder) and
    ``critic`` (a :class:`~spc_cli.critic.smartphotocrafter.SmartPhotoCrafterCritic` on the same
    models, for photos it has not seen)."""

    name = "smartphotocrafter"
    version = "1"
    closed_loop = False

    def __init__(self, model: str | None = None, device: str | torch.device = "auto", precision: str = "auto",
                 steps: int = 20, guidance: float = 1.0, seed: int = 42, megapixels: float = 1.0,
                 allow_download: bool = False, offload: bool = False, base: str | None = None,
                 max_new_tokens: int | None = None, drift: DriftSettings = DriftSettings(),
                 transfer: TransferSettings = TransferSettings(), batch_size: int = 1, **_: Any):
        if steps < 1 or guidance < 0 or not 0.001 <= megapixels <= 4.0:
            raise UsageError("smartphotocrafter artist: needs steps >= 1, guidance >= 0, 0.001 <= megapixels <= 4")
        from ..critic.smartphotocrafter import SmartPhotoCrafterCritic

        self.steps, self.guidance, self.seed, self.megapixels = int(steps), float(guidance), int(seed), float(megapixels)
        self.drift, self.transfer = drift, transfer
        self.critic = SmartPhotoCrafterCritic(model, device, precision, batch_size=max(1, int(batch_size)),
                                              megapixels=megapixels, max_new_tokens=max_new_tokens,
                                              allow_download=allow_download, offload=offload, base=base)
        self.release = self.critic.release.load_artist()

    @property
    def device(self) -> torch.device:
        return self.release.device

    def provenance(self) -> str:
        """Which weights made the edit: the release's folder (its revision is not pinned) and adapters."""
        r = self.release
        ads = ", ".join(f"{k} LoRA rank {v['rank']} alpha {v['alpha']:g}" for k, v in r.adapters.items())
        return f"smartphotocrafter weights: release {r.release_dir}, base {r.base_dir()} ({ads})"

    # -- one edit -------------------------------------------------------------
    def conditioning(self, image, key: str, plan: EditPlan) -> tuple[torch.Tensor, str]:
        """The DiT's prompt embedding for this image and plan, and how it was made."""
        got = self.release.recall(key)
        if got is None:  # a photo the critic has not answered for (the Python API, another critic)
            got = self.critic.answer([image], [key])[0]
            from ..critic.release_answer import critique_from_answer

            got.plan_text = plan_words(critique_from_answer(got.text, got.truncated).plan)
        words = plan_words(plan)
        if words == got.plan_text:
            return got.states, "the critic's hidden states (its reasoning and suggestions)"
        manual = self.critic.answer([image], instruction=words, tokens=1)[0]
        return manual.states, f"the critic's encoding of the instruction '{words}' (the plan is not the critic's own)"

    def edit(self, image, states: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
        """Run the DiT on one sRGB PIL image; returns the edited (3, h, w) sRGB tensor in [0, 1]."""
        from ..crafter.memory import out_of_memory
        from .editors import conditioning_size

        pipe = self.release.pipeline
        h, w = size
        emb = states.to(self.device, self.release.dtype).unsqueeze(0)
        kw: dict[str, Any] = dict(image=image, prompt=None, prompt_embeds=emb,
                                  prompt_embeds_mask=torch.ones(emb.shape[:2], dtype=torch.long, device=self.device),
                                  true_cfg_scale=self.guidance, num_inference_steps=self.steps, height=h, width=w,
                                  generator=torch.Generator(device="cpu").manual_seed(self.seed), output_type="pt")
        if self.guidance > 1.0:  # true CFG against an empty instruction, as the release's negative prompt
            neg = self.critic.answer([image], instruction="", tokens=1)[0].states.to(self.device, self.release.dtype)
            kw.update(negative_prompt_embeds=neg.unsqueeze(0),
                      negative_prompt_embeds_mask=torch.ones((1, neg.shape[0]), dtype=torch.long, device=self.device))
        try:
            with self.release.lock, conditioning_size(pipe, h, w), torch.inference_mode():
                out = pipe(**kw)
        except torch.cuda.OutOfMemoryError as err:
            raise out_of_memory(err, self.device, "the smartphotocrafter artist") from None
        images = out.images if hasattr(out, "images") else out[0]
        return images[0].float().cpu().clamp(0.0, 1.0)

    # -- the contract -----------------------------------------------------------
    def render(self, photos: list[Photo], plans: list[EditPlan]) -> list[Rendered]:
        from ..colour import srgb_to_linear
        from ..crafter.proxy import edit_proxy

        photos, plans = _check(photos, plans)
        results: list[Rendered] = []
        for photo, plan in zip(photos, plans):
            strengths = [e.strength for e in plan.edits]
            strength = float(sum(strengths) / len(strengths)) if strengths else 0.0
            if not plan.edits or strength <= 0.0 or all(e.effective().is_neutral() for e in plan.edits):
                results.append(Rendered(photo=photo, applied=[], notes=["empty plan: photo left untouched"]))
                continue
            source, image, key = edit_proxy(photo, self.megapixels)
            seen = (image, key) if critic_megapixels(self.megapixels) == self.megapixels else \
                edit_proxy(photo, critic_megapixels(self.megapixels))[1:]
            states, how = self.conditioning(*seen, plan)
            states, cut = fit_positions(states, self.release.pipeline.transformer, source.shape[-2:])
            edited = srgb_to_linear(self.edit(image, states, tuple(source.shape[-2:])))
            if edited.dim() != 3 or edited.shape[0] != 3 or not torch.isfinite(edited).all():
                raise InputError(photo.meta.source, "the smartphotocrafter DiT returned an unusable image "
                                 f"(shape {tuple(edited.shape)}; non-finite values suggest --precision bf16)")
            drift = measure_drift(source, edited)
            moved = drift.too_large(self.drift)
            settings = GLOBAL_ONLY if moved else self.transfer
            full = photo.pixels.to(self.device)
            pixels = transfer_edit(full, source.to(self.device), edited.to(self.device), settings,
                                   strength=min(strength, 2.0)).to(photo.pixels.device)
            h, w = source.shape[-2:]
            applied = Applied(op=EDIT_OP, version=1,
                              params={"steps": float(self.steps), "guidance": float(self.guidance),
                                      "seed": float(self.seed), "strength": round(strength, 6),
                                      "drift_shift": round(drift.shift, 6), "drift_flow": round(drift.flow, 6),
                                      "global_only": float(moved)})
            notes = [f"smartphotocrafter edit of a {w}x{h} proxy ({self.steps} steps, guidance {self.guidance:g}, "
                     f"seed {self.seed}), conditioned on {how}",
                     *([cut] if cut else []),
                     drift.describe() + (" (above the threshold: the transfer kept to global tone and colour, "
                                         "one gain and offset per channel)" if moved else " (within the threshold)"),
                     "colour change carried to full resolution by a smooth gain/offset map; geometry unchanged",
                     "not replayable bit-exactly without the same model weights, library versions and device",
                     self.provenance()]
            results.append(Rendered(photo=photo.with_pixels(pixels.to(photo.pixels.dtype)), applied=[applied],
                                    notes=notes))
        return results


__all__ = ["SmartPhotoCrafterArtist", "GLOBAL_ONLY", "plan_words"]
