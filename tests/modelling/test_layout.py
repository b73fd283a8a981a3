"""The modelling package after its split (issue 14): results stored under the old module names
still load, and no module of varpy.modelling imports one that imports it back."""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import varpy
from varpy.management.models import ModelOutput
from varpy.modelling.experiments import ExperimentResult, multiple_analysis
from varpy.modelling.fitting import FitResult
from varpy.modelling.models import get_model

PACKAGE = Path(varpy.__file__).resolve().parent / "modelling"


def _fit():
    rng = np.random.default_rng(0)
    times = np.sort(100 - 100 * rng.uniform(0, 1, 300) ** 2)
    return get_model("iol").fit(times, 0.0, 100.0, warn=False)


def test_fit_results_stored_under_the_old_module_name_still_load():
    fit = _fit()
    new = ModelOutput.from_result("iol", "single_forecast", fit)
    assert new.result_type == "varpy.modelling.results:FitResult"
    old = ModelOutput.from_dict({**new.to_dict(),
                                 "result_type": "varpy.modelling.fitting:FitResult"})
    for out in (new, old):
        loaded = out.load_result()
        assert isinstance(loaded, FitResult)
        assert loaded.to_dict() == fit.to_dict()


@pytest.mark.filterwarnings("ignore::varpy.exceptions.FitWarning")
def test_experiment_results_stored_under_the_old_module_name_still_load():
    rng = np.random.default_rng(1)
    days = np.sort(100.0 * (1.0 - rng.uniform(size=300) ** 2))
    cat = varpy.ECVD(pd.DataFrame({
        "time": pd.Timestamp("2020-01-01", tz="UTC") + pd.to_timedelta(days, unit="D"),
        "latitude": 37.7, "longitude": 15.0, "depth": 5.0, "magnitude": 2.0}))
    res = multiple_analysis(cat, "hyperbolic", t_min="01-01-2020", t_max="31-03-2020",
                            t_step=30, progress=False)
    out = ModelOutput.from_result("hyperbolic", "retrospective_forecast", res)
    assert out.result_type == "varpy.modelling.experiments.result:ExperimentResult"
    old = ModelOutput.from_dict({**out.to_dict(),
                                 "result_type": "varpy.modelling.experiments:ExperimentResult"})
    for rec in (out, old):
        loaded = rec.load_result()
        assert isinstance(loaded, ExperimentResult)
        assert loaded.to_dict() == res.to_dict()


def _module_imports() -> dict[str, set[str]]:
    """Module -> the varpy.modelling modules it imports anywhere (lazy imports included)."""
    files = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        files[".".join(parts)] = path
    graph = {}
    for name, path in files.items():
        targets = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                for a in node.names:
                    sub = f"{node.module}.{a.name}"
                    targets.add(sub if sub in files else node.module)
        graph[name] = {t for t in targets if t in files and t != name}
    return graph


def test_no_module_of_varpy_modelling_imports_one_that_imports_it_back():
    graph = _module_imports()
    assert "varpy.modelling.fitting" in graph and "varpy.modelling.results" in graph

    def reachable(start):
        seen, todo = set(), [start]
        while todo:
            for nxt in graph[todo.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    cycles = sorted((a, b) for a in graph for b in graph[a] if a in reachable(b))
    assert cycles == []
    # the check itself can fail: an edge back from results to models closes a circle
    graph["varpy.modelling.results"].add("varpy.modelling.models")
    assert any(a in reachable(b) for a in graph for b in graph[a])
