"""Experiments: apply_model, single/multiple analyses, prospective forecasts, persistence.

Synthetic catalogues come from a local inverse-Omori simulator (inverting the integrated rate),
so the true failure time is known.
"""
from __future__ import annotations

import functools
import math
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import varpy
from varpy.exceptions import DataFormatError, FitError, FitWarning
from varpy.management.timeconv import parse_time, to_float_time
from varpy.modelling.experiments import (ExperimentResult, ProspectiveForecast, apply_model,
                                         forecast_offsets, list_experiments, magnitude_mask,
                                         multiple_analysis, single_analysis)
from varpy.modelling.models import get_model

ORIGIN = pd.Timestamp("2020-01-01", tz="UTC")
BOX = {"lat": (37.5, 37.9), "lon": (14.7, 15.3)}


# ------------------------------------------------------------------------------------------------
# simulation
# ------------------------------------------------------------------------------------------------
def simulate_iol(k: float, tf: float, p: float, t_end: float, seed) -> np.ndarray:
    """Event times of rate ``k (tf - t)**-p`` on ``[0, t_end)`` (p != 1), by inversion.

    The count is Poisson(Lambda(t_end)); given the count, times are i.i.d. with CDF
    Lambda(t)/Lambda(t_end), inverted in closed form.
    """
    rng = np.random.default_rng(seed)
    q = 1.0 - p
    total = k / q * (tf ** q - (tf - t_end) ** q)
    u = np.sort(rng.uniform(0.0, total, rng.poisson(total)))
    return tf - (tf ** q - q * u / k) ** (1.0 / q)


def catalogue(days, seed, *, b=1.0, m_min=1.0, incomplete=0.25, background=0,
              lab=False) -> pd.DataFrame:
    """A catalogue at ``days`` after ORIGIN inside BOX, magnitudes rounded to 0.1.

    GR magnitudes (``b``) from ``m_min``, except a fraction ``incomplete`` spread uniformly over
    the five bins below ``m_min`` (what a network detects below completeness). ``background``
    events (uniform in time, outside BOX) pollute it for filter tests.
    """
    rng = np.random.default_rng(seed)
    n = len(days)
    mags = m_min - 0.05 + rng.exponential(1.0 / (b * math.log(10)), n)
    low = rng.random(n) < incomplete
    mags[low] = m_min - 0.55 + 0.5 * rng.random(int(low.sum()))
    mags = np.round(mags, 1)
    df = pd.DataFrame({"latitude": rng.uniform(37.55, 37.85, n),
                       "longitude": rng.uniform(14.75, 15.25, n),
                       "depth": rng.uniform(0.0, 20.0, n), "magnitude": mags})
    t = np.asarray(days, dtype=float)
    if background:
        tb = rng.uniform(0.0, float(np.max(days)), background)
        bg = pd.DataFrame({"latitude": rng.uniform(38.0, 38.5, background),
                           "longitude": rng.uniform(14.75, 15.25, background),
                           "depth": 5.0, "magnitude": 3.0})
        df = pd.concat([df, bg], ignore_index=True)
        t = np.concatenate([t, tb])
    if lab:
        df = df[["magnitude"]].assign(time=t * 100.0)     # seconds
    else:
        df["time"] = ORIGIN + pd.to_timedelta(t * 86400.0, unit="s")
    return df.sort_values("time").reset_index(drop=True)


@pytest.fixture(scope="module")
def accelerating():
    """~400 events accelerating to tf = 100 days, observed for 95 days (true p = 0.8)."""
    return simulate_iol(70.0, 100.0, 0.8, 95.0, seed=11)


def memory_project(df, kind="ecvd"):
    if kind == "ecvd":
        p = varpy.Volcanic("X", root=None)
        p._attach(varpy.ECVD(df, {}))
    else:
        p = varpy.Laboratory("L", root=None)
        p._attach(varpy.ECLD(df, {}))
    return p


def quiet(fn, *args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)
        return fn(*args, **kw)


