"""The SM e+e- -> nu nubar gamma amplitude: gauge invariance, the soft-photon limit against the
eikonal factor times an analytic e+e- -> nu nubar, and the nu_e effective coupling at low energy."""

from __future__ import annotations

import numpy as np
import pytest

from mcgen.background import _dot, msq_nunubar, msq_nunugamma, msq_nunugamma_fast
from mcgen.constants import Electroweak

EW = Electroweak()


def decay_pair(p1, p2, k, rng):
    """nu and nubar momenta: the pair recoiling against the photon, decayed isotropically in its
    rest frame and boosted back (written here for the tests)."""
    n = len(k)
    pair = p1 + p2 - k
    half = np.sqrt(_dot(pair, pair)) / 2
    c2, f2 = rng.uniform(-0.9, 0.9, n), rng.uniform(0, 2 * np.pi, n)
    s2 = np.sqrt(1 - c2**2)
    rest = np.concatenate([half[:, None], half[:, None] * np.stack([s2 * np.cos(f2), s2 * np.sin(f2), c2], 1)], 1)
    beta = pair[:, 1:] / pair[:, :1]
    b2 = (beta**2).sum(1)
    gam = 1 / np.sqrt(1 - b2)
    bp = (beta * rest[:, 1:]).sum(1)
    k1 = np.concatenate([(gam * (rest[:, 0] + bp))[:, None],
                         rest[:, 1:] + ((gam - 1) * bp / b2 + gam * rest[:, 0])[:, None] * beta], 1)
    return k1, pair - k1


def events(n: int, sqrt_s: float, seed: int, photon_fraction: float | None = None):
    """Random e+e- -> nu nubar gamma momenta with a drawn photon energy and direction."""
    rng = np.random.default_rng(seed)
    e = sqrt_s / 2
    p1, p2 = np.tile([e, 0, 0, e], (n, 1)), np.tile([e, 0, 0, -e], (n, 1))
    eg = rng.uniform(0.05, 0.45, n) * sqrt_s if photon_fraction is None else np.full(n, photon_fraction * sqrt_s)
    ct, ph = rng.uniform(-0.95, 0.95, n), rng.uniform(0, 2 * np.pi, n)
    st = np.sqrt(1 - ct**2)
    k = np.stack([eg, eg * st * np.cos(ph), eg * st * np.sin(ph), eg * ct], 1)
    k1, k2 = decay_pair(p1, p2, k, rng)
    return p1, p2, k1, k2, k


@pytest.mark.parametrize("sqrt_s", [20.0, 91.19, 205.4, 360.0])
@pytest.mark.parametrize("electron_flavour", [False, True])
@pytest.mark.parametrize("msq", [msq_nunugamma, msq_nunugamma_fast])
def test_gauge_invariance(sqrt_s, electron_flavour, msq):
    p1, p2, k1, k2, k = events(20, sqrt_s, 1)
    physical = msq(p1, p2, k1, k2, k, EW, electron_flavour)
    longitudinal = msq(p1, p2, k1, k2, k, EW, electron_flavour, eps_override=k)
    assert np.all(physical > 0)
    assert np.all(longitudinal < 1e-18 * physical)


@pytest.mark.parametrize("electron_flavour", [False, True])
def test_numba_kernel_equals_the_numpy_reference(electron_flavour):
    p1, p2, k1, k2, k = events(50, 240.0, 6)
    fast = msq_nunugamma_fast(p1, p2, k1, k2, k, EW, electron_flavour)
    assert fast == pytest.approx(msq_nunugamma(p1, p2, k1, k2, k, EW, electron_flavour), rel=1e-12)


@pytest.mark.parametrize("sqrt_s", [150.0, 240.0])
def test_soft_photon_limit(sqrt_s):
    p1, p2, k1, k2, k = events(10, sqrt_s, 2, photon_fraction=1e-6)
    eikonal = EW.e**2 * 2 * _dot(p1, p2) / (_dot(p1, k) * _dot(p2, k))
    ratio = msq_nunugamma(p1, p2, k1, k2, k, EW, False) / (eikonal * msq_nunubar(p1, p2, k1, k2, EW))
    assert ratio == pytest.approx(np.ones_like(ratio), abs=1e-4)


def test_nu_e_w_exchange_adds_like_the_effective_coupling():
    # soft photon at low energy: A_L(nu_e) = (g/c_w)^2 g_L g_nu P_Z + (g^2/2)/(t - M_W^2), the
    # familiar g_L -> g_L + 1 of nu_e e scattering when s, t << M_W^2 and c_w M_Z = M_W
    p1, p2, k1, k2, k = events(10, 2.0, 3, photon_fraction=1e-6)
    ratio = msq_nunugamma(p1, p2, k1, k2, k, EW, True) / msq_nunugamma(p1, p2, k1, k2, k, EW, False)
    s = _dot(k1 + k2, k1 + k2)
    t, u = _dot(p1 - k1, p1 - k1), _dot(p1 - k2, p1 - k2)
    prop_z = 1 / (s - EW.m_Z**2 + 1j * EW.m_Z * EW.Gamma_Z)
    z = (EW.g / EW.c_w) ** 2 * 0.5 * prop_z
    g_l, g_r = -0.5 + EW.sin2_theta_w, EW.sin2_theta_w
    a_left = z * g_l + EW.g**2 / 2 / (t - EW.m_W**2)
    expected = (u**2 * abs(a_left) ** 2 + t**2 * abs(z * g_r) ** 2) / (u**2 * abs(z * g_l) ** 2 + t**2 * abs(z * g_r) ** 2)
    assert ratio == pytest.approx(expected, rel=1e-4)
    wrong_sign = (u**2 * abs(z * g_l - EW.g**2 / 2 / (t - EW.m_W**2)) ** 2 + t**2 * abs(z * g_r) ** 2) / (
        u**2 * abs(z * g_l) ** 2 + t**2 * abs(z * g_r) ** 2)
    left_handed = u**2 > t**2  # where the left-handed amplitude dominates, the sign is plain to see
    assert left_handed.sum() >= 3 and np.all(np.abs(ratio / wrong_sign - 1)[left_handed] > 0.5)


