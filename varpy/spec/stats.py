"""The ``statistics`` section of a spec: a-values, b-values with completeness periods, the
b-value significance test and rate-change statistics as analyses.

Each entry runs through the datatype's own method (``a_value``, ``b_value``,
``b_significance``, ``rate_change``), so its result is kept in the datatype's outputs like
every other analysis (``record_output``), written to ``Output/`` as CSV + JSON and summarised
in the run's summary. The section::

    statistics:
      datatype: ecvd            # default: the project's catalogue
      dm: 0.1                   # default: completeness.dm, else 0.1
      a_value: {method: positive, m_ref: 2.0, scaling: 5.0}
      b_value:
        - {method: weichert, periods: [[2000-01-01, 2.0], [2003-01-01, 1.5]]}
        - {method: kijko_smit, periods: [[2000-01-01, 1.8]]}
      b_significance: {mc: 1.8, n_m: 100}
      rate_change: {statistic: z, window: 90D, bin: 10D}

Every analysis key takes one mapping or a list of them. ``mc`` defaults to the completeness
section's first Mc when that section is present; the b-value significance test needs one of
the two.

May import: :mod:`varpy.spec.check`, :mod:`varpy.spec.steps`, :mod:`varpy.spec.schema`,
:mod:`varpy.exceptions`, and lazily :mod:`varpy.statistics.avalue`,
:mod:`varpy.analysis._catalogue` (``iso``), :mod:`varpy.write` and pandas.
"""
from __future__ import annotations

import math

from varpy.exceptions import SpecError, VarpyError
from varpy.spec.check import MISSING, _Checker
from varpy.spec.schema import _CATALOGUES, _b_methods
from varpy.spec.steps import _finite, _located

#: Analyses of the section and the keys each entry accepts.
STATISTICS_KEYS: dict[str, tuple[str, ...]] = {
    "a_value": ("method", "mc", "b", "delta", "m_ref", "scaling", "time_span", "convention",
                "conf_level"),
    "b_value": ("method", "mc", "periods", "end", "delta", "m_max", "conf_level"),
    "b_significance": ("mc", "n_m", "method", "min_num", "conservative"),
    "rate_change": ("statistic", "window", "bin", "step", "mode", "start", "end"),
}
_PERIOD_B_METHODS = ("weichert", "kijko_smit")
_SIGNIFICANCE_B_METHODS = ("tinti_mulargia", "utsu", "aki", "b_positive")


def _a_methods() -> tuple[str, ...]:
    from varpy.statistics import avalue

    return tuple(avalue.A_METHODS) + tuple(sorted(avalue._ALIASES))


def _duration(chk: _Checker, kp, value, calendar: bool):
    """A duration: '30D' style text (calendar catalogues) or a positive number."""
    if calendar and isinstance(value, str):
        import pandas as pd

        try:
            if not pd.Timedelta(value) > pd.Timedelta(0):
                raise ValueError("not positive")
        except (TypeError, ValueError):
            chk.fail(kp, f"invalid duration {value!r}", "a duration such as 30D, 12h or 1W")
            return None
        return value
    return chk.number(kp, value, positive=True)


