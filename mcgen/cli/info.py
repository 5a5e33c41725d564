"""``mcgen info``: couplings, widths, lifetime and analytic cross sections of one model at a card's sqrt(s)."""

from __future__ import annotations

import argparse
from typing import Any

from mcgen.analysis.info import model_info
from mcgen.cli import common
from mcgen.config.cards import load_card

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "info", help="couplings, widths, lifetime and analytic cross sections for one model and card",
        description="Couplings, N widths and branching ratio, c tau and lab decay length, and the analytic "
        "production cross sections (pb, N nubar + Nbar nu) at the card's sqrt(s).",
    )
    common.add_card_options(p)
    common.add_run_option(p)
    common.add_model_options(p)
    common.add_output_flags(p, None)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    card = load_card(args.card, tuple(args.overrides))
    results = {r.info.run: model_info(r, common.model(args, r), common.options(args)) for r in common.selected_runs(card, args.run)}
    common.emit_runs(args, results, _text)
    return 0


def _text(r: dict[str, Any]) -> str:
    m, c, w, s = r["model"], r["couplings"], r["widths_GeV"], r["sigma_pb"]
    a = "inf" if m["a"] is None else f"{m['a']:.6g}"
    lines = [
        f"card {r['card']['name']}: sqrt(s) = {r['inputs']['sqrt_s']:g} GeV, {r['beam']['luminosity_invpb']:.4g} pb^-1",
        f"m_N = {m['mass_GeV']:g} GeV, flavour {m['flavor']}, {m['nature']} N, a = {a}"
        + (f" (scenario {m['scenario']})" if m["scenario"] else ""),
        f"couplings [GeV^-1]: d_gamma = {c['d_gamma']:.6g}, d_Z = {c['d_Z']:.6g}, d_W = {c['d_W']:.6g}",
        f"widths [GeV]: nu gamma = {w['nu_gamma']:.6g}, nu Z = {w['nu_Z']:.6g}, l W = {w['l_W']:.6g} (two-body); "
        f"total = {w['total']:.6g}" + (" with three-body channels" if r["three_body_widths_GeV"] is not None else ""),
        f"Br(N -> nu gamma) = {r['br_nu_gamma']:.6g}; c tau = {r['ctau_m']:.6g} m; lab decay length = {r['decay_length_m']:.6g} m",
        "sigma(e+e- -> N nubar + Nbar nu) [pb]: "
        + ", ".join(f"{k} = {v:.6g}" for k, v in s.items()),
        "options: " + ", ".join(f"{k} = {v}" for k, v in r["options"].items()) + f"; mcgen {r['version']}",
    ]
    return "\n".join(lines)
