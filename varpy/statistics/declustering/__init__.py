"""Declustering: labelled catalogues, never deleted rows.

=============================  =================================================================
:func:`gardner_knopoff`        window method (Gardner & Knopoff 1974; Uhrhammer, Grünthal tables)
:func:`reasenberg`             Reasenberg (1985) interaction zones and look-ahead times
:func:`nearest_neighbour`      Zaliapin & Ben-Zion (2013) space-time-magnitude nearest neighbours
:func:`decluster`              any of them by name
=============================  =================================================================

Every method takes numpy arrays (times in days, latitude and longitude in degrees, magnitudes,
optional depth in km) and returns a :class:`DeclusterResult`.
"""
from __future__ import annotations

import difflib
import inspect

from varpy.exceptions import DataFormatError, UnknownFormatError
from varpy.statistics.declustering.neighbours import (NearestNeighbours,
                                                             mixture_threshold,
                                                             nearest_neighbour,
                                                             nearest_neighbours)
from varpy.statistics.declustering.reasenberg_clusters import reasenberg
from varpy.statistics.declustering.result import DeclusterResult, label_clusters
from varpy.statistics.declustering.windows import WINDOWS, gardner_knopoff, window

__all__ = ["METHODS", "decluster", "parameters", "method_name", "DeclusterResult", "label_clusters", "gardner_knopoff",
           "window", "WINDOWS", "reasenberg", "nearest_neighbour", "nearest_neighbours",
           "NearestNeighbours", "mixture_threshold"]

#: Declustering methods by name.
METHODS = {"gardner_knopoff": gardner_knopoff, "reasenberg": reasenberg,
           "nearest_neighbour": nearest_neighbour}
_ALIASES = {"gk": "gardner_knopoff", "gardner-knopoff": "gardner_knopoff",
            "window": "gardner_knopoff", "nearest_neighbor": "nearest_neighbour",
            "nearest-neighbour": "nearest_neighbour", "nearest-neighbor": "nearest_neighbour",
            "nn": "nearest_neighbour", "zaliapin": "nearest_neighbour"}


def method_name(method: str) -> str:
    """Canonical name of a declustering method (aliases: gk, nn, nearest_neighbor, ...)."""
    key = str(method).lower()
    key = _ALIASES.get(key, key)
    if key not in METHODS:
        raise UnknownFormatError("declustering method", method, METHODS)
    return key


def parameters(method: str) -> list[str]:
    """Names of the parameters of a declustering method.

    >>> parameters("gk")
    ['windows', 'foreshock_fraction', 'time_cutoff']
    """
    func = METHODS[method_name(method)]
    return [n for n, p in inspect.signature(func).parameters.items()
            if p.kind is inspect.Parameter.KEYWORD_ONLY]


def decluster(method: str, times, latitude, longitude, magnitudes, depth=None, **params
              ) -> DeclusterResult:
    """Decluster with the named method; ``params`` are those of the method's function.

    Examples
    --------
    >>> r = decluster("gk", [0.0, 1.0], [0.0, 0.0], [0.0, 0.0], [5.0, 3.0])
    >>> r.method, r.n_clusters
    ('gardner_knopoff', 1)
    """
    name = method_name(method)
    allowed = parameters(name)
    for key in params:
        if key not in allowed:
            hint = difflib.get_close_matches(key, allowed, n=1)
            raise DataFormatError(f"{name} has no parameter {key!r}"
                                  + (f"; did you mean {hint[0]!r}?" if hint else ""),
                                  key=key, expected=f"one of {', '.join(allowed)}")
    if name == "gardner_knopoff":
        return gardner_knopoff(times, latitude, longitude, magnitudes, **params)
    return METHODS[name](times, latitude, longitude, magnitudes, depth, **params)
