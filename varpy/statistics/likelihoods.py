"""Log-likelihoods of inhomogeneous Poisson processes and their analytic derivatives.

Pure functions of float arrays (no varpy objects), used by :mod:`varpy.modelling.models`.
Event times ``t_i`` lie in the half-open window ``[t0, t1)``; for a rate :math:`\\lambda(t)`

.. math:: \\ln L = \\sum_i \\ln\\lambda(t_i) - \\int_{t0}^{t1}\\lambda(t)\\,dt .

Rates (formulas.md §3.10-3.13, varpy-2016.md §7.2):

========================  =================================================  =========================
model                     rate                                               parameters
========================  =================================================  =========================
constant                  :math:`k`                                          ``k``
exponential               :math:`k e^{\\lambda t}`                            ``k, lam``
inverse Omori (IOL, FFM)  :math:`k (t_f - t)^{-p}`                           ``k, tf, p``
modified Omori (MOL)      :math:`k (t + c)^{-p}`                             ``k, c, p``
creep                     :math:`k_1 (t + c)^{-p_1} + k_2 (t_f - t)^{-p_2}`  ``k1, c, p1, k2, tf, p2``
========================  =================================================  =========================

Both power laws integrate :math:`x^{-p}` over :math:`[\\delta, \\delta + T]` (with
:math:`\\delta = t_f - t_1` or :math:`t_0 + c`). Writing :math:`L = \\ln(1 + T/\\delta)` and
:math:`u = (1 - p) L`,

.. math:: J = \\int_\\delta^{\\delta+T} x^{-p}\\,dx = \\delta^{1-p} L\\, \\frac{e^u - 1}{u},

which is smooth through :math:`p = 1` (:func:`log_exprel` evaluates :math:`\\ln((e^u-1)/u)`
without the 0/0 at :math:`u = 0`; no code path tests ``p == 1``). In :math:`y = \\ln x` the
density :math:`\\propto x^{-p}` is a truncated exponential, so for fixed :math:`\\delta` the
maximum-likelihood :math:`p` solves :math:`h(u) = r` with :math:`h` = :func:`exprel_mean` and
:math:`r` the scaled mean of :math:`\\ln(\\delta + z_i)`; :func:`power_law_profile` uses this to
profile both :math:`k` (:math:`\\hat k = N/J`) and :math:`p` in closed form.

Functions return ``-inf`` (never raise) for parameters outside the model's domain (``k <= 0``,
``tf`` not after every event and after ``t1``, ``t0 + c <= 0``); optimisers treat that as
"infeasible". ``p`` may take any real value in the likelihood itself; the fitting code bounds it.

This module holds the rate models' likelihoods and re-exports the helpers they are built on,
so every name keeps its public path: the truncated-exponential moments and power-law integrals
live in :mod:`varpy.statistics.exprel`, the power-law core (:class:`LogDistanceSums`,
:func:`power_law_terms`, :func:`power_law_profile`) in :mod:`varpy.statistics.power_law`.
May import: numpy, math and those two modules.

Examples
--------
>>> import numpy as np
>>> from varpy.statistics import likelihoods as lk
>>> t = np.array([1.0, 4.0, 6.0, 7.5, 8.2, 8.9])
>>> round(float(lk.iol_loglik(t, 0.0, 9.0, k=3.0, tf=10.0, p=1.0)), 6)
-7.290748
>>> # the p = 1 (hyperbolic) limit is continuous
>>> a = lk.iol_loglik(t, 0.0, 9.0, k=3.0, tf=10.0, p=1.0 + 1e-12)
>>> bool(abs(a - lk.iol_loglik(t, 0.0, 9.0, k=3.0, tf=10.0, p=1.0)) < 1e-9)
True
"""
from __future__ import annotations

import numpy as np

