"""Write tests/references/data/reference_events.json: what a fixed seed gives, through the public API and the
CLI. Events as per-column SHA-256 and exact sums; the JSON of ``mcgen info`` and ``mcgen limits``
as they are. tests/references/test_reference.py checks that this process and processes emulating other
x86-64 hosts (AVX2, SSE4.2) give the same, bit for bit.

    python tests/references/data/make_reference.py > tests/references/data/reference_events.json

Regenerated when the set-up moved to mcgen.fpmath (elementary functions, dot products and
Gauss rules that do not depend on the CPU): the earlier reference, from the fused kernel before
the layered-package restructure, held set-up tables made with numpy's CPU-dispatched exp/log
and BLAS dot products, which no other host could reproduce.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
from typing import Any

import numpy as np

import mcgen

CASES = (  # (card, mass GeV, flavour, d_gamma, scenario, weighted, decay law, events)
    ("lep1_opal", 10.0, "mu", 1e-6, "I", False, "exact", 40_000),
    ("lep2_delphi", 100.0, "e", 1e-5, "II", True, "paper", 40_000),
    ("cepc_z", 10.0, "e", 3e-9, "IV", False, "exact", 40_000),
    ("cepc_h", 60.0, "tau", 1e-5, "III", True, "isotropic", 40_000),
)
SEED = 12345
NOMINAL = ("beam.energy_spread=0",)  # the signal and background cases at the nominal beams
BEAM_CASES = (  # (card, overrides, mass, flavour, d_gamma, scenario, weighted, events): ISR and the spread
    ("cepc_h", ("beam.isr=true",), 30.0, "e", 1e-5, "II", False, 20_000),
    ("cepc_z", (), 10.0, "mu", 1e-7, "I", True, 20_000),
    ("belle2", (), 1.0, "mu", 1e-5, "I", False, 20_000),  # boosted: the lab frame, cuts in the centre of mass, the escape cut
)
BACKGROUND = (("lep2_delphi", NOMINAL, 20_000), ("cepc_h", NOMINAL, 20_000), ("cepc_z", ("beam.isr=true",), 20_000),
              ("belle2", (), 20_000))
REDUCIBLE = (  # (process, card, overrides, events): leaking through a bare escape cut, with the beams' effects
    ("gammagamma", "belle2", ("selection.escape_margin_sigma=0",), 20_000),
    ("eegamma", "belle2", ("selection.escape_margin_sigma=0",), 20_000),
)
INFO = (  # mcgen info: the ISR quadrature, and the three-body widths near a = -2 cot(theta_w)
    ("--card", "cepc_h", "--set", "beam.isr=true", "--mass", "30", "--dgamma", "1e-5", "--scenario", "II", "--flavor", "e"),
    ("--card", "lep1_opal", "--mass", "50", "--dgamma", "1e-5", "--a", "-3.7", "--flavor", "tau"),
)
LIMITS = (  # mcgen limits: S^2/B with its background, the LEP analyses, CLs with pyhf
    ("--card", "cepc_h", "--masses", "10,100", "--scenario", "II", "--flavor", "e", "-n", "20000"),
    ("--card", "lep1_opal", "--card", "lep2_delphi", "--card", "lep1_zinv", "--masses", "1,40", "--scenario", "I",
     "--flavor", "mu", "-n", "20000"),
    ("--card", "cepc_z", "--masses", "10", "--scenario", "II", "--flavor", "e", "-n", "20000", "--criterion", "cls"),
)
HOST_DEPENDENT = ("cls_expected_at_limit",)
"""Keys that are not bit-identical between hosts, with the reason: pyhf's own CLs at the limit
found (a check of the limit; the limit itself is exact) comes from scipy's minimiser, whose
BLAS kernels depend on the CPU (1e-7 relative between OpenBLAS's Haswell and SkylakeX kernels)."""
HOST_TOLERANCE = 1e-6


def fingerprint(columns: dict[str, np.ndarray]) -> dict[str, dict[str, object]]:
    """SHA-256 of each column's bytes (float64 / bool, native little-endian) and its exact sum."""
    out = {}
    for name in sorted(columns):
        a = np.ascontiguousarray(columns[name])
        out[name] = {"sha256": hashlib.sha256(a.tobytes()).hexdigest(), "sum": math.fsum(a.astype(float).tolist())}
    return out


def reference() -> list[dict[str, object]]:
    rows = []
    for card_name, mass, flavour, d_gamma, scenario, weighted, law, n in CASES:
        card = mcgen.load_card(card_name, NOMINAL)
        model = mcgen.make_model(mass, flavour, card.electroweak, d_gamma=d_gamma, scenario=scenario)
        options = mcgen.PhysicsOptions(decay_law=law)
        events = mcgen.generate(card, model, n, seed=SEED, options=options, weighted=weighted)
        rows.append({
            "card": card_name, "mass": mass, "flavour": flavour, "d_gamma": d_gamma, "scenario": scenario,
            "weighted": weighted, "decay_law": law, "n": n, "seed": SEED,
            "columns": fingerprint(events.columns),
        })
    return rows


def beam_reference() -> list[dict[str, object]]:
    rows = []
    for card_name, overrides, mass, flavour, d_gamma, scenario, weighted, n in BEAM_CASES:
        card = mcgen.load_card(card_name, overrides)
        model = mcgen.make_model(mass, flavour, card.electroweak, d_gamma=d_gamma, scenario=scenario)
        events = mcgen.generate(card, model, n, seed=SEED, weighted=weighted)
        summary = {k: v for k, v in events.summary.items() if k != "rates"}
        rows.append({"card": card_name, "overrides": list(overrides), "mass": mass, "flavour": flavour, "weighted": weighted,
                     "n": n, "seed": SEED, "summary": summary, "columns": fingerprint(events.columns)})
    return rows


def background_reference() -> list[dict[str, object]]:
    from mcgen.mc.background import background_cross_section

    rows = []
    for card_name, overrides, n in BACKGROUND:
        result = background_cross_section(mcgen.load_card(card_name, overrides), n, SEED, keep_events=True)
        cols = result["columns"]
        rows.append({"card": card_name, "overrides": list(overrides), "n": n, "seed": SEED,
                     "sigma_pb": result["sigma_pb"], "sigma_err_pb": result["sigma_err_pb"], "sigma_reco_pb": result["sigma_reco_pb"],
                     "columns": fingerprint({k: v for k, v in cols.items() if k != "weight_photon_pb"})})
    return rows


def reducible_reference() -> list[dict[str, object]]:
    from mcgen.analysis.background import PROCESSES

    rows = []
    for process, card_name, overrides, n in REDUCIBLE:
        result = PROCESSES[process].compute(mcgen.load_card(card_name, overrides), n, SEED, True)
        rows.append({"process": process, "card": card_name, "overrides": list(overrides), "n": n, "seed": SEED,
                     "cut_flow": result["cut_flow"], "columns": fingerprint(result["columns"])})
    return rows


def _cli_json(*argv: str) -> dict[str, Any]:
    from mcgen.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        rc = main([*argv, "--json"])
    if rc:
        raise RuntimeError(f"mcgen {' '.join(argv)} exited {rc}")
    result = json.loads(out.getvalue())
    result.pop("version", None)  # a new version must not fail the comparison
    result.pop("results_revision", None)  # nor a new revision (the numbers themselves are compared)
    if isinstance(result.get("card"), dict):
        result["card"].pop("path", None)  # where the card file lies depends on the install, not on the CPU
    return result


def info_reference() -> list[dict[str, Any]]:
    return [{"argv": list(argv), "result": _cli_json("info", *argv)} for argv in INFO]


def limits_reference() -> list[dict[str, Any]]:
    return [{"argv": list(argv), "result": _cli_json("limits", *argv)} for argv in LIMITS]


def everything() -> dict[str, Any]:
    return {"signal": reference(), "beams": beam_reference(), "background": background_reference(),
            "reducible": reducible_reference(), "info": info_reference(), "limits": limits_reference()}


if __name__ == "__main__":
    print(json.dumps(everything(), indent=1))
