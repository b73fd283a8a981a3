"""The simulator registry and the catalogue simulators; every registered rate model simulated."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from varpy import simulation
from varpy.exceptions import UnknownFormatError, VarpyError
from varpy.modelling import models

MODEL_PARAMS = {
    "constant": {"k": 2.0},
    "exponential": {"k": 0.5, "lam": 0.02},
    "iol": {"k": 5.0, "tf": 110.0, "p": 0.8},
    "hyperbolic": {"k": 5.0, "tf": 105.0},
    "mol": {"k": 40.0, "c": 0.1, "p": 1.2},
    "creep": {"k1": 20.0, "c": 0.5, "p1": 1.1, "k2": 10.0, "tf": 105.0, "p2": 0.8},
}


def test_every_registered_model_has_test_parameters():
    assert set(models.available_models()) <= set(MODEL_PARAMS), (
        "a new rate model was registered; add parameters for it here")


@pytest.mark.parametrize("name", sorted(MODEL_PARAMS))
def test_simulating_each_registered_model_matches_its_integral(name):
    model = models.get_model(name)
    params = MODEL_PARAMS[name]
    total = float(model.integral(0.0, 100.0, params))
    counts, pooled = [], []
    for seed in range(40):
        t = simulation.inhomogeneous_poisson(model, 0.0, 100.0, seed=seed, params=params)
        counts.append(t.size)
        pooled.append(np.asarray(model.integral(0.0, t, params)) / total)
    assert abs(np.mean(counts) - total) < 3.5 * np.sqrt(total / len(counts))
    assert stats.kstest(np.concatenate(pooled), "uniform").pvalue > 1e-3


def test_builtin_simulators_are_registered():
    assert set(simulation.available_simulators()) >= {"volcano", "lab_creep", "etas",
                                                       "etas_space_time", "rate_model"}
    assert simulation.get_simulator("volcano").kinds == ("ecvd", "evd", "scvd")
    assert "scld" in simulation.get_simulator("lab_creep").kinds
    assert set(simulation.available_simulators("scld")) == {"lab_creep"}
    with pytest.raises(UnknownFormatError, match="valid choices"):
        simulation.get_simulator("nope")


def test_register_a_user_simulator():
    def my_sim(seed=None, rate=1.0):
        t = simulation.homogeneous_poisson(rate, 0.0, 100.0, seed)
        return {"ecld": pd.DataFrame({"time": t, "magnitude": np.zeros(t.size)}),
                "metadata": {"ecld": {"simulation": {"simulator": "mine", "seed": seed}}}}

    try:
        simulation.register_simulator("test_mine", my_sim, "ecld")
        out = simulation.simulate("test_mine", seed=3, rate=2.0)
        assert len(out["ecld"]) > 100
        with pytest.raises(VarpyError, match="already registered"):
            simulation.register_simulator("test_mine", my_sim, "ecld")
        with pytest.raises(VarpyError, match="unknown parameter"):
            simulation.simulate("test_mine", seed=3, speed=2.0)
        with pytest.raises(VarpyError, match="cannot produce"):
            simulation.simulate("test_mine", kind="scvd")
    finally:
        simulation._REGISTRY.pop("test_mine", None)
    with pytest.raises(VarpyError, match="kinds"):
        simulation.register_simulator("bad", my_sim, ("tilt",))


def test_etas_catalogue_as_ecvd_and_ecld():
    params = dict(mu=0.2, k=0.01, alpha=1.0, c=0.01, p=1.3, t_end=1000.0, mmin=1.0)
    out = simulation.simulate("etas", kind="ecvd", seed=2, start="2010-05-01", **params)
    ecvd = out["ecvd"]
    assert list(ecvd.columns[:5]) == ["time", "latitude", "longitude", "depth", "magnitude"]
    assert str(ecvd["time"].dtype) == "datetime64[ns, UTC]"
    assert ecvd["time"].min() >= pd.Timestamp("2010-05-01", tz="UTC")
    assert {"parent", "generation", "cluster"} <= set(ecvd.columns)
    assert out["metadata"]["ecvd"]["simulation"]["simulator"] == "etas"
    ecld = simulation.simulate("etas", kind="ecld", seed=2, **params)["ecld"]
    raw = simulation.simulate_etas(**params, seed=2)
    np.testing.assert_array_equal(ecld["time"], raw["time"])
    with pytest.raises(VarpyError):
        simulation.simulate("etas", seed=2, mu=0.2, k=0.5, alpha=1.0, c=0.01, p=1.3, t_end=10.0)


def test_space_time_etas_catalogue_has_coordinates():
    out = simulation.simulate("etas_space_time", seed=4, mu=0.2, k=0.01, alpha=1.0, c=0.01,
                              p=1.3, t_end=500.0, origin=(19.4, -155.3))
    ecvd = out["ecvd"]
    assert ecvd["latitude"].notna().all() and ecvd["longitude"].between(-156.5, -154.0).all()


def test_rate_model_catalogue_by_model_name():
    out = simulation.simulate("rate_model", kind="ecld", seed=5, model="iol",
                              params={"k": 5.0, "tf": 110.0, "p": 0.8}, t_end=100.0, b=1.2,
                              mmin=0.5, dm=0.1)
    ecld = out["ecld"]
    assert ecld["time"].max() < 100.0 and ecld["magnitude"].min() == 0.5
    md = out["metadata"]["ecld"]["simulation"]
    assert md["seed"] == 5 and md["parameters"]["params"]["tf"] == 110.0
    again = simulation.simulate("rate_model", kind="ecld", seed=5, model="iol",
                                params={"k": 5.0, "tf": 110.0, "p": 0.8}, t_end=100.0, b=1.2,
                                mmin=0.5, dm=0.1)
    pd.testing.assert_frame_equal(ecld, again["ecld"])


def test_volcano_and_lab_through_the_registry():
    out = simulation.simulate("volcano", seed=1, duration=800.0)
    assert set(out) == {"ecvd", "evd", "scvd", "metadata"}
    lab = simulation.simulate("lab_creep", kind="scld", seed=1)
    assert set(lab) == {"ecld", "scld", "metadata"}
    with pytest.raises(VarpyError, match="valid parameters"):
        simulation.simulate("volcano", seed=1, sim_len=10)
