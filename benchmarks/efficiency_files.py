"""Efficiency tables from event files: events/s/core through `mcgen efficiency --input` (the console
script's entry point, in-process) on one large weighted file, against the raw uproot read rate of
the same branches in the same run, and the peak memory of each (a fresh process each, so maxrss is
its own). Each rate twice: cold (the process's first file: the cached kernels, numba's start-up,
the file's metadata) and warm (after one small file read the same way: the rate per event), each
the median of interleaved pairs of runs.

    python benchmarks/efficiency_files.py [--events 10000000] [--pairs 3] [--dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

READ = """
import contextlib, io, json, resource, sys, time, uproot
import mcgen.cli
from mcgen.physics.model import COUPLING_COLUMNS
path, mode, warm = sys.argv[1], sys.argv[2], sys.argv[3]
branches = list(COUPLING_COLUMNS) + ["boundary_m", "p_inside", "inside", "truth_pass", "pass_all"]


def read(path):
    if mode == "raw":
        return sum(len(a["w_gg"]) for a in uproot.iterate({path: "events"}, branches, step_size="100 MB", library="np"))
    sys.argv = ["mcgen", "efficiency", "--input", path, "--json"]  # the console script: mcgen efficiency --input
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert mcgen.cli.main() == 0
    return json.loads(out.getvalue())["per_mass"][0]["n_events"]


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
    parser.add_argument("--pairs", type=int, default=3, help="interleaved (uproot, table) runs per case (default 3)")
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
                # interleaved pairs (the host's load drifts: uproot alone varied 2x between runs): medians
                pairs = [(run(path, "raw", warm), run(path, "efficiency", warm)) for _ in range(args.pairs)]
                raw_s, table_s = [p[0][1] for p in pairs], [p[1][1] for p in pairs]
                row[label] = {"raw_uproot_ev_per_s_per_core": n / statistics.median(raw_s) / threads,
                              "raw_peak_MB": max(p[0][2] for p in pairs),
                              "efficiency_ev_per_s_per_core": n / statistics.median(table_s) / threads,
                              "efficiency_peak_MB": max(p[1][2] for p in pairs),
                              "efficiency_over_raw": statistics.median(r / t for r, t in zip(raw_s, table_s)),
                              "efficiency_over_raw_pairs": [r / t for r, t in zip(raw_s, table_s)]}
            result["events"][n] = row
            print(json.dumps({n: result["events"][n]}), file=sys.stderr)
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
