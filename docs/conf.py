"""Sphinx configuration of the sozplan documentation (built offline, warnings as errors)."""

from __future__ import annotations

import os
from importlib.metadata import version as _version

os.environ.setdefault("MPLBACKEND", "Agg")

project = "sozplan"
author = "sozplan developers"
copyright = "2026, sozplan developers"
release = _version("sozplan")
version = ".".join(release.split(".")[:2])
language = "en"

extensions = [
    "myst_nb",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinxcontrib.bibtex",
]

exclude_patterns = ["_build", "**.ipynb_checkpoints", "notebooks/_cells_*"]
templates_path = ["_templates"]
html_static_path = ["_static"]
html_theme = "pydata_sphinx_theme"
html_title = "sozplan"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "footer_start": ["copyright"],
}

# --- notebooks: rendered from their stored outputs, never executed in the docs build ----------
nb_execution_mode = "off"
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
suppress_warnings = ["mystnb.unknown_mime_type", "myst.header"]

# --- API reference ----------------------------------------------------------------------------
autosummary_generate = True
autodoc_default_options = {
    "members": True,
    "inherited-members": False,
    # scikit-learn generates these per class; their docstrings point into sklearn's docs
    "exclude-members": "set_fit_request,set_transform_request,set_predict_request,"
    "set_score_request,set_inverse_transform_request,set_partial_fit_request,"
    "get_metadata_routing",
}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# --- references -------------------------------------------------------------------------------
bibtex_bibfiles = ["references.bib"]
bibtex_default_style = "plain"

# intersphinx needs the network; the offline CI build runs without it
intersphinx_mapping: dict[str, tuple[str, str | None]] = {}
