"""Shared fixtures.

Real data live outside the project, in ``../shared/data`` (or wherever ``VARPY_SHARED_DATA``
points); tests that need them skip cleanly when the folder is absent.
"""
from __future__ import annotations

import os
from pathlib import Path

import matplotlib
import pytest

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]


def _shared_data_dir() -> Path:
    env = os.environ.get("VARPY_SHARED_DATA")
    if env:
        return Path(env)
    return REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of the shared real-data folder; skips the test when it is absent."""
    path = _shared_data_dir()
    if not path.is_dir():
        pytest.skip(f"shared real data not found at {path}")
    return path


@pytest.fixture(scope="session")
def sample_data() -> Path:
    """The project's own generated sample data (``sample_data/``)."""
    return REPO / "sample_data"
