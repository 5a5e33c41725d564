"""The ``mcgen`` command: one sub-command per task; bad input is one line on stderr, exit 2."""

from __future__ import annotations

import argparse
import dataclasses
import json
import math
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

from mcgen.config.cards import load_card
from mcgen.errors import InputError
from mcgen.config.options import DECAY_LAWS, PhysicsOptions
from mcgen.analysis.info import finite_or_none, model_info
from mcgen.physics.model import make_model

__all__ = ["main", "build_parser"]

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2) instead of usage + error."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_card_options(p: argparse.ArgumentParser, *, multiple: bool = False) -> None:
    if multiple:
        p.add_argument("--card", action="append", required=True, help="card file or shipped card name (repeatable)")
    else:
        p.add_argument("--card", required=True, help="card file, or the name of a shipped card (e.g. lep2_delphi)")
    p.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="SECTION.KEY=VALUE",
        help="override a card value for this run, e.g. --set beam.sqrt_s=250 (repeatable)",
    )


def _add_model_options(p: argparse.ArgumentParser, *, with_dgamma: bool = True) -> None:
    g = p.add_argument_group("model")
    g.add_argument("--mass", type=float, required=True, metavar="GeV", help="HNL mass m_N in GeV")
    if with_dgamma:
        g.add_argument("--dgamma", type=float, metavar="GeV^-1", help="photon dipole d_gamma > 0 (the overall scale)")
    g.add_argument("--scenario", type=str.upper, metavar="I|II|III|IV", help="benchmark coupling structure")
    g.add_argument("--a", type=float, metavar="A", help="a = d_W/d_B in the unbroken phase (inf allowed)")
    g.add_argument("--dw", type=float, metavar="GeV^-2", help="unbroken SU(2) dipole d_W (with --db; fixes d_gamma)")
    g.add_argument("--db", type=float, metavar="GeV^-2", help="unbroken U(1) dipole d_B (with --dw)")
    g.add_argument("--flavor", required=True, metavar="e|mu|tau", help="active flavour the dipole couples to")
    _add_physics_options(p)


def _add_physics_options(p: argparse.ArgumentParser) -> None:
    o = p.add_argument_group("physics options")
    o.add_argument("--decay-law", default="exact", metavar="|".join(DECAY_LAWS),
                   help="photon angular law in N decay: exact (spin correlation, default), paper (1 - cos), isotropic")
    o.add_argument("--no-st-interference", action="store_true",
                   help="drop the s-channel / t-channel interference (flavour e), as the source paper does")
    o.add_argument("--two-body", action="store_true",
                   help="total width from two-body decays only (no N -> nu f fbar, l f fbar' through off-shell bosons)")


def _add_output_flags(p: argparse.ArgumentParser, force_help: str | None = "replace an existing output file") -> None:
    if force_help:
        p.add_argument("--force", action="store_true", help=force_help)
    p.add_argument("--json", action="store_true", help="print one JSON object on stdout")


