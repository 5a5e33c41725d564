"""LEP limits against hand calculations written here: prompt photon-only OPAL limit from an
independent eps_cuts integral, the lifetime edge from the analytic P(inside), the Z-invisible
island from the Lambert W function, and reweighting against a fresh Monte Carlo. The hand
calculations use the two-body widths (Br = 1 below M_Z), so those samples set three_body=False."""

from __future__ import annotations

import json
import math

import mpmath
import numpy as np
import pytest
from helpers import run_cli as run

import mcgen
from mcgen.analysis.limits import eps_cuts, limit_for, parse_masses, signal_sample, solve_excluded
from mcgen.config.options import PhysicsOptions
from mcgen.errors import InputError
from mcgen.physics.constants import GEV2_TO_PB, HBARC_GEV_M
from mcgen.physics.model import Couplings, scenario_a, structure_from_a

PHOTON_ONLY = Couplings(1.0, 0.0, 0.0)


def eps_cuts_photon_paper_law(sqrt_s, m, e_min, abs_cos_max, n=240):
    """Independent: photon-exchange production (s sin^2 + m^2 (1 + cos^2)) and the paper's decay
    law (1 - cos a about the N direction), boosted by hand, on a grid in (cos theta, cos a, psi)."""
    s = sqrt_s**2
    e_n = (s + m * m) / (2 * sqrt_s)
    p = (s - m * m) / (2 * sqrt_s)
    gamma, beta = e_n / m, p / e_n
    ct = (np.arange(n) + 0.5) / n * 2 - 1
    ca = (np.arange(n) + 0.5) / n * 2 - 1
    psi = (np.arange(n) + 0.5) / n * 2 * math.pi
    ct, ca, psi = np.meshgrid(ct, ca, psi, indexing="ij", sparse=True)
    w_prod = s * (1 - ct**2) + m * m * (1 + ct**2)
    w_dec = 1 - ca
    sa = np.sqrt(1 - ca**2)
    st = np.sqrt(1 - ct**2)
    e_gamma = gamma * m / 2 * (1 + beta * ca)
    # photon momentum along the N direction (p_par) and transverse to it in the production plane
    p_par = gamma * m / 2 * (ca + beta)
    p_perp_x = m / 2 * sa * np.cos(psi)
    pz = p_par * ct - p_perp_x * st  # N direction (st, 0, ct); perpendicular (ct, 0, -st)
    cos_gamma = pz / e_gamma
    passed = (e_gamma > e_min) & (np.abs(cos_gamma) < abs_cos_max)
    weight = w_prod * w_dec * np.ones_like(psi)
    return float((weight * passed).sum() / weight.sum())


def test_opal_prompt_photon_only_limit_against_hand_calculation():
    card = mcgen.load_card("lep1_opal")
    mass = 20.0
    sample = signal_sample(card, mass, "mu", PhysicsOptions(decay_law="paper", three_body=False), 200_000, 3)
    eps, err = eps_cuts(sample, PHOTON_ONLY)
    eps_hand = eps_cuts_photon_paper_law(card.sqrt_s, mass, 23.0, 0.7)
    assert abs(eps - eps_hand) < 3 * err + 2e-3  # 2e-3: grid integration of a cut indicator
    s = card.sqrt_s**2
    sigma_1 = 2 * card.electroweak.alpha * (s - mass**2) ** 2 * (s + 2 * mass**2) / (3 * s**3) * GEV2_TO_PB
    d95_hand = math.sqrt(0.15 / (sigma_1 * 1.0 * eps_hand * 0.657))  # Br = 1, prompt
    result = limit_for(sample, PHOTON_ONLY)
    assert result.excluded[0][1] is None  # open-ended above
    assert result.d_gamma_95 == pytest.approx(d95_hand, rel=0.5 * (3 * err + 2e-3) / eps)


