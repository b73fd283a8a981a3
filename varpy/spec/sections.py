"""Checks of the spec sections: data, select, decluster, completeness, models, experiments,
figures, executor.

Each ``_check_*`` function takes the :class:`~varpy.spec.check._Checker` of the spec, checks one
section (or one experiment) and returns it normalised, with every default filled in.
:func:`varpy.spec.parse_spec` calls them in order and adds the checks across sections.

May import: :mod:`varpy.spec.check`, :mod:`varpy.spec.schema`, :mod:`varpy.exceptions`, and
lazily :mod:`varpy.management.importers`, :mod:`varpy.management.store` and
:mod:`varpy.statistics.declustering`.
"""
from __future__ import annotations

import difflib
from pathlib import Path

from varpy.exceptions import InvalidIDError
from varpy.spec.check import MISSING, _Checker, _type_name
from varpy.spec.schema import (_CATALOGUES, _CI_OPTION_KEYS, _EXECUTORS, _EXPERIMENT_KEYS,
                               _SELECT_KEYS,
                               EXPERIMENT_TYPES, _b_methods, _mc_methods, known_figures)


def _check_data(chk: _Checker, value, kinds, base: Path, allowed) -> list[dict]:
    from varpy.management import importers

    out = []
    stations_seen: set = set()
    for i, src in enumerate(chk.sequence(("data",), value)):
        kp = ("data", i)
        src = chk.mapping(kp, src, ("kind", "file", "metadata", "format", "station", "options"),
                          required=("kind", "file"))
        if not src:
            continue
        kind = chk.string(kp + ("kind",), src["kind"], choices=kinds,
                          what="datatype for this project") if "kind" in src else None
        file = chk.path(kp + ("file",), src["file"], bases=(base,), allowed=allowed,
                        must_exist=True, what="data file") if "file" in src else None
        meta = None
        if src.get("metadata") is not None:
            meta = chk.path(kp + ("metadata",), src["metadata"], bases=(base,), allowed=allowed,
                            must_exist=True, what="metadata file")
        fmt = None
        if src.get("format") is not None:
            choices = tuple(sorted(importers.available(kind))) if kind else None
            fmt = chk.string(kp + ("format",), src["format"], choices=choices,
                             what="importer" + (f" for {kind}" if kind else ""))
        station = None
        if src.get("station") is not None:
            if kind is not None and kind != "scvd":
                chk.fail(kp + ("station",), f"station applies to scvd only, not {kind}",
                         "no station key", at_key=True)
            else:
                station = chk.name(kp + ("station",), src["station"], "station name")
        if kind == "scvd" and station is None and meta is None:
            chk.fail(kp, "an scvd source needs a station (key 'station' or the metadata file's "
                     "'station')", "station: NAME")
        options = src.get("options", {}) or {}
        if not isinstance(options, dict):
            chk.fail(kp + ("options",), "importer options must be a mapping",
                     "option: value lines")
            options = {}
        ident = (kind, station)
        if kind is not None and kind != "scvd" and ident in stations_seen:
            chk.fail(kp + ("kind",), f"{kind} is imported twice", "one source per datatype")
        stations_seen.add(ident)
        out.append({"kind": kind, "file": None if file is None else str(file),
                    "metadata": None if meta is None else str(meta), "format": fmt,
                    "station": station, "options": options})
    return out


