"""The ``varpy`` command: subcommands in-process (main(argv)) and as a real subprocess."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import varpy
from varpy import cli

REPO = Path(__file__).resolve().parents[1]
VOLCANO = REPO / "sample_data" / "volcano"
LAB = REPO / "sample_data" / "lab"


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def run_json(capsys, *argv) -> tuple[int, dict, str]:
    code, out, err = run(capsys, *argv, "--json")
    doc = json.loads(out)          # strict: the answer is exactly one JSON document
    assert doc["exit_code"] == code and doc["ok"] == (code == 0)
    return code, doc, err


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A volcanic project with the sample catalogue and eruptions, made through the CLI."""
    root = tmp_path_factory.mktemp("cli")
    assert cli.main(["create", "SYNVOLC", "--type", "volcanic", "--root", str(root),
                     "--quiet"]) == 0
    path = root / "SYNVOLC"
    for kind, name in (("ecvd", "SYNVOLC_ecvd"), ("evd", "SYNVOLC_evd")):
        assert cli.main(["add", str(path), kind, str(VOLCANO / f"{name}.txt"), "--metadata",
                         str(VOLCANO / f"{name}_meta.yaml"), "--quiet"]) == 0
    return path


# ------------------------------------------------------------------------------------------------
# in-process
# ------------------------------------------------------------------------------------------------
def test_create_add_summary_json(capsys, tmp_path):
    code, doc, _ = run_json(capsys, "create", "LAB1", "--type", "laboratory", "--root", tmp_path)
    assert code == 0 and doc["type"] == "laboratory" and Path(doc["project"]).is_dir()
    code, doc, _ = run_json(capsys, "add", tmp_path / "LAB1", "ecld", LAB / "SYNLAB_ecld.txt",
                            "--metadata", LAB / "SYNLAB_ecld_meta.yaml")
    assert code == 0 and doc["datatype"] == "ecld" and doc["rows"] == 887
    assert doc["format"] == "ae_two_column"
    code, doc, _ = run_json(capsys, "summary", tmp_path / "LAB1")
    assert doc["datatypes"]["ecld"]["rows"] == 887 and doc["type"] == "laboratory"
    # an existing project is refused unless --exist-ok
    code, doc, err = run_json(capsys, "create", "LAB1", "--type", "laboratory", "--root",
                              tmp_path)
    assert code == cli.EXIT_DATA and doc["error"]["type"] == "ProjectExistsError"
    assert "Traceback" not in err
    assert run(capsys, "create", "LAB1", "--type", "laboratory", "--root", tmp_path,
               "--exist-ok")[0] == 0


def test_summary_text(capsys, project):
    code, out, _ = run(capsys, "summary", project)
    assert code == 0 and "ECVD" in out and "2380" in out


def test_mc_and_b_value(capsys, project):
    code, doc, _ = run_json(capsys, "mc", project, "--method", "maxc", "--method", "gft",
                            "--select", "lat=37.5,38", "--no-store")
    assert code == 0 and set(doc["mc"]) == {"maxc", "gft"}
    assert doc["mc"]["maxc"]["mc"] == pytest.approx(1.9)
    assert doc["b_value"]["b"] == pytest.approx(1.4, abs=0.15)     # simulated b = 1.5
    assert doc["n"] < 2380                                         # the window was applied


def test_fit_ok_flagged_and_failed(capsys, project):
    code, doc, _ = run_json(capsys, "fit", project, "constant", "--start", "2003-07-15",
                            "--end", "2004-03-15", "--mc", "maxc", "--no-store")
    assert code == 0 and doc["status"] == "ok"
    k = doc["fit"]["params"]["k"]
    assert k == pytest.approx(doc["fit"]["n_events"] / 244.0)    # MLE of a constant rate: N/T
    # IOL on the sample precursor 13 days before the eruption: an interior optimum with a
    # bounded interval, not flagged however close to the data
    code, doc, err = run_json(capsys, "fit", project, "iol", "--start", "2003-07-15",
                              "--end", "2004-03-15", "--mc", "maxc", "--no-store")
    assert code == 0 and not doc["flagged"] and doc["failure_time"].startswith("2004-03")
    # four weeks into the unrest the interval of tf reaches the end of the data: flagged,
    # exit 3, result still given
    code, doc, err = run_json(capsys, "fit", project, "iol", "--start", "2003-07-15",
                              "--end", "2003-08-12", "--mc", "maxc", "--no-store")
    assert code == cli.EXIT_FIT and doc["flagged"] and doc["fit"]["warnings"]
    assert any("2003-08-12 00:00 UTC" in w for w in doc["fit"]["warnings"])
    # too few events: the fit fails, exit 3, a message and no traceback
    code, doc, err = run_json(capsys, "fit", project, "iol", "--start", "2003-07-15",
                              "--end", "2003-07-16")
    assert code == cli.EXIT_FIT and doc["error"]["type"] == "FitError"
    assert "at least" in err and "Traceback" not in err


