"""Signal throughput in one run: generation only, + decay/detector/selection, + ROOT writing,
and the RNG ceiling. Prints the figures and their ratios (the machine is shared and noisy:
compare ratios from one run, not absolute numbers across runs).

    python benchmarks/throughput.py [--quick]
"""

from __future__ import annotations

import json
import platform
import sys

from mcgen.bench import run_benchmarks


def main() -> None:
    result = run_benchmarks(quick="--quick" in sys.argv)
    result["machine"] = {"processor": platform.processor() or platform.machine(), "python": platform.python_version()}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
