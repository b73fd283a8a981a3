"""Exceptions and warnings raised by varpy.

Every error that concerns user input says *what* is wrong, *where* (file, line, column or key)
and *what would be valid*. Catch :class:`VarpyError` to catch everything varpy raises on purpose.
"""
from __future__ import annotations

from pathlib import Path

__all__ = [
    "VarpyError",
    "DataFormatError",
    "DataFileNotFoundError",
    "MetadataError",
    "UnknownFormatError",
    "InvalidIDError",
    "ProjectExistsError",
    "StoreError",
    "FitError",
    "SpecError",
    "SimulationError",
    "SelectionError",
    "VarpyWarning",
    "FitWarning",
    "DataWarning",
]


class VarpyError(Exception):
    """Base class of every error varpy raises deliberately."""


def _where(path=None, line=None, column=None, key=None) -> str:
    parts = []
    if path is not None:
        parts.append(f"file {str(path)!r}")
    if line is not None:
        parts.append(f"line {line}")
    if column is not None:
        parts.append(f"column {column!r}")
    if key is not None:
        parts.append(f"key {key!r}")
    return ", ".join(parts)


class _LocatedError(VarpyError):
    """An error that knows where in an input it happened."""

    def __init__(self, message: str, *, path: str | Path | None = None, line: int | None = None,
                 column: str | int | None = None, key: str | None = None,
                 expected: str | None = None):
        self.reason = message
        self.path = None if path is None else str(path)
        self.line = line
        self.column = column
        self.key = key
        self.expected = expected
        where = _where(path, line, column, key)
        text = message
        if where:
            text = f"{where}: {text}"
        if expected:
            text = f"{text} (expected {expected})"
        super().__init__(text)


class DataFormatError(_LocatedError, ValueError):
    """A data file (or in-memory table) cannot be parsed as the format it claims to be."""


class DataFileNotFoundError(DataFormatError, FileNotFoundError):
    """A data or metadata file named by the user does not exist (also a FileNotFoundError)."""


class MetadataError(DataFormatError):
    """Metadata is missing a required key or holds an invalid value."""


class UnknownFormatError(VarpyError, ValueError):
    """No importer, model, simulator or method is registered under the given name."""

    def __init__(self, kind: str, name: str, known):
        self.kind = kind
        self.name = name
        self.known = sorted(known)
        super().__init__(f"unknown {kind} {name!r}; valid choices are: {', '.join(self.known)}")


class InvalidIDError(VarpyError, ValueError):
    """A project ID or a user-given path component is unsafe or malformed."""


class StoreError(VarpyError, OSError):
    """The per-ID store cannot be read or written as asked."""


class ProjectExistsError(StoreError, FileExistsError):
    """Writing would overwrite existing user data and ``overwrite=True`` was not given."""


class FitError(VarpyError, RuntimeError):
    """A model cannot be fitted to the data given (for example, too few events)."""


class SimulationError(VarpyError, ValueError):
    """Simulation parameters are invalid or the requested process is undefined (e.g. n >= 1)."""


class SelectionError(VarpyError, ValueError):
    """A window cannot be applied as asked (bad bound, missing column or datatype)."""


class SpecError(_LocatedError):
    """A YAML experiment spec is invalid."""


class VarpyWarning(UserWarning):
    """Base class of varpy's warnings."""


class FitWarning(VarpyWarning):
    """A fit finished but its result needs care (bound hit, non-convergence, p <= 0, ...)."""


class DataWarning(VarpyWarning):
    """Input data were accepted but something in them deserves attention."""