# ------------------------------------------------------------------------------------------------
# forecast grid
# ------------------------------------------------------------------------------------------------
def test_forecast_grid_matches_varpy_arange():
    # VarPy: arange(734381, 734869, 2) without its first element -> 243 windows
    offs = forecast_offsets(488.0, 2.0)
    assert offs.size == 243 and offs[0] == 2.0 and offs[-1] == 486.0
    assert forecast_offsets(1.0, 0.1).size == 9          # 0.1 .. 0.9, 1.0 excluded
    assert forecast_offsets(1.05, 0.1).size == 10
    with pytest.raises(DataFormatError):
        forecast_offsets(10.0, 0.0)
    with pytest.raises(DataFormatError):
        forecast_offsets(-1.0, 1.0)


@settings(max_examples=200, deadline=None)
@given(span=st.floats(0.01, 1e3), step=st.floats(1e-2, 1e3))
def test_forecast_grid_properties(span, step):
    offs = forecast_offsets(span, step)
    # offsets k * step, k = 1..n, all inside (0, span); the next grid point is not
    assert np.array_equal(offs, step * np.arange(1, offs.size + 1))
    tol = 1e-9 * max(step, span)
    assert np.all(offs > 0) and np.all(offs < span + tol)
    assert (offs.size + 1) * step >= span - tol


# ------------------------------------------------------------------------------------------------
# apply_model and single_analysis
# ------------------------------------------------------------------------------------------------
def test_apply_model_fits_window_and_records(accelerating):
    df = catalogue(accelerating, seed=1)
    proj = memory_project(df)
    fit = quiet(apply_model, proj, "ecvd", "iol", "2020-01-11", "2020-03-31")
    # the same fit by hand: events in [start, end), days since start
    start, end = parse_time("2020-01-11"), parse_time("2020-03-31")
    sel = (df["time"] >= start) & (df["time"] < end)
    t = to_float_time(df["time"][sel], start)
    ref = quiet(get_model("iol").fit, t, 0.0, 80.0)
    assert fit.n_events == int(sel.sum()) == ref.n_events
    assert fit.params == pytest.approx(ref.params, rel=1e-12)
    assert fit.loglik == pytest.approx(ref.loglik, abs=1e-9)
    assert abs(fit.failure_time(calendar=True) - (start + pd.Timedelta(days=fit.tf))) \
        < pd.Timedelta(microseconds=1)
    out = proj.ecvd.models["iol"].last
    assert out.kind == "single_forecast"
    prov = out.provenance
    assert prov["window"]["start"] == "2020-01-11T00:00:00+00:00"
    assert prov["window"]["end"] == "2020-03-31T00:00:00+00:00"
    assert prov["window"]["unit"] == "days" and prov["window"]["closed"] == "left"
    assert prov["n_window"] == prov["n_events"] == fit.n_events
    assert prov["experiment"]["type"] == "apply_model"
    assert prov["versions"]["varpy"] == varpy.__version__
    assert out.load_result().to_dict() == fit.to_dict()


def test_apply_model_as_project_method_and_retrospective(accelerating):
    proj = memory_project(catalogue(accelerating, seed=2))
    proj.apply_model = functools.partial(apply_model, proj)   # what Project.apply_model does
    fit = quiet(proj.apply_model, "ecvd", "iol", "01-01-2020", "05-04-2020", tf="10-04-2020",
                name="iol_retro")
    assert fit.mode == "retrospective" and fit.params["tf"] == pytest.approx(100.0)
    # a bare number is days after the window start (VarPy's convention)
    fit2 = quiet(proj.apply_model, "ecvd", "iol", "01-01-2020", "05-04-2020", tf=100.0,
                 store=False)
    assert fit2.params == pytest.approx(fit.params)
    out = proj.ecvd.models["iol_retro"].last
    assert out.kind == "retrospective_analysis"
    assert out.provenance["tf"] == {"value": 100.0, "time": "2020-04-10T00:00:00+00:00"}
    assert len(proj.ecvd.models["iol_retro"].outputs) == 1          # store=False kept nothing
    with pytest.raises(DataFormatError, match="ambiguous"):
        apply_model(proj, "ecvd", "iol", 734350, "05-04-2020")
    with pytest.raises(FitError, match="needs at least"):
        quiet(apply_model, proj, "ecvd", "iol", "01-01-2020", "01-01-2020 06:00:00")


