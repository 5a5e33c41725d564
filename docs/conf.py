"""Sphinx configuration of mcgen's documentation: MyST pages, MyST-NB tutorials executed at build time."""

from __future__ import annotations

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "_ext"))

import mcgen  # noqa: E402  (the installed package; the docs describe what is installed)

project = "mcgen"
author = "the mcgen developers"
copyright = "2026, the mcgen developers"
release = mcgen.__version__
version = release

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax 3 served with the site: the equations render without a network
    "sphinx.ext.doctest",
    "sphinxarg.ext",
    "mcgen_docs",
]

source_suffix = {".md": "myst-nb", ".rst": "restructuredtext"}
exclude_patterns = ["_build", "jupyter_execute", "_generated", "**.ipynb_checkpoints"]  # _generated: included by pages
root_doc = "index"

# MyST: $...$ and $$...$$ maths, ::: fences, definition lists, anchors for every heading to level 3.
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist", "substitution"]
myst_heading_anchors = 3

# Tutorials are MyST-NB text notebooks, executed at every build with small statistics; a failing
# cell fails the build.
nb_execution_mode = os.environ.get("MCGEN_DOCS_EXECUTE", "force")
nb_execution_timeout = 600
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_merge_streams = True

autodoc_typehints = "description"
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "undoc-members": False}
autosummary_generate = True

html_theme = "furo"
html_title = f"mcgen {release}"
html_static_path = ["_static"]
html_theme_options = {"navigation_with_keys": True}

nitpicky = True
# Names that autodoc meets in signatures and cannot resolve without the other projects' inventories
# (the build has no network): numpy/awkward/uproot types, and typing internals.
nitpick_ignore_regex = [
    (r"py:.*", r"(numpy|np|awkward|ak|uproot|hist|vector|numba|pyhf|matplotlib|dask|distributed|pylhe|pyhepmc)(\..*)?"),
    (r"py:.*", r"(collections\.abc|typing|os|pathlib|dataclasses|enum|io)\..*"),
    (r"py:class", r"(NDArray|ArrayLike|Path|PathLike|Any|Sequence|Mapping|Iterable|Iterator|Callable)"),
    (r"py:.*", r"(ast|concurrent)\..*"),
    # names the docstrings mention that are internal (not in any __all__, so not on the API pages)
    (r"py:.*", r"(mcgen\.[\w.]*\.)?(Remeasure|factor_sums|cls_limit|_ordered_sums|Parser|MAX_LENGTH|MAX_NODES|MAX_DEPTH)"),
]
