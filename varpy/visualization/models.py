"""A fitted rate model on its data: rate, cumulative count, binned counts and residuals.

VarPy 2016's ``model_plot`` and ``model_error_plot`` with their faults fixed:

* the model is evaluated on the fit's **own** float time axis (``FitResult.origin`` and
  ``FitResult.window``), not relative to the floor of the first data time;
* only the fit asked for is drawn (not every model in the project);
* binned counts use the real bin width ``T / n_bins`` (VarPy divided by 11 for 10 bins) and the
  exact expected count of each bin (the integral of the rate, not rate x width);
* the bands are what they say: central ``level`` intervals (VarPy's "95 %" were 5-95 %);
* each plot has its own file name.

The uncertainty band of the model curves comes from ``n_draws`` parameter vectors drawn from the
fit's asymptotic normal distribution (``FitResult.cov``, seeded); draws outside the parameter
domain are rejected.
"""
from __future__ import annotations

import logging
import math

import numpy as np
from scipy import stats

from varpy.exceptions import DataFormatError, DataWarning
from varpy.management.datatypes import Datatype
from varpy.management.models import ModelOutput
from varpy.management.timeconv import from_float_time, to_float_time
from varpy.visualization import _figure as _f

__all__ = ["model_fit", "model_counts", "time_rescaling", "get_fit", "parameter_draws",
           "fit_events"]

log = logging.getLogger(__name__)


# ---------------------------------------------------------------------------------------------
# fits and their data
# ---------------------------------------------------------------------------------------------

def get_fit(dt: Datatype, fit=None, model: str | None = None):
    """The FitResult to draw: given, from a ModelOutput, or the last output of ``model``."""
    from varpy.modelling.fitting import FitResult

    if isinstance(fit, FitResult):
        return fit
    if isinstance(fit, ModelOutput):
        return fit.load_result()
    if fit is not None:
        raise TypeError(f"fit must be a FitResult or ModelOutput, not {type(fit).__name__}")
    if not dt.models:
        raise DataFormatError(f"the {dt.kind.upper()} has no fitted models", key="fit",
                              expected="fit=FitResult, or a datatype with model outputs")
    if model is None:
        if len(dt.models) > 1:
            raise DataFormatError(f"the {dt.kind.upper()} holds several models "
                                  f"{sorted(dt.models)}; name one", key="model",
                                  expected=f"one of {sorted(dt.models)}")
        model = next(iter(dt.models))
    if model not in dt.models:
        raise DataFormatError(f"no model {model!r} in the {dt.kind.upper()}", key="model",
                              expected=f"one of {sorted(dt.models)}")
    return dt.models[model].last.load_result()


def _float_times(dt: Datatype, origin) -> np.ndarray:
    if dt.calendar:
        return to_float_time(dt.times, "1970-01-01" if origin is None else origin)
    return to_float_time(dt.times.to_numpy(dtype=float, na_value=np.nan), origin)


def fit_events(dt: Datatype, fit) -> np.ndarray:
    """Float times (fit axis) of the events the fit used: inside its window and, when the fit
    records ``mc``, at or above it.

    The magnitude cut is tried as :func:`varpy.modelling.experiments.magnitude_mask` makes it
    (magnitude bin >= bin of Mc with ``dm = 0.1``; then VarPy 2016's raw ``Mc <= m < 10``) and
    as a plain ``m >= mc``; the first that reproduces ``fit.n_events`` is used. A mismatch
    (data other than those fitted) is reported as a :class:`~varpy.exceptions.DataWarning`.
    """
    import warnings

    from varpy.modelling.experiments import magnitude_mask

    t0, t1 = (float(v) for v in fit.window)
    x = _float_times(dt, fit.origin)
    inside = np.isfinite(x) & (x >= t0) & (x < t1)
    candidates = [inside]
    if fit.mc is not None and "magnitude" in dt.dataset.columns and math.isfinite(fit.mc):
        m = dt.dataset["magnitude"].to_numpy(dtype=float, na_value=np.nan)
        ok = np.isfinite(m)
        safe = np.where(ok, m, 0.0)
        candidates = [inside & ok & magnitude_mask(safe, fit.mc, 0.1, False),
                      inside & ok & magnitude_mask(safe, fit.mc, None, True),
                      inside & ok & (safe >= fit.mc), inside]
    for mask in candidates:
        if int(mask.sum()) == fit.n_events:
            return np.sort(x[mask])
    chosen = candidates[0]
    warnings.warn(f"{int(chosen.sum())} events of the data lie in the fit window (and above its "
                  f"Mc), but the {fit.model} fit used {fit.n_events}: the plot shows data the "
                  "fit did not see (pass the selection the fit was made on)", DataWarning,
                  stacklevel=3)
    return np.sort(x[chosen])


