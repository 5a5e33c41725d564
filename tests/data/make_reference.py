"""Write tests/data/reference_events.json: per-column SHA-256 and sums of events made with a fixed
seed on three cards, through the public API only. Made once from the fused kernel (main before
the layered-package restructure, commit 1b5bdd5); tests/test_reference.py checks that the staged
kernel makes bit-identical events.

    python tests/data/make_reference.py > tests/data/reference_events.json
"""

from __future__ import annotations

import hashlib
import json
import math

import numpy as np

import mcgen

CASES = (  # (card, mass GeV, flavour, d_gamma, scenario, weighted, decay law, events)
    ("lep1_opal", 10.0, "mu", 1e-6, "I", False, "exact", 40_000),
    ("lep2_delphi", 100.0, "e", 1e-5, "II", True, "paper", 40_000),
    ("cepc_z", 10.0, "e", 3e-9, "IV", False, "exact", 40_000),
    ("cepc_h", 60.0, "tau", 1e-5, "III", True, "isotropic", 40_000),
)
SEED = 12345
NOMINAL = ("beam.energy_spread=0",)  # the cards as the reference was made (the CEPC cards carry a spread since)


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


BACKGROUND = (("lep2_delphi", 20_000), ("cepc_h", 20_000))  # (card, events) of the SM nu nubar gamma background


def background_reference() -> list[dict[str, object]]:
    from mcgen.mc.background import background_cross_section

    rows = []
    for card_name, n in BACKGROUND:
        result = background_cross_section(mcgen.load_card(card_name, NOMINAL), n, SEED, keep_events=True)
        cols = result["columns"]
        # the cross sections of every event's full |M|^2 (what the reference was made of; the
        # results' own sigma_pb integrates the nu nubar directions of nu_mu and nu_tau since)
        rows.append({"card": card_name, "n": n, "seed": SEED, "sigma_pb": float((cols["weight_pb"] * cols["truth_pass"]).mean()),
                     "sigma_reco_pb": float((cols["weight_pb"] * cols["pass_all"]).mean()),
                     "integrated": {k: result[k] for k in ("sigma_pb", "sigma_err_pb")},
                     "columns": fingerprint({k: v for k, v in cols.items() if k != "weight_photon_pb"})})
    return rows


if __name__ == "__main__":
    print(json.dumps({"signal": reference(), "background": background_reference()}, indent=1))
