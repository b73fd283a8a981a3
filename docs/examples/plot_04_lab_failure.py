"""
Failure time of a laboratory creep experiment
=============================================

Acoustic emissions accelerate before a rock sample fails. Fit the inverse Omori law to the AE
of the synthetic creep experiment and compare the forecast with the true failure time.
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
lab = varpy.Laboratory("SYNLAB", root=tempfile.mkdtemp())
lab.add_datatype("ecld", SAMPLE / "lab" / "SYNLAB_ecld.txt", SAMPLE / "lab" / "SYNLAB_ecld_meta.yaml")
lab.add_datatype("scld", SAMPLE / "lab" / "SYNLAB_scld.txt", SAMPLE / "lab" / "SYNLAB_scld_meta.yaml")
tf = lab.ecld.metadata["tf"]

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    fit = single_analysis(lab, "iol", kind="ecld", t_min=3000.0, t_max=10500.0)
print(fit.summary())
print(f"forecast {fit.failure_time():.0f} s, true failure {tf:g} s")

# %%
# Stress and strain through the experiment, with the failure time.
fig_series = vis.continuous_series(lab, columns=["stress", "axial_strain"])

# %%
# The AE rate and the fitted model.
fig_fit = vis.model_fit(lab, fit=fit)
