"""The one conversion of varpy values to JSON/YAML-safe builtins, and back for floats.

Results, provenance and metadata pass through :func:`jsonable` before they are stored or sent to
a gateway. Strict JSON has no NaN or infinity, so by default NaN becomes ``None`` and infinities
become the strings ``"inf"``/``"-inf"``; :func:`json_float` reads all three back. YAML metadata
can hold non-finite floats, so the store keeps them with ``keep_nonfinite=True``.

>>> import numpy as np
>>> jsonable({"b": np.float64(1.02), "ci": (np.nan, np.inf), "n": np.int64(3)})
{'b': 1.02, 'ci': [None, 'inf'], 'n': 3}
>>> [json_float(v) for v in (None, "inf", 2)]
[nan, inf, 2.0]
"""
from __future__ import annotations

import datetime as _dt
import math
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["jsonable", "json_float", "describe"]


def jsonable(value: Any, *, keep_nonfinite: bool = False, default=None) -> Any:
    """Recursively convert numpy/pandas values and containers to JSON-safe builtins.

    Times become ISO strings; objects with ``to_dict()`` are converted through it. Anything else
    is passed to ``default`` (for example ``str``) or, without one, raises :class:`TypeError`
    naming the type, so nothing is stored that cannot be read back.
    """
    kw = {"keep_nonfinite": keep_nonfinite, "default": default}
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if keep_nonfinite or math.isfinite(v):
            return v
        if math.isnan(v):
            return None
        return "inf" if v > 0 else "-inf"
    if value is pd.NaT or value is pd.NA:
        return None
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date, np.datetime64)):
        ts = pd.Timestamp(value)
        return None if ts is pd.NaT else ts.isoformat()
    if isinstance(value, (pd.Timedelta, _dt.timedelta, np.timedelta64)):
        return pd.Timedelta(value).total_seconds()
    if isinstance(value, dict):
        return {str(k): jsonable(v, **kw) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return [jsonable(v, **kw) for v in value.tolist()]
    if isinstance(value, (list, tuple, set, frozenset)):
        items = sorted(value, key=repr) if isinstance(value, (set, frozenset)) else value
        return [jsonable(v, **kw) for v in items]
    if isinstance(value, PurePath):
        return str(value)
    if hasattr(value, "to_dict") and callable(value.to_dict) and not isinstance(value, type):
        return jsonable(value.to_dict(), **kw)
    if default is not None:
        return default(value)
    raise TypeError(f"cannot store a value of type {type(value).__name__} ({value!r:.80}); give "
                    "numbers, strings, times, lists or dicts")


def json_float(value) -> float:
    """Read back a float written by :func:`jsonable` (``None`` is NaN, ``"inf"`` infinity)."""
    if value is None:
        return math.nan
    return float(value)


def describe(value: Any) -> Any:
    """:func:`jsonable`, with objects it cannot store described as ``"<TypeName>"``; for
    recording call parameters that may be results, datatypes or callables."""
    return jsonable(value, default=lambda v: f"<{type(v).__name__}>")
