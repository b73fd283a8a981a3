"""The report's document model and number formatting: sections of blocks, and how values read.

:class:`_Section` is one section of the report (title, id, blocks: paragraphs, tables,
figures, collapsed details); :func:`fmt` and its helpers format numbers, times and spans the
way the report prints them. :mod:`varpy.write.report_sections` fills sections from a project's
stored state and :mod:`varpy.write.report_render` renders them as HTML or Markdown.

May import: nothing from varpy beyond :mod:`varpy._json`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from varpy._json import json_float

__all__ = ["fmt", "SECTIONS", "HORIZONS"]

#: Section ids of the report, in order (``<section id=...>`` in the HTML).
SECTIONS = ("headline", "completeness", "models", "scores", "data", "files")

#: Horizons of ``P(failure before t_forc + h)`` in the headline: days (volcanic), seconds (lab).
HORIZONS = {True: (1.0, 7.0, 30.0), False: (60.0, 600.0, 3600.0)}


def fmt(value: Any) -> str:
    """How the report prints a value: floats with 6 significant digits, times as ISO UTC."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return f"{value:.6g}"
    if isinstance(value, pd.Timestamp):
        return "" if value is pd.NaT else value.strftime("%Y-%m-%d %H:%M:%S UTC")
    if value is pd.NaT:
        return ""
    if isinstance(value, (list, tuple)):
        return "; ".join(fmt(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}={fmt(v)}" for k, v in value.items())
    return str(value)


def _num(value, digits: int = 4) -> str:
    """A number for reading: ``digits`` significant digits, n/a for missing."""
    if isinstance(value, str):
        value = json_float(value)                # "inf"/"-inf" as stored in JSON
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, float) and math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if isinstance(value, int):
        return str(value)
    return f"{float(value):.{digits}g}"


def _when(value, calendar: bool) -> str:
    """A time in the data's own terms: UTC minutes (volcanic) or seconds and minutes (lab)."""
    if calendar:
        if value is None or value is pd.NaT:
            return "beyond the calendar"
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if value is None or not math.isfinite(float(value)):
        return "never (unbounded)" if value is not None and float(value) > 0 else "n/a"
    return f"{float(value):.1f} s ({float(value) / 60.0:.1f} min since the start)"


def _span(days_or_s: float, calendar: bool) -> str:
    if not math.isfinite(days_or_s):
        return "unbounded"
    if calendar:
        return f"{days_or_s:.3g} days" if days_or_s >= 1 else f"{24 * days_or_s:.3g} hours"
    return f"{days_or_s:.4g} s" if days_or_s < 120 else f"{days_or_s / 60.0:.3g} min"


# ---------------------------------------------------------------------------------------------
# document model
# ---------------------------------------------------------------------------------------------

@dataclass
class _Section:
    title: str
    level: int = 2
    blocks: list = field(default_factory=list)
    id: str | None = None

    def text(self, s: str):
        self.blocks.append(("p", s))

    def items(self, lines: list):
        self.blocks.append(("ul", list(lines)))

    def table(self, headers: list, rows: list, *, id: str | None = None, mark=None):
        """``mark``: indices of rows to highlight (the best model)."""
        self.blocks.append(("table", headers, rows, id, set(mark or ())))

    def pre(self, s: str):
        self.blocks.append(("pre", s))

    def figures(self, items: list):
        if items:
            self.blocks.append(("figures", items))

    def details(self, summary: str, section: "_Section"):
        """A collapsed block holding ``section``'s blocks."""
        self.blocks.append(("details", summary, section))
