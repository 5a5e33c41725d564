"""Limits from efficiency tables: the tables ``mcgen efficiency`` writes (from its own Monte Carlo or
from event files) hold, per mass, the reduced sample the limits need (reweighting coefficients
per distance to the decay-volume surface); :func:`limits_from_tables` turns them into limits with
the same code as the in-memory path (mcgen.analysis.limits.limits_for_samples)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import numpy as np

from mcgen._version import RESULTS_REVISION, __version__, results_conflict
from mcgen.analysis.limits import (
    BACKGROUND_CRITERIA,
    SignalSample,
    background_from_files,
    card_inputs,
    combine_cards,
    limits_for_samples,
    mass_threshold,
    runs_combined,
    visible_background_pb,
)
from mcgen.analysis.limits.combine import COMBINATION, check_combinable, combined_limit
from mcgen.analysis.limits.roots import LimitResult
from mcgen.config.cards import Card, parse_card, parse_set
from mcgen.config.options import PhysicsOptions
from mcgen.errors import InputError, ModelError
from mcgen.physics.model import Couplings, check_nature, scenario_a, structure_from_a
from mcgen.selection.cuts import CUTS

__all__ = ["read_table", "table_samples", "table_card", "background_mismatch", "limits_from_tables", "MEASURED"]

MEASURED = ("reconstructed", "pass_all", *(f"pass_{cut}" for cut in CUTS), "inside",
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


def _checked_sample(row: Any, mass: float, where: str) -> dict[str, Any]:
    """A table row's reduced sample, its arrays of consistent shapes and finite values."""
    s = row.get("sample") if isinstance(row, dict) else None
    if not isinstance(s, dict):
        raise InputError(f"{where}: the row of m_N = {mass} GeV has no sample: a damaged table")
    try:
        n = int(s["n_events"])
        boundary = np.asarray(s["boundary_m"], dtype=np.float64)
        shapes = {k: np.asarray(s[k], dtype=np.float64).shape for k in ("coeff_all", "coeff_pass")}
        binned = np.asarray(s["coeff_binned"], dtype=np.float64) if "coeff_binned" in s else None
    except (KeyError, TypeError, ValueError) as exc:
        raise InputError(f"{where}: the sample of m_N = {mass} GeV lacks or garbles {exc}: a damaged table") from None
    nb = boundary.shape[0] if boundary.ndim == 1 else -1
    ok = n > 0 and nb > 0 and all(shape == (6, nb) for shape in shapes.values())
    ok = ok and (binned is None or (binned.ndim == 3 and binned.shape[:2] == (6, nb)))
    ok = ok and bool(np.isfinite(boundary).all()) and all(np.isfinite(np.asarray(s[k], dtype=np.float64)).all()
                                                           for k in ("coeff_all", "coeff_pass"))
    if not ok:
        raise InputError(f"{where}: the sample of m_N = {mass} GeV has inconsistent or non-finite arrays: a damaged table")
    return s


def table_samples(table: dict[str, Any], where: str, background: float | np.ndarray | None = None,
                  card: Card | None = None) -> tuple[Card, list[float], list[SignalSample | None]]:
    """The card (the table's, or ``card``: the table's with other limit settings), the masses and
    the reduced sample per mass of a table (None above threshold)."""
    card = parse_card(table["card_content"], where) if card is None else card
    options = PhysicsOptions(**table["options"])
    samples: list[SignalSample | None] = []
    for mass, row in zip(table["masses"], table["per_mass"]):
        if row is not None and not 0 < mass < card.sqrt_s:
            raise InputError(f"{where}: a sample at m_N = {mass} GeV, not in (0, sqrt(s) = {card.sqrt_s} GeV): a damaged table")
        if row is None or mass >= mass_threshold(card):
            samples.append(None)
            continue
        s = _checked_sample(row, mass, where)
        binned = np.asarray(s["coeff_binned"]) if "coeff_binned" in s else None
        if card.limit.criterion == "cls":
            bins = int(card.limit.value("spectrum_bins"))
            if binned is None or binned.shape[-1] != bins:
                have = "no photon-energy spectrum" if binned is None else f"a spectrum of {binned.shape[-1]} bins"
                raise InputError(f"{where}: the table has {have}, the CLs limit needs {bins} bins (limit.spectrum_bins): "
                                 "make the table again with this mcgen (and the same --set limit.spectrum_bins)")
        samples.append(SignalSample(card, float(mass), table["flavor"], options, int(s["n_events"]),
                                    np.asarray(s["boundary_m"], dtype=np.float64), np.asarray(s["coeff_all"]),
                                    np.asarray(s["coeff_pass"]), background, binned, check_nature(table.get("nature", "dirac"))))
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


_SAME_BEAMS = ("sqrt_s", "isr", "energy_spread", "polarisation_electron", "polarisation_positron")


