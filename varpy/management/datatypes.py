"""The five datatypes of varpy and their dataset schemas.

=============  =====================================================  ===========  ===============
class          what                                                   time column  time scale
=============  =====================================================  ===========  ===============
:class:`ECVD`  event catalogue, volcanic (earthquakes)                ``time``     UTC datetime
:class:`SCVD`  sampled continuous, volcanic (one station: tilt, ...)  ``time``     UTC datetime
:class:`EVD`   eruptions (onset ``start``, ``end``)                   ``start``    UTC datetime
:class:`ECLD`  event catalogue, lab (acoustic emissions)              ``time``     seconds (float)
:class:`SCLD`  sampled continuous, lab (stress, strain, ...)          ``time``     seconds (float)
=============  =====================================================  ===========  ===============

Every datatype holds a ``dataset`` (:class:`pandas.DataFrame`, sorted by time), ``metadata``
(dict), ``models`` (name -> :class:`~varpy.management.models.Model`), ``selection`` (the list of
filters that produced it, for provenance) and ``outputs`` (analysis results such as Mc and b-value,
as JSON-able dicts). Column names, units and dtypes are documented in ``docs/design.md``.
"""
from __future__ import annotations

import copy as _copy
import hashlib
import json
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from varpy.exceptions import DataFormatError, SelectionError
from varpy.management.models import Model, to_builtin
from varpy.management.schema import SCHEMAS
from varpy.management.store import validate_name
from varpy.management.timeconv import to_float_time

__all__ = ["Datatype", "ECVD", "SCVD", "EVD", "ECLD", "SCLD", "DATATYPES", "datatype_class",
           "datatype_key", "require_coordinates"]

_UTC = "datetime64[ns, UTC]"