def _check_entry(chk: _Checker, kp, name: str, e: dict, calendar: bool) -> dict:
    out: dict = {}
    num = chk.number
    if name == "a_value":
        from varpy.statistics import avalue

        raw = e.get("method", "classic")
        if isinstance(raw, str):
            raw = raw.replace("-", "_")
        out["method"] = chk.string(kp + ("method",), raw, choices=_a_methods(),
                                   what="a-value method")
        if out["method"] is not None:
            out["method"] = avalue.a_method_name(out["method"])
        for key in ("mc", "m_ref", "b"):
            if e.get(key) is not None:
                out[key] = num(kp + (key,), e[key])
        for key in ("delta", "scaling", "time_span"):
            if e.get(key) is not None:
                out[key] = num(kp + (key,), e[key], positive=True)
        if "convention" in e:
            out["convention"] = chk.string(kp + ("convention",), e["convention"],
                                           choices=("centre", "edge"), what="convention")
    elif name == "b_value":
        out["method"] = chk.string(kp + ("method",), e.get("method", "weichert"),
                                   choices=_PERIOD_B_METHODS + _b_methods(),
                                   what="b-value method")
        if e.get("mc") is not None:
            out["mc"] = num(kp + ("mc",), e["mc"])
        if e.get("periods") is not None:
            if out["method"] is not None and out["method"] not in _PERIOD_B_METHODS:
                chk.fail(kp + ("periods",), f"periods apply to {' and '.join(_PERIOD_B_METHODS)}"
                         f" only, not {out['method']}", "method: weichert", at_key=True)
            rows = []
            for j, row in enumerate(chk.sequence(kp + ("periods",), e["periods"])):
                rkp = kp + ("periods", j)
                if not isinstance(row, list) or len(row) != 2:
                    chk.fail(rkp, f"a completeness period is [start, mc], not {row!r}",
                             "[start time, mc]")
                    continue
                start = chk.time(rkp + (0,), row[0], calendar)
                mc = num(rkp + (1,), row[1])
                if start is not MISSING and mc is not None:
                    rows.append([start, mc])
            if not rows:
                chk.fail(kp + ("periods",), "no completeness periods", "[[start, mc], ...]")
            out["periods"] = rows
        elif out["method"] in _PERIOD_B_METHODS and "mc" not in out:
            out["periods"] = None           # the completeness section's Mc, one period
        if e.get("end") is not None:
            if out["method"] is not None and out["method"] not in _PERIOD_B_METHODS:
                chk.fail(kp + ("end",), "end applies to weichert and kijko_smit only",
                         "method: weichert", at_key=True)
            end = chk.time(kp + ("end",), e["end"], calendar)
            out["end"] = None if end is MISSING else end
        if e.get("m_max") is not None:
            if out["method"] is not None and out["method"] != "weichert":
                chk.fail(kp + ("m_max",), "m_max applies to weichert only", "method: weichert",
                         at_key=True)
            out["m_max"] = num(kp + ("m_max",), e["m_max"])
        if e.get("delta") is not None:
            out["delta"] = num(kp + ("delta",), e["delta"], positive=True)
    elif name == "b_significance":
        if e.get("mc") is not None:
            out["mc"] = num(kp + ("mc",), e["mc"])
        out["n_m"] = num(kp + ("n_m",), e.get("n_m", 100), integer=True, minimum=2)
        if "method" in e:
            out["method"] = chk.string(kp + ("method",), e["method"],
                                       choices=_SIGNIFICANCE_B_METHODS, what="b-value method")
        if "min_num" in e:
            out["min_num"] = num(kp + ("min_num",), e["min_num"], integer=True, minimum=1)
        if "conservative" in e:
            out["conservative"] = chk.boolean(kp + ("conservative",), e["conservative"])
    else:   # rate_change
        out["statistic"] = chk.string(kp + ("statistic",), e.get("statistic", "z"),
                                      choices=("z", "beta"), what="rate-change statistic")
        out["mode"] = chk.string(kp + ("mode",), e.get("mode", "lta"), choices=("lta", "as"),
                                 what="z-value mode")
        for key in ("window", "bin"):
            if key not in e:
                chk.fail(kp + (key,), f"required key {key!r} is missing",
                         f"{key}: 30D (calendar) or seconds (lab)")
            else:
                out[key] = _duration(chk, kp + (key,), e[key], calendar)
        if e.get("step") is not None:
            out["step"] = _duration(chk, kp + ("step",), e["step"], calendar)
        for key in ("start", "end"):
            if e.get(key) is not None:
                t = chk.time(kp + (key,), e[key], calendar)
                out[key] = None if t is MISSING else t
    if "conf_level" in e:
        c = num(kp + ("conf_level",), e["conf_level"], positive=True)
        if c is not None and not c < 1:
            chk.fail(kp + ("conf_level",), f"conf_level {c} is not below 1", "e.g. 0.95")
        out["conf_level"] = c
    return out


