"""Station windows: keep some SCVD stations of a volcanic project (:func:`stations`).

May import: :mod:`varpy.exceptions`, :mod:`varpy.management.datatypes`,
:mod:`varpy.preparation.windows._apply`.
"""
from __future__ import annotations

from varpy.exceptions import SelectionError
from varpy.management.datatypes import datatype_key
from varpy.preparation.windows._apply import _is_project

__all__ = ["stations"]


def stations(obj, names):
    """Keep only the named SCVD stations of a volcanic project (VarPy's station attributes).

    Parameters
    ----------
    obj : Volcanic
    names : str or sequence of str
        Station names, as in ``obj.scvd`` (case-sensitive).

    Returns
    -------
    Volcanic
        ECVD and EVD unchanged; the kept stations record ``{"op": "stations", "names": [...]}``.

    Raises
    ------
    SelectionError
        If ``obj`` is not a project with stations, or a name is not one of its stations.
    """
    if not _is_project(obj) or "scvd" not in obj.kinds:
        raise SelectionError(f"stations() selects SCVD stations of a Volcanic project, not of a "
                             f"{type(obj).__name__}")
    wanted = [names] if isinstance(names, str) else [str(n) for n in names]
    if not wanted:
        raise SelectionError("stations() needs at least one station name")
    unknown = [n for n in wanted if n not in obj.scvd]
    if unknown:
        raise SelectionError(f"project {obj.id!r} has no SCVD station(s) {unknown}; stations: "
                             f"{sorted(obj.scvd)}")
    step = {"op": "stations", "names": sorted(set(wanted))}
    kept = {datatype_key(obj.scvd[n]): obj.scvd[n].with_dataset(obj.scvd[n].dataset, step)
            for n in wanted}
    new = obj.with_datatypes(kept)
    for name in [n for n in new.scvd if n not in wanted]:
        del new.scvd[name]
    return new
