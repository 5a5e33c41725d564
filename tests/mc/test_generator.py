"""The event generator against the analytic cross sections, an independent polarisation
calculation, the decay laws, the exponential flight distance and thread-count determinism.
Tolerances are multiples of the Monte Carlo standard error; seeds are fixed."""

from __future__ import annotations

import dataclasses
import math

import dirac_reference as ref
import numba
import numpy as np
import pytest

import mcgen
from mcgen.config.options import PhysicsOptions
from mcgen.mc.driver import generate, reweight
from mcgen.physics.model import Couplings, Model, structure_from_a, widths
from mcgen.physics.xsec import production_cross_sections

CARDS = ("lep1_opal", "lep2_delphi", "lep1_l3_zgamma", "lep1_zinv", "cepc_z", "cepc_ww", "cepc_h", "cepc_tt")
MEDIATORS = {  # couplings (d_gamma tiny but > 0 keeps a finite lifetime)
    "photon": Couplings(1e-5, 0.0, 0.0),
    "Z": Couplings(1e-15, 1e-5, 0.0),
    "W": Couplings(1e-15, 0.0, 1e-5),
    "all": Couplings(1e-5, -1.7e-5, 2.3e-5),
}


def analytic_total(card, model, st=True):
    return production_cross_sections(card.sqrt_s, model.mass, model.couplings, model.flavour, card.electroweak,
                                     st_interference=st).total


@pytest.mark.parametrize("card_name", CARDS)
@pytest.mark.parametrize(
    ("flavour", "mediator"), [(f, m) for f in ("e", "mu") for m in MEDIATORS if f == "e" or m != "W"]
)  # the W t-channel exists for flavour e only
def test_unweighted_cross_section_matches_analytic_totals(card_name, flavour, mediator):
    card = mcgen.load_card(card_name, ("beam.energy_spread=0",))  # the Born cross section at the nominal s
    model = Model(0.45 * card.sqrt_s, MEDIATORS[mediator], flavour, a=0.0)
    ev = generate(card, model, 200_000, seed=11, stage=1, keep=False)
    s = ev.summary
    assert s["envelope_violations"] == 0 and s["unweighting_efficiency"] > 0.95
    expected = analytic_total(card, model)
    assert abs(s["sigma_pb"] - expected) < 3 * s["sigma_err_pb"]
    assert s["sigma_quadrature_pb"] == pytest.approx(expected, rel=1e-9)


@pytest.mark.parametrize(("card_name", "mass"), [("lep2_delphi", 100.0), ("cepc_h", 20.0), ("lep1_opal", 60.0)])
def test_weighted_sample_and_reweighting_to_other_structures(card_name, mass):
    card = mcgen.load_card(card_name)
    ew = card.electroweak
    model = Model(mass, structure_from_a(0.0, ew).scaled(1e-5), "e", a=0.0)
    ev = generate(card, model, 400_000, seed=5, weighted=True)
    for a in (0.0, 1.0, -1.0, 5.0, math.inf):
        c = structure_from_a(a, ew).scaled(2e-5)
        for st in (True, False):
            cols = ev.columns if st else dict(ev.columns, w_gw=0 * ev.columns["w_gw"], w_zw=0 * ev.columns["w_zw"])
            w = reweight(cols, c.d_gamma, c.d_Z, c.d_W)
            mean, err = w.mean(), w.std() / math.sqrt(len(w))
            expected = analytic_total(card, Model(mass, c, "e", a), st=st)
            assert abs(mean - expected) < 3 * err, (a, st, mean, expected, err)


def test_unweighted_sample_reweights_within_its_support():
    card = mcgen.load_card("lep2_delphi")
    model = mcgen.make_model(100.0, "e", card.electroweak, d_gamma=1e-5, scenario="II")
    ev = generate(card, model, 300_000, seed=9, stage=1)
    assert np.allclose(ev.columns["weight_pb"], ev.summary["sigma_quadrature_pb"], rtol=1e-9)
    other = mcgen.make_model(100.0, "e", card.electroweak, d_gamma=1e-5, scenario="IV")
    c = other.couplings
    w = reweight(ev.columns, c.d_gamma, c.d_Z, c.d_W)
    assert abs(w.mean() - analytic_total(card, other)) < 3 * w.std() / math.sqrt(len(w))


REF_EW = ref.EW()


