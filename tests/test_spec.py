"""YAML specs: validation with line numbers and keys, the path sandbox, safe loading, runs."""
from __future__ import annotations

import json
import shutil
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import varpy
from tests._spec_helpers import MINIMAL, SAMPLE, copy_sample_volcano
from varpy.exceptions import ProjectExistsError, SpecError
from varpy.spec import (EXPERIMENT_TYPES, RunResult, Spec, check_spec, known_figures,
                        load_spec, parse_spec, run_spec, run_specs)



def write_spec(folder: Path, text: str, name: str = "spec.yaml") -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


@pytest.fixture
def volcano_dir(tmp_path) -> Path:
    """A copy of the sample volcano and its spec (nothing is written into the repository)."""
    copy_sample_volcano(tmp_path)
    shutil.copy(SAMPLE / "volcano.yaml", tmp_path / "volcano.yaml")
    return tmp_path


def problems_of(folder: Path, text: str, **kw) -> list[SpecError]:
    path = write_spec(folder, text)
    return check_spec(path, workdir=folder, **kw)


def only(problems: list[SpecError]) -> SpecError:
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


# ------------------------------------------------------------------------------------------------
# the sample specs
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["volcano.yaml", "volcano_hard.yaml", "lab.yaml"])
def test_sample_specs_are_valid_and_normalised(name, tmp_path):
    spec = load_spec(SAMPLE / name, workdir=tmp_path)
    d = spec.data
    assert spec.project_path == tmp_path / "varpy_projects" / d["project"]["id"]
    for src in d["data"]:
        assert Path(src["file"]).is_file() and Path(src["file"]).is_relative_to(SAMPLE)
    assert {e["type"] for e in d["experiments"]} == {"single", "multiple"}
    json.dumps(spec.to_dict(), allow_nan=False)          # JSON-able, for gateways and Dask
    assert Spec.from_dict(spec.to_dict()).to_dict() == spec.to_dict()
    assert d["project"]["type"] in spec.summary()


def test_experiments_default_to_the_auto_interval_method(volcano_dir):
    spec = load_spec(volcano_dir / "volcano.yaml", workdir=volcano_dir)
    assert {e["ci_method"] for e in spec.data["experiments"]} == {"auto"}


def test_calendar_times_are_normalised_to_iso_utc(volcano_dir):
    spec = load_spec(volcano_dir / "volcano.yaml", workdir=volcano_dir)
    retro = spec.data["experiments"][1]
    assert retro["t_min"] == "2003-07-15T00:00:00+00:00"
    assert retro["tf"] == "2004-03-28T00:00:00+00:00"
    # VarPy's day-first strings give the same instants
    text = MINIMAL + """
experiments:
  - {type: retrospective_forecast, models: [iol], t_min: 15-07-2003, t_max: 28/03/2004,
     t_step: 2, tf: '2004-03-28T00:00:00Z'}
"""
    spec2, problems = parse_spec(text, path=write_spec(volcano_dir, text), workdir=volcano_dir)
    assert problems == []
    e = spec2.data["experiments"][0]
    assert (e["t_min"], e["t_max"], e["tf"]) == (retro["t_min"], retro["tf"], retro["tf"])
    assert e["type"] == EXPERIMENT_TYPES["retrospective_forecast"] == "multiple"


# ------------------------------------------------------------------------------------------------
# validation: every problem names its line and key
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("extra, line, key, words", [
    ("experimnts: []\n", 7, "experimnts", "did you mean 'experiments'"),
    ("models: [iol, iol_mlex]\n", 7, "models[1]", "did you mean 'iol_mle'"),
    ("completeness: {method: maxcurv}\n", 7, "completeness.method", "completeness method"),
    ("completeness: {b_method: akii}\n", 7, "completeness.b_method", "b-value method"),
    ("figures: [fmd, histogram]\n", 7, "figures[1]", "unknown figure"),
    ("select: {lat: [37.5]}\n", 7, "select.lat", "[min, max]"),
    ("select: {time: [2003-01-01, 2003-02-30]}\n", 7, "select.time[1]", "day is out of range"),
    ("executor: {type: dask}\n", 7, "executor.address", "scheduler address"),
    ("executor: {type: local, n_workers: 0}\n", 7, "executor.n_workers", ">= 1"),
    ("executor: {type: local, address: 'tcp://x:1'}\n", 7, "executor.address", "type: dask"),
    ("outputs: {report: maybe}\n", 7, "outputs.report", "true or false"),
])
def test_problem_names_line_and_key(volcano_dir, extra, line, key, words):
    err = only(problems_of(volcano_dir, MINIMAL + extra))
    assert err.line == line and err.key == key
    assert words in str(err)
    assert "spec.yaml" in str(err) and f"line {line}" in str(err)