from varpy.statistics.exprel import (  # noqa: F401  (re-exported: public path)
    _log_exprel_s,
    _mean_inverse_flat,
    _mean_inverse_s,
    _mean_s,
    _newton_step_s,
    _tail,
    _tail_and_variance,
    _tail_s,
    _var_s,
    exprel_mean,
    exprel_mean_inverse,
    exprel_variance,
    log_exprel,
    log_power_integral,
    power_integral,
)
from varpy.statistics.power_law import (  # noqa: F401  (re-exported: public path)
    LogDistanceSums,
    _ascending,
    _power_law_hessian_s,
    _power_law_profile_s,
    _power_law_terms_s,
    power_law_profile,
    power_law_terms,
)

__all__ = [
    "log_exprel",
    "exprel_mean",
    "exprel_variance",
    "exprel_mean_inverse",
    "log_power_integral",
    "power_integral",
    "LogDistanceSums",
    "power_law_terms",
    "power_law_profile",
    "constant_rate",
    "constant_integral",
    "constant_loglik",
    "constant_gradient",
    "constant_hessian",
    "exponential_rate",
    "exponential_integral",
    "exponential_loglik",
    "exponential_gradient",
    "exponential_hessian",
    "exponential_profile",
    "iol_rate",
    "iol_integral",
    "iol_loglik",
    "iol_gradient",
    "iol_hessian",
    "mol_rate",
    "mol_integral",
    "mol_loglik",
    "mol_gradient",
    "mol_hessian",
    "creep_rate",
    "creep_integral",
    "creep_loglik",
    "creep_gradient",
]


# --------------------------------------------------------------------------------------------
# Constant rate
# --------------------------------------------------------------------------------------------

def constant_rate(t, k):
    """Rate ``k`` at times ``t``."""
    return np.full(np.shape(t), float(k))


def constant_integral(a, b, k):
    """Integral of the constant rate over ``[a, b]``."""
    return k * (np.asarray(b, dtype=np.float64) - np.asarray(a, dtype=np.float64))


def constant_loglik(times, t0, t1, k):
    """``N ln k - k (t1 - t0)``; ``-inf`` for ``k <= 0``."""
    n = np.size(times)
    if not k > 0:
        return -np.inf
    return n * np.log(k) - k * (t1 - t0)


def constant_gradient(times, t0, t1, k):
    """Gradient of :func:`constant_loglik` with respect to ``k``."""
    return np.array([np.size(times) / k - (t1 - t0)])


def constant_hessian(times, t0, t1, k):
    """Hessian of :func:`constant_loglik`."""
    return np.array([[-np.size(times) / k**2]])


# --------------------------------------------------------------------------------------------
# Exponential rate k exp(lam t)
# --------------------------------------------------------------------------------------------

def exponential_rate(t, k, lam):
    """``k exp(lam t)``."""
    return k * np.exp(lam * np.asarray(t, dtype=np.float64))


def _exp_log_integral(a, b, lam):
    """ln of the integral of exp(lam t) over [a, b] (stable through lam = 0)."""
    a = np.asarray(a, dtype=np.float64)
    w = np.asarray(b, dtype=np.float64) - a
    with np.errstate(divide="ignore"):
        return lam * a + np.log(w) + log_exprel(lam * w)


def exponential_integral(a, b, k, lam):
    """Integral of ``k exp(lam t)`` over ``[a, b]`` (vectorised, stable at ``lam = 0``)."""
    return k * np.exp(_exp_log_integral(a, b, lam))


def exponential_loglik(times, t0, t1, k, lam):
    """``N ln k + lam sum(t) - k int exp(lam t)``; ``-inf`` for ``k <= 0``."""
    if not k > 0:
        return -np.inf
    times = np.asarray(times, dtype=np.float64)
    with np.errstate(over="ignore"):
        return times.size * np.log(k) + lam * times.sum() - k * np.exp(
            _exp_log_integral(t0, t1, lam))


def _exp_moments(t0, t1, lam):
    T = t1 - t0
    u = lam * T
    I = np.exp(_exp_log_integral(t0, t1, lam))
    mean = t0 + T * exprel_mean(u)
    var = T * T * exprel_variance(u)
    return I, mean, var


