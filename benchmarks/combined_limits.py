"""Time of one combined FCC-ee programme limit (every run of the four FCC-ee cards, 60 masses, S^2/B summed
over the runs: ``mcgen limits --combine``) beside the four single-card limits it replaces, each its own
``mcgen limits`` process, in the same run and with warm kernels (numba's cache filled by a first call).
Target: the combined call takes at most the sum of the single ones. One run; compare the ratio.

    python benchmarks/combined_limits.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import time

CARDS = ("fccee_z", "fccee_ww", "fccee_zh", "fccee_tt")
SCAN = ["--masses", "1:300:60", "--log", "--scenario", "II", "--flavor", "mu", "-n", "20000", "--background-events", "20000"]


def timed(cards: tuple[str, ...], options: list[str]) -> tuple[float, dict]:
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "mcgen", "limits", *(a for c in cards for a in ("--card", c)), *options, "--json"],
                         check=True, capture_output=True, text=True).stdout
    return time.perf_counter() - t0, json.loads(out)


def main() -> None:
    timed(("fccee_zh",), ["--masses", "10", "--scenario", "II", "--flavor", "mu", "-n", "2000"])  # warm: numba's cache
    combined, result = timed(CARDS, [*SCAN, "--combine"])
    single = {card: timed((card,), SCAN)[0] for card in CARDS}
    runs = len(result["combined"]["runs"])
    print(json.dumps({"combined_s": combined, "single_s": single, "sum_single_s": sum(single.values()),
                      "ratio_combined_over_sum": combined / sum(single.values()), "runs": runs,
                      "masses": len(result["masses"])}, indent=1))


if __name__ == "__main__":
    main()