def _check_statistics(chk: _Checker, value, catalogue: str, kinds, calendar: bool,
                      default_dm: float | None) -> dict | None:
    """Normalised ``statistics`` section: ``{datatype, dm, entries: [{analysis, name, ...}]}``."""
    if value is None:
        return None
    kp0 = ("statistics",)
    s = chk.mapping(kp0, value, ("datatype", "dm") + tuple(STATISTICS_KEYS))
    datatype = chk.string(kp0 + ("datatype",), s.get("datatype", catalogue),
                          choices=tuple(k for k in kinds if k in _CATALOGUES),
                          what="catalogue datatype")
    dm = chk.number(kp0 + ("dm",), s.get("dm", default_dm or 0.1), positive=True)
    entries = []
    for name, known in STATISTICS_KEYS.items():
        if s.get(name) is None:
            continue
        raw = s[name]
        many = isinstance(raw, list)
        for j, e in enumerate(raw if many else [raw]):
            kp = kp0 + ((name, j) if many else (name,))
            e = chk.mapping(kp, e, known)
            if not isinstance(e, dict):
                continue
            entries.append(dict(_check_entry(chk, kp, name, e, calendar), analysis=name,
                                key=".".join(str(k) for k in kp)))
    if not entries and isinstance(s, dict):
        chk.fail(kp0, "no analyses in the statistics section",
                 f"one or more of {', '.join(STATISTICS_KEYS)}")
    return {"datatype": datatype, "dm": dm or 0.1, "entries": entries}


def _need_mc(spec, key, mc):
    if mc is None:
        raise SpecError("this analysis needs the completeness magnitude: give 'mc' here or a "
                        "completeness section", path=spec.path, key=key + ".mc",
                        expected="mc: 1.5")
    return mc


def _run_statistics(selected, spec, mag_results: dict) -> tuple[list, dict]:
    """Run every entry of the ``statistics`` section on the selected catalogue.

    Returns the JSON-able records (for :class:`~varpy.spec.RunResult`) and
    ``{output name: result object}`` for the tables."""
    s = spec.data.get("statistics")
    if not s:
        return [], {}
    try:
        dt = selected.get(s["datatype"])
    except KeyError as exc:
        raise _located(SpecError(str(exc.args[0]), path=spec.path,
                                 key="statistics.datatype"), spec, ("statistics",)) from None
    comp = spec.data.get("completeness") or {}
    first = mag_results.get((comp.get("methods") or [None])[0])
    default_mc = first.mc if first is not None and math.isfinite(first.mc) else None
    calendar = spec.data["project"]["type"] == "volcanic"
    records, objects = [], {}
    for e in s["entries"]:
        kw = {k: v for k, v in e.items() if k not in ("analysis", "key") and v is not None}
        mc = kw.pop("mc", default_mc)
        try:
            if e["analysis"] == "a_value":
                res = dt.a_value(kw.pop("method"), mc=mc, dm=s["dm"], **kw)
                label = f"a_{res.method}"
            elif e["analysis"] == "b_value":
                method = kw.pop("method")
                if method in _PERIOD_B_METHODS and kw.get("periods") is None:
                    kw.pop("periods", None)
                    kw["mc"] = _need_mc(spec, e["key"], mc)
                elif method not in _PERIOD_B_METHODS:
                    kw["mc"] = mc
                if "end" in kw and not calendar:
                    kw["end"] = float(kw["end"])
                res = dt.b_value(method=method, dm=s["dm"], **kw)
                label = f"b_{method}"
            elif e["analysis"] == "b_significance":
                res = dt.b_significance(_need_mc(spec, e["key"], mc), dm=s["dm"], **kw)
                label = "b_significance"
            else:
                kw["bin_width"] = kw.pop("bin")
                res = dt.rate_change(**kw)
                label = f"rate_change_{res.statistic}"
        except (VarpyError, ValueError, TypeError) as exc:
            raise _located(exc, spec, tuple(e["key"].split("."))) from None
        name = f"{label}-{s['datatype']}"
        n = 2
        while name in objects:
            name, n = f"{label}-{s['datatype']}-{n}", n + 1
        objects[name] = res
        records.append(_record(e["analysis"], name, e["key"], res))
    return records, objects


