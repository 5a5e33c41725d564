"""The figure registry: each figure a :class:`Figure` record (number, title, ``curves``, ``draw``)
registered with :func:`figure`, the :class:`FigureRun` context it is computed with, and
:func:`reproduce`, which computes, draws and writes one of them.

Nothing here imports matplotlib at import time: a figure's curves are computed without it.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mcgen.config.cards import Card
from mcgen.config.cards import load_card as _load_card
from mcgen.config.options import PhysicsOptions
from mcgen.errors import InputError
from mcgen.io.output import check_output_folder
from mcgen.plots.figures import drawing
from mcgen.plots.limits import pyplot

__all__ = ["BEAM_TREATMENTS", "FigureRun", "Figure", "FIGURES", "TITLES", "figure", "reproduce", "figure_run", "draw_and_write"]

BEAM_TREATMENTS: dict[str, tuple[str, ...]] = {
    "cards": (),  # each card's own [beam]: ISR, spread and polarisation as the card sets them
    "paper": ("beam.isr=false", "beam.energy_spread=0", "beam.polarisation_electron=0", "beam.polarisation_positron=0"),
}
"""``mcgen reproduce --beams``: the source paper's beams (no ISR, no spread, unpolarised) or the cards'."""

Curves = dict[str, Any]


@dataclasses.dataclass(frozen=True)
class FigureRun:
    """What a figure is drawn with: the output folder, the Monte Carlo statistics and seed, the
    physics options, whether existing files are replaced, coarse grids (``quick``), the beam
    treatment (a key of ``BEAM_TREATMENTS``) every card is read with, and the executor the scans'
    tasks run on (None: in this process; any executor gives the same numbers, mcgen.analysis.scan)."""

    out_dir: Path
    n: int
    seed: int
    options: PhysicsOptions
    force: bool = False
    quick: bool = False
    beams: str = "cards"
    pool: Any = dataclasses.field(default=None, compare=False, repr=False)

    def card(self, name: str) -> Card:
        """A shipped card with the run's beam treatment."""
        return _load_card(name, BEAM_TREATMENTS[self.beams])


@dataclasses.dataclass(frozen=True)
class Figure:
    """A registered figure: ``curves(run)`` computes what it shows (the dict written as figureN.json,
    without matplotlib) and ``draw(curves)`` draws it from that dict alone (a matplotlib figure).
    Calling the record with a :class:`FigureRun` does both and writes the files."""

    number: int
    title: str
    curves: Callable[[FigureRun], Curves]
    draw: Callable[[Curves], Any]

    @property
    def name(self) -> str:
        """The files' name: figureN.png, .pdf and .json."""
        return f"figure{self.number}"

    def __call__(self, run: FigureRun) -> list[str]:
        """Compute, draw and write the figure into ``run.out_dir``; returns the written paths."""
        return draw_and_write(self, run.out_dir, run.force, run.beams, self.curves(run))


def draw_and_write(entry: Figure, out_dir: Path, force: bool, beams: str, curves: Curves) -> list[str]:
    """Draw a figure from its curves and write its files (NAME.png, .pdf, .json); returns their paths. A
    module-level function whose arguments pickle (the record's functions by name), so that a pool worker can do it
    while the next figure is computed."""
    fig = entry.draw(curves)
    try:
        treatment = {"beams": beams, "beam_overrides": list(BEAM_TREATMENTS[beams])}
        return drawing.write_figure(fig, out_dir, entry.name, curves | treatment, force)
    finally:
        pyplot().close(fig)


FIGURES: dict[int, Figure] = {}
"""The figures by number, in the order of their numbers (:func:`figure` registers them)."""
TITLES: dict[int, str] = {}
"""What ``mcgen reproduce --help`` lists, one line per figure."""


def figure(number: int, title: str, *, curves: Callable[..., Curves]) -> Callable[[Callable[[Curves], Any]], Callable[[Curves], Any]]:
    """Register a figure's draw function (the decorated one) with its number, title and the function
    that computes its curves; the draw function is returned unchanged."""
    def register(draw: Callable[[Curves], Any]) -> Callable[[Curves], Any]:
        _register(Figure(number, title, curves, draw))
        return draw

    return register


def _register(entry: Figure) -> None:
    FIGURES[entry.number] = entry
    # in the order of their numbers, whatever order the topic modules are imported in
    ordered = sorted(FIGURES.values(), key=lambda f: f.number)
    FIGURES.clear()
    FIGURES.update((f.number, f) for f in ordered)
    TITLES.clear()
    TITLES.update((f.number, f.title) for f in ordered)


def reproduce(figure: int, out_dir: str | Path, *, n: int = 20_000, seed: int = 1,
              options: PhysicsOptions = PhysicsOptions(), force: bool = False, quick: bool = False,
              beams: str = "cards", pool: Any = None) -> list[str]:
    """Draw one of the paper's figures into out_dir; returns the written paths. ``beams``: "cards"
    (each card's own ISR, spread and polarisation) or "paper" (none of them, as the source paper);
    ``pool``: an executor for the scans' tasks (mcgen.analysis.scan.executor)."""
    if figure not in FIGURES:
        available = ", ".join(str(k) for k in FIGURES)
        raise InputError(f"figure {figure} is not available (available: {available})")
    return FIGURES[figure](figure_run(out_dir, n=n, seed=seed, options=options, force=force, quick=quick, beams=beams,
                                      pool=pool))


def figure_run(out_dir: str | Path, *, n: int, seed: int, options: PhysicsOptions, force: bool, quick: bool, beams: str,
               pool: Any) -> FigureRun:
    """The :class:`FigureRun` of :func:`reproduce`'s arguments, checked (one line for a bad one)."""
    if beams not in BEAM_TREATMENTS:
        raise InputError(f"--beams must be one of {', '.join(BEAM_TREATMENTS)}, got {beams!r}")
    out = check_output_folder(out_dir)
    if not math.isfinite(n) or n <= 0:
        raise InputError(f"-n must be > 0, got {n}")
    return FigureRun(out, n, seed, options, force, quick, beams, pool)
