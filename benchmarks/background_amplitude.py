"""Time per event of the SM e+e- -> nu nubar gamma amplitude (mcgen.physics.nunugamma), warm:
the helicity-amplitude kernel on 1e5 cepc_h phase-space points, on one thread and on all, and
the explicit-Dirac numpy reference of the tests (tests/references/nunugamma_reference.py) on 2000 of them in
the same run, for the ratio (absolute times depend on the host and its load: docs/performance.md).

    python benchmarks/background_amplitude.py
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numba
import numpy as np

import mcgen
from mcgen.mc.background import sample_phase_space
from mcgen.physics.nunugamma import msq_nunugamma_fast

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from nunugamma_reference import msq_nunugamma  # noqa: E402


def per_event_ns(f, moms, repeats: int) -> float:
    """The shortest of ``repeats`` calls' wall times per event, in ns (after one warm-up call): on a
    shared host the least disturbed one."""
    f(*moms)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        f(*moms)
        times.append(time.perf_counter() - t0)
    return min(times) / len(moms[0]) * 1e9


def main(n: int = 100_000, n_reference: int = 2_000, repeats: int = 15) -> dict:
    card = mcgen.load_card("cepc_h")
    ew = card.electroweak
    moms = sample_phase_space(card, n, np.random.default_rng(1))[:5]
    threads = numba.get_num_threads()
    result: dict = {"events": n, "threads": threads}
    for name, electron_flavour in (("nu_e", True), ("nu_mu", False)):
        def kernel(*m, ef=electron_flavour):
            return msq_nunugamma_fast(*m, ew, ef)

        def reference(*m, ef=electron_flavour):
            return msq_nunugamma(*m, ew, ef)

        numba.set_num_threads(1)
        one = per_event_ns(kernel, moms, repeats)
        numba.set_num_threads(threads)
        every = per_event_ns(kernel, moms, repeats)
        dirac = per_event_ns(reference, [m[:n_reference] for m in moms], 3)
        result[name] = {"kernel_ns_per_event_1_thread": round(one, 1), f"kernel_ns_per_event_{threads}_threads": round(every, 1),
                        "dirac_numpy_ns_per_event": round(dirac, 1), "dirac_numpy_over_kernel_1_thread": round(dirac / one, 1)}
    return result


if __name__ == "__main__":
    print(json.dumps(main(), indent=1))