def test_apply_model_laboratory_seconds(accelerating):
    proj = memory_project(catalogue(accelerating, seed=3, lab=True), kind="ecld")
    # lab seconds: the data are days * 100, so tf = 10000 s; window [1000, 9500) s
    fit = quiet(apply_model, proj, "ecld", "iol", 1000.0, 9500.0)
    assert fit.window == (0.0, 8500.0)
    assert fit.origin == 1000.0
    assert fit.failure_time() == pytest.approx(1000.0 + fit.tf)
    assert 9500.0 < fit.failure_time() < 12000.0
    # a known tf for lab data is on the datatype's own axis (absolute seconds)
    retro = quiet(apply_model, proj, "ecld", "iol", 1000.0, 9500.0, tf=10000.0)
    assert retro.params["tf"] == pytest.approx(9000.0)
    prov = proj.ecld.models["iol"].last.provenance
    assert prov["window"] == {"start": 1000.0, "end": 9500.0, "closed": "left",
                              "origin": 1000.0, "unit": "seconds"}
    with pytest.raises(DataFormatError):
        apply_model(proj, "ecld", "iol", "01-01-2020", 9500.0)


def test_single_analysis_filters_equal_clean_catalogue(accelerating):
    clean = varpy.ECVD(catalogue(accelerating, seed=4), {})
    dirty = varpy.ECVD(catalogue(accelerating, seed=4, background=300), {})
    assert len(dirty) == len(clean) + 300
    kw = dict(t_min="01-01-2020", t_max="01-04-2020", mc=1.3, store=False, warn=False)
    a = single_analysis(clean, "iol", **kw)
    b = single_analysis(dirty, "iol", filters=BOX, **kw)
    c = single_analysis(dirty, "iol", **kw)
    assert b.to_dict() == a.to_dict()
    assert c.n_events > a.n_events                   # the background counts without filters
    with pytest.raises(DataFormatError, match="unknown filter"):
        single_analysis(dirty, "iol", filters={"latitude": (1, 2)}, **kw)


def test_single_analysis_mc_cut_and_provenance(accelerating):
    df = catalogue(accelerating, seed=5)
    cat = varpy.ECVD(df, {})
    fit = single_analysis(cat, "iol", t_min="01-01-2020", t_max="01-04-2020", mc=1.3,
                          warn=False)
    in_window = df["time"] < parse_time("01-04-2020")
    assert fit.n_events == int((in_window & (df["magnitude"] >= 1.3 - 1e-9)).sum())
    assert fit.mc == 1.3 and fit.mc_method == "fixed"
    fit = single_analysis(cat, "iol", t_min="01-01-2020", t_max="01-04-2020", mc="maxc",
                          filters=BOX, warn=False)
    prov = cat.models["iol"].last.provenance
    assert fit.mc_method == "maxc" and prov["mc"] == fit.mc
    assert prov["n_window"] == int(in_window.sum()) > prov["n_events"] == fit.n_events
    assert prov["filters"][0]["op"] == "box"
    assert prov["mc_rule"].startswith("magnitude bin")


def test_magnitude_cut_conventions():
    m = np.array([1.1, 1.2, 1.2000000000000002, 1.25, 1.3, np.nan, 10.5])
    mc_varpy = 1.0000000000000002 + 0.2          # VarPy's floating-point GFT candidate
    assert mc_varpy == 1.2000000000000002
    # legacy: raw float m >= Mc, m < 10 -> the catalogue's 1.2 is dropped (paper: 394 not 470)
    assert magnitude_mask(m, mc_varpy, 0.1, legacy=True).tolist() == [
        False, False, True, True, True, False, False]
    # binned: bins >= bin(Mc); both 1.2 forms are bin 12, 1.25 rounds up to bin 13
    assert magnitude_mask(m, mc_varpy, 0.1, legacy=False).tolist() == [
        False, True, True, True, True, False, True]
    assert magnitude_mask(m, 1.2, None, legacy=False).tolist() == [
        False, True, True, True, True, False, True]


# ------------------------------------------------------------------------------------------------
# multiple analysis
# ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def series_catalogue(accelerating):
    return catalogue(accelerating, seed=6, background=150)


def run_series(obj, **kw):
    args = dict(t_min="01-01-2020", t_max="05-04-2020", t_step=5, filters=BOX, mc="maxc",
                tf="10-04-2020", progress=False)
    args.update(kw)
    return quiet(multiple_analysis, obj, "iol", **args)


