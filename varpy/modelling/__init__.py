"""Rate models, maximum-likelihood fitting, continuous-data failure forecasts, experiments and
forecast scoring.

==========================================  =================================================
:mod:`varpy.modelling.models`               point-process rate models and their registry
:mod:`varpy.modelling.fitting`              optimisers and :class:`FitResult`
:mod:`varpy.modelling.continuous`           inverse-rate and creep fits to sampled series
:mod:`varpy.modelling.experiments`          single/multiple analyses, prospective forecasts
:mod:`varpy.modelling.scoring`              scoring forecasts against the known failure time
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
