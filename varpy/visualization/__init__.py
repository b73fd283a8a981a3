"""Figures of varpy projects and datatypes.

Every function takes a project (:class:`~varpy.Volcanic`, :class:`~varpy.Laboratory`) or a
datatype, returns a :class:`matplotlib.figure.Figure` (or draws into ``ax=`` and returns its
figure), and saves only when asked: ``save=True`` writes PNG (``formats=("png", "pdf", "svg")``)
atomically into ``ID/Figures/`` under a unique safe name and records it in the project manifest.
Figures are created with :class:`matplotlib.figure.Figure`, never through pyplot: nothing global
is touched and nothing needs closing. Volcanic times are drawn on date axes (UTC), laboratory
times in seconds.

=====================================  ===========================================================
:func:`event_rate`                     events per bin and cumulative count, eruption onsets / tf
:func:`continuous_series`              tilt per station, stress, strain, ... through time
:func:`series_rate`                    finite-difference rate of one sampled series
:func:`frequency_magnitude`            FMD with every Mc estimate and the fitted GR line
:func:`magnitude_time`                 magnitude through time with Mc (fixed or Mc(t))
:func:`magnitude_stems`                stem ("spike") plot of magnitudes
:func:`b_stability`                    b against cut-off magnitude (MBS)
:func:`b_value_time`, :func:`mc_time`  b(t) and Mc(t) with their bands
:func:`model_fit`                      rate and cumulative count of a fit, with confidence bands
:func:`model_counts`                   binned counts against the model with Poisson intervals
:func:`time_rescaling`                 time-rescaling residuals with a KS band
:func:`forecast_evolution`             forecast failure time against forecast time
:func:`model_comparison`               ΔAIC of several models through the forecast times
:func:`interevent_times`               inter-event times, gamma and exponential fits, bootstrap
:func:`count_histogram`                events per interval against Poisson
:func:`scatter`                        any column against time or another column
:func:`epicentre_map`                  epicentres on longitude/latitude axes
:func:`save_figure`                    save any figure into a project and record it
=====================================  ===========================================================

Figures of the seismicity statistics live beside them, in their own modules:
:mod:`varpy.visualization.seismicity_maps` (b-value, Mc and z-value maps on a grid, depth
sections), :mod:`varpy.visualization.declustering` (nearest-neighbour time-distance density,
cumulative counts of all and background events) and :mod:`varpy.visualization.significance`
(rate change by z-value and beta, b-value significance).
"""
from varpy.visualization._figure import FORMATS, save_figure
from varpy.visualization.forecasts import forecast_evolution, forecast_table, model_comparison
from varpy.visualization.interevent import count_histogram, interevent_times
from varpy.visualization.magnitudes import (b_stability, b_value_time, frequency_magnitude,
                                            magnitude_stems, magnitude_time, mc_time)
from varpy.visualization.maps import epicentre_map, scatter
from varpy.visualization.models import model_counts, model_fit, time_rescaling
from varpy.visualization.rates import event_rate
from varpy.visualization.series import continuous_series, series_rate

__all__ = ["FORMATS", "save_figure", "event_rate", "continuous_series", "series_rate",
           "frequency_magnitude", "magnitude_time", "magnitude_stems", "b_stability",
           "b_value_time", "mc_time", "model_fit", "model_counts", "time_rescaling",
           "forecast_evolution", "forecast_table", "model_comparison", "interevent_times",
           "count_histogram", "scatter", "epicentre_map"]