@pytest.mark.parametrize(("sqrt_s", "mass", "couplings"), [
    (91.19, 60.0, (1e-5, 0.0, 0.0)),
    (205.4, 100.0, (1e-5, -2e-5, 3e-5)),
    (240.0, 30.0, (1e-5, 3e-5, -1e-5)),
])
def test_stored_polarisation_matches_spin_projectors_for_n_and_nbar(sqrt_s, mass, couplings):
    card = mcgen.load_card("lep2_delphi", (f"beam.sqrt_s={sqrt_s}",))
    model = Model(mass, Couplings(*couplings), "e", a=0.0)
    ev = generate(card, model, 2000, seed=3)
    c = ev.columns
    for i in range(0, 40):
        p = np.array([c["N_px"][i], c["N_py"][i], c["N_pz"][i]])
        cos_t = p[2] / np.linalg.norm(p)
        phi = math.atan2(p[1], p[0])
        reference = ref.nbar_polarisation if c["anti"][i] else ref.n_polarisation
        expected = reference(REF_EW, sqrt_s, mass, cos_t, *couplings, phi=phi)
        got = np.array([c["N_pol_x"][i], c["N_pol_y"][i], c["N_pol_z"][i]])
        assert got == pytest.approx(expected, abs=1e-6)
        assert c["N_pol_long"][i] == pytest.approx(expected @ p / np.linalg.norm(p), abs=1e-6)


def test_photon_follows_the_polarisation_in_the_n_rest_frame():
    # exact law: N decays with 1 - P.k, Nbar with 1 + P.k, so <cos theta*> about the flight
    # direction is -h/3 for N and +h/3 for Nbar (h = P_long, the helicity); bin by bin in cos(theta)
    card = mcgen.load_card("lep1_opal", ("beam.sqrt_s=91.19",))
    model = Model(60.0, Couplings(1e-5, 0.0, 0.0), "mu", a=0.0)
    ev = generate(card, model, 400_000, seed=21)
    c = ev.columns
    helicity_axis = np.where(c["anti"], -1.0, 1.0) * c["N_cos_theta"]  # cos theta of the particle itself
    edges = np.linspace(-1, 1, 9)
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (helicity_axis >= lo) & (helicity_axis < hi)
        mean = c["gamma_cos_star"][sel].mean()
        err = c["gamma_cos_star"][sel].std() / math.sqrt(sel.sum())
        expected = (np.where(c["anti"], 1.0, -1.0) * c["N_pol_long"])[sel].mean() / 3
        assert abs(mean - expected) < 4 * err


def test_paper_law_photon_energy_spectrum():
    card = mcgen.load_card("lep2_delphi")
    model = mcgen.make_model(100.0, "mu", card.electroweak, d_gamma=1e-5, scenario="I")
    ev = generate(card, model, 400_000, seed=4, options=PhysicsOptions(decay_law="paper"))
    e = ev.columns["gamma_E"]
    s = card.sqrt_s**2
    e_n = (s + 1e4) / (2 * card.sqrt_s)
    k = (s - 1e4) / (2 * card.sqrt_s)
    gam, beta = e_n / 100.0, k / e_n
    e_lo, e_hi = gam * 50 * (1 - beta), gam * 50 * (1 + beta)
    assert e.min() >= e_lo * (1 - 1e-9) and e.max() <= e_hi * (1 + 1e-9)
    # density (1 - cos a)/2 in cos a = (2E/(gamma m) - 1)/beta: CDF F(c) = (c + 1)/2 - (c^2 - 1)/4
    edges = np.linspace(e_lo, e_hi, 21)
    cos_a = (2 * edges / (gam * 100.0) - 1) / beta
    cdf = (cos_a + 1) / 2 - (cos_a**2 - 1) / 4
    expected = np.diff(cdf) * len(e)
    counts, _ = np.histogram(e, edges)
    pulls = (counts - expected) / np.sqrt(expected)
    assert np.all(np.abs(pulls) < 4.5) and np.sum(pulls**2) < 20 + 5 * math.sqrt(40)


@pytest.mark.slow
@pytest.mark.parametrize("card_name", ["lep1_opal", "cepc_h"])
def test_flight_distance_is_exponential_and_p_inside_matches(card_name):
    card = mcgen.load_card(card_name)
    # choose d_gamma so that the decay length is about the detector size
    probe = mcgen.make_model(5.0, "mu", card.electroweak, d_gamma=1e-8, scenario="I")
    length = mcgen.model_info(card, probe)["decay_length_m"]
    model = mcgen.make_model(5.0, "mu", card.electroweak, d_gamma=1e-8 * math.sqrt(length / 1.5), scenario="I")
    info = mcgen.model_info(card, model)
    ev = generate(card, model, 300_000, seed=8)
    c = ev.columns
    flight = c["flight_m"]
    assert flight.mean() == pytest.approx(info["decay_length_m"], abs=4 * flight.std() / math.sqrt(len(flight)))
    assert np.all(c["inside"] == (flight < c["boundary_m"]))
    frac = c["inside"].mean()
    assert abs(frac - c["p_inside"].mean()) < 4 * math.sqrt(frac * (1 - frac) / len(frac * flight))
    if card.detector.decay_volume == "sphere":
        expected = -math.expm1(-card.detector.decay_radius_m / info["decay_length_m"])
        assert ev.summary["p_decay_inside"] == pytest.approx(expected, rel=1e-12)
    vertex = np.stack([c["vtx_x"], c["vtx_y"], c["vtx_z"]])
    momentum = np.stack([c["N_px"], c["N_py"], c["N_pz"]])
    assert np.allclose(np.linalg.norm(vertex, axis=0), flight)
    assert np.allclose(np.cross(vertex.T, momentum.T), 0.0, atol=1e-9 * flight.max() * momentum.max())


