"""The project report: regenerated from the stored state, headline first, self-contained."""
from __future__ import annotations

import base64
import json
import shutil
import subprocess
import warnings
from html.parser import HTMLParser

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import varpy  # noqa: E402
from varpy import visualization as viz  # noqa: E402
from varpy import write  # noqa: E402
from varpy.exceptions import ProjectExistsError  # noqa: E402
from varpy.management.models import ModelOutput  # noqa: E402
from varpy.management.timeconv import to_float_time  # noqa: E402
from varpy.modelling.models import get_model  # noqa: E402
from varpy.modelling.scoring import score_forecasts  # noqa: E402
from varpy.write.report import HORIZONS, SECTIONS, _num, _when, fmt  # noqa: E402

ORIGIN = "2012-01-01"
PNG = b"\x89PNG\r\n\x1a\n"


class Page(HTMLParser):
    """What the tests read from a report: sections, images, links, tables with ids."""

    def __init__(self):
        super().__init__()
        self.sections, self.images, self.urls, self.tags = [], [], [], []
        self.tables: dict[str, list[list[str]]] = {}
        self._table = None
        self._cell = None
        self._row = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append(tag)
        if tag == "section":
            self.sections.append(a.get("id"))
        if tag == "img":
            self.images.append(a.get("src", ""))
        for key in ("src", "href"):
            if key in a:
                self.urls.append(a[key])
        if tag == "table":
            self._table = a.get("id")
            if self._table:
                self.tables[self._table] = []
        if tag == "tr" and self._table:
            self._row = []
        if tag in ("td", "th") and self._row is not None:
            self._cell = []

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self._row.append("".join(self._cell).strip())
            self._cell = None
        if tag == "tr" and self._row is not None:
            self.tables[self._table].append(self._row)
            self._row = None
        if tag == "table":
            self._table = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def _catalogue(days, rng):
    n = days.size
    return pd.DataFrame({"time": pd.Timestamp(ORIGIN, tz="UTC") + pd.to_timedelta(days, "D"),
                         "latitude": 27.7, "longitude": -18.0, "depth": rng.uniform(5, 20, n),
                         "magnitude": np.round(1.0 + rng.exponential(0.43, n), 1)})


@pytest.fixture
def project(tmp_path):
    rng = np.random.default_rng(4)
    days = np.sort(100.0 - 100.0 * rng.uniform(0, 1, 250) ** 1.6)
    v = varpy.Volcanic("Hierro", root=tmp_path)
    v._attach(varpy.ECVD(_catalogue(days, rng), {"location": "<script>alert(1)</script>"}))
    v._attach(varpy.EVD(pd.DataFrame({"start": [pd.Timestamp("2012-04-15", tz="UTC")],
                                      "end": [pd.NaT]})))
    v.save()
    x = to_float_time(v.ecvd.times, ORIGIN)
    fits = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in ("iol", "constant"):
            fits[name] = get_model(name).fit(x[x < 90.0], 0.0, 90.0, origin=ORIGIN)
            v.record_model_output("ecvd", ModelOutput.from_result(name, "single_forecast",
                                                                  fits[name]))
    v.ecvd.mc("maxc")
    v.ecvd.b_value(1.2)
    return v, fits


@pytest.fixture
def experiment_project(project):
    from varpy.modelling.experiments import multiple_analysis

    v, fits = project
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = multiple_analysis(v, "iol", t_min="01-01-2012", t_max="05-04-2012", t_step=15,
                                tf="10-04-2012", progress=False)
    scores = score_forecasts(res, label="retro-iol")
    write.write_result(v, scores, "retro-iol-scores")
    viz.frequency_magnitude(v, save=True)
    viz.forecast_evolution(res, v, save=True, name="forecast_evolution-retro-iol")
    return v, fits, res, scores


def test_sections_come_in_the_order_a_duty_scientist_reads(experiment_project):
    v, *_ = experiment_project
    html, md = write.report_text(v, "html"), write.report_text(v, "md")
    page = parse(html)
    assert page.sections == list(SECTIONS)
    titles = [line[3:] for line in md.splitlines() if line.startswith("## ")]
    assert titles == ["Latest forecast", "Completeness and b-value", "Model comparison",
                      "Retrospective forecasts", "Data", "Files and provenance"]
    # long tables are collapsed: every step, metadata, outputs
    assert page.tags.count("details") >= 4
    assert md.count("<details>") == page.tags.count("details")


def test_every_figure_is_embedded_and_decodes_as_png(experiment_project):
    v, *_ = experiment_project
    page = parse(write.report_text(v, "html"))
    manifest = v.store.read_manifest()
    n_figures = len({r["name"] for r in manifest["figures"]})
    assert len(page.images) == n_figures == 2
    for src in page.images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1], validate=True).startswith(PNG)
    # self-contained: no scripts, no style sheets or images fetched from anywhere
    assert "script" not in page.tags and "link" not in page.tags
    assert not [u for u in page.urls if u.startswith(("http:", "https:", "//"))]
    # the forecast-evolution figure is in the headline section, the FMD in completeness
    html = write.report_text(v, "html")
    head = html[html.index('<section id="headline">'):html.index('<section id="completeness">')]
    assert head.count("<img") == 1 and "forecast_evolution" in head