def test_multiple_analysis_steps_equal_single_fits(series_catalogue):
    cat = varpy.ECVD(series_catalogue, {})
    res = run_series(cat, mc_zero_below=None, store=False)
    assert len(res.steps) == 18                               # 5, 10, ..., 90 days
    tab = res.table
    assert list(tab["t_forc_rel"]) == [5.0 * k for k in range(1, 19)]
    assert tab["t_forc"].iloc[0] == ORIGIN + pd.Timedelta(days=5)
    assert (tab["lead_time"] == 100.0 - tab["t_forc_rel"]).all()
    assert not cat.models                                     # store=False
    for step in (res.steps[3], res.steps[11], res.steps[-1]):
        end = ORIGIN + pd.Timedelta(days=step.t_forc)
        ref = single_analysis(cat, "iol", t_min="01-01-2020", t_max=end, filters=BOX,
                              mc="maxc", store=False, warn=False)
        assert step.fit.to_dict() == ref.to_dict()
        assert step.n_fit == ref.n_events and step.mc == ref.mc
    for nm in ("k", "tf", "p", "k_stderr", "loglik", "aic", "bic", "failure_time",
               "tf_ci_low", "failure_time_high", "converged", "warnings", "skipped"):
        assert nm in tab.columns
    # VarPy kept only the last output; every step is here, skipped only for too few events
    assert len(res.forecasts) == tab["skipped"].isna().sum() == (tab["n_window"] >= 10).sum()
    assert (tab["n_fit"] < tab["n_window"]).all() and set(tab["mc"].dropna()) <= {1.0, 1.1, 1.2}
    last = res.steps[-1].fit
    assert abs(last.tf - 100.0) < 15.0                        # recovers the true failure time
    assert last.tf_ci[0] < 100.0 < last.tf_ci[1]
    assert "Retrospective forecast" in res.summary()


def test_skip_rules_and_zero_mc(series_catalogue):
    cat = varpy.ECVD(series_catalogue, {})
    res = run_series(cat, t_step=1, t_max="21-01-2020", min_events=10, mc_zero_below=50,
                     store=False)
    tab = res.table
    n_in_box = cat.dataset.pipe(lambda d: d[(d.latitude >= 37.5) & (d.latitude < 37.9)])
    t_box = to_float_time(n_in_box["time"], ORIGIN)
    for _, row in tab.iterrows():
        n = int(np.count_nonzero(t_box < row["t_forc_rel"]))
        assert row["n_window"] == n
        if n < 10:
            assert row["skipped"] == f"{n} events in the window, fewer than min_events = 10"
            assert pd.isna(row["loglik"])
        else:
            assert row["skipped"] is None
            assert row["mc"] == 0.0 and row["mc_method"] == "zero_rule"   # n <= 50
            assert row["n_fit"] == n
    assert tab["skipped"].notna().any() and tab["skipped"].isna().any()
    assert res.fits[0] is None
    # rule disabled: maxc is estimated even on small windows
    res2 = run_series(cat, t_step=1, t_max="21-01-2020", mc_zero_below=None, store=False)
    assert set(res2.table["mc_method"].dropna()) == {"maxc"}


def test_degenerate_windows_are_flagged():
    days = np.concatenate([np.full(12, 3.0), np.linspace(20.0, 29.0, 10)])
    cat = varpy.ECVD(catalogue(days, seed=7), {})
    res = quiet(multiple_analysis, cat, "iol", t_min="01-01-2020", t_max="31-01-2020",
                t_step=5, progress=False, store=False)
    tab = res.table.set_index("t_forc_rel")
    # 12 events all at one instant: a window, but no rate model can be fitted
    assert tab.loc[5.0, "n_window"] == 12
    assert "same time" in tab.loc[5.0, "skipped"] and res.steps[0].fit is None
    assert tab.loc[25.0, "skipped"] is None
    # fits on the edge of the parameter space carry their warnings
    with pytest.warns(FitWarning, match="steps are flagged"):
        multiple_analysis(cat, "iol", t_min="01-01-2020", t_max="31-01-2020", t_step=5,
                          progress=False, store=False)
    assert tab["flagged"].dropna().any()
    assert (tab.loc[tab["flagged"].fillna(False).astype(bool), "warnings"] != "").all()


