"""The ``varpy`` command: projects, analyses, figures and whole YAML workflows from a shell.

Subcommands
-----------

==============  =================================================================================
``create``      create a project: ``varpy create Etna --type volcanic --root projects``
``add``         import a data file: ``varpy add projects/Etna ecvd cat.txt --metadata meta.txt``
``inspect``     what varpy reads in a data file, without importing it: ``varpy inspect cat.txt``
``summary``     what a project holds
``mc``          completeness magnitude(s) and b-value of a catalogue
``change``      significance of change: rate (z-value, beta in moving windows) or b (Mirwald)
``fit``         fit one rate model on ``[start, end)`` (a single analysis)
``experiment``  a single or multiple analysis of one or more models (optionally on Dask)
``plot``        save a figure into the project's ``Figures/``
``report``      (re)write the project's ``Output/report.html``
``run``         run whole workflows from YAML specs (:mod:`varpy.spec`)
``list``        names the other commands accept (models, importers, methods, figures, ...)
==============  =================================================================================

Every subcommand accepts ``--json``: the answer is then one JSON object on stdout
(``{"ok": true, "command": ..., ...}``, or ``{"ok": false, "error": {...}, "exit_code": n}``),
strict JSON without NaN, for gateways and scripts. Messages, warnings and progress bars go to
stderr. ``--debug`` shows the full traceback of an error and debug logging.

Exit codes
----------
====  ==========================================================================================
0     success
1     usage or validation error: bad arguments, invalid spec (the message names the spec file,
      line and key), unknown model/method/importer/figure, path outside the allowed folders
2     data or project error: unreadable or invalid data or metadata file, no project at the
      path, project already exists, missing datatype
3     a fit did not give a trustworthy answer: it failed (too few events, ...) or it is flagged
      (its warnings are in the output). ``fit`` and single analyses return 3 by themselves;
      multiple analyses and ``run`` only with ``--strict`` (flagged steps are normal there and
      are counted in the output)
4     execution environment error: Dask missing or the scheduler unreachable, file system
      permissions
70    internal error (a bug: please report it with the output of ``--debug``)
130   interrupted (Ctrl-C)
====  ==========================================================================================

Examples
--------
>>> from varpy.cli import main
>>> main(["list", "models"])   # doctest: +ELLIPSIS
constant
...
0

Modules
-------
==========================  =====================================================================
:mod:`varpy.cli.output`     exit codes, text or JSON answers, error records, logging
:mod:`varpy.cli.arguments`  reading command-line values; opening a project and its datatypes
:mod:`varpy.cli.projects`   ``create``, ``add``, ``inspect``, ``summary``, ``report``
:mod:`varpy.cli.analyses`   ``mc``, ``fit``, ``experiment``, ``plot``
:mod:`varpy.cli.specs`      ``run``
:mod:`varpy.cli.listing`    ``list``
:mod:`varpy.cli.parser`     :func:`build_parser`
==========================  =====================================================================

Each module imports only modules above it in this table; this package's ``__init__`` holds
:func:`main` and re-exports the names of the modules.
"""
from __future__ import annotations

import argparse
import sys
import traceback
import warnings

from varpy.cli.output import (EXIT_DATA, EXIT_ENVIRONMENT, EXIT_FIT, EXIT_INTERNAL,
                              EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError, _error_record,
                              _error_text, _exit_code, _Flagged, _Out, _setup_logging)
from varpy.cli.parser import build_parser

# The names of the modules, importable from here as they were from the single module
# varpy/cli.py (the tests patch some of them).
from varpy.cli.analyses import (cmd_decluster, cmd_experiment, cmd_fit, cmd_mc,  # noqa: F401
                                 cmd_plot)
from varpy.cli.arguments import (_catalogue_kind, _datatype, _executor_arg,  # noqa: F401
                                 _key_values, _mc_arg, _open, _option_value, _progress,
                                 _selection, _time_arg)
from varpy.cli.listing import _LISTS, _listing, cmd_list  # noqa: F401
from varpy.cli.output import _clean  # noqa: F401
from varpy.cli.parser import _common, _Parser  # noqa: F401
from varpy.cli.projects import (_datatype_record, cmd_add, cmd_create, cmd_inspect,  # noqa: F401
                                cmd_report, cmd_summary)
from varpy.cli.specs import cmd_run  # noqa: F401

__all__ = ["main", "build_parser", "EXIT_OK", "EXIT_USAGE", "EXIT_DATA", "EXIT_FIT",
           "EXIT_ENVIRONMENT", "EXIT_INTERNAL", "EXIT_INTERRUPTED"]


def main(argv: list[str] | None = None) -> int:
    """Run the ``varpy`` command with ``argv`` (default ``sys.argv[1:]``); returns the exit code.

    Nothing calls :func:`sys.exit`, so tests and other programs can call it in-process.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    wants_json = "--json" in argv
    debug = "--debug" in argv
    out_probe = argparse.Namespace(json=wants_json, quiet="-q" in argv or "--quiet" in argv)
    try:
        args = parser.parse_args(argv)
    except UsageError as exc:
        out = _Out(out_probe)
        if not wants_json:
            parser.print_usage(sys.stderr)
        print(f"varpy: error: {exc}", file=sys.stderr)
        out.document({"ok": False, "error": _error_record(exc), "exit_code": EXIT_USAGE})
        return EXIT_USAGE
    except SystemExit as exc:  # --help, --version
        return int(exc.code or 0)
    out = _Out(args)
    _setup_logging(args)
    caught: list[str] = []
    code = EXIT_OK
    doc: dict = {}
    try:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            try:
                doc = args.func(args, out) or {}
            finally:
                for w in record:
                    text = f"{w.category.__name__}: {w.message}"
                    if text not in caught:
                        caught.append(text)
    except _Flagged as flagged:
        doc = flagged.args[0]
        code = EXIT_FIT
    except KeyboardInterrupt:
        print("varpy: interrupted", file=sys.stderr)
        out.document({"ok": False, "error": {"type": "KeyboardInterrupt",
                                             "message": "interrupted"},
                      "exit_code": EXIT_INTERRUPTED})
        return EXIT_INTERRUPTED
    except Exception as exc:  # noqa: BLE001 - every error becomes an exit code and a message
        code = _exit_code(exc)
        if debug or code == EXIT_INTERNAL:
            traceback.print_exception(exc, file=sys.stderr)
        if code == EXIT_INTERNAL:
            print("varpy: internal error (a bug); please report it with the traceback above",
                  file=sys.stderr)
        else:
            print(_error_text(exc), file=sys.stderr)
        out.document({"ok": False, "command": args.command, "error": _error_record(exc),
                      "exit_code": code, "warnings": caught})
        return code
    if caught and not getattr(args, "json", False):
        shown = caught[:5]
        for text in shown:
            out.note(f"varpy: warning: {text}")
        if len(caught) > len(shown):
            out.note(f"varpy: ... and {len(caught) - len(shown)} more distinct warnings")
    if code == EXIT_FIT:
        out.note("varpy: a fit failed or is flagged (exit code 3); see the warnings above")
    out.document(dict({"ok": code == EXIT_OK, "command": args.command, "exit_code": code,
                       "warnings": caught}, **doc))
    return code

