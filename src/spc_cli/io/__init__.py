"""The I/O layer: find photos, decode them to linear light, encode them back atomically.

- :mod:`spc_cli.io.discover`: inputs (files, folders) -> photos to process.
- :mod:`spc_cli.io.decode`: ``read_photo(path) -> Photo`` (JPEG, PNG, TIFF, WebP, RAW).
- :mod:`spc_cli.io.metadata`: EXIF / ICC / XMP: read, sanitise, rebuild.
- :mod:`spc_cli.io.encode`: ``output_spec`` and ``write_photo``.
- :mod:`spc_cli.io.atomic`: temp-file-and-rename writes.
- :mod:`spc_cli.io.dng`: a tiny DNG writer for tests and examples.
"""

from __future__ import annotations

RAW_EXTENSIONS: frozenset[str] = frozenset(
    {".dng", ".cr2", ".cr3", ".nef", ".arw", ".raf", ".orf", ".rw2", ".pef", ".srw"}
)
RASTER_EXTENSIONS: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".jpe", ".png", ".tif", ".tiff", ".webp"}
)
SUPPORTED_EXTENSIONS: frozenset[str] = RASTER_EXTENSIONS | RAW_EXTENSIONS

__all__ = ["RAW_EXTENSIONS", "RASTER_EXTENSIONS", "SUPPORTED_EXTENSIONS"]
