"""The ``decluster`` section of YAML specs: validated before running, labels recorded, the
background kept for completeness."""
from __future__ import annotations

from pathlib import Path

import pytest

import varpy
from tests._spec_helpers import copy_sample_volcano, spec_with
from varpy.spec import check_spec, run_spec



@pytest.fixture
def folder(tmp_path) -> Path:
    return copy_sample_volcano(tmp_path)


def test_unknown_method_keep_and_parameter_are_reported_with_their_keys(folder):
    path = spec_with(folder, """
        decluster:
          method: gardner_knopof
          keep: everything
        """)
    problems = check_spec(path, workdir=folder)
    keys = sorted(p.key for p in problems)
    assert keys == ["decluster.keep", "decluster.method"]
    assert "did you mean 'gardner_knopoff'" in str(problems[[p.key for p in problems]
                                                          .index("decluster.method")])
    path = spec_with(folder, """
        decluster: {method: reasenberg, parameters: {taumin: 2.0}}
        """)
    (problem,) = check_spec(path, workdir=folder)
    assert problem.key == "decluster.parameters.taumin" and "tau_min" in str(problem)
    assert problem.line == 7                  # the line of the decluster key


def test_run_records_the_labels_and_keeps_the_background(folder):
    path = spec_with(folder, """
        decluster:
          method: gk
          keep: background
          parameters: {windows: uhrhammer}
        completeness: {methods: [maxc]}
        outputs: {tables: false, report: false}
        """)
    result = run_spec(path, workdir=folder)
    dc = result.decluster
    assert dc["method"] == "gardner_knopoff" and dc["parameters"]["windows"] == "uhrhammer"
    assert dc["keep"] == "background"
    assert result.completeness["n"] == dc["n_clusters"] < dc["n_events"]
    project = varpy.open(folder / "out" / "V")
    assert "decluster_gardner_knopoff" in project.ecvd.outputs
    assert "declustering (gardner_knopoff)" in result.summary()
    assert result.to_dict()["decluster"]["n_clusters"] == dc["n_clusters"]


def test_declustering_and_map_figures_from_a_spec(folder):
    path = spec_with(folder, """
        decluster: {method: nn}
        figures:
          - {name: declustered_rate, options: {method: nearest_neighbour}}
          - nearest_neighbours
          - {name: seismicity_map, options: {quantity: mc, spacing: 0.1, n_nearest: 100}}
          - {name: cross_section, options: {start: [37.6, 14.9], end: [37.8, 15.1],
                                            width_km: 10.0}}
        outputs: {tables: false, report: false}
        """)
    result = run_spec(path, workdir=folder)
    assert len(result.figures) == 4
    assert all((folder / "out" / "V" / f).is_file() for f in result.figures)
    assert result.decluster["keep"] is None
