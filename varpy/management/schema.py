"""The column schema of the five datatypes: which columns each must have, may have, and their dtypes.

One table that both the datatypes (:mod:`varpy.management.datatypes`, which validate datasets
against it) and the tools below them (the importers' :func:`~varpy.management.importers.sniff`,
which reports what a file would be missing) read, so that neither restates it.

May import: nothing from varpy (it is data).

Examples
--------
>>> from varpy.management.schema import SCHEMAS
>>> sorted(SCHEMAS["ecvd"].required)
['depth', 'latitude', 'longitude', 'magnitude', 'time']
>>> SCHEMAS["ecld"].one_of
('magnitude', 'amplitude', 'energy')
"""
from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["ColumnSchema", "SCHEMAS"]


@dataclass(frozen=True)
class ColumnSchema:
    """Columns of one datatype; dtypes are ``'time'``, ``'float'`` or ``'string'``."""

    #: columns that must be present, with their dtype
    required: dict[str, str]
    #: known optional columns and their dtypes
    optional: dict[str, str] = field(default_factory=dict)
    #: at least one of these must be present (empty: no such rule)
    one_of: tuple[str, ...] = ()
    #: required columns that may be absent from the input (filled with NaN and recorded)
    fillable: tuple[str, ...] = ()


SCHEMAS: dict[str, ColumnSchema] = {
    "ecvd": ColumnSchema(
        required={"time": "time", "latitude": "float", "longitude": "float", "depth": "float",
                  "magnitude": "float"},
        optional={"event_id": "string", "magnitude_type": "string", "place": "string"},
        fillable=("latitude", "longitude", "depth")),
    "scvd": ColumnSchema(required={"time": "time"}, optional={"tilt": "float"}),
    "evd": ColumnSchema(
        required={"start": "time", "end": "time"},
        optional={"type": "string", "vent": "string", "elevation": "string", "area": "float",
                  "volume": "float", "duration": "float", "description": "string"}),
    "ecld": ColumnSchema(
        required={"time": "time"},
        one_of=("magnitude", "amplitude", "energy"),
        optional={"magnitude": "float", "amplitude": "float", "energy": "float", "x": "float",
                  "y": "float", "z": "float", "event_id": "string"}),
    "scld": ColumnSchema(
        required={"time": "time"},
        optional={"time_minutes": "float", "stress": "float", "axial_strain": "float",
                  "strain": "float", "pore_volume": "float", "confining_pressure": "float",
                  "pore_pressure": "float", "effective_pressure": "float"}),
}