def test_executor_results_identical(series_catalogue):
    cat = varpy.ECVD(series_catalogue, {})
    serial = run_series(cat, store=False)
    with ThreadPoolExecutor(max_workers=2) as ex:
        threaded = run_series(cat, store=False, executor=ex)
    strip = lambda r: [s.to_dict() for s in r.steps]           # noqa: E731
    assert strip(threaded) == strip(serial)
    distributed = pytest.importorskip("dask.distributed")
    with distributed.Client(processes=False, n_workers=1, threads_per_worker=2,
                            dashboard_address=":0") as client:
        dasked = run_series(cat, store=False, executor=client)
    assert strip(dasked) == strip(serial)


def test_multiple_analysis_laboratory_seconds(accelerating):
    proj = memory_project(catalogue(accelerating, seed=10, lab=True), kind="ecld")
    kw = dict(kind="ecld", t_min=500.0, t_max=9600.0, tf=10000.0, store=False, progress=False)
    res = quiet(multiple_analysis, proj, "iol", t_step=1200.0, **kw)
    tab = res.table
    assert tab["t_forc"].tolist() == [500.0 + 1200.0 * k for k in range(1, 8)]
    assert (tab["lead_time"] == 9500.0 - tab["t_forc_rel"]).all()    # tf on the lab axis
    last = res.steps[-1].fit
    assert last.failure_time() == pytest.approx(500.0 + last.tf)
    assert tab["failure_time"].iloc[-1] == pytest.approx(500.0 + last.tf)
    same = quiet(multiple_analysis, proj, "iol", t_step=pd.Timedelta(seconds=1200), **kw)
    assert [s.to_dict() for s in same.steps] == [s.to_dict() for s in res.steps]


def test_fix_tf_reproduces_varpy_literal_mode(series_catalogue):
    cat = varpy.ECVD(series_catalogue, {})
    res = run_series(cat, fix_tf=True, t_max="20-04-2020", store=False)
    fitted = res.forecasts
    assert fitted and all(s.fit.mode == "retrospective" for s in fitted)
    assert all(s.fit.params["tf"] == 100.0 for s in fitted)
    # from t_forc = 100 days on, tf is not after the window: skipped with the model's reason
    late = [s for s in res.steps if s.t_forc > 100.0]
    assert late and all(s.fit is None and "not after the window end" in s.skipped for s in late)
    # at t_forc = tf the data run up to the failure: fitted with p < 1 (VarPy's retrospective
    # analysis), where the 1 % rule used to flag the fixed tf as a singularity
    (at_end,) = [s for s in res.steps if s.t_forc == 100.0]
    assert at_end.fit.params["tf"] == at_end.fit.window[1] == 100.0
    assert at_end.fit.params["p"] < 1.0 and not at_end.fit.warnings
    with pytest.raises(DataFormatError):
        run_series(cat, fix_tf=True, tf=None)


def test_horizon_probability(series_catalogue):
    cat = varpy.ECVD(series_catalogue, {})
    res = run_series(cat, horizon=30, store=False)
    tab = res.table
    assert "prob_failure" in tab.columns
    for step, (_, row) in zip(res.steps, tab.iterrows()):
        if step.fit is None:
            assert np.isnan(row["prob_failure"])
        else:
            # NaN where the interval method gave no forecast (a flagged status)
            assert row["prob_failure"] == pytest.approx(
                step.fit.prob_failure_before(step.t_forc + 30.0), nan_ok=True)
    # the last forecasts, 10 and 15 days before failure, put most mass within 30 days
    assert (tab["prob_failure"].iloc[-2:] > 0.5).all()


def test_to_dict_round_trip(series_catalogue):
    res = run_series(varpy.ECVD(series_catalogue, {}), t_max="01-03-2020", store=False)
    d = res.to_dict()
    again = ExperimentResult.from_dict(d)
    assert again.to_dict() == d
    pd.testing.assert_frame_equal(again.table, res.table)
    import json
    json.dumps(d)


