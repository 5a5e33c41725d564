"""``mcgen background``: the SM e+e- -> nu nubar gamma cross section after a card's cuts, and its
events (mcgen.analysis.background)."""

from __future__ import annotations

import argparse
from typing import Any

from mcgen.cli import common
from mcgen.config.cards import BACKGROUND_PROCESSES as PROCESS_NAMES
from mcgen.config.cards import load_card

__all__ = ["add_parser", "run"]


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser("background", help="a background's cross section after the card's cuts (SM nu nubar gamma, "
                              "e+e- gamma, gamma gamma)",
                              description="Tree-level e+e- -> nu nubar gamma (three flavours; Z with the photon from "
                              "either beam, and for nu_e the W t-channel with the photon from e+, e- or the W) by "
                              "weighted Monte Carlo: sigma after the card's cuts on the true photon and after the toy "
                              "detector, per flavour. --process eegamma: e+e- -> e+e- gamma where the photon is seen "
                              "and both leptons lost; --process gammagamma: e+e- -> gamma gamma and gamma gamma gamma where "
                              "one photon is seen and the others lost; each with the cut flow.")
    common.add_card_options(p)
    common.add_run_option(p, "every run, with -o one file each: FILE's stem with _RUN")
    p.add_argument("-n", "--events", type=common.EVENTS_IN_MEMORY, default=20_000, metavar="N",
                   help=f"weighted events (default 20000, at most {common.MAX_EVENTS_IN_MEMORY:.0e})")
    p.add_argument("--seed", type=common.SEED, default=1, help="random seed >= 0 (default 1)")
    p.add_argument("-o", "--output", metavar="FILE", help="write the events to a ROOT file (tree, histograms, metadata)")
    p.add_argument("--unweighted", action="store_true", help="unweight the written events (hit-or-miss)")
    p.add_argument("--process", choices=PROCESS_NAMES, default=PROCESS_NAMES[0],
                   help="nunugamma (default: SM e+e- -> nu nubar gamma) or a reducible background made where the event "
                   "looks like a single photon: eegamma (e+e- -> e+e- gamma, both leptons lost) or gammagamma "
                   "(e+e- -> gamma gamma (gamma), the other photons lost)")
    common.add_output_flags(p)
    p.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from mcgen import io
    from mcgen.analysis.background import background_metadata, background_sample, background_summary

    card = load_card(args.card, tuple(args.overrides))
    runs = common.selected_runs(card, args.run)
    outs = [io.check_output_path(common.run_output(args.output, r, len(runs) > 1), args.force) if args.output else None
            for r in runs]  # every output checked before any run is made
    results = {}
    for run_card, out in zip(runs, outs):
        result, columns = background_sample(run_card, args.events, args.seed, keep_events=out is not None,
                                            unweighted=args.unweighted, process=args.process)
        if out is not None and columns is not None:  # columns come with an output
            with io.atomic_output(out, args.force) as tmp:
                io.write_background_root(tmp, columns, background_metadata(run_card, result, columns, args.unweighted),
                                         background_summary(result))
            result.update(output=str(out), events_written=len(columns["weight_pb"]), unweighted=args.unweighted)
        results[run_card.info.run] = result
    common.emit_runs(args, results, _text)
    return 0


def _text(r: dict[str, Any]) -> str:
    if r.get("process", "nunugamma") != "nunugamma":
        return "\n".join(
            [f"{r['process']} at {r['sqrt_s']:g} GeV, card {r['card']['name']}: sigma = {r['sigma_pb']:.4g} +- "
             f"{r['sigma_err_pb']:.2g} pb, after the detector {r['sigma_reco_pb']:.4g} +- {r['sigma_reco_err_pb']:.2g} pb"]
            + [f"  of which {name}: {v['sigma_pb']:.4g} +- {v['sigma_err_pb']:.2g} pb, after the detector "
               f"{v['sigma_reco_pb']:.4g} +- {v['sigma_reco_err_pb']:.2g} pb" for name, v in r.get("parts", {}).items()]
            + [f"  {step['step']}: {step['sigma_pb']:.4g} +- {step['sigma_err_pb']:.2g} pb" for step in r["cut_flow"]])
    return "\n".join(
        [f"SM e+e- -> nu nubar gamma at {r['sqrt_s']:g} GeV, card {r['card']['name']}: "
         f"sigma = {r['sigma_pb']:.4g} +- {r['sigma_err_pb']:.2g} pb, after the detector {r['sigma_reco_pb']:.4g} pb"]
        + [f"  nu_{f}: {v['sigma_pb']:.4g} +- {v['sigma_err_pb']:.2g} pb" for f, v in r["by_flavour"].items()]
        + ["cut flow:"] + [f"  {step['step']}: {step['sigma_pb']:.4g} +- {step['sigma_err_pb']:.2g} pb" for step in r["cut_flow"]])
