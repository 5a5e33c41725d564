"""The SM e+e- -> nu nubar gamma amplitude: gauge invariance, the soft-photon limit against the
eikonal factor times an analytic e+e- -> nu nubar, and the nu_e effective coupling at low energy."""

from __future__ import annotations

import numpy as np
import pytest
from nunugamma_reference import dot as _dot
from nunugamma_reference import msq_nunubar, msq_nunugamma

from mcgen.physics.constants import Electroweak
from mcgen.physics.nunugamma import msq_nunugamma_fast

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


@pytest.mark.parametrize("card_name", ["lep2_delphi", "cepc_h"])
@pytest.mark.parametrize("trained", [False, True])
def test_phase_space_sampler_jacobians(card_name, trained):
    # with |M|^2 = 1 the weights average to the massless three-body volume of the sampled region,
    # (2 pi) / (2 (2 pi)^3 8 pi) x the integral of E dE dcos over it, before and after the VEGAS
    # grids and channel weights adapt to the real |M|^2. For a card with a pT cut the region is
    # E sin(theta) >= E_lo as well: the E integral gives (E_hi^2 - E_lo^2/(1 - c^2))/2, and over
    # |c| <= c_m = min(c_max, sqrt(1 - E_lo^2/E_hi^2)) that is E_hi^2 c_m - E_lo^2 artanh(c_m).
    import math

    import mcgen
    from mcgen.mc.background import sample_phase_space, train_phase_space
    from mcgen.mc.phasespace import photon_cos_range, photon_energy_range

    card = mcgen.load_card(card_name, ("beam.energy_spread=0",))  # the volume at the nominal s
    grid = train_phase_space(card, np.random.default_rng(3), n_per_iteration=4_000) if trained else None
    if trained and card.selection.pt_min:
        assert len(grid.alpha) == 2 and grid.alpha.min() >= 0.05
    *_, k, weights = sample_phase_space(card, 400_000, np.random.default_rng(5), grid)
    e_lo, e_hi = photon_energy_range(card)
    c_max = photon_cos_range(card)
    if card.selection.pt_min:
        c_m = min(c_max, math.sqrt(1 - (e_lo / e_hi) ** 2))
        region = e_hi**2 * c_m - e_lo**2 * math.atanh(c_m)
        assert np.all(np.hypot(k[:, 1], k[:, 2]) >= e_lo * (1 - 1e-9))
    else:
        region = 2 * c_max * (e_hi**2 - e_lo**2) / 2
    volume = 2 * math.pi * region / (2 * (2 * math.pi) ** 3 * 8 * math.pi)
    assert abs(weights.mean() - volume) < 4 * weights.std() / math.sqrt(len(weights))