def table_card(table: dict[str, Any], where: str, criterion: str | None = None, overrides: tuple[str, ...] = ()) -> Card:
    """The table's card with the limit settings of this call: ``criterion`` (s2b or cls, for cards
    with a background) and ``overrides`` (``limit.*`` keys only: the events and cuts are the table's)."""
    for assignment in overrides:
        section, key, _ = parse_set(assignment)
        if section != "limit":
            raise InputError(f"--set {assignment}: with --efficiency only limit.* keys apply (the events, the card and the cuts "
                             f"are the table's; make the table again to change {section}.{key})")
    card = parse_card(table["card_content"], where, tuple(overrides))
    if criterion is None:
        return card
    if card.limit.criterion not in BACKGROUND_CRITERIA:
        raise InputError(f"--criterion applies to cards with a background (S^2/B or CLs); {card.name} uses {card.limit.criterion!r}")
    return parse_card(table["card_content"], where, (*overrides, f"limit.criterion='{criterion}'"))


def background_mismatch(card: Card, other: Card, with_selection: bool) -> str | None:
    """Where a background made with ``other`` differs from ``card`` in what its rate depends on
    (beams, electroweak inputs, detector and, when the table uses the card's cuts, the selection),
    as 'section.key = theirs (the table's card: ours)'; None when they agree."""
    sections = ("beam", "electroweak", "detector") + (("selection",) if with_selection else ())
    for section in sections:
        ours, theirs = dataclasses.asdict(getattr(card, section)), dataclasses.asdict(getattr(other, section))
        keys = _SAME_BEAMS if section == "beam" else sorted(set(ours) | set(theirs))
        for key in keys:
            if ours.get(key) != theirs.get(key):
                return f"{section}.{key} = {theirs.get(key)!r} (the table's card: {ours.get(key)!r})"
    return None


def _background_cards(paths: list[Any]) -> list[tuple[str, Card, dict[str, Any]]]:
    """Each background file with the card it was made for and its metadata."""
    from mcgen.io.read import event_paths, file_info

    out = []
    for path in event_paths(paths):
        info = file_info(path)
        if "N_E" in info["branches"]:
            raise InputError(f"{path}: --background takes SM background files (mcgen background -o), not signal events")
        meta = info["metadata"]
        out.append((str(path), parse_card(meta["card_content"], str(path)), meta))  # (file_info checked it)
    return out


def _check_same_results(table_path: str, table: dict[str, Any], other: str, other_meta: dict[str, Any]) -> None:
    """A table and a background made by mcgen versions whose results differ are not combined."""
    why = results_conflict(other_meta, table)
    if why is not None:
        raise InputError(f"{table_path} (mcgen {table.get('version')}) and {other} (mcgen {other_meta.get('version')}) "
                         f"cannot be combined: {why}; remake one of them with the other's mcgen")


def _matching_backgrounds(table_path: str, card: Card, files: list[tuple[str, Card, dict[str, Any]]],
                          with_selection: bool) -> list[str]:
    """The background files made for the table's card (one line naming the difference if none is)."""
    matching = [path for path, other, _ in files if background_mismatch(card, other, with_selection) is None]
    if not matching:
        path, other, _ = files[0]
        why = background_mismatch(card, other, with_selection)
        near = f": {path} has {why}" if len(files) == 1 else f" (e.g. {path} has {why})"
        raise InputError(f"{table_path}: no --background file was made for its card {card.name}{near}")
    return matching


