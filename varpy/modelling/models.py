"""Point-process rate models for event catalogues, fitted by maximum likelihood.

Every model is a class with parameter names, bounds, ``rate(t, params)``,
``integral(a, b, params)`` (vectorised), ``log_likelihood(times, t0, t1, params)``, its
analytic ``gradient`` and ``hessian``, and ``fit(times, t0, t1, ...)`` returning a
:class:`varpy.modelling.fitting.FitResult`. Event times are floats on one axis (typically days
since the window start) inside the half-open window ``[t0, t1)``.

===============  =================================================  =========================  ==========
registry name    rate                                               parameters                 min events
===============  =================================================  =========================  ==========
``constant``     :math:`k`                                          ``k``                      1
``exponential``  :math:`k e^{\\lambda t}`                            ``k, lam``                 3
``iol``          :math:`k (t_f - t)^{-p}` (inverse Omori, FFM)      ``k, tf, p``               8
``hyperbolic``   :math:`k (t_f - t)^{-1}`                           ``k, tf``                  5
``mol``          :math:`k (t + c)^{-p}` (modified Omori)            ``k, c, p``                8
``creep``        :math:`k_1 (t + c)^{-p_1} + k_2 (t_f - t)^{-p_2}`  ``k1, c, p1, k2, tf, p2``  15
===============  =================================================  =========================  ==========

VarPy 2016 names are aliases: ``cr_mle``, ``exp_mle``, ``iol_mle``, ``hyp_mle``, ``creep_mle``.
Fewer events than the minimum raise :class:`~varpy.exceptions.FitError`, as do catalogues whose
events all share one time.

Constraints of the default fit: ``k > 0``; ``0 <= p <= 20``; the failure time
``t1 + 1e-8 T <= tf <= t1 + 1e3 T`` and the Omori offset ``1e-8 T <= t0 + c <= 1e3 T``
(``T = t1 - t0``). An optimum on any of these bounds is reported in ``FitResult.warnings`` and
emitted as :class:`~varpy.exceptions.FitWarning`.

Modes of the failure-time models: *forecast* (``tf`` estimated) and *retrospective*
(``fit(..., fixed={"tf": value})``). Any parameter can be fixed the same way.

The pieces live in :mod:`varpy.modelling.base` (:class:`RateModel`, :func:`register_model`),
:mod:`varpy.modelling.registry` (the lookup), :mod:`varpy.modelling.rate_laws` (constant,
exponential, power laws) and :mod:`varpy.modelling.creep`; this module registers the built-in
models and is the place users import all of them from. It may import those four modules (and
nothing that imports it: :mod:`varpy.modelling.fitting` does not).

Users add models by subclassing :class:`RateModel` (``name``, ``param_names``,
``parameters``, ``rate``, ``integral``; optionally ``gradient`` and ``initial_guess``) and
calling :func:`register_model`.

Examples
--------
>>> import numpy as np
>>> from varpy.modelling.models import get_model
>>> rng = np.random.default_rng(0)
>>> times = np.sort(100 - 100 * rng.uniform(0, 1, 300) ** 2)   # rate rising towards t = 100
>>> res = get_model("iol").fit(times, 0.0, 100.0, warn=False)
>>> res.params["tf"] > 100.0, res.n_events
(True, 300)
>>> get_model("constant").fit(times, 0.0, 100.0).params["k"]
3.0
"""
from __future__ import annotations

from varpy.modelling.base import RateModel, register_model
from varpy.modelling.creep import Creep
from varpy.modelling.rate_laws import (ConstantRate, ExponentialRate, Hyperbolic, InverseOmori,
                                       ModifiedOmori)
from varpy.modelling.registry import available_models, get_model, unregister_model
# varpy.spec reads _ALIASES from here
from varpy.modelling.registry import _ALIASES, _REGISTRY  # noqa: F401


__all__ = [
    "RateModel",
    "ConstantRate",
    "ExponentialRate",
    "InverseOmori",
    "Hyperbolic",
    "ModifiedOmori",
    "Creep",
    "register_model",
    "unregister_model",
    "get_model",
    "available_models",
]


register_model("constant", ConstantRate, aliases=("cr_mle", "cr"))
register_model("exponential", ExponentialRate, aliases=("exp_mle", "exp"))
register_model("iol", InverseOmori, aliases=("iol_mle", "inverse_omori", "ffm"))
register_model("hyperbolic", Hyperbolic, aliases=("hyp_mle", "hyp"))
register_model("mol", ModifiedOmori, aliases=("modified_omori", "omori"))
register_model("creep", Creep, aliases=("creep_mle",))
