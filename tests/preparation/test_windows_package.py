"""varpy.preparation.windows as a package: every name of the former module, projects by duck type."""
from __future__ import annotations

import pandas as pd
import pytest

import varpy
from varpy.exceptions import SelectionError
from varpy.preparation import windows
from varpy.preparation.windows._apply import ProjectLike, _is_laboratory, _is_project

FORMER_NAMES = [
    "SelectionError", "time_window", "box", "polygon", "depth_range", "magnitude_range",
    "column_range", "stations", "creep_phase", "select", "points_in_polygon", "log", "_CLOSED",
    "_stations", "_polygon", "_rings", "_edges", "_targets", "_apply", "_interval_mask",
    "_time_bound", "_number_bound", "_check_order", "_pair", "_column_scale",
    "_require_columns", "_refuse_laboratory", "_creep_bounds", "_metadata_seconds", "_record",
    "_key", "_describe",
]


@pytest.mark.parametrize("name", FORMER_NAMES)
def test_every_former_name_is_importable(name):
    assert hasattr(windows, name)


def test_public_api_and_logger_name():
    assert windows.__all__ == ["SelectionError", "time_window", "box", "polygon", "depth_range",
                               "magnitude_range", "column_range", "stations", "creep_phase",
                               "select", "declustered"]
    assert windows.log.name == "varpy.preparation.windows"
    assert windows._stations is windows.stations and windows._polygon is windows.polygon


def test_projects_are_recognised_by_what_they_offer():
    v = varpy.Volcanic("v", root=None)
    lab = varpy.Laboratory("l", root=None)
    ecld = varpy.ECLD(pd.DataFrame({"time": [0.0, 1.0], "magnitude": [1.0, 2.0]}))
    assert isinstance(v, ProjectLike) and _is_project(v) and not _is_laboratory(v)
    assert _is_project(lab) and _is_laboratory(lab)
    assert not _is_project(ecld) and not _is_project(ecld.dataset)


def test_non_projects_are_still_refused():
    frame = pd.DataFrame({"time": [0.0, 1.0], "magnitude": [1.0, 2.0]})
    with pytest.raises(TypeError, match="DataFrame"):
        windows.time_window(frame, 0.0, 1.0)
    with pytest.raises(TypeError, match="DataFrame"):
        windows.creep_phase(frame)
    with pytest.raises(SelectionError, match="DataFrame"):
        windows.stations(frame, "CDV")
    with pytest.raises(SelectionError, match="Laboratory"):
        windows.stations(varpy.Laboratory("l", root=None), "CDV")
    with pytest.raises(SelectionError, match="laboratory"):
        windows.box(varpy.Laboratory("l", root=None), lat=(0, 1))