def test_lifetime_edge_against_the_analytic_decay_probability():
    card = mcgen.load_card("lep1_opal")
    mass = 0.012
    sample = signal_sample(card, mass, "mu", PhysicsOptions(three_body=False), 50_000, 4)
    visible_1 = float(sample.weights(PHOTON_ONLY, passing=True).sum())  # sigma eps_cuts at d_gamma = 1 (the MC's)
    s = card.sqrt_s**2
    p = (s - mass**2) / (2 * card.sqrt_s)
    lambda_1 = p / mass * HBARC_GEV_M / (mass**3 / (4 * math.pi))
    mpmath.mp.dps = 30

    def excess(d):
        return visible_1 * 0.657 * d * d * -mpmath.expm1(-1.0 * d * d / lambda_1) - 0.15

    d_hand = float(mpmath.findroot(excess, 1e-3))
    result = limit_for(sample, PHOTON_ONLY)
    assert result.d_gamma_95 == pytest.approx(d_hand, rel=1e-6)
    prompt = math.sqrt(0.15 / (visible_1 * 0.657))
    assert result.d_gamma_95 > 1.5 * prompt  # the lifetime closes the region from below


def test_z_invisible_island_edges_from_lambert_w():
    card = mcgen.load_card("lep1_zinv")
    ew = card.electroweak
    mass = 0.005
    structure = structure_from_a(scenario_a("I", ew), ew)
    sample = signal_sample(card, mass, "e", PhysicsOptions(three_body=False), 5_000, 5)
    result = limit_for(sample, structure)
    mz2 = ew.m_Z**2
    gamma_1 = 2 * structure.d_Z**2 * (mz2 - mass**2) ** 2 * (2 * mass**2 + mz2) / (12 * math.pi * ew.m_Z**3)
    p = (mz2 - mass**2) / (2 * ew.m_Z)
    lambda_1 = p / mass * HBARC_GEV_M / (mass**3 / (4 * math.pi))  # d_Z only matters above M_Z
    a = 1.0 / lambda_1
    z = -a * 2.0e-3 / gamma_1  # 2 Gamma_1 x exp(-a x) = T with x = d^2  =>  x = -W_k(-a T/Gamma_1)/a
    lo = math.sqrt(-float(mpmath.lambertw(z, 0).real) / a)
    hi = math.sqrt(-float(mpmath.lambertw(z, -1).real) / a)
    assert len(result.excluded) == 1
    assert result.excluded[0][0] == pytest.approx(lo, rel=1e-6)
    assert result.excluded[0][1] == pytest.approx(hi, rel=1e-6)


def test_delphi_limit_sits_on_the_chi2_threshold():
    card = mcgen.load_card("lep2_delphi")
    sample = signal_sample(card, 50.0, "e", PhysicsOptions(), 20_000, 6)
    result = limit_for(sample, structure_from_a(1.0, card.electroweak))
    assert result.details["threshold"] == pytest.approx(1.50 - 1.61 + 0.11 * math.sqrt(3.84))
    assert result.details["signal_at_d95"] == pytest.approx(result.details["threshold"], rel=1e-9)


@pytest.mark.parametrize("a", [5.0, -1.0])
def test_reweighted_efficiency_equals_a_fresh_monte_carlo(a):
    card = mcgen.load_card("lep2_delphi")
    ew = card.electroweak
    sample = signal_sample(card, 60.0, "e", PhysicsOptions(), 200_000, 7)
    structure = structure_from_a(a, ew)
    eps, err = eps_cuts(sample, structure)
    model = mcgen.make_model(60.0, "e", ew, d_gamma=1e-5, a=a)
    fresh = mcgen.generate(card, model, 200_000, seed=8).columns["truth_pass"]
    fresh_err = math.sqrt(fresh.mean() * (1 - fresh.mean()) / fresh.size)
    assert abs(eps - fresh.mean()) < 3 * math.hypot(err, fresh_err)


def test_solver_finds_islands_and_open_ends():
    f = lambda d: np.exp(-((np.log10(d) + 5) ** 2))  # noqa: E731  peak at 1e-5
    (iv,) = solve_excluded(f, 0.5)
    assert iv[0] == pytest.approx(10 ** (-5 - math.sqrt(math.log(2))), rel=1e-9)
    assert iv[1] == pytest.approx(10 ** (-5 + math.sqrt(math.log(2))), rel=1e-9)
    assert solve_excluded(lambda d: d, 1e-3) == [[pytest.approx(1e-3), None]]
    assert solve_excluded(lambda d: 0.0 * d, 1.0) == []


