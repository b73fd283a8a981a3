"""Pure numerical statistics (numpy/scipy in, numbers out): magnitude statistics, point-process
likelihoods, time-rescaling residuals and model comparison."""
from varpy.statistics import comparison, likelihoods, mags, residuals

__all__ = ["mags", "likelihoods", "residuals", "comparison"]
