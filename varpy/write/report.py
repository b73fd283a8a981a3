"""The report a duty scientist opens first (HTML and Markdown), regenerated from what is stored.

The report is rebuilt from the project folder (``varpy.open(path)``), never from objects in
memory, so it shows exactly what a colleague or a gateway would find. Its order is the order
of the questions asked in an unrest meeting:

1. **Latest forecast**: the most recent failure/eruption-time forecast in calendar time (UTC)
   for volcanic data or experiment time for a laboratory, its interval and how the interval
   was obtained, the probability of failure within a few horizons, the flags that apply in
   plain words, and the forecast-evolution figures.
2. **Completeness and b-value**, with the frequency-magnitude figure.
3. **Model comparison**: one compact table per analysis window (AIC, BIC, likelihood-ratio
   test against the simplest model; the best model marked; parameters with units and
   standard errors) with the model-fit figures.
4. **Retrospective forecasts**: the scores of every stored forecast series
   (:meth:`varpy.modelling.scoring.ForecastScores.headline`, read from ``Output/*.json``) and
   every step in a collapsed table.
5. **Data** and **Files and provenance**, collapsed: datatypes, metadata, selections, written
   outputs (linked CSV/JSON), figures, versions.

``Output/report.html`` is one self-contained file (figures embedded as PNG data, inline CSS, no
scripts, no external requests), readable on a phone and printable; ``Output/report.md``
mirrors the same order (figures linked). Being a view of the stored state, the report is
replaced on each regeneration unless ``overwrite=False``.

The document model and formatting live in :mod:`varpy.write.report_model`, the sections in
:mod:`varpy.write.report_sections`, the HTML and Markdown in :mod:`varpy.write.report_render`.
May import: the facade, :mod:`varpy.management.store` and those three modules.
"""
from __future__ import annotations

import logging
from pathlib import Path

from varpy._version import __version__
from varpy.exceptions import ProjectExistsError, StoreError
from varpy.management.core import Project
from varpy.management.core import open as open_project
from varpy.management.store import atomic_write_text
from varpy.write.report_model import HORIZONS, SECTIONS, _num, _span, _when, fmt  # noqa: F401
from varpy.write.report_render import _render_html, _render_md
from varpy.write.report_sections import _build

__all__ = ["project_report", "report_text", "fmt", "SECTIONS", "HORIZONS"]

log = logging.getLogger(__name__)

_FORMATS = {"html": "report.html", "md": "report.md", "markdown": "report.md"}


def _stored(project) -> Project:
    if isinstance(project, Project):
        if project.path is None:
            raise StoreError(f"project {project.id!r} is in memory only; save_as() it first")
        path = project.path
    else:
        path = Path(project)
    return open_project(path)


def report_text(project, format: str = "html", *, embed_figures: bool = True) -> str:
    """The report of the stored project as a string (``'html'`` or ``'md'``)."""
    if format not in _FORMATS:
        raise ValueError(f"format must be 'html' or 'md', not {format!r}")
    stored = _stored(project)
    title, sections = _build(stored, embed_figures)
    return _render_html(title, sections) if format == "html" else _render_md(title, sections)


def project_report(project, *, formats=("html", "md"), embed_figures: bool = True,
                   overwrite: bool = True) -> list[Path]:
    """Regenerate ``Output/report.html`` (and/or ``report.md``) from the stored project.

    Parameters
    ----------
    project : Volcanic, Laboratory, or project folder path
        Only what is saved in its folder is reported (``varpy.open(path)``).
    formats : sequence of {'html', 'md'}
    embed_figures : bool
        Embed the PNG figures in the HTML (default: one self-contained file); False links
        ``../Figures/NAME.png`` instead. The Markdown report always links them.
    overwrite : bool
        Replace an existing report (default: the report is a view of the stored state).

    Returns
    -------
    list of pathlib.Path

    Examples
    --------
    >>> import tempfile, varpy
    >>> from varpy.write import project_report
    >>> v = varpy.Volcanic("Etna", root=tempfile.mkdtemp())
    >>> [p.name for p in project_report(v)]
    ['report.html', 'report.md']
    """
    fmts = (formats,) if isinstance(formats, str) else tuple(formats)
    bad = [f for f in fmts if f not in _FORMATS]
    if bad:
        raise ValueError(f"unknown report format(s) {bad}; use 'html' and/or 'md'")
    stored = _stored(project)
    store = stored.store
    paths = []
    with store.lock():
        title, sections = _build(stored, embed_figures)
        for f in dict.fromkeys(fmts):
            path = store.safe_child("Output", _FORMATS[f])
            if path.exists() and not overwrite:
                raise ProjectExistsError(f"{path} exists; pass overwrite=True to regenerate it")
            text = _render_html(title, sections) if f == "html" else _render_md(title, sections)
            atomic_write_text(path, text, overwrite=True)
            paths.append(path)
        store.record("outputs", {"name": "report", "kind": "report",
                                 "files": [str(p.relative_to(store.path)) for p in paths],
                                 "varpy_version": __version__})
    log.info("wrote the report of project %r: %s", stored.id, ", ".join(p.name for p in paths))
    return paths