def exponential_gradient(times, t0, t1, k, lam):
    """Gradient of :func:`exponential_loglik` with respect to ``(k, lam)``."""
    times = np.asarray(times, dtype=np.float64)
    I, mean, _ = _exp_moments(t0, t1, lam)
    return np.array([times.size / k - I, times.sum() - k * I * mean])


def exponential_hessian(times, t0, t1, k, lam):
    """Hessian of :func:`exponential_loglik` with respect to ``(k, lam)``."""
    n = np.size(times)
    I, mean, var = _exp_moments(t0, t1, lam)
    return np.array([[-n / k**2, -I * mean], [-I * mean, -k * I * (var + mean * mean)]])


def exponential_profile(times, t0, t1):
    """Closed-form MLE of the exponential rate.

    ``lam`` solves ``mean(t) = t0 + T exprel_mean(lam T)`` (the truncated-exponential mean;
    the profile log-likelihood is concave, so the root is the unique maximum) and
    ``k = N / int exp(lam t)``.

    Returns
    -------
    (k, lam, loglik)
    """
    times = np.asarray(times, dtype=np.float64)
    n = times.size
    T = t1 - t0
    r = (times.mean() - t0) / T
    rc = (t1 - times.mean()) / T
    u = float(exprel_mean_inverse(r, rc))
    lam = u / T
    k = n / np.exp(_exp_log_integral(t0, t1, lam))
    return float(k), float(lam), float(exponential_loglik(times, t0, t1, k, lam))


# --------------------------------------------------------------------------------------------
# Inverse Omori law k (tf - t)^-p and modified Omori law k (t + c)^-p
# --------------------------------------------------------------------------------------------

def iol_rate(t, k, tf, p):
    """``k (tf - t)**-p`` (nan at or after ``tf``)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        x = tf - np.asarray(t, dtype=np.float64)
        return np.where(x > 0, k * np.exp(-p * np.log(x)), np.nan)


def iol_integral(a, b, k, tf, p):
    """Integral of the inverse Omori rate over ``[a, b]`` (``b < tf``), vectorised."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return k * power_integral(tf - b, b - a, p)


def iol_loglik(times, t0, t1, k, tf, p):
    """Inverse Omori log-likelihood ``N ln k - p sum ln(tf - t_i) - k J``; ``-inf`` off-domain.

    The domain is ``k > 0`` and ``tf > t1`` (hence after every event).
    """
    if not (k > 0 and tf > t1):
        return -np.inf
    times = np.asarray(times, dtype=np.float64)
    S = np.log(tf - times).sum()
    J = power_integral(tf - t1, t1 - t0, p)
    return times.size * np.log(k) - p * S - k * J


def iol_gradient(times, t0, t1, k, tf, p):
    """Gradient of :func:`iol_loglik` with respect to ``(k, tf, p)``."""
    times = np.asarray(times, dtype=np.float64)
    x = tf - times
    _, g, _ = power_law_terms(times.size, np.log(x).sum(), (1.0 / x).sum(), (x ** -2.0).sum(),
                              t1 - t0, tf - t1, k, p)
    return g


def iol_hessian(times, t0, t1, k, tf, p):
    """Hessian of :func:`iol_loglik` with respect to ``(k, tf, p)``."""
    times = np.asarray(times, dtype=np.float64)
    x = tf - times
    # np.add.reduce is .sum() and np.reciprocal is 1.0 / x, without the wrappers' overhead
    _, _, h = power_law_terms(times.size, np.add.reduce(np.log(x)),
                              np.add.reduce(np.reciprocal(x)), np.add.reduce(x ** -2.0),
                              t1 - t0, tf - t1, k, p)
    return h


def mol_rate(t, k, c, p):
    """``k (t + c)**-p`` (nan where ``t + c <= 0``)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        x = np.asarray(t, dtype=np.float64) + c
        return np.where(x > 0, k * np.exp(-p * np.log(x)), np.nan)


def mol_integral(a, b, k, c, p):
    """Integral of the modified Omori rate over ``[a, b]`` (``a + c > 0``), vectorised."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    return k * power_integral(a + c, b - a, p)