EXPERIMENTS = MINIMAL + """
models: [iol]
experiments:
  - name: a
    type: multiple
    t_min: 2003-13-01
    t_max: 2004-01-01
  - name: b
    type: single
    t_min: 01-01-2003
    t_max: 2002-01-01
    t_step: 3
  - name: c
    type: multiple
    t_min: 2003-01-01
    t_max: 2004-01-01
    t_step: -2
    mc: 1e9x
  - {name: d, type: singel, t_min: 2003-01-01, t_max: 2004-01-01}
"""


def test_experiment_problems_are_all_reported_in_line_order(volcano_dir):
    found = problems_of(volcano_dir, EXPERIMENTS)
    by_key = {p.key: p for p in found}
    assert by_key["experiments[0].t_min"].line == 12       # month 13: reported, not crashed
    assert by_key["experiments[0].t_step"].line == 10       # missing: the experiment's line
    assert by_key["experiments[1].t_max"].line == 17 and "not after" in str(
        by_key["experiments[1].t_max"])
    assert by_key["experiments[1].t_step"].line == 18 and "multiple analyses only" in str(
        by_key["experiments[1].t_step"])
    assert by_key["experiments[2].t_step"].line == 23
    assert by_key["experiments[2].mc"].line == 24
    assert "did you mean 'single'" in str(by_key["experiments[3].type"])
    lines = [p.line for p in found]
    assert lines == sorted(lines) and len(found) == 7


def test_load_spec_raises_first_problem_and_lists_all(volcano_dir):
    path = write_spec(volcano_dir, EXPERIMENTS)
    with pytest.raises(SpecError) as info:
        load_spec(path, workdir=volcano_dir)
    assert info.value.line == 10 and len(info.value.problems) == 7


@pytest.mark.parametrize("text, line, key, words", [
    ("project: {type: volcanic}\ndata: []\n", 1, "project.id", "required key 'id'"),
    ("project: {type: volcano, id: V}\n", 1, "project.type", "did you mean 'volcanic'"),
    ("project: {type: volcanic, id: '../V'}\n", 1, "project.id", "invalid project ID"),
    ("project: {type: volcanic, id: V}\nproject: {type: laboratory, id: W}\n", 2, "project",
     "duplicate key"),
    ("project: {type: volcanic, id: V\n", 2, None, "not valid YAML"),
    ("- just\n- a list\n", 1, None, "mapping of sections"),
    ("", 1, None, "empty"),
])
def test_structural_problems(tmp_path, text, line, key, words):
    err = problems_of(tmp_path, text)[0]
    assert err.line == line and err.key == key, str(err)
    assert words in str(err)


def test_datatype_rules(volcano_dir):
    text = MINIMAL.replace("kind: ecvd", "kind: ecld") + "  - {kind: evd, file: volcano/" \
        "SYNVOLC_evd.txt, station: X}\n"
    keys = {p.key: str(p) for p in problems_of(volcano_dir, text)}
    assert "ecld" in keys["data[0].kind"] and "ecvd, evd, scvd" in keys["data[0].kind"]
    assert "scvd only" in keys["data[1].station"]
    text = MINIMAL.replace("kind: ecvd", "kind: evd").replace("SYNVOLC_ecvd", "SYNVOLC_evd") + \
        "experiments:\n  - {type: single, models: [iol], t_min: 2003-01-01, " \
        "t_max: 2004-01-01}\n"
    err = only(problems_of(volcano_dir, text))
    assert err.key == "experiments[0].datatype" and "not among the imported data" in str(err)