@pytest.mark.parametrize("x", [0.1, 0.4])
def test_collinear_limit_against_the_splitting_function(x):
    # photon along the e- with momentum fraction x = 1 - z: |M|^2 -> e^2/(p1.k) P(z)/z |M_2(z p1, p2)|^2
    # with the e -> e splitting function P(z) = (1 + z^2)/(1 - z)
    rng = np.random.default_rng(4)
    n, rs, theta = 8, 200.0, 1e-5
    e = rs / 2
    p1, p2 = np.tile([e, 0, 0, e], (n, 1)), np.tile([e, 0, 0, -e], (n, 1))
    k = np.tile([x * e, x * e * np.sin(theta), 0.0, x * e * np.cos(theta)], (n, 1))
    k1, k2 = decay_pair(p1, p2, k, rng)
    full = msq_nunugamma(p1, p2, k1, k2, k, EW, False)
    z = 1 - x
    factorised = EW.e**2 / _dot(p1, k) * (1 + z**2) / (1 - z) / z * msq_nunubar(z * p1, p2, k1, k2, EW)
    assert full / factorised == pytest.approx(np.ones(n), rel=1e-3)


def test_phase_space_sampler_jacobians():
    # with |M|^2 = 1 the weights average to the massless three-body volume of the sampled region:
    # (2 pi) (2 c_max) (E_hi^2 - E_lo^2)/2 / (2 (2 pi)^3 8 pi); the Z-return channel is in range here
    import math

    import mcgen
    from mcgen.background import _cos_range, _photon_energy_range, sample_phase_space

    card = mcgen.load_card("lep2_delphi")
    *_, weights = sample_phase_space(card, 400_000, np.random.default_rng(5))
    e_lo, e_hi = _photon_energy_range(card)
    c_max = _cos_range(card)
    volume = 2 * math.pi * 2 * c_max * (e_hi**2 - e_lo**2) / 2 / (2 * (2 * math.pi) ** 3 * 8 * math.pi)
    assert abs(weights.mean() - volume) < 4 * weights.std() / math.sqrt(len(weights))


def test_background_cli_and_cuts_that_remove_everything(capsys):
    import json

    from helpers import run_cli

    code, out, err = run_cli(capsys, ["background", "--card", "lep2_delphi", "-n", "2000", "--json"])
    assert code == 0, err
    r = json.loads(out)
    assert set(r["by_flavour"]) == {"e", "mu", "tau"} and r["sigma_pb"] > 0 and 0 < r["unweighting_efficiency"] < 1
    assert r["by_flavour"]["mu"]["sigma_pb"] == r["by_flavour"]["tau"]["sigma_pb"]
    assert r["sigma_pb"] == pytest.approx(sum(v["sigma_pb"] for v in r["by_flavour"].values()))
    code, _, err = run_cli(capsys, ["background", "--card", "lep2_delphi", "-n", "100", "--set", "selection.e_min=150"])
    assert code == 2 and "no phase space" in err and err.count("\n") == 1


def test_unweighted_events_reproduce_the_weighted_distributions(capsys, tmp_path):
    import json

    import uproot

    from helpers import run_cli

    weighted, unweighted = tmp_path / "w.root", tmp_path / "u.root"
    for path, extra in ((weighted, []), (unweighted, ["--unweighted"])):
        code, out, err = run_cli(capsys, ["background", "--card", "lep2_delphi", "-n", "30000", "--seed", "4",
                                          "-o", str(path), "--json", *extra])
        assert code == 0, err
    assert json.loads(out)["events_written"] > 1000
    w = uproot.open(weighted)["events"].arrays(["weight_pb", "gamma_E", "gamma_cos_theta"], library="np")
    u = uproot.open(unweighted)["events"].arrays(["weight_pb", "gamma_E", "gamma_cos_theta"], library="np")
    assert u["weight_pb"].mean() == pytest.approx(w["weight_pb"].mean(), rel=1e-12)
    for name, edges in (("gamma_E", np.linspace(6, 103, 9)), ("gamma_cos_theta", np.linspace(-0.71, 0.71, 8))):
        expected, _ = np.histogram(w[name], edges, weights=w["weight_pb"])
        expected = expected / expected.sum() * len(u[name])
        counts, _ = np.histogram(u[name], edges)
        pulls = (counts - expected) / np.sqrt(expected)
        assert np.sum(pulls**2) < len(pulls) + 4 * np.sqrt(2 * len(pulls)) + 4  # chi2 with weighted-MC slack
    h = uproot.open(weighted)["h_gamma_pt"].to_hist()
    assert h.sum().value == pytest.approx(w["weight_pb"].mean(), rel=1e-9)
