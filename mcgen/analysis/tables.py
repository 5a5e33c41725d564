"""Limits from efficiency tables: the tables ``mcgen efficiency`` writes (from its own Monte Carlo or
from event files) hold, per mass, the reduced sample the limits need (reweighting coefficients
per distance to the decay-volume surface); :func:`limits_from_tables` turns them into limits with
the same code as the in-memory path (mcgen.analysis.limits.limits_for_samples)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from mcgen._version import __version__
from mcgen.analysis.limits import (
    SignalSample,
    background_from_files,
    card_inputs,
    combine_cards,
    limits_for_samples,
    mass_threshold,
    visible_background_pb,
)
from mcgen.config.cards import Card, parse_card
from mcgen.config.options import PhysicsOptions
from mcgen.errors import InputError, ModelError
from mcgen.physics.model import Couplings, scenario_a, structure_from_a

__all__ = ["read_table", "table_samples", "limits_from_tables", "MEASURED"]

MEASURED = ("reconstructed", "pass_all", "pass_energy", "pass_angle", "pass_pt", "pass_zveto", "pass_bhabha", "inside",
            "flight_m", "boundary_m", "p_inside", "vtx_x", "vtx_y", "vtx_z")
"""Flags of the measured photon and where N decayed: the limits apply the detection efficiency and
the decay probability (for every coupling, through the lifetime) themselves, so a table cut on
them would count them twice, or fix the lifetime of the generated coupling."""


def read_table(path: str | Path) -> dict[str, Any]:
    """An efficiency table: the ROOT file of ``mcgen efficiency -o`` or its JSON."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such efficiency table")
    try:
        if p.suffix == ".json":
            table = json.loads(p.read_text(encoding="utf-8"))
        else:
            import uproot

            with uproot.open(p) as f:
                table = json.loads(f["metadata"])
    except Exception as exc:
        raise InputError(f"{p}: not an efficiency table of mcgen ({type(exc).__name__})") from None
    if not isinstance(table, dict) or "per_mass" not in table or "card_content" not in table:
        raise InputError(f"{p}: not an efficiency table with the reduced samples (write it with mcgen efficiency -o)")
    return table


def table_samples(table: dict[str, Any], where: str, background: float | np.ndarray | None = None
                  ) -> tuple[Card, list[float], list[SignalSample | None]]:
    """The card, the masses and the reduced sample per mass of a table (None above threshold)."""
    card = parse_card(table["card_content"], where)
    options = PhysicsOptions(**table["options"])
    samples: list[SignalSample | None] = []
    for mass, row in zip(table["masses"], table["per_mass"]):
        if row is None or mass >= mass_threshold(card):
            samples.append(None)
            continue
        s = row["sample"]
        binned = np.asarray(s["coeff_binned"]) if "coeff_binned" in s else None
        samples.append(SignalSample(card, float(mass), table["flavor"], options, int(s["n_events"]),
                                    np.asarray(s["boundary_m"], dtype=np.float64), np.asarray(s["coeff_all"]),
                                    np.asarray(s["coeff_pass"]), background, binned))
    return card, [float(m) for m in table["masses"]], samples


def _structure(table: dict[str, Any], card: Card, scenario: str | None, a: float | None) -> tuple[Couplings, dict[str, Any]]:
    if scenario is not None and a is not None:
        raise ModelError("give the coupling structure at most once: --scenario or --a (default: the table's)")
    value = scenario_a(scenario, card.electroweak) if scenario is not None else a
    if value is None:
        info = table["structure"]
        return Couplings(1.0, info["d_Z_over_d_gamma"], info["d_W_over_d_gamma"]), info
    c = structure_from_a(value, card.electroweak)
    return c, {"scenario": scenario, "a": value, "d_Z_over_d_gamma": c.d_Z, "d_W_over_d_gamma": c.d_W}


def limits_from_tables(paths: list[str], *, scenario: str | None = None, a: float | None = None,
                       background: list[str] | None = None, background_events: int = 20_000, seed: int = 1) -> dict[str, Any]:
    """95% CL limits from efficiency tables, one card per table, in the format of ``mcgen limits``.
    The structure is the tables' unless a ``scenario`` or ``a`` reweights it. Cards with a
    background (S^2/B, CLs) take it from ``background`` event files (read with the table's cuts)
    or compute it as ``mcgen limits`` does."""
    from mcgen.selection.expressions import Cut

    by_card: dict[str, Any] = {}
    masses: list[float] | None = None
    cards: list[Card] = []
    structure_info: dict[str, Any] = {}
    for path in paths:
        table = read_table(path)
        card = parse_card(table["card_content"], str(path))
        structure, structure_info = _structure(table, card, scenario, a)
        structure_info = structure_info | {"flavor": table["flavor"]}
        cuts = [Cut.parse(c) for c in table.get("cuts", [])]
        measured = [n for c in cuts for n in c.names if n.startswith("gamma_reco") or n in MEASURED]
        if measured:
            raise InputError(f"{path}: its cuts use {measured[0]} (the measured photon or where N decayed), whose detection "
                             "efficiency and decay probability the limits apply themselves: cut on the true photon (gamma) for limits")
        bkg = None
        if card.limit.criterion in ("s2b", "cls"):
            bkg = background_from_files(card, background, cuts) if background else visible_background_pb(card, background_events, seed)
            if not np.sum(bkg) > 0:
                raise InputError(f"card {card.name}: no background event passes the selection; the S^2/B or CLs limit is undefined")
        card, table_masses, samples = table_samples(table, str(path), bkg)
        if masses is not None and table_masses != masses:
            raise InputError(f"{path}: other masses than the first table ({table_masses} vs {masses})")
        if card.name in by_card:
            raise InputError(f"{path}: a second table for card {card.name}")
        masses = table_masses
        cards.append(card)
        result = limits_for_samples(card, samples, structure, bkg)
        by_card[card.name] = result | {"table": str(path), "cuts": table.get("cuts", []), "source": table.get("source")}
    assert masses is not None
    return {"masses": masses, **combine_cards(len(masses), by_card), "by_card": by_card, "structure": structure_info,
            "cards": [c.name for c in cards], "tables": list(map(str, paths)), "background_files": background or [],
            "version": __version__, "inputs": {c.name: card_inputs(c) for c in cards}}