def test_figures_need_the_analyses_they_draw(volcano_dir):
    err = only(problems_of(volcano_dir, MINIMAL + "figures: [fmd, forecast_evolution]\n"))
    assert err.key == "figures[1]" and "multiple analyses" in str(err)


def test_unknown_importer_for_the_datatype(volcano_dir):
    err = only(problems_of(volcano_dir, MINIMAL.replace(
        "metadata: volcano/SYNVOLC_ecvd_meta.yaml", "format: etna_tilt")))
    assert err.key == "data[0].format" and err.line == 6
    assert "etna_ingv" in str(err)   # the valid choices for an ECVD are listed


def test_missing_data_file_and_spec(volcano_dir):
    err = only(problems_of(volcano_dir, MINIMAL.replace("SYNVOLC_ecvd.txt", "nothere.txt")))
    assert err.key == "data[0].file" and "does not exist" in str(err)
    missing = check_spec(volcano_dir / "absent.yaml")
    assert len(missing) == 1 and "not found" in str(missing[0])


# ------------------------------------------------------------------------------------------------
# safety: the sandbox and safe YAML
# ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["../outside.txt", "volcano/../../outside.txt",
                                   "/etc/passwd", "/tmp/../etc/hosts"])
def test_path_traversal_is_refused(volcano_dir, value):
    outside = volcano_dir.parent / "outside.txt"
    outside.write_text("x")
    err = only(problems_of(volcano_dir, MINIMAL.replace("volcano/SYNVOLC_ecvd.txt", value)))
    assert err.key == "data[0].file" and "path traversal is refused" in str(err)