def _to_x(values, fit, calendar: bool) -> np.ndarray:
    """Fit-axis floats as plot x values (date numbers or seconds)."""
    values = np.asarray(values, dtype=float)
    if calendar:
        origin = "1970-01-01" if fit.origin is None else fit.origin
        return _f.date_numbers(from_float_time(values, origin, calendar=True))
    return np.asarray(from_float_time(values, fit.origin, calendar=False), dtype=float)


def parameter_draws(fit, n_draws: int = 200, seed=None) -> list[dict]:
    """Parameter sets drawn from the fit's asymptotic distribution (seeded).

    The free shape parameters (``tf``, ``p``, ``c``, ``lam``, ...) are drawn from their joint
    normal distribution (the marginal of ``FitResult.cov``) in the coordinates the optimiser
    uses (``log(tf - t1)``, linear ``p``, ...; covariance carried over by the delta method),
    which keeps draws inside the parameter domain. A rate scale parameter (``k`` of the
    constant, exponential and power-law models) is then drawn from its exact conditional
    likelihood given the others, a gamma distribution with shape ``N`` and rate
    ``J = integral of the rate with k = 1 over the window``: the normal approximation is poor
    for ``k``, which lies on a curved ridge with ``tf`` and ``p``, and this keeps the expected
    number of events in the window at its Poisson uncertainty. Draws beyond an upper bound are
    rejected; parameters without a covariance stay at their estimates. Returns an empty list
    when the fit has no usable covariance.

    Examples
    --------
    >>> import numpy as np
    >>> from varpy.modelling.models import get_model
    >>> t = np.sort(np.random.default_rng(3).uniform(0, 10, 400))
    >>> fit = get_model("constant").fit(t, 0.0, 10.0)
    >>> ks = np.array([d["k"] for d in parameter_draws(fit, 4000, seed=1)])
    >>> mean_ok = bool(abs(ks.mean() / fit.params["k"] - 1) < 0.01)
    >>> mean_ok, round(float(ks.std() / fit.stderr["k"]), 1)
    (True, 1.0)
    """
    from varpy.modelling.models import get_model

    names = list(fit.cov_names)
    cov = np.asarray(fit.cov, dtype=float)
    if not names or cov.shape != (len(names), len(names)) or not np.all(np.isfinite(cov)):
        return []
    model = get_model(fit.model)
    t0, t1 = (float(v) for v in fit.window)
    specs = {p.name: p for p in model.parameters(t0, t1)}
    scale_name = getattr(model, "scale_param", None)
    conditional = scale_name in names and fit.n_events > 0
    shape = [n for n in names if not (conditional and n == scale_name)]
    idx = [names.index(n) for n in shape]
    cov = cov[np.ix_(idx, idx)]
    x_hat = np.array([fit.params[n] for n in shape])
    jac = np.ones(len(shape))                # d theta / d x at the estimate
    theta_hat = x_hat.copy()
    for j, nm in enumerate(shape):
        spec = specs.get(nm)
        if spec is not None and spec.transform == "log":
            if not x_hat[j] > spec.anchor:
                return []
            jac[j] = 1.0 / (x_hat[j] - spec.anchor)
            theta_hat[j] = spec.to_theta(x_hat[j])
    rng = np.random.default_rng(seed)
    n = int(n_draws)
    theta = (rng.multivariate_normal(theta_hat, cov * np.outer(jac, jac), size=n, method="eigh")
             if shape else np.zeros((n, 0)))
    x = theta.copy()
    ok = np.ones(n, dtype=bool)
    for j, nm in enumerate(shape):
        spec = specs.get(nm)
        if spec is None:
            continue
        if spec.transform == "log":
            x[:, j] = spec.anchor + np.exp(np.minimum(theta[:, j], 700.0))
        ok &= (x[:, j] >= spec.lower) & (x[:, j] <= spec.upper)
    gammas = rng.standard_gamma(float(fit.n_events), size=n) if conditional else None
    out = []
    for i in np.flatnonzero(ok):
        p = dict(fit.params)
        p.update(zip(shape, x[i].tolist()))
        if conditional:
            p[scale_name] = 1.0
            with np.errstate(all="ignore"):
                unit = float(model.integral(t0, t1, p))
            if not (math.isfinite(unit) and unit > 0):
                continue
            p[scale_name] = float(gammas[i]) / unit
        out.append(p)
    return out


