"""
A whole workflow from a YAML spec
=================================

The spec format (see the user guide) describes import, windows, completeness, experiments,
figures and outputs in one file, validated before anything runs. Here a small spec is written
next to a copy of the sample data, checked, and run.
"""
import os
import shutil
import tempfile
import textwrap
from pathlib import Path

import varpy
from varpy.spec import check_spec, run_spec

# the repository's sample_data (an editable install), or $VARPY_SAMPLE_DATA
SAMPLE = Path(os.environ.get("VARPY_SAMPLE_DATA",
                            Path(varpy.__file__).resolve().parents[1] / "sample_data"))
work = Path(tempfile.mkdtemp())
shutil.copytree(SAMPLE / "volcano", work / "volcano")
spec = work / "spec.yaml"
spec.write_text(textwrap.dedent("""
    project: {type: volcanic, id: DEMO, root: projects, if_exists: overwrite}
    data:
      - {kind: ecvd, file: volcano/SYNVOLC_ecvd.txt, metadata: volcano/SYNVOLC_ecvd_meta.yaml}
    completeness: {methods: [maxc, gft]}
    models: [hyperbolic, exponential, constant]
    experiments:
      - {name: compare, type: single, t_min: 2003-07-15, t_max: 2004-03-15}
    outputs: {tables: true, report: false}
"""))

# %%
# A mistake is reported with its line and key, before anything runs.
broken = work / "broken.yaml"
broken.write_text(spec.read_text().replace("t_max: 2004-03-15", "t_max: 2004-13-15"))
for problem in check_spec(broken, workdir=work):
    print(problem)

# %%
# The valid spec runs; inputs are read next to the spec, the project is written under the
# working directory.
result = run_spec(spec, workdir=work)
print(result.summary())
print(sorted(result.outputs)[:6])
