"""Time for the CEPC figure set (`mcgen reproduce --figure 6, 7`, and 4, 5, 8 which carry CEPC
panels next to the LEP ones), each at its default statistics in one warm process (numba kernels
compiled by a quick pass first), plus the background cross section alone per CEPC card. One run;
compare ratios.

    python benchmarks/cepc_figures.py [--figures 6,7]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--figures", default="6,7,4,5,8")
    args = parser.parse_args()
    import mcgen
    from mcgen.mc.background import background_cross_section
    from mcgen.plots.figures import reproduce

    figures = [int(f) for f in args.figures.split(",")]
    result: dict = {"figures_s": {}, "background_s_per_100k": {}}
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        reproduce(6, out, quick=True, force=True)  # compile and load every kernel once
        result["warm_up_s"] = time.perf_counter() - t0
        for fig in figures:
            t0 = time.perf_counter()
            reproduce(fig, out, force=True)
            result["figures_s"][str(fig)] = time.perf_counter() - t0
    for name in ("cepc_z", "cepc_ww", "cepc_h", "cepc_tt"):
        t0 = time.perf_counter()
        r = background_cross_section(mcgen.load_card(name), 100_000, 1)
        result["background_s_per_100k"][name] = time.perf_counter() - t0
        result.setdefault("background_rel_err_100k", {})[name] = r["sigma_err_pb"] / r["sigma_pb"]
        result.setdefault("unweighting_efficiency", {})[name] = r["unweighting_efficiency"]
        result.setdefault("reco_only_fraction", {})[name] = r["reco_only_fraction"]
    result["total_figures_s"] = sum(result["figures_s"].values())
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