def _bands(fit, grid, draws, level):
    """Pointwise central ``level`` intervals of the rate and of the cumulative count.

    Past a drawn failure time the rate and the count are infinite (the failure happened), so
    such draws count as above every finite value instead of being dropped.
    """
    from varpy.modelling.models import get_model

    if not draws:
        return None
    model = get_model(fit.model)
    t0, t1 = (float(v) for v in fit.window)
    inside = grid < t1
    rates = []
    cums = []
    with np.errstate(all="ignore"):
        for p in draws:
            r = np.asarray(model.rate(grid, p), dtype=float)
            c = np.asarray(model.integral(t0, grid, p), dtype=float)
            if np.all(np.isfinite(r[inside])) and np.all(np.isfinite(c[inside])):
                rates.append(np.where(np.isfinite(r), r, np.inf))
                cums.append(np.where(np.isfinite(c), c, np.inf))
    if len(rates) < 10:
        return None
    q = [50 * (1 - level), 50 * (1 + level)]
    out = []
    for arr in (np.array(rates), np.array(cums)):
        with np.errstate(invalid="ignore"):
            lo, hi = np.percentile(arr, q, axis=0)
        # interpolating between two infinite draws gives NaN: the percentile is infinite
        lo, hi = np.where(np.isnan(lo), np.inf, lo), np.where(np.isnan(hi), np.inf, hi)
        finite = np.concatenate([lo[np.isfinite(lo)], hi[np.isfinite(hi)]])
        cap = 1e6 * (float(np.max(np.abs(finite))) if finite.size else 1.0)
        out += [np.minimum(lo, cap), np.minimum(hi, cap)]
    return out[0], out[1], out[2], out[3], len(rates)


def _failure_marks(ax, fit, calendar, x_lo, x_hi):
    """The fitted failure time and its profile interval, where they fall inside the axis."""
    if fit.tf is None or "tf" in fit.fixed or not math.isfinite(fit.tf):
        return []
    out = []
    t1 = float(fit.window[1])
    span = t1 - float(fit.window[0])
    # clip far ends to a few window lengths first: a tf in year 3332 has no calendar date
    tf = min(fit.tf, t1 + 10 * span)
    if fit.tf <= t1 + 10 * span:
        tf_x = _to_x([tf], fit, calendar)[0]
        if tf_x <= x_hi:
            out.append(ax.axvline(tf_x, color="tab:orange", linewidth=1.5, gid="tf",
                                  label="forecast failure time"))
    if fit.tf_ci is not None and math.isfinite(fit.tf_ci[0]):
        lo = min(fit.tf_ci[0], t1 + 10 * span)
        hi = min(fit.tf_ci[1], t1 + 10 * span)     # an open (infinite) end is clipped too
        lo_x, hi_x = _to_x([lo, hi], fit, calendar)
        if lo_x <= x_hi:
            out.append(ax.axvspan(max(lo_x, x_lo), min(hi_x, x_hi), color="tab:orange",
                                  alpha=0.12, gid="tf_ci",
                                  label=f"{fit.ci_level:.0%} profile CI of tf"))
    return out


# ---------------------------------------------------------------------------------------------
# plots
# ---------------------------------------------------------------------------------------------

