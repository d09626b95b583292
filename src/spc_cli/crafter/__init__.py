"""The released SmartPhotoCrafter model run inside spc: shared by ``critic.smartphotocrafter`` and
``artist.smartphotocrafter``.

- ``prompt``: the release's fixed critic instruction and the edit pipeline's chat template;
- ``proxy``: the edit's working size (never larger than the photo) and the image both models see;
- ``generate``: greedy, batched (left-padded) generation that keeps the last-layer hidden
  states of the prefill and of every generated token, the artist's conditioning;
- ``dit_keys``: the DiT checkpoint's DiffSynth key layout -> diffusers';
- ``lora``: a peft LoRA adapter folder injected into a model, and switched on or off;
- ``release``: where the release and its base model are, loading them once, device,
  precision, offload and the memory they need.

Everything here imports torch only; transformers, diffusers and peft load in ``release``
when a model is built.
"""