def test_mass_lists():
    assert parse_masses("1, 2,5") == [1.0, 2.0, 5.0]
    assert parse_masses("10:30:3") == [10.0, 20.0, 30.0]
    for bad in ("", "3,2", "1,1", "0,1", "a,b", "1:2", "-1:10:3", "1:10:0"):
        with pytest.raises(InputError):
            parse_masses(bad, log="-" in bad)




def test_limits_cli_contract_and_thresholds(capsys):
    code, out, err = run(capsys, ["limits", "--card", "lep1_opal", "--card", "lep1_zinv", "--masses", "0.005,50,95",
                                  "--scenario", "I", "--flavor", "mu", "-n", "5000", "--json"])
    assert code == 0, err
    r = json.loads(out)
    assert r["masses"] == [0.005, 50.0, 95.0]
    assert r["d_gamma_95"][2] is None and r["excluded"][2] == []  # above threshold: null, not an error
    assert r["d_gamma_95"][1] == r["by_card"]["lep1_opal"]["d_gamma_95"][1]
    island = r["by_card"]["lep1_zinv"]["excluded"][0]
    assert len(island) == 1 and island[0][1] is not None
    assert r["d_gamma_95"][0] == min(r["by_card"]["lep1_opal"]["d_gamma_95"][0], island[0][0])
    assert r["structure"]["scenario"] == "I" and r["options"]["decay_law"] == "exact"


@pytest.mark.parametrize("argv", [
    ["limits", "--card", "lep1_opal", "--masses", "", "--scenario", "I", "--flavor", "e"],
    ["limits", "--card", "lep1_opal", "--masses", "5,1", "--scenario", "I", "--flavor", "e"],
    ["limits", "--card", "cepc_z", "--masses", "5", "--scenario", "I", "--flavor", "e", "--set", "limit.criterion=chi2"],
    ["limits", "--card", "lep1_opal", "--masses", "5", "--flavor", "e"],
    ["limits", "--card", "lep1_opal", "--masses", "5", "--scenario", "I", "--a", "1", "--flavor", "e"],
    ["limits", "--card", "lep1_opal", "--masses", "5", "--scenario", "I", "--flavor", "x"],
    ["efficiency", "--card", "lep1_opal", "--masses", "5", "--scenario", "I", "--flavor", "e", "-n", "0"],
])
def test_bad_limit_inputs(capsys, argv):
    code, out, err = run(capsys, argv)
    assert code == 2 and out == "" and err.count("\n") == 1 and "Traceback" not in err


def test_efficiency_table_round_trips_through_root(capsys, tmp_path):
    import uproot

    out = tmp_path / "eff.root"
    code, stdout, err = run(capsys, ["efficiency", "--card", "lep1_opal", "--masses", "1,10,50,100", "--scenario", "II",
                                     "--flavor", "mu", "-n", "5000", "-o", str(out), "--json"])
    assert code == 0, err
    r = json.loads(stdout)
    assert r["eps_cuts"][3] is None and all(0 < e < 1 for e in r["eps_cuts"][:3])
    with uproot.open(out) as f:
        h = f["eps_cuts"].to_hist()
        assert np.allclose(h.values()[:3], r["eps_cuts"][:3])
        assert json.loads(str(f["metadata"]))["structure"]["scenario"] == "II"


def test_efficiency_and_limits_tables_are_what_the_cli_prints(capsys):
    """The handlers parse and print; the numbers come from the library functions."""
    from mcgen.analysis.efficiency import efficiency_table
    from mcgen.analysis.limits import limits_table

    card = mcgen.load_card("lep1_opal")
    structure = structure_from_a(scenario_a("II", card.electroweak), card.electroweak)
    argv = ["--card", "lep1_opal", "--masses", "5,200", "--scenario", "II", "--flavor", "e", "-n", "3000", "--seed", "2", "--json"]
    table = efficiency_table(card, [5.0, 200.0], structure, "e", PhysicsOptions(), 3000, 2)
    assert table["eps_cuts"][1] is None and table["structure"] == structure.as_dict()
    code, out, err = run(capsys, ["efficiency", *argv])
    assert code == 0, err
    assert {k: json.loads(out)[k] for k in ("eps_cuts", "eps_cuts_err")} == {k: table[k] for k in ("eps_cuts", "eps_cuts_err")}
    limits = limits_table([card], [5.0, 200.0], [structure], "e", PhysicsOptions(), 3000, 2)
    code, out, err = run(capsys, ["limits", *argv])
    assert code == 0, err
    cli = json.loads(out)
    assert cli["d_gamma_95"] == limits["d_gamma_95"] and cli["excluded"] == limits["excluded"]
    assert limits["d_gamma_95"][1] is None and limits["inputs"]["lep1_opal"]["sqrt_s"] == card.sqrt_s
    with pytest.raises(ValueError, match="one structure per card"):
        limits_table([card, card], [5.0], [structure], "e")


