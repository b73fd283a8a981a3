"""
Forecast an eruption from accelerating seismicity
=================================================

Fit the inverse Omori law :math:`\\lambda(t) = k (t_f - t)^{-p}` and the hyperbolic law to
the earthquakes before the third synthetic eruption (2004-03-28) and draw the fit.
"""
import os
import tempfile
import warnings
from pathlib import Path

import varpy
from varpy import visualization as vis
from varpy.modelling.experiments import single_analysis

# the repository's sample_data (an editable install), or $VARPY_SAMPLE_DATA
SAMPLE = Path(os.environ.get("VARPY_SAMPLE_DATA",
                            Path(varpy.__file__).resolve().parents[1] / "sample_data"))
volcano = varpy.Volcanic("SYNVOLC", root=tempfile.mkdtemp())
volcano.add_datatype("ecvd", SAMPLE / "volcano" / "SYNVOLC_ecvd.txt",
                     SAMPLE / "volcano" / "SYNVOLC_ecvd_meta.yaml")
volcano.add_datatype("evd", SAMPLE / "volcano" / "SYNVOLC_evd.txt",
                     SAMPLE / "volcano" / "SYNVOLC_evd_meta.yaml")
filters = {"lat": (37.5, 38.0), "lon": (14.7, 15.3), "depth": (None, 30.0)}

# %%
# A single forecast: the failure (eruption) time is estimated. Fits that need care carry
# warnings (kept in ``fit.warnings``); here we read them instead of printing them twice.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    fits = {m: single_analysis(volcano, m, t_min="2003-07-15", t_max="2004-03-15",
                               filters=filters, mc="maxc", name=m)
            for m in ("iol", "hyperbolic", "constant")}
for name, fit in fits.items():
    when = fit.failure_time(calendar=True)
    print(f"{name:11s} AIC {fit.aic:8.2f}  failure {when if when is not None else '-'}  "
          f"warnings: {fit.warnings or 'none'}")

# %%
# The hyperbolic fit with its 95 % band, continued past the data.
fig = vis.model_fit(volcano, fit=fits["hyperbolic"], extend=0.2)
