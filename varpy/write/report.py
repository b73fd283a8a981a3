"""A one-page report of a project (HTML and/or Markdown), regenerated from what is stored.

The report is rebuilt from the project folder (``varpy.open(path)``), never from objects in
memory, so it shows exactly what a colleague or a gateway would find: the datatypes (rows, time
span, value ranges, metadata, selection, source files), the analyses (Mc, b-value), every model
fit (parameters with errors, log-likelihood, AIC, failure time with its interval, warnings),
the outputs written to ``Output/`` (linked) and the saved figures (shown, linked, or embedded).

It is written to ``Output/report.html`` and ``Output/report.md``. Being a view of the stored
state, it is replaced on each regeneration unless ``overwrite=False``.
"""
from __future__ import annotations

import base64
import datetime as _dt
import html
import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from varpy._version import __version__
from varpy.exceptions import ProjectExistsError, StoreError
from varpy.management.core import Project
from varpy.management.core import open as open_project
from varpy.management.store import atomic_write_text
from varpy.write.results import _fit_row, output_t_forc

__all__ = ["project_report", "report_text", "fmt"]

log = logging.getLogger(__name__)

_FORMATS = {"html": "report.html", "md": "report.md", "markdown": "report.md"}


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


# ---------------------------------------------------------------------------------------------
# document model
# ---------------------------------------------------------------------------------------------

@dataclass
class _Section:
    title: str
    level: int = 2
    blocks: list = field(default_factory=list)

    def text(self, s: str):
        self.blocks.append(("p", s))

    def table(self, headers: list, rows: list):
        self.blocks.append(("table", headers, rows))

    def pre(self, s: str):
        self.blocks.append(("pre", s))

    def figures(self, items: list):
        self.blocks.append(("figures", items))


def _datatype_section(key: str, dt, entry: dict) -> list[_Section]:
    sec = _Section(f"{key.upper()}: {dt.description}")
    start, end = dt.time_span
    sec.table(["rows", "first", "last", "selection", "source files"],
              [[len(dt), fmt(start) if start is not None else "",
                fmt(end) if end is not None else "",
                "; ".join(_step(s) for s in dt.selection) or "none",
                "; ".join(entry.get("sources", [])) or "none"]])
    ranges = []
    for col in dt.dataset.columns:
        s = dt.dataset[col]
        if col != dt.time_column and pd.api.types.is_float_dtype(s) and s.notna().any():
            ranges.append([col, fmt(float(s.min())), fmt(float(s.max())),
                           fmt(float(s.mean())), int(s.isna().sum())])
    if ranges:
        sec.table(["column", "min", "max", "mean", "missing"], ranges)
    if dt.metadata:
        sec.table(["metadata key", "value"], [[k, fmt(v)] for k, v in dt.metadata.items()])
    out = [sec]
    if dt.outputs:
        ana = _Section(f"{key.upper()}: analyses", level=3)
        rows = []
        for label, record in dt.outputs.items():
            result = record.get("result", {}) if isinstance(record, dict) else {}
            scalars = {k: v for k, v in result.items()
                       if isinstance(v, (int, float, str, bool))}
            rows.append([label, record.get("result_type", "").rsplit(":", 1)[-1],
                         fmt({k: scalars[k] for k in list(scalars)[:12]}),
                         "; ".join(_step(s) for s in record.get("selection", [])) or "none"])
        ana.table(["analysis", "type", "values", "selection"], rows)
        out.append(ana)
    for name, model in dt.models.items():
        out.append(_model_section(key, dt, name, model))
    return out


def _step(step: dict) -> str:
    if not isinstance(step, dict):
        return str(step)
    args = ", ".join(f"{k}={fmt(v)}" for k, v in step.items() if k != "op")
    return f"{step.get('op', '?')}({args})"