def test_limits_plot_and_its_json(capsys, tmp_path):
    pytest.importorskip("mplhep")
    out = tmp_path / "lim.png"
    argv = ["limits", "--card", "lep1_opal", "--card", "lep1_zinv", "--masses", "0.003,0.01,1", "--scenario", "II",
            "--flavor", "e", "-n", "3000", "--plot", str(out)]
    code, _, err = run(capsys, argv)
    assert code == 0, err
    assert out.stat().st_size > 10_000 and out.read_bytes()[:4] == b"\x89PNG"
    curves = json.loads(out.with_suffix(".json").read_text())
    assert curves["masses"] == [0.003, 0.01, 1.0] and set(curves["by_card"]) == {"lep1_opal", "lep1_zinv"}
    code, _, err = run(capsys, argv)  # no overwrite without --force
    assert code == 2 and "--force" in err
    code, _, err = run(capsys, argv + ["--force"])
    assert code == 0


def test_l3_prompt_limit_against_closed_form_energy_cut():
    # paper law: the photon energy does not depend on the production angle, and
    # P(E > E_min) = (1 - c0)^2 / 4 with c0 = (2 E_min/(gamma m) - 1)/beta
    card = mcgen.load_card("lep1_l3_zgamma")
    ew = card.electroweak
    mass = 40.0
    structure = structure_from_a(scenario_a("I", ew), ew)
    sample = signal_sample(card, mass, "mu", PhysicsOptions(decay_law="paper", three_body=False), 100_000, 9)
    s = card.sqrt_s**2
    e_n, p = (s + mass**2) / (2 * card.sqrt_s), (s - mass**2) / (2 * card.sqrt_s)
    c0 = (2 * 15.0 / (e_n / mass * mass) - 1) / (p / e_n)
    eps_hand = (1 - c0) ** 2 / 4
    mz2 = ew.m_Z**2
    gamma_1 = 2 * structure.d_Z**2 * (mz2 - mass**2) ** 2 * (2 * mass**2 + mz2) / (12 * math.pi * ew.m_Z**3)
    d95_hand = math.sqrt(3.2e-6 * ew.Gamma_Z / (gamma_1 * 1.0 * eps_hand))  # Br = 1 below M_Z
    eps, err = eps_cuts(sample, Couplings(0.0, structure.d_Z, 0.0))  # the Z-mediated events
    assert abs(eps - eps_hand) < 4 * err  # weighted events (weights 1 - cos a): 4 binomial errors
    result = limit_for(sample, structure)
    assert result.d_gamma_95 == pytest.approx(d95_hand, rel=2 * err / eps)


def test_delphi_prompt_photon_only_limit_against_hand_calculation():
    card = mcgen.load_card("lep2_delphi")
    mass = 30.0
    sample = signal_sample(card, mass, "mu", PhysicsOptions(decay_law="paper", three_body=False), 200_000, 10)
    eps, err = eps_cuts(sample, PHOTON_ONLY)
    # 45 < theta < 135 deg is |cos| < cos(45 deg); 0.06 < x < 1.1 is E > 0.03 sqrt(s) (x < 1.1 always holds)
    eps_hand = eps_cuts_photon_paper_law(card.sqrt_s, mass, 0.03 * card.sqrt_s, math.cos(math.radians(45)))
    assert abs(eps - eps_hand) < 3 * err + 2e-3
    s = card.sqrt_s**2
    sigma_1 = 2 * card.electroweak.alpha * (s - mass**2) ** 2 * (s + 2 * mass**2) / (3 * s**3) * GEV2_TO_PB
    d95_hand = math.sqrt((1.50 - 1.61 + 0.11 * math.sqrt(3.84)) / (sigma_1 * eps_hand * 0.65))
    assert limit_for(sample, PHOTON_ONLY).d_gamma_95 == pytest.approx(d95_hand, rel=0.5 * (3 * err + 2e-3) / eps)


