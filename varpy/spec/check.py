"""The value checker of specs: every problem collected as a located :class:`SpecError`.

Holds :class:`_Checker`, which checks one value at a time (mappings with unknown and missing
keys, lists, names, booleans, numbers, times, ``[min, max]`` pairs and sandboxed paths) and
records each problem with the spec file, line and key, and what would be valid; plus the
:data:`MISSING` marker and two small helpers.

May import: :mod:`varpy.spec.reading`, :mod:`varpy.exceptions`, and lazily
:mod:`varpy.management.store` (name rules) and :mod:`varpy.management.timeconv`.
"""
from __future__ import annotations

import difflib
import math
from pathlib import Path
from typing import Callable, Iterable, Sequence

from varpy.exceptions import InvalidIDError, SpecError
from varpy.spec.reading import _fmt_key


# ------------------------------------------------------------------------------------------------
# the validator
# ------------------------------------------------------------------------------------------------
class _Missing:
    def __repr__(self):
        return "<missing>"


MISSING = _Missing()


class _Checker:
    """Collects every problem of a spec with its line and key."""

    def __init__(self, path: str | None, marks: dict):
        self.file = path
        self.marks = marks
        self.problems: list[SpecError] = []

    def line(self, keypath: tuple, *, at_key: bool = False) -> int | None:
        kp = tuple(keypath)
        while kp not in self.marks and kp:
            kp = kp[:-1]
        if kp not in self.marks:
            return None
        key_line, value_line = self.marks[kp]
        return key_line if (at_key or kp != tuple(keypath)) else value_line

    def fail(self, keypath, message: str, expected: str | None = None, *,
             at_key: bool = False) -> None:
        self.problems.append(SpecError(message, path=self.file,
                                       line=self.line(keypath, at_key=at_key),
                                       key=_fmt_key(keypath), expected=expected))

    # -- shapes ----------------------------------------------------------------------------------
    def mapping(self, keypath, value, known: Iterable[str], required: Iterable[str] = ()):
        """Check a mapping's keys; returns the mapping (or {} if it is not one)."""
        if not isinstance(value, dict):
            self.fail(keypath, f"must be a mapping (key: value lines), not "
                      f"{_type_name(value)}", f"keys {', '.join(sorted(known))}")
            return {}
        known = list(known)
        for key in value:
            if key not in known:
                hint = difflib.get_close_matches(key, known, n=1)
                self.fail(tuple(keypath) + (key,), "unknown key" +
                          (f"; did you mean {hint[0]!r}?" if hint else ""),
                          f"one of {', '.join(sorted(known))}", at_key=True)
        for key in required:
            if key not in value:
                self.fail(tuple(keypath) + (key,), f"required key {key!r} is missing",
                          f"{key}: ...")
        return value

    def sequence(self, keypath, value, *, allow_scalar: bool = False) -> list:
        if isinstance(value, list):
            return value
        if allow_scalar and value is not None and not isinstance(value, dict):
            return [value]
        self.fail(keypath, f"must be a list, not {_type_name(value)}", "a YAML list")
        return []

    def string(self, keypath, value, *, choices: Sequence[str] | None = None,
               what: str = "value", lower: bool = True):
        if not isinstance(value, str) or not value.strip():
            self.fail(keypath, f"{what} must be a non-empty string, not {_type_name(value)}",
                      None if choices is None else f"one of {', '.join(choices)}")
            return None
        text = value.strip().lower() if lower else value.strip()
        if choices is not None and text not in choices:
            hint = difflib.get_close_matches(text, list(choices), n=1)
            self.fail(keypath, f"unknown {what} {value!r}" +
                      (f"; did you mean {hint[0]!r}?" if hint else ""),
                      f"one of {', '.join(choices)}")
            return None
        return text

    def name(self, keypath, value, what: str):
        """A plain name (station, experiment): letters, digits, '.', '_', '-'."""
        from varpy.management.store import validate_name

        if isinstance(value, bool) or not isinstance(value, (str, int)):
            self.fail(keypath, f"{what} must be a plain name, not {_type_name(value)}",
                      "letters, digits, '.', '_' or '-'")
            return None
        try:
            return validate_name(str(value), what)
        except InvalidIDError as exc:
            self.fail(keypath, str(exc), "letters, digits, '.', '_' or '-'")
            return None

    def boolean(self, keypath, value):
        if not isinstance(value, bool):
            self.fail(keypath, f"must be true or false, not {value!r}", "true or false")
            return None
        return value

    def number(self, keypath, value, *, positive: bool = False, integer: bool = False,
               minimum: float | None = None):
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if ok and integer and not float(value).is_integer():
            ok = False
        if ok and not math.isfinite(float(value)):
            ok = False
        if ok and positive and not value > 0:
            ok = False
        if ok and minimum is not None and value < minimum:
            ok = False
        if not ok:
            want = ("a positive " if positive else "a ") + ("whole number" if integer
                                                           else "finite number")
            if minimum is not None:
                want += f" >= {minimum:g}"
            self.fail(keypath, f"invalid number {value!r}", want)
            return None
        return int(value) if integer else float(value)

    def time(self, keypath, value, calendar: bool, *, allow_none: bool = False):
        """A calendar time (ISO string) or lab seconds (float); None if invalid."""
        if value is None:
            if allow_none:
                return None
            self.fail(keypath, "a time is required here",
                      "'yyyy-mm-dd' or 'dd-mm-yyyy'" if calendar else "seconds")
            return MISSING
        if calendar:
            from varpy.management.timeconv import parse_time

            if isinstance(value, (int, float)) and not isinstance(value, bool):
                self.fail(keypath, f"{value!r} is a number; calendar times must be dates",
                          "'yyyy-mm-dd', 'yyyy-mm-ddThh:mm:ss' or 'dd-mm-yyyy'")
                return MISSING
            try:
                return parse_time(value).isoformat()
            except (TypeError, ValueError) as exc:
                self.fail(keypath, str(exc),
                          "'yyyy-mm-dd', 'yyyy-mm-ddThh:mm:ss' or 'dd-mm-yyyy'")
                return MISSING
        out = self.number(keypath, value)
        return MISSING if out is None else out

    def pair(self, keypath, value, item: Callable):
        """A ``[min, max]`` list whose items are checked by ``item(keypath, value)``."""
        if not isinstance(value, list) or len(value) != 2:
            self.fail(keypath, f"must be a [min, max] pair, not {value!r}",
                      "[min, max] (null for an open side)")
            return None
        return [None if v is None else item(tuple(keypath) + (i,), v)
                for i, v in enumerate(value)]

    def path(self, keypath, value, *, bases: Sequence[Path], allowed: Sequence[Path],
             must_exist: bool, what: str):
        """Resolve a path against ``bases[0]`` and check it stays in ``allowed``."""
        if not isinstance(value, str) or not value.strip():
            self.fail(keypath, f"{what} must be a path string, not {_type_name(value)}",
                      "a path relative to the spec's folder")
            return None
        if "\x00" in value:
            self.fail(keypath, f"{what} holds a NUL character", "a plain path")
            return None
        raw = Path(value)
        full = (raw if raw.is_absolute() else bases[0] / raw).resolve()
        if not any(_inside(full, root) for root in allowed):
            self.fail(keypath, f"{what} {value!r} resolves to {str(full)!r}, outside the "
                      "folders this spec may use (path traversal is refused)",
                      "a path inside " + " or ".join(repr(str(a)) for a in allowed)
                      + "; give other folders with --allow / allowed_roots=")
            return None
        if must_exist and not full.is_file():
            self.fail(keypath, f"{what} {value!r} does not exist (looked for {str(full)!r})",
                      "an existing file, relative to the spec's folder")
            return None
        return full


def _type_name(value) -> str:
    if value is None:
        return "null"
    return {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean",
            int: "a number", float: "a number"}.get(type(value), type(value).__name__)


def _inside(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True
