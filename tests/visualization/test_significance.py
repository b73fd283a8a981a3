"""Figures of varpy.visualization.significance: Figure objects, drawn values equal the
analysis, datatype and result inputs."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

import varpy
from varpy.analysis import significance as S
from varpy.exceptions import DataFormatError
from varpy.statistics.mags import simulate_gr
from varpy.visualization import significance as V


def _project(tmp_path):
    rng = np.random.default_rng(1)
    t = np.sort(np.concatenate([rng.uniform(0, 60, 1200), rng.uniform(60, 100, 1400)]))
    cat = pd.DataFrame({"time": (pd.Timestamp("2020-01-01", tz="UTC")
                                 + pd.to_timedelta(t, unit="D")).strftime(
                                     "%Y-%m-%dT%H:%M:%S.%fZ"),
                        "latitude": 37.7, "longitude": 15.0, "depth": 5.0,
                        "magnitude": simulate_gr(t.size, 1.0, 1.0, 0.1, seed=2)})
    path = tmp_path / "cat.csv"
    cat.to_csv(path, index=False)
    v = varpy.Volcanic("Sig", root=tmp_path)
    v.add_datatype("ecvd", path, format="csv", columns={c: c for c in cat.columns})
    return v


def test_rate_change_figure_from_datatype_and_result(tmp_path):
    v = _project(tmp_path)
    fig = V.rate_change(v, window="10D", bin_width="1D", step="2D", statistic="beta")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    res = S.rate_change(v.ecvd.dataset, window="10D", bin_width="1D", step="2D",
                        statistic="beta")
    (line,) = [ln for ln in fig.axes[1].lines if ln.get_gid() == "beta"]
    np.testing.assert_allclose(line.get_ydata(), res.value)
    # the step at day 60 shows up as beta > 2 after it
    assert np.nanmax(res.value) > 2
    fig2 = V.rate_change(result=res)
    assert fig2 is not fig
    paths = _save(fig, v)
    assert paths and all(p.exists() for p in paths)


def _save(fig, v):
    from varpy.visualization._figure import save_figure

    return save_figure(fig, v, name="rate-change-test")


def test_b_significance_figure():
    res = S.b_significance(simulate_gr(3000, 1.0, 1.0, 0.1, seed=1), 1.0, n_m=100)
    fig = V.b_significance(result=res)
    (line,) = [ln for ln in fig.axes[0].lines if ln.get_gid() == "b"]
    np.testing.assert_allclose(line.get_ydata(), res.b_series)
    assert "p = " in fig.axes[0].get_title()
    with pytest.raises(DataFormatError):
        V.b_significance()