def mol_loglik(times, t0, t1, k, c, p):
    """Modified Omori log-likelihood; ``-inf`` unless ``k > 0`` and ``t0 + c > 0``."""
    if not (k > 0 and t0 + c > 0):
        return -np.inf
    times = np.asarray(times, dtype=np.float64)
    S = np.log(times + c).sum()
    J = power_integral(t0 + c, t1 - t0, p)
    return times.size * np.log(k) - p * S - k * J


def _mol_terms(times, t0, t1, k, c, p):
    """:func:`power_law_terms` of the modified Omori law: (loglik, gradient, Hessian)."""
    times = np.asarray(times, dtype=np.float64)
    x = times + c
    return power_law_terms(times.size, np.log(x).sum(), (1.0 / x).sum(), (x ** -2.0).sum(),
                           t1 - t0, t0 + c, k, p)


def mol_gradient(times, t0, t1, k, c, p):
    """Gradient of :func:`mol_loglik` with respect to ``(k, c, p)``."""
    return _mol_terms(times, t0, t1, k, c, p)[1]


def mol_hessian(times, t0, t1, k, c, p):
    """Hessian of :func:`mol_loglik` with respect to ``(k, c, p)``."""
    return _mol_terms(times, t0, t1, k, c, p)[2]


# --------------------------------------------------------------------------------------------
# Creep: decelerating (modified Omori) plus accelerating (inverse Omori) power laws
# --------------------------------------------------------------------------------------------

def creep_rate(t, k1, c, p1, k2, tf, p2):
    """``k1 (t + c)**-p1 + k2 (tf - t)**-p2``."""
    return mol_rate(t, k1, c, p1) + iol_rate(t, k2, tf, p2)


def creep_integral(a, b, k1, c, p1, k2, tf, p2):
    """Integral of the creep rate over ``[a, b]``, vectorised."""
    return mol_integral(a, b, k1, c, p1) + iol_integral(a, b, k2, tf, p2)


def _creep_parts(times, k1, c, p1, k2, tf, p2):
    x1 = times + c
    x2 = tf - times
    l1 = np.log(x1)
    l2 = np.log(x2)
    a1 = np.log(k1) - p1 * l1
    a2 = np.log(k2) - p2 * l2
    lam = np.logaddexp(a1, a2)
    return x1, x2, l1, l2, a1, a2, lam


def creep_loglik(times, t0, t1, k1, c, p1, k2, tf, p2):
    """Creep log-likelihood; ``-inf`` unless ``k1, k2 > 0``, ``t0 + c > 0`` and ``tf > t1``."""
    if not (k1 > 0 and k2 > 0 and t0 + c > 0 and tf > t1):
        return -np.inf
    times = np.asarray(times, dtype=np.float64)
    lam = _creep_parts(times, k1, c, p1, k2, tf, p2)[-1]
    T = t1 - t0
    return lam.sum() - k1 * power_integral(t0 + c, T, p1) - k2 * power_integral(tf - t1, T, p2)


def creep_gradient(times, t0, t1, k1, c, p1, k2, tf, p2):
    """Gradient of :func:`creep_loglik` with respect to ``(k1, c, p1, k2, tf, p2)``."""
    times = np.asarray(times, dtype=np.float64)
    x1, x2, l1, l2, a1, a2, lam = _creep_parts(times, k1, c, p1, k2, tf, p2)
    w1 = np.exp(a1 - lam)
    w2 = np.exp(a2 - lam)
    T = t1 - t0
    zero = np.zeros(())
    # integral parts: reuse the power-law derivatives with n = 0 and zero sums
    _, g1, _ = power_law_terms(0.0, zero, zero, zero, T, t0 + c, k1, p1)
    _, g2, _ = power_law_terms(0.0, zero, zero, zero, T, tf - t1, k2, p2)
    return np.array([
        w1.sum() / k1 + g1[0],
        -p1 * (w1 / x1).sum() + g1[1],
        -(w1 * l1).sum() + g1[2],
        w2.sum() / k2 + g2[0],
        -p2 * (w2 / x2).sum() + g2[1],
        -(w2 * l2).sum() + g2[2],
    ])
