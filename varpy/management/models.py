"""Containers for the outputs of models applied to a datatype.

A datatype's ``models`` maps a model name to a :class:`Model`, whose ``outputs`` list holds one
:class:`ModelOutput` per fit (VarPy's ``Model``/``Model_Output``). A ``ModelOutput`` stores the
result as a JSON-able dict, so the store can persist any result without knowing its class, and
:meth:`ModelOutput.load_result` rebuilds the rich result object when its class is importable.
"""
from __future__ import annotations

import datetime as _dt
import importlib
import uuid
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from varpy._json import jsonable
from varpy.exceptions import StoreError

__all__ = ["Model", "ModelOutput", "to_builtin"]


def to_builtin(value: Any) -> Any:
    """:func:`varpy._json.jsonable` keeping NaN and infinities (for YAML and comparisons)."""
    return jsonable(value, keep_nonfinite=True)


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds")


@dataclass
class ModelOutput:
    """The record of one model fit (or one step of an experiment).

    Parameters
    ----------
    model : str
        Name of the model (``"iol"``, ``"hyperbolic"``, ...).
    kind : str
        What was done: ``"single_forecast"``, ``"retrospective_analysis"``,
        ``"retrospective_forecast"``, ``"prospective_forecast"`` or a user string.
    result : dict
        JSON-able result (``FitResult.to_dict()``).
    result_type : str
        ``"module:ClassName"`` of the result object, for :meth:`load_result`.
    provenance : dict
        Data window, filters (selection), Mc rule, options, package versions.
    uid : str
        Unique id, so concurrent writers never lose or duplicate an output.
    created : str
        ISO time of computation (UTC).
    """

    model: str
    kind: str
    result: dict = field(default_factory=dict)
    result_type: str = ""
    provenance: dict = field(default_factory=dict)
    uid: str = field(default_factory=lambda: uuid.uuid4().hex)
    created: str = field(default_factory=_now)

    @classmethod
    def from_result(cls, model: str, kind: str, result, provenance: dict | None = None
                    ) -> "ModelOutput":
        """Wrap a result object that has ``to_dict()``."""
        rtype = f"{type(result).__module__}:{type(result).__qualname__}"
        return cls(model=model, kind=kind, result=to_builtin(result.to_dict()),
                   result_type=rtype, provenance=to_builtin(provenance or {}))

    def load_result(self):
        """Rebuild the result object (``result_type.from_dict(result)``)."""
        if not self.result_type:
            raise StoreError(f"model output {self.uid} of {self.model!r} has no result type")
        module_name, _, qualname = self.result_type.partition(":")
        obj: Any = importlib.import_module(module_name)
        for part in qualname.split("."):
            obj = getattr(obj, part)
        return obj.from_dict(self.result)

    def to_dict(self) -> dict:
        return {"model": self.model, "kind": self.kind, "result": to_builtin(self.result),
                "result_type": self.result_type, "provenance": to_builtin(self.provenance),
                "uid": self.uid, "created": self.created}

    @classmethod
    def from_dict(cls, d: dict) -> "ModelOutput":
        return cls(model=d["model"], kind=d["kind"], result=d.get("result", {}),
                   result_type=d.get("result_type", ""), provenance=d.get("provenance", {}),
                   uid=d["uid"], created=d["created"])


@dataclass
class Model:
    """A named model applied to one datatype, with every output it produced."""

    name: str
    kind: str = ""
    outputs: list[ModelOutput] = field(default_factory=list)

    def add(self, output: ModelOutput) -> None:
        """Append an output (ignored if an output with the same uid is already present)."""
        if any(o.uid == output.uid for o in self.outputs):
            return
        self.outputs.append(output)

    @property
    def last(self) -> ModelOutput:
        if not self.outputs:
            raise IndexError(f"model {self.name!r} has no outputs yet")
        return self.outputs[-1]

    def table(self) -> pd.DataFrame:
        """One row per output: kind, created, and the flat scalar fields of each result."""
        rows = []
        for out in self.outputs:
            row = {"uid": out.uid, "kind": out.kind, "created": out.created}
            for key, value in out.result.items():
                if isinstance(value, dict):
                    for sub, v in value.items():
                        if not isinstance(v, (dict, list)):
                            row[f"{key}.{sub}"] = v
                elif not isinstance(value, list):
                    row[key] = value
            rows.append(row)
        return pd.DataFrame(rows)

    def merged(self, other: "Model") -> "Model":
        """Union of two histories of the same model: this one's outputs in their order, then
        those of ``other`` that are new, in theirs (order never depends on clocks)."""
        seen = {o.uid for o in self.outputs}
        outs = list(self.outputs) + [o for o in other.outputs if o.uid not in seen]
        return Model(self.name, self.kind or other.kind, outs)

    def to_dict(self) -> dict:
        return {"name": self.name, "kind": self.kind,
                "outputs": [o.to_dict() for o in self.outputs]}

    @classmethod
    def from_dict(cls, d: dict) -> "Model":
        return cls(d["name"], d.get("kind", ""),
                   [ModelOutput.from_dict(o) for o in d.get("outputs", [])])
