"""The I/O layer: find photos, decode them to linear light, encode them back atomically.

- :mod:`spc_cli.io.discover`: inputs (files, folders) -> photos to process, and the files not read.
- :mod:`spc_cli.io.decode`: ``read_photo(path) -> Photo`` (JPEG, PNG, TIFF, WebP, BMP, RAW and
  the other raster formats Pillow reads).
- :mod:`spc_cli.io.metadata`: EXIF / ICC / XMP: read, sanitise, rebuild.
- :mod:`spc_cli.io.encode`: ``output_spec`` and ``write_photo``.
- :mod:`spc_cli.io.atomic`: temp-file-and-rename writes.
- :mod:`spc_cli.io.dng`: a tiny DNG writer for tests and examples.
"""

from __future__ import annotations

RAW_EXTENSIONS: frozenset[str] = frozenset(
    {".dng", ".cr2", ".cr3", ".nef", ".arw", ".raf", ".orf", ".rw2", ".pef", ".srw"}
)
# formats spc reads and also writes: an output keeps its input's format (and extension)
RASTER_EXTENSIONS: frozenset[str] = frozenset(
    {".jpg", ".jpeg", ".jpe", ".jfif", ".png", ".apng", ".tif", ".tiff", ".webp", ".bmp", ".dib"}
)
# Other raster formats Pillow decodes by itself (no external program): read (first frame),
# written as PNG unless --format says otherwise. Left out on purpose, each named "not a
# photo format" in a run's summary: vector and printer formats (EPS/PS needs Ghostscript;
# WMF/EMF), Pillow's stub formats with no decoder (BUFR, GRIB, HDF5, MPEG), scientific
# float data (FITS), icons, cursors, brushes and game textures (ICO, CUR, ICNS, GBR, DDS,
# BLP, FTEX), and one-bit X bitmaps (XBM, XPM).
PILLOW_EXTENSIONS: frozenset[str] = frozenset(
    {".gif", ".tga", ".icb", ".vda", ".vst", ".ppm", ".pgm", ".pbm", ".pnm", ".pcx", ".sgi", ".rgb",
     ".rgba", ".bw", ".ras", ".qoi", ".psd", ".jp2", ".j2k", ".jpf", ".jpx", ".j2c", ".jpc", ".avif",
     ".pcd", ".heic", ".heif", ".hif"}  # HEIC/HEIF (phones' default, Canon's .hif): pillow-heif
)
SUPPORTED_EXTENSIONS: frozenset[str] = RASTER_EXTENSIONS | PILLOW_EXTENSIONS | RAW_EXTENSIONS

__all__ = ["PILLOW_EXTENSIONS", "RAW_EXTENSIONS", "RASTER_EXTENSIONS", "SUPPORTED_EXTENSIONS"]
