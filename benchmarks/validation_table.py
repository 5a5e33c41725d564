"""The source paper's quoted limits beside mcgen's (the table of ``mcgen validate``) as Markdown, with what
the discussion of the differences needs: the Monte Carlo spread of the paper-treatment column (three seeds)
and the effect of switching one input at a time on top of the paper's treatment (alpha, the decay law, the
s-t interference, the three-body widths, the decay volume, the OPAL efficiency, ...), and the CEPC reach
with the three photon decay laws at a few masses (figure 9).

    python benchmarks/validation_table.py [-n 20000] [--seed 1] [-o FILE] [--json validation.json] [--quick]

By default the Markdown goes to ``docs/_generated/validation_table.md``, which the documentation's validation
page (``docs/validation.md``) includes; ``-o -`` prints it instead. Regenerate the page's table with

    python benchmarks/validation_table.py -n 20000 --seed 1

Single process, one run after the other (about one minute at the defaults on two cores: 58 s on 2026-12-06).
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import math
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from mcgen.analysis.limits import limits_table, signal_sample
from mcgen.analysis.validation import CASES, CEPC_CARDS, LEP_CARDS, TREATMENTS, a_range, grids, markdown_table, run_validation
from mcgen.config.cards import load_card
from mcgen.config.options import PhysicsOptions
from mcgen.physics.model import Model, scenario_a, structure_from_a, widths

DOCS_TABLE = Path(__file__).resolve().parent.parent / "docs" / "_generated" / "validation_table.md"
PAPER = TREATMENTS["paper"]
MC_CASES = [c.id for c in CASES if c.kind != "constraint"]
E_CASES = [c.id for c in CASES if c.flavour == "e"]

# (label, what is switched, keyword arguments of run_validation on top of the paper treatment)
VARIATIONS: list[tuple[str, str, dict[str, Any]]] = [
    ("alpha(M_Z)", "alpha = 1/128 in every vertex and in the background (--set electroweak.alpha=0.0078125)",
     {"overrides": ("electroweak.alpha=0.0078125",)}),
    ("exact law", "the exact spin correlation instead of the 1 - cos law", {"treatment": PhysicsOptions("exact", False, False)}),
    ("s-t interference", "the s-t interference kept (flavour e only)", {"treatment": PhysicsOptions("paper", True, False),
                                                                        "cases": E_CASES}),
    ("three-body", "the three-body widths in the total width", {"treatment": PhysicsOptions("paper", False, True)}),
    ("LEP l_D = 2 m", "the LEP decay sphere doubled (1 -> 2 m)",
     {"card_overrides": {c: ("detector.decay_radius_m=2.0",) for c in LEP_CARDS}}),
    ("CEPC 1 m", "the CEPC decay cylinder r = 1.8 -> 1 m, half-length 2.3 -> 1 m",
     {"card_overrides": {c: ("detector.decay_radius_m=1.0", "detector.decay_half_length_m=1.0") for c in CEPC_CARDS}}),
    ("OPAL eps_det = 1", "no OPAL detection efficiency (0.657 -> 1)",
     {"card_overrides": {"lep1_opal": ("detector.photon_efficiency=1.0",)}}),
    ("L3 Br_95 x 2", "the L3 limit on Br(Z -> gamma + inv) doubled, i.e. one charge state N nubar instead of two",
     {"card_overrides": {"lep1_l3_zgamma": ("limit.br_95=6.4e-6",)}}),
]


def _rel(new: Any, base: Any) -> float | None:
    if isinstance(new, float) and isinstance(base, float) and base > 0:
        return new / base - 1.0
    return None


def _pct(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:+.1f}%"


def printed_width_lepton_w(m: float, d_w: float, m_w: float, m_l: float) -> float:
    """Gamma(N -> l W) as the paper's (P-8) prints it: (m^2 + (M_W - m_l)^2) in the square root and 2 m_l^2 before the
    lepton-mass bracket (both misprints, see docs/corrections.md); for the "printed widths" study only."""
    if m <= m_w + m_l:
        return 0.0
    root = math.sqrt((m * m + (m_w - m_l) ** 2) * (m * m - (m_w + m_l) ** 2))
    bracket = (m * m - m_w * m_w) * (2 * m * m + m_w * m_w) + 2 * m_l * m_l * (2 * m_l * m_l - 4 * m * m - m_w * m_w)
    return d_w * d_w / (8 * math.pi * m**3) * root * bracket


def _printed_br(mass: float, flavour: str, ew: Any, a: float, d: float) -> float:
    """The limit d at a with the paper's printed Gamma(N -> l W) in Br(N -> nu gamma) (two-body widths): for a prompt
    N the visible signal is d^2 Br, so d scales as sqrt(Br / Br_printed)."""
    structure = structure_from_a(a, ew)
    model = Model(mass, structure, flavour, a=a)
    w = widths(model, ew, three_body=False)
    printed = w.nu_gamma + w.nu_Z + printed_width_lepton_w(mass, structure.d_W, ew.m_W, model.lepton_mass)
    return d * math.sqrt(w.br_nu_gamma / (w.nu_gamma / printed))


def paper_formula_studies(n: int, seed: int, quick: bool) -> dict[str, Any]:
    """Fig. 5 at m_N = 100 GeV with the paper's printed formulas, on the paper-treatment sample of the main run (same
    seed): (1) its printed Gamma(N -> l W) in Br(N -> nu gamma), (2) its printed sigma_W (P-13), which is
    2.1 times the correct one at this point (the W piece of the sample scaled by 2.1). Both on the uniform a grid
    (no refinement), against the same sample without the change. N decays promptly at these couplings, so a change
    of Br rescales the limit by sqrt(Br / Br_printed) exactly."""
    out: dict[str, Any] = {}
    g = grids(quick)
    for index, case in enumerate(CASES):
        if case.kind != "a_range" or case.cards != ("lep2_delphi",):
            continue
        card = load_card("lep2_delphi")
        ew = card.electroweak
        sample = signal_sample(card, case.mass, case.flavour, PAPER, n, seed + 10 + index)

        printed_br = functools.partial(_printed_br, case.mass, case.flavour, ew)
        base = a_range(sample, case.a_domain, g.a_points, refine=False)
        width = a_range(sample, case.a_domain, g.a_points, transform=printed_br)
        study = {"grid": base["values"], "printed Gamma(N -> l W)": width["values"],
                 "a_at": {"grid": base["a_at"], "printed Gamma(N -> l W)": width["a_at"]}}
        if case.flavour == "e":
            coeff_all, coeff_pass = sample.coeff_all.copy(), sample.coeff_pass.copy()
            coeff_all[3] *= 2.1  # w_ww
            coeff_pass[3] *= 2.1
            w_sample = dataclasses.replace(sample, coeff_all=coeff_all, coeff_pass=coeff_pass)
            sigma_w = a_range(w_sample, case.a_domain, g.a_points, refine=False)
            study["printed sigma_W (x 2.1)"] = sigma_w["values"]
            study["a_at"]["printed sigma_W (x 2.1)"] = sigma_w["a_at"]
            both = a_range(w_sample, case.a_domain, g.a_points, transform=printed_br)
            study["printed sigma_W (x 2.1) and Gamma(N -> l W)"] = both["values"]
            study["a_at"]["printed sigma_W (x 2.1) and Gamma(N -> l W)"] = both["a_at"]
        out[case.id] = study
    return out


def peak_windows(n: int, seed: int, quick: bool) -> dict[str, Any]:
    """Fig. 4: the a interval around a = 2 tan(theta_w) (d_Z = 0) where mcgen's limit (paper treatment, the sample of
    the main run) is above the paper's quoted maximum: how narrow the peak that sets the maximum is."""
    from scipy.optimize import brentq

    from mcgen.analysis.limits import visible_background
    from mcgen.analysis.scan import task_seed
    from mcgen.analysis.validation import first_excluded

    g = grids(quick)
    out: dict[str, Any] = {}
    for index, case in enumerate(CASES):
        if case.kind != "a_range" or case.a_domain != "a > 0":
            continue
        card = load_card(case.cards[0])
        ew = card.electroweak
        background = None
        if card.limit.criterion == "s2b":
            background = visible_background(card, g.background_events, task_seed(seed + 2, CEPC_CARDS.index(card.name)))[0]
        sample = signal_sample(card, case.mass, case.flavour, PAPER, n, seed + 10 + index, background)
        top = case.paper[1]

        def excess(a: float, sample: Any = sample, ew: Any = ew, top: float = top) -> float:
            return math.log(first_excluded(sample, structure_from_a(a, ew)) / top)

        a3 = scenario_a("III", ew)
        if excess(a3) <= 0:
            out[case.id] = "mcgen's maximum is below the paper's"
            continue
        lo, hi = brentq(excess, 0.0, a3, xtol=1e-8), brentq(excess, a3, 100.0, xtol=1e-8)
        out[case.id] = {"a_III": a3, "window": [lo, hi], "relative_half_width": (hi - lo) / (2 * a3), "paper_max": top}
    return out


