"""A Majorana N: the decay law from an explicit spin-density-matrix calculation (Dirac matrices here, not
mcgen's code), the widths, the cross section, the photon's isotropy in the generated events, the event
files' particle codes and the limits' shift."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from helpers import run_cli as run

import mcgen
from mcgen.analysis.tables import read_table
from mcgen.config.options import PhysicsOptions
from mcgen.errors import ModelError
from mcgen.mc.driver import generate

# --- the decay law from Dirac matrices (Dirac representation) ---------------------------------------

_I2, _Z2 = np.eye(2), np.zeros((2, 2))
_PAULI = [np.array([[0, 1], [1, 0]], complex), np.array([[0, -1j], [1j, 0]]), np.array([[1, 0], [0, -1]], complex)]
_G0 = np.block([[_I2, _Z2], [_Z2, -_I2]]).astype(complex)
_GAMMA = [_G0] + [np.block([[_Z2, s], [-s, _Z2]]) for s in _PAULI]
_G5 = np.block([[_Z2, _I2], [_I2, _Z2]]).astype(complex)
_METRIC = np.diag([1.0, -1.0, -1.0, -1.0])
_P_R, _P_L = (np.eye(4) + _G5) / 2, (np.eye(4) - _G5) / 2


def _slash(p: np.ndarray) -> np.ndarray:
    lower = _METRIC @ p
    return sum(lower[mu] * _GAMMA[mu] for mu in range(4))


def _sigma(mu: int, nu: int) -> np.ndarray:
    return 0.5j * (_GAMMA[mu] @ _GAMMA[nu] - _GAMMA[nu] @ _GAMMA[mu])


def _dipole_vertex(q: np.ndarray, eps: np.ndarray) -> np.ndarray:
    """sigma^{mu nu} eps*_mu q_nu for an outgoing photon of momentum q and polarisation eps (upper indices)."""
    eps_l, q_l = _METRIC @ eps.conj(), _METRIC @ q
    return sum(_sigma(mu, nu) * eps_l[mu] * q_l[nu] for mu in range(4) for nu in range(4))


def _transverse(k_hat: np.ndarray) -> list[np.ndarray]:
    """Two real polarisation four-vectors orthogonal to the photon direction."""
    a = np.array([1.0, 0.0, 0.0]) if abs(k_hat[0]) < 0.9 else np.array([0.0, 1.0, 0.0])
    e1 = np.cross(k_hat, a)
    e1 /= np.linalg.norm(e1)
    e2 = np.cross(k_hat, e1)
    return [np.concatenate([[0.0], e1]), np.concatenate([[0.0], e2])]


def _rates(m: float, rho: np.ndarray, k_hat: np.ndarray) -> tuple[float, float]:
    """|M|^2 of N (at rest, spin density matrix rho) -> nu gamma and -> nubar gamma with the photon along
    k_hat, summed over the photon polarisations and the neutrino spins (sum u ubar = sum v vbar = kslash).

    nu gamma: from d nubar sigma P_R N F, ubar(k_nu) sigma^{mu nu} q_nu eps*_mu P_R u(p).
    nubar gamma: from the hermitian conjugate d* Nbar sigma P_L nu F, which for a Majorana N annihilates it
    with vbar(p) = (C ubar^T)bar, C = i gamma^2 gamma^0: vbar(p) sigma^{mu nu} q_nu eps*_mu P_L v(k_nubar).
    """
    q = 0.5 * m * np.concatenate([[1.0], k_hat])
    k_nu = 0.5 * m * np.concatenate([[1.0], -k_hat])
    basis = [np.sqrt(2 * m) * np.array([1, 0, 0, 0], complex), np.sqrt(2 * m) * np.array([0, 1, 0, 0], complex)]  # u(p, xi_a)
    v_of = [1j * _GAMMA[2] @ u.conj() for u in basis]  # v = C ubar^T = i gamma^2 u*
    nu_rate = nubar_rate = 0.0
    for eps in _transverse(k_hat):
        vertex = _dipole_vertex(q, eps)
        # nu: sum over nu spins by the trace with kslash; amplitudes per basis spin a as row vectors ubar(k) Gamma u_a
        cols = [vertex @ _P_R @ u for u in basis]  # Gamma u_a; ubar_b's conjugate side is (Gamma u_b)^dagger gamma^0
        nu_rate += float(np.real(sum(rho[a, b] * np.trace(_slash(k_nu) @ np.outer(cols[a], cols[b].conj() @ _G0))
                                     for a in range(2) for b in range(2))))
        rows = [(v.conj() @ _G0) @ vertex @ _P_L for v in v_of]  # vbar_a Gamma
        nubar_rate += float(np.real(sum(rho[a, b] * (rows[a] @ _slash(k_nu) @ (_G0 @ rows[b].conj()))
                                        for a in range(2) for b in range(2))))
    return nu_rate, nubar_rate


def _density(pol: np.ndarray) -> np.ndarray:
    """The N spin density matrix (1 + P.sigma)/2 in the basis (up, down) along z."""
    return 0.5 * (np.eye(2) + sum(p * s for p, s in zip(pol, _PAULI)))


def test_a_spin_density_matrix_calculation_gives_opposite_asymmetries_and_an_isotropic_sum():
    rng = np.random.default_rng(7)
    m = 3.0
    for _ in range(6):
        pol = rng.normal(size=3)
        pol *= rng.uniform(0.1, 1.0) / np.linalg.norm(pol)  # a mixed state: |P| < 1
        rho = _density(pol)
        directions = rng.normal(size=(8, 3))
        directions /= np.linalg.norm(directions, axis=1)[:, None]
        rates = np.array([_rates(m, rho, k) for k in directions])
        unpolarised = np.array(_rates(m, _density(np.zeros(3)), directions[0]))
        assert unpolarised[0] == pytest.approx(unpolarised[1], rel=1e-12)  # CP: equal partial widths
        norm = unpolarised[0]
        dots = directions @ pol
        np.testing.assert_allclose(rates[:, 0] / norm, 1.0 - dots, rtol=1e-10, atol=1e-12)  # N -> nu gamma: 1 - P.k
        np.testing.assert_allclose(rates[:, 1] / norm, 1.0 + dots, rtol=1e-10, atol=1e-12)  # N -> nubar gamma: 1 + P.k
        np.testing.assert_allclose(rates.sum(axis=1) / norm, 2.0, rtol=1e-10)  # the Majorana sum: isotropic


def test_the_nu_gamma_rate_is_the_dirac_width_formula():
    """The same trace gives Gamma(N -> nu gamma) = d^2 m^3 / (4 pi) (at d = 1): |M|^2 / (16 pi m) summed over
    the final state and averaged over the N spin (the two-body phase space is 1/(8 pi) x 1/(2 m)), with the
    vertex 2 d sigma^{mu nu} q_nu of the antisymmetric field strength (hence the 4)."""
    m = 2.5
    nu, _ = _rates(m, _density(np.zeros(3)), np.array([0.0, 0.0, 1.0]))
    assert 4 * nu / (16 * math.pi * m) == pytest.approx(float(mcgen.physics.twobody.width_nu_gamma(m, 1.0)), rel=1e-12)


# --- widths, cross sections, what info says ------------------------------------------------------------------


@pytest.mark.parametrize("three_body", [True, False])
def test_every_majorana_width_is_twice_the_dirac_one_and_the_branching_ratios_stay(three_body):
    card = mcgen.load_card("cepc_h")
    ew = card.electroweak
    for mass, scenario, flavour in ((150.0, "II", "e"), (50.0, "IV", "mu"), (0.5, "I", "tau")):
        dirac, majorana = (mcgen.physics.model.widths(mcgen.make_model(mass, flavour, ew, d_gamma=1e-6, scenario=scenario,
                                                                       nature=nature), ew, three_body)
                           for nature in ("dirac", "majorana"))
        for name in ("nu_gamma", "nu_Z", "l_W", "total"):
            assert getattr(majorana, name) == 2.0 * getattr(dirac, name)
        assert majorana.br_nu_gamma == pytest.approx(dirac.br_nu_gamma, rel=1e-15)
        if three_body:
            assert dirac.three_body is not None and majorana.three_body is not None
            assert majorana.three_body == {k: 2.0 * v for k, v in dirac.three_body.items()}


def test_info_gives_the_same_cross_section_half_the_lifetime_and_records_the_nature(capsys):
    model = ["--card", "cepc_h", "--mass", "150", "--dgamma", "1e-6", "--scenario", "II", "--flavor", "e", "--json"]
    results = {}
    for nature in ("dirac", "majorana"):
        code, out, err = run(capsys, ["info", *model, "--nature", nature])
        assert code == 0, err
        results[nature] = json.loads(out)
    d, m = results["dirac"], results["majorana"]
    assert m["sigma_pb"] == d["sigma_pb"] and m["sigma_pb_isr"] == d["sigma_pb_isr"]
    assert m["widths_GeV"] == {k: 2 * v for k, v in d["widths_GeV"].items()}
    assert m["three_body_widths_GeV"] == {k: 2 * v for k, v in d["three_body_widths_GeV"].items()}
    assert m["br_nu_gamma"] == pytest.approx(d["br_nu_gamma"], rel=1e-15)
    assert m["ctau_m"] == pytest.approx(d["ctau_m"] / 2, rel=1e-15)
    assert m["decay_length_m"] == pytest.approx(d["decay_length_m"] / 2, rel=1e-15)
    assert (d["model"]["nature"], m["model"]["nature"]) == ("dirac", "majorana")


def test_an_unknown_nature_is_refused(capsys):
    with pytest.raises(ModelError, match="unknown nature 'weyl'"):
        mcgen.make_model(10.0, "e", mcgen.load_card("cepc_z").electroweak, d_gamma=1e-6, scenario="I", nature="weyl")
    code, out, err = run(capsys, ["info", "--card", "cepc_z", "--mass", "10", "--dgamma", "1e-6", "--scenario", "I",
                                  "--flavor", "e", "--nature", "Majorana!"])
    assert code == 2 and out == "" and err.count("\n") == 1 and "unknown nature" in err


# --- the generated events ---------------------------------------------------------------------------------


def _chi2_flat(values: np.ndarray, bins: int = 50) -> float:
    counts = np.histogram(values, bins=bins, range=(-1.0, 1.0))[0]
    expected = len(values) / bins
    return float(((counts - expected) ** 2 / expected).sum())


@pytest.mark.slow
def test_the_photon_is_isotropic_in_the_rest_frame_of_a_polarised_majorana_n():
    """ILC 250 with -80% e- and +30% e+: the Dirac N is strongly polarised and its photon is not flat; the
    Majorana N's is, about its flight direction and about its polarisation (binned chi^2, 1e6 events,
    50 bins: the 99.9% quantile of chi^2 with 49 degrees of freedom is 85.4)."""
    from mcgen.io.particles import photon_rest_direction

    card = mcgen.load_card("ilc250").run_card("lr")
    laws = {}
    for nature in ("dirac", "majorana"):
        model = mcgen.make_model(60.0, "e", card.electroweak, d_gamma=1e-6, scenario="II", nature=nature)
        cols = generate(card, model, 1_000_000, seed=11).columns
        k = photon_rest_direction(cols, 60.0)
        pol = np.stack([cols["N_pol_x"], cols["N_pol_y"], cols["N_pol_z"]])
        size = np.linalg.norm(pol, axis=0)
        about_pol = np.where(cols["anti"], -1.0, 1.0) * (k * pol).sum(axis=0) / size  # stored Nbar events: 1 + P.k
        laws[nature] = (cols["gamma_cos_star"], about_pol, float(size.mean()))
    cos_star, about_pol, mean_pol = laws["majorana"]
    assert mean_pol > 0.3  # the N is polarised
    assert _chi2_flat(cos_star) < 85.4 and _chi2_flat(about_pol) < 85.4
    assert _chi2_flat(laws["dirac"][1]) > 1e4  # the Dirac N's photon follows 1 - P.k (1 + P.k for Nbar)


def test_majorana_events_differ_from_dirac_only_by_the_decay_law_and_the_lifetime():
    """The Majorana events are the Dirac ones with the isotropic law (the same draws), with flight
    distances halved (the same exponential deviates over half the decay length)."""
    card = mcgen.load_card("lep1_opal")
    ew = card.electroweak
    dirac = mcgen.make_model(5.0, "mu", ew, d_gamma=1e-6, scenario="I")
    majorana = mcgen.make_model(5.0, "mu", ew, d_gamma=1e-6, scenario="I", nature="majorana")
    a = generate(card, dirac, 20_000, seed=5, options=PhysicsOptions(decay_law="isotropic")).columns
    b = generate(card, majorana, 20_000, seed=5).columns
    for name in ("N_E", "N_px", "gamma_E", "gamma_px", "gamma_cos_star", "w_gg", "boundary_m"):
        np.testing.assert_array_equal(a[name], b[name])
    np.testing.assert_allclose(b["flight_m"], a["flight_m"] / 2, rtol=1e-12)


def test_majorana_decay_labels_follow_the_spin_law():
    """In the event files a Majorana N decays to nu and to nubar: at photon direction k the label a Dirac N
    would give has probability (1 - sigma P.k)/2, so half the events carry each label and, among those
    with the Dirac label, sigma P.k averages to -<|P|^2>/3 (and to +<|P|^2>/3 for the others)."""
    from mcgen.io.particles import majorana_decay_sign, particles, photon_rest_direction

    card = mcgen.load_card("ilc250").run_card("lr")
    model = mcgen.make_model(60.0, "e", card.electroweak, d_gamma=1e-6, scenario="II", nature="majorana")
    cols = generate(card, model, 200_000, seed=2).columns
    same = majorana_decay_sign(cols, 60.0) == 1
    p = particles(cols, 60.0, "e", nature="majorana")
    assert (p.pid[:, 2] == 9900012).all()
    sign = np.where(cols["anti"], -1, 1)
    np.testing.assert_array_equal(p.pid[:, 5], np.where(same, sign, -sign) * 12)
    n = len(same)
    assert abs(same.mean() - 0.5) < 5 * 0.5 / math.sqrt(n)
    k = photon_rest_direction(cols, 60.0)
    s_dot_k = sign * (cols["N_pol_x"] * k[0] + cols["N_pol_y"] * k[1] + cols["N_pol_z"] * k[2])
    p2 = cols["N_pol_x"] ** 2 + cols["N_pol_y"] ** 2 + cols["N_pol_z"] ** 2
    for chosen, expected in ((same, -1.0 / 3), (~same, 1.0 / 3)):
        # E[sigma P.k | label] = -+ 2 E[|P|^2 cos^2] = -+ E[|P|^2]/3 (the label's probability is 1/2)
        mean, err = s_dot_k[chosen].mean(), s_dot_k[chosen].std() / math.sqrt(chosen.sum())
        assert abs(mean - expected * p2.mean()) < 5 * err
    assert (majorana_decay_sign(cols, 60.0) == majorana_decay_sign({k: v[::-1] for k, v in cols.items()}, 60.0)[::-1]).all()


# --- limits and the files between stages ------------------------------------------------------------------


def test_majorana_limits_shift_by_the_lifetime_alone_against_dirac_with_the_isotropic_law():
    """With the same events (Dirac with the isotropic law, Majorana with its exact one), the Majorana
    signal has half the decay length: where N decays far outside the detector (m_N = 2 MeV at OPAL),
    P(inside) ~ l/lambda doubles the signal ~ d^4, so d_95 drops by 2^(-1/4); where it decays promptly
    (10 GeV) the limits are the same to the digit."""
    from mcgen.analysis.limits import limits_table
    from mcgen.physics.model import structure_from_a

    card = mcgen.load_card("lep1_opal")
    structure = structure_from_a(0.0, card.electroweak)
    masses = [0.002, 10.0]
    dirac = limits_table([card], masses, [structure], "mu", PhysicsOptions(decay_law="isotropic"), n=20_000, seed=3)
    majorana = limits_table([card], masses, [structure], "mu", PhysicsOptions(), n=20_000, seed=3, nature="majorana")
    long_lived, prompt = (m / d for d, m in zip(dirac["d_gamma_95"], majorana["d_gamma_95"]))
    assert long_lived == pytest.approx(2 ** -0.25, rel=1e-4)
    assert prompt == 1.0
    assert (dirac["nature"], majorana["nature"]) == ("dirac", "majorana")


def test_the_nature_travels_through_files_and_tables_and_is_not_mixed(capsys, tmp_path):
    common = ["--card", "lep1_opal", "--masses", "5", "--scenario", "I", "--flavor", "mu", "-n", "4000"]
    tables = {}
    for nature in ("dirac", "majorana"):
        tables[nature] = tmp_path / f"{nature}.root"
        code, _, err = run(capsys, ["efficiency", *common, "--nature", nature, "-o", str(tables[nature])])
        assert code == 0, err
        assert read_table(tables[nature])["nature"] == nature
    code, out, err = run(capsys, ["limits", "--efficiency", str(tables["majorana"]), "--json"])
    assert code == 0, err
    assert json.loads(out)["nature"] == "majorana"
    code, out, err = run(capsys, ["limits", "--efficiency", str(tables["dirac"]), str(tables["majorana"]), "--json"])
    assert code == 2 and out == "" and "nature" in err and err.count("\n") == 1
    code, out, err = run(capsys, ["limits", "--efficiency", str(tables["dirac"]), "--nature", "majorana"])
    assert code == 2 and "--nature does not go with --efficiency" in err
    events = tmp_path / "m.root"
    code, _, err = run(capsys, ["generate", "--card", "lep1_opal", "--mass", "5", "--dgamma", "1e-5", "--scenario", "I",
                                "--flavor", "mu", "--nature", "majorana", "-n", "2000", "-o", str(events)])
    assert code == 0, err
    assert mcgen.read(events).attrs["mcgen"]["metadata"]["model"]["nature"] == "majorana"
    code, out, err = run(capsys, ["efficiency", "--input", str(events), "--json"])
    assert code == 0, err
    assert json.loads(out)["nature"] == "majorana"


@pytest.mark.slow
def test_pythia_takes_a_majorana_n_as_its_own_nu_r(tmp_path, capfd):
    """The LHE file names the N by Pythia's Majorana nu_R code of the flavour (no antiparticle), with the
    mass and width of the SLHA blocks; its decays give nu and nubar."""
    pythia8 = pytest.importorskip("pythia8mc")
    lhe = tmp_path / "m.lhe"
    code, _, err = run(capfd, ["generate", "--card", "cepc_h", "--mass", "10", "--dgamma", "1e-5", "--scenario", "I",
                                "--flavor", "mu", "--nature", "majorana", "-n", "400", "-o", str(lhe),
                                "--set", "beam.energy_spread=0"])
    assert code == 0, err
    pythia = pythia8.Pythia("", False)
    for setting in ["Beams:frameType = 4", "TimeShower:QEDshowerByGamma = off", f"Beams:LHEF = {lhe}", "Print:quiet = on",
                    "SLHA:verbose = 0"]:
        assert pythia.readString(setting)
    assert pythia.init()
    assert pythia.particleData.m0(9900014) == pytest.approx(10.0) and not pythia.particleData.hasAnti(9900014)
    labels = []
    for _ in range(400):
        assert pythia.next()
        event = pythia.event
        n = [event[i] for i in range(event.size()) if abs(event[i].id()) == 9900014]
        assert n and all(p.id() == 9900014 and p.m() == pytest.approx(10.0) for p in n)
        labels += [event[i].id() for i in range(event.size())
                   if event[i].isFinal() and abs(event[i].id()) == 14 and event[event[i].mother1()].id() == 9900014]
    assert len(labels) == 400 and 0.4 < labels.count(14) / 400 < 0.6
    pythia.stat()
    # errors, warnings and aborts in Pythia's message statistics
    assert re.findall(r"\|\s+\d+\s+((?:Error|Warning|Abort)[^|]*)", capfd.readouterr().out) == []
