"""Writing results: CSV/JSON outputs with units and provenance, project reports, and readers
that collect results across many projects.

=================================  ==============================================================
:func:`write_result`               one result -> ``Output/NAME.csv`` + ``Output/NAME.json``
:func:`write_model_outputs`        every stored model (all outputs) of a project
:func:`write_analyses`             every stored Mc / b-value analysis of a project
:func:`read_output`                read one written output back (table, units, provenance)
:func:`project_report`             ``Output/report.html`` / ``report.md`` from the stored state
:func:`collect_outputs`            outputs of every project in a folder, as one DataFrame
:func:`collect_forecasts`          every failure/eruption-time forecast in a folder
:func:`collect_models`             every stored model output in a folder (no writing needed)
:func:`collect_figures`            every saved figure in a folder
=================================  ==============================================================
"""
from varpy.write.collect import (collect_figures, collect_forecasts, collect_models,
                                 collect_outputs, find_projects, list_outputs)
from varpy.write.report import project_report, report_text
from varpy.write.results import (OutputRecord, flatten_table, read_output, write_analyses,
                                 write_model_outputs, write_result)

__all__ = ["write_result", "write_model_outputs", "write_analyses", "read_output",
           "OutputRecord", "flatten_table", "project_report", "report_text", "collect_outputs",
           "collect_forecasts", "collect_models", "collect_figures", "find_projects",
           "list_outputs"]
