"""Time for the complete LEP limit set (4 scenarios x 3 flavours x 4 analyses x 60 masses), cold
(numba compilation included: an empty NUMBA_CACHE_DIR in a fresh process) and warm, and the cost
per limit point with reweighting vs a fresh Monte Carlo per point. One run; compare ratios.

    python benchmarks/lep_limits.py
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

SCAN = ["--card", "lep1_opal", "--card", "lep2_delphi", "--card", "lep1_l3_zgamma", "--card", "lep1_zinv",
        "--masses", "0.001:90:60", "--log", "--scenario", "all", "--flavor", "e", "--flavor", "mu", "--flavor", "tau",
        "-n", "20000", "--json"]


def timed_scan(env: dict[str, str], extra: list[str]) -> float:
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "mcgen", "scan", *SCAN, *extra], env=env, check=True,
                         capture_output=True, text=True).stdout
    json.loads(out)
    return time.perf_counter() - t0


def per_point_costs() -> dict[str, float]:
    import mcgen
    from mcgen.analysis.limits import limit_for, signal_sample
    from mcgen.config.options import PhysicsOptions
    from mcgen.physics.model import scenario_a, structure_from_a

    card = mcgen.load_card("lep1_opal")
    ew = card.electroweak
    structures = [structure_from_a(scenario_a(s, ew), ew) for s in ("I", "II", "III", "IV")]
    masses = [0.1 * 1.5**i for i in range(12)]
    signal_sample(card, 1.0, "e", PhysicsOptions(), 20_000, 1)  # warm
    t0 = time.perf_counter()
    for i, m in enumerate(masses):
        sample = signal_sample(card, m, "e", PhysicsOptions(), 20_000, i)
        for st in structures:
            limit_for(sample, st)
    reweighted = (time.perf_counter() - t0) / (len(masses) * len(structures))
    t0 = time.perf_counter()
    for i, m in enumerate(masses):
        for st in structures:
            limit_for(signal_sample(card, m, "e", PhysicsOptions(), 20_000, i), st)
    fresh = (time.perf_counter() - t0) / (len(masses) * len(structures))
    return {"reweighted_s_per_point": reweighted, "fresh_mc_s_per_point": fresh, "fresh_over_reweighted": fresh / reweighted}


def main() -> None:
    env = dict(os.environ)
    with tempfile.TemporaryDirectory() as cache:
        cold = timed_scan(env | {"NUMBA_CACHE_DIR": cache}, [])
        warm = timed_scan(env | {"NUMBA_CACHE_DIR": cache}, [])
        warm_pool = timed_scan(env | {"NUMBA_CACHE_DIR": cache}, ["--workers", "2"])
    result = {
        "lep_set_points": 4 * 3 * 4 * 60,
        "cold_s": cold,
        "warm_s": warm,
        "warm_2_workers_s": warm_pool,
        "note": "wall time of `mcgen scan` in a fresh process (imports included)",
        **per_point_costs(),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