def _model_section(key: str, dt, name: str, model) -> _Section:
    sec = _Section(f"{key.upper()}: model {name} ({len(model.outputs)} outputs)", level=3)
    rows = []
    for out in model.outputs:
        try:
            res = out.load_result()
        except (ImportError, AttributeError, KeyError, TypeError, ValueError, StoreError) as exc:
            rows.append([out.kind, out.created, f"result not readable: {exc}"] + [""] * 8)
            continue
        if not hasattr(res, "params"):
            rows.append([out.kind, out.created, fmt(out.result)] + [""] * 8)
            continue
        row = _fit_row(res, bool(dt.calendar))
        params = ", ".join(
            f"{p} = {fmt(v)}" + (f" ± {fmt(res.stderr.get(p))}"
                                 if math.isfinite(res.stderr.get(p, math.nan)) else "")
            + (" (fixed)" if p in res.fixed else "")
            for p, v in res.params.items())
        ft = ""
        if res.tf is not None and "tf" not in res.fixed:
            ft = fmt(row["failure_time"])
            if res.tf_ci is not None:
                ft += f" [{fmt(row['failure_time_low'])} – {fmt(row['failure_time_high'])}]"
        rows.append([out.kind, out.created, fmt(output_t_forc(out, res, bool(dt.calendar))),
                     f"{fmt(row['window_start'])} – {fmt(row['window_end'])}",
                     res.n_events, fmt(res.mc), params, fmt(res.loglik), fmt(res.aic), ft,
                     ("converged" if res.converged else "NOT converged")
                     + ("; " + "; ".join(res.warnings) if res.warnings else "")])
    sec.table(["kind", "computed", "forecast time", "window", "events", "Mc", "parameters",
               "log L", "AIC", "failure time [CI]", "status"], rows)
    return sec


def _latest(records: list) -> list[dict]:
    latest: dict[str, dict] = {}
    for rec in records or []:
        latest[rec.get("name", "")] = rec
    return list(latest.values())


