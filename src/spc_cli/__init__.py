"""spc: a batch photo enhancer that fixes only what is broken (distribution ``spc-cli``)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("spc-cli")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