def test_experiment_single_and_multiple(capsys, project):
    code, doc, _ = run_json(capsys, "experiment", project, "hyperbolic", "exponential",
                            "--type", "single_forecast", "--t-min", "2003-07-15", "--t-max",
                            "2004-03-15", "--mc", "maxc", "--no-store")
    assert code == 0 and [r["model"] for r in doc["results"]] == ["hyperbolic", "exponential"]
    code, doc, err = run_json(capsys, "experiment", project, "iol", "--type", "multiple",
                              "--t-min", "2003-07-15", "--t-max", "2004-03-28", "--t-step",
                              "8", "--tf", "2004-03-28", "--mc", "maxc", "--write")
    assert code == 0
    rec = doc["results"][0]
    assert rec["steps"] == 32 and rec["fitted"] > 0 and rec["scores"]["forecasts"] > 0
    assert all((project / f).is_file() for f in rec["files"])
    assert any("flagged" in w for w in doc["warnings"])
    # --strict turns flagged steps into exit code 3
    code, _, _ = run_json(capsys, "experiment", project, "iol", "--type", "multiple",
                          "--t-min", "2003-07-15", "--t-max", "2004-03-28", "--t-step", "30",
                          "--mc", "maxc", "--no-store", "--strict")
    assert code == cli.EXIT_FIT


def test_plot_and_report(capsys, project):
    code, doc, _ = run_json(capsys, "plot", project, "fmd", "--name", "fmd-cli")
    assert code == 0 and doc["files"] == ["Figures/fmd-cli.png"]
    assert (project / "Figures" / "fmd-cli.png").stat().st_size > 1000
    code, doc, _ = run_json(capsys, "plot", project, "rate", "--option", "bin_width=7",
                            "--format", "svg", "--name", "rate-cli")
    assert code == 0 and doc["files"] == ["Figures/rate-cli.svg"]
    code, doc, _ = run_json(capsys, "report", project, "--format", "html")
    assert code == 0 and doc["files"] == ["Output/report.html"]
    assert "fmd-cli.png" in (project / "Output" / "report.html").read_text(encoding="utf-8")


def test_list(capsys):
    code, doc, _ = run_json(capsys, "list", "models")
    assert {"iol", "hyperbolic", "constant"} <= set(doc["names"])
    code, out, _ = run(capsys, "list", "figures")
    assert "forecast_evolution" in out.split()


@pytest.mark.parametrize("argv, code, words", [
    (["fit"], cli.EXIT_USAGE, "required"),
    (["nosuchcommand"], cli.EXIT_USAGE, "invalid choice"),
    (["experiment", "{p}", "iol", "--type", "multiple", "--t-min", "2003-01-01",
      "--t-max", "2004-01-01"], cli.EXIT_USAGE, "--t-step"),
    (["fit", "{p}", "nosuchmodel", "--start", "2003-01-01", "--end", "2004-01-01"],
     cli.EXIT_USAGE, "valid choices"),
    (["fit", "{p}", "iol", "--start", "2003-13-01", "--end", "2004-01-01"], cli.EXIT_USAGE,
     "month must be in 1..12"),
    (["summary", "{p}/../nothere"], cli.EXIT_DATA, "no varpy project"),
    (["add", "{p}", "ecvd", "{bad}", "--format", "etna_ingv", "--overwrite"], cli.EXIT_DATA,
     "line 2"),
    (["mc", "{p}", "--kind", "ecld"], cli.EXIT_USAGE, "ecld"),
    (["experiment", "{p}", "iol", "--type", "multiple", "--t-min", "2003-01-01", "--t-max",
      "2004-01-01", "--t-step", "5", "--executor", "sometimes"], cli.EXIT_USAGE, "executor"),
])
def test_error_exit_codes(capsys, project, tmp_path, argv, code, words):
    bad = tmp_path / "bad.txt"
    bad.write_text("1\t01-01-2000\t22:00:15\t37.8\t14.9\t1.9\t2.1\t2\tok\n"
                   "2\t99-99-2000\t07:35:40\t37.7\t15.1\t10.2\t2.2\t2\tbroken\n")
    argv = [a.format(p=project, bad=bad) for a in argv]
    got, doc, err = run_json(capsys, *argv)
    assert got == code, err
    assert words in err + json.dumps(doc)
    assert "Traceback" not in err