def _build(project: Project, embed: bool) -> tuple[str, list[_Section]]:
    store = project.store
    manifest = store.read_manifest()
    title = f"varpy report: {project.project_type} project {project.id}"
    head = _Section("Project", level=2)
    versions = manifest.get("versions", {})
    head.table(["ID", "type", "folder", "created", "updated", "varpy", "report generated"],
               [[project.id, project.project_type, str(store.path), manifest.get("created", ""),
                 manifest.get("updated", ""), versions.get("varpy", ""),
                 _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")]])
    dts = project.datatypes()
    if dts:
        head.table(["datatype", "kind", "rows", "models", "analyses"],
                   [[k, dt.kind.upper(), len(dt), ", ".join(dt.models) or "none",
                     ", ".join(dt.outputs) or "none"] for k, dt in dts.items()])
    else:
        head.text("The project holds no datatypes yet.")
    sections = [head]
    for key, dt in dts.items():
        sections += _datatype_section(key, dt, manifest["datatypes"].get(key, {}))
    outputs = [r for r in _latest(manifest.get("outputs")) if r.get("kind") != "report"]
    out_sec = _Section("Written outputs")
    if outputs:
        out_sec.table(["name", "kind", "datatype", "model", "computed", "files"],
                      [[r.get("name"), r.get("kind"), r.get("datatype") or "",
                        r.get("model") or "", r.get("computed") or "",
                        [("link", f, _rel_from_output(f)) for f in r.get("files", [])]]
                       for r in outputs])
    else:
        out_sec.text("No outputs written yet (see varpy.write.write_result).")
    sections.append(out_sec)
    figures = _latest(manifest.get("figures"))
    fig_sec = _Section("Figures")
    if figures:
        items = []
        for rec in figures:
            files = rec.get("files", [])
            png = next((f for f in files if f.endswith(".png")), None)
            src = None
            if png is not None:
                if embed and (store.path / png).is_file():
                    data = base64.b64encode((store.path / png).read_bytes()).decode("ascii")
                    src = f"data:image/png;base64,{data}"
                else:
                    src = _rel_from_output(png)
            caption = (f"{rec.get('name')}: {rec.get('function', '')}"
                       + (f" on {rec.get('datatype')}" if rec.get("datatype") else ""))
            items.append({"src": src, "caption": caption,
                          "links": [(f, _rel_from_output(f)) for f in files]})
        fig_sec.figures(items)
    else:
        fig_sec.text("No figures saved yet (plot with save=True).")
    sections.append(fig_sec)
    return title, sections


def _rel_from_output(relpath: str) -> str:
    """A project-relative path as seen from ``Output/report.*``."""
    parts = Path(relpath).parts
    if parts and parts[0] == "Output":
        return Path(*parts[1:]).as_posix()
    return (Path("..") / relpath).as_posix()


# ---------------------------------------------------------------------------------------------
# rendering
# ---------------------------------------------------------------------------------------------

_CSS = ("body{font-family:sans-serif;max-width:1200px;margin:2em auto;color:#222}"
        "table{border-collapse:collapse;margin:0.6em 0;font-size:0.9em}"
        "th,td{border:1px solid #bbb;padding:3px 7px;text-align:left;vertical-align:top}"
        "th{background:#eee}figure{display:inline-block;margin:0.5em;max-width:560px}"
        "figure img{max-width:100%;border:1px solid #ccc}figcaption{font-size:0.85em}")


def _cell_html(value) -> str:
    if isinstance(value, list) and value and isinstance(value[0], tuple):
        return " ".join(f'<a href="{html.escape(href, quote=True)}">{html.escape(text)}</a>'
                        for _, text, href in value)
    return html.escape(fmt(value) if not isinstance(value, str) else value)


def _render_html(title: str, sections: list[_Section]) -> str:
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{html.escape(title)}</title><style>{_CSS}</style></head><body>",
           f"<h1>{html.escape(title)}</h1>"]
    for sec in sections:
        out.append(f"<h{sec.level}>{html.escape(sec.title)}</h{sec.level}>")
        for block in sec.blocks:
            if block[0] == "p":
                out.append(f"<p>{html.escape(block[1])}</p>")
            elif block[0] == "pre":
                out.append(f"<pre>{html.escape(block[1])}</pre>")
            elif block[0] == "table":
                _, headers, rows = block
                out.append("<table><tr>" + "".join(f"<th>{html.escape(str(h))}</th>"
                                                   for h in headers) + "</tr>")
                for row in rows:
                    out.append("<tr>" + "".join(f"<td>{_cell_html(c)}</td>" for c in row)
                               + "</tr>")
                out.append("</table>")
            elif block[0] == "figures":
                for item in block[1]:
                    out.append("<figure>")
                    if item["src"]:
                        out.append(f'<img src="{html.escape(item["src"], quote=True)}" '
                                   f'alt="{html.escape(item["caption"], quote=True)}">')
                    links = " ".join(f'<a href="{html.escape(h, quote=True)}">'
                                     f"{html.escape(Path(t).suffix.lstrip('.'))}</a>"
                                     for t, h in item["links"])
                    out.append(f"<figcaption>{html.escape(item['caption'])} ({links})"
                               "</figcaption></figure>")
    out.append(f"<hr><p>Generated by varpy {html.escape(__version__)}.</p></body></html>")
    return "\n".join(out) + "\n"


def _md_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def _cell_md(value) -> str:
    if isinstance(value, list) and value and isinstance(value[0], tuple):
        return " ".join(f"[{_md_escape(text)}](<{href}>)" for _, text, href in value)
    return _md_escape(fmt(value) if not isinstance(value, str) else value)


def _render_md(title: str, sections: list[_Section]) -> str:
    out = [f"# {_md_escape(title)}", ""]
    for sec in sections:
        out += ["#" * sec.level + " " + _md_escape(sec.title), ""]
        for block in sec.blocks:
            if block[0] == "p":
                out += [block[1], ""]
            elif block[0] == "pre":
                out += ["```", block[1], "```", ""]
            elif block[0] == "table":
                _, headers, rows = block
                out.append("| " + " | ".join(_md_escape(str(h)) for h in headers) + " |")
                out.append("|" + "---|" * len(headers))
                for row in rows:
                    out.append("| " + " | ".join(_cell_md(c) for c in row) + " |")
                out.append("")
            elif block[0] == "figures":
                for item in block[1]:
                    if item["src"]:
                        out.append(f"![{_md_escape(item['caption'])}](<{item['src']}>)")
                    links = " ".join(f"[{Path(t).suffix.lstrip('.')}](<{h}>)"
                                     for t, h in item["links"])
                    out += [f"*{_md_escape(item['caption'])}* ({links})", ""]
    out += [f"Generated by varpy {__version__}.", ""]
    return "\n".join(out)


def _stored(project) -> Project:
    if isinstance(project, Project):
        if project.path is None:
            raise StoreError(f"project {project.id!r} is in memory only; save_as() it first")
        path = project.path
    else:
        path = Path(project)
    return open_project(path)


def report_text(project, format: str = "html", *, embed_figures: bool = False) -> str:
    """The report of the stored project as a string (``'html'`` or ``'md'``)."""
    if format not in _FORMATS:
        raise ValueError(f"format must be 'html' or 'md', not {format!r}")
    stored = _stored(project)
    title, sections = _build(stored, embed_figures)
    return _render_html(title, sections) if format == "html" else _render_md(title, sections)


def project_report(project, *, formats=("html", "md"), embed_figures: bool = False,
                   overwrite: bool = True) -> list[Path]:
    """Regenerate ``Output/report.html`` (and/or ``report.md``) from the stored project.

    Parameters
    ----------
    project : Volcanic, Laboratory, or project folder path
        Only what is saved in its folder is reported (``varpy.open(path)``).
    formats : sequence of {'html', 'md'}
    embed_figures : bool
        Embed the PNG figures in the HTML (base64; a self-contained file) instead of linking
        ``../Figures/NAME.png``.
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