def test_adapted_phase_space_cuts_the_error_and_keeps_the_cross_section():
    # the same cross section (within the combined MC errors) from the trained map as from the
    # starting map, with a much smaller error for the same number of points
    import math

    import mcgen
    from mcgen.mc.background import flavour_msq, photon_selection, sample_phase_space, train_phase_space

    card = mcgen.load_card("cepc_ww")
    estimates = []
    for grid in (None, train_phase_space(card, np.random.default_rng(1), n_per_iteration=5_000)):
        p1, p2, k1, k2, k, ps = sample_phase_space(card, 60_000, np.random.default_rng(2), grid)
        w = ps * sum(flavour_msq(card.electroweak, ("e", "mu", "tau"), p1, p2, k1, k2, k).values())
        w *= photon_selection(card, k)
        estimates.append((w.mean(), w.std() / math.sqrt(len(w))))
    (plain, plain_err), (adapted, adapted_err) = estimates
    assert abs(plain - adapted) < 4 * math.hypot(plain_err, adapted_err)
    assert adapted_err < plain_err / 2


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
    veto_all = ["--set", "selection.z_return_veto_widths=1000"]
    code, out, err = run_cli(capsys, ["background", "--card", "cepc_h", "-n", "2000", *veto_all, "--json"])
    assert code == 2 and "none of the 2000" in err and err.count("\n") == 1 and out == ""
    for criterion in ("s2b", "cls"):
        code, out, err = run_cli(capsys, ["limits", "--card", "cepc_h", "--masses", "10", "--scenario", "I", "--flavor", "mu",
                                          "-n", "1000", "--background-events", "2000", "--criterion", criterion, *veto_all])
        assert code == 2 and "background-based limit is undefined" in err and err.count("\n") == 1


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
    branches = ["weight_pb", "gamma_E", "gamma_cos_theta", "truth_pass", "pass_all"]
    w = uproot.open(weighted)["events"].arrays(branches, library="np")
    u = uproot.open(unweighted)["events"].arrays(branches, library="np")
    assert np.all(u["truth_pass"] | u["pass_all"])  # --unweighted keeps the selected events
    sigma_truth = (w["weight_pb"] * w["truth_pass"]).mean()
    w["weight_pb"] = w["weight_pb"] * (w["truth_pass"] | w["pass_all"])
    assert u["weight_pb"].mean() == pytest.approx(w["weight_pb"].mean(), rel=1e-12)
    wt = u["weight_pb"][u["truth_pass"]]  # unweighted: one weight, and the excess of overweight events <= 1%
    assert np.all(wt >= wt.min() * (1 - 1e-12)) and np.sum(wt - wt.min()) <= 0.011 * wt.sum()
    assert np.mean(wt < wt.min() * 1.5) > 0.95
    for name, edges in (("gamma_E", np.linspace(6, 103, 9)), ("gamma_cos_theta", np.linspace(-0.71, 0.71, 8))):
        expected, _ = np.histogram(w[name], edges, weights=w["weight_pb"])
        expected_err2, _ = np.histogram(w[name], edges, weights=w["weight_pb"] ** 2)
        got, _ = np.histogram(u[name], edges, weights=u["weight_pb"])
        got_err2, _ = np.histogram(u[name], edges, weights=u["weight_pb"] ** 2)
        n_w, n_u = len(w[name]), len(u[name])
        pulls = (got / n_u - expected / n_w) / np.sqrt(got_err2 / n_u**2 + expected_err2 / n_w**2)
        assert np.sum(pulls**2) < len(pulls) + 4 * np.sqrt(2 * len(pulls))  # chi2 at about 4 sigma
    h = uproot.open(weighted)["h_gamma_pt"].to_hist()
    assert h.sum().value == pytest.approx(sigma_truth, rel=1e-9)


def test_unweighting_threshold_and_overweight_events():
    # the threshold is the smallest weight whose excess carries <= 1% of the sum; unweighting then
    # keeps events with probability min(1, w/w_max) and reproduces a weighted distribution
    from mcgen.mc.background import unweight, unweighting_threshold

    rng = np.random.default_rng(8)
    w = rng.pareto(2.2, 400_000) + 0.1
    w_max = unweighting_threshold(w)
    assert np.maximum(w - w_max, 0).sum() <= 0.01 * w.sum() < np.maximum(w - 0.999 * w_max, 0).sum()
    x = rng.random(len(w))
    columns = {"weight_pb": w, "x": x, "truth_pass": np.ones(len(w), bool), "pass_all": np.zeros(len(w), bool)}
    out = unweight(columns, np.random.default_rng(9))
    assert out["weight_pb"].mean() == pytest.approx(w.mean(), rel=1e-12)
    light = out["weight_pb"][w[np.isin(x, out["x"])] < w_max]
    assert np.ptp(light) < 1e-9 * light[0]  # below the threshold every kept event weighs the same
    edges = np.linspace(0, 1, 11)
    expected = np.histogram(x, edges, weights=w)[0] / len(w)
    got = np.histogram(out["x"], edges, weights=out["weight_pb"])[0] / len(out["x"])
    err = np.sqrt(np.histogram(out["x"], edges, weights=out["weight_pb"] ** 2)[0]) / len(out["x"])
    assert np.all(np.abs(got - expected) < 5 * err)