class Datatype:
    """Base class: a dataset with its metadata, models, selection and analysis outputs."""

    kind: ClassVar[str] = ""
    description: ClassVar[str] = ""
    time_column: ClassVar[str] = "time"
    calendar: ClassVar[bool] = True
    #: columns that must be present, with their dtype: "time", "float" or "string"
    required: ClassVar[dict[str, str]] = {}
    #: at least one of these must be present (empty: no such rule)
    one_of: ClassVar[tuple[str, ...]] = ()
    #: known optional columns and their dtypes
    optional: ClassVar[dict[str, str]] = {}

    def __init__(self, dataset: pd.DataFrame | None = None, metadata: dict | None = None, *,
                 models: dict[str, Model] | None = None, selection: list | None = None,
                 outputs: dict | None = None, station: str | None = None,
                 source: str | None = None):
        frame = pd.DataFrame(columns=list(self.required)) if dataset is None else dataset
        self.dataset = self.validate(frame, source=source)
        self.metadata: dict = dict(metadata or {})
        self.models: dict[str, Model] = dict(models or {})
        self.selection: list[dict] = list(selection or [])
        self.outputs: dict[str, Any] = dict(outputs or {})
        self.station = station
        self._project = None

    # -- schema --------------------------------------------------------------------------------
    @classmethod
    def validate(cls, df: pd.DataFrame, *, source: str | None = None) -> pd.DataFrame:
        """Return a canonical copy of ``df``: required columns present, dtypes coerced, sorted.

        Raises
        ------
        DataFormatError
            Naming the missing column or the first value that cannot be converted.
        """
        if not isinstance(df, pd.DataFrame):
            raise TypeError(f"{cls.kind.upper()} dataset must be a pandas DataFrame, "
                            f"not {type(df).__name__}")
        missing = [c for c in cls.required if c not in df.columns]
        if missing:
            raise DataFormatError(
                f"{cls.kind.upper()} dataset lacks required column(s) {missing}", path=source,
                expected=f"columns {list(cls.required)}; got {list(df.columns)}")
        if cls.one_of and not any(c in df.columns for c in cls.one_of):
            raise DataFormatError(
                f"{cls.kind.upper()} dataset needs at least one of the columns {list(cls.one_of)}",
                path=source, expected=f"one of {list(cls.one_of)}; got {list(df.columns)}")
        out = df.copy()
        schema = {**cls.optional, **cls.required}
        for col in out.columns:
            want = schema.get(col)
            if want is None:
                continue
            out[col] = _coerce(out[col], want, cls.calendar, col, source)
        if cls.time_column in out.columns and not _is_sorted(out[cls.time_column]):
            out = out.sort_values(cls.time_column, kind="stable", na_position="last")
        return out.reset_index(drop=True)

    # -- basic protocol ------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.dataset)

    @property
    def times(self) -> pd.Series:
        return self.dataset[self.time_column]

    def float_times(self, origin=None) -> np.ndarray:
        """Times as floats: days since ``origin`` (volcanic) or seconds minus ``origin`` (lab)."""
        return to_float_time(self.times, origin)

    @property
    def time_span(self) -> tuple:
        t = self.times.dropna()
        if t.empty:
            return (None, None)
        return (t.iloc[0], t.iloc[-1])

    def copy(self) -> "Datatype":
        """Deep copy (dataset, metadata, models, selection, outputs); not attached to a project."""
        new = type(self)(self.dataset.copy(), _copy.deepcopy(self.metadata),
                         models={k: Model.from_dict(m.to_dict()) for k, m in self.models.items()},
                         selection=_copy.deepcopy(self.selection),
                         outputs=_copy.deepcopy(self.outputs), station=self.station)
        return new

    def with_dataset(self, dataset: pd.DataFrame, step: dict | None = None) -> "Datatype":
        """A new datatype with another dataset, the same metadata and ``step`` added to selection.

        Models and analysis outputs describe the old dataset, so they are not carried over.
        """
        new = type(self)(dataset, _copy.deepcopy(self.metadata),
                         selection=_copy.deepcopy(self.selection) + ([to_builtin(step)] if step else []),
                         station=self.station)
        return new

    def __eq__(self, other) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return (_frames_equal(self.dataset, other.dataset)
                and to_builtin(self.metadata) == to_builtin(other.metadata)
                and {k: m.to_dict() for k, m in self.models.items()}
                == {k: m.to_dict() for k, m in other.models.items()}
                and self.selection == other.selection
                and to_builtin(self.outputs) == to_builtin(other.outputs)
                and self.station == other.station)

    __hash__ = None  # mutable container

    # -- display -------------------------------------------------------------------------------
    def summary(self) -> str:
        """What a user needs at a glance: size, time span, value ranges, models applied."""
        name = self.kind.upper() + (f" station {self.station}" if self.station else "")
        lines = [f"{name}: {self.description}", f"  rows: {len(self)}"]
        start, end = self.time_span
        if start is not None:
            lines.append(f"  {self.time_column}: {_fmt_time(start)} .. {_fmt_time(end)}")
        for col in self.dataset.columns:
            if col == self.time_column or col not in {**self.required, **self.optional}:
                continue
            s = self.dataset[col]
            if pd.api.types.is_float_dtype(s) and s.notna().any():
                lines.append(f"  {col}: {s.min():.4g} .. {s.max():.4g}"
                             + (f" ({int(s.isna().sum())} missing)" if s.isna().any() else ""))
        extra = [c for c in self.dataset.columns if c not in {**self.required, **self.optional}]
        if extra:
            lines.append(f"  other columns: {', '.join(map(str, extra))}")
        if self.selection:
            lines.append("  selection: " + "; ".join(_fmt_step(s) for s in self.selection))
        if self.models:
            lines.append("  models: " + ", ".join(f"{k} ({len(m.outputs)} outputs)"
                                                 for k, m in self.models.items()))
        if self.outputs:
            lines.append("  analyses: " + ", ".join(self.outputs))
        return "\n".join(lines)

    def __repr__(self) -> str:
        start, end = self.time_span
        span = "" if start is None else f", {_fmt_time(start)}..{_fmt_time(end)}"
        st = f" station={self.station!r}" if self.station else ""
        return f"<{type(self).__name__}{st} {len(self)} rows{span}, {len(self.models)} models>"

    # -- storing analysis results ----------------------------------------------------------------
    def record_output(self, name: str, result) -> str:
        """Keep an analysis result (anything with ``to_dict()``) and persist it with the project.

        On a selection, the name gets a suffix derived from the selection (``mc_gft-sel3f2a9c1b``),
        so results on different subsets of the data never overwrite each other. Returns the
        name used.
        """
        if self.selection:
            digest = hashlib.sha256(json.dumps(to_builtin(self.selection), sort_keys=True)
                                    .encode()).hexdigest()[:8]
            name = f"{name}-sel{digest}"
        record = {"result_type": f"{type(result).__module__}:{type(result).__qualname__}",
                  "result": to_builtin(result.to_dict() if hasattr(result, "to_dict") else result),
                  "selection": _copy.deepcopy(self.selection)}
        self.outputs[name] = record
        if self._project is not None:
            self._project._persist_outputs(self, {name: record})
        return name