def test_cepc_s2b_limit_sits_on_its_threshold():
    from mcgen.analysis.limits import visible_background_pb

    card = mcgen.load_card("cepc_h")
    background = visible_background_pb(card, 1500, 3)
    assert background > 0
    sample = signal_sample(card, 150.0, "mu", PhysicsOptions(), 10_000, 11, background)
    result = limit_for(sample, structure_from_a(0.0, card.electroweak))
    expected = math.sqrt(2.71 * background / card.beam.luminosity_invpb)  # S^2/B = 2.71 with S, B = L sigma
    assert result.details["threshold"] == pytest.approx(expected, rel=1e-12)
    assert result.details["signal_at_d95"] == pytest.approx(expected, rel=1e-9)
    with pytest.raises(InputError, match="background"):
        limit_for(signal_sample(card, 150.0, "mu", PhysicsOptions(), 2_000, 11), structure_from_a(0.0, card.electroweak))


def test_cls_limit_matches_the_asymptotic_formula_for_one_bin():
    # one bin, no systematic, large B: the median expected CLs limit is S = 1.96 sqrt(B), i.e. S^2/B = 3.84
    pytest.importorskip("pyhf")
    from mcgen.analysis.limits import visible_background_pb

    overrides = ("limit.spectrum_bins=1", "limit.background_rel_syst=0")
    cls_card = mcgen.load_card("cepc_h", ("limit.criterion='cls'", *overrides))
    s2b_card = mcgen.load_card("cepc_h", ("limit.s2b_95=3.8415", *overrides))
    background = visible_background_pb(cls_card, 3000, 3)
    assert background.shape == (1,)
    structure = structure_from_a(0.0, cls_card.electroweak)
    cls = limit_for(signal_sample(cls_card, 150.0, "mu", PhysicsOptions(), 10_000, 12, background), structure)
    s2b = limit_for(signal_sample(s2b_card, 150.0, "mu", PhysicsOptions(), 10_000, 12, float(background[0])), structure)
    assert cls.d_gamma_95 == pytest.approx(s2b.d_gamma_95, rel=0.02)
    lo, hi = cls.details["expected_band_1sigma"]
    assert lo < cls.d_gamma_95 < hi and cls.excluded == [[cls.d_gamma_95, None]]


def test_criterion_option(capsys):
    code, _, err = run(capsys, ["limits", "--card", "lep1_opal", "--masses", "5", "--scenario", "I", "--flavor", "e",
                                "--criterion", "cls"])
    assert code == 2 and "--criterion" in err
    code, out, err = run(capsys, ["limits", "--card", "cepc_ww", "--masses", "60", "--scenario", "II", "--flavor", "mu",
                                  "-n", "4000", "--background-events", "1500", "--criterion", "cls", "--json"])
    assert code == 0, err
    r = json.loads(out)
    assert r["by_card"]["cepc_ww"]["criterion"] == "cls" and r["d_gamma_95"][0] > 0
    assert len(r["by_card"]["cepc_ww"]["details"][0]["expected_band_1sigma"]) == 2
    code, out, err = run(capsys, ["limits", "--card", "cepc_ww", "--masses", "60", "--scenario", "II", "--flavor", "mu",
                                  "-n", "2000", "--background-events", "1500", "--criterion", "cls", "--json",
                                  "--set", "selection.pt_min=70"])  # --set and --criterion together
    assert code == 0, err
    r = json.loads(out)
    assert r["inputs"]["cepc_ww"]["limit"]["criterion"] == "cls" and r["inputs"]["cepc_ww"]["selection"]["pt_min"] == 70
    assert r["overrides"] == ["selection.pt_min=70"]


def test_parse_masses_says_why_log_spacing_fails():
    from mcgen.analysis.limits import parse_masses
    from mcgen.errors import ModelError

    with pytest.raises(ModelError, match="log spacing needs positive ends"):
        parse_masses("0:10:3", log=True)
    with pytest.raises(ModelError, match="expected a comma list"):
        parse_masses("1:x:3")
    assert parse_masses("0.5:10:3") == [0.5, 5.25, 10.0]