def test_debug_shows_the_traceback(capsys, project):
    code, _, err = run(capsys, "summary", project.parent / "nothere", "--debug")
    assert code == cli.EXIT_DATA and "Traceback" in err


def test_internal_errors_are_exit_70_with_traceback(capsys, monkeypatch, project):
    def broken(args, out):
        raise RuntimeError("boom")

    parser = cli.build_parser()
    monkeypatch.setattr(cli, "cmd_summary", broken)
    monkeypatch.setattr(cli, "build_parser", lambda: _with(parser, "summary", broken))
    code, out, err = run(capsys, "summary", project)
    assert code == cli.EXIT_INTERNAL and "Traceback" in err and "boom" in err


def _with(parser, name, func):
    sub = next(a for a in parser._actions if isinstance(a, cli.argparse._SubParsersAction))
    sub.choices[name].set_defaults(func=func)
    return parser


SPEC = """
varpy: 1
project: {type: volcanic, id: RUN, root: projects}
data:
  - kind: ecvd
    file: volcano/SYNVOLC_ecvd.txt
    metadata: volcano/SYNVOLC_ecvd_meta.yaml
completeness: {methods: [maxc]}
models: [hyperbolic, constant]
experiments:
  - {name: s, type: single, t_min: 2003-07-15, t_max: 2004-03-15}
outputs: {tables: true, report: false}
"""


@pytest.fixture
def spec_dir(tmp_path) -> Path:
    shutil.copytree(VOLCANO, tmp_path / "volcano")
    (tmp_path / "spec.yaml").write_text(textwrap.dedent(SPEC).lstrip(), encoding="utf-8")
    return tmp_path


def test_run_spec(capsys, spec_dir, monkeypatch):
    monkeypatch.chdir(spec_dir)
    code, doc, _ = run_json(capsys, "run", "--check", "spec.yaml")
    assert code == 0 and doc["valid"]
    code, doc, _ = run_json(capsys, "run", "spec.yaml")
    assert code == 0
    result = doc["results"][0]
    assert Path(result["project"]) == spec_dir / "projects" / "RUN"
    assert {e["model"] for e in result["experiments"]} == {"hyperbolic", "constant"}
    assert varpy.open(result["project"]).ecvd.models
    assert (spec_dir / "projects" / "RUN" / "Output" / "s-models.csv").is_file()


def test_run_invalid_spec_names_file_line_and_key(capsys, spec_dir):
    path = spec_dir / "spec.yaml"
    path.write_text(path.read_text().replace("t_max: 2004-03-15", "t_max: 2004-03-15, "
                                             "t_step: two"))
    code, doc, err = run_json(capsys, "run", path, "--workdir", spec_dir)
    assert code == cli.EXIT_USAGE
    assert doc["error"]["line"] == 10 and doc["error"]["key"] == "experiments[0].t_step"
    assert str(path) in err and "line 10" in err and "experiments[0].t_step" in err
    assert "Traceback" not in err


def test_run_refuses_path_traversal(capsys, spec_dir):
    path = spec_dir / "spec.yaml"
    path.write_text(path.read_text().replace("file: volcano/SYNVOLC_ecvd.txt",
                                             "file: ../../../etc/passwd"))
    code, doc, err = run_json(capsys, "run", path, "--workdir", spec_dir)
    assert code == cli.EXIT_USAGE and "path traversal" in err
    assert doc["error"]["key"] == "data[0].file" and doc["error"]["line"] == 5


# ------------------------------------------------------------------------------------------------
# as a real command
# ------------------------------------------------------------------------------------------------
def _command(*argv, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "varpy", *map(str, argv)], cwd=cwd,
                          capture_output=True, text=True, timeout=120)


