"""The notebooks run top to bottom (on a temporary copy: nothing is written in the repository)."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

REPO = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT = 180  # seconds per cell


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 3


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_saved_without_outputs(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs(path, tmp_path, monkeypatch, sample_data):
    work = tmp_path / "work"
    work.mkdir()
    copy = work / path.name
    shutil.copy(path, copy)
    monkeypatch.setenv("VARPY_SAMPLE_DATA", str(sample_data))
    monkeypatch.setenv("VARPY_PROGRESS", "0")
    monkeypatch.setenv("TMPDIR", str(tmp_path))       # the notebooks' projects go here
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(copy, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     resources={"metadata": {"path": str(work)}})
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
              if o.output_type == "error"]
    assert errors == []
    images = sum("image/png" in o.get("data", {}) for c in nb.cells if c.cell_type == "code"
                 for o in c.outputs)
    assert images >= 4, f"{path.name} drew {images} figures"
    # every project the notebook made is under the temporary folder
    made = [p for p in tmp_path.glob("varpy-notebook-*") if p.is_dir()]
    assert made and any(m.glob("*/varpy.yaml") for m in made)
    assert not (REPO / "notebooks" / "varpy_projects").exists()
    assert os.listdir(work) == [path.name]
