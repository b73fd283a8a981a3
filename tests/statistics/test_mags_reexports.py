"""varpy.statistics.mags stays a complete re-export of the magnitude statistics modules.

The code moved into one module per concept (issue #14); every name users, tests and
benchmarks import from ``varpy.statistics.mags`` must be the very same object as at its new
home, and the statistics modules import nothing of varpy beyond what their docstrings allow.
"""
from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from varpy.statistics import mags

HOMES = ("binning", "bvalue", "excess_moments", "mc", "gr_simulation", "legacy2016")
PRIVATE_USED = ("_excess_moments", "_compiled_excess_moments", "_COMPILED_MIN_SIZE", "_ROW",
                "_tails")


def test_every_name_is_the_object_of_its_home():
    homes = [importlib.import_module(f"varpy.statistics.{h}") for h in HOMES]
    for name in (*mags.__all__, *PRIVATE_USED):
        owners = [h for h in homes if name in vars(h) and vars(h)[name] is getattr(mags, name)]
        assert owners, name
    # every public name of the homes is reachable from mags
    for home in homes:
        for name in home.__all__:
            assert getattr(mags, name) is getattr(home, name), (home.__name__, name)


@pytest.mark.parametrize("home", HOMES)
def test_statistics_modules_import_only_allowed_varpy_modules(home):
    path = Path(importlib.import_module(f"varpy.statistics.{home}").__file__)
    allowed = ("varpy.statistics.", "varpy.exceptions", "varpy._accel", "varpy._json")
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("varpy"):
            names = [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.startswith("varpy")]
        else:
            continue
        for name in names:
            assert name.startswith(allowed), f"{home} imports {name}"