def _check_select(chk: _Checker, value, calendar: bool) -> dict:
    sel = chk.mapping(("select",), value, _SELECT_KEYS)
    out: dict = {}
    num = chk.number
    for key in ("lat", "lon", "depth", "magnitude"):
        if sel.get(key) is not None:
            out[key] = chk.pair(("select", key), sel[key], num)
    if sel.get("time") is not None:
        out["time"] = chk.pair(("select", "time"), sel["time"],
                               lambda kp, v: chk.time(kp, v, calendar))
    if sel.get("stations") is not None:
        st = chk.sequence(("select", "stations"), sel["stations"], allow_scalar=True)
        names = [chk.name(("select", "stations", j), s, "station name") for j, s in enumerate(st)]
        out["stations"] = [n for n in names if n is not None]
    if "creep" in sel:
        out["creep"] = bool(chk.boolean(("select", "creep"), sel["creep"]))
    if sel.get("polygon") is not None:
        poly = chk.sequence(("select", "polygon"), sel["polygon"])
        pts = []
        for j, pt in enumerate(poly):
            p = chk.pair(("select", "polygon", j), pt, num)
            if p is not None:
                pts.append(p)
        if len(pts) < 3:
            chk.fail(("select", "polygon"), "a polygon needs at least 3 vertices",
                     "[[lon, lat], [lon, lat], [lon, lat], ...]")
        out["polygon"] = pts
    if sel.get("columns") is not None:
        cols = chk.mapping(("select", "columns"), sel["columns"], sel["columns"]
                           if isinstance(sel["columns"], dict) else ())
        out["columns"] = {str(c): chk.pair(("select", "columns", c), b, num)
                          for c, b in cols.items()}
    return out


def _check_decluster(chk: _Checker, value, kinds) -> dict | None:
    """``decluster: {method, keep, parameters}``: labels of the selected ECVD (kept in its
    outputs) and, with ``keep``, the background or clustered events for completeness and
    figures (experiments re-window the imported data and are not declustered)."""
    if value is None:
        return None
    from varpy.statistics import declustering

    kp = ("decluster",)
    d = chk.mapping(kp, value, ("method", "keep", "parameters"), required=("method",))
    if "ecvd" not in kinds:
        chk.fail(kp, "declustering needs an ECVD (a volcanic event catalogue)",
                 "a volcanic project with an ecvd data source")
    names = sorted(declustering.METHODS) + sorted(declustering._ALIASES)
    method = chk.string(kp + ("method",), d.get("method"), choices=names,
                        what="declustering method")
    keep = d.get("keep")
    if keep is not None:
        keep = chk.string(kp + ("keep",), keep, choices=("background", "clustered"),
                          what="what to keep")
    params = d.get("parameters") or {}
    if not isinstance(params, dict):
        chk.fail(kp + ("parameters",), "must be a mapping", "name: value")
        params = {}
    if method is not None:
        allowed = declustering.parameters(method)
        for key, val in params.items():
            if key not in allowed:
                hint = difflib.get_close_matches(str(key), allowed, n=1)
                chk.fail(kp + ("parameters", key), f"unknown parameter of {method}" +
                         (f"; did you mean {hint[0]!r}?" if hint else ""),
                         f"one of {', '.join(allowed)}", at_key=True)
            elif not (val is None or isinstance(val, (bool, int, float, str))):
                chk.fail(kp + ("parameters", key), f"must be a number, string, true/false "
                         f"or null, not {_type_name(val)}", "a scalar value")
        method = declustering.method_name(method)
    return {"method": method, "keep": keep, "parameters": dict(params)}


def _check_completeness(chk: _Checker, value, catalogue: str, kinds) -> dict | None:
    if value is None:
        return None
    kp = ("completeness",)
    c = chk.mapping(kp, value, ("datatype", "method", "methods", "dm", "options", "b_method",
                                "legacy"))
    if "method" in c and "methods" in c:
        chk.fail(kp + ("method",), "give 'method' or 'methods', not both", "one key",
                 at_key=True)
    raw_methods = c.get("methods", c.get("method", "maxc"))
    methods = []
    mkey = kp + ("methods" if "methods" in c else "method",)
    for j, m in enumerate(chk.sequence(mkey, raw_methods, allow_scalar=True)):
        got = chk.string(mkey + (j,) if isinstance(raw_methods, list) else mkey, m,
                         choices=_mc_methods(), what="completeness method")
        if got:
            methods.append(got)
    datatype = chk.string(kp + ("datatype",), c.get("datatype", catalogue),
                          choices=tuple(k for k in kinds if k in _CATALOGUES),
                          what="catalogue datatype")
    options = c.get("options", {}) or {}
    if not isinstance(options, dict):
        chk.fail(kp + ("options",), "completeness options must be a mapping", "key: value")
        options = {}
    return {"datatype": datatype, "methods": methods or ["maxc"],
            "dm": chk.number(kp + ("dm",), c.get("dm", 0.1), positive=True) or 0.1,
            "options": options,
            "b_method": chk.string(kp + ("b_method",), c.get("b_method", "tinti_mulargia"),
                                   choices=_b_methods(), what="b-value method"),
            "legacy": bool(chk.boolean(kp + ("legacy",), c.get("legacy", False)))}