def test_symlink_out_of_the_spec_folder_is_refused(volcano_dir, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    shutil.copy(volcano_dir / "volcano" / "SYNVOLC_ecvd.txt", elsewhere / "cat.txt")
    (volcano_dir / "link.txt").symlink_to(elsewhere / "cat.txt")
    text = MINIMAL.replace("volcano/SYNVOLC_ecvd.txt", "link.txt")
    err = only(problems_of(volcano_dir, text))
    assert err.key == "data[0].file"
    # the caller (never the spec) can allow another folder
    assert problems_of(volcano_dir, text, allowed_roots=[elsewhere]) == []


def test_project_root_stays_in_the_workdir(volcano_dir, tmp_path_factory):
    for root in ("../projects", "/var/tmp/projects"):
        err = only(problems_of(volcano_dir, MINIMAL.replace("root: out", f"root: {root}")))
        assert err.key == "project.root" and "outside" in str(err)
    allowed = tmp_path_factory.mktemp("allowed")
    text = MINIMAL.replace("root: out", f"root: {allowed}")
    spec, problems = parse_spec(text, path=write_spec(volcano_dir, text), workdir=volcano_dir,
                                allowed_roots=[allowed])
    assert problems == [] and spec.project_path == allowed / "V"


def test_relative_root_resolves_against_the_workdir(volcano_dir, tmp_path_factory):
    work = tmp_path_factory.mktemp("work")
    spec = load_spec(volcano_dir / "volcano.yaml", workdir=work)
    assert spec.project_path == work / "varpy_projects" / "SYNVOLC"
    data = spec.data["data"][0]["file"]
    assert Path(data).parent == volcano_dir / "volcano"    # inputs: relative to the spec


def test_python_tags_are_never_constructed(tmp_path):
    marker = tmp_path / "pwned"
    text = (f"project: !!python/object/apply:os.system ['touch {marker}']\n")
    err = problems_of(tmp_path, text)[0]
    assert err.line == 1 and "Python tags" in str(err)
    assert not marker.exists()


def test_alias_bombs_are_bounded(tmp_path):
    lines = ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        lines.append(f"{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, "
                     f"*{prev}, *{prev}, *{prev}, *{prev}]")
    err = problems_of(tmp_path, "\n".join(lines) + "\n")[0]
    assert "more than" in str(err)


def test_figure_registry_lists_installed_functions():
    figures = known_figures()
    assert {"fmd", "rate", "model_fit", "forecast_evolution"} <= set(figures)
    assert all(callable(f) for f in figures.values())


# ------------------------------------------------------------------------------------------------
# running
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def volcano_run(tmp_path_factory):
    """One run of sample_data/volcano.yaml on a temporary copy (shared by the tests below)."""
    folder = tmp_path_factory.mktemp("volcano_run")
    shutil.copytree(SAMPLE / "volcano", folder / "volcano")
    shutil.copy(SAMPLE / "volcano.yaml", folder / "volcano.yaml")
    result = run_spec(folder / "volcano.yaml", workdir=folder, progress=False)
    return folder, result


def test_volcano_run_writes_figures_outputs_and_report(volcano_run):
    folder, result = volcano_run
    project = Path(result.project)
    assert project == folder / "varpy_projects" / "SYNVOLC"
    spec = load_spec(folder / "volcano.yaml", workdir=folder)
    assert len(result.figures) >= len(spec.data["figures"])
    for rel in result.figures + result.outputs + [result.report]:
        assert (project / rel).is_file() and (project / rel).stat().st_size > 0, rel
    names = {Path(f).name for f in result.figures}
    assert {"fmd.png", "forecast_evolution-retro-iol.png", "model_fit-compare-iol.png",
            "model_comparison-retro.png"} <= names
    assert result.report == "Output/report.html"
    assert "<html" in (project / result.report).read_text(encoding="utf-8").lower()
    steps = pd.read_csv(project / "Output" / "retro-iol.csv")
    assert len(steps) == 128 and {"t_forc", "failure_time", "flagged"} <= set(steps.columns)
    assert (project / "Output" / "run.json").is_file()


def test_volcano_run_numbers(volcano_run):
    _, result = volcano_run
    c = result.completeness
    assert c["mc"]["maxc"] == pytest.approx(1.9) and 1.2 < c["b"]["b"] < 1.6   # simulated b=1.5
    single = {e["model"]: e for e in result.experiments if e["name"] == "compare"}
    assert set(single) == {"iol", "hyperbolic", "exponential", "constant"}
    assert len({e["n_events"] for e in single.values()}) == 1   # same events for every model
    # nested models: the accelerating ones fit at least as well as the constant rate
    assert single["iol"]["loglik"] >= single["constant"]["loglik"]
    assert single["hyperbolic"]["loglik"] >= single["constant"]["loglik"]
    retro = {e["model"]: e for e in result.experiments if e["name"] == "retro"}
    assert retro["iol"]["steps"] == 128 and 0 < retro["iol"]["fitted"] <= 128
    assert retro["iol"]["scores"]["forecasts"] > 0


def test_printed_scores_equal_the_json_and_the_report(volcano_run):
    """The main job's line, Output/*-scores.json and the report show the same figures."""
    from varpy.modelling.scoring import HEADLINE, ForecastScores, headline_text
    from varpy.write import read_output

    _, result = volcano_run
    project = Path(result.project)
    summary = result.summary()
    report = (project / "Output" / "report.md").read_text(encoding="utf-8")
    for e in (e for e in result.experiments if e["name"] == "retro"):
        out = read_output(project / "Output" / f"retro-{e['model']}-scores.json")
        stored = out.result["headline"]
        assert e["scores"] == stored                       # run.json == scores JSON
        line = headline_text(stored)
        assert line in summary and line in report          # CLI line == report
        rebuilt = ForecastScores.from_dict(out.result)     # == ForecastScores.summary()
        assert rebuilt.headline_text() == line and line in rebuilt.summary()
        for key in HEADLINE:
            assert f"{key}_n" in stored
        # coverage is over bounded intervals only, never counting an unbounded one
        table = out.table
        bounded = table[table["interval"] == "bounded"]
        assert stored["coverage_n"] == len(bounded) == stored["bounded"]
        assert stored["coverage"] == pytest.approx(
            bounded["covered"].astype(bool).mean())


def test_volcano_run_reopens(volcano_run):
    _, result = volcano_run
    project = varpy.open(result.project)
    assert isinstance(project, varpy.Volcanic)
    assert set(project.datatypes()) == {"ecvd", "evd", "scvd-TLT1", "scvd-TLT2"}
    assert {"compare-iol", "retro-iol", "retro-hyperbolic"} <= set(project.ecvd.models)
    assert len(project.ecvd.models["retro-iol"].outputs) == result.experiments[4]["fitted"]
    assert any(name.startswith("mc_maxc") for name in project.ecvd.outputs)


def test_run_result_round_trip_and_json(volcano_run):
    _, result = volcano_run
    d = result.to_dict()
    json.dumps(d, allow_nan=False)
    assert RunResult.from_dict(d).to_dict() == d
    stored = json.loads((Path(result.project) / "Output" / "run.json").read_text())
    assert stored["project_id"] == "SYNVOLC" and stored["experiments"] == d["experiments"]
    assert "SYNVOLC" in result.summary()


def test_if_exists_policies(volcano_dir):
    text = MINIMAL + "project: {type: volcanic, id: V, root: out, if_exists: error}\n"
    text = text.replace("project: {type: volcanic, id: V, root: out}\n", "", 1)
    path = write_spec(volcano_dir, text)
    first = run_spec(path, workdir=volcano_dir)
    assert first.datatypes == {"ecvd": 2380}
    with pytest.raises(ProjectExistsError, match="if_exists"):
        run_spec(path, workdir=volcano_dir)
    reuse = write_spec(volcano_dir, text.replace("if_exists: error", "if_exists: reuse"),
                       "reuse.yaml")
    assert run_spec(reuse, workdir=volcano_dir).datatypes == {"ecvd": 2380}


def test_runtime_error_names_the_spec_key(volcano_dir):
    text = MINIMAL + "figures:\n  - {name: fmd, options: {no_such_option: 1}}\n"
    path = write_spec(volcano_dir, text)
    with pytest.raises(TypeError) as info:
        run_spec(path, workdir=volcano_dir)
    assert any("figures[0]" in n and "spec.yaml" in n for n in info.value.__notes__)


RETRO_ONLY = MINIMAL + """
experiments:
  - {name: r, type: multiple, models: [iol], t_min: 2003-07-15, t_max: 2004-03-28,
     t_step: 4, tf: 2004-03-28, mc: maxc}
outputs: {tables: false, report: false}
"""


def test_dask_executor_gives_identical_results(volcano_dir):
    pytest.importorskip("dask.distributed")
    from dask.distributed import Client, LocalCluster

    serial = write_spec(volcano_dir, RETRO_ONLY.replace("id: V", "id: S"), "serial.yaml")
    dasked = write_spec(volcano_dir, RETRO_ONLY.replace("id: V", "id: D"), "dask.yaml")
    batch = [write_spec(volcano_dir, RETRO_ONLY.replace("id: V", f"id: B{i}"), f"b{i}.yaml")
             for i in (1, 2)]
    a = run_spec(serial, workdir=volcano_dir)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        b = run_spec(dasked, workdir=volcano_dir, executor=client)
        batched = run_specs(batch, workdir=volcano_dir, executor=client)   # one spec per task
    ta = varpy.open(a.project).ecvd.models["r-iol"].table()
    cols = [c for c in ta.columns if c not in ("uid", "created")]
    assert len(ta) == a.experiments[0]["fitted"] > 20
    for other in [b] + batched:
        tb = varpy.open(other.project).ecvd.models["r-iol"].table()
        pd.testing.assert_frame_equal(ta[cols].reset_index(drop=True),
                                      tb[cols].reset_index(drop=True))
        assert other.experiments[0]["scores"] == a.experiments[0]["scores"]
    assert [r.project_id for r in batched] == ["B1", "B2"]


def test_batch_of_specs(volcano_dir):
    one = write_spec(volcano_dir, RETRO_ONLY.replace("id: V", "id: B1"), "b1.yaml")
    two = write_spec(volcano_dir, RETRO_ONLY.replace("id: V", "id: B2").replace(
        "t_step: 4", "t_step: 8"), "b2.yaml")
    results = run_specs([one, two], workdir=volcano_dir)
    assert [r.project_id for r in results] == ["B1", "B2"]
    assert results[0].experiments[0]["steps"] > results[1].experiments[0]["steps"]
    clash = write_spec(volcano_dir, RETRO_ONLY.replace("id: V", "id: B1"), "clash.yaml")
    with pytest.raises(SpecError, match="same project"):
        run_specs([one, clash], workdir=volcano_dir)


def test_laboratory_spec_runs(tmp_path):
    shutil.copytree(SAMPLE / "lab", tmp_path / "lab")
    text = (SAMPLE / "lab.yaml").read_text()
    # a lighter variant of the sample: no figures, coarser steps
    text = text.replace("t_step: 100", "t_step: 500")
    text = text[:text.index("figures:")] + "outputs: {tables: true, report: false}\n"
    path = write_spec(tmp_path, text, "lab.yaml")
    result = run_spec(path, workdir=tmp_path)
    assert result.project_type == "laboratory"
    iol = next(e for e in result.experiments if e["name"] == "compare" and e["model"] == "iol")
    # lab failure times are seconds: the AE forecast lands near the true failure (10850 s)
    assert isinstance(iol["failure_time"], float)
    assert abs(iol["failure_time"] - 10850.0) < 1500.0
    assert np.isfinite(result.completeness["b"]["b"])


# ------------------------------------------------------------------------------------------------
# property: whatever a gateway sends, the validator answers with SpecErrors, never crashes
# ------------------------------------------------------------------------------------------------
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_KEYS = ["varpy", "project", "type", "id", "root", "if_exists", "data", "kind", "file",
         "metadata", "format", "station", "options", "select", "time", "lat", "lon", "depth",
         "magnitude", "stations", "creep", "polygon", "columns", "completeness", "datatype",
         "method", "methods", "dm", "b_method", "legacy", "models", "name", "experiments",
         "experiment", "t_min", "t_max", "t_step", "tf", "mc", "min_events", "figures",
         "outputs", "tables", "report", "executor", "n_workers", "threads_per_worker",
         "address", "description"]
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6),
                     st.floats(allow_nan=True, allow_infinity=True),
                     st.sampled_from(["volcanic", "laboratory", "ecvd", "iol", "maxc", "single",
                                      "multiple", "2003-07-15", "31-12-2004", "../x", "/etc",
                                      "volcano/SYNVOLC_ecvd.txt", "local", "dask", "fmd", ""]),
                     st.text(max_size=8))
