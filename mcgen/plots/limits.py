"""Figures with mplhep (optional extra ``plot``): limit curves with hatched excluded regions, and the
expected +-1 and +-2 sigma bands of the CLs limits.

Each figure also writes the JSON of its curves next to it (same name, ``.json``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from mcgen.config.criteria import CRITERIA
from mcgen.errors import MissingExtraError, OutputError
from mcgen.io import atomic_output, check_output_path

__all__ = ["plot_limits", "limits_figure", "pyplot", "flavour_label", "EXPECTED_CRITERIA"]

COLOURS = ("#3f90da", "#ffa90e", "#bd1f01", "#94a4a2", "#832db6", "#a96b59", "#e76300", "#b9ac70")
SUFFIXES = (".png", ".pdf")
HATCHES = ("/", "\\", "|", "-", "x", ".", "+", "o")  # overlapping hatches stay readable, unlike translucent fills
FLAVOUR_TEX = {"e": "e", "mu": r"\mu", "tau": r"\tau"}
EXPECTED_CRITERIA = tuple(name for name, c in CRITERIA.items() if c.expected)  # sensitivities, not limits from data
BAND_COLOURS = {1: "#00cc00", 2: "#ffcc00"}  # the usual green and yellow of expected bands


def flavour_label(flavour: str) -> str:
    r"""The coupling of a flavour in TeX, as mathtext typesets it.

    >>> print(flavour_label("mu"), flavour_label("e"))
    $d_{\mu}$ $d_{e}$
    """
    return f"$d_{{{FLAVOUR_TEX.get(flavour, flavour)}}}$"


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
    plt.rcParams["hatch.linewidth"] = 0.6  # thin hatches: several overlapping ones leave the limit lines visible
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
    with atomic_output(out, force) as picture, atomic_output(json_out, force) as data:  # one set: both or neither
        fig.savefig(picture, format=out.suffix[1:], dpi=150, bbox_inches="tight")  # tight: no label is cut at the edge
        data.write_text(json.dumps(curves, indent=1, default=lambda x: None if isinstance(x, float) and not math.isfinite(x) else x))


def _band_edges(details: list[dict[str, Any] | None], key: str) -> tuple[np.ndarray, np.ndarray] | None:
    """(lo, hi) over the masses of a CLs band in ``details`` (NaN where absent), None when no mass has it."""
    pairs = [(d or {}).get(key) or [None, None] for d in details]
    lo = np.array([np.nan if a is None else a for a, _ in pairs], dtype=float)
    hi = np.array([np.nan if b is None else b for _, b in pairs], dtype=float)
    return (lo, hi) if np.isfinite(lo).any() else None


def limits_figure(result: dict[str, Any]):
    """The figure of :func:`plot_limits`: per card a solid line at each edge of the excluded region and a hatch
    inside, the CLs +-1 (green) and +-2 sigma (yellow) bands where the details carry them; titled "expected"
    where the cards' criteria are expected sensitivities (S^2/B, CLs)."""
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(9, 7), layout="constrained")
    masses = result["masses"]
    values = [x for r in result["by_card"].values() for ivs in r["excluded"] for iv in ivs for x in iv if x]
    top = 10 * max(values) if values else 1.0
    expected = {card: res.get("criterion") in EXPECTED_CRITERIA for card, res in result["by_card"].items()}
    labelled: set[int] = set()
    for colour, hatch, (card, res) in zip(COLOURS, HATCHES, result["by_card"].items()):
        for n in (2, 1):  # yellow under green, opaque: bands of several cards never mix into brown
            edges = _band_edges(res.get("details") or [], f"expected_band_{n}sigma")
            if edges is not None:
                ax.fill_between(masses, *edges, color=BAND_COLOURS[n], lw=0, zorder=2,
                                label=None if n in labelled else rf"expected $\pm{n}\sigma$")
                labelled.add(n)
        label = f"{card} (expected)" if expected[card] and not all(expected.values()) else card
        for k, (lo, hi) in enumerate(_bands(masses, res["excluded"], top)):
            ax.fill_between(masses, lo, hi, facecolor="none", edgecolor=colour, hatch=hatch, lw=0, zorder=1)
            ax.plot(masses, lo, color=colour, lw=2, zorder=3, label=label if k == 0 else None)
            ax.plot(masses, np.where(hi < top, hi, np.nan), color=colour, lw=2, zorder=3)
    s = result["structure"]
    structure = f"scenario {s['scenario']}" if s.get("scenario") else f"a = {s['a']}"
    if all(expected.values()):
        kind = "expected 95% CL excluded"
    elif any(expected.values()):
        kind = "95% CL excluded (observed; expected where marked)"
    else:
        kind = "95% CL excluded"
    ax.set(xscale="log", yscale="log", xlabel=r"$m_N$ [GeV]", ylabel=r"$d_\gamma$ [GeV$^{-1}$]")
    ax.set_title(f"{kind}, {structure}, {flavour_label(s['flavor'])}", fontsize=16)
    if values:
        ax.set_ylim(min(values) / 3, top)
    # framed and opaque: readable over the hatches; "best" keeps it off the limit lines
    ax.legend(fontsize=13, loc="best", frameon=True, framealpha=1.0, facecolor="white", edgecolor="grey")
    return fig


def plot_limits(result: dict[str, Any], path: str | Path, force: bool = False) -> None:
    """Excluded regions of d_gamma vs m_N, one colour per card (the JSON of ``mcgen limits``)."""
    plt = pyplot()
    fig = limits_figure(result)
    try:
        _save(fig, path, force, result)
    finally:
        plt.close(fig)
