"""Error classes. The CLI maps these to exit codes in one place (cli.py)."""

from __future__ import annotations


class SpcError(Exception):
    """Base of every error spc raises on purpose. str(err) is one line for the user."""


class InputError(SpcError):
    """A file cannot be read as a photo: corrupt, truncated, unsupported, too large."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class OutputError(SpcError):
    """An output cannot be written: disk full, permission denied, read-only folder."""

    def __init__(self, path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class CriticError(SpcError):
    """The critic could not judge a photo (a model's answer that cannot be read as a critique).
    The photo fails: it is not written, and its sidecar says why."""


class UsageError(SpcError):
    """The request itself is wrong (bad flag value, unknown hint, --out over an input). Exit 2."""


class LockedError(UsageError):
    """Another spc run holds the output folder."""


class ParamError(UsageError):
    """An op parameter is unknown or out of bounds."""
