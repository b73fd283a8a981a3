"""Magnitudes with their times, as the estimators take them: finiteness, pairing and time order.

The b-more-positive, a-value, Weichert/Kijko-Smit and b-significance estimators all take
magnitudes and, optionally, the event times that put them in order; the checks and the stable
time sort live here once, with one wording of their errors.

May import: numpy and :mod:`varpy.exceptions`.
"""
from __future__ import annotations

import numpy as np

from varpy.exceptions import DataFormatError

__all__ = ["require_finite", "paired_times", "time_order"]


def require_finite(values: np.ndarray, what: str = "magnitude") -> None:
    """Raise :class:`DataFormatError` at the first NaN or infinity of ``values``.

    >>> require_finite(np.array([1.0, np.nan]))
    Traceback (most recent call last):
    ...
    varpy.exceptions.DataFormatError: column 'magnitude': magnitude at position 1 is ...nan...
    """
    if values.size and not np.isfinite(values).all():
        bad = int(np.flatnonzero(~np.isfinite(values))[0])
        raise DataFormatError(f"{what} at position {bad} is {values[bad]!r}", column=what,
                              expected=f"finite {what}s (drop NaN first)")


def paired_times(magnitudes: np.ndarray, times, *, dtype=None) -> np.ndarray:
    """``times`` as an array with one entry per magnitude (``dtype=float`` also flattens it)."""
    t = np.asarray(times, dtype=dtype)
    if dtype is not None:
        t = t.reshape(-1)
    if t.shape != magnitudes.shape:
        raise DataFormatError(f"{t.size} times for {magnitudes.size} magnitudes", key="times",
                              expected="one time per magnitude")
    return t


def time_order(magnitudes: np.ndarray, times) -> tuple[np.ndarray, np.ndarray | None]:
    """``magnitudes`` in time order (stable sort) and the order used; unchanged without times.

    >>> m, order = time_order(np.array([2.0, 1.0, 3.0]), [5.0, 1.0, 9.0])
    >>> m.tolist(), order.tolist()
    ([1.0, 2.0, 3.0], [1, 0, 2])
    """
    if times is None:
        return magnitudes, None
    order = np.argsort(paired_times(magnitudes, times), kind="stable")
    return magnitudes[order], order
