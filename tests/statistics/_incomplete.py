"""Catalogues with a known rate, b-value and completeness history, for the estimators of
issue 17 (positive statistics, stepwise completeness)."""
from __future__ import annotations

import numpy as np

from varpy.statistics.mags import simulate_gr


def stepwise_catalogue(rate, b, periods, end, dm, rng, *, detect_below=0.0):
    """A Poisson catalogue of GR magnitudes with completeness steps.

    ``rate`` events per unit time at or above the lowest ``mc`` of ``periods``
    (``[(t_start, mc), ...]``) over ``[periods[0][0], end)``; in each period the events below
    its ``mc`` are detected with probability ``detect_below``. Returns time-ordered
    ``(magnitudes, times)``.
    """
    t0 = periods[0][0]
    starts = np.array([p[0] for p in periods])
    mcs = np.array([p[1] for p in periods])
    n = rng.poisson(rate * (end - t0))
    t = np.sort(rng.uniform(t0, end, n))
    m = simulate_gr(n, b, float(mcs.min()), dm, seed=rng)
    period = np.searchsorted(starts, t, side="right") - 1
    keep = (m >= mcs[period] - dm / 2 - 1e-9) | (rng.random(n) < detect_below)
    return m[keep], t[keep]
