"""Data preparation: windows that return new objects (recorded in ``.selection``), magnitude
binning that cannot drift, and acoustic-emission amplitude/energy to magnitude conversions.

See :mod:`varpy.preparation.windows` for the conventions (half-open ``[min, max)`` intervals,
None as an open side, missing values never selected).
"""
from varpy.exceptions import SelectionError
from varpy.preparation.binning import bin_magnitudes, select_complete
from varpy.preparation.conversions import amplitude_to_magnitude, energy_to_magnitude
from varpy.preparation.windows import (box, column_range, creep_phase, depth_range,
                                       magnitude_range, polygon, select, stations, time_window)

__all__ = ["SelectionError", "time_window", "box", "polygon", "depth_range", "magnitude_range",
           "column_range", "stations", "creep_phase", "select", "bin_magnitudes",
           "select_complete", "amplitude_to_magnitude", "energy_to_magnitude"]
