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

# %%
# Lab files as UCL wrote them: the DDS-7 layouts. Series and AE lists are two columns,
# ``minutes <TAB> value``, and the metadata is one line, ``t0 t1 tf``, in minutes. varpy detects
# that layout, records its unit and puts every time on the data's axis (seconds), keeping the
# values as written under ``source_times``: ``tf`` from the metadata is then the truth of a
# retrospective forecast as read. The real files are used when ``../shared/data`` is present;
# otherwise files in the same layouts are written from a simulated experiment (the AE list of
# DDS-7 is not public, so it is always simulated with DDS-7's ``t1`` and ``tf``).
from varpy.management.metadata import read_metadata
from varpy.modelling import scoring
from varpy.modelling.experiments import multiple_analysis
from varpy.simulation.lab import simulate_lab_data

SHARED = Path(os.environ.get("VARPY_SHARED_DATA", SAMPLE.parent.parent / "shared" / "data"))
folder = Path(tempfile.mkdtemp())


def two_columns(path, seconds, values):
    path.write_bytes("".join(f"{t / 60:.6f}\t{v:.6f}\r\n" for t, v in zip(seconds, values))
                     .encode())
    return path


if (SHARED / "ucl_dds7").is_dir():
    meta_file = SHARED / "ucl_dds7" / "DDS7_meta.txt"
    strain_file = SHARED / "ucl_dds7" / "DDS7_strain.txt"
else:
    sim = simulate_lab_data(seed=7, t0=0.0, t1=1270.34352, tf=8274.17352)
    meta_file = folder / "DDS7_meta.txt"
    meta_file.write_bytes(b"0\t21.172392\t137.902892\r\n")
    strain_file = two_columns(folder / "DDS7_strain.txt", sim["scld"]["time"],
                              sim["scld"]["axial_strain"])
marks = read_metadata(meta_file, "ecld")
ae = simulate_lab_data(seed=8, t0=0.0, t1=marks["t1"], tf=marks["tf"])["ecld"]
ae_file = two_columns(folder / "DDS7_ae.txt", ae["time"], ae["magnitude"])

dds7 = varpy.Laboratory("DDS7", root=tempfile.mkdtemp())
dds7.add_datatype("scld", strain_file, meta_file, format="lab_series", value_name="axial_strain")
dds7.add_datatype("ecld", ae_file, meta_file, format="ae_two_column")
tf7 = dds7.ecld.metadata["tf"]
print(f"tf = {tf7:.2f} s ({dds7.ecld.metadata['source_times']['tf']} minutes in the file); "
      f"last AE event {dds7.ecld.dataset['time'].iloc[-1]:.2f} s, last strain sample "
      f"{dds7.scld.dataset['time'].iloc[-1]:.2f} s")
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    retro = multiple_analysis(dds7, "iol", kind="ecld", t_min=0.4 * tf7, t_max=tf7,
                              t_step=0.05 * tf7, tf=tf7, name="retro", progress=False)
print(scoring.score_forecasts(retro).summary())
fig_retro = vis.forecast_evolution(retro, dds7)