def _check_models(chk: _Checker, kp, value, model_names) -> list[str]:
    out = []
    for j, m in enumerate(chk.sequence(kp, value, allow_scalar=True)):
        ikp = kp + (j,) if isinstance(value, list) else kp
        name = m.get("name") if isinstance(m, dict) else m
        if isinstance(m, dict):
            chk.mapping(ikp, m, ("name",), required=("name",))
        got = chk.string(ikp, name, choices=tuple(sorted(model_names)), what="model")
        if got:
            out.append(model_names[got])
    return out


def _check_experiment(chk: _Checker, kp, exp, index, calendar, catalogue, kinds, models,
                      model_names, default_mc) -> dict | None:
    from varpy.management.store import validate_name

    exp = chk.mapping(kp, exp, _EXPERIMENT_KEYS, required=("type", "t_min", "t_max"))
    if not exp:
        return None
    etype = chk.string(kp + ("type",), exp["type"], choices=tuple(EXPERIMENT_TYPES),
                       what="experiment type") if "type" in exp else None
    kind = EXPERIMENT_TYPES.get(etype)
    name = exp.get("name", f"{kind or 'experiment'}{index + 1}")
    try:
        if not isinstance(name, (str, int)) or isinstance(name, bool):
            raise InvalidIDError(f"experiment name must be a plain name, not {_type_name(name)}")
        name = validate_name(str(name), "experiment name")
    except InvalidIDError as exc:
        chk.fail(kp + ("name",), str(exc), "letters, digits, '.', '_' or '-'")
        name = f"experiment{index + 1}"
    if "models" in exp:
        exp_models = _check_models(chk, kp + ("models",), exp["models"], model_names)
    else:
        exp_models = list(models)
        if not exp_models:
            chk.fail(kp + ("models",), "no models: give 'models' here or at the top level",
                     "models: [iol, ...]")
    t_min = chk.time(kp + ("t_min",), exp.get("t_min"), calendar) if "t_min" in exp else None
    t_max = chk.time(kp + ("t_max",), exp.get("t_max"), calendar) if "t_max" in exp else None
    if t_min is not MISSING and t_max is not MISSING and t_min is not None \
            and t_max is not None and not _before(t_min, t_max):
        chk.fail(kp + ("t_max",), f"t_max {t_max} is not after t_min {t_min}", "t_min < t_max")
    t_step = None
    if kind == "multiple":
        if "t_step" not in exp:
            chk.fail(kp + ("t_step",), "a multiple analysis needs t_step",
                     "t_step: days (volcanic) or seconds (laboratory)")
        else:
            t_step = chk.number(kp + ("t_step",), exp["t_step"], positive=True)
    elif "t_step" in exp:
        chk.fail(kp + ("t_step",), "t_step applies to multiple analyses only",
                 "type: multiple", at_key=True)
    tf = chk.time(kp + ("tf",), exp.get("tf"), calendar, allow_none=True)
    mc = exp.get("mc", default_mc)
    if isinstance(mc, str):
        mc = chk.string(kp + ("mc",), mc, choices=_mc_methods(), what="completeness method")
    elif mc is not None:
        mc = chk.number(kp + ("mc",), mc)
    datatype = chk.string(kp + ("datatype",), exp.get("datatype", catalogue),
                          choices=tuple(k for k in kinds if k in _CATALOGUES),
                          what="catalogue datatype")
    options = exp.get("options", {}) or {}
    if not isinstance(options, dict):
        chk.fail(kp + ("options",), "experiment options must be a mapping", "key: value")
        options = {}
    min_events = exp.get("min_events")
    if min_events is not None:
        min_events = chk.number(kp + ("min_events",), min_events, integer=True, minimum=1)
    station = exp.get("station")
    if station is not None:
        station = chk.name(kp + ("station",), station, "station name")
    from varpy.modelling.intervals import CI_METHODS, DEFAULT_CI_METHOD

    ci_method = chk.string(kp + ("ci_method",), exp.get("ci_method", DEFAULT_CI_METHOD),
                           choices=CI_METHODS, what="interval method")
    ci_options = dict(chk.mapping(kp + ("ci_options",), exp.get("ci_options") or {},
                                  _CI_OPTION_KEYS))
    for key in list(ci_options):
        ci_options[key] = chk.number(kp + ("ci_options", key), ci_options[key], integer=True,
                                     minimum=0 if key == "seed" else 1)
    return {"name": name, "type": kind, "variant": etype, "datatype": datatype,
            "station": station, "models": exp_models,
            "t_min": None if t_min is MISSING else t_min,
            "t_max": None if t_max is MISSING else t_max, "t_step": t_step,
            "tf": None if tf is MISSING else tf, "mc": mc,
            "legacy": bool(chk.boolean(kp + ("legacy",), exp.get("legacy", False))),
            "min_events": min_events, "options": options,
            "ci_method": ci_method or DEFAULT_CI_METHOD, "ci_options": ci_options}