class _Catalogue(Datatype):
    """Shared behaviour of event catalogues (ECVD, ECLD): magnitude statistics."""

    def magnitudes(self) -> np.ndarray:
        if "magnitude" not in self.dataset.columns:
            raise KeyError(f"{self.kind.upper()} has no 'magnitude' column (columns: "
                           f"{list(self.dataset.columns)}); convert amplitudes or energies with "
                           "varpy.preparation.conversions first")
        return self.dataset["magnitude"].to_numpy(dtype=float)

    def fmd(self, **options):
        """Frequency-magnitude distribution (see :func:`varpy.analysis.magnitudes.fmd`)."""
        from varpy.analysis import magnitudes

        return magnitudes.fmd(self.dataset, **options)

    def mc(self, method: str = "maxc", *, store: bool = True, **options):
        """Completeness magnitude (see :func:`varpy.analysis.magnitudes.mc`); kept in outputs."""
        from varpy.analysis import magnitudes

        result = magnitudes.mc(self.dataset, method=method, **options)
        if store:
            self.record_output(f"mc_{method}", result)
        return result

    def stepp(self, *, store: bool = True, **options):
        """Completeness in time, Stepp 1971 (see :func:`varpy.analysis.completeness.stepp`)."""
        from varpy.analysis import completeness

        result = completeness.stepp(self.dataset, **options)
        if store:
            self.record_output("stepp", result)
        return result

    def b_value(self, mc=None, *, method: str = "tinti_mulargia", store: bool = True, **options):
        """Gutenberg-Richter b-value (see :func:`varpy.analysis.magnitudes.b_value`)."""
        from varpy.analysis import magnitudes

        result = magnitudes.b_value(self.dataset, mc=mc, method=method, **options)
        if store:
            self.record_output(f"b_{method}", result)
        return result

    def a_value(self, method: str = "classic", *, store: bool = True, **options):
        """Gutenberg-Richter a-value (see :func:`varpy.analysis.avalues.a_value`)."""
        from varpy.analysis import avalues

        result = avalues.a_value(self.dataset, method, time_column=self.time_column, **options)
        if store:
            self.record_output(f"a_{result.method}", result)
        return result

    def b_significance(self, mc, *, store: bool = True, **options):
        """Mirwald et al. (2024) test of b-value variation in time (see
        :func:`varpy.analysis.significance.b_significance`)."""
        from varpy.analysis import significance

        result = significance.b_significance(self.dataset, mc, time_column=self.time_column,
                                             **options)
        if store:
            self.record_output("b_significance", result)
        return result

    def rate_change(self, *, store: bool = True, **options):
        """z-value or beta in moving windows (see
        :func:`varpy.analysis.significance.rate_change`)."""
        from varpy.analysis import significance

        result = significance.rate_change(self.dataset, time_column=self.time_column,
                                          **options)
        if store:
            self.record_output(f"rate_change_{result.statistic}", result)
        return result


