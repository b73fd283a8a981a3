"""varpy.analysis.magnitudes stays the public home of the magnitude analyses (issue #14).

The code lives in magnitude_results, mc_estimation, bvalue, magnitude_timeseries and
magnitude_input; results stored before the move name ``varpy.analysis.magnitudes:ClassName``
and must still load, as must results stored after it.
"""
from __future__ import annotations

import importlib

import pytest

from varpy.analysis import magnitudes as M
from varpy.management.models import ModelOutput
from varpy.statistics.gr_simulation import simulate_gr

HOMES = ("magnitude_results", "mc_estimation", "bvalue", "magnitude_timeseries",
         "magnitude_input")


def test_public_names_are_the_objects_of_their_homes():
    homes = [importlib.import_module(f"varpy.analysis.{h}") for h in HOMES]
    for name in M.__all__:
        assert any(vars(h).get(name) is getattr(M, name) for h in homes), name
    for home in homes:
        for name in home.__all__:
            assert getattr(M, name) is getattr(home, name), (home.__name__, name)


@pytest.fixture(scope="module")
def results():
    m = simulate_gr(3000, b=1.0, mc=0.0, dm=0.1, detection=(0.8, 0.2), seed=3)
    return [M.fmd(m), M.mc(m, method="maxc"), M.b_value(m, mc=1.0),
            M.mc_time_series(m, method="maxc", window=1000)]


def test_results_stored_under_the_old_module_path_still_load(results):
    for res in results:
        name = type(res).__qualname__
        assert res.result_type == f"varpy.analysis.magnitudes:{name}"
        out = ModelOutput(model="m", kind="analysis", result=res.to_dict(),
                          result_type=res.result_type)
        back = out.load_result()
        assert type(back) is type(res)
        assert back.to_dict() == res.to_dict()


def test_results_stored_now_load(results):
    for res in results:
        out = ModelOutput.from_result("m", "analysis", res)
        back = ModelOutput.from_dict(out.to_dict()).load_result()
        assert type(back) is type(res) and back.summary() == res.summary()