def model_fit(obj, fit=None, *, model: str | None = None, kind: str = "both", n_bins: int = 20,
              n_points: int = 500, n_draws: int = 200, level: float = 0.95, seed=0,
              extend: float = 0.0, eruptions=True, failure=True, ax=None, save: bool = False,
              name: str | None = None, formats=("png",), overwrite: bool = False):
    """A fitted rate model on its data: rate and cumulative count with confidence bands.

    Parameters
    ----------
    obj : Volcanic, Laboratory, ECVD or ECLD
        The catalogue the model was fitted to (its events inside the fit window, and above the
        fit's Mc, are drawn).
    fit : FitResult or ModelOutput, optional
        Default: the last output of ``model`` stored on the catalogue.
    kind : {'both', 'rate', 'cumulative'}
        ``'rate'``: observed events per unit time in ``n_bins`` equal bins of the fit window
        (bars) and the model rate; ``'cumulative'``: the observed count since the window start
        (steps) and the model's expected count :math:`\\Lambda(t_0, t)`; ``'both'``: two
        panels.
    n_points : int
        Points at which the model is evaluated across ``[t0, t1 + extend * T]``.
    n_draws, level, seed
        Confidence band: ``level`` central interval over ``n_draws`` parameter draws
        (:func:`parameter_draws`, seeded). ``n_draws=0`` draws no band.
    extend : float
        Continue the model curves past the window end by this fraction of its length (the
        forecast), stopping short of a fitted failure time.
    eruptions, failure
        Markers at eruption onsets (volcanic) or metadata ``tf`` (laboratory) in view; the
        fitted failure time and its profile interval are drawn when in view.

    Returns
    -------
    matplotlib.figure.Figure
    """
    from varpy.modelling.models import get_model

    if kind not in ("both", "rate", "cumulative"):
        raise ValueError(f"kind must be 'both', 'rate' or 'cumulative', not {kind!r}")
    project, dt = _f.resolve(obj, ("ecvd", "ecld"), "model_fit")
    fit = get_fit(dt, fit, model)
    cal = dt.calendar
    t0, t1 = (float(v) for v in fit.window)
    T = t1 - t0
    events = fit_events(dt, fit)
    axis_hi = t1 + max(0.0, float(extend)) * T
    hi = axis_hi
    if fit.tf is not None and math.isfinite(fit.tf) and "tf" not in fit.fixed:
        hi = min(hi, t1 + 0.999 * (fit.tf - t1))     # the curves stop short of the singularity
    grid = np.linspace(t0, hi, int(n_points))
    mdl = get_model(fit.model)
    with np.errstate(all="ignore"):
        rate = np.asarray(mdl.rate(grid, fit.params), dtype=float)
        cum = np.asarray(mdl.integral(t0, grid, fit.params), dtype=float)
    draws = parameter_draws(fit, n_draws, seed) if n_draws else []
    bands = _bands(fit, grid, draws, level)
    if n_draws and bands is None:
        log.info("no confidence band for %s: no usable covariance or too few valid draws",
                 fit.model)
    gx = _to_x(grid, fit, cal)
    panels = ["rate", "cumulative"] if kind == "both" else [kind]
    fig, axes = _f.new_axes(ax, nrows=len(panels), figsize=(8.0, 3.2 * len(panels) + 1.0))
    axes = [axes] if len(panels) == 1 else axes
    unit = _f.time_unit(cal)
    for panel, axis in zip(panels, axes):
        if panel == "rate":
            edges = np.linspace(t0, t1, int(n_bins) + 1)
            counts = np.histogram(events, bins=edges)[0]
            width = T / int(n_bins)
            ex = _to_x(edges, fit, cal)
            axis.stairs(counts / width, ex, fill=True, color="tab:blue", alpha=0.6,
                        gid="observed_rate", label="observed")
            if bands is not None:
                axis.fill_between(gx, bands[0], bands[1], color="tab:red", alpha=0.2,
                                  gid="rate_band", label=f"{level:.0%} band ({bands[4]} draws)")
            axis.plot(gx, rate, color="tab:red", linewidth=1.8, gid="model_rate",
                      label=f"{fit.model} model")
            axis.set_ylabel(f"events per {unit}")
        else:
            xs = _to_x(events, fit, cal)
            axis.step(np.concatenate([[gx[0]], xs]), np.arange(events.size + 1), where="post",
                      color="black", linewidth=1.2, gid="observed_cumulative",
                      label=f"observed ({events.size} events)")
            if bands is not None:
                axis.fill_between(gx, bands[2], bands[3], color="tab:red", alpha=0.2,
                                  gid="cumulative_band",
                                  label=f"{level:.0%} band ({bands[4]} draws)")
            axis.plot(gx, cum, color="tab:red", linewidth=1.8, gid="model_cumulative",
                      label=f"{fit.model} model")
            axis.set_ylabel("cumulative number of events")
        in_window = grid <= t1
        if panel == "rate":
            top = max(float(np.max(counts / width, initial=0.0)),
                      float(np.nanmax(np.where(in_window, rate, np.nan), initial=0.0)))
            axis.set_ylim(0, 1.3 * top if top > 0 else 1.0)
        else:
            top = max(float(events.size), float(np.nanmax(np.where(in_window, cum, np.nan),
                                                          initial=0.0)))
            axis.set_ylim(0, 1.15 * top * (1.0 + min(float(extend), 1.0)) if top > 0 else 1.0)
        x_lo, x_hi = gx[0], _to_x([axis_hi], fit, cal)[0]
        _failure_marks(axis, fit, cal, x_lo, x_hi)
        _f.mark_events(axis, dt, project, eruptions=eruptions, failure=failure, lo=x_lo,
                       hi=x_hi)
        axis.set_xlim(x_lo, x_hi)
        _f.format_time_axis(axis, cal, label=axis is axes[-1])
        axis.legend(fontsize="small", loc="upper left")
    for axis in axes[1:]:
        axis.sharex(axes[0])
    params = ", ".join(f"{k} = {v:.4g}" for k, v in fit.params.items())
    axes[0].set_title(f"{fit.model} fit ({fit.mode or 'rate'}): {params}; "
                      f"log L = {fit.loglik:.2f}", fontsize="medium")
    ctx = _f.PlotContext("varpy.visualization.models.model_fit",
                         {"model": fit.model, "kind": kind, "n_bins": n_bins,
                          "n_draws": n_draws, "level": level, "seed": seed, "extend": extend,
                          "window": list(fit.window), "origin": fit.origin,
                          "params": fit.params},
                         _f.key_of(dt), dt.selection, project)
    return _f.finish(fig, ctx, save=save, name=name, formats=formats, overwrite=overwrite)


