"""Selecting the events an experiment fits: model lookup, datatype, filters, magnitude cut.

Resolves a model argument (name or :class:`~varpy.modelling.base.RateModel`), finds the
datatype of a project or takes a datatype, applies ``filters=`` (the criteria of
:func:`varpy.preparation.windows.select`), cuts a time window on the experiment's axis and
applies the completeness cut (:func:`magnitude_mask`).

May import: numpy, :mod:`varpy.exceptions`, :mod:`varpy.management.datatypes`,
:mod:`varpy.preparation.windows`, :mod:`varpy.statistics.mags`,
:mod:`varpy.modelling.base`, :mod:`varpy.modelling.registry`,
:mod:`varpy.modelling.experiments.timeaxis`.
"""
from __future__ import annotations

import numpy as np

from varpy.exceptions import DataFormatError
from varpy.management.datatypes import Datatype
from varpy.modelling.base import RateModel
from varpy.modelling.experiments.timeaxis import _Axis, _finite
from varpy.modelling.registry import get_model

__all__ = ["FILTER_KEYS", "magnitude_mask"]


#: Criteria accepted in ``filters=`` (those of :func:`varpy.preparation.windows.select`).
FILTER_KEYS = ("stations", "creep", "time", "lat", "lon", "polygon", "depth", "magnitude",
               "columns")

#: VarPy 2016 kept magnitudes in ``[Mc, 10)``.
_LEGACY_M_MAX = 10.0


def _resolve_model(model) -> RateModel:
    if isinstance(model, RateModel):
        return model
    if isinstance(model, str):
        return get_model(model)
    raise DataFormatError(f"model={model!r} is neither a model name nor a RateModel", key="model",
                          expected="a registered name such as 'iol' "
                                   "(varpy.modelling.models.available_models()) or an instance")


def _base_datatype(obj, kind: str, station) -> Datatype:
    if isinstance(obj, Datatype):
        if kind is not None and obj.kind != str(kind).lower():
            raise DataFormatError(f"kind={kind!r} but the datatype given is {obj.kind.upper()}",
                                  key="kind", expected=repr(obj.kind))
        return obj
    if hasattr(obj, "get") and hasattr(obj, "datatypes"):
        return obj.get(kind, station)
    raise TypeError(f"expected a Volcanic/Laboratory project or a datatype, not "
                    f"{type(obj).__name__}")


def _apply_filters(dt: Datatype, filters) -> Datatype:
    if not filters:
        return dt
    if not isinstance(filters, dict):
        raise DataFormatError(f"filters={filters!r} is not a dict", key="filters",
                              expected=f"a dict with keys among {list(FILTER_KEYS)}")
    unknown = [k for k in filters if k not in FILTER_KEYS]
    if unknown:
        raise DataFormatError(f"unknown filter criterion {unknown[0]!r}", key=unknown[0],
                              expected=f"one of {list(FILTER_KEYS)} "
                                       "(see varpy.preparation.windows.select)")
    from varpy.preparation.windows import select

    return select(dt, **filters)


def _events(dt: Datatype, axis: _Axis, end_rel: float | None):
    """Float times (sorted) and magnitudes of the events in ``[origin, end)``."""
    times = dt.float_times(axis.origin)
    mags = (dt.dataset["magnitude"].to_numpy(dtype=np.float64)
            if "magnitude" in dt.dataset.columns else None)
    keep = np.isfinite(times) & (times >= 0.0)
    if end_rel is not None:
        keep &= times < end_rel
    times = times[keep]
    mags = None if mags is None else mags[keep]
    order = np.argsort(times, kind="stable")
    return times[order], (None if mags is None else mags[order])


def _check_mc(mc):
    if mc is None or isinstance(mc, str):
        return mc
    return _finite(mc, "mc", "a magnitude, a method name such as 'gft', or None")


def magnitude_mask(m: np.ndarray, mc: float, dm: float | None, legacy: bool) -> np.ndarray:
    """Which magnitudes pass a completeness cut at ``mc`` (NaN never passes).

    ``legacy=True``: VarPy 2016's raw ``mc <= m < 10`` (with a floating-point Mc such as
    1.2000000000000002 this drops the events at 1.2). Otherwise, with a bin width ``dm``, the
    magnitude's bin (:func:`varpy.statistics.mags.bin_index`) is at least the bin of ``mc``;
    with ``dm`` None or 0, plain ``m >= mc``.

    Examples
    --------
    >>> m = np.array([1.1, 1.2, 1.3, np.nan])
    >>> magnitude_mask(m, 1.2000000000000002, 0.1, legacy=True).tolist()
    [False, False, True, False]
    >>> magnitude_mask(m, 1.2000000000000002, 0.1, legacy=False).tolist()
    [False, True, True, False]
    """
    m = np.asarray(m, dtype=np.float64)
    finite = np.isfinite(m)
    if legacy:
        return finite & (m >= mc) & (m < _LEGACY_M_MAX)
    if not dm:
        return finite & (m >= mc)
    from varpy.statistics.mags import bin_index

    out = np.zeros(m.shape, dtype=bool)
    out[finite] = bin_index(m[finite], dm) >= int(bin_index([mc], dm)[0])
    return out
