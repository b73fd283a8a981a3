"""
Import a catalogue and check its completeness
=============================================

Create a volcanic project, import the synthetic earthquake catalogue and eruption list of
``sample_data/volcano``, cut a window and look at the frequency-magnitude distribution with
three completeness estimates.
"""
import os
import tempfile
from pathlib import Path

import varpy
from varpy import visualization as vis
from varpy.preparation import windows

# the repository's sample_data (an editable install), or $VARPY_SAMPLE_DATA
SAMPLE = Path(os.environ.get("VARPY_SAMPLE_DATA",
                            Path(varpy.__file__).resolve().parents[1] / "sample_data"))

volcano = varpy.Volcanic("SYNVOLC", root=tempfile.mkdtemp())
data = SAMPLE / "volcano"
volcano.add_datatype("ecvd", data / "SYNVOLC_ecvd.txt", data / "SYNVOLC_ecvd_meta.yaml")
volcano.add_datatype("evd", data / "SYNVOLC_evd.txt", data / "SYNVOLC_evd_meta.yaml")
print(volcano.summary())

# %%
# Windows return new objects and record how they were made.
region = windows.select(volcano, lat=(37.5, 38.0), lon=(14.7, 15.3), depth=(None, 30.0))
print(len(volcano.ecvd), "events,", len(region.ecvd), "in the window")
print(region.ecvd.selection)

# %%
# Completeness by maximum curvature, goodness of fit and b-value stability, and the b-value.
for method in ("maxc", "gft", "mbs"):
    print(region.ecvd.mc(method).summary())
print(region.ecvd.b_value(mc=2.2).summary())
fig = vis.frequency_magnitude(region, mc=("maxc", "gft", "mbs"))
