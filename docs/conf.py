"""Sphinx configuration of the varpy documentation.

Build (from the repository root)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

The examples gallery (``docs/examples/plot_*.py``) runs during the build on ``sample_data``;
its output goes to ``docs/auto_examples`` (generated, not committed).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
sys.path.insert(0, str(HERE.parent))
os.environ.setdefault("VARPY_PROGRESS", "0")   # no progress bars in the gallery output
os.environ.setdefault("MPLBACKEND", "Agg")

import varpy  # noqa: E402

project = "varpy"
author = "the varpy developers"
copyright = "2026, the varpy developers"
version = release = varpy.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

source_suffix = {".rst": "restructuredtext"}
root_doc = "index"
# design.md is the developers' contract (read on GitHub); the gallery sources are rendered by
# sphinx-gallery into auto_examples/
exclude_patterns = ["_build", "design.md", "examples", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []

# -- autodoc / numpydoc -------------------------------------------------------------------------
autodoc_default_options = {"members": True, "show-inheritance": True}
autodoc_member_order = "bysource"
autodoc_typehints = "none"          # numpydoc's Parameters sections already give the types
autosummary_generate = False        # the API pages are written by hand (nothing generated)
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_validation_checks: set[str] = set()

# -- the examples gallery -----------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "image_scrapers": ("matplotlib", "varpy_gallery.figure_scraper"),
    "reset_modules": ("matplotlib", "varpy_gallery.reset_figures"),
    "within_subsection_order": "FileNameSortKey",
    "download_all_examples": False,
    "write_computation_times": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
}

# -- HTML -----------------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"varpy {version}"
html_static_path: list[str] = []
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
html_show_sourcelink = False
