"""Efficiency tables from event files: events/s/core through `mcgen efficiency --input` on one large
weighted file, against the raw uproot read rate of the same branches in the same run, and the
peak memory of each (a fresh process each, so maxrss is its own). Each rate twice: cold (the
process's first file: imports, numba's extension entry points and cached kernels, about 1.5 s
on these hosts) and warm (after one small file read the same way: the rate per event).

    python benchmarks/efficiency_files.py [--events 10000000] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

READ = """
import resource, sys, time, uproot
from mcgen.analysis.efficiency import efficiency_from_files
from mcgen.physics.model import COUPLING_COLUMNS
path, mode, warm = sys.argv[1], sys.argv[2], sys.argv[3]
branches = list(COUPLING_COLUMNS) + ["boundary_m", "p_inside", "inside", "truth_pass", "pass_all"]


def read(path):
    if mode == "raw":
        return sum(len(a["w_gg"]) for a in uproot.iterate({path: "events"}, branches, step_size="100 MB", library="np"))
    return efficiency_from_files(path)["per_mass"][0]["n_events"]  # what mcgen efficiency --input computes


if warm != "-":
    read(warm)
t0 = time.perf_counter()
n = read(path)
seconds = time.perf_counter() - t0
print(n, seconds, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def run(path: Path, mode: str, warm: Path | None = None) -> tuple[int, float, float]:
    out = subprocess.run([sys.executable, "-c", READ, str(path), mode, str(warm or "-")], capture_output=True, text=True,
                         check=True)
    n, seconds, rss = out.stdout.split()
    return int(n), float(seconds), float(rss)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--dir", default=None, help="where to write the event files (default: a temporary folder here)")
    args = parser.parse_args()
    import numba

    result: dict = {"events": {}, "threads": numba.get_num_threads()}
    def generate(path: Path, n: int) -> float:
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mcgen", "generate", "--card", "cepc_z", "--mass", "10", "--dgamma", "3e-8",
                        "--scenario", "IV", "--flavor", "e", "-n", str(n), "--weighted", "-o", str(path)],
                       check=True, capture_output=True)
        return time.perf_counter() - t0

    with tempfile.TemporaryDirectory(dir=args.dir or ".") as tmp:
        small = Path(tmp) / "warm.root"
        generate(small, 20_000)
        for n in (args.events // 10, args.events):
            path = Path(tmp) / f"z_{n}.root"
            write_s = generate(path, n)
            threads = result["threads"]
            row: dict = {"file_MB": os.path.getsize(path) / 1e6, "generate_and_write_s": write_s}
            for label, warm in (("cold", None), ("warm", small)):
                raw, table = run(path, "raw", warm), run(path, "efficiency", warm)
                row[label] = {"raw_uproot_ev_per_s_per_core": raw[0] / raw[1] / threads, "raw_peak_MB": raw[2],
                              "efficiency_ev_per_s_per_core": table[0] / table[1] / threads, "efficiency_peak_MB": table[2],
                              "efficiency_over_raw": raw[1] / table[1]}
            result["events"][n] = row
            print(json.dumps({n: result["events"][n]}), file=sys.stderr)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
