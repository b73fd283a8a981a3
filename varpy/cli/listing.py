"""The ``list`` command: names the other commands accept (models, importers, methods, ...).

May import: :mod:`varpy.cli.output`, and lazily :mod:`varpy.modelling.models`,
:mod:`varpy.management.importers`, :mod:`varpy.spec.schema` and :mod:`varpy.simulation`.
"""
from __future__ import annotations

from varpy.cli.output import _Out


def cmd_list(args, out: _Out) -> dict:
    names = _listing(args.what)
    out.text("\n".join(names))
    return {"what": args.what, "names": names}


def _listing(what: str) -> list[str]:
    if what == "models":
        from varpy.modelling.models import available_models

        return available_models()
    if what == "importers":
        from varpy.management import importers

        return sorted(importers.available())
    if what == "mc-methods":
        from varpy.spec.schema import _mc_methods

        return list(_mc_methods())
    if what == "b-methods":
        from varpy.spec.schema import _b_methods

        return list(_b_methods())
    if what == "figures":
        from varpy.spec.schema import known_figures

        return sorted(known_figures())
    if what == "experiment-types":
        from varpy.spec.schema import EXPERIMENT_TYPES

        return sorted(EXPERIMENT_TYPES)
    from varpy import simulation

    return sorted(simulation.available_simulators())


_LISTS = ("models", "importers", "mc-methods", "b-methods", "figures", "experiment-types",
          "simulators")