def scenario_iii_by_flavour(n: int, seed: int, masses: tuple[float, ...] = (1.0, 10.0, 50.0)) -> dict[str, Any]:
    """Fig. 8, scenario III (d_Z = 0): the strongest of the OPAL and DELPHI limits for d_e (photon + W t-channel) and
    d_mu (photon only) at a few masses, in the paper treatment and with the s-t interference."""
    from mcgen.analysis.validation import first_excluded

    cards = [load_card(c) for c in ("lep1_opal", "lep2_delphi")]
    ew = cards[0].electroweak
    s = structure_from_a(scenario_a("III", ew), ew)
    out: dict[str, Any] = {"masses": list(masses)}
    for label, options, flavour in (("d_e", PAPER, "e"), ("d_e with s-t interference", PhysicsOptions("paper", True, False), "e"),
                                    ("d_mu", PAPER, "mu")):
        out[label] = [min(first_excluded(signal_sample(c, m, flavour, options, n, seed + 20 + i), s) for c in cards)
                      for i, m in enumerate(masses)]
    return out


def decay_law_at_cepc(n: int, seed: int, masses: list[float]) -> dict[str, Any]:
    """Figure 9's limits at a few masses: scenario I, flavour mu, Z and H modes, the three decay laws (50000
    background events, as the figure)."""
    cards = [load_card("cepc_z"), load_card("cepc_h")]
    ew = cards[0].electroweak
    s = structure_from_a(scenario_a("I", ew), ew)
    out: dict[str, Any] = {"masses": masses}
    for law in ("exact", "paper", "isotropic"):
        r = limits_table(cards, masses, [s, s], "mu", PhysicsOptions(decay_law=law), n, seed, 50_000)
        out[law] = {c: {"d_gamma_95": r["by_card"][c]["d_gamma_95"], "eps_cuts": r["by_card"][c]["eps_cuts"]}
                    for c in r["by_card"]}
    return out


