"""YAML experiment specs: a whole varpy workflow in one file, checked before anything runs.

A spec names a project, the data files to import, the windows to apply, the completeness
analysis, the models and experiments to run, the figures and outputs to write and where to
run (serially or on Dask). ``varpy run spec.yaml`` (:mod:`varpy.cli`) and :func:`run_spec` run
it; :func:`load_spec` only reads and validates it.

Example (``sample_data/volcano.yaml`` is a complete one)::

    varpy: 1
    project: {type: volcanic, id: SYNVOLC, root: varpy_projects, if_exists: overwrite}
    data:
      - {kind: ecvd, file: volcano/SYNVOLC_ecvd.txt, metadata: volcano/SYNVOLC_ecvd_meta.yaml}
    select: {lat: [37.5, 38.0], depth: [null, 30]}
    completeness: {methods: [maxc, gft], b_method: tinti_mulargia}
    models: [iol, hyperbolic, exponential, constant]
    experiments:
      - {name: forecast, type: single, t_min: 2003-06-01, t_max: 2004-03-01}
    figures: [fmd, rate]
    outputs: {tables: true, report: true}
    executor: {type: local, n_workers: 2}

Validation
----------
The file is composed with :class:`yaml.SafeLoader` (no Python objects are ever built from
it) and every value is checked before the first import: types, required and unknown keys
(with a suggestion for misspellings), known datatypes, importers, models, completeness and
b-value methods, figures, parseable times, positive steps and existing input files. Every
problem is a :class:`~varpy.exceptions.SpecError` naming the spec file, the line and the key
(``experiments[0].t_step``) and saying what would be valid; :func:`load_spec` raises the first
and lists all of them in its ``problems`` attribute.

Paths and the sandbox
---------------------
* **Inputs** (``data[].file``, ``data[].metadata``) are resolved against the spec's folder
  and must stay inside it (or inside an *allowed root* given by the caller, never by the
  spec: ``varpy run --allow DIR`` or ``allowed_roots=``). ``..`` that leaves the folder,
  absolute paths elsewhere and symbolic links pointing out are refused.
* **The project tree** (``project.root``, default ``varpy_projects``) is resolved against the
  *working directory* (the current directory of ``varpy run``, or ``--workdir`` /
  ``workdir=``) and must stay inside it, the spec's folder or an allowed root. So
  ``varpy run sample_data/volcano.yaml`` from the repository writes
  ``./varpy_projects/SYNVOLC/``.

Execution
---------
``executor: {type: serial}`` (default) runs in the calling process; ``{type: local,
n_workers: 2, threads_per_worker: 1}`` starts a :class:`dask.distributed.LocalCluster`;
``{type: dask, address: tcp://host:8786}`` connects to a running scheduler. Results are
identical to the serial run (:mod:`varpy.parallel`). See the documentation page "Running on
Dask" for a multi-machine cluster.

Modules
-------
The package is split along what a spec goes through; every name is importable from
``varpy.spec`` itself.

====================================  ===========================================================
:mod:`varpy.spec.reading`             spec text: size-limited reading, safe YAML with line marks
:mod:`varpy.spec.schema`              format version, section keys, accepted names, :class:`Spec`
:mod:`varpy.spec.check`               the value checker collecting located problems
:mod:`varpy.spec.sections`            the checks of each spec section
:mod:`varpy.spec.load`                :func:`parse_spec`, :func:`check_spec`, :func:`load_spec`
:mod:`varpy.spec.result`              :class:`RunResult`
:mod:`varpy.spec.executor`            :class:`open_executor`, :class:`ExecutorError`
:mod:`varpy.spec.steps`               the analysis steps of a run and their records
:mod:`varpy.spec.outputs`             figures, tables, report and ``run.json`` of a run
:mod:`varpy.spec.run`                 :func:`run_spec`, :func:`run_specs`
====================================  ===========================================================

Each module imports only modules above it in this table (and the lower layers of varpy);
this package's ``__init__`` only re-exports.
"""
from __future__ import annotations

from varpy.spec.executor import ExecutorError, open_executor
from varpy.spec.load import check_spec, load_spec, parse_spec
from varpy.spec.outputs import write_experiment
from varpy.spec.result import RunResult
from varpy.spec.run import run_spec, run_specs
from varpy.spec.schema import EXPERIMENT_TYPES, SPEC_VERSION, Spec, known_figures

# Bound again here so that the API reference, which documents the names of this package, shows
# their descriptions (the values live in varpy.spec.schema).
#: Version of the spec format this package reads (key ``varpy`` of a spec).
SPEC_VERSION = SPEC_VERSION
#: Experiment types: the two analyses and VarPy's four names for them.
EXPERIMENT_TYPES = EXPERIMENT_TYPES

# The helpers of the modules, importable from here as they were from the single module
# varpy/spec.py (the command line and the tests use some of them).
from varpy.spec.check import MISSING, _Checker, _inside, _Missing, _type_name  # noqa: F401
from varpy.spec.outputs import (_draw_figures, _figure_records, _json,  # noqa: F401
                                _write_output, _write_report, _write_tables)
from varpy.spec.reading import (_MAX_NODES, _MAX_SPEC_BYTES, _PLAIN_TAGS,  # noqa: F401
                                _compose, _fmt_key, _read_text)
from varpy.spec.result import _fmt_num, _fmt_time  # noqa: F401
from varpy.spec.run import _run_one  # noqa: F401
from varpy.spec.schema import (_CATALOGUES, _EXECUTORS, _EXPERIMENT_KEYS,  # noqa: F401
                               _IF_EXISTS, _PROJECT_TYPES, _SELECT_KEYS, _TOP, FIGURES,
                               _b_methods, _mc_methods, _model_names)
from varpy.spec.sections import (_before, _check_completeness, _check_data,  # noqa: F401
                                 _check_executor, _check_experiment, _check_figures,
                                 _check_models, _check_select)
from varpy.spec.steps import (_completeness, _experiment_time, _finite,  # noqa: F401
                              _import_data, _iso, _located, _multiple_record, _open_project,
                              _run_experiments, _select_args, _selected, _single_record)

__all__ = [
    "SPEC_VERSION",
    "EXPERIMENT_TYPES",
    "Spec",
    "RunResult",
    "load_spec",
    "check_spec",
    "parse_spec",
    "run_spec",
    "run_specs",
    "write_experiment",
    "open_executor",
    "ExecutorError",
    "known_figures",
]