def model_counts(obj, fit=None, *, model: str | None = None, n_bins: int = 10,
                 level: float = 0.95, ax=None, save: bool = False, name: str | None = None,
                 formats=("png",), overwrite: bool = False):
    """Observed counts in ``n_bins`` equal bins of the fit window against the model.

    For each bin ``[a, b)`` of width ``T / n_bins`` the model's expected count is the integral
    of its rate, ``integral(a, b)``; the error bars are the central ``level`` Poisson interval
    of that count. Bins whose observed count falls outside are drawn in red.

    Returns
    -------
    matplotlib.figure.Figure
    """
    project, dt = _f.resolve(obj, ("ecvd", "ecld"), "model_counts")
    fit = get_fit(dt, fit, model)
    cal = dt.calendar
    t0, t1 = (float(v) for v in fit.window)
    edges = np.linspace(t0, t1, int(n_bins) + 1)
    events = fit_events(dt, fit)
    observed = np.histogram(events, bins=edges)[0]
    expected = np.asarray(fit.integral(edges[:-1], edges[1:]), dtype=float)
    lo = stats.poisson.ppf((1 - level) / 2, expected)
    hi = stats.poisson.ppf((1 + level) / 2, expected)
    centres = _to_x(0.5 * (edges[:-1] + edges[1:]), fit, cal)
    fig, ax = _f.new_axes(ax)
    ax.errorbar(centres, expected, yerr=[expected - lo, hi - expected], fmt="s", color="tab:red",
                capsize=3, markersize=5, label=f"model: expected count, {level:.0%} Poisson "
                                               "interval", gid="expected")
    outside = (observed < lo) | (observed > hi)
    ax.plot(centres[~outside], observed[~outside], "o", color="tab:blue", markersize=6,
            label="observed", gid="observed")
    if outside.any():
        ax.plot(centres[outside], observed[outside], "o", color="crimson", markersize=7,
                label="observed, outside the interval", gid="observed_outside")
    width = (t1 - t0) / int(n_bins)
    ax.set_ylabel(f"events per bin ({_f.width_label(width, cal)})")
    ax.set_ylim(bottom=0)
    _f.format_time_axis(ax, cal)
    ax.set_title(f"{fit.model}: {int(outside.sum())} of {n_bins} bins outside the "
                 f"{level:.0%} interval", fontsize="medium")
    ax.legend(fontsize="small", loc="upper left")
    ctx = _f.PlotContext("varpy.visualization.models.model_counts",
                         {"model": fit.model, "n_bins": n_bins, "level": level,
                          "window": list(fit.window), "origin": fit.origin,
                          "observed": observed, "expected": expected},
                         _f.key_of(dt), dt.selection, project)
    return _f.finish(fig, ctx, save=save, name=name, formats=formats, overwrite=overwrite)