def test_python_m_varpy(tmp_path):
    proc = _command("--version")
    assert proc.returncode == 0 and varpy.__version__ in proc.stdout
    proc = _command("run", "--check", "--json", REPO / "sample_data" / "volcano.yaml",
                    cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["valid"] and doc["specs"][0]["data"]["project"]["id"] == "SYNVOLC"
    assert not (tmp_path / "varpy_projects").exists()     # --check writes nothing


def test_console_script_error_is_clean(tmp_path):
    exe = shutil.which("varpy")
    if exe is None:
        pytest.skip("the varpy console script is not installed (pip install -e .)")
    proc = subprocess.run([exe, "summary", str(tmp_path / "nothere")], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == cli.EXIT_DATA
    assert proc.stdout == "" and "no varpy project" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_fit_records_the_interval_method(capsys, project):
    code, doc, _ = run_json(capsys, "fit", project, "iol", "--start", "2003-07-15",
                            "--end", "2004-03-15", "--mc", "maxc", "--no-store",
                            "--ci-method", "clustered")
    assert doc["fit"]["ci_method"] == "clustered"
    assert "Traceback" not in str(doc)


def test_fit_defaults_to_the_clustered_interval(capsys, project):
    """Without --ci-method: "auto", which is the clustered profile for an iol forecast."""
    code, doc, _ = run_json(capsys, "fit", project, "iol", "--start", "2003-07-15",
                            "--end", "2004-03-15", "--mc", "maxc", "--no-store")
    assert doc["fit"]["ci_method"] == "clustered"


def test_inspect_shows_what_varpy_reads_without_importing(capsys, tmp_path):
    code, out, _ = run(capsys, "inspect", VOLCANO / "SYNVOLC_ecvd.txt", "--kind", "ecvd")
    assert code == 0
    assert "etna_ingv" in out and "magnitude" in out
    code, doc, _ = run_json(capsys, "inspect", VOLCANO / "SYNVOLC_ecvd.txt", "--kind", "ecvd")
    assert code == 0 and doc["format"] == "etna_ingv" and doc["missing"] == []
    assert list(tmp_path.iterdir()) == []            # nothing imported, nothing written


def test_inspect_of_a_file_no_importer_reads_is_a_data_error(capsys, tmp_path):
    junk = tmp_path / "junk.txt"
    junk.write_text("this is not a catalogue\nnor is this\n", encoding="utf-8")
    code, out, err = run(capsys, "inspect", junk, "--kind", "ecvd")
    assert code == cli.EXIT_DATA
    assert "no importer reads the file" in err


def test_change_rate_and_b(capsys, project):
    code, doc, _ = run_json(capsys, "change", project, "--statistic", "beta", "--window",
                            "30D", "--bin", "1D", "--no-store")
    assert code == 0 and doc["result"]["statistic"] == "beta"
    assert len(doc["result"]["value"]) == len(doc["result"]["window_start"]) > 0
    code, doc, _ = run_json(capsys, "change", project, "--statistic", "b", "--mc", "1.5",
                            "--n-m", "50", "--no-store")
    assert code == 0 and 0 <= doc["result"]["p_value"] <= 1
    code, doc, _ = run_json(capsys, "change", project, "--statistic", "b")
    assert code == cli.EXIT_USAGE
    code, doc, _ = run_json(capsys, "mc", project, "--method", "maxc", "--b-method",
                            "b_more_positive", "--no-store")
    assert code == 0 and doc["b_value"]["method"] == "b_more_positive"


def test_mc_with_period_b_values_and_a_values(capsys, project):
    from varpy.analysis.avalues import a_value
    from varpy.analysis.bvalue_more import b_weichert

    code, doc, _ = run_json(capsys, "mc", project, "--method", "maxc", "--b-method", "weichert",
                            "--period", "2000-01-01,2.0", "--period", "2003-01-01,1.8",
                            "--a-value", "positive", "--a-value", "classic", "--m-ref", "2.0",
                            "--no-store")
    assert code == 0 and set(doc["a_values"]) == {"positive", "classic"}
    cat = varpy.open(project).ecvd.dataset
    b = b_weichert(cat, [("2000-01-01", 2.0), ("2003-01-01", 1.8)], 0.1)
    assert doc["b_value"]["b"] == pytest.approx(b.b, rel=1e-12)
    a = a_value(cat, "positive", mc=doc["mc"]["maxc"]["mc"], m_ref=2.0)
    assert doc["a_values"]["positive"]["a"] == pytest.approx(a.a, rel=1e-12)
    assert doc["a_values"]["classic"]["m_ref"] == 2.0
    code, out, _ = run(capsys, "mc", project, "--b-method", "kijko_smit", "--no-store")
    assert code == 0 and "Kijko-Smit" in out                      # one period at the first Mc
    code, doc, err = run_json(capsys, "mc", project, "--period", "2000-01-01,2.0")
    assert code == cli.EXIT_USAGE and "weichert" in doc["error"]["message"]
    code, doc, _ = run_json(capsys, "mc", project, "--b-method", "weichert", "--period", "2.0")
    assert code == cli.EXIT_USAGE and "START,MC" in doc["error"]["message"]
    code, doc, _ = run_json(capsys, "mc", project, "--a-value", "postive", "--no-store")
    assert code != 0 and "positive" in json.dumps(doc["error"])