def test_first_crossing_against_brentq_on_decay_probability_signals():
    # f(d) = d^2 sum_b v_b P_inside(d, b): the shape of every monotonic criterion, over lifetimes
    # from prompt to far outside the volume; the crossing against scipy's brentq on f - threshold


    from scipy.optimize import brentq

    from mcgen.analysis.limits import first_crossing
    from mcgen.physics.model import D_GAMMA_RANGE

    rng = np.random.default_rng(7)
    for _ in range(200):
        b = rng.random(int(rng.integers(1, 300))) * 3 + 0.1
        v = rng.random(b.size)
        lam = 10 ** rng.uniform(-8, 4)
        thr = 10 ** rng.uniform(-20, 0)

        def f(d, b=b, v=v, lam=lam):
            d = np.asarray(d, dtype=float)
            return d * d * (-np.expm1(-np.multiply.outer(d * d, b) / lam) @ v)

        got = first_crossing(f, thr)
        if f(np.array([D_GAMMA_RANGE[1]]))[0] <= thr:
            assert got is None
            continue
        want = math.exp(brentq(lambda x, f=f, thr=thr: math.log(f(np.array([math.exp(x)]))[0] / thr), math.log(1e-12),
                               math.log(D_GAMMA_RANGE[1]), xtol=1e-14, rtol=1e-15))
        assert got == pytest.approx(want, rel=1e-12)
        assert f(np.array([got * (1 + 1e-9)]))[0] > thr > f(np.array([got * (1 - 1e-9)]))[0]


def test_events_of_weight_zero_never_look_like_a_foreign_file():
    """An event of weight 0 for every coupling (beyond the ISR endpoint) with a wild distance to the
    surface adds nothing and is accepted; a weighted event that far away is refused."""
    from mcgen.analysis.limits import SampleReducer
    from mcgen.errors import InputError
    from mcgen.physics.model import COUPLING_COLUMNS

    rng = np.random.default_rng(1)
    cols = {name: rng.random(100) for name in COUPLING_COLUMNS} | {"boundary_m": rng.random(100) * 2}
    passing = rng.random(100) < 0.5
    card, options = mcgen.load_card("lep1_opal"), mcgen.PhysicsOptions()
    wild = {k: v.copy() for k, v in cols.items()}
    for name in COUPLING_COLUMNS:
        wild[name][7] = 0.0
    wild["boundary_m"][7] = 14393.0
    reducer = SampleReducer()
    reducer.add(wild, passing)
    sample = reducer.sample(card, 10.0, "mu", options)
    assert sample.n_events == 100 and sample.boundary_m.max() < 2.0
    assert np.allclose(sample.coeff_all.sum(axis=1) * 100, [np.delete(cols[n], 7).sum() for n in COUPLING_COLUMNS])
    far = {k: v.copy() for k, v in cols.items()}
    far["boundary_m"][7] = 14393.0
    reducer = SampleReducer()
    reducer.add(far, passing)
    with pytest.raises(InputError, match="above 10 km"):
        reducer.sample(card, 10.0, "mu", options)


def test_an_n_made_just_above_threshold_is_kept_as_decaying_inside():
    """With beam effects each event's distance to the volume's surface is counted in nominal decay lengths
    (boundary / flight_scale); an N made just above its threshold hardly moves, and that ratio can pass
    the 10 km the reduced sample holds: it is kept at 10 km (it decays inside for any coupling), not an error."""
    from mcgen.analysis.limits import SampleReducer
    from mcgen.analysis.limits.samples import MAX_BOUNDARY_M
    from mcgen.physics.model import COUPLING_COLUMNS

    cols = {name: np.array([1.0, 2.0, 0.0]) for name in COUPLING_COLUMNS}
    cols |= {"boundary_m": np.array([1.5, 1.5, 1.5]), "flight_scale": np.array([1.0, 1e-9, 0.0])}
    reducer = SampleReducer()
    reducer.add(cols, np.array([True, True, False]))
    sample = reducer.sample(mcgen.load_card("fccee_zh"), 200.0, "e", PhysicsOptions())
    assert sample.boundary_m.tolist() == [0.0, 1.5, MAX_BOUNDARY_M]  # (the weightless event goes to 0)
    with pytest.raises(mcgen.InputError, match="negative or above 10 km"):
        SampleReducer().add(cols | {"boundary_m": np.array([1.5, -1.0, 1.5])}, np.array([True, True, False]))