def limits_from_tables(paths: list[str], *, scenario: str | None = None, a: float | None = None,
                       background: list[str] | None = None, background_events: int = 20_000, seed: int = 1,
                       criterion: str | None = None, overrides: tuple[str, ...] = (), combine: bool = False) -> dict[str, Any]:
    """95% CL limits from efficiency tables, one card (or one run of a card) per table, in the format of
    ``mcgen limits``: the tables of several runs of one card give the runs combined (each run's own in
    ``runs``), and ``combine`` gives one limit of every table (mcgen.analysis.limits.combine).
    The structure is the tables' unless a ``scenario`` or ``a`` reweights it; the criterion and the
    limit.* settings are the tables' cards' unless ``criterion`` or ``overrides`` change them. Cards
    with a background (S^2/B, CLs) take it from the ``background`` event files made for the same
    beams, electroweak inputs, detector (and selection, unless the table has its own cuts), each
    table its own (matched by the files' metadata; a file that matches no table is refused), read
    with the table's cuts; without files it is computed as ``mcgen limits`` does."""
    from mcgen.selection.expressions import Cut

    by_card: dict[str, Any] = {}
    masses: list[float] | None = None
    cards: list[Card] = []
    structure_info: dict[str, Any] = {}
    files = _background_cards(background) if background else []
    used: set[str] = set()
    natures: list[str] = []
    entries: list[tuple[Card, list[SignalSample | None], Couplings]] = []
    for path in paths:
        table = read_table(path)
        natures.append(check_nature(table.get("nature", "dirac")))
        if natures[-1] != natures[0]:
            raise InputError(f"{path}: a table for a {natures[-1]} N, {paths[0]} for a {natures[0]} one: "
                             "one limit is for one nature of N")
        card = table_card(table, str(path), criterion, tuple(overrides))
        structure, structure_info = _structure(table, card, scenario, a)
        structure_info = structure_info | {"flavor": table["flavor"]}
        cuts = [Cut.parse(c) for c in table.get("cuts", [])]
        measured = [n for c in cuts for n in c.names if n.startswith("gamma_reco") or n in MEASURED]
        if measured:
            raise InputError(f"{path}: its cuts use {measured[0]} (the measured photon or where N decayed), whose detection "
                             "efficiency and decay probability the limits apply themselves: cut on the true photon (gamma) for limits")
        bkg = None
        if card.limit.criterion in BACKGROUND_CRITERIA:
            if files:
                mine = _matching_backgrounds(str(path), card, files, with_selection=not cuts)
                for other, _, meta in files:
                    if other in mine:
                        _check_same_results(str(path), table, other, meta)
                used.update(mine)
                bkg = background_from_files(card, mine, cuts)
            else:
                _check_same_results(str(path), table, "the background computed here",
                                    {"version": __version__, "results_revision": RESULTS_REVISION})
                bkg = visible_background_pb(card, background_events, seed)
            if not np.sum(bkg) > 0:
                raise InputError(f"card {card.name}: no background event passes the selection; the S^2/B or CLs limit is undefined")
        card, table_masses, samples = table_samples(table, str(path), bkg, card)
        if masses is not None and table_masses != masses:
            raise InputError(f"{path}: other masses than the first table ({table_masses} vs {masses})")
        if card.name in by_card:
            raise InputError(f"{path}: a second table for card {card.name}")
        masses = table_masses
        cards.append(card)
        result = limits_for_samples(card, samples, structure, bkg)
        by_card[card.name] = result | {"table": str(path), "cuts": table.get("cuts", []), "source": table.get("source")}
        entries.append((card, samples, structure))
    unused = [p for p, _, _ in files if p not in used]
    if unused:
        names = ", ".join(c.name for c in cards)
        raise InputError(f"{unused[0]}: a --background file made for none of the tables' cards ({names})")
    assert masses is not None
    by_card = _runs_combined(by_card, entries, len(masses))
    if combine:
        check_combinable([c.name for c in cards], [c.limit.criterion for c in cards], [c.limit.s2b_95 for c in cards])
        together = [_combined_at(entries, i) for i in range(len(masses))]
        best: dict[str, Any] = {"d_gamma_95": [r.d_gamma_95 if r else None for r in together],
                                "excluded": [r.excluded if r else [] for r in together],
                                "combined": {"runs": [c.name for c in cards], "criterion": cards[0].limit.criterion,
                                             "combination": COMBINATION[cards[0].limit.criterion],
                                             "details": [r.details if r else None for r in together]}}
    else:
        best = combine_cards(len(masses), by_card)
    return {"masses": masses, **best, "by_card": by_card, "structure": structure_info,
            "cards": list(by_card), "nature": natures[0], "tables": list(map(str, paths)), "background_files": background or [],
            "version": __version__, "inputs": {c.name: card_inputs(c) for c in cards}}


def _combined_at(entries: list[tuple[Card, list[SignalSample | None], Couplings]], i: int) -> LimitResult | None:
    """The limit of the entries' samples at mass i, combined (None where no run reaches it)."""
    present = [(sample, structure) for _, samples, structure in entries if (sample := samples[i]) is not None]
    return combined_limit(present) if present else None


def _runs_combined(by_card: dict[str, Any], entries: list[tuple[Card, list[SignalSample | None], Couplings]],
                   n_masses: int) -> dict[str, Any]:
    """The tables of several runs of one card become that card's limit, its runs combined (as ``mcgen limits
    --card`` gives it), each run's own result under ``runs``; every other table keeps its own."""
    groups: dict[str, list[int]] = {}
    for k, (card, _, _) in enumerate(entries):
        groups.setdefault(card.info.name if card.info.run else card.name, []).append(k)
    out: dict[str, Any] = {}
    for name, members in groups.items():
        if len(members) == 1:
            out[entries[members[0]][0].name] = by_card[entries[members[0]][0].name]
            continue
        mine = [entries[k] for k in members]
        check_combinable([name], [c.limit.criterion for c, _, _ in mine], [c.limit.s2b_95 for c, _, _ in mine])
        out[name] = runs_combined(mine[0][0].limit.criterion, [_combined_at(mine, i) for i in range(n_masses)],
                                  {c.info.run: by_card[c.name] for c, _, _ in mine})
    return out
