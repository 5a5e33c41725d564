"""Figure 2: the production cross-section e+e- -> N nubar_e, piece by piece."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mcgen.physics.model import Couplings
from mcgen.physics.xsec import production_cross_sections
from mcgen.plots.figures.drawing import LEGEND_SIZE, nan_for_none
from mcgen.plots.figures.registry import FigureRun, figure
from mcgen.plots.limits import COLOURS, pyplot

__all__ = ["production_pieces", "draw_production_pieces"]

PIECES = {"gamma": r"$\gamma$", "Z": "Z", "gammaZ": r"|$\gamma$Z|", "W": "W", "st_interference": "|s-t interference|"}
"""The cross-section pieces drawn, with their legend labels."""
MASSES = (0.1, 100.0)
"""m_N (GeV) of the two panels."""


def production_pieces(run: FigureRun) -> dict[str, Any]:
    """sigma(e+e- -> N nubar_e) vs sqrt(s), 20-500 GeV, per piece (photon, Z, the photon-Z interference, W and
    the s-t interference, in absolute value) for m_N = 0.1 and 100 GeV with d_gamma = d_Z = d_W = 1e-5 GeV^-1 (one charge
    state); null below threshold."""
    options, quick = run.options, run.quick
    ew = run.card("lep1_opal").electroweak
    couplings = Couplings(1e-5, 1e-5, 1e-5)
    energies = np.geomspace(20.0, 500.0, 120 if quick else 600)
    curves: dict[str, Any] = {"figure": 2, "sqrt_s": energies.tolist(), "couplings": couplings.as_dict(),
                              "electroweak": ew.as_dict(), "charge_states": 1, "options": options.as_dict()}
    for mass in MASSES:
        table: dict[str, list[float | None]] = {p: [] for p in PIECES}
        for rs in energies:
            if rs <= mass:
                for p in PIECES:
                    table[p].append(None)
                continue
            xs = production_cross_sections(float(rs), mass, couplings, "e", ew, charge_states=1,
                                           st_interference=options.st_interference).as_dict()
            for p in PIECES:
                value = abs(xs[p])
                table[p].append(None if math.isnan(value) else value)
        curves[f"m_{mass:g}"] = table
    return curves


@figure(2, "production cross-section pieces vs sqrt(s)", curves=production_pieces)
def draw_production_pieces(curves: dict[str, Any]):
    """One panel per mass (the ``m_MASS`` keys), one line per piece, the energies one reads off as ticks."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 2, figsize=(16, 6.5), sharey=True, layout="constrained")
    panels = [(key, float(key[2:])) for key in curves if key.startswith("m_")]
    for ax, (key, mass) in zip(axes, panels):
        for colour, (p, label) in zip(COLOURS, PIECES.items()):
            ax.plot(curves["sqrt_s"], nan_for_none(curves[key][p]), color=colour, label=label,
                    ls="--" if p == "st_interference" else "-")
        ax.set(xscale="log", yscale="log", xlabel="√s [GeV]", title=f"$m_N$ = {mass:g} GeV")
        # a log axis over 20-500 GeV has one decade label: label the energies one reads off instead
        lo_x, hi_x = ax.get_xlim()
        ticks = [t for t in ((20, 50, 91.2, 200, 500) if lo_x < 50 else (120, 150, 200, 300, 500)) if lo_x <= t <= hi_x]
        ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
        ax.xaxis.set_minor_formatter(plt.NullFormatter())
    axes[0].set_ylabel(r"$\sigma(e^+e^-\to N\bar\nu_e)$ [pb]")
    axes[0].set_ylim(1e-9, 1e-1)
    axes[1].legend(fontsize=LEGEND_SIZE)
    return fig