def _before(a, b) -> bool:
    if isinstance(a, str):
        import pandas as pd

        return pd.Timestamp(a) < pd.Timestamp(b)
    return a < b


def _check_figures(chk: _Checker, value) -> list[dict]:
    try:
        figures = known_figures()
    except ImportError as exc:  # the plotting layer failed to import: say so, do not guess
        figures = {}
        if value:
            chk.fail(("figures",), f"figures are unavailable: {exc}", "no figures section")
            return []
    out = []
    names = tuple(sorted(figures))
    for j, fig in enumerate(chk.sequence(("figures",), value or [])):
        kp = ("figures", j)
        if isinstance(fig, dict):
            f = chk.mapping(kp, fig, ("name", "options", "file"), required=("name",))
            name = f.get("name")
            options = f.get("options", {}) or {}
            if not isinstance(options, dict):
                chk.fail(kp + ("options",), "figure options must be a mapping", "key: value")
                options = {}
            file = f.get("file")
            kp_name = kp + ("name",)
        else:
            name, options, file, kp_name = fig, {}, None, kp
        got = chk.string(kp_name, name, choices=names, what="figure") if name is not None \
            else None
        if file is not None:
            from varpy.management.store import validate_name

            try:
                file = validate_name(str(file), "figure file name")
            except InvalidIDError as exc:
                chk.fail(kp + ("file",), str(exc), "a plain file name without folders")
                file = None
        if got:
            out.append({"name": got, "options": options, "file": file})
    return out


def _check_executor(chk: _Checker, value) -> dict:
    kp = ("executor",)
    if isinstance(value, str):
        value = {"type": value}
    e = chk.mapping(kp, value, ("type", "n_workers", "threads_per_worker", "address"))
    etype = chk.string(kp + ("type",), e.get("type", "serial"), choices=_EXECUTORS,
                       what="executor type") or "serial"
    out = {"type": etype, "n_workers": None, "threads_per_worker": None, "address": None}
    if etype == "local":
        out["n_workers"] = chk.number(kp + ("n_workers",), e.get("n_workers", 2), integer=True,
                                      minimum=1)
        out["threads_per_worker"] = chk.number(kp + ("threads_per_worker",),
                                               e.get("threads_per_worker", 1), integer=True,
                                               minimum=1)
    if etype == "dask":
        if "address" not in e:
            chk.fail(kp + ("address",), "a dask executor needs the scheduler address",
                     "address: tcp://host:8786")
        else:
            out["address"] = chk.string(kp + ("address",), e["address"], what="address",
                                        lower=False)
    for key in ("n_workers", "threads_per_worker"):
        if key in e and etype != "local":
            chk.fail(kp + (key,), f"{key} applies to type: local only", "type: local",
                     at_key=True)
    if "address" in e and etype != "dask":
        chk.fail(kp + ("address",), "address applies to type: dask only", "type: dask",
                 at_key=True)
    return out
