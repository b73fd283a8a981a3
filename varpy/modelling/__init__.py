"""Rate models, maximum-likelihood fitting, continuous-data failure forecasts, experiments and
forecast scoring.

==========================================  =================================================
:mod:`varpy.modelling.models`               point-process rate models and their registry
:mod:`varpy.modelling.fitting`              optimisers and :class:`FitResult`
:mod:`varpy.modelling.continuous`           inverse-rate and creep fits to sampled series
:mod:`varpy.modelling.experiments`          single/multiple analyses, prospective forecasts
:mod:`varpy.modelling.scoring`              scoring forecasts against the known failure time
==========================================  =================================================

Those are the modules users import from. They are built from, bottom up (each imports only
modules listed before it; no import cycles):

==========================================  =================================================
:mod:`varpy.modelling.registry`             model name -> class lookup
:mod:`varpy.modelling.events`               parameters, event windows, optimiser records
:mod:`varpy.modelling.optimize`             box, multistart and legacy optimisers
:mod:`varpy.modelling.profile`              power-law profile search, profile intervals
:mod:`varpy.modelling.results`              :class:`FitResult`
:mod:`varpy.modelling.fitting`              assembling a fit's result (and the re-exports)
:mod:`varpy.modelling.base`                 :class:`RateModel`, :func:`register_model`
:mod:`varpy.modelling.rate_laws`            constant, exponential and power-law models
:mod:`varpy.modelling.creep`                the brittle-creep model
:mod:`varpy.modelling.models`               registers the built-in models (and re-exports)
``varpy.modelling.experiments.*``           time axis, event selection, steps, single,
                                            result, multiple, prospective
==========================================  =================================================
"""
from varpy.modelling.models import (
    Creep, ConstantRate, ExponentialRate, Hyperbolic, InverseOmori, ModifiedOmori, RateModel,
    available_models, get_model, register_model, unregister_model)
from varpy.modelling.fitting import (
    LEGACY_PENALTY, EventWindow, FitResult, Optimum, Parameter, build_result,
    legacy_nelder_mead, minimize_box, multistart_maximize, observed_information, power_law_search,
    profile_interval)
from varpy.modelling.continuous import (
    ContinuousFitResult, binned_rate, creep_strain_fit, finite_difference_rate,
    inverse_rate_fit)
from varpy.modelling.experiments import (
    FILTER_KEYS, ExperimentResult, ExperimentStep, ProspectiveForecast, apply_model,
    forecast_offsets, list_experiments, magnitude_mask, multiple_analysis, single_analysis)
from varpy.modelling.scoring import (
    DENSITY_METHODS, ForecastScores, compare_scores, forecast_cdf, forecast_interval,
    forecast_log_density, score_forecasts)

__all__ = [
    # models
    "RateModel", "ConstantRate", "ExponentialRate", "InverseOmori", "Hyperbolic",
    "ModifiedOmori", "Creep", "register_model", "unregister_model", "get_model",
    "available_models",
    # fitting
    "Parameter", "EventWindow", "Optimum", "FitResult", "multistart_maximize",
    "legacy_nelder_mead", "minimize_box", "power_law_search", "observed_information", "profile_interval",
    "build_result", "LEGACY_PENALTY",
    # continuous
    "ContinuousFitResult", "inverse_rate_fit", "creep_strain_fit", "binned_rate",
    "finite_difference_rate",
    # experiments
    "apply_model", "single_analysis", "multiple_analysis", "forecast_offsets", "magnitude_mask",
    "FILTER_KEYS",
    "ExperimentStep", "ExperimentResult", "ProspectiveForecast", "list_experiments",
    # scoring
    "DENSITY_METHODS", "forecast_cdf", "forecast_log_density", "forecast_interval",
    "ForecastScores", "score_forecasts", "compare_scores",
]