class ECVD(_Catalogue):
    """Event catalogue, volcanic.

    ``latitude``, ``longitude`` and ``depth`` may be absent from the input (early-warning
    lists hold only times and magnitudes): they become NaN columns and the metadata key
    ``absent_columns`` lists them. Time and magnitude analyses work on such catalogues; spatial
    windows, maps and depth filters refuse them (:func:`require_coordinates`).
    """

    kind = "ecvd"
    description = "event catalogue, volcanic"
    required = SCHEMAS["ecvd"].required
    optional = SCHEMAS["ecvd"].optional
    #: required columns that may be absent from the input (filled with NaN)
    fillable: ClassVar[tuple[str, ...]] = SCHEMAS["ecvd"].fillable

    def __init__(self, dataset=None, metadata=None, **kwargs):
        absent = []
        if isinstance(dataset, pd.DataFrame):
            absent = [c for c in self.fillable if c not in dataset.columns]
            if absent:
                dataset = dataset.assign(**{c: np.nan for c in absent})
        super().__init__(dataset, metadata, **kwargs)
        imported = (self.metadata.get("import") or {}).get("absent_columns") or []
        absent = [c for c in self.fillable if c in set(absent) | set(imported)]
        if absent:
            known = list(self.metadata.get("absent_columns") or [])
            self.metadata["absent_columns"] = known + [c for c in absent if c not in known]

    def decluster(self, method: str = "gardner_knopoff", *, store: bool = True, **params):
        """Cluster labels of every event, none removed (see
        :func:`varpy.analysis.declustering.decluster`); kept in outputs as
        ``decluster_<method>``. Select the background with
        ``varpy.preparation.windows.declustered(obj, result=...)``."""
        from varpy.analysis import declustering

        result = declustering.decluster(self.dataset, method, **params)
        if store:
            self.record_output(f"decluster_{result.method}", result)
        return result


class SCVD(Datatype):
    kind = "scvd"
    description = "sampled continuous series, volcanic (one station)"
    required = SCHEMAS["scvd"].required
    optional = SCHEMAS["scvd"].optional

    @classmethod
    def validate(cls, df, *, source=None):
        out = super().validate(df, source=source)
        if len(out.columns) < 2:
            raise DataFormatError("SCVD dataset needs at least one value column besides 'time'",
                                  path=source, expected="e.g. columns ['time', 'tilt']")
        return out


class EVD(Datatype):
    kind = "evd"
    description = "eruptions"
    time_column = "start"
    required = SCHEMAS["evd"].required
    optional = SCHEMAS["evd"].optional


class ECLD(_Catalogue):
    kind = "ecld"
    description = "event catalogue, laboratory (acoustic emissions)"
    calendar = False
    required = SCHEMAS["ecld"].required
    one_of = SCHEMAS["ecld"].one_of
    optional = SCHEMAS["ecld"].optional


class SCLD(Datatype):
    kind = "scld"
    description = "sampled continuous series, laboratory"
    calendar = False
    required = SCHEMAS["scld"].required
    optional = SCHEMAS["scld"].optional

    @classmethod
    def validate(cls, df, *, source=None):
        out = super().validate(df, source=source)
        if len(out.columns) < 2:
            raise DataFormatError("SCLD dataset needs at least one value column besides 'time'",
                                  path=source, expected="e.g. columns ['time', 'stress']")
        return out


DATATYPES: dict[str, type[Datatype]] = {c.kind: c for c in (ECVD, SCVD, EVD, ECLD, SCLD)}


def datatype_class(kind: str) -> type[Datatype]:
    from varpy.exceptions import UnknownFormatError

    try:
        return DATATYPES[kind.lower()]
    except (KeyError, AttributeError):
        raise UnknownFormatError("datatype", str(kind), DATATYPES) from None


def datatype_key(dt: Datatype) -> str:
    """Storage key of a datatype: its kind, or ``scvd-STATION`` for a volcanic station.

    Also importable as ``varpy.management.core.datatype_key``.

    >>> import pandas as pd
    >>> datatype_key(SCVD(pd.DataFrame({"time": pd.to_datetime(["2012-01-01"], utc=True),
    ...                                 "tilt": [0.5]}), station="CDV"))
    'scvd-CDV'
    """
    if dt.kind == "scvd":
        return f"scvd-{validate_name(str(dt.station), 'station name')}"
    return dt.kind


