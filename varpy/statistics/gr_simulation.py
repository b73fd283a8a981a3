"""Gutenberg-Richter magnitudes for tests, examples and benchmarks (:func:`simulate_gr`).

May import: numpy, scipy, :mod:`varpy.statistics.binning`, :mod:`varpy.statistics.bvalue`.

Examples
--------
>>> simulate_gr(3, b=1.0, mc=1.0, dm=0.1, seed=1).tolist()
[1.4, 1.1, 3.3]
"""
from __future__ import annotations

import numpy as np
from scipy import special

from varpy.statistics.binning import check_bin_width, round_to_bins
from varpy.statistics.bvalue import LN10, _as_rng

__all__ = ["simulate_gr"]


def simulate_gr(n: int, b: float, mc: float, dm: float = 0.0, *, detection=None,
                seed=None) -> np.ndarray:
    """``n`` Gutenberg-Richter magnitudes, optionally binned and thinned by a detection curve.

    Continuous magnitudes are ``mc - dm/2 + Exponential(beta = b ln 10)`` and, with
    ``dm > 0``, rounded to the bin centres (so the binned values are ``>= mc``). With
    ``detection=(mu, sigma)`` each event is kept with probability
    :math:`\\Phi((m - \\mu)/\\sigma)`, so fewer than ``n`` events are returned (a catalogue
    with a gradual completeness threshold around ``mu``).
    """
    dm = check_bin_width(dm, allow_zero=True)
    rng = _as_rng(seed)
    m = (float(mc) - dm / 2) + rng.exponential(1.0 / (b * LN10), size=int(n))
    if detection is not None:
        mu, sigma = detection
        keep = rng.random(m.size) < special.ndtr((m - mu) / sigma)
        m = m[keep]
    if dm > 0:
        m = round_to_bins(m, dm)
    return np.atleast_1d(m)
