"""Frequency-magnitude distribution and completeness magnitude: :func:`fmd` and :func:`mc`.

The user-facing dispatchers over :mod:`varpy.statistics.mc` (``maxc``, ``gft``, ``mbs``,
``emr``, ``ks``, bootstrap) and :mod:`varpy.statistics.legacy2016` (``legacy=True``), returning
:class:`~varpy.analysis.magnitude_results.FMDResult` and
:class:`~varpy.analysis.magnitude_results.McResult`.

May import: numpy, :mod:`varpy._json`, :mod:`varpy.exceptions`, :mod:`varpy.statistics`
(binning, mc, legacy2016), :mod:`varpy.analysis.magnitude_input`,
:mod:`varpy.analysis.magnitude_results`.
"""
from __future__ import annotations

import math
import warnings

import numpy as np

from varpy._json import jsonable as _jsonable
from varpy.analysis.magnitude_input import _check_conf, _magnitudes
from varpy.analysis.magnitude_results import FMDResult, McResult
from varpy.exceptions import DataFormatError, FitError, FitWarning
from varpy.statistics.binning import fmd as _fmd_arrays
from varpy.statistics.legacy2016 import (
    varpy2016_fmd,
    varpy2016_mc_gft,
    varpy2016_mc_maxc,
    varpy2016_mc_mbs,
)
from varpy.statistics.mc import bootstrap_mc, completeness, mc_method_name

__all__ = ["fmd", "mc"]

_LEGACY_MC = ("maxc", "gft", "mbs")


def fmd(data, dm: float = 0.1, *, legacy: bool = False, m_min: float = 0.1,
        column: str = "magnitude") -> FMDResult:
    """Frequency-magnitude distribution of a catalogue or magnitude array.

    Parameters
    ----------
    data : array-like or pandas.DataFrame
        Magnitudes, or a catalogue with a ``column`` column. NaN magnitudes are ignored.
    dm : float
        Bin width.
    legacy : bool
        VarPy 2016 rules: drop ``m < m_min``, float bins, top bin omitted.

    Examples
    --------
    >>> fmd([1.0, 1.0, 1.2]).to_frame().values.tolist()
    [[1.0, 2.0, 3.0], [1.1, 0.0, 1.0], [1.2, 1.0, 1.0]]
    """
    m, _, _ = _magnitudes(data, column)
    if m.size == 0:
        raise FitError("no magnitudes to build a frequency-magnitude distribution from")
    if legacy:
        bins, inc, cum = varpy2016_fmd(m, m_min, dm)
        return FMDResult(bins, inc.astype(np.float64), cum.astype(np.float64), float(dm),
                         int(cum[0]) if cum.size else 0, legacy=True)
    centres, inc, cum = _fmd_arrays(m, dm)
    return FMDResult(np.asarray(centres, dtype=np.float64), inc.astype(np.float64),
                     cum.astype(np.float64), float(dm), int(m.size))


_DIAG_FIELDS = {"candidates": "candidates", "residuals": "residuals", "b_values": "b_values",
                "sigmas": "sigmas", "b_averages": "b_averages", "p_values": "p_values",
                "log_likelihoods": "log_likelihoods"}