def test_kinematics_conserve_four_momentum_and_masses():
    card = mcgen.load_card("cepc_ww", ("beam.energy_spread=0",))  # the beams at sqrt(s)/2 each
    model = mcgen.make_model(70.0, "e", card.electroweak, d_gamma=1e-5, a=2.0)
    c = generate(card, model, 5000, seed=2).columns
    n = np.stack([c["N_E"], c["N_px"], c["N_py"], c["N_pz"]])
    g = np.stack([c["gamma_E"], c["gamma_px"], c["gamma_py"], c["gamma_pz"]])
    nu = np.stack([c["nu_decay_E"], c["nu_decay_px"], c["nu_decay_py"], c["nu_decay_pz"]])
    recoil = np.stack([np.linalg.norm([c["nu_recoil_px"], c["nu_recoil_py"], c["nu_recoil_pz"]], axis=0),
                       c["nu_recoil_px"], c["nu_recoil_py"], c["nu_recoil_pz"]])
    mass2 = lambda p: p[0] ** 2 - p[1] ** 2 - p[2] ** 2 - p[3] ** 2  # noqa: E731
    assert np.allclose(mass2(n), 70.0**2, rtol=1e-9)
    assert np.allclose(mass2(g), 0.0, atol=1e-7 * 160**2) and np.allclose(mass2(nu), 0.0, atol=1e-7 * 160**2)
    total = n + recoil
    assert np.allclose(total[0], 160.0) and np.allclose(total[1:], 0.0, atol=1e-9)
    assert np.allclose(g + nu, n)
    assert c["anti"].mean() == 0.5


def test_same_seed_same_events_whatever_the_thread_count():
    card = mcgen.load_card("cepc_h")
    model = mcgen.make_model(50.0, "e", card.electroweak, d_gamma=1e-6, scenario="II")
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs two numba threads")
    runs = []
    for threads in (1, 2):
        numba.set_num_threads(threads)
        try:
            runs.append(generate(card, model, 70_000, seed=123, batch=1 << 15).columns)
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
    for key in runs[0]:
        assert np.array_equal(runs[0][key], runs[1][key]), key
    other = generate(card, model, 70_000, seed=124).columns
    assert not np.array_equal(other["N_pz"], runs[0]["N_pz"])


def test_the_summary_is_the_same_to_the_last_bit_whatever_the_thread_count():
    """Streamed batches hold one chunk per thread, so the batches differ between 1 and 2
    threads; the summary's sums must not."""
    card = mcgen.load_card("cepc_h")
    model = mcgen.make_model(50.0, "e", card.electroweak, d_gamma=1e-6, scenario="II")
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs two numba threads")
    summaries = []
    for threads in (1, 2):
        numba.set_num_threads(threads)
        try:
            summary = generate(card, model, 1_000_000, seed=1, keep=False).summary
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)
        summaries.append({k: v for k, v in summary.items() if isinstance(v, float) and "per_s" not in k})
    assert {"sigma_pb", "eps_cuts", "eps_det", "n_expected", "p_decay_inside"} <= set(summaries[0])
    assert summaries[0] == summaries[1]


def test_batches_do_not_change_the_events():
    card = mcgen.load_card("lep1_opal")
    model = mcgen.make_model(20.0, "tau", card.electroweak, d_gamma=1e-6, scenario="IV")
    a = generate(card, model, 50_000, seed=7, batch=1 << 14).columns
    b = generate(card, model, 50_000, seed=7, batch=1 << 20).columns
    assert all(np.array_equal(a[k], b[k]) for k in a)
    # streamed with keep=False the kernel's buffers are reused (it writes every column of every
    # event): every batch must still equal the kept events, and so must the summary
    streamed: list[dict[str, np.ndarray]] = []
    ev = generate(card, model, 50_000, seed=7, batch=1 << 14, keep=False,
                  on_batch=lambda cols: streamed.append({k: v.copy() for k, v in cols.items()}))
    assert ev.columns == {} and len(streamed) == 4
    assert all(np.array_equal(np.concatenate([s[k] for s in streamed]), a[k]) for k in a)
    kept = generate(card, model, 50_000, seed=7, batch=1 << 14)
    assert ev.summary["sigma_pb"] == kept.summary["sigma_pb"] and ev.summary["eps_det"] == kept.summary["eps_det"]


