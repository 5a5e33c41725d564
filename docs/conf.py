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
    (r"py:.*", r"(numpy|np|awkward|ak|uproot|hist|vector|numba|pyhf|matplotlib|dask|distributed|pylhe|pyhepmc|vegas|xxhash)(\..*)?"),
    (r"py:.*", r"(collections\.abc|typing|os|pathlib|dataclasses|enum|io)\..*"),
    (r"py:class", r"(NDArray|ArrayLike|Path|PathLike|Any|Sequence|Mapping|Iterable|Iterator|Callable)"),
    (r"py:.*", r"(ast|concurrent)\..*"),
    # names the docstrings mention that are internal (not in any __all__, so not on the API pages)
    (r"py:.*", r"(mcgen\.[\w.]*\.)?(Remeasure|factor_sums|cls_limit|_ordered_sums|Parser|MAX_LENGTH|MAX_NODES|MAX_DEPTH)"),
]

# The internals' docstrings are plain text with ASCII formulas (|M|^2, a*b, indented equations):
# their first paragraph is kept as prose (escaped), the rest shown as written, preformatted.
INTERNAL_MODULES = ("mcgen.mc.driver", "mcgen.mc.kernel", "mcgen.mc.production", "mcgen.mc.beams", "mcgen.mc.rng",
                    "mcgen.mc.background", "mcgen.mc.phasespace", "mcgen.mc.ceilings", "mcgen.physics.amplitudes",
                    "mcgen.physics.nunugamma", "mcgen.analysis.reduce", "mcgen.analysis.validation", "mcgen.io.particles",
                    "mcgen.io.histograms", "mcgen.io.checksums", "mcgen.fpmath", "mcgen.simd", "mcgen.termination",
                    "mcgen.progress", "mcgen.bench")


def _escaped(line: str) -> str:
    import re

    parts = re.split(r"(``.*?``)", line)
    return "".join(p if p.startswith("``") else re.sub(r"([|*`_\\])", r"\\\1", p) for p in parts)


def _plain_text_docstring(app, what, name, obj, options, lines) -> None:
    if not any(name == m or name.startswith(m + ".") for m in INTERNAL_MODULES) or not lines:
        return
    end = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    first, rest = [" ".join(x.strip() for x in lines[:end])], lines[end:]
    while rest and not rest[0].strip():
        rest = rest[1:]
    lines[:] = [_escaped(first[0])] + (["", "::", ""] + ["    " + x for x in rest] if rest else [])


def setup(app) -> None:
    app.connect("autodoc-process-docstring", _plain_text_docstring)