def _add_structure_options(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("coupling structure (d_gamma is what the command scans)")
    g.add_argument("--masses", required=True, metavar="LIST", help="comma list (1,2,5) or start:stop:count")
    g.add_argument("--log", action="store_true", help="log-spaced start:stop:count")
    g.add_argument("--scenario", type=str.upper, metavar="I|II|III|IV", help="benchmark coupling structure")
    g.add_argument("--a", type=float, metavar="A", help="a = d_W/d_B in the unbroken phase (inf allowed)")
    g.add_argument("--flavor", required=True, metavar="e|mu|tau", help="active flavour the dipole couples to")
    _add_physics_options(p)
    r = p.add_argument_group("Monte Carlo")
    r.add_argument("-n", "--events", type=int, default=40_000, metavar="N", help="weighted events per mass (default 40000)")
    r.add_argument("--seed", type=int, default=1, help="random seed (mass i uses seed + i)")
    r.add_argument("--background-events", type=int, default=20_000, metavar="N",
                   help="weighted SM nu nubar gamma events for the S^2/B cards (default 20000)")


def _structure(args: argparse.Namespace, card) -> tuple[Any, dict[str, Any]]:
    """The coupling structure at d_gamma = 1 and its description."""
    from mcgen.physics.model import FLAVOURS, scenario_a, structure_from_a

    if (args.scenario is None) == (args.a is None):
        raise InputError("give the coupling structure exactly once: --scenario or --a")
    if args.flavor not in FLAVOURS:
        raise InputError(f"unknown flavour {args.flavor!r}: expected one of e, mu, tau")
    if args.events <= 0:
        raise InputError(f"-n must be > 0, got {args.events}")
    if args.seed < 0:
        raise InputError(f"--seed must be >= 0, got {args.seed}")
    a = scenario_a(args.scenario, card.electroweak) if args.scenario else args.a
    structure = structure_from_a(a, card.electroweak)
    return structure, {"scenario": args.scenario, "a": a if math.isfinite(a) else None, "flavor": args.flavor,
                       "d_Z_over_d_gamma": structure.d_Z, "d_W_over_d_gamma": structure.d_W}


def _cmd_limits(args: argparse.Namespace) -> int:
    from mcgen import __version__
    from mcgen.analysis.limits import parse_masses, scan_limits, union_intervals

    masses = parse_masses(args.masses, args.log)
    cards = [_load_with_criterion(c, args.criterion, args.overrides) for c in args.card]
    options = _options(args)
    by_card = {}
    for card in cards:
        structure, described = _structure(args, card)
        by_card[card.name] = scan_limits(card, masses, structure, args.flavor, options, args.events, args.seed,
                                         args.background_events)
    best, union = [], []
    for i in range(len(masses)):
        values = [r["d_gamma_95"][i] for r in by_card.values() if r["d_gamma_95"][i] is not None]
        best.append(min(values) if values else None)
        union.append(union_intervals([iv for r in by_card.values() for iv in r["excluded"][i]]))
    result = {
        "masses": masses, "d_gamma_95": best, "excluded": union, "by_card": by_card,
        "structure": described, "cards": [c.name for c in cards], "options": options.as_dict(),
        "n_events_per_mass": args.events, "seed": args.seed, "version": __version__,
        "inputs": {c.name: _card_inputs(c) for c in cards}, "overrides": list(args.overrides),
    }
    if args.plot:
        from mcgen.plots.limits import plot_limits

        plot_limits(result, args.plot, force=args.force)
        result["plot"] = args.plot
    _emit(args, result, _limits_text)
    return 0


def _card_inputs(card) -> dict[str, Any]:
    """What a limit depends on in a card (after --set), recorded with every limit result."""
    return {"sqrt_s": card.sqrt_s, **card.electroweak.as_dict(), "limit": dataclasses.asdict(card.limit),
            "selection": dataclasses.asdict(card.selection), "detector": dataclasses.asdict(card.detector)}


def _load_with_criterion(name: str, criterion: str | None, overrides: list[str]):
    """The card with its --set overrides and --criterion s2b|cls (only cards with a background have the choice)."""
    card = load_card(name, tuple(overrides))
    if criterion is None:
        return card
    if card.limit.criterion not in ("s2b", "cls"):
        raise InputError(f"--criterion applies to cards with a background (S^2/B or CLs); {card.name} uses {card.limit.criterion!r}")
    return load_card(name, (*overrides, f"limit.criterion='{criterion}'"))


def _limits_text(r: dict[str, Any]) -> str:
    lines = [f"95% CL limits on d_gamma [GeV^-1], cards {', '.join(r['cards'])}, structure {r['structure']}"]
    for i, m in enumerate(r["masses"]):
        cells = []
        for name, res in r["by_card"].items():
            ivs = res["excluded"][i]
            text = "none" if not ivs else " U ".join(f"[{lo:.3g}, {'inf' if hi is None else f'{hi:.3g}'}]" for lo, hi in ivs)
            cells.append(f"{name}: {text}")
        lines.append(f"m_N = {m:g} GeV: " + "; ".join(cells))
    return "\n".join(lines)


def _cmd_efficiency(args: argparse.Namespace) -> int:
    from mcgen import __version__, io
    from mcgen.analysis.limits import eps_cuts, parse_masses, signal_sample

    masses = parse_masses(args.masses, args.log)
    card = load_card(args.card, tuple(args.overrides))
    structure, described = _structure(args, card)
    options = _options(args)
    out = io.check_output_path(args.output, args.force) if args.output else None
    values: list[float | None] = []
    errors: list[float | None] = []
    for i, mass in enumerate(masses):
        if mass >= card.sqrt_s:
            values.append(None)
            errors.append(None)
            continue
        eps, err = eps_cuts(signal_sample(card, mass, args.flavor, options, args.events, args.seed + i), structure)
        values.append(eps)
        errors.append(err)
    result = {
        "masses": masses, "eps_cuts": values, "eps_cuts_err": errors, "card": card.name, "sqrt_s": card.sqrt_s,
        "structure": described, "options": options.as_dict(), "n_events_per_mass": args.events, "seed": args.seed,
        "electroweak": card.electroweak.as_dict(), "selection": dataclasses.asdict(card.selection), "version": __version__,
    }
    if out is not None:
        with io.atomic_output(out) as tmp:
            io.write_efficiency_root(tmp, result)
        result["output"] = str(out)
    _emit(args, result, lambda r: "\n".join(
        f"m_N = {m:g} GeV: eps_cuts = " + ("n/a (above threshold)" if e is None else f"{e:.4f} +- {de:.4f}")
        for m, e, de in zip(r["masses"], r["eps_cuts"], r["eps_cuts_err"])))
    return 0


def _cmd_scan(args: argparse.Namespace) -> int:
    import time

    from mcgen import __version__, io
    from mcgen.analysis.limits import parse_masses
    from mcgen.physics.model import FLAVOURS, SCENARIOS, scenario_a, structure_from_a
    from mcgen.analysis.scan import build_tasks, executor, run_scan

    masses = parse_masses(args.masses, args.log)
    cards = [load_card(c, tuple(args.overrides)) for c in args.card]
    ew = cards[0].electroweak
    if any(c.electroweak != ew for c in cards):
        raise InputError("the cards of one scan must share their [electroweak] inputs")
    for f in args.flavor:
        if f not in FLAVOURS:
            raise InputError(f"unknown flavour {f!r}: expected one of e, mu, tau")
    scenarios = list(SCENARIOS) if args.scenario == ["ALL"] else args.scenario
    structures = {f"scenario {sc}": structure_from_a(scenario_a(sc, ew), ew) for sc in scenarios}
    structures.update({f"a = {a:g}": structure_from_a(a, ew) for a in args.a})
    if not structures:
        raise InputError("give at least one coupling structure: --scenario (repeatable, or all) or --a (repeatable)")
    for name, value in (("-n", args.events), ("--workers", args.workers)):
        if value <= 0:
            raise InputError(f"{name} must be > 0, got {value}")
    if args.seed < 0:
        raise InputError(f"--seed must be >= 0, got {args.seed}")
    out = io.check_output_path(args.output, args.force) if args.output else None
    options = _options(args)
    tasks = build_tasks(cards, masses, args.flavor, structures, options, args.events, args.seed, args.background_events)
    start = time.perf_counter()
    if args.dask_local is not None and args.dask_local <= 0:
        raise InputError(f"--dask-local must be > 0, got {args.dask_local}")
    with executor(args.workers, args.scheduler, args.dask_local, timeout_s=args.timeout) as pool:
        rows = run_scan(tasks, pool)
    result = {
        "rows": rows, "cards": [c.name for c in cards], "masses": masses, "flavors": args.flavor,
        "structures": {k: v.as_dict() for k, v in structures.items()}, "options": options.as_dict(),
        "n_events_per_task": args.events, "seed": args.seed, "tasks": len(tasks),
        "seconds": time.perf_counter() - start, "version": __version__, "electroweak": ew.as_dict(),
        "inputs": {c.name: _card_inputs(c) for c in cards}, "overrides": list(args.overrides),
    }
    if out is not None:
        with io.atomic_output(out) as tmp:
            tmp.write_text(json.dumps(finite_or_none(result), allow_nan=False, indent=1))
        result["output"] = str(out)
    _emit(args, result, lambda r: f"{len(r['rows'])} limits from {r['tasks']} Monte Carlo tasks in {r['seconds']:.2f} s"
          + (f", written to {r['output']}" if "output" in r else ""))
    return 0


def _cmd_background(args: argparse.Namespace) -> int:
    import numpy as np

    from mcgen import __version__, io
    from mcgen.mc.background import background_cross_section, unweight

    card = load_card(args.card, tuple(args.overrides))
    if args.events <= 0:
        raise InputError(f"-n must be > 0, got {args.events}")
    if args.seed < 0:
        raise InputError(f"--seed must be >= 0, got {args.seed}")
    out = io.check_output_path(args.output, args.force) if args.output else None
    result = background_cross_section(card, args.events, args.seed, keep_events=out is not None)
    if not (result["sigma_pb"] > 0 or result["sigma_reco_pb"] > 0):
        raise InputError(f"card {card.name}: none of the {args.events} nu nubar gamma events passes the selection "
                         "(true or reconstructed photon); loosen the cuts")
    result.update(card={"name": card.name, "path": card.path}, sqrt_s=card.sqrt_s, seed=args.seed,
                  electroweak=card.electroweak.as_dict(), version=__version__,
                  note="tree level, no ISR; weighted events; sigma after the card's cuts on the true photon, "
                  "sigma_reco after the toy detector and the same cuts")
    if out is not None:
        columns = result.pop("columns")
        if args.unweighted:
            columns = unweight(columns, np.random.default_rng(np.random.SeedSequence([args.seed, 1])))
        metadata = {k: v for k, v in result.items() if k != "columns"} | {
            "unweighted": args.unweighted, "events_written": len(columns["weight_pb"]), "card_content": card.raw}
        with io.atomic_output(out) as tmp:
            io.write_background_root(tmp, columns, metadata)
        result.update(output=str(out), events_written=len(columns["weight_pb"]), unweighted=args.unweighted)
    _emit(args, result, lambda r: "\n".join(
        [f"SM e+e- -> nu nubar gamma at {r['sqrt_s']:g} GeV, card {r['card']['name']}: "
         f"sigma = {r['sigma_pb']:.4g} +- {r['sigma_err_pb']:.2g} pb, after the detector {r['sigma_reco_pb']:.4g} pb"]
        + [f"  nu_{f}: {v['sigma_pb']:.4g} +- {v['sigma_err_pb']:.2g} pb" for f, v in r["by_flavour"].items()]))
    return 0


def _cmd_reproduce(args: argparse.Namespace) -> int:
    from mcgen import __version__
    from mcgen.plots.figures import reproduce

    if args.events <= 0:
        raise InputError(f"-n must be > 0, got {args.events}")
    paths = reproduce(args.figure, args.output, n=args.events, seed=args.seed, options=_options(args),
                      force=args.force, quick=args.quick)
    result = {"figure": args.figure, "files": paths, "options": _options(args).as_dict(), "n_events": args.events,
              "seed": args.seed, "version": __version__}
    _emit(args, result, lambda r: "wrote " + ", ".join(r["files"]))
    return 0


def _options(args: argparse.Namespace) -> PhysicsOptions:
    return PhysicsOptions(decay_law=args.decay_law, st_interference=not args.no_st_interference,
                          three_body=not args.two_body)


def _emit(args: argparse.Namespace, result: dict[str, Any], text: Callable[[dict[str, Any]], str]) -> None:
    if args.json:
        print(json.dumps(finite_or_none(result), allow_nan=False, indent=2))
    else:
        print(text(result))


def _info_text(r: dict[str, Any]) -> str:
    m, c, w, s = r["model"], r["couplings"], r["widths_GeV"], r["sigma_pb"]
    a = "inf" if m["a"] is None else f"{m['a']:.6g}"
    lines = [
        f"card {r['card']['name']}: sqrt(s) = {r['inputs']['sqrt_s']:g} GeV",
        f"m_N = {m['mass_GeV']:g} GeV, flavour {m['flavor']}, a = {a}" + (f" (scenario {m['scenario']})" if m["scenario"] else ""),
        f"couplings [GeV^-1]: d_gamma = {c['d_gamma']:.6g}, d_Z = {c['d_Z']:.6g}, d_W = {c['d_W']:.6g}",
        f"widths [GeV]: nu gamma = {w['nu_gamma']:.6g}, nu Z = {w['nu_Z']:.6g}, l W = {w['l_W']:.6g} (two-body); "
        f"total = {w['total']:.6g}" + (" with three-body channels" if r["three_body_widths_GeV"] is not None else ""),
        f"Br(N -> nu gamma) = {r['br_nu_gamma']:.6g}; c tau = {r['ctau_m']:.6g} m; lab decay length = {r['decay_length_m']:.6g} m",
        "sigma(e+e- -> N nubar + Nbar nu) [pb]: "
        + ", ".join(f"{k} = {v:.6g}" for k, v in s.items()),
        "options: " + ", ".join(f"{k} = {v}" for k, v in r["options"].items()) + f"; mcgen {r['version']}",
    ]
    return "\n".join(lines)


def _cmd_info(args: argparse.Namespace) -> int:
    card = load_card(args.card, tuple(args.overrides))
    model = _model(args, card)
    _emit(args, model_info(card, model, _options(args)), _info_text)
    return 0


def _model(args: argparse.Namespace, card) -> Any:
    return make_model(
        args.mass, args.flavor, card.electroweak,
        d_gamma=getattr(args, "dgamma", None), scenario=args.scenario, a=args.a, d_W=args.dw, d_B=args.db,
    )


def _cmd_generate(args: argparse.Namespace) -> int:
    from mcgen import io
    from mcgen.mc.driver import generate
    from mcgen.config.options import check_kinematics

    card = load_card(args.card, tuple(args.overrides))
    model = _model(args, card)
    options = _options(args)
    check_kinematics(card, model)
    if args.events <= 0:
        raise InputError(f"-n must be > 0, got {args.events}")
    if args.seed < 0:
        raise InputError(f"--seed must be >= 0, got {args.seed}")
    fmt = args.format or {".lhe": "lhe", ".hepmc": "hepmc", ".hepmc3": "hepmc"}.get(Path(args.output).suffix, "root")
    if fmt in ("lhe", "hepmc"):
        _require(fmt)
    out = io.check_output_path(args.output, args.force)
    with io.atomic_output(out) as tmp:
        if fmt == "root":
            writer = io.RootWriter(tmp, args.events, card.sqrt_s, card.detector.decay_radius_m, args.compression)
            try:
                events = generate(card, model, args.events, args.seed, options, weighted=args.weighted,
                                  on_batch=writer.write, keep=False)
            except BaseException:
                writer.abort()
                raise
            writer.close(events.summary, events.metadata)
        else:
            events = generate(card, model, args.events, args.seed, options, weighted=args.weighted)
            if fmt == "lhe":
                io.write_lhe(tmp, events.columns, events.summary, events.metadata, model.flavour)
            else:
                io.write_hepmc(tmp, events.columns, events.metadata, model.flavour)
    result = {**events.summary, "output": str(out), "format": fmt, **events.metadata}
    result.pop("card_content", None)
    _emit(args, result, _generate_text)
    return 0


def _require(fmt: str) -> None:
    module = {"lhe": "pylhe", "hepmc": "pyhepmc"}[fmt]
    try:
        __import__(module)
    except ImportError:
        raise InputError(f"--format {fmt} needs the optional package {module}: pip install 'mcgen[io]'") from None


def _generate_text(r: dict[str, Any]) -> str:
    eps_det = "n/a" if r["eps_det"] is None else f"{r['eps_det']:.4g}"
    return "\n".join([
        f"wrote {r['n_events']:,d} events to {r['output']} ({r['format']})",
        f"sigma(N nubar + Nbar nu) = {r['sigma_pb']:.6g} +- {r['sigma_err_pb']:.2g} pb (analytic quadrature {r['sigma_quadrature_pb']:.6g})",
        f"eps_cuts = {r['eps_cuts']:.4g}, eps_det = {eps_det}, P(decay inside) = {r['p_decay_inside']:.4g}, "
        f"Br(N -> nu gamma) = {r['br_nu_gamma']:.4g}",
        f"expected events at the card's luminosity: {r['n_expected']:.4g}",
        f"rates: {r['rates']['generation_ev_per_s']:.3g} ev/s generation, {r['rates']['total_ev_per_s']:.3g} ev/s with output",
    ])


def _cmd_bench(args: argparse.Namespace) -> int:
    from mcgen import __version__
    from mcgen.bench import run_benchmarks

    result = run_benchmarks(quick=args.quick) | {"version": __version__}
    _emit(args, result, _bench_text)
    return 0


def _bench_text(r: dict[str, Any]) -> str:
    s = r["signal_ev_per_s_per_core"]
    more = r["signal_more_ev_per_s_per_core"]
    ratios = r["ratios"]
    return "\n".join([
        f"events/s per core ({r['threads']} threads, {r['events']:,d} events, card {r['card']}):",
        f"  generation only                      {s['generate']:.3g}",
        f"  + decay, detector, selection (full)  {s['full']:.3g}",
        f"  full, into a 2M-event batch (memory) {more['full_into_memory']:.3g}",
        f"  full through mcgen.generate          {more['full_api']:.3g}",
        f"  full + ROOT writing                  {s['full_root']:.3g}",
        f"  full + ROOT writing, uncompressed    {more['full_root_uncompressed']:.3g}",
        f"  writing the output columns alone     {more['output_only']:.3g}",
        f"  RNG ceiling ({r['rng_draws_per_event']:.2f} SplitMix64 draws/event) {r['rng_ceiling_ev_per_s_per_core']:.3g}",
        f"  MT19937, 9 draws/event (reference)   {r['mt19937_9_draws_ev_per_s_per_core']:.3g}",
        f"  SM nu nubar gamma background: {r['background_ev_per_s']['weighted']:.3g} weighted ev/s, "
        f"{r['background_ev_per_s']['unweighted']:.3g} unweighted ev/s "
        f"(unweighting efficiency {r['background_ev_per_s']['unweighting_efficiency']:.3f})",
        "ratios: " + ", ".join(f"{k} = {v:.3f}" for k, v in ratios.items()),
    ])


def build_parser() -> argparse.ArgumentParser:
    from mcgen import __version__
    from mcgen.io import FORMATS, ROOT_COMPRESSIONS

    parser = _Parser(prog="mcgen", description=__doc__.split(":")[0] if __doc__ else None)
    parser.description = "Monte Carlo for heavy neutral leptons with a dipole portal at e+e- colliders."
    parser.add_argument("--version", action="version", version=f"mcgen {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    info = sub.add_parser(
        "info", help="couplings, widths, lifetime and analytic cross sections for one model and card",
        description="Couplings, N widths and branching ratio, c tau and lab decay length, and the analytic "
        "production cross sections (pb, N nubar + Nbar nu) at the card's sqrt(s).",
    )
    _add_card_options(info)
    _add_model_options(info)
    _add_output_flags(info, None)
    info.set_defaults(handler=_cmd_info)

    gen = sub.add_parser(
        "generate", help="generate events and write them (ROOT, LHE or HepMC3)",
        description="Generate e+e- -> N nubar (+ h.c.), N -> nu gamma with the full spin correlation, "
        "displaced decays, the card's toy detector and selection; write a ROOT file (events tree, "
        "histograms, metadata), or LHE / HepMC3 events.",
    )
    _add_card_options(gen)
    _add_model_options(gen)
    gen.add_argument("-n", "--events", type=int, required=True, metavar="N", help="number of events")
    gen.add_argument("--seed", type=int, default=1, help="random seed (default 1); same seed, same events")
    gen.add_argument("-o", "--output", required=True, metavar="FILE", help="output file")
    gen.add_argument("--format", choices=FORMATS, help="root (default), lhe or hepmc (else from the suffix)")
    gen.add_argument("--weighted", action="store_true",
                     help="weighted events from a coupling-independent proposal (for reweighting)")
    gen.add_argument("--compression", choices=ROOT_COMPRESSIONS, default="lz4",
                     help="ROOT output: lz4 (default), zlib or none (about twice as fast to write, ~12%% larger)")
    _add_output_flags(gen)
    gen.set_defaults(handler=_cmd_generate)

    eff = sub.add_parser("efficiency", help="eps_cuts table over masses for a coupling structure",
                         description="Truth-level selection efficiency eps_cuts per mass, from one weighted Monte Carlo "
                         "run per mass reweighted to the coupling structure; written as a hist in ROOT and as JSON.")
    _add_card_options(eff)
    _add_structure_options(eff)
    eff.add_argument("-o", "--output", metavar="FILE", help="ROOT file for the table (hist + metadata)")
    _add_output_flags(eff)
    eff.set_defaults(handler=_cmd_efficiency)

    lim = sub.add_parser("limits", help="95%% CL limits on d_gamma vs m_N",
                         description="95%% CL excluded intervals of d_gamma per mass for the card's analysis "
                         "(OPAL, DELPHI, L3 Z -> gamma + invisible, Z invisible width, CEPC S^2/B or CLs), solving the criterion "
                         "with the lifetime dependence of the decay probability.")
    _add_card_options(lim, multiple=True)
    _add_structure_options(lim)
    lim.add_argument("--criterion", choices=("s2b", "cls"),
                     help="for cards with a background: S^2/B = 2.71 or the pyhf CLs limit (the card sets the default)")
    lim.add_argument("--plot", metavar="FILE", help="also draw the limits (PNG or PDF, mplhep) and their JSON")
    _add_output_flags(lim, "replace an existing plot")
    lim.set_defaults(handler=_cmd_limits)

    scan = sub.add_parser("scan", help="limits over a grid of cards, masses, flavours and structures (local or Dask)",
                          description="One weighted Monte Carlo task per (card, mass, flavour), reweighted to every "
                          "structure; run in-process, in a local process pool (--workers), or on Dask "
                          "(--scheduler tcp://HOST:PORT, or --dask-local N). Seeds are per task: any executor "
                          "gives the serial result.")
    _add_card_options(scan, multiple=True)
    scan.add_argument("--masses", required=True, metavar="LIST", help="comma list or start:stop:count")
    scan.add_argument("--log", action="store_true", help="log-spaced start:stop:count")
    scan.add_argument("--scenario", type=str.upper, action="append", default=[], help="I..IV (repeatable) or all")
    scan.add_argument("--a", type=float, action="append", default=[], help="a = d_W/d_B (repeatable)")
    scan.add_argument("--flavor", action="append", required=True, help="e, mu or tau (repeatable)")
    _add_physics_options(scan)
    scan.add_argument("-n", "--events", type=int, default=20_000, help="weighted events per task (default 20000)")
    scan.add_argument("--seed", type=int, default=1)
    scan.add_argument("--background-events", type=int, default=20_000, metavar="N",
                      help="weighted SM nu nubar gamma events per card with a background (default 20000)")
    scan.add_argument("--workers", type=int, default=1, help="local worker processes (default 1: in-process)")
    scan.add_argument("--scheduler", metavar="tcp://HOST:PORT", help="a running Dask scheduler")
    scan.add_argument("--dask-local", type=int, metavar="N", help="start a Dask LocalCluster with N workers")
    scan.add_argument("--timeout", type=float, default=10.0, metavar="S", help="seconds to reach the scheduler (default 10)")
    scan.add_argument("-o", "--output", metavar="FILE", help="write the JSON result to FILE")
    _add_output_flags(scan)
    scan.set_defaults(handler=_cmd_scan)

    bkg = sub.add_parser("background", help="the SM e+e- -> nu nubar gamma cross section after the card's cuts",
                         description="Tree-level e+e- -> nu nubar gamma (three flavours; Z with the photon from "
                         "either beam, and for nu_e the W t-channel with the photon from e+, e- or the W) by "
                         "weighted Monte Carlo: sigma after the card's cuts on the true photon and after the toy "
                         "detector, per flavour.")
    _add_card_options(bkg)
    bkg.add_argument("-n", "--events", type=int, default=20_000, help="weighted events (default 20000)")
    bkg.add_argument("--seed", type=int, default=1)
    bkg.add_argument("-o", "--output", metavar="FILE", help="write the events to a ROOT file (tree, histograms, metadata)")
    bkg.add_argument("--unweighted", action="store_true", help="unweight the written events (hit-or-miss)")
    _add_output_flags(bkg)
    bkg.set_defaults(handler=_cmd_background)

    rep = sub.add_parser("reproduce", help="the source paper's figures from scratch",
                         description="Draw a figure of arXiv:2301.06050 (3: LEP limits; 4, 5: rates vs a with the "
                         "LEP limits) as PNG and PDF, with the JSON of its curves.")
    rep.add_argument("--figure", type=int, required=True, metavar="N", help="figure number (3, 4 or 5)")
    rep.add_argument("-o", "--output", required=True, metavar="DIR", help="output directory (created if needed)")
    rep.add_argument("-n", "--events", type=int, default=20_000, help="weighted events per Monte Carlo task")
    rep.add_argument("--seed", type=int, default=1)
    rep.add_argument("--quick", action="store_true", help="coarser grids (a preview in seconds)")
    _add_physics_options(rep)
    _add_output_flags(rep, "replace existing files")
    rep.set_defaults(handler=_cmd_reproduce)

    bench = sub.add_parser("bench", help="throughput of the generator, measured in one run",
                           description="Events per second per core: generation only; + decay, detector and "
                           "selection; + ROOT writing; and the RNG ceiling (the same random draws, no physics).")
    bench.add_argument("--quick", action="store_true", help="fewer events (a few seconds)")
    _add_output_flags(bench, None)
    bench.set_defaults(handler=_cmd_bench)
    return parser



def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``mcgen`` console script; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except InputError as exc:
        print(f"mcgen {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("mcgen: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
