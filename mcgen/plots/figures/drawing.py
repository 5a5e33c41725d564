"""What the figures share in drawing: sizes, line styles, colours and labels, the four-scenario
grid of limit curves (figures 3 and 7), and the writer of a figure's PNG, PDF and JSON.

matplotlib is imported only when a figure is drawn.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from mcgen.io import atomic_output
from mcgen.io.output import check_output_path, make_output_folder
from mcgen.physics.model import SCENARIOS
from mcgen.plots.limits import COLOURS, HATCHES, _bands, pyplot

__all__ = ["DPI", "LEGEND_SIZE", "TITLE_SIZE", "LINE_STYLES", "CONSTRAINT_COLOURS", "LABELS", "nan_for_none",
           "scenario_grid", "write_figure"]

LABELS = {
    "lep1_opal": "OPAL monophoton (LEP1)",
    "lep2_delphi": "DELPHI monophoton (LEP2)",
    "lep1_l3_zgamma": r"L3 $Z\to\gamma$ + inv.",
    "lep1_zinv": r"$\Gamma_Z^{inv}$",
}
"""The LEP cards as figure 3's legend names them."""

DPI = 150
LEGEND_SIZE = 18
TITLE_SIZE = 20
"""Font sizes (pt) of legends and titles: the figures are read at about a third of their pixel width
(a docs page, a slide), beside mplhep's ROOT-style axis labels of about 26 pt."""
LINE_STYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)))
"""Curves that may lie on top of each other (figure 1's masses at Br = 1) differ in dash as well as colour."""
CONSTRAINT_COLOURS = ("#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
                      "#1a1a80")
"""Figure 8's existing constraints, one each in the order of mcgen.analysis.constraints (none is
the LEP band's blue or the CEPC reach's black)."""


def nan_for_none(values: Iterable[float | None]) -> list[float]:
    """A curve's values with NaN (a gap in the line) where the JSON has null (no limit at that point)."""
    return [np.nan if v is None else v for v in values]


def write_figure(fig, out_dir: Path, name: str, curves: dict[str, Any], force: bool) -> list[str]:
    """The figure as OUT_DIR/NAME.png and .pdf and its curves as NAME.json, the three as one set."""
    from PIL import Image  # matplotlib's own PNG writer

    make_output_folder(out_dir)  # only now: a run stopped while it computes leaves no empty folder
    paths = [check_output_path(out_dir / f"{name}{suffix}", force) for suffix in (".png", ".pdf", ".json")]
    fig.set_dpi(DPI)
    fig.canvas.draw()  # once: the constrained layout, kept for the PDF, and the PNG's pixels
    fig.set_layout_engine("none")
    # one set: the three files are written unnamed and linked into place together at the end, so a
    # killed run leaves none of them (not a PNG without its JSON)
    with contextlib.ExitStack() as stack:
        png, pdf, data = (stack.enter_context(atomic_output(p, force)) for p in paths)
        # the pixels drawn above (savefig would draw them again)
        Image.frombuffer("RGBA", fig.canvas.get_width_height(), fig.canvas.buffer_rgba(), "raw", "RGBA", 0,
                         1).save(png, format="png", dpi=(DPI, DPI))
        # every figure has the constrained layout: all lies inside it; no creation date: the same bytes every run
        fig.savefig(pdf, format="pdf", dpi=DPI, metadata={"CreationDate": None})
        data.write_text(json.dumps(curves, indent=1))
    return [str(p) for p in paths]


def scenario_grid(rows: list[dict[str, Any]], masses: list[float], cards: tuple[str, ...], labels: dict[str, str],
                  fill: bool, ncol: int):
    """Four panels (scenarios I-IV) of excluded d_gamma vs m_N: one colour per card, d_e solid,
    d_mu,tau dotted; the d_e regions hatched when ``fill`` (hatches overlap legibly, translucent fills do not)."""
    plt = pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(14, 11), sharex=True, sharey=True, layout="constrained")
    values = [x for r in rows for iv in r["excluded"] for x in iv if x]
    top = 1.0
    # the y range follows the curves: a decade above the highest edge drawn (1, where a region is open-ended)
    highest = max([x for r in rows for iv in r["excluded"] for x in iv[:1] if x]
                  + [iv[1] for r in rows for iv in r["excluded"] if iv[1] is not None], default=top)
    for ax, scenario in zip(axes.flat, SCENARIOS):
        for colour, hatch, card in zip(COLOURS, HATCHES, cards):
            for flavour, style, flabel in (("e", "-", "e"), ("mu", ":", r"\mu,\tau")):
                sel = [r for r in rows if r["card"] == card and r["flavor"] == flavour and r["structure"] == scenario]
                for k, (lo, hi) in enumerate(_bands(masses, [r["excluded"] for r in sel], top)):
                    if fill and flavour == "e":
                        ax.fill_between(masses, lo, hi, facecolor="none", edgecolor=colour, hatch=hatch, lw=0,
                                        alpha=0.4)  # light: the limit curves stay in front
                    label = f"{labels[card]}, $d_{{{flabel}}}$" if k == 0 and scenario == "I" else None
                    ax.plot(masses, lo, color=colour, ls=style, label=label)
                    ax.plot(masses, np.where(hi < top, hi, np.nan), color=colour, ls=style)
        ax.set(xscale="log", yscale="log")
        ax.set_title(f"scenario {scenario}", fontsize=TITLE_SIZE)
        if values:
            ax.set_ylim(min(values) / 3, min(top, 10 * highest))
    for ax in axes[1]:
        ax.set_xlabel(r"$m_N$ [GeV]")
    for ax in axes[:, 0]:
        ax.set_ylabel(r"$d_\gamma$ [GeV$^{-1}$]")
    fig.legend(loc="outside lower center", ncol=ncol, fontsize=LEGEND_SIZE, frameon=False,
               title=r"solid: $d_e$; dotted: $d_{\mu,\tau}$, under the solid line where the two coincide",
               title_fontsize=LEGEND_SIZE)
    return fig
