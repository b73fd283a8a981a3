"""Magnitude statistics (re-exports): binning, b-value, completeness, GR simulation, VarPy 2016.

This module used to hold all of the magnitude statistics; they now live in one module per
concept, and every name importable from here before still is (re-exported unchanged):

==========================================  =======================================================
:mod:`varpy.statistics.binning`             bin-index rule (:func:`bin_index`, :func:`bin_centre`,
                                            :func:`round_to_bins`, :func:`on_grid`),
                                            :func:`check_bin_width`, :func:`histogram`, :func:`fmd`,
                                            :data:`BIN_TOLERANCE`
:mod:`varpy.statistics.bvalue`              b estimators (:func:`estimate_b`,
                                            :func:`estimate_b_positive`,
                                            :func:`b_from_mean_excess`, :class:`BEstimate`),
                                            :func:`a_value`, standard errors (``sigma_*``,
                                            :func:`shi_bolt_constant_value`), :func:`bootstrap_b`,
                                            :func:`bootstrap_b_counts`; :data:`LOG10E`,
                                            :data:`LN10`, :data:`SHI_BOLT_CONSTANT`,
                                            :data:`B_METHODS`
:mod:`varpy.statistics.excess_moments`      exact fused count and moments of the excess over Mc
                                            (the fast path of :func:`estimate_b`; private)
:mod:`varpy.statistics.mc`                  completeness: ``mc_maxc``, ``mc_gft``, ``mc_mbs``,
                                            ``mc_emr``, ``mc_ks``, :func:`completeness`,
                                            :func:`mc_from_counts`, :func:`bootstrap_mc`,
                                            :data:`MC_METHODS`
:mod:`varpy.statistics.gr_simulation`       :func:`simulate_gr`
:mod:`varpy.statistics.legacy2016`          the ``varpy2016_*`` functions (VarPy 2016 behaviour)
==========================================  =======================================================

Pure numpy/scipy: arrays in, numbers (or tuples and dicts of arrays) out. The user-facing
dispatchers with result objects are in :mod:`varpy.analysis.magnitudes`.

May import: the modules above only (it holds no code of its own).

Examples
--------
>>> from varpy.statistics import mags
>>> m = mags.simulate_gr(2000, b=1.0, mc=1.0, dm=0.1, seed=1)
>>> fit = mags.estimate_b(m, mc=1.0, dm=0.1)
>>> round(fit.b, 2), int(fit.n)
(1.01, 2000)
"""
from __future__ import annotations

from varpy.statistics.binning import (
    BIN_TOLERANCE,
    bin_centre,
    bin_index,
    check_bin_width,
    fmd,
    histogram,
    on_grid,
    round_to_bins,
)
from varpy.statistics.bvalue import (
    B_METHODS,
    LN10,
    LOG10E,
    SHI_BOLT_CONSTANT,
    BEstimate,
    a_value,
    b_from_mean_excess,
    b_method_name,
    bootstrap_b,
    bootstrap_b_counts,
    estimate_b,
    estimate_b_positive,
    shi_bolt_constant_value,
    sigma_aki,
    sigma_shi_bolt,
    sigma_tinti_mulargia,
)
# private helpers that tests and benchmarks reach through this module
from varpy.statistics.excess_moments import (  # noqa: F401
    _COMPILED_MIN_SIZE,
    _ROW,
    _compiled_excess_moments,
    _excess_moments,
)
from varpy.statistics.gr_simulation import simulate_gr
from varpy.statistics.legacy2016 import (
    varpy2016_fmd,
    varpy2016_gr_mle,
    varpy2016_mc_gft,
    varpy2016_mc_maxc,
    varpy2016_mc_mbs,
    varpy2016_prepare,
)
from varpy.statistics.mc import (  # noqa: F401
    MC_METHODS,
    _tails,
    bootstrap_mc,
    completeness,
    mc_emr,
    mc_from_counts,
    mc_gft,
    mc_ks,
    mc_maxc,
    mc_mbs,
    mc_method_name,
)

__all__ = [
    "LOG10E",
    "LN10",
    "SHI_BOLT_CONSTANT",
    "BIN_TOLERANCE",
    "B_METHODS",
    "MC_METHODS",
    "BEstimate",
    "check_bin_width",
    "b_method_name",
    "mc_method_name",
    "completeness",
    "bin_index",
    "bin_centre",
    "round_to_bins",
    "on_grid",
    "histogram",
    "fmd",
    "b_from_mean_excess",
    "estimate_b",
    "estimate_b_positive",
    "a_value",
    "sigma_aki",
    "sigma_shi_bolt",
    "shi_bolt_constant_value",
    "sigma_tinti_mulargia",
    "bootstrap_b",
    "bootstrap_b_counts",
    "mc_maxc",
    "mc_gft",
    "mc_mbs",
    "mc_emr",
    "mc_ks",
    "mc_from_counts",
    "bootstrap_mc",
    "simulate_gr",
    "varpy2016_prepare",
    "varpy2016_fmd",
    "varpy2016_gr_mle",
    "varpy2016_mc_maxc",
    "varpy2016_mc_gft",
    "varpy2016_mc_mbs",
]