def time_rescaling(obj, fit=None, *, model: str | None = None, level: float = 0.95, ax=None,
                   save: bool = False, name: str | None = None, formats=("png",),
                   overwrite: bool = False):
    """Time-rescaling residual plot: cumulative count against transformed time.

    Each event time is mapped to :math:`\\tau_i = \\Lambda(t_0, t_i)`
    (:func:`varpy.statistics.residuals.time_rescaling`, Ogata 1988). Under the model the
    :math:`\\tau_i` form a unit-rate Poisson process, so the staircase should follow the
    diagonal. The band is the Kolmogorov-Smirnov ``level`` band of the cumulative count given
    ``N`` (uniform order statistics on ``[0, Lambda(t0, t1)]``); the title gives the KS test of
    the increments against Exp(1) from :mod:`varpy.statistics.residuals` (conservative when the
    model was fitted to the same events).

    Returns
    -------
    matplotlib.figure.Figure
    """
    project, dt = _f.resolve(obj, ("ecvd", "ecld"), "time_rescaling")
    fit = get_fit(dt, fit, model)
    events = fit_events(dt, fit)
    res = fit.residuals(events)
    tau = np.asarray(res.tau, dtype=float)
    total = float(res.expected_total)
    n = tau.size
    fig, ax = _f.new_axes(ax)
    ax.step(np.concatenate([[0.0], tau, [total]]), np.concatenate([[0], np.arange(1, n + 1),
                                                                     [n]]),
            where="post", color="black", linewidth=1.2, gid="residuals",
            label="observed")
    line = np.array([0.0, total])
    ax.plot(line, line, color="tab:red", linewidth=1.2, gid="diagonal",
            label="model (unit rate)")
    pvalue = float(res.ks_pvalue)
    if n >= 1 and total > 0:
        d = float(stats.kstwo.ppf(level, n))
        ax.fill_between(line, line * n / total - d * n, line * n / total + d * n,
                        color="tab:red", alpha=0.15, gid="ks_band",
                        label=f"{level:.0%} Kolmogorov-Smirnov band")
    ax.set_xlim(0, total if total > 0 else 1)
    ax.set_ylim(0, max(n, total) * 1.05 if n or total else 1)
    ax.set_xlabel("transformed time Λ(t0, t) (expected number of events)")
    ax.set_ylabel("cumulative number of events")
    ax.set_title(f"time-rescaling residuals of the {fit.model} fit: N = {n}, "
                 f"Λ(t0, t1) = {total:.1f}; KS test of the increments vs Exp(1): "
                 f"p = {pvalue:.3g}", fontsize="medium")
    ax.legend(fontsize="small", loc="upper left")
    ctx = _f.PlotContext("varpy.visualization.models.time_rescaling",
                         {"model": fit.model, "level": level, "window": list(fit.window),
                          "origin": fit.origin, "ks_pvalue": pvalue,
                          "ks_statistic": float(res.ks_statistic)},
                         _f.key_of(dt), dt.selection, project)
    return _f.finish(fig, ctx, save=save, name=name, formats=formats, overwrite=overwrite)
