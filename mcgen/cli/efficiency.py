"""``mcgen efficiency``: the eps_cuts table over masses for one coupling structure (mcgen.analysis.efficiency)."""

from __future__ import annotations

import argparse
from typing import Any

from mcgen.cli import common
from mcgen.config.cards import load_card

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("efficiency", help="eps_cuts table over masses for a coupling structure",
                              description="Truth-level selection efficiency eps_cuts per mass, from one weighted Monte "
                              "Carlo run per mass reweighted to the coupling structure; written as a hist in ROOT and "
                              "as JSON.")
    common.add_card_options(p)
    common.add_structure_options(p)
    p.add_argument("-o", "--output", metavar="FILE", help="ROOT file for the table (hist + metadata)")
    common.add_output_flags(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from mcgen import io
    from mcgen.analysis.efficiency import efficiency_table
    from mcgen.analysis.limits import parse_masses

    masses = parse_masses(args.masses, args.log)
    card = load_card(args.card, tuple(args.overrides))
    structure, described = common.structure(args, card)
    options = common.options(args)
    out = io.check_output_path(args.output, args.force) if args.output else None
    result = efficiency_table(card, masses, structure, args.flavor, options, args.events, args.seed,
                              structure_info=described)
    if out is not None:
        with io.atomic_output(out) as tmp:
            io.write_efficiency_root(tmp, result)
        result["output"] = str(out)
    common.emit(args, result, _text)
    return 0


def _text(r: dict[str, Any]) -> str:
    return "\n".join(
        f"m_N = {m:g} GeV: eps_cuts = " + ("n/a (above threshold)" if e is None else f"{e:.4f} +- {de:.4f}")
        for m, e, de in zip(r["masses"], r["eps_cuts"], r["eps_cuts_err"]))
