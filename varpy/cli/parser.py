"""The argument parser of the ``varpy`` command: every subcommand with its options.

May import: :mod:`varpy.cli.output` and the command modules (:mod:`varpy.cli.projects`,
:mod:`varpy.cli.analyses`, :mod:`varpy.cli.specs`, :mod:`varpy.cli.listing`),
:mod:`varpy._version`.
"""
from __future__ import annotations

import argparse
from typing import Callable

from varpy._version import __version__
from varpy.cli.analyses import (cmd_change, cmd_decluster, cmd_experiment, cmd_fit,
                                cmd_mc, cmd_plot)
from varpy.cli.listing import _LISTS, cmd_list
from varpy.cli.output import UsageError
from varpy.modelling.intervals import CI_METHODS, DEFAULT_CI_METHOD
from varpy.cli.projects import cmd_add, cmd_create, cmd_inspect, cmd_report, cmd_summary
from varpy.cli.specs import cmd_run


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser that raises UsageError instead of exiting (so main() returns 1)."""

    def error(self, message):
        raise UsageError(message)


def _common(suppress: bool) -> argparse.ArgumentParser:
    default = argparse.SUPPRESS if suppress else None
    p = argparse.ArgumentParser(add_help=False)
    g = p.add_argument_group("output")
    g.add_argument("--json", action="store_true", default=default if suppress else False,
                   help="print one JSON document on stdout (machine-readable)")
    g.add_argument("--debug", action="store_true", default=default if suppress else False,
                   help="debug logging and full tracebacks")
    g.add_argument("-q", "--quiet", action="store_true", default=default if suppress else False,
                   help="no messages or warnings on stderr")
    g.add_argument("-v", "--verbose", action="store_true",
                   default=default if suppress else False, help="informational logging")
    g.add_argument("--no-progress", action="store_true",
                   default=default if suppress else False, help="no progress bars")
    return p


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``varpy`` command."""
    common = _common(suppress=True)
    parser = _Parser(prog="varpy", parents=[_common(suppress=False)],
                     description="Volcanic and laboratory failure forecasting (varpy "
                                 f"{__version__}). Exit codes: 0 ok, 1 usage/validation, "
                                 "2 data/project, 3 fit failed or flagged, 4 environment, "
                                 "70 internal error.")
    parser.add_argument("--version", action="version", version=f"varpy {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    def add(name, func: Callable, help: str):
        p = sub.add_parser(name, parents=[common], help=help, description=help)
        p.set_defaults(func=func)
        return p

    p = add("create", cmd_create, "create a project folder ROOT/ID")
    p.add_argument("id", help="project ID (letters, digits, '.', '_', '-')")
    p.add_argument("--type", required=True, choices=("volcanic", "laboratory"))
    p.add_argument("--root", default=".", help="folder holding projects (default: .)")
    p.add_argument("--exist-ok", action="store_true", help="accept an existing project")

    p = add("add", cmd_add, "import a data file into a project")
    p.add_argument("project", help="project folder (ROOT/ID)")
    p.add_argument("kind", choices=("ecvd", "scvd", "evd", "ecld", "scld"))
    p.add_argument("file", help="data file")
    p.add_argument("--metadata", help="metadata file (VarPy two-line table or YAML)")
    p.add_argument("--format", help="importer (see 'varpy list importers')")
    p.add_argument("--station", help="station name (scvd)")
    p.add_argument("--overwrite", action="store_true", help="replace the datatype if present")
    p.add_argument("--option", action="append", metavar="KEY=VALUE",
                   help="importer option (repeatable)")

    p = add("inspect", cmd_inspect, "what varpy reads in a data file, without importing it")
    p.add_argument("file", help="data file")
    p.add_argument("--kind", choices=("ecvd", "scvd", "evd", "ecld", "scld"),
                   help="datatype to try (default: every datatype)")
    p.add_argument("--format", help="importer (default: every importer is tried)")
    p.add_argument("--metadata", help="metadata file (its format/location choose the importer)")
    p.add_argument("--lines", type=int, default=500, help="lines parsed (default 500)")
    p.add_argument("--option", action="append", metavar="KEY=VALUE",
                   help="importer option (repeatable), e.g. colspecs=varpy")

    p = add("summary", cmd_summary, "what a project holds")
    p.add_argument("project")

    p = add("mc", cmd_mc, "completeness magnitude and b-value of a catalogue")
    p.add_argument("project")
    p.add_argument("--kind", choices=("ecvd", "ecld"), help="catalogue (default by project)")
    p.add_argument("--method", action="append", help="maxc, gft, mbs, emr, ks (repeatable; "
                                                     "the first gives the b-value)")
    p.add_argument("--dm", type=float, default=0.1, help="magnitude bin width (0.1)")
    p.add_argument("--b-method", default="tinti_mulargia",
                   help="tinti_mulargia, utsu, aki, b_positive, b_more_positive; weichert, "
                        "kijko_smit (with --period, else one period at the first Mc)")
    p.add_argument("--legacy", action="store_true", help="VarPy 2016 Mc rules")
    p.add_argument("--select", action="append", metavar="KEY=MIN,MAX",
                   help="window first: time, lat, lon, depth, magnitude or a column")
    p.add_argument("--option", action="append", metavar="KEY=VALUE", help="Mc method option")
    p.add_argument("--no-store", action="store_true", help="do not record in the project")
    p.add_argument("--period", action="append", metavar="START,MC",
                   help="completeness period for --b-method weichert or kijko_smit "
                        "(repeatable), e.g. 2000-01-01,2.0 --period 2003-01-01,1.5")
    p.add_argument("--a-value", action="append", metavar="METHOD",
                   help="a-value at the first Mc: classic, positive, more_positive "
                        "(repeatable)")
    p.add_argument("--m-ref", type=float, help="reference magnitude of the a-values")
    p.add_argument("--scaling", type=float,
                   help="divide the a-values' counts by this (e.g. years or km2)")

    p = add("change", cmd_change, "significance of a change of rate (z, beta) or of b")
    p.add_argument("project")
    p.add_argument("--kind", choices=("ecvd", "ecld"), help="catalogue (default by project)")
    p.add_argument("--statistic", choices=("z", "beta", "b"), default="z",
                   help="z-value (Habermann), beta (Matthews & Reasenberg) or b (Mirwald)")
    p.add_argument("--window", help="window length: 30D (calendar) or seconds (lab)")
    p.add_argument("--bin", help="counting bin, as --window")
    p.add_argument("--step", help="window step, as --window (default one bin)")
    p.add_argument("--mode", choices=("lta", "as"), default="lta",
                   help="z: window against the rest (lta) or before against after (as)")
    p.add_argument("--mc", help="completeness magnitude (--statistic b)")
    p.add_argument("--n-m", type=int, default=100, help="events per sub-sample (b; 100)")
    p.add_argument("--dm", type=float, default=0.1, help="magnitude bin width (0.1)")
    p.add_argument("--select", action="append", metavar="KEY=MIN,MAX",
                   help="window first: time, lat, lon, depth, magnitude or a column")
    p.add_argument("--no-store", action="store_true", help="do not record in the project")

    p = add("decluster", cmd_decluster, "label clusters of a volcanic catalogue (no event is "
                                        "removed; the labels are recorded in the project)")
    p.add_argument("project")
    p.add_argument("--method", default="gardner_knopoff",
                   help="gardner_knopoff (gk), reasenberg, nearest_neighbour (nn)")
    p.add_argument("--select", action="append", metavar="KEY=MIN,MAX",
                   help="window first: time, lat, lon, depth, magnitude or a column")
    p.add_argument("--option", action="append", metavar="KEY=VALUE",
                   help="method parameter, e.g. windows=uhrhammer, tau_max=20 (repeatable)")
    p.add_argument("--labels", action="store_true",
                   help="include the per-event labels in the JSON output")
    p.add_argument("--no-store", action="store_true", help="do not record in the project")

    def analysis_options(p, single_model: bool):
        p.add_argument("--kind", choices=("ecvd", "ecld"))
        p.add_argument("--station")
        p.add_argument("--tf", help="known failure time (retrospective)")
        p.add_argument("--mc", help="completeness: a magnitude or a method (maxc, gft, ...)")
        p.add_argument("--legacy", action="store_true", help="reproduce VarPy 2016")
        p.add_argument("--select", action="append", metavar="KEY=MIN,MAX", help="filter")
        p.add_argument("--ci-method", choices=CI_METHODS, default=DEFAULT_CI_METHOD,
                       help="interval of tf: auto (default: clustered for inverse Omori "
                       "forecasts, else profile), profile (Poisson, assumes independent "
                       "events), clustered (ETAS profile) or bootstrap")
        p.add_argument("--ci-seed", type=int, help="seed of the bootstrap interval")
        p.add_argument("--n-boot", type=int, help="bootstrap replicates (default 200)")
        p.add_argument("--option", action="append", metavar="KEY=VALUE",
                       help="fit option (ci_level, n_starts, ...)")
        p.add_argument("--no-store", action="store_true", help="do not record in the project")

    p = add("fit", cmd_fit, "fit one rate model on [start, end) (single analysis)")
    p.add_argument("project")
    p.add_argument("model", help="see 'varpy list models'")
    p.add_argument("--start", required=True, help="window start (date, or lab seconds)")
    p.add_argument("--end", required=True, help="window end")
    p.add_argument("--name", help="key of the output in the datatype's models")
    analysis_options(p, True)

    p = add("experiment", cmd_experiment, "single or multiple analysis of one or more models")
    p.add_argument("project")
    p.add_argument("models", nargs="+", metavar="MODEL")
    p.add_argument("--type", required=True, choices=sorted(
        ("single", "multiple", "single_forecast", "retrospective_analysis",
         "retrospective_forecast", "single_analysis", "multiple_analysis")))
    p.add_argument("--t-min", required=True)
    p.add_argument("--t-max", required=True)
    p.add_argument("--t-step", type=float, help="step (days or lab seconds; multiple)")
    p.add_argument("--min-events", type=int)
    p.add_argument("--horizon", help="probability of failure within this lead (multiple)")
    p.add_argument("--executor", help="serial, local, local:N or tcp://scheduler:8786")
    p.add_argument("--name", help="label of the experiment's output files")
    p.add_argument("--write", action="store_true", help="write the step tables to Output/")
    p.add_argument("--strict", action="store_true", help="exit 3 if any step is flagged")
    analysis_options(p, False)

    p = add("plot", cmd_plot, "save a figure into the project's Figures/")
    p.add_argument("project")
    p.add_argument("figure", help="see 'varpy list figures'")
    p.add_argument("--kind", choices=("ecvd", "ecld"))
    p.add_argument("--station")
    p.add_argument("--model", action="append", help="model output to draw (repeatable)")
    p.add_argument("--name", help="file stem")
    p.add_argument("--format", action="append", choices=("png", "pdf", "svg"))
    p.add_argument("--overwrite", action="store_true")
    p.add_argument("--option", action="append", metavar="KEY=VALUE",
                   help="plotting option (repeatable)")

    p = add("report", cmd_report, "write Output/report.html (and .md) of a project")
    p.add_argument("project")
    p.add_argument("--format", action="append", choices=("html", "md"))
    p.add_argument("--embed", action="store_true", help="embed figures in the HTML")

    p = add("run", cmd_run, "run workflows from YAML specs")
    p.add_argument("specs", nargs="+", metavar="SPEC", help="spec file(s); several run as a "
                                                            "batch")
    p.add_argument("--check", action="store_true", help="validate only")
    p.add_argument("--allow", action="append", metavar="DIR",
                   help="another folder the spec may read and write in (repeatable)")
    p.add_argument("--workdir", help="folder the project root is resolved against (default: "
                                     "the current directory)")
    p.add_argument("--executor", help="override the spec: serial, local, local:N or "
                                      "tcp://scheduler:8786")
    p.add_argument("--strict", action="store_true",
                   help="exit 3 if any fit is flagged, multiple-analysis steps included")

    p = add("list", cmd_list, "names accepted by the other commands")
    p.add_argument("what", choices=_LISTS)
    return parser