def require_coordinates(dt: Datatype, what: str, columns=("latitude", "longitude")) -> None:
    """Refuse a spatial operation on a datatype without coordinates (or depth).

    Parameters
    ----------
    dt : Datatype
    what : str
        The operation, named in the message (e.g. ``'box window'``, ``'map'``).
    columns : sequence of str
        The columns the operation needs: ``('latitude', 'longitude')`` for areas and maps,
        ``('depth',)`` for depth filters.

    Raises
    ------
    SelectionError
        A column is absent, recorded in ``metadata['absent_columns']``, or missing on every row.

    Examples
    --------
    >>> import pandas as pd
    >>> cat = ECVD(pd.DataFrame({"time": pd.to_datetime(["2011-10-10"], utc=True),
    ...                          "magnitude": [2.1]}))
    >>> cat.metadata["absent_columns"]
    ['latitude', 'longitude', 'depth']
    >>> require_coordinates(cat, "depth filter", ("depth",))
    Traceback (most recent call last):
    ...
    varpy.exceptions.SelectionError: depth filter needs 'depth', which this ECVD does not have (absent from the imported file); use time and magnitude analyses, or import a catalogue with depth
    """
    recorded = set((getattr(dt, "metadata", None) or {}).get("absent_columns") or [])
    frame = dt.dataset
    lacking = [c for c in columns if c in recorded or c not in frame.columns
               or (len(frame) and frame[c].isna().all())]
    if lacking:
        why = ("absent from the imported file" if set(lacking) <= recorded
               else "no value on any row")
        names = ", ".join(map(repr, lacking))
        raise SelectionError(
            f"{what} needs {names}, which this {dt.kind.upper()} does not have ({why}); use "
            f"time and magnitude analyses, or import a catalogue with "
            f"{' and '.join(lacking) if len(lacking) < 3 else 'coordinates and depth'}")


# -- helpers ------------------------------------------------------------------------------------
def _coerce(s: pd.Series, want: str, calendar: bool, col: str, source) -> pd.Series:
    if want == "time":
        if calendar:
            if isinstance(s.dtype, pd.DatetimeTZDtype):
                return s.dt.tz_convert("UTC").astype(_UTC)
            if pd.api.types.is_datetime64_dtype(s):
                return s.dt.tz_localize("UTC").astype(_UTC)
            if len(s) == 0 or s.isna().all():
                return pd.Series(pd.NaT, index=s.index, dtype=_UTC)
            raise DataFormatError(
                f"column {col!r} must hold datetimes (dtype {s.dtype})", path=source, column=col,
                expected="datetime64 values (naive ones are taken as UTC); parse strings first "
                         "with varpy.management.timeconv")
        return _to_float(s, col, source, "elapsed seconds")
    if want == "float":
        return _to_float(s, col, source, "numbers")
    if want == "string":
        return s.astype("string")
    raise ValueError(f"unknown schema dtype {want!r}")


def _to_float(s: pd.Series, col: str, source, what: str) -> pd.Series:
    if pd.api.types.is_float_dtype(s) and s.dtype == np.float64:
        return s
    converted = pd.to_numeric(s, errors="coerce")
    bad = converted.isna() & s.notna()
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise DataFormatError(f"value {s.iloc[i]!r} in row {i} of column {col!r} is not a number",
                              path=source, column=col, expected=what)
    return converted.astype(np.float64)


def _is_sorted(s: pd.Series) -> bool:
    """Non-decreasing with any missing values at the end (the order sort_values gives)."""
    valid = s.notna().to_numpy()
    n_valid = int(valid.sum())
    if not valid[:n_valid].all():
        return False
    return bool(s.iloc[:n_valid].is_monotonic_increasing)


def _frames_equal(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    try:
        pd.testing.assert_frame_equal(a, b, check_dtype=True, check_exact=True)
    except AssertionError:
        return False
    return True


def _fmt_time(t) -> str:
    if isinstance(t, pd.Timestamp):
        return t.strftime("%Y-%m-%d %H:%M:%S")
    return f"{float(t):.6g} s"


def _fmt_step(step: dict) -> str:
    op = step.get("op", "?")
    args = ", ".join(f"{k}={v}" for k, v in step.items() if k != "op")
    return f"{op}({args})"