def _record(analysis: str, name: str, key: str, res) -> dict:
    rec = {"analysis": analysis, "name": name, "key": key, "summary": res.summary()}
    if analysis == "a_value":
        rec.update(method=res.method, a=_finite(res.a), sigma=_finite(res.sigma), n=res.n,
                   mc=_finite(res.mc), m_ref=_finite(res.m_ref), b=_finite(res.b),
                   rate=_finite(res.rate))
    elif analysis == "b_value":
        rec.update(method=getattr(res, "method", None), b=_finite(res.b),
                   sigma=_finite(getattr(res, "sigma", None)), a=_finite(getattr(res, "a", None)),
                   n=int(getattr(res, "n", 0)))
    elif analysis == "b_significance":
        rec.update(p_value=_finite(res.p_value), mac=_finite(res.mac), n_m=res.n_m,
                   mc=_finite(res.mc))
    else:
        import numpy as np

        v = np.asarray(res.value, dtype=float)
        ok = v[np.isfinite(v)]
        rec.update(statistic=res.statistic, mode=res.mode, windows=int(v.size),
                   max_abs=_finite(float(np.max(np.abs(ok)))) if ok.size else None)
    return rec


def _table(res):
    """The result as a table: the per-window (rate change) or per-sub-sample (b significance)
    series, else one row of its scalar fields."""
    import json

    import numpy as np
    import pandas as pd

    from varpy._json import jsonable

    from varpy.analysis._catalogue import iso

    d = res.to_dict()
    calendar = getattr(res, "time_kind", None) == "datetime"
    unit = getattr(res, "time_unit", "day")
    for cols in (("window_start", "window_end", "value", "n_window", "n_reference"),
                 ("series_time", "b_series")):
        if all(isinstance(d.get(c), list) for c in cols):
            n = min(len(d[c]) for c in cols)
            table = pd.DataFrame({c: np.asarray(d[c][:n], dtype=float) for c in cols})
            if calendar:        # the float time scale back to UTC times
                for c in ("window_start", "window_end", "series_time"):
                    if c in table:
                        table[c] = pd.to_datetime([iso(v, True, unit) for v in table[c]],
                                                  utc=True, format="ISO8601")
            return table
    row = {k: (json.dumps(jsonable(v)) if isinstance(v, (list, dict, tuple)) else v)
           for k, v in d.items() if k != "result_type"}
    return pd.DataFrame([row])


def _write_statistics(project, spec, objects: dict, overwrite: bool) -> list[str]:
    """Each statistics result as ``Output/NAME.csv`` + ``.json`` (:mod:`varpy.write`): the
    table of :func:`_table`, the whole result (``to_dict``) in the provenance."""
    from pathlib import Path

    from varpy import write
    from varpy._json import jsonable

    written = []
    datatype = (spec.data.get("statistics") or {}).get("datatype")
    for name, obj in objects.items():
        prov = {"statistics": {"spec": None if spec.path is None else str(spec.path),
                               "result": jsonable(obj.to_dict())}}
        for path in write.write_result(project, _table(obj), name, datatype=datatype,
                                       provenance=prov, overwrite=overwrite):
            written.append(str(Path(path).relative_to(project.path)))
    return written
