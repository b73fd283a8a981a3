"""How a ``varpy`` command answers: exit codes, text or JSON on stdout, errors and logging.

Holds the exit codes (``EXIT_*``), :class:`UsageError`, the internal :class:`_Flagged`
signal, :class:`_Out` (text on stdout, notes on stderr, or one strict JSON document), the map
from exceptions to exit codes and error records (:func:`_exit_code`, :func:`_error_record`,
:func:`_error_text`) and the logging set-up of a command.

May import: :mod:`varpy._json`, :mod:`varpy.exceptions`, and lazily
:mod:`varpy.preparation.windows` and :mod:`varpy.spec.executor` (their exception classes).
"""
from __future__ import annotations

import json
import logging
import sys

from varpy._json import jsonable
from varpy.exceptions import (DataFormatError, FitError, InvalidIDError, SpecError, StoreError,
                              UnknownFormatError, VarpyError)


EXIT_OK = 0
EXIT_USAGE = 1
EXIT_DATA = 2
EXIT_FIT = 3
EXIT_ENVIRONMENT = 4
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130


class UsageError(VarpyError, ValueError):
    """A command line that cannot be run as given (exit code 1)."""


class _Flagged(Exception):
    """Internal: the command finished, but its result is flagged (exit code 3)."""


def _clean(value):
    """JSON-able (varpy._json), with anything else written as its string form."""
    return jsonable(value, default=str)


class _Out:
    """Where a command's answer goes: text on stdout, or one JSON document."""

    def __init__(self, args):
        self.json = bool(getattr(args, "json", False))
        self.quiet = bool(getattr(args, "quiet", False))
        self.stdout = sys.stdout
        self.stderr = sys.stderr

    def text(self, text: str) -> None:
        if not self.json:
            print(text, file=self.stdout)

    def note(self, text: str) -> None:
        if not self.quiet:
            print(text, file=self.stderr)

    def document(self, doc: dict) -> None:
        if self.json:
            print(json.dumps(_clean(doc), indent=1, ensure_ascii=False, allow_nan=False),
                  file=self.stdout)


def _exit_code(exc: BaseException) -> int:
    from varpy.preparation.windows import SelectionError
    from varpy.spec.executor import ExecutorError

    if isinstance(exc, ExecutorError):
        return EXIT_ENVIRONMENT
    if isinstance(exc, (UsageError, SpecError, UnknownFormatError, InvalidIDError,
                        SelectionError)):
        return EXIT_USAGE
    if isinstance(exc, FitError):
        return EXIT_FIT
    if isinstance(exc, DataFormatError):
        # a located problem in a file is a data error; a bad value for a key is a usage error
        return EXIT_DATA if exc.path is not None or exc.line is not None \
            or exc.key is None else EXIT_USAGE
    if isinstance(exc, StoreError):
        return EXIT_DATA
    if isinstance(exc, (FileNotFoundError, IsADirectoryError, NotADirectoryError)):
        return EXIT_DATA
    if isinstance(exc, VarpyError):
        return EXIT_DATA
    if isinstance(exc, (PermissionError, ImportError, OSError)):
        return EXIT_ENVIRONMENT
    return EXIT_INTERNAL


def _error_record(exc: BaseException, *, nested: bool = True) -> dict:
    rec = {"type": type(exc).__name__, "message": str(exc)}
    for attr in ("path", "line", "column", "key", "expected"):
        value = getattr(exc, attr, None)
        if value is not None:
            rec[attr] = value
    notes = getattr(exc, "__notes__", None)
    if notes:
        rec["notes"] = list(notes)
    problems = getattr(exc, "problems", None) if nested else None
    if problems and len(problems) > 1:
        rec["problems"] = [_error_record(p, nested=False) for p in problems]
    return rec


def _error_text(exc: BaseException) -> str:
    problems = getattr(exc, "problems", None)
    if problems and len(problems) > 1:
        lines = [f"varpy: error: {len(problems)} problems"]
        lines += [f"  {p}" for p in problems]
    else:
        lines = [f"varpy: error: {exc}"]
    lines += [f"  {n}" for n in getattr(exc, "__notes__", None) or ()]
    return "\n".join(lines)


def _setup_logging(args) -> None:
    level = logging.DEBUG if getattr(args, "debug", False) else (
        logging.INFO if getattr(args, "verbose", False) else logging.WARNING)
    logger = logging.getLogger("varpy")
    for h in list(logger.handlers):
        if getattr(h, "_varpy_cli", False):
            logger.removeHandler(h)
    if getattr(args, "quiet", False):
        level = logging.ERROR
    handler = logging.StreamHandler(sys.stderr)
    handler._varpy_cli = True
    handler.setFormatter(logging.Formatter("varpy: %(levelname)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
