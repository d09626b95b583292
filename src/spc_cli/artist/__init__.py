from .base import Applied, Artist, Rendered

__all__ = ["Applied", "Artist", "Rendered"]
