"""``varpy decluster``: labels of a volcanic catalogue through the command line."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import varpy
from varpy import cli
from varpy.statistics.declustering import DeclusterResult

REPO = Path(__file__).resolve().parents[1]
VOLCANO = REPO / "sample_data" / "volcano"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("cli_decl")
    assert cli.main(["create", "SYNVOLC", "--type", "volcanic", "--root", str(root),
                     "--quiet"]) == 0
    path = root / "SYNVOLC"
    assert cli.main(["add", str(path), "ecvd", str(VOLCANO / "SYNVOLC_ecvd.txt"), "--metadata",
                     str(VOLCANO / "SYNVOLC_ecvd_meta.yaml"), "--quiet"]) == 0
    return path


def _json(capsys, *argv):
    code = cli.main([str(a) for a in argv] + ["--json"])
    doc = json.loads(capsys.readouterr().out)
    return code, doc


def test_decluster_records_labels(capsys, project):
    code, doc = _json(capsys, "decluster", project, "--method", "gk", "--option",
                      "windows=uhrhammer", "--labels")
    assert code == 0 and doc["method"] == "gardner_knopoff"
    assert doc["parameters"]["windows"] == "uhrhammer"
    labels = DeclusterResult.from_dict(doc["labels"])
    n_all = len(varpy.open(project).ecvd)
    assert labels.n_events == doc["n"] == n_all and labels.n_clusters == doc["n_clusters"]
    stored = varpy.open(project).ecvd.outputs["decluster_gardner_knopoff"]
    assert stored["result"]["parameters"]["windows"] == "uhrhammer"


def test_decluster_with_a_selection_and_bad_options(capsys, project):
    code, doc = _json(capsys, "decluster", project, "--method", "reasenberg", "--select",
                      "magnitude=1.5,", "--no-store")
    assert code == 0 and doc["n"] < len(varpy.open(project).ecvd) and doc["labels"] is None
    code, doc = _json(capsys, "decluster", project, "--method", "dbscan")
    assert code != 0 and "dbscan" in doc["error"]["message"]
    code, doc = _json(capsys, "decluster", project, "--option", "tau=3")
    assert code == cli.EXIT_USAGE and doc["error"]["type"] == "DataFormatError"
    assert "no parameter 'tau'" in doc["error"]["message"]
