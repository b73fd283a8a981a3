"""The project report: regenerated from the stored state, holding the numbers and figures."""
from __future__ import annotations

import warnings

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
from varpy.write.report import fmt  # noqa: E402

ORIGIN = "2012-01-01"


@pytest.fixture
def project(tmp_path):
    rng = np.random.default_rng(4)
    days = np.sort(100.0 - 100.0 * rng.uniform(0, 1, 250) ** 1.6)
    df = pd.DataFrame({"time": pd.Timestamp(ORIGIN, tz="UTC") + pd.to_timedelta(days, unit="D"),
                       "latitude": 27.7, "longitude": -18.0, "depth": rng.uniform(5, 20, 250),
                       "magnitude": np.round(1.0 + rng.exponential(0.43, 250), 1)})
    v = varpy.Volcanic("Hierro", root=tmp_path)
    v._attach(varpy.ECVD(df, {"location": "<script>alert(1)</script>"}))
    v._attach(varpy.EVD(pd.DataFrame({"start": [pd.Timestamp("2012-04-15", tz="UTC")],
                                      "end": [pd.NaT]})))
    v.save()
    x = to_float_time(v.ecvd.times, ORIGIN)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = get_model("iol").fit(x, 0.0, 100.0, origin=ORIGIN)
    v.record_model_output("ecvd", ModelOutput.from_result("iol", "single_forecast", fit))
    v.ecvd.mc("maxc")
    v.ecvd.b_value(1.2)
    return v, fit


def test_report_holds_the_numbers(project):
    v, fit = project
    viz.frequency_magnitude(v, save=True)
    write.write_result(v, fit)
    paths = write.project_report(v)
    assert [p.name for p in paths] == ["report.html", "report.md"]
    html = paths[0].read_text()
    md = paths[1].read_text()
    (b_key,) = [k for k in v.ecvd.outputs if k.startswith("b_")]
    b = v.ecvd.outputs[b_key]["result"]["b"]
    mc = v.ecvd.outputs["mc_maxc"]["result"]["mc"]
    for text in (html, md):
        assert "Hierro" in text and "volcanic" in text
        assert f"b={fmt(b)}" in text and f"mc={fmt(mc)}" in text
        for name, value in fit.params.items():
            assert f"{name} = {fmt(value)}" in text
        assert fmt(fit.loglik) in text and fmt(fit.aic) in text
        assert fmt(fit.failure_time(calendar=True)) in text
        assert "| 250 |" in text or "<td>250</td>" in text          # ECVD rows
        assert "fit-iol-ecvd" in text
    assert '<img src="../Figures/frequency_magnitude.png"' in html
    assert "](<../Figures/frequency_magnitude.png>)" in md
    assert '<a href="fit-iol-ecvd.csv">' in html
    # metadata is escaped, never executed
    assert "<script>" not in html and "&lt;script&gt;" in html
    records = [r for r in __import__("yaml").safe_load((v.path / "varpy.yaml").read_text())
               ["outputs"] if r["kind"] == "report"]
    assert records[-1]["files"] == ["Output/report.html", "Output/report.md"]


def test_report_comes_from_the_stored_state(project, tmp_path):
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


def test_report_overwrite_and_embedding(project):
    v, _ = project
    viz.event_rate(v, save=True)
    write.project_report(v, formats="html", embed_figures=True)
    html = (v.path / "Output" / "report.html").read_text()
    assert '<img src="data:image/png;base64,' in html
    with pytest.raises(ProjectExistsError):
        write.project_report(v, formats="html", overwrite=False)
    with pytest.raises(ValueError, match="format"):
        write.project_report(v, formats="pdf")


def test_report_lists_every_experiment_step(tmp_path):
    from varpy.modelling.experiments import multiple_analysis

    rng = np.random.default_rng(1)
    days = np.sort(100.0 * (1.0 - rng.uniform(size=300) ** 2))
    v = varpy.Volcanic("Exp", root=tmp_path)
    v._attach(varpy.ECVD(pd.DataFrame({
        "time": pd.Timestamp("2020-01-01", tz="UTC") + pd.to_timedelta(days, unit="D"),
        "latitude": 0.0, "longitude": 0.0, "depth": 1.0, "magnitude": 2.0})))
    v.save()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = multiple_analysis(v, "iol", t_min="01-01-2020", t_max="10-04-2020", t_step=20,
                                progress=False)
    md = write.report_text(v, "md")
    table = res.table[res.table["uid"].notna()]
    assert len(table) >= 3
    for _, row in table.iterrows():
        assert fmt(row["t_forc"]) in md                      # forecast time of each step
        assert fmt(row["failure_time"]) in md
    assert f"experiment_id={res.experiment_id}" in md
