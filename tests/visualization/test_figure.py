"""Saving figures into the per-ID tree, the manifest records, and no global pyplot state."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (only to check that no pyplot figure is opened)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import varpy  # noqa: E402
from varpy import visualization as viz  # noqa: E402
from varpy.exceptions import DataFormatError, InvalidIDError, StoreError  # noqa: E402


def _catalogue(n=50, seed=0):
    rng = np.random.default_rng(seed)
    days = np.sort(rng.uniform(0, 30, n))
    return pd.DataFrame({
        "time": pd.Timestamp("2012-03-01", tz="UTC") + pd.to_timedelta(days, unit="D"),
        "latitude": rng.uniform(37.6, 37.8, n), "longitude": rng.uniform(14.9, 15.1, n),
        "depth": rng.uniform(0, 15, n), "magnitude": np.round(rng.uniform(1, 3, n), 1)})


@pytest.fixture
def project(tmp_path):
    v = varpy.Volcanic("Etna", root=tmp_path)
    v._attach(varpy.ECVD(_catalogue(), {"location": "Etna"}))
    v.save()
    return v


def _manifest(project):
    return yaml.safe_load((project.path / "varpy.yaml").read_text())


def test_no_save_by_default_and_no_pyplot_figures(project):
    before = plt.get_fignums()
    fig = viz.event_rate(project)
    assert isinstance(fig, Figure)
    assert plt.get_fignums() == before == []
    assert list((project.path / "Figures").iterdir()) == []
    assert _manifest(project)["figures"] == []


def test_save_writes_files_and_records_them(project):
    fig = viz.event_rate(project, save=True, formats=("png", "pdf", "svg"), bin_width=2.0,
                         t_lims=("01-03-2012", "20-03-2012"))
    files = sorted(p.name for p in (project.path / "Figures").iterdir())
    assert files == ["event_rate.pdf", "event_rate.png", "event_rate.svg"]
    assert (project.path / "Figures" / "event_rate.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (project.path / "Figures" / "event_rate.pdf").read_bytes()[:4] == b"%PDF"
    rec = _manifest(project)["figures"][0]
    assert rec["name"] == "event_rate"
    assert rec["files"] == ["Figures/event_rate.png", "Figures/event_rate.pdf",
                            "Figures/event_rate.svg"]
    assert rec["function"] == "varpy.visualization.rates.event_rate"
    assert rec["datatype"] == "ecvd"
    assert rec["parameters"]["bin_width"] == 2.0
    assert rec["parameters"]["t_lims"] == ["01-03-2012", "20-03-2012"]
    # the time window is part of the recorded selection of the data drawn
    assert rec["selection"][0]["op"] == "time"
    assert rec["selection"][0]["start"] == "2012-03-01T00:00:00+00:00"
    assert rec["varpy_version"] == varpy.__version__
    assert fig.varpy_context.function.endswith("event_rate")
    # no temporary files are left behind by the atomic writes
    assert not [p for p in (project.path / "Figures").iterdir() if p.name.startswith(".")]


def test_names_are_unique_unless_overwrite(project):
    viz.event_rate(project, save=True)
    viz.event_rate(project, save=True)
    viz.event_rate(project, save=True, name="rate")
    names = sorted(p.name for p in (project.path / "Figures").iterdir())
    assert names == ["event_rate-2.png", "event_rate.png", "rate.png"]
    viz.event_rate(project, save=True, name="rate", overwrite=True)
    assert sorted(p.name for p in (project.path / "Figures").iterdir()) == names
    assert [r["name"] for r in _manifest(project)["figures"]] == [
        "event_rate", "event_rate-2", "rate", "rate"]


@pytest.mark.parametrize("bad", ["../escape", "a/b", "", ".hidden", "x y"])
def test_unsafe_names_are_refused(project, bad):
    with pytest.raises(InvalidIDError):
        viz.event_rate(project, save=True, name=bad)
    assert list((project.path / "Figures").iterdir()) == []
    assert not (project.path.parent / "escape.png").exists()


def test_unknown_format_is_refused(project):
    with pytest.raises(DataFormatError, match="format"):
        viz.event_rate(project, save=True, formats=("png", "bmp"))


def test_datatype_saves_into_its_project_and_detached_needs_project(project, tmp_path):
    viz.event_rate(project.ecvd, save=True)
    assert (project.path / "Figures" / "event_rate.png").is_file()
    loose = varpy.ECVD(_catalogue())
    with pytest.raises(StoreError, match="project"):
        viz.event_rate(loose, save=True)
    fig = viz.event_rate(loose)
    paths = viz.save_figure(fig, project, "loose")
    assert [p.name for p in paths] == ["loose.png"]
    assert _manifest(project)["figures"][-1]["name"] == "loose"


def test_windowed_project_saves_into_the_same_tree(project):
    from varpy.preparation import windows

    sub = windows.magnitude_range(project, 2.0, None)
    viz.magnitude_time(sub, save=True)
    rec = _manifest(project)["figures"][-1]
    assert rec["name"] == "magnitude_time"
    assert rec["selection"] == [{"op": "range", "column": "magnitude", "min": 2.0, "max": None,
                                 "closed": "left"}]


def test_ax_is_reused(project):
    fig = Figure()
    ax = fig.add_subplot(1, 2, 2)
    out = viz.magnitude_stems(project, ax=ax)
    assert out is fig
    assert len(ax.collections[0].get_segments()) == len(project.ecvd)
    assert plt.get_fignums() == []
