"""The staged signal kernel against the fused kernel it replaced (the benchmark-only copy in
mcgen/mc/fused_reference.py), alternately in one process on the batch mcgen.generate streams
with, so that the machine's drifting load affects both alike: medians of 12 pairs.

    python benchmarks/staged_vs_fused.py
"""

from __future__ import annotations

import json
import statistics
import time

import numba
import numpy as np

import mcgen
from mcgen.mc import fused_reference
from mcgen.mc.driver import kernel_inputs, run_kernel
from mcgen.mc.kernel import CHUNK, column_buffers


def main(pairs: int = 12, rounds: int = 64) -> dict:
    card = mcgen.load_card("lep2_delphi")
    model = mcgen.make_model(100.0, "e", card.electroweak, d_gamma=1e-5, scenario="II")
    options = mcgen.PhysicsOptions()
    threads = numba.get_num_threads()
    size = CHUNK * threads
    keys = np.random.SeedSequence(2024).generate_state(size // CHUNK, dtype=np.uint64)
    real, flags = column_buffers(size)
    counts = np.zeros((3, keys.size), dtype=np.int64)
    tail = (keys, 0, size, real, flags, *counts)
    inputs = kernel_inputs(card, model, options, weighted=False)
    par, consts, env, alias, _ = fused_reference.kernel_inputs(card, model, options, weighted=False, stage=2)
    kernels = {"staged": lambda: run_kernel(inputs, 2, *tail),
               "fused": lambda: fused_reference.generate_chunks(par, consts, env, *alias, *tail)}
    rates: dict[str, list[float]] = {name: [] for name in kernels}
    for run in kernels.values():
        run()  # compile or load
    for _ in range(pairs):
        for name, run in kernels.items():
            t0 = time.perf_counter()
            for _ in range(rounds):
                run()
            rates[name].append(size * rounds / (time.perf_counter() - t0) / threads)
    ratios = [s / f for s, f in zip(rates["staged"], rates["fused"])]
    return {"staged_ev_per_s_per_core": statistics.median(rates["staged"]),
            "fused_ev_per_s_per_core": statistics.median(rates["fused"]),
            "staged_over_fused_median": statistics.median(ratios), "pairs": pairs, "threads": threads}


if __name__ == "__main__":
    print(json.dumps(main(), indent=1))