def mc(data, method: str = "maxc", dm: float = 0.1, *, legacy: bool = False,
       m_min: float = 0.1, n_boot: int = 0, conf_level: float = 0.95, seed=None,
       column: str = "magnitude", **options) -> McResult:
    """Completeness magnitude.

    Parameters
    ----------
    data : array-like or pandas.DataFrame
        Magnitudes, or a catalogue with a ``column`` column. NaN magnitudes are ignored;
        magnitudes are binned to ``dm`` (:func:`varpy.statistics.binning.bin_index`).
    method : {'maxc', 'gft', 'mbs', 'emr', 'ks'}
        Maximum curvature, goodness-of-fit test, b-value stability, entire magnitude range,
        Kolmogorov-Smirnov/Clauset. See :mod:`varpy.statistics.mags` for each method and its
        ``options`` (e.g. ``correction=0.2`` for MAXC, ``residuals='cumulative'`` for GFT,
        ``criterion='cao_gao'`` for MBS, ``n_sim``/``refit`` for KS).
    dm : float
        Bin width of the magnitudes.
    legacy : bool
        VarPy 2016 behaviour (``maxc``, ``gft``, ``mbs`` only; ``m_min`` applies).
    n_boot : int
        If > 0, bootstrap the catalogue (multinomial redraws of the histogram) to give the
        standard deviation and percentile interval of Mc.
    seed : int, numpy.random.Generator or None
        For ``ks`` and the bootstrap.

    Returns
    -------
    McResult
    """
    m, _, _ = _magnitudes(data, column)
    if m.size == 0:
        raise FitError("no magnitudes to estimate completeness from")
    name = mc_method_name(method)
    conf = _check_conf(conf_level)
    if legacy:
        return _legacy_mc(m, name, dm, m_min)
    rng = np.random.default_rng(seed)
    opts = dict(options)
    if name == "ks":
        opts["seed"] = rng
    value, diag = completeness(name, m, dm, **opts)
    if not math.isfinite(value):
        warnings.warn(f"{name} found no completeness magnitude in {m.size} events; mc is NaN",
                      FitWarning, stacklevel=2)
    result = McResult(mc=float(value), method=name, dm=float(dm), n=int(m.size),
                      conf_level=conf, options=_jsonable({k: v for k, v in options.items()}))
    details = {}
    for key, val in diag.items():
        if key in _DIAG_FIELDS:
            setattr(result, _DIAG_FIELDS[key], np.asarray(val, dtype=np.float64))
        else:
            details[key] = val
    result.details = _jsonable(details)
    if n_boot:
        boot_opts = dict(options)
        reps = bootstrap_mc(m, dm, name, n_boot=int(n_boot), seed=rng, **boot_opts)
        ok = reps[np.isfinite(reps)]
        result.n_boot = int(n_boot)
        if ok.size >= 2:
            result.sigma = float(np.std(ok, ddof=1))
            lo, hi = np.percentile(ok, [50 * (1 - conf), 50 * (1 + conf)])
            result.ci = (float(lo), float(hi))
        result.details["bootstrap_failures"] = int(reps.size - ok.size)
    return result


def _legacy_mc(m: np.ndarray, name: str, dm: float, m_min: float) -> McResult:
    if name not in _LEGACY_MC:
        raise DataFormatError(f"VarPy 2016 had no {name!r} completeness method", key="method",
                              expected=f"one of {', '.join(_LEGACY_MC)} with legacy=True")
    n = int(np.count_nonzero(m >= m_min))
    opts = {"m_min": float(m_min), "mbin": float(dm)}
    if name == "maxc":
        value = varpy2016_mc_maxc(m, m_min, dm)
        return McResult(mc=value, method=name, dm=float(dm), n=n, legacy=True, options=opts)
    if name == "gft":
        value, best, cands, misfit = varpy2016_mc_gft(m, m_min, dm)
        return McResult(mc=value, method=name, dm=float(dm), n=n, legacy=True,
                        candidates=np.asarray(cands), residuals=100.0 - np.asarray(misfit),
                        details={"criterion": best, "residual_kind": "cumulative"},
                        options=opts)
    value, cands, b, sig, bave = varpy2016_mc_mbs(m, m_min, dm)
    full = np.full(len(cands), np.nan)
    full[:len(bave)] = bave
    return McResult(mc=value, method=name, dm=float(dm), n=n, legacy=True,
                    candidates=np.asarray(cands), b_values=np.asarray(b),
                    sigmas=np.asarray(sig), b_averages=full,
                    details={"criterion": "shi_bolt", "window_bins": 5}, options=opts)
