"""Analyses of datatypes: completeness magnitude, b-value and their evolution in time,
completeness in time (Stepp 1971), a-values, and the significance of b-value and rate changes."""
from varpy.analysis.avalues import AValueResult, a_value
from varpy.analysis.completeness import SteppResult, stepp
from varpy.analysis.magnitudes import b_time_series, b_value, fmd, mc, mc_time_series
from varpy.analysis.significance import b_significance, rate_change

__all__ = ["fmd", "mc", "b_value", "b_time_series", "mc_time_series", "stepp", "SteppResult",
           "a_value", "AValueResult", "b_significance", "rate_change"]
