"""The release's fixed critic instruction, and the chat template it is sent in.

The fine-tuned critic was trained on this instruction word for word, so it is reproduced
exactly: it asks for a five-step quality and aesthetics analysis in ``<think>``, numbered
suggestions in ``<edit_start>`` and a 0-100 score in ``<answer>``. It is sent, with the
photo, inside Qwen-Image-Edit's own chat template (the text encoder's template of
diffusers' ``QwenImageEditPipeline``), whose system part is dropped from the hidden states
handed to the DiT, as the edit pipeline does with its text encoder's output.
"""

from __future__ import annotations

# The instruction, in the release's words (its steps joined with newlines).
STEPS = (
    "You are an expert in image quality and aesthetic evaluation. Your task is to perform a comprehensive, "
    "multi-level analysis of the given image. For every judgment, follow a detailed, step-by-step chain-of-thought "
    "reasoning. Ensure your analysis is structured, logical, and fully justified using professional terminology and "
    "clear reasoning. After the evaluation, identify critical issues that should be addressed to improve the image "
    "appeal.",
    "Step 1: Image Quality / Degradations Analysis. Note: These attributes negatively affect image perception and "
    "are mostly interference elements that need removal. 1. Blur / Clarity (motion blur, defocus, etc.) 2. Noise "
    "(digital noise, compression artifacts, etc.) 3. Distortion and Artifacts (stretching, moiré, lens distortion, "
    "etc.) 4. Visual Interference (glare, shadow occlusion, weather effects, etc.)",
    "Step 2: Color Performance & Lighting Analysis. Note: These are basic low-level visual attributes that "
    "determine quantifiable visual information. 1. Saturation 2. White balance / Color temperature 3. Contrast "
    "4. Exposure / Light 5. Dynamic Range 6. Shadow quality (some shadows may be intentional artistic design)",
    "Step 3: Composition Analysis. Note: These are technical factors related to static composition and camera "
    "parameter settings, crucial for aesthetic evaluation. 1. Composition and Layout 2. Focus 3. Camera viewpoint "
    "& horizon 4. Background Blur (Bokeh-like Effect)5. Photography style (cinematic, portrait, landscape, etc.)",
    "Step 4: Aesthetic Impression Analysis. Note: These high-level attributes reflect perceptual and semantic "
    "aesthetic impressions. 1. Tone style (vibrant, warm, cool, filmic, etc.) 2. Creativity 3. Emotional "
    "expression and storytelling 4. Semantic richness 5. Environment and background integration 6. Context "
    "adaptability ",
    "Step 5: Comprehensive Evaluation and Output Format:\nSummarize the above analysis and provide concrete "
    "improvement suggestions. Clearly explain the reasoning and logic. Structure the output into numbered "
    "sections: (1) Image Quality / Degradations Analysis + distortion severity, (2) Color Performance & Lighting "
    "Analysis, (3) Composition Analysis, (4) Aesthetic Impression Analysis, (5) Concrete and concise suggestions "
    "for image improvement. Wrap everything in <think>...</think>. After that, identify the most severe issues "
    "and summarize practical, feasible suggestions in <edit_start>...</edit_end>. Finally, provide the overall "
    "quality and aesthetic score (0-100) in <answer>...</answer> without extra words.",
    "VERY IMPORTANT notes: Suggestions for Improvement:\nProvide concise, practical, and feasible improvement "
    "suggestions, organized into numbered categories.\nFocus only on major quality issues that significantly "
    "degrade image perception or aesthetic appeal.\nIgnore minor deviations or intentional artistic choices.\n",
)
INSTRUCTION = "".join(step + "\n" for step in STEPS)

# Qwen-Image-Edit's text-encoder template: a system part (dropped from the conditioning), then
# the photo and the instruction as the user's turn, then the assistant's turn the critic writes.
SYSTEM_PART = ("<|im_start|>system\nDescribe the key features of the input image (color, shape, size, texture, "
               "objects, background), then explain how the user's text instruction should alter or modify the "
               "image. Generate a new image that meets the user's requirements while maintaining consistency "
               "with the original input where appropriate.<|im_end|>\n<|im_start|>user\n")
TEMPLATE = SYSTEM_PART + "<|vision_start|><|image_pad|><|vision_end|>{}<|im_end|>\n<|im_start|>assistant\n"


def chat_text(instruction: str = INSTRUCTION) -> str:
    """The full text for one photo (the image placeholder is expanded by the processor)."""
    return TEMPLATE.format(instruction)


def system_tokens(tokenizer) -> int:
    """How many tokens the system part takes (dropped from the conditioning): the edit pipeline's
    ``prompt_template_encode_start_idx``, 64 with Qwen's tokenizer, counted here so that any
    tokenizer (the tests' tiny one) drops exactly its own system part."""
    return len(tokenizer(SYSTEM_PART, add_special_tokens=False)["input_ids"])
