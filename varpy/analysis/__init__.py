"""Analyses of datatypes: completeness magnitude, b-value and their evolution in time, and
completeness in time (Stepp 1971)."""
from varpy.analysis.completeness import SteppResult, stepp
from varpy.analysis.magnitudes import b_time_series, b_value, fmd, mc, mc_time_series

__all__ = ["fmd", "mc", "b_value", "b_time_series", "mc_time_series", "stepp", "SteppResult"]
