"""The source paper's figures from scratch (``mcgen reproduce --figure N -o DIR``).

Each figure is written as DIR/figureN.png and .pdf, with the JSON of its curves beside them.
Figures 1-8 are the paper's; 9 (the photon decay laws), 10 (CEPC, FCC-ee and ILC side by side),
11 (each collider programme's runs combined) and 12 (Belle II, BESIII and STCF beside the Z-pole
runs) are mcgen's own.

Entry points:

- :func:`reproduce`: one figure into a folder (``mcgen reproduce --figure N``);
  ``mcgen.plots.paper.reproduce_all`` draws them all (``--all``).
- ``FIGURES``: the :class:`~mcgen.plots.figures.registry.Figure` records by number. A record's
  ``curves(run)`` computes the dict written as figureN.json, without matplotlib, from a
  :class:`FigureRun`; its ``draw(curves)`` draws the matplotlib figure from that dict alone.
- :func:`figure`: the decorator that registers a draw function with its number, title and curves.

The figures by topic: ``decays`` (1), ``production`` (2), ``lep`` (3, 4, 5), ``cepc`` (6, 7, 9),
``summary`` (8), ``colliders`` (10, 11) and ``flavour`` (12); ``scans`` holds the limit scans figures 3, 7 and 8
share, ``drawing`` the sizes, colours and file writer, ``registry`` the records and :func:`reproduce`.
"""

from __future__ import annotations

# each topic module registers its figures on import
from mcgen.plots.figures import cepc, colliders, decays, flavour, lep, production, summary  # noqa: F401
from mcgen.plots.figures.drawing import CONSTRAINT_COLOURS  # noqa: F401  (figure 8's palette, read by tests)
from mcgen.plots.figures.registry import BEAM_TREATMENTS, FIGURES, TITLES, FigureRun, figure, reproduce
from mcgen.plots.figures.scans import _SCANS  # noqa: F401  (the scan memo, cleared by tests)

__all__ = ["FIGURES", "TITLES", "FigureRun", "figure", "reproduce", "BEAM_TREATMENTS"]
