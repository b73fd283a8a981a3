"""Data importers: a registry of readers that turn observatory and laboratory files into varpy
tables (docs/design.md, "Importers").

>>> from varpy.management import importers
>>> sorted(importers.available("ecvd"))[:3]
['csv', 'etna_ingv', 'hvo']
>>> importers.detect_format("scld", {"format": "UCLv1"})
'ucl_v1'

Main entry points:

* :func:`read` ``(path, kind, format=None, metadata=None, **options) -> DataFrame``
* :func:`register` ``(name, reader, kinds=..., description=..., required_metadata=())``
* :func:`available` ``(kind=None) -> {name: ImporterSpec}``
* :func:`detect_format` ``(kind, metadata, path=None, format=None) -> name``
* :func:`sniff` ``(path, kind=None, format=None, **options) -> SniffResult``: what varpy sees in
  a file (format, columns and their character zones, first rows, what would be missing)
* :func:`to_obspy_catalog` / :func:`from_obspy_catalog`
"""
from varpy.management.importers.registry import (  # noqa: F401  (registry first)
    KINDS,
    LEGACY_NAMES,
    TIME_COLUMNS,
    ImporterSpec,
    available,
    conform,
    detect_format,
    get,
    read,
    register,
    unregister,
)
from varpy.management.importers import volcanic, lab, generic  # noqa: E402,F401  (registers readers)
from varpy.management.importers.volcanic import (  # noqa: E402
    read_etna_eruptions,
    read_etna_ingv,
    read_etna_tilt,
    read_hvo,
    read_ign_fixed,
    read_ign_web,
    read_imo,
)
from varpy.management.importers.lab import (  # noqa: E402
    read_ae_two_column,
    read_lab_series,
    read_ucl_v1,
)
from varpy.management.importers.sniff import SniffResult, sniff  # noqa: E402
from varpy.management.importers.generic import (  # noqa: E402
    from_obspy_catalog,
    read_obspy,
    read_table,
    to_obspy_catalog,
)

__all__ = [
    "KINDS", "LEGACY_NAMES", "TIME_COLUMNS", "ImporterSpec", "available", "conform",
    "detect_format", "get", "read", "register", "unregister",
    "read_etna_ingv", "read_ign_web", "read_ign_fixed", "read_imo", "read_hvo",
    "read_etna_tilt", "read_etna_eruptions", "read_ucl_v1", "read_ae_two_column",
    "read_lab_series", "read_table", "read_obspy", "to_obspy_catalog", "from_obspy_catalog",
    "sniff", "SniffResult",
]