_VALUES = st.recursive(_SCALARS, lambda children: st.one_of(
    st.lists(children, max_size=4),
    st.dictionaries(st.sampled_from(_KEYS), children, max_size=5)), max_leaves=25)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(_KEYS), _VALUES, max_size=8))
def test_validator_never_crashes(tmp_path_factory, document):
    import yaml

    folder = tmp_path_factory.getbasetemp()
    text = yaml.safe_dump(document, allow_unicode=True)
    spec, problems = parse_spec(text, path=folder / "fuzz.yaml", workdir=folder)
    assert (spec is None) == bool(problems)
    for p in problems:
        assert isinstance(p, SpecError) and str(p)


def test_experiment_ci_method_is_checked(volcano_dir):
    text = MINIMAL + ("models: [iol]\nexperiments:\n  - {name: a, type: single, "
                      "t_min: 2003-01-01, t_max: 2004-01-01, ci_method: clustred}\n")
    err = only(problems_of(volcano_dir, text))
    assert err.key == "experiments[0].ci_method" and "did you mean 'clustered'" in str(err)
    text = MINIMAL + ("models: [iol]\nexperiments:\n  - {name: a, type: single, "
                      "t_min: 2003-01-01, t_max: 2004-01-01, ci_method: bootstrap, "
                      "ci_options: {seed: 1, n_boot: 0}}\n")
    err = only(problems_of(volcano_dir, text))
    assert err.key == "experiments[0].ci_options.n_boot"


def test_significance_figures_run_from_a_spec(volcano_dir):
    text = MINIMAL + """figures:
  - name: rate_change
    options: {window: 30D, bin_width: 1D, statistic: beta}
  - name: b_significance
    options: {mc: 1.5, n_m: 50}
"""
    assert problems_of(volcano_dir, text) == []
    result = run_spec(write_spec(volcano_dir, text), workdir=volcano_dir)
    names = " ".join(str(p) for p in result.figures)
    assert "rate_change" in names and "b_significance" in names
