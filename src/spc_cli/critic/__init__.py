from .base import ATTRIBUTES, Critic, Critique, Finding

__all__ = ["ATTRIBUTES", "Critic", "Critique", "Finding"]