@pytest.mark.parametrize(("sqrt_s", "x_range"), [(91.1876, (0.02, 0.3)), (240.0, (0.3, 0.95))])
def test_integrated_rate_against_the_radiator_and_the_z_widths(sqrt_s, x_range):
    # nu_mu nubar_mu gamma (Z only) after the photon cuts equals the radiator
    #   d sigma / dx dcos = (2 alpha / (pi x sin^2)) [(1 - x/2)^2 + x^2 cos^2 / 4] sigma_0(s (1 - x))
    # with sigma_0 the Breit-Wigner 12 pi Gamma_ee Gamma_nunu s / (M_Z^2 ((s - M_Z^2)^2 + M_Z^2 Gamma_Z^2))
    # built from the tree-level Z -> e+e- and Z -> nu nubar widths (on the Z pole: soft photons;
    # at 240 GeV: hard photons through the Z return). cos is integrated analytically, x by mpmath.
    import math

    import mpmath

    import mcgen
    from mcgen.mc.background import background_cross_section
    from mcgen.physics.constants import GEV2_TO_PB

    c_max = 0.9
    card = mcgen.load_card("cepc_z", (f"beam.sqrt_s={sqrt_s}", "selection.pt_min=0", "selection.bhabha_cos_theta_b=0",
                                      f"selection.x_min={x_range[0]}", f"selection.x_max={x_range[1]}",
                                      f"selection.abs_cos_max={c_max}"))
    ew = card.electroweak
    mz, gz, s = ew.m_Z, ew.Gamma_Z, sqrt_s**2
    width = (ew.g / ew.c_w) ** 2 * mz / (24 * math.pi)  # x (g_L^2 + g_R^2)
    gamma_nunu, gamma_ee = width * 0.25, width * ((-0.5 + ew.sin2_theta_w) ** 2 + ew.sin2_theta_w**2)

    def sigma_0(sp):
        return 12 * math.pi * gamma_ee * gamma_nunu * sp / (mz**2 * ((sp - mz**2) ** 2 + (mz * gz) ** 2))

    log_c = math.log((1 + c_max) / (1 - c_max))

    def radiator(x):  # integrated over |cos| < c_max
        return 2 * ew.alpha / (math.pi * x) * ((1 - x / 2) ** 2 * log_c + x**2 / 4 * (log_c - 2 * c_max))

    peak, half = 1 - mz**2 / s, mz * gz / s
    breaks = sorted({x_range[0], x_range[1], *(p for p in (peak - 20 * half, peak, peak + 20 * half) if x_range[0] < p < x_range[1])})
    expected = float(mpmath.quad(lambda x: radiator(float(x)) * sigma_0(s * (1 - float(x))), breaks)) * GEV2_TO_PB
    r = background_cross_section(card, 100_000, 3, flavours=("mu",))
    assert abs(r["sigma_pb"] - expected) < 4 * r["sigma_err_pb"]
    assert r["sigma_err_pb"] < 2e-3 * expected


@pytest.mark.parametrize("scheme", ["alpha0", "gmu_alpha0"])
def test_closed_form_nu_nubar_integration_against_the_monte_carlo_over_the_neutrino_angles(scheme):
    # at fixed photons, |M|^2 of nu_mu nubar_mu gamma (the helicity amplitudes) averaged over 2e5
    # nu directions drawn uniformly in the pair's rest frame, times dPhi_3/(dE dcos) / (2 s), against
    # mcgen.physics.nunugamma.z_only_photon_density, unpolarised and for the two ILC beam settings
    import math

    import mcgen
    from mcgen.physics.nunugamma import msq_nunugamma_helicities, z_only_photon_density
    from mcgen.physics.polarisation import helicity_weights

    ew = mcgen.load_card("cepc_h", (f"electroweak.scheme={scheme}",)).electroweak
    rng = np.random.default_rng(11)
    n = 200_000
    for rs, energy, c in ((240.0, 103.0, 0.3), (240.0, 40.0, -0.8), (91.19, 5.0, 0.5), (160.0, 60.0, 0.0)):
        p1, p2 = np.tile([rs / 2, 0, 0, rs / 2], (n, 1)), np.tile([rs / 2, 0, 0, -rs / 2], (n, 1))
        s = math.sqrt(1 - c * c)
        k = np.tile([energy, 0.6 * energy * s, 0.8 * energy * s, energy * c], (n, 1))
        pair = p1[0] + p2[0] - k[0]
        half = math.sqrt(pair[0] ** 2 - pair[1:] @ pair[1:]) / 2
        cs, phi = rng.uniform(-1, 1, n), rng.uniform(0, 2 * np.pi, n)
        rest = half * np.stack([np.ones(n), np.sqrt(1 - cs**2) * np.cos(phi), np.sqrt(1 - cs**2) * np.sin(phi), cs], 1)
        beta = pair[1:] / pair[0]
        gam = 1 / math.sqrt(1 - beta @ beta)
        bp = rest[:, 1:] @ beta
        k1 = np.concatenate([(gam * (rest[:, 0] + bp))[:, None],
                             rest[:, 1:] + ((gam - 1) * bp / (beta @ beta) + gam * rest[:, 0])[:, None] * beta], 1)
        k2 = pair - k1
        parts = msq_nunugamma_helicities(p1, p2, k1, k2, k, ew, False)
        # dPhi_3 = E dE dcos dphi / (2 (2 pi)^3) x dOmega* / (32 pi^2) for massless nu nubar
        to_density = energy * 2 * math.pi / (2 * (2 * math.pi) ** 3) * 4 * math.pi / (32 * math.pi**2) / (2 * rs * rs)
        for polarisation in ((0.0, 0.0), (-0.8, 0.3), (0.8, -0.3)):
            hel_l, hel_r = helicity_weights(*polarisation)
            msq = hel_l * parts[0].sum(axis=0) + hel_r * parts[1].sum(axis=0)
            mc, err = msq.mean() * to_density, msq.std() / math.sqrt(n) * to_density
            closed = float(z_only_photon_density(rs, energy, c, ew, polarisation))
            assert abs(mc - closed) < 4 * err, (rs, energy, c, polarisation, mc / closed)
            assert err < 3e-3 * closed


