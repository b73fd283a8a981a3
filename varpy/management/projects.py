"""Project classes by type name, so that lower layers can build a project without the facade.

The project classes (:class:`~varpy.Volcanic`, :class:`~varpy.Laboratory`) live in the facade,
:mod:`varpy.management.core`, which the layers below it must not import (see ``docs/design.md``).
``core`` registers each class here as it defines it (``import varpy`` always loads ``core``), and
a lower module that has to create a project, such as
:func:`varpy.simulation.simulate_volcano`, looks the class up by its ``project_type``: the
dependency points down from both sides (dependency inversion), with no import of the facade.

May import: :mod:`varpy.exceptions` only.

>>> import varpy
>>> project_class("volcanic") is varpy.Volcanic
True
"""
from __future__ import annotations

from varpy.exceptions import UnknownFormatError

__all__ = ["register_project_class", "project_class"]

_CLASSES: dict[str, type] = {}


def register_project_class(cls: type) -> type:
    """Register ``cls`` under ``cls.project_type`` (a class decorator; returns ``cls``)."""
    name = getattr(cls, "project_type", "")
    if not isinstance(name, str) or not name:
        raise ValueError(f"{cls!r} has no project_type to register it under")
    _CLASSES[name] = cls
    return cls


def project_class(project_type: str) -> type:
    """The project class registered for ``project_type`` (``'volcanic'``, ``'laboratory'``)."""
    try:
        return _CLASSES[project_type]
    except KeyError:
        raise UnknownFormatError("project type", str(project_type), _CLASSES) from None
