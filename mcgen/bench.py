"""Throughput measured in one run (``mcgen bench``): signal generation only, generation +
decay + detector + selection (the staged kernel, and with ISR), the same
with ROOT writing, the output-only bound and the RNG ceiling; the SM background (with and
without ISR) and the LHE and HepMC3 writers."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numba
import numpy as np

from mcgen.config.cards import load_card
from mcgen.config.options import PhysicsOptions
from mcgen.io import RootWriter
from mcgen.mc.ceilings import mt19937_reference, output_bound, rng_ceiling
from mcgen.mc.driver import STREAM_CHUNKS_PER_THREAD, generate, kernel_inputs, run_kernel
from mcgen.mc.kernel import CHUNK, column_buffers
from mcgen.physics.model import make_model

__all__ = ["run_benchmarks"]


def _best_rate(fn, n: int, repeats: int) -> float:
    best = 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = max(best, n / (time.perf_counter() - t0))
    return best


SPREAD = 0.00134
"""The relative energy spread per beam of the benchmark's signal with beam effects (the CEPC CDR's at 240 GeV)."""

BACKGROUND_CUTS = ("selection.z_return_veto_widths=0", "selection.bhabha_cos_theta_b=0", "beam.energy_spread=0")
"""The background's benchmark: cepc_h (240 GeV, |cos| < 0.99, pT > 100 GeV) without the Z-return veto
and the Bhabha cut, the set Sherpa and MadGraph were timed on, at the nominal beams (the
card's CDR spread off: the rate without beam effects, against which ISR is timed)."""


def _background_rates(n: int, threads: int, repeats: int = 2) -> tuple[dict[str, float], dict[str, float], float]:
    """SM nu nubar gamma on the benchmark cut set, without and with ISR: per case the training's
    wall time, then weighted events per second per core with the trained map (three flavours, toy
    detector, selection; the best of ``repeats`` runs, as the signal's rates: the first run at a
    size also pays for first touching its memory, 1.5-3x on these hosts) and unweighted ones =
    weighted x unweighting efficiency; and the ISR / no-ISR ratio of the weighted rates, the median
    of adjacent pairs (the runs interleaved: the machine's load drifts)."""
    from mcgen.mc.background import background_cross_section, train_phase_space, training_points

    cases: list[dict[str, Any]] = []
    for isr in (False, True):
        card = load_card("cepc_h", BACKGROUND_CUTS + (("beam.isr=true",) if isr else ()))
        background_cross_section(card, 200, 1)  # compile / load the kernels
        start = time.perf_counter()
        grid = train_phase_space(card, np.random.default_rng(1), n_per_iteration=training_points(n))
        cases.append({"card": card, "grid": grid, "training_s": time.perf_counter() - start, "rates": []})
    for _ in range(repeats):
        for case in cases:
            start = time.perf_counter()
            case["result"] = background_cross_section(case["card"], n, 2, grid=case["grid"])  # one seed: the same numbers
            case["rates"].append(n / (time.perf_counter() - start) / threads)
    out = []
    for case in cases:
        weighted, efficiency = max(case["rates"]), case["result"]["unweighting_efficiency"] or 0.0
        out.append({"weighted": weighted, "unweighted": weighted * efficiency, "unweighting_efficiency": efficiency,
                    "training_s": case["training_s"]})
    ratio = float(np.median([b / a for a, b in zip(cases[0]["rates"], cases[1]["rates"])]))
    return out[0], out[1], ratio


def _reducible_rates(process: str, n: int, threads: int, repeats: int = 2) -> dict[str, Any]:
    """A reducible background (``background --process gammagamma|eegamma``): weighted events per second per
    core through the whole chain (beams, the event, the vetoes, the toy detector, the selection) on cepc_z and
    belle2 (without its escape margin, through which they leak), the best of ``repeats``; unweighted
    single-photon events per second per core (the weighted rate times the fraction of events that look like a
    single photon times their unweighting efficiency, mean/max weight); and the time to the cross section after
    the detector and the cuts with a 1% statistical error (the run's time scaled by (its error / 1%)^2; null
    where nothing passes: cepc_z's cuts remove it all)."""
    from mcgen.analysis.background import PROCESSES

    compute = PROCESSES[process].compute
    out: dict[str, Any] = {}
    for name, overrides in (("cepc_z", ()), ("belle2", ("selection.escape_margin_sigma=0",))):
        card = load_card(name, overrides)
        best, result = 0.0, None
        for _ in range(repeats):
            start = time.perf_counter()
            result = compute(card, n, 2, True)
            elapsed = time.perf_counter() - start
            best = max(best, n / elapsed / threads)
        assert result is not None
        w = result["columns"]["weight_pb"]
        unweighting = float(w.mean() / w.max()) * len(w) / n if len(w) and w.max() > 0 else 0.0
        rel = result["sigma_reco_err_pb"] / result["sigma_reco_pb"] if result["sigma_reco_pb"] > 0 else None
        out[name] = {"weighted_ev_per_s_per_core": best, "unweighted_ev_per_s_per_core": best * unweighting,
                     "sigma_reco_pb": result["sigma_reco_pb"],
                     "seconds_to_1pct": None if rel is None else n / (best * threads) * (rel / 0.01) ** 2}
    return out


def _writer_rates(card, model, options, n: int, folder: Path) -> dict[str, float]:
    """LHE and HepMC3 events written per second (the writers alone, on columns kept in memory)."""
    from mcgen.io import write_hepmc, write_lhe

    ev = generate(card, model, n, 3, options)
    rates = {}
    for name, write in (("lhe", lambda p: write_lhe(p, ev.columns, ev.summary, ev.metadata, model.flavour)),
                        ("hepmc", lambda p: write_hepmc(p, ev.columns, ev.metadata, model.flavour, summary=ev.summary))):
        t0 = time.perf_counter()
        write(folder / f"bench.{name}")
        rates[name] = n / (time.perf_counter() - t0)
    return rates


def run_benchmarks(quick: bool = False, events: int = 1 << 21) -> dict[str, Any]:
    """Events per second per core on the default card (LEP2 DELPHI, m_N = 100 GeV, scenario II, e).

    ``events`` per round defaults to the batch mcgen.generate uses when it keeps the columns;
    "generate" and "full" run the kernel on the batches it streams with (one chunk per thread)."""
    n = events
    rounds = 1 if quick else 4
    repeats = 2 if quick else 3
    threads = numba.get_num_threads()
    card = load_card("lep2_delphi")
    model = make_model(100.0, "e", card.electroweak, d_gamma=1e-5, scenario="II")
    options = PhysicsOptions()
    keys = np.random.SeedSequence(2024).generate_state((n + CHUNK - 1) // CHUNK, dtype=np.uint64)
    counts = np.zeros((3, keys.size), dtype=np.int64)  # tried, overweight, drawn per chunk
    real, flags = column_buffers(n)
    rates = {}

    beam_inputs = {  # each event at its own s_hat (mcgen.mc.beams), the same card otherwise
        "isr": kernel_inputs(load_card("lep2_delphi", ("beam.isr=true",)), model, options, weighted=False),
        # and each beam's energy smeared (0.134%: the CEPC CDR's spread at 240 GeV)
        "isr_spread": kernel_inputs(load_card("lep2_delphi", ("beam.isr=true", f"beam.energy_spread={SPREAD}")), model,
                                    options, weighted=False),
    }

    # the boosted centre of mass (belle2: 7.004 on 4.002 GeV at 83 mrad) and the same card head-on at its sqrt(s)
    belle2 = load_card("belle2")
    half = belle2.sqrt_s / 2
    head_on = load_card("belle2", (f"beam.electron_energy={half!r}", f"beam.positron_energy={half!r}", "beam.crossing_angle_rad=0"))
    light = make_model(1.0, "e", belle2.electroweak, d_gamma=1e-5, scenario="II")
    beam_inputs["boosted"] = kernel_inputs(belle2, light, options, weighted=False)
    beam_inputs["head_on"] = kernel_inputs(head_on, light, options, weighted=False)

    def kernel_rate(stage, size, rounds, beams=None):
        out = (real[:, :size], flags[:, :size])
        tail = (keys, 0, size, *out, *counts[:, : (size + CHUNK - 1) // CHUNK])
        inputs = beam_inputs[beams] if beams else kernel_inputs(card, model, options, weighted=False)
        run = lambda: run_kernel(inputs, stage, *tail)  # noqa: E731
        run()  # compile / warm up

        def batches():
            for _ in range(rounds):
                run()

        return _best_rate(batches, size * rounds, repeats) / threads

    # the batch mcgen.generate streams with (one chunk per thread: made and handed on in the cache)
    stream = min(n, STREAM_CHUNKS_PER_THREAD * CHUNK * threads)
    rates["generate"] = kernel_rate(1, stream, rounds * max(1, n // stream))
    stream_rounds = rounds * max(1, n // stream)
    rates["full"], rates["full_isr"], rates["full_isr_spread"] = 0.0, 0.0, 0.0
    rates["full_belle2"], rates["full_belle2_head_on"] = 0.0, 0.0
    pairs: dict[str, list[float]] = {"full_isr": [], "full_isr_spread": [], "full_belle2": []}
    for _ in range(2 if quick else 5):  # interleaved: the machine's load drifts, so a ratio is the median of adjacent pairs
        staged = kernel_rate(2, stream, stream_rounds)
        rates["full"] = max(rates["full"], staged)
        for key, beams in (("full_isr", "isr"), ("full_isr_spread", "isr_spread")):
            rate = kernel_rate(2, stream, stream_rounds, beams)
            rates[key] = max(rates[key], rate)
            pairs[key].append(rate / staged)
        straight = kernel_rate(2, stream, stream_rounds, "head_on")
        boosted = kernel_rate(2, stream, stream_rounds, "boosted")
        rates["full_belle2_head_on"] = max(rates["full_belle2_head_on"], straight)
        rates["full_belle2"] = max(rates["full_belle2"], boosted)
        pairs["full_belle2"].append(boosted / straight)
    # the batch it uses when the columns are kept: the output goes to memory
    rates["full_into_memory"] = kernel_rate(2, n, rounds)  # last: counts now hold every chunk's draws
    draws = counts[2].sum() / n
    rng_ceiling(keys, counts[2])
    ceiling = _best_rate(lambda: rng_ceiling(keys, counts[2]), n, repeats) / threads
    streamed = (real[:, :stream], flags[:, :stream])  # the output alone, on the streaming batch
    output_bound(*streamed)
    rates["output_only"] = _best_rate(lambda: [output_bound(*streamed) for _ in range(n // stream)], n, repeats) / threads
    mt19937_reference(1000, 9)
    mt = _best_rate(lambda: mt19937_reference(n, 9), n, repeats) / threads
    n_root = n * rounds
    # the same through mcgen.generate (weights, summary sums, batches), columns not kept or written
    rates["full_api"] = _best_rate(lambda: generate(card, model, n_root, 7, options, keep=False), n_root, repeats) / threads
    with tempfile.TemporaryDirectory(dir=".") as tmp:  # the disk an output would go to
        path = Path(tmp) / "bench.root"

        def with_root(compression):
            writer = RootWriter(path, n_root, card.sqrt_s, card.detector.decay_radius_m, compression)
            ev = generate(card, model, n_root, 7, options, on_batch=writer.write, keep=False)
            writer.close(ev.summary, ev.metadata)

        rates["full_root"] = _best_rate(lambda: with_root("lz4"), n_root, 1) / threads
        rates["full_root_uncompressed"] = _best_rate(lambda: with_root("none"), n_root, 1) / threads
        writers = _writer_rates(card, model, options, 20_000 if quick else 200_000, Path(tmp))
    n_background = 200_000 if quick else 1_000_000
    background, background_isr, isr_ratio = _background_rates(n_background, threads, repeats=2 if quick else 3)
    # e+e- gamma: a quarter of the events (its rate per event is what is reported; it is 20 times slower)
    reducible = {process: _reducible_rates(process, n_background // share, threads, repeats=2 if quick else 3)
                 for process, share in (("gammagamma", 1), ("eegamma", 4))}
    return {
        "signal_ev_per_s_per_core": {k: rates[k] for k in ("generate", "full", "full_root")},
        # beyond the three fixed keys: the chain through mcgen.generate, and ROOT without compression
        "signal_more_ev_per_s_per_core": {
            k: rates[k] for k in ("full_into_memory", "full_api", "full_root_uncompressed", "output_only",
                                  "full_isr", "full_isr_spread", "full_belle2", "full_belle2_head_on")
        },
        "rng_ceiling_ev_per_s_per_core": ceiling,
        "rng_draws_per_event": draws,
        "mt19937_9_draws_ev_per_s_per_core": mt,
        "ratios": {
            "full_over_rng_ceiling": rates["full"] / ceiling,
            "full_over_output_only": rates["full"] / rates["output_only"],
            "full_isr_over_full": float(np.median(pairs["full_isr"])),  # ISR on (unweighted), the same card
            "full_isr_spread_over_full": float(np.median(pairs["full_isr_spread"])),  # and the energy spread
            # belle2 (m_N = 1 GeV, e): its boosted centre of mass against the same card head-on at its sqrt(s)
            "full_belle2_over_head_on": float(np.median(pairs["full_belle2"])),
            "output_only_over_rng_ceiling": rates["output_only"] / ceiling,
            "full_over_generate": rates["full"] / rates["generate"],
            "full_root_over_full": rates["full_root"] / rates["full"],
            "full_api_over_full": rates["full_api"] / rates["full"],
            "background_unweighted_over_full": background["unweighted"] / rates["full"],
            "background_isr_over_background_weighted": isr_ratio,  # the median of interleaved pairs
            "background_isr_over_background_unweighted": background_isr["unweighted"] / background["unweighted"],
        },
        # the fixed key: all threads together; then per core, with ISR, and the ratios
        "background_ev_per_s": {k: background[k] * (threads if k != "unweighting_efficiency" else 1)
                                for k in ("weighted", "unweighted", "unweighting_efficiency")},
        "background_ev_per_s_per_core": background,
        "background_isr_ev_per_s_per_core": background_isr,
        "background_card": {"card": "cepc_h", "set": list(BACKGROUND_CUTS), "events": n_background},
        "reducible_gammagamma": reducible["gammagamma"],
        "reducible_eegamma": reducible["eegamma"],
        "writers_ev_per_s": writers,
        "threads": threads,
        "events": n * rounds,
        "card": card.name,
        "model": model.describe(),
    }
