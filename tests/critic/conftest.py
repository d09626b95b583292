import pytest
import torch

from .scenes import chart_srgb, linear_of, quantise


@pytest.fixture
def chart() -> torch.Tensor:
    """(3, 512, 768) linear colour chart, quantised to 8 bits like a camera file."""
    return quantise(linear_of(chart_srgb()))
