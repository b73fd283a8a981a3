"""Simulation ensembles: independent recorded seeds, identical on every executor."""
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import pytest

from varpy.exceptions import SimulationError, UnknownFormatError
from varpy.simulation import ensemble, ensemble_seeds, simulate

ETAS = dict(kind="ecld", mu=0.05, k=0.01, alpha=1.0, c=1.0, p=1.3, t_end=2000.0)


def test_members_are_independent_and_regenerable():
    members = ensemble("etas", 4, seed=9, progress=False, **ETAS)
    seeds = ensemble_seeds(9, 4)
    assert len(set(seeds)) == 4
    lengths = {len(m["ecld"]) for m in members}
    assert len(lengths) > 1  # different seeds, different catalogues
    again = simulate("etas", seed=seeds[2], **ETAS)
    pd.testing.assert_frame_equal(again["ecld"], members[2]["ecld"])


def test_executors_give_identical_members():
    serial = ensemble("etas", 5, seed=3, progress=False, **ETAS)
    with ThreadPoolExecutor(2) as ex:
        threaded = ensemble("etas", 5, seed=3, executor=ex, progress=False, **ETAS)
    for a, b in zip(serial, threaded):
        pd.testing.assert_frame_equal(a["ecld"], b["ecld"])


def test_dask_ensemble_matches_serial():
    distributed = pytest.importorskip("dask.distributed")
    serial = ensemble("etas", 3, seed=5, progress=False, **ETAS)
    with distributed.Client(processes=False, n_workers=2, threads_per_worker=1,
                            dashboard_address=None) as client:
        on_dask = ensemble("etas", 3, seed=5, executor=client, progress=False, **ETAS)
    for a, b in zip(serial, on_dask):
        pd.testing.assert_frame_equal(a["ecld"], b["ecld"])


def test_bad_ensembles():
    with pytest.raises(SimulationError, match="n >= 1"):
        ensemble("etas", 0, **ETAS)
    with pytest.raises(UnknownFormatError, match="volcano"):
        ensemble("no_such_simulator", 2)
