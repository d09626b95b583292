"""spc: a batch photo enhancer that fixes only what is broken."""

__version__ = "0.1.0"
