"""What a run did: :class:`~varpy.spec.RunResult` (numbers, statuses and every file written).

May import: lazily :mod:`varpy.management.models` (``to_builtin`` for JSON). Nothing else of
varpy.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field


@dataclass
class RunResult:
    """What :func:`run_spec` did: the project, the numbers and every file written.

    Attributes
    ----------
    spec : str or None
        The spec file.
    project : str
        Folder of the project (``root/ID``); reopen it with :func:`varpy.open`.
    project_type, project_id : str
    datatypes : dict
        Storage key -> number of rows after import.
    completeness : dict or None
        ``{"datatype", "n", "mc": {method: value}, "b": {...}}`` of the selected catalogue.
    decluster : dict or None
        ``{"method", "parameters", "n_events", "n_clusters", "background_fraction", "keep"}``.
    experiments : list of dict
        One record per experiment and model: ``name``, ``type``, ``model``, ``status``
        (``ok``, ``flagged`` or ``failed``) and the main numbers (single: parameters, ``loglik``,
        ``aic``, ``failure_time``; multiple: ``experiment_id``, ``steps``, ``fitted``,
        ``flagged_steps``, last forecast, scores).
    figures, outputs : list of str
        Files written under ``Figures/`` and ``Output/`` (paths relative to the project).
    report : str or None
        The HTML report (relative to the project).
    warnings : list of str
        Distinct warning messages raised while running.
    seconds : float
        Wall-clock duration.
    """

    spec: str | None
    project: str
    project_type: str
    project_id: str
    datatypes: dict = field(default_factory=dict)
    completeness: dict | None = None
    experiments: list = field(default_factory=list)
    decluster: dict | None = None
    figures: list = field(default_factory=list)
    outputs: list = field(default_factory=list)
    report: str | None = None
    warnings: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def flagged(self) -> bool:
        """True when a single-analysis fit is flagged or failed."""
        return any(e["status"] != "ok" for e in self.experiments if e["type"] == "single")

    @property
    def flagged_steps(self) -> int:
        """Flagged steps over all multiple analyses."""
        return sum(int(e.get("flagged_steps") or 0) for e in self.experiments
                   if e["type"] == "multiple")

    def summary(self) -> str:
        lines = [f"{self.project_type} project {self.project_id!r} at {self.project} "
                 f"({self.seconds:.1f} s)"]
        lines.append("  data: " + ", ".join(f"{k} [{n}]" for k, n in self.datatypes.items()))
        if self.decluster:
            dc = self.decluster
            lines.append(f"  declustering ({dc['method']}): {dc['n_clusters']} clusters in "
                         f"{dc['n_events']} events"
                         + (f"; kept the {dc['keep']} events" if dc.get("keep") else ""))
        if self.completeness:
            c = self.completeness
            mcs = ", ".join(f"{m} {_fmt_num(v)}" for m, v in c["mc"].items())
            b = c.get("b") or {}
            lines.append(f"  completeness of {c['datatype']} ({c['n']} events): Mc {mcs}"
                         + (f"; b = {_fmt_num(b.get('b'))} +- {_fmt_num(b.get('sigma'))} "
                            f"({b.get('method')}, {b.get('n')} events)" if b else ""))
        for e in self.experiments:
            head = f"  {e['name']} [{e['type']}] {e['model']}: {e['status']}"
            if e["status"] == "failed":
                lines.append(f"{head} ({e.get('error')})")
            elif e["type"] == "single":
                text = f"{head}; {e['n_events']} events, ll {e['loglik']:.4f}, AIC {e['aic']:.3f}"
                if e.get("failure_time") is not None:
                    text += f", failure time {_fmt_time(e['failure_time'])}"
                lines.append(text)
            else:
                sc = e.get("scores")
                last = (f"; last forecast {_fmt_time(e['last_failure_time'])}"
                        if e.get("last_failure_time") is not None else "")
                if sc and "steps" in sc:
                    # ForecastScores.headline(), as in Output/*-scores.json and the report
                    from varpy.modelling.scoring import headline_text

                    text = f"{head}{last}; {headline_text(sc)}"
                else:
                    text = (f"{head}; {e['fitted']} of {e['steps']} steps fitted, "
                            f"{e['flagged_steps']} flagged{last}")
                lines.append(text)
        if self.figures:
            lines.append(f"  figures: {len(self.figures)} in {self.project}/Figures")
        if self.outputs:
            lines.append(f"  outputs: {len(self.outputs)} in {self.project}/Output")
        if self.report:
            lines.append(f"  report: {self.project}/{self.report}")
        if self.warnings:
            lines.append(f"  warnings: {len(self.warnings)} distinct (first: {self.warnings[0]})")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        from varpy.management.models import to_builtin

        return {"spec": self.spec, "project": self.project, "project_type": self.project_type,
                "project_id": self.project_id, "datatypes": dict(self.datatypes),
                "completeness": to_builtin(self.completeness),
                "decluster": to_builtin(self.decluster),
                "experiments": to_builtin(self.experiments), "figures": list(self.figures),
                "outputs": list(self.outputs), "report": self.report,
                "warnings": list(self.warnings), "seconds": float(self.seconds),
                "flagged": self.flagged, "flagged_steps": self.flagged_steps}

    @classmethod
    def from_dict(cls, d: dict) -> "RunResult":
        names = {f for f in cls.__dataclass_fields__}
        return cls(**copy.deepcopy({k: v for k, v in d.items() if k in names}))


def _fmt_time(v) -> str:
    """An ISO time as 'yyyy-mm-dd hh:mm' (UTC), lab seconds as '10596 s'."""
    if isinstance(v, (int, float)):
        return f"{v:.6g} s"
    text = str(v)
    return text[:16].replace("T", " ") if len(text) >= 16 and text[4] == "-" else text


def _fmt_num(v) -> str:
    if v is None:
        return "n/a"
    try:
        return f"{float(v):.4g}"
    except (TypeError, ValueError):
        return str(v)
