"""``mcgen limits``: 95% CL limits on d_gamma vs m_N for one or more cards (mcgen.analysis.limits)."""

from __future__ import annotations

import argparse
from typing import Any

from mcgen.cli import common
from mcgen.config.cards import load_card
from mcgen.config.criteria import BACKGROUND_CRITERIA, CRITERIA
from mcgen.errors import InputError

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("limits", help="95%% CL limits on d_gamma vs m_N",
                              # the description is printed as written (no %-formatting): one % sign
                              description="95% CL excluded intervals of d_gamma per mass for the card's analysis "
                              "(OPAL, DELPHI, L3 Z -> gamma + invisible, Z invisible width, CEPC S^2/B or CLs), solving "
                              "the criterion with the lifetime dependence of the decay probability. The CEPC criteria "
                              "are expected sensitivities; CLs also gives the expected +-1 and +-2 sigma bands, and a "
                              "mass where its fit fails gives null with the reason in details.")
    common.add_card_options(p, multiple=True, required=False)
    common.add_structure_options(p, required=False)
    t = p.add_argument_group("from efficiency tables")
    t.add_argument("--efficiency", nargs="+", metavar="TABLE",
                   help="efficiency tables of mcgen efficiency -o (one per card; from its Monte Carlo or from event files)")
    t.add_argument("--background", nargs="+", metavar="FILE",
                   help="SM background event files of mcgen background -o for the S^2/B and CLs cards, each table "
                   "matched to the files made for its card (read with the table's cuts)")
    p.add_argument("--criterion", choices=BACKGROUND_CRITERIA,
                   help="for cards with a background: S^2/B = 2.71 or the pyhf CLs limit, both expected (the card sets the default)")
    p.add_argument("--combine", action="store_true",
                   help="one limit from every run of every card given (S^2/B summed over the runs, or one CLs likelihood "
                   "with a channel per run); without it each card has its own (its runs combined) and the best is shown")
    p.add_argument("--plot", metavar="FILE", help="also draw the limits (PNG or PDF, mplhep) and their JSON")
    common.add_cache_option(p)
    common.add_output_flags(p, "replace an existing plot")
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from mcgen.analysis.background import cache_dir

    with cache_dir(args.cache):
        result = _from_tables(args) if args.efficiency else _from_monte_carlo(args)
    if args.plot:
        from mcgen.plots.limits import plot_limits

        plot_limits(result, args.plot, force=args.force)
        result["plot"] = args.plot
    common.emit(args, result, _text)
    return 0


def _from_monte_carlo(args: argparse.Namespace) -> dict[str, Any]:
    from mcgen.analysis.limits import limits_table, parse_masses

    common.require_run_options(args, "--efficiency", "efficiency tables")
    if args.background:
        raise InputError("--background goes with --efficiency tables")
    masses = parse_masses(args.masses, args.log)
    cards = [_load_with_criterion(c, args.criterion, args.overrides) for c in args.card]
    options = common.options(args)
    structures = [common.structure(args, card) for card in cards]
    return limits_table(cards, masses, [s for s, _ in structures], args.flavor, options, args.events, args.seed,
                        args.background_events, structure_info=structures[-1][1], overrides=args.overrides,
                        nature=common.nature(args), combine=args.combine)


def _from_tables(args: argparse.Namespace) -> dict[str, Any]:
    """Limits from efficiency tables: card, masses, flavour and options are the tables' own."""
    from mcgen.analysis.tables import limits_from_tables

    common.refuse_run_options(args, "--efficiency", allow_set=True)  # --set: limit.* keys only (limits_from_tables)
    return limits_from_tables(args.efficiency, scenario=args.scenario, a=args.a, background=args.background,
                              background_events=args.background_events, seed=args.seed, criterion=args.criterion,
                              overrides=tuple(args.overrides), combine=args.combine)


def _load_with_criterion(name: str, criterion: str | None, overrides: list[str]):
    """The card with its --set overrides and --criterion s2b|cls (only cards with a background have the choice)."""
    card = load_card(name, tuple(overrides))
    if criterion is None:
        return card
    if card.limit.criterion not in BACKGROUND_CRITERIA:
        raise InputError(f"--criterion applies to cards with a background (S^2/B or CLs); {card.name} uses {card.limit.criterion!r}")
    return load_card(name, (*overrides, f"limit.criterion='{criterion}'"))


CRITERION_TEXT = {name: c.text for name, c in CRITERIA.items()}
"""How the text output names each card's limit criterion (the JSON gives its key, ``criterion``)."""


def structure_text(info: dict[str, Any]) -> str:
    """The coupling structure as a line: scenario or a, and d_Z/d_gamma, d_W/d_gamma."""
    head = f"scenario {info['scenario']}" if info.get("scenario") else f"a = {info.get('a')}"
    ratios = f"d_Z/d_gamma = {info['d_Z_over_d_gamma']:.4g}, d_W/d_gamma = {info['d_W_over_d_gamma']:.4g}"
    flavour = f", flavour {info['flavor']}" if info.get("flavor") else ""
    return f"{head} ({ratios}){flavour}"


def _text(r: dict[str, Any]) -> str:
    lines = [f"95% CL limits on d_gamma [GeV^-1], cards {', '.join(r['cards'])}, {structure_text(r['structure'])}"]
    for name, res in r["by_card"].items():
        lines.append(f"{name}: criterion {res['criterion']}: {CRITERION_TEXT.get(res['criterion'], res['criterion'])}")
        if "runs" in res:
            lines.append(f"{name}: runs {', '.join(res['runs'])} combined: {res['combination']}")
    if "combined" in r:
        lines.append(f"combined ({', '.join(r['combined']['runs'])}): {r['combined']['combination']}")

    def intervals(ivs: list[list[float | None]]) -> str:
        return "none" if not ivs else " U ".join(f"[{lo:.3g}, {'inf' if hi is None else f'{hi:.3g}'}]" for lo, hi in ivs)

    for i, m in enumerate(r["masses"]):
        cells = []
        for name, res in r["by_card"].items():
            cells.append(f"{name}: {intervals(res['excluded'][i])}")
            cells += [f"{name}:{run}: {intervals(x['excluded'][i])}" for run, x in res.get("runs", {}).items()]
        if "combined" in r:
            cells.append(f"combined: {intervals(r['excluded'][i])}")
        lines.append(f"m_N = {m:.10g} GeV: " + "; ".join(cells))
    return "\n".join(lines)