@pytest.mark.parametrize("beams", [(), ("beam.isr=true",)])
def test_the_integrated_nu_mu_rate_agrees_with_the_full_matrix_element_of_the_events(beams):
    # the cross sections of nu_mu and nu_tau come from the closed-form integration over the pair's
    # directions; the written events carry the full |M|^2 (weight_mu): both estimate the same rate
    # (the same points: within their combined errors, taken as independent, which overstates them)
    import math

    import mcgen
    from mcgen.mc.background import background_cross_section

    r = background_cross_section(mcgen.load_card("cepc_h", beams), 100_000, 6, keep_events=True)
    cols = r["columns"]
    full = cols["weight_mu"] * cols["truth_pass"]
    integrated = r["by_flavour"]["mu"]
    full_err = full.std() / math.sqrt(len(full))
    assert abs(full.mean() - integrated["sigma_pb"]) < 3 * math.hypot(full_err, integrated["sigma_err_pb"])
    assert integrated["sigma_err_pb"] <= full_err  # no variance from the nu nubar directions
    assert np.mean(cols["weight_photon_pb"] * cols["truth_pass"]) == pytest.approx(r["sigma_pb"], rel=1e-12)


def test_an_asymmetric_polar_window_is_generated_whole():
    """theta in [20, 135] deg reaches |cos| = cos(20 deg) forward: its rate equals that of a wider
    window [20, 160] deg cut to [20, 135] on the events (it was the rate of [45, 135] before:
    the generated |cos| range took the smaller end)."""
    import math

    import mcgen
    from mcgen.analysis.background import background_sample

    window = ("selection.theta_min_deg=20", "selection.theta_max_deg=135")
    narrow, _ = background_sample(mcgen.load_card("lep2_delphi", window), 20_000, 3)
    wide_card = mcgen.load_card("lep2_delphi", ("selection.theta_min_deg=20", "selection.theta_max_deg=160"))
    _, columns = background_sample(wide_card, 20_000, 4, keep_events=True)
    cos = columns["gamma_cos_theta"]
    w = columns["weight_pb"] * columns["truth_pass"] * (cos > math.cos(math.radians(135)))
    cut, cut_err = w.mean(), w.std() / math.sqrt(len(w))
    assert abs(narrow["sigma_pb"] - cut) < 4 * math.hypot(narrow["sigma_err_pb"], cut_err), (narrow["sigma_pb"], cut)
    symmetric, _ = background_sample(mcgen.load_card("lep2_delphi"), 20_000, 3)
    assert narrow["sigma_pb"] > 1.5 * symmetric["sigma_pb"]