def test_detector_and_selection_flags_are_consistent():
    card = mcgen.load_card("cepc_z")
    model = mcgen.make_model(10.0, "mu", card.electroweak, d_gamma=1e-6, scenario="I")
    ev = generate(card, model, 100_000, seed=31)
    c = ev.columns
    assert not np.any(c["reconstructed"] & ~c["inside"])
    assert not np.any(c["pass_all"] & ~c["reconstructed"])
    reco = c["reconstructed"]
    assert np.all(c["pass_pt"][reco] == (c["gamma_reco_pt"][reco] > 35.0))
    assert np.all(np.abs(c["gamma_reco_cos_theta"][reco]) < 0.99)
    truth = c["truth_pass"]
    assert np.all(c["gamma_pt"][truth] > 35.0) and np.all(np.abs(c["gamma_cos_theta"][truth]) < 0.99)
    # energy resolution: pulls of the reconstructed energy are unit normal
    sigma = c["gamma_E"][reco] * np.sqrt(0.16**2 / c["gamma_E"][reco] + 0.01**2)
    pulls = (c["gamma_reco_E"][reco] - c["gamma_E"][reco]) / sigma
    assert abs(pulls.mean()) < 5 / math.sqrt(reco.sum()) and abs(pulls.std() - 1) < 0.01
    s = ev.summary
    truth_inside = c["truth_pass"] & c["inside"]
    assert s["eps_det"] == pytest.approx((c["pass_all"] & truth_inside).sum() / truth_inside.sum())
    assert 0.8 < s["eps_det"] <= 1 and 0 < s["eps_cuts"] < 1  # migration across pT > 35 GeV only
    assert s["br_nu_gamma"] == widths(model, card.electroweak).br_nu_gamma


def test_photon_direction_is_measured_where_it_leaves_the_decay_volume():
    """Displaced decays (l_D ~ the volume): the reconstructed polar angle scatters by sigma_theta
    about the point where the photon leaves the decay cylinder (R = 1.8 m, L = 2.3 m; the
    intersection is done here), and the azimuth is that point's."""
    card = mcgen.load_card("cepc_z")
    model = mcgen.make_model(10.0, "mu", card.electroweak, d_gamma=3e-9, scenario="I")
    c = generate(card, model, 100_000, seed=32).columns
    reco = c["reconstructed"]
    assert reco.sum() > 20_000 and np.median(np.hypot(c["vtx_x"], c["vtx_y"])[reco]) > 0.3
    v = np.stack([c["vtx_x"], c["vtx_y"], c["vtx_z"]])[:, reco]
    d = np.stack([c["gamma_px"], c["gamma_py"], c["gamma_pz"]])[:, reco] / c["gamma_E"][reco]
    a, b = d[0] ** 2 + d[1] ** 2, v[0] * d[0] + v[1] * d[1]
    t_barrel = (-b + np.sqrt(b * b - a * (v[0] ** 2 + v[1] ** 2 - 1.8**2))) / a
    t_cap = (np.sign(d[2]) * 2.3 - v[2]) / d[2]
    exit_point = v + np.minimum(t_barrel, t_cap) * d
    theta_exit = np.arctan2(np.hypot(exit_point[0], exit_point[1]), exit_point[2])
    pulls = (np.arccos(c["gamma_reco_cos_theta"][reco]) - theta_exit) / 0.001
    assert abs(pulls.mean()) < 5 / math.sqrt(reco.sum()) and abs(pulls.std() - 1) < 0.01
    assert np.allclose(np.arctan2(c["gamma_reco_py"][reco], c["gamma_reco_px"][reco]),
                       np.arctan2(exit_point[1], exit_point[0]), rtol=0, atol=1e-9)  # no azimuthal smearing


def test_bad_generator_inputs():
    card = mcgen.load_card("lep1_opal")
    model = mcgen.make_model(20.0, "mu", card.electroweak, d_gamma=1e-6, scenario="I")
    for n in (0, -5, 1.5, True):
        with pytest.raises(mcgen.InputError):
            generate(card, model, n, seed=1)
    with pytest.raises(mcgen.InputError):
        generate(card, model, 10, seed=-1)
    with pytest.raises(mcgen.InputError):
        generate(card, dataclasses.replace(model, mass=card.sqrt_s), 10, seed=1)
