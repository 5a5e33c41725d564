"""``mcgen efficiency``: the eps_cuts table over masses for one coupling structure (mcgen.analysis.efficiency),
from its own Monte Carlo (--card, --masses) or from event files (--input, with the card's cuts or --cut)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from mcgen.cli import common
from mcgen.config.cards import Card, load_card
from mcgen.errors import InputError

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("efficiency", help="eps_cuts table over masses for a coupling structure",
                              description="Truth-level selection efficiency eps_cuts per mass, from one weighted Monte "
                              "Carlo run per mass reweighted to the coupling structure (--card, --masses, --flavor), or "
                              "from event files of mcgen generate (--input; the card, masses and flavour are the files'), "
                              "with the card's cuts or your own (--cut); written as a hist in ROOT and as JSON.")
    common.add_card_options(p, required=False)
    common.add_run_option(p, "every run, one table each: FILE's stem with _RUN")
    common.add_structure_options(p, required=False)
    f = p.add_argument_group("from event files")
    f.add_argument("--input", nargs="+", metavar="FILE", help="signal event files (ROOT) of mcgen generate; globs allowed")
    f.add_argument("--cut", action="append", default=[], metavar="EXPR",
                   help="a selection over branch names and four-momentum properties, e.g. "
                   "'gamma.pt > 40 and abs(gamma.cos_theta) < 0.9' (repeatable: all must hold; replaces the card's cuts)")
    f.add_argument("--detector", metavar="CARD", help="measure the true photons again with this card's toy detector")
    f.add_argument("--detector-seed", type=common.SEED, default=1, metavar="S", help="random seed of --detector (default 1)")
    p.add_argument("-o", "--output", metavar="FILE", help="ROOT file for the table (hist + metadata)")
    common.add_output_flags(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from mcgen import io

    jobs: list[tuple[Card | None, Path | None]]
    if args.input:
        jobs = [(None, io.check_output_path(args.output, args.force) if args.output else None)]
    else:
        common.require_run_options(args, "--input", "event files")
        if args.cut or args.detector:
            raise InputError("--cut and --detector apply to event files: give them with --input")
        runs = common.selected_runs(load_card(args.card, tuple(args.overrides)), args.run)
        jobs = [(r, io.check_output_path(common.run_output(args.output, r, len(runs) > 1), args.force) if args.output else None)
                for r in runs]  # every output checked before any table is made
    results = {}
    for card, out in jobs:
        result = _from_files(args) if card is None else _from_monte_carlo(args, card)
        if out is not None:
            with io.atomic_output(out, args.force) as tmp:
                io.write_efficiency_root(tmp, result)
            result["output"] = str(out)
        results[card.info.run if card is not None else ""] = result
    common.emit_runs(args, results, _text)
    return 0


def _from_monte_carlo(args: argparse.Namespace, card: Any) -> dict[str, Any]:
    """The table of one run of the card from its own Monte Carlo."""
    from mcgen.analysis.efficiency import efficiency_table
    from mcgen.analysis.limits import parse_masses

    masses = parse_masses(args.masses, args.log)
    structure, described = common.structure(args, card)
    return efficiency_table(card, masses, structure, args.flavor, common.options(args), args.events, args.seed,
                            structure_info=described, nature=common.nature(args))


def _from_files(args: argparse.Namespace) -> dict[str, Any]:
    """The table from event files: card, masses, flavour and physics options are the files' own."""
    from mcgen.analysis.efficiency import efficiency_from_files
    common.refuse_run_options(args, "--input")
    if args.detector_seed < 0:
        raise InputError(f"--detector-seed must be >= 0, got {args.detector_seed}")
    detector = (load_card(args.detector), args.detector_seed) if args.detector else None
    return efficiency_from_files(args.input, args.cut, scenario=args.scenario, a=args.a, detector=detector)


def _text(r: dict[str, Any]) -> str:
    return "\n".join(
        f"m_N = {m:g} GeV: eps_cuts = " + ("n/a (above threshold)" if e is None else f"{e:.4f} +- {de:.4f}")
        for m, e, de in zip(r["masses"], r["eps_cuts"], r["eps_cuts_err"]))
