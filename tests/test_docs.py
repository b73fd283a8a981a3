"""The Sphinx documentation builds without a single warning, gallery examples included.

About 30 s. Deselect with ``-m "not docs"``; the same build by hand::

    python -m sphinx -W --keep-going -b html docs docs/_build/html
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("sphinx")
pytest.importorskip("sphinx_gallery")
pytest.importorskip("numpydoc")

pytestmark = pytest.mark.docs

REPO = Path(__file__).resolve().parents[1]


def test_sphinx_build_has_no_warnings(tmp_path):
    out = tmp_path / "html"
    proc = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(REPO / "docs"), str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=600,
        env={**__import__("os").environ, "VARPY_PROGRESS": "0", "MPLBACKEND": "Agg"})
    assert proc.returncode == 0, proc.stderr[-5000:]
    for page in ("index.html", "guide/specs.html", "guide/dask.html", "api/running.html",
                 "auto_examples/index.html", "auto_examples/plot_05_spec.html"):
        assert (out / page).is_file(), page
    # the gallery ran: the examples' figures were captured
    images = list((out / "_images").glob("sphx_glr_plot_*.png"))
    assert len(images) >= 5
    assert "varpy.spec.run_spec" in (out / "api" / "running.html").read_text(encoding="utf-8")
