"""Reading command-line values: ``KEY=VALUE`` options, ``--select``, times, Mc, executors.

Also the small shared steps of the commands: open the project at a path, get one of its
datatypes, the default catalogue of a project, and whether to show progress bars.

May import: :mod:`varpy.cli.output`, :mod:`varpy.exceptions`, and lazily
:mod:`varpy.management.core` and PyYAML.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from varpy.cli.output import UsageError
from varpy.exceptions import StoreError


def _option_value(text: str):
    """A command-line value read as YAML (numbers, booleans, lists, null), else the string."""
    import yaml

    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    return text if isinstance(value, (dict,)) or value is None and text.strip() not in (
        "null", "~", "") else value


def _key_values(items, what: str) -> dict:
    out = {}
    for item in items or ():
        if "=" not in item:
            raise UsageError(f"{what} {item!r} is not KEY=VALUE")
        key, value = item.split("=", 1)
        key = key.strip()
        if not key:
            raise UsageError(f"{what} {item!r} has no key")
        out[key] = _option_value(value)
    return out


def _selection(items) -> dict | None:
    """``--select KEY=MIN,MAX`` (empty side: open) into windows.select() criteria."""
    out: dict[str, Any] = {}
    for item in items or ():
        if "=" not in item:
            raise UsageError(f"--select {item!r} is not KEY=MIN,MAX (e.g. lat=37.5,38)")
        key, value = (s.strip() for s in item.split("=", 1))
        if key == "stations":
            out[key] = [s for s in value.split(",") if s]
            continue
        if key == "creep":
            out[key] = value.lower() in ("1", "true", "yes", "")
            continue
        parts = value.split(",")
        if len(parts) != 2:
            raise UsageError(f"--select {item!r}: give MIN,MAX (leave a side empty for none)")
        bounds = []
        for p in parts:
            p = p.strip()
            if not p:
                bounds.append(None)
            elif key == "time":
                bounds.append(p)
            else:
                try:
                    bounds.append(float(p))
                except ValueError:
                    raise UsageError(f"--select {item!r}: {p!r} is not a number") from None
        if key in ("time", "lat", "lon", "depth", "magnitude"):
            out[key] = tuple(bounds)
        else:
            out.setdefault("columns", {})[key] = tuple(bounds)
    return out or None


def _time_arg(value: str | None):
    """A time or duration from the command line: seconds if numeric (laboratory), else the
    string as given (a date, or a duration such as ``30D`` for calendar data)."""
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        return value


def _mc_arg(value: str | None):
    if value is None or value.lower() in ("none", "null"):
        return None
    try:
        return float(value)
    except ValueError:
        return value.lower()


def _executor_arg(value: str | None) -> dict | None:
    """``serial``, ``local`` / ``local:N`` or a scheduler address ``tcp://host:port``."""
    if value is None:
        return None
    v = value.strip()
    if v == "serial":
        return {"type": "serial"}
    if v == "local" or v.startswith("local:"):
        n = v.split(":", 1)[1] if ":" in v else "2"
        if not n.isdigit() or int(n) < 1:
            raise UsageError(f"--executor {value!r}: local:N needs a positive worker count")
        return {"type": "local", "n_workers": int(n), "threads_per_worker": 1}
    if "://" in v:
        return {"type": "dask", "address": v}
    raise UsageError(f"--executor {value!r}: give serial, local, local:N or a scheduler "
                     "address such as tcp://host:8786")


def _open(path: str):
    from varpy.management.core import open as open_project

    return open_project(Path(path))


def _datatype(project, kind: str, station: str | None = None):
    try:
        return project.get(kind, station)
    except KeyError as exc:
        raise StoreError(str(exc.args[0] if exc.args else exc)) from None


def _progress(args) -> bool:
    if getattr(args, "no_progress", False) or getattr(args, "json", False) or \
            getattr(args, "quiet", False):
        return False
    return sys.stderr.isatty()


def _catalogue_kind(project, kind: str | None) -> str:
    if kind:
        return kind
    return "ecld" if project.project_type == "laboratory" else "ecvd"