def variation_table(main: dict[str, Any], spread: dict[str, list[float | None]], varied: dict[str, dict[str, Any]]) -> str:
    head = ["case", "mcgen, paper treatment", "MC spread (3 seeds)"] + [label for label, _, _ in VARIATIONS]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in main["rows"]:
        if row["kind"] == "constraint":
            continue
        base = row["mcgen"]["paper"]
        fmt = ", ".join(f"{v:.3g}" if isinstance(v, float) else "n/a" for v in base)
        cells = [f"`{row['id']}`", fmt, " / ".join("n/a" if x is None else f"{100 * x:.1f}%" for x in spread[row["id"]])]
        for label, _, _ in VARIATIONS:
            other = varied[label].get(row["id"])
            cells.append("" if other is None else " / ".join(_pct(_rel(v, b)) for v, b in zip(other, base)))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("-n", type=int, default=20_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--quick", action="store_true")
    p.add_argument("-o", "--output", default=str(DOCS_TABLE),
                   help="Markdown file (default: docs/_generated/validation_table.md, included by docs/validation.md; "
                        "'-' for stdout)")
    p.add_argument("--json", help="all the numbers as JSON")
    args = p.parse_args()
    t0 = time.perf_counter()
    n, seed = args.n, args.seed
    main_run = run_validation(n, seed, quick=args.quick)
    print(f"main table: {main_run['seconds']:.1f} s", file=sys.stderr)
    seeds = [run_validation(n, seed + k, quick=args.quick, treatments={"paper": PAPER}, cases=MC_CASES) for k in (1, 2)]
    spread: dict[str, list[float | None]] = {}
    for row in main_run["rows"]:
        if row["kind"] == "constraint":
            continue
        values = [row["mcgen"]["paper"]] + [next(r for r in s["rows"] if r["id"] == row["id"])["mcgen"]["paper"] for s in seeds]
        spread[row["id"]] = []
        for k in range(len(row["paper"])):
            xs = [v[k] for v in values]
            ok = all(isinstance(x, float) for x in xs)
            spread[row["id"]].append(statistics.stdev(xs) / statistics.mean(xs) if ok else None)
    varied: dict[str, dict[str, Any]] = {}
    for label, _, kwargs in VARIATIONS:
        kw = dict(kwargs)
        treatment = kw.pop("treatment", PAPER)
        cases = kw.pop("cases", MC_CASES)
        r = run_validation(n, seed, quick=args.quick, treatments={"paper": treatment}, cases=cases, **kw)
        varied[label] = {row["id"]: row["mcgen"]["paper"] for row in r["rows"]}
        print(f"{label}: {r['seconds']:.1f} s", file=sys.stderr)
    formulas = paper_formula_studies(n, seed, args.quick)
    windows = peak_windows(n, seed, args.quick)
    by_flavour = scenario_iii_by_flavour(n, seed)
    law = decay_law_at_cepc(n, seed, [1.0, 10.0, 40.0, 70.0, 85.0, 120.0, 180.0, 230.0])

    md = [f"Generated by `python benchmarks/validation_table.py -n {n} --seed {seed}{' --quick' if args.quick else ''}` "
          f"(mcgen {main_run['version']}, {main_run['n_events']} weighted events per Monte Carlo, "
          f"{main_run['background_events']} background events per CEPC card).", "",
          "Treatments: " + "; ".join(f"**{k}**: " + ", ".join(f"{a}={b}" for a, b in v.items())
                                     for k, v in main_run["treatments"].items()) + ".", "",
          markdown_table(main_run), "",
          "The paper treatment with one input switched (relative change of each value; min / max for the ranges; "
          "MC spread: the standard deviation over seeds " f"{seed}, {seed + 1}, {seed + 2} relative to the mean):", "",
          variation_table(main_run, spread, varied), "", "Switched inputs:", ""]
    md += [f"- {label}: {what}" for label, what, _ in VARIATIONS]
    md += ["", "Fig. 5 with the paper's printed formulas (uniform a grid, same sample):", ""]
    for cid, study in formulas.items():
        base = study["grid"]
        for key in (k for k in study if k not in ("grid", "a_at")):
            md.append(f"- `{cid}`, {key}: min, max = {', '.join(f'{v:.3g}' for v in study[key])} "
                      f"(grid without it: {', '.join(f'{v:.3g}' for v in base)}; "
                      f"{' / '.join(_pct(_rel(v, b)) for v, b in zip(study[key], base))})")
    md += ["", "Fig. 4: where mcgen's limit (paper treatment) exceeds the paper's quoted maximum:", ""]
    for cid, w in windows.items():
        md.append(f"- `{cid}`: " + (w if isinstance(w, str) else f"{w['window'][0]:.4g} < a < {w['window'][1]:.4g} around "
                                    f"a = 2 tan(theta_w) = {w['a_III']:.4g} (+-{100 * w['relative_half_width']:.1f}%) "
                                    f"for the paper's {w['paper_max']:.2g}"))
    md += ["", "Fig. 8, scenario III: the strongest of OPAL and DELPHI (paper treatment) at m_N = "
           + ", ".join(f"{m:g}" for m in by_flavour["masses"]) + " GeV:", ""]
    md += [f"- {k}: " + ", ".join(f"{v:.3g}" for v in vals) for k, vals in by_flavour.items() if k != "masses"]
    md += ["", "CEPC reach (scenario I, d_mu) with the three decay laws, limit / limit with the paper law:", "",
           "| m_N [GeV] | Z exact | Z isotropic | H exact | H isotropic |", "|---|---|---|---|---|"]
    for i, m in enumerate(law["masses"]):
        cells = [f"{m:g}"]
        for card in ("cepc_z", "cepc_h"):
            for which in ("exact", "isotropic"):
                a, b = law[which][card]["d_gamma_95"][i], law["paper"][card]["d_gamma_95"][i]
                cells.append("n/a" if a is None or b is None else f"{a / b:.3f}")
        md.append("| " + " | ".join(cells) + " |")
    text = "\n".join(md) + "\n"
    if args.output != "-":
        out = Path(args.output)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text, encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)
    else:
        print(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"main": main_run, "spread": spread, "variations": varied, "formulas": formulas, "windows": windows,
                       "scenario_iii": by_flavour, "decay_law": law, "seconds": time.perf_counter() - t0}, f, indent=1,
                      default=lambda x: None)
    print(f"total {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
