"""
A retrospective forecast and its scores
=======================================

Refit the hyperbolic law every 4 days before the eruption of 2004-03-28 and compare every
forecast with the truth.
"""
import os
import tempfile
import warnings
from pathlib import Path

import varpy
from varpy import visualization as vis
from varpy.modelling import scoring
from varpy.modelling.experiments import multiple_analysis

# the repository's sample_data (an editable install), or $VARPY_SAMPLE_DATA
SAMPLE = Path(os.environ.get("VARPY_SAMPLE_DATA",
                            Path(varpy.__file__).resolve().parents[1] / "sample_data"))
volcano = varpy.Volcanic("SYNVOLC", root=tempfile.mkdtemp())
volcano.add_datatype("ecvd", SAMPLE / "volcano" / "SYNVOLC_ecvd.txt",
                     SAMPLE / "volcano" / "SYNVOLC_ecvd_meta.yaml")

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    result = multiple_analysis(volcano, "hyperbolic", t_min="2003-07-15", t_max="2004-03-28",
                               t_step=4, tf="2004-03-28", mc="maxc", progress=False,
                               filters={"lat": (37.5, 38.0), "lon": (14.7, 15.3)})
print(result.summary())
print(result.table[["t_forc", "n_fit", "failure_time", "flagged"]].tail())

# %%
# Each forecast made before the eruption, scored against it.
scores = scoring.score_forecasts(result)
print(scores.summary())
fig = vis.forecast_evolution(result, true_time="2004-03-28")
