"""Figures with mplhep (optional extra ``plot``): limit curves with shaded excluded regions.

Each figure also writes the JSON of its curves next to it (same name, ``.json``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from mcgen.errors import MissingExtraError, OutputError
from mcgen.io import atomic_output, check_output_path

__all__ = ["plot_limits", "pyplot"]

COLOURS = ("#3f90da", "#ffa90e", "#bd1f01", "#94a4a2", "#832db6", "#a96b59", "#e76300", "#b9ac70")
SUFFIXES = (".png", ".pdf")


def pyplot():
    """matplotlib.pyplot with the Agg backend and the mplhep ROOT style, or a clear error."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import mplhep
    except ImportError:
        raise MissingExtraError("plots need matplotlib and mplhep: pip install 'mcgen[plot]'") from None
    plt.style.use(mplhep.style.ROOT)
    return plt


def _bands(masses: list[float], excluded: list[list[list[float | None]]], top: float):
    """Per interval index, arrays (lo, hi) over the masses (NaN where absent; open ends at top)."""
    depth = max((len(ivs) for ivs in excluded), default=0)
    bands = []
    for k in range(depth):
        lo = np.full(len(masses), np.nan)
        hi = np.full(len(masses), np.nan)
        for i, ivs in enumerate(excluded):
            if k < len(ivs):
                lo[i] = ivs[k][0]
                hi[i] = top if ivs[k][1] is None else ivs[k][1]
        bands.append((lo, hi))
    return bands


def _save(fig, path: str | Path, force: bool, curves: dict[str, Any]) -> None:
    out = check_output_path(path, force)
    if out.suffix not in SUFFIXES:
        raise OutputError(f"plot {out}: expected a .png or .pdf file name")
    json_out = check_output_path(out.with_suffix(".json"), force)
    with atomic_output(out, force) as tmp:
        fig.savefig(tmp, format=out.suffix[1:], dpi=150)
    with atomic_output(json_out, force) as tmp:
        tmp.write_text(json.dumps(curves, indent=1, default=lambda x: None if isinstance(x, float) and not math.isfinite(x) else x))


def plot_limits(result: dict[str, Any], path: str | Path, force: bool = False) -> None:
    """Excluded regions of d_gamma vs m_N, one colour per card (the JSON of ``mcgen limits``)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 7))
    masses = result["masses"]
    values = [x for r in result["by_card"].values() for ivs in r["excluded"] for iv in ivs for x in iv if x]
    top = 10 * max(values) if values else 1.0
    linestyle = "-" if result["structure"]["flavor"] == "e" else ":"
    for colour, (card, res) in zip(COLOURS, result["by_card"].items()):
        for k, (lo, hi) in enumerate(_bands(masses, res["excluded"], top)):
            ax.fill_between(masses, lo, hi, color=colour, alpha=0.15, lw=0, label=card if k == 0 else None)
            ax.plot(masses, lo, color=colour, ls=linestyle)
            ax.plot(masses, np.where(hi < top, hi, np.nan), color=colour, ls=linestyle)
    s = result["structure"]
    structure = f"scenario {s['scenario']}" if s["scenario"] else f"a = {s['a']}"
    ax.set(xscale="log", yscale="log", xlabel=r"$m_N$ [GeV]", ylabel=r"$d_\gamma$ [GeV$^{-1}$]")
    ax.set_title(f"95% CL excluded, {structure}, $d_{{{s['flavor']}}}$", fontsize=16)
    if values:
        ax.set_ylim(min(values) / 3, top)
    ax.legend(fontsize=13, loc="upper left")
    _save(fig, path, force, result)
    plt.close(fig)
