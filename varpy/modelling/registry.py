"""The model registry: name (or alias) -> rate-model class.

Holds the lookup tables and :func:`get_model`, :func:`unregister_model`,
:func:`available_models`. :func:`varpy.modelling.base.register_model` (which checks that a
class is a :class:`~varpy.modelling.base.RateModel`) fills them, and
:mod:`varpy.modelling.models` registers the built-in models when the package
:mod:`varpy.modelling` is imported, i.e. before any of its modules can be used. Kept below
the models so that :class:`~varpy.modelling.results.FitResult` can find its model by name
without importing the model modules (which import it).

May import: :mod:`varpy.exceptions` only.
"""
from __future__ import annotations

from varpy.exceptions import UnknownFormatError

__all__ = ["get_model", "unregister_model", "available_models"]


_REGISTRY: dict[str, type] = {}
_ALIASES: dict[str, str] = {}


def unregister_model(name: str) -> None:
    """Remove a model (and its aliases) from the registry.

    Raises
    ------
    UnknownFormatError
        If no model is registered under ``name``.
    """
    key = str(name).lower()
    key = _ALIASES.get(key, key)
    if key not in _REGISTRY:
        raise UnknownFormatError("model", name, list(_REGISTRY) + list(_ALIASES))
    del _REGISTRY[key]
    for alias in [a for a, target in _ALIASES.items() if target == key]:
        del _ALIASES[alias]


def get_model(name: str, **options):
    """A new instance (a :class:`~varpy.modelling.base.RateModel`) of the model registered as
    ``name`` (aliases accepted).

    Raises
    ------
    UnknownFormatError
        For an unknown name; the message lists the valid ones.
    """
    key = str(name).lower()
    key = _ALIASES.get(key, key)
    if key not in _REGISTRY:
        raise UnknownFormatError("model", name, list(_REGISTRY) + list(_ALIASES))
    return _REGISTRY[key](**options)


def available_models() -> list[str]:
    """Registered model names (without aliases), sorted."""
    return sorted(_REGISTRY)
