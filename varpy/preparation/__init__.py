"""Data preparation: windows that return new objects (recorded in ``.selection``).

See :mod:`varpy.preparation.windows` for the conventions (half-open ``[min, max)`` intervals,
None as an open side, missing values never selected).
"""
from varpy.preparation.windows import (SelectionError, box, column_range, creep_phase,
                                       depth_range, magnitude_range, polygon, select, stations,
                                       time_window)

__all__ = ["SelectionError", "time_window", "box", "polygon", "depth_range", "magnitude_range",
           "column_range", "stations", "creep_phase", "select"]