# ------------------------------------------------------------------------------------------------
# persistence
# ------------------------------------------------------------------------------------------------
def test_every_step_persists_and_reloads(tmp_path, series_catalogue):
    proj = varpy.Volcanic("Synth", root=tmp_path)
    proj._attach(varpy.ECVD(series_catalogue, {"id": "Synth"}))
    proj.save()
    res = run_series(proj, t_step=2, min_events=25)        # early steps skipped
    n_fit = len(res.forecasts)
    assert 0 < n_fit < len(res.steps)
    outs = proj.ecvd.models["iol"].outputs
    assert len(outs) == n_fit
    assert {o.kind for o in outs} == {"retrospective_forecast"}
    assert {o.provenance["experiment"]["id"] for o in outs} == {res.experiment_id}

    reopened = varpy.open(tmp_path / "Synth")
    again = ExperimentResult.from_project(reopened, "ecvd", "iol", res.experiment_id)
    assert again.to_dict() == res.to_dict()
    pd.testing.assert_frame_equal(again.table, res.table)
    listing = list_experiments(reopened)
    assert listing.set_index("experiment_id").loc[res.experiment_id, "fitted"] == n_fit

    # a second experiment appends; the first is untouched
    res2 = run_series(proj, t_step=10)
    reopened = varpy.open(tmp_path / "Synth")
    assert len(reopened.ecvd.models["iol"].outputs) == n_fit + len(res2.forecasts)
    assert ExperimentResult.from_project(reopened, "ecvd", "iol",
                                         res.experiment_id).to_dict() == res.to_dict()
    # without the index in the analyses, the fitted steps are rebuilt from provenance
    reopened.ecvd.outputs.clear()
    partial = ExperimentResult.from_project(reopened, "ecvd", "iol", res2.experiment_id)
    assert [s.fit.to_dict() for s in partial.steps] == [s.fit.to_dict() for s in res2.forecasts]
    assert partial.settings == res2.settings


# ------------------------------------------------------------------------------------------------
# prospective forecast
# ------------------------------------------------------------------------------------------------
def test_prospective_updates_append(accelerating):
    df = catalogue(accelerating, seed=8)
    proj = memory_project(df)
    pf = ProspectiveForecast(proj, "iol", t_min="01-01-2020", horizon=20, warn=False)
    for end in ("01-02-2020", "01-03-2020", "01-04-2020"):
        step = pf.update(t_forc=end)
        assert step.fit is not None
    hist = pf.history
    assert list(hist["step"]) == [0, 1, 2]
    assert list(hist["t_forc_rel"]) == [31.0, 60.0, 91.0]
    assert hist["n_window"].is_monotonic_increasing and "prob_failure" in hist
    outs = proj.ecvd.models["iol"].outputs
    assert [o.kind for o in outs] == ["prospective_forecast"] * 3
    # default window end for calendar data is now: all events are in the past
    step = pf.update()
    assert step.n_window == len(df)
    assert len(pf.history) == 4


def test_prospective_with_data_files_on_disk(tmp_path, accelerating):
    df = catalogue(accelerating, seed=9)
    cols = {c: c for c in ("time", "latitude", "longitude", "depth", "magnitude")}
    first, second = df[df["time"] < parse_time("15-02-2020")], df
    f1, f2 = tmp_path / "part1.csv", tmp_path / "part2.csv"
    for part, path in ((first, f1), (second, f2)):
        out = part.copy()
        out["time"] = out["time"].dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        out.to_csv(path, index=False)
    proj = varpy.Volcanic("Live", root=tmp_path / "projects")
    proj.add_datatype("ecvd", f1, format="csv", columns=cols)
    pf = ProspectiveForecast(proj, "iol", t_min="01-01-2020", mc=1.0, min_events=20,
                             warn=False)
    s0 = pf.update(t_forc="15-02-2020")
    s1 = pf.update(f2, t_forc="01-04-2020", columns=cols)       # new data arrive
    assert s0.n_window == len(first) and s1.n_window > s0.n_window
    assert len(proj.ecvd) == len(df)
    reopened = varpy.open(tmp_path / "projects" / "Live")
    resumed = ProspectiveForecast.resume(reopened, "iol", pf.forecast_id)
    assert resumed.result.to_dict() == pf.result.to_dict()
    s2 = resumed.update(t_forc="05-04-2020")
    assert s2.index == 2 and len(resumed.history) == 3
    again = ExperimentResult.from_project(varpy.open(tmp_path / "projects" / "Live"), "ecvd",
                                          "iol", pf.forecast_id)
    assert [s.index for s in again.steps] == [0, 1, 2]
    assert again.output_kind == "prospective_forecast"
