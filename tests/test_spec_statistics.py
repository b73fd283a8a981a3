"""The ``statistics`` section of YAML specs: every key checked before running (file, line,
key, valid choices), each analysis recorded in the datatype's outputs, written to Output/ and
summarised; the numbers are those of the datatype's own methods."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import varpy
from tests._spec_helpers import copy_sample_volcano, spec_with
from varpy.spec import check_spec, load_spec, run_spec


PERIODS = [["2000-01-01", 2.0], ["2003-01-01", 1.8]]


@pytest.fixture
def folder(tmp_path) -> Path:
    return copy_sample_volcano(tmp_path)


def test_every_key_is_checked_with_line_and_choices(folder):
    path = spec_with(folder, """
        statistics:
          a_value: {method: postive, m_reff: 2.0}
          b_value:
            - {method: weichert, periods: [[2000-01-01, 2.0], [not-a-date, 1.5]]}
            - {method: tinti_mulargia, periods: [[2000-01-01, 2.0]]}
            - {method: weichert, m_max: big}
          b_significance: {n_m: 1}
          rate_change: {statistic: zz, window: 90D}
        """)
    problems = check_spec(path, workdir=folder)
    by_key = {p.key: p for p in problems}
    assert set(by_key) == {
        "statistics.a_value.method", "statistics.a_value.m_reff",
        "statistics.b_value[0].periods[1][0]", "statistics.b_value[1].periods",
        "statistics.b_value[2].m_max", "statistics.b_significance.n_m",
        "statistics.rate_change.statistic", "statistics.rate_change.bin"}, sorted(by_key)
    assert "did you mean 'positive'" in str(by_key["statistics.a_value.method"])
    assert "did you mean 'm_ref'" in str(by_key["statistics.a_value.m_reff"])
    assert "more_positive" in str(by_key["statistics.a_value.method"])  # the valid choices
    assert "weichert" in str(by_key["statistics.b_value[1].periods"])
    assert by_key["statistics.a_value.method"].line == 8
    assert by_key["statistics.rate_change.statistic"].line == 14
    assert all(p.path and p.path.endswith("spec.yaml") for p in problems)


def test_unknown_analysis_and_empty_section(folder):
    path = spec_with(folder, """
        statistics: {avalue: {method: classic}}
        """)
    keys = sorted(p.key for p in check_spec(path, workdir=folder))
    assert keys == ["statistics", "statistics.avalue"]
    assert "a_value" in str(check_spec(path, workdir=folder)[1])


def test_run_records_writes_and_summarises_each_analysis(folder):
    path = spec_with(folder, f"""
        completeness: {{methods: [maxc]}}
        statistics:
          a_value:
            - {{method: classic, m_ref: 2.0}}
            - {{method: a-positive, m_ref: 2.0, scaling: 5.0}}
            - {{method: more_positive}}
          b_value: {{method: weichert, periods: {json.dumps(PERIODS)}}}
          b_significance: {{n_m: 50}}
          rate_change: {{statistic: beta, window: 90D, bin: 10D}}
        outputs: {{tables: true, report: false}}
        """)
    spec = load_spec(path, workdir=folder)
    assert "statistics of ecvd: a_value (classic), a_value (positive)" in spec.summary()
    result = run_spec(spec)
    names = [r["name"] for r in result.statistics]
    assert names == ["a_classic-ecvd", "a_positive-ecvd", "a_more_positive-ecvd",
                     "b_weichert-ecvd", "b_significance-ecvd", "rate_change_beta-ecvd"]
    for name in names:
        assert f"Output/{name}.csv" in result.outputs and f"Output/{name}.json" in result.outputs
    text = result.summary()
    assert "a-positive" in text and "Weichert" in text and "Mirwald" in text and "beta" in text

    # the same numbers as the datatype's own methods on the same data
    project = varpy.open(folder / "out" / "V")
    dt = project.ecvd
    assert {"a_classic", "a_positive", "a_more_positive", "b_weichert", "b_significance",
            "rate_change_beta"} <= set(dt.outputs)
    mc = dt.mc("maxc", dm=0.1, store=False).mc
    rec = {r["name"]: r for r in result.statistics}
    a = dt.a_value("positive", mc=mc, dm=0.1, m_ref=2.0, scaling=5.0, store=False)
    assert rec["a_positive-ecvd"]["a"] == pytest.approx(a.a, rel=1e-12)
    assert rec["a_positive-ecvd"]["mc"] == pytest.approx(mc)
    b = dt.b_value(method="weichert", periods=[tuple(p) for p in PERIODS], dm=0.1, store=False)
    assert rec["b_weichert-ecvd"]["b"] == pytest.approx(b.b, rel=1e-12)
    s = dt.b_significance(mc, n_m=50, dm=0.1, store=False)
    assert rec["b_significance-ecvd"]["p_value"] == pytest.approx(s.p_value, rel=1e-12)
    stored = json.loads((folder / "out" / "V" / "Output" / "b_weichert-ecvd.json")
                        .read_text(encoding="utf-8"))
    assert stored["provenance"]["statistics"]["result"]["b"] == pytest.approx(b.b, rel=1e-12)
    header, first = (folder / "out" / "V" / "Output" / "rate_change_beta-ecvd.csv") \
        .read_text(encoding="utf-8").splitlines()[:2]
    assert header.startswith("window_start,window_end,value") and first.startswith("2000-01-")
    run = json.loads((folder / "out" / "V" / "Output" / "run.json").read_text(encoding="utf-8"))
    assert [r["name"] for r in run["statistics"]] == names


def test_significance_without_mc_fails_before_writing_its_outputs(folder):
    path = spec_with(folder, """
        statistics: {b_significance: {n_m: 50}}
        outputs: {tables: false, report: false}
        """)
    with pytest.raises(varpy.exceptions.SpecError, match="completeness magnitude") as info:
        run_spec(path, workdir=folder)
    assert info.value.key == "statistics.b_significance.mc"