def test_headline_numbers_equal_the_stored_outputs(experiment_project):
    v, fits, res, scores = experiment_project
    stored = varpy.open(v.path)
    page = parse(write.report_text(stored, "html"))
    latest = page.tables["latest"]
    header, row = latest[0], latest[1]
    # the latest forecast is the last step of the retrospective series (its fit as stored)
    fit = stored.ecvd.models["retro-iol" if "retro-iol" in stored.ecvd.models
                             else res.name].outputs[-1].load_result()
    assert row[0] == "iol"
    assert row[1] == _when(fit.failure_time(calendar=True), True)
    t1 = fit.window[1]
    for h, cell in zip(HORIZONS[True], row[4:7]):
        assert cell == _num(fit.prob_failure_before(t1 + h), 3)
    assert header[4] == "P(eruption within 1 d)"
    # the scores table repeats the stored JSON headline, figure by figure
    doc = json.loads((v.path / "Output" / "retro-iol-scores.json").read_text())
    h = doc["result"]["headline"]
    assert h == json.loads(json.dumps(scores.to_dict()["headline"]))
    cells = dict(zip(page.tables["scores-table"][0], page.tables["scores-table"][1]))
    assert cells["coverage (n)"] == f"{_num(h['coverage'], 3)} ({h['coverage_n']})"
    assert cells["steps fitted"] == f"{h['fitted']} of {h['steps']}"
    assert cells["scored"] == str(h["forecasts"])
    assert cells["bounded intervals"].startswith(f"{h['bounded']} ({h['unbounded']} unbounded")
    assert cells["median |error| (n)"] == (f"{_num(h['median_abs_error'])} days "
                                           f"({h['median_abs_error_n']})")
    md = write.report_text(stored, "md")
    assert scores.headline_text() in md


def test_model_comparison_is_one_compact_table(project):
    v, fits = project
    page = parse(write.report_text(v, "html"))
    table = page.tables["models-ecvd"]
    header, rows = table[0], table[1:]
    assert header[:4] == ["model", "k", "log L", "AIC"] and "LR vs simplest" in header
    best = min(fits.values(), key=lambda f: f.aic)
    assert rows[0][0] == f"{best.model} (best)" and len(rows) == 2
    iol = fits["iol"]
    params = next(r for r in rows if r[0].startswith("iol"))[header.index(
        "parameters (± standard error)")]
    assert f"p = {_num(iol.params['p'])} ± {_num(iol.stderr['p'], 2)}" in params
    assert f"tf = {_when(iol.failure_time(calendar=True), True)}" in params
    assert "{" not in params                     # never a Python dict
    lr = next(r for r in rows if r[0].startswith("iol"))[header.index("LR vs simplest")]
    assert lr.startswith(_num(2 * (iol.loglik - fits["constant"].loglik), 4))


def test_report_comes_from_the_stored_state(project):
    v, _ = project
    v._attach(varpy.SCVD(pd.DataFrame({"time": pd.date_range("2012-01-01", periods=3,
                                                                tz="UTC"),
                                       "tilt": [1.0, 2.0, 3.0]}), station="LP01"))
    text = write.report_text(v, "md")
    assert "SCVD-LP01" not in text            # attached in memory only, not saved
    v.save()
    assert "SCVD-LP01" in write.report_text(v.path, "md")
    memory = varpy.Volcanic("Mem", root=None)
    with pytest.raises(varpy.exceptions.StoreError, match="in memory"):
        write.project_report(memory)


def test_report_files_overwrite_and_escaping(project):
    v, fit = project
    viz.event_rate(v, save=True)
    paths = write.project_report(v)
    assert [p.name for p in paths] == ["report.html", "report.md"]
    html = paths[0].read_text()
    assert "<script>" not in html and "&lt;script&gt;" in html     # metadata is escaped
    assert '<img src="data:image/png;base64,' in html
    linked = write.report_text(v, "html", embed_figures=False)
    assert '<img src="../Figures/event_rate.png"' in linked
    assert "](<../Figures/event_rate.png>)" in paths[1].read_text()
    with pytest.raises(ProjectExistsError):
        write.project_report(v, formats="html", overwrite=False)
    with pytest.raises(ValueError, match="format"):
        write.project_report(v, formats="pdf")
    records = [r for r in __import__("yaml").safe_load((v.path / "varpy.yaml").read_text())
               ["outputs"] if r["kind"] == "report"]
    assert records[-1]["files"] == ["Output/report.html", "Output/report.md"]


def test_report_lists_every_experiment_step(experiment_project):
    v, _, res, _ = experiment_project
    md = write.report_text(v, "md")
    table = res.table[res.table["uid"].notna()]
    assert len(table) >= 3
    for _, row in table.iterrows():
        assert fmt(row["t_forc"]) in md                      # forecast time of each step
        assert fmt(row["failure_time"]) in md
    assert f"experiment_id={res.experiment_id}" in md


def test_empty_project_report(tmp_path):
    v = varpy.Volcanic("Empty", root=tmp_path)
    page = parse(write.report_text(v, "html"))
    assert page.sections == list(SECTIONS)
    assert "No failure-time forecast is stored" in write.report_text(v, "md")


def _chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "headless_shell"):
        path = shutil.which(name)
        if path:
            return path
    return None


@pytest.mark.skipif(_chromium() is None, reason="no headless Chromium on this machine")
def test_report_renders_without_console_errors(experiment_project, tmp_path):
    v, *_ = experiment_project
    page = write.project_report(v, formats="html")[0]
    proc = subprocess.run([_chromium(), "--headless", "--disable-gpu", "--no-sandbox",
                           "--enable-logging=stderr", "--v=0", "--window-size=390,844",
                           "--dump-dom", page.as_uri()],
                          capture_output=True, text=True, timeout=120, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "<section" in proc.stdout
    errors = [line for line in proc.stderr.splitlines()
              if "CONSOLE" in line and ("Uncaught" in line or ":ERROR:" in line)]
    assert not errors, errors
