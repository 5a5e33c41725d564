"""Beam effects in the signal (mcgen.mc.beams): ISR by electron structure functions and the beam
energy spread, against an independent folding (tests/references/isr_reference.py: scipy's adaptive
quadrature of the parton luminosity) of the analytic cross sections, and the lab kinematics."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from isr_reference import folded

import mcgen
from mcgen.errors import CardError
from mcgen.physics.isr import isr_beta
from mcgen.physics.xsec import cross_section_pieces

PIECES = {"gamma": ("w_gg",), "Z": ("w_zz",), "gammaZ": ("w_gz",), "W": ("w_ww",), "st": ("w_gw", "w_zw")}
MASS = 30.0


def _reference(card, model, piece: int | None) -> float:
    """The folded piece (or the total) in pb, both charge states."""
    ew, m = card.electroweak, model.mass

    def f(r: float) -> float:
        p = cross_section_pieces(max(r, m), m, model.couplings, model.flavour, ew, polarisation=card.beam.polarisation)
        return float(p.sum() if piece is None else p[piece])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy's round-off notes near the singular end points
        return folded(f, card.sqrt_s, isr_beta(card.sqrt_s**2), (m / card.sqrt_s) ** 2, ((ew.m_Z / card.sqrt_s) ** 2,))


def _piece_weights(ev, model, piece: str) -> np.ndarray:
    c = model.couplings
    d = {"w_gg": c.d_gamma**2, "w_zz": c.d_Z**2, "w_gz": c.d_gamma * c.d_Z, "w_ww": c.d_W**2, "w_gw": c.d_gamma * c.d_W,
         "w_zw": c.d_Z * c.d_W}
    return sum(d[name] * ev.columns[name] for name in PIECES[piece])


@pytest.mark.slow
@pytest.mark.parametrize(("name", "sqrt_s"), [("cepc_z", 91.19), ("cepc_ww", 160.0), ("cepc_h", 240.0), ("cepc_tt", 365.0)])
def test_isr_cross_section_per_piece_against_an_independent_folding(name, sqrt_s):
    card = mcgen.load_card(name, (f"beam.sqrt_s={sqrt_s}", "beam.isr=true", "beam.energy_spread=0"))  # ISR alone
    model = mcgen.make_model(MASS, "e", card.electroweak, d_gamma=1e-6, scenario="II")
    n = 200_000
    ev = mcgen.generate(card, model, n, seed=11, weighted=True)
    for index, piece in enumerate(PIECES):
        w = _piece_weights(ev, model, piece)
        expected = _reference(card, model, index)
        assert abs(w.mean() - expected) < 3 * w.std() / math.sqrt(n) + 1e-6 * abs(expected), (piece, w.mean(), expected)
    total = _reference(card, model, None)
    assert abs(ev.summary["sigma_pb"] - total) < 3 * ev.summary["sigma_err_pb"]
    assert ev.summary["sigma_quadrature_pb"] == pytest.approx(total, rel=2e-5)  # mcgen's own folding on its cells
    born = mcgen.model_info(mcgen.load_card(name, (f"beam.sqrt_s={sqrt_s}",)), model)["sigma_pb"]["total"]
    assert total != pytest.approx(born, rel=1e-2)  # ISR matters at every energy here


def test_isr_lowers_the_z_pole_rate_by_about_a_quarter():
    card = mcgen.load_card("lep1_opal", ("beam.isr=true",))
    model = mcgen.make_model(10.0, "mu", card.electroweak, d_gamma=1e-6, scenario="I")
    info = mcgen.model_info(card, model)
    assert info["sigma_pb_isr"]["total"] / info["sigma_pb"]["total"] == pytest.approx(0.726, abs=0.01)
    assert info["sigma_pb_isr"]["total"] == pytest.approx(_reference(card, model, None), rel=2e-5)


@pytest.mark.slow
def test_unweighted_events_with_the_radiative_return_stay_under_the_envelope():
    card = mcgen.load_card("cepc_h", ("beam.isr=true",))
    model = mcgen.make_model(MASS, "mu", card.electroweak, d_gamma=1e-6, scenario="I")
    ev = mcgen.generate(card, model, 100_000, seed=5)
    s = ev.summary
    assert s["envelope_violations"] == 0
    assert s["unweighting_efficiency"] > 0.2
    assert abs(s["sigma_pb"] - _reference(card, model, None)) < 3 * s["sigma_err_pb"]
    assert np.allclose(ev.columns["weight_pb"], ev.columns["weight_pb"][0], rtol=1e-12)
    # the radiative return to the Z: the hard process at M_Z for a good part of the events
    ew = card.electroweak
    rs_hat = card.sqrt_s * np.sqrt(ev.columns["beam_x1"] * ev.columns["beam_x2"])
    window = (ew.m_Z - 5 * ew.Gamma_Z, ew.m_Z + 5 * ew.Gamma_Z)
    near_z = (window[0] < rs_hat) & (rs_hat < window[1])

    def f(r: float) -> float:
        return float(cross_section_pieces(max(r, MASS), MASS, model.couplings, "mu", ew).sum()) * (window[0] < r < window[1])

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        in_window = folded(f, card.sqrt_s, isr_beta(card.sqrt_s**2), (MASS / card.sqrt_s) ** 2,
                           tuple((w / card.sqrt_s) ** 2 for w in window))
    p = in_window / _reference(card, model, None)
    assert 0.05 < p and abs(near_z.mean() - p) < 3 * math.sqrt(p * (1 - p) / near_z.size)


@pytest.mark.slow
def test_lab_kinematics_of_events_with_beam_effects():
    card = mcgen.load_card("cepc_ww", ("beam.isr=true", "beam.energy_spread=0.01"))
    model = mcgen.make_model(MASS, "e", card.electroweak, d_gamma=1e-6, scenario="II")
    c = mcgen.generate(card, model, 50_000, seed=2).columns
    e_beam = 0.5 * card.sqrt_s
    x1, x2 = c["beam_x1"], c["beam_x2"]
    assert x1.std() > 0.01 and x2.std() > 0.01
    # N + recoil nu carry the beams' momenta: transverse 0, longitudinal (x1 - x2) E_beam
    for axis in ("px", "py"):
        assert np.allclose(c[f"N_{axis}"] + c[f"nu_recoil_{axis}"], 0.0, atol=1e-9)
    assert np.allclose(c["N_pz"] + c["nu_recoil_pz"], (x1 - x2) * e_beam, atol=1e-9)
    p2 = c["N_px"] ** 2 + c["N_py"] ** 2 + c["N_pz"] ** 2
    assert np.allclose(c["N_E"] ** 2 - p2, MASS**2, rtol=1e-9)
    assert np.allclose(c["N_E"] + np.sqrt(c["nu_recoil_px"] ** 2 + c["nu_recoil_py"] ** 2 + c["nu_recoil_pz"] ** 2),
                       (x1 + x2) * e_beam, rtol=1e-9)
    g2 = c["gamma_px"] ** 2 + c["gamma_py"] ** 2 + c["gamma_pz"] ** 2
    assert np.allclose(c["gamma_E"] ** 2, g2, rtol=1e-9)
    assert np.allclose(c["N_cos_theta"], c["N_pz"] / np.sqrt(p2), atol=1e-12)
    # the decay length follows the lab momentum
    k_nominal = (card.sqrt_s**2 - MASS**2) / (2 * card.sqrt_s)
    assert np.allclose(c["flight_scale"], np.sqrt(p2) / k_nominal, rtol=1e-12)
    inside = c["p_inside"] > 0
    assert inside.any()


def test_energy_spread_against_a_gaussian_folding_on_the_z_pole():
    spread = 0.01  # exaggerated, so the smearing of the Z peak is well above the MC error
    card = mcgen.load_card("lep1_opal", (f"beam.energy_spread={spread}",))
    model = mcgen.make_model(10.0, "mu", card.electroweak, d_gamma=1e-6, scenario="I")
    n = 200_000
    ev = mcgen.generate(card, model, n, seed=3, weighted=True)
    from scipy import integrate, stats

    def f(g1: float, g2: float) -> float:
        rs = card.sqrt_s * math.sqrt((1 + spread * g1) * (1 + spread * g2))
        return float(cross_section_pieces(rs, 10.0, model.couplings, "mu", card.electroweak).sum()
                     * stats.norm.pdf(g1) * stats.norm.pdf(g2))

    expected = integrate.dblquad(f, -6, 6, -6, 6, epsrel=1e-8)[0]
    born = mcgen.model_info(card, model)["sigma_pb"]["total"]
    assert expected < 0.99 * born
    assert abs(ev.summary["sigma_pb"] - expected) < 3 * ev.summary["sigma_err_pb"]
    assert ev.summary["sigma_quadrature_pb"] == pytest.approx(expected, rel=1e-4)


def test_each_beam_its_own_spread_against_a_gaussian_folding():
    """energy_spread = [e-, e+]: each beam's fraction spreads by its own width, and the cross section
    (events and quadrature) is the double integral over the two normals with those widths."""
    spreads = (0.003, 0.009)  # exaggerated and unequal, so the smearing of the Z peak is well above the MC error
    card = mcgen.load_card("lep1_opal", (f"beam.energy_spread=[{spreads[0]}, {spreads[1]}]",))
    assert card.beam.spreads == spreads
    model = mcgen.make_model(10.0, "mu", card.electroweak, d_gamma=1e-6, scenario="I")
    n = 200_000
    ev = mcgen.generate(card, model, n, seed=4, weighted=True)
    from scipy import integrate, stats

    # weighted events are drawn from the two normals as they are (the weight carries sigma_hat)
    for column, spread in zip(("beam_x1", "beam_x2"), spreads):
        assert abs(ev.columns[column].std() / spread - 1) < 3 / math.sqrt(2 * n)

    def f(g1: float, g2: float) -> float:
        rs = card.sqrt_s * math.sqrt((1 + spreads[0] * g1) * (1 + spreads[1] * g2))
        return float(cross_section_pieces(rs, 10.0, model.couplings, "mu", card.electroweak).sum()
                     * stats.norm.pdf(g1) * stats.norm.pdf(g2))

    expected = integrate.dblquad(f, -6, 6, -6, 6, epsrel=1e-8)[0]
    assert abs(ev.summary["sigma_pb"] - expected) < 3 * ev.summary["sigma_err_pb"]
    assert ev.summary["sigma_quadrature_pb"] == pytest.approx(expected, rel=1e-4)


def test_one_sum_over_unequal_spreads_under_isr_against_the_product_rule(monkeypatch):
    """With ISR, spreads up to 0.3% take one Gauss-Hermite sum over S g (S^2 = s1^2 + s2^2) in place of
    the product rule over g1 and g2: on the Z pole, with unequal spreads, both agree far below the
    spread's own effect."""
    from mcgen.mc import beams as beams_module
    from mcgen.physics.model import Couplings

    card = mcgen.load_card("cepc_z", ("beam.isr=true",))
    ew = card.electroweak

    def sigma_hat(rs: np.ndarray) -> np.ndarray:
        return cross_section_pieces(rs, MASS, Couplings(1e-6, 1e-6, 0.0), "mu", ew).sum(axis=0)

    def folded(spreads: tuple[float, float]) -> float:
        params = beams_module.beam_params(True, spreads, card.sqrt_s)
        return float(beams_module.folded_sigma(sigma_hat, card.sqrt_s, MASS, params, (ew.m_Z, ew.Gamma_Z)))

    unequal = (0.0015, 0.0004)
    one_sum, none = folded(unequal), folded((0.0, 0.0))
    monkeypatch.setattr(beams_module, "_SPREAD_1D", -1.0)  # the 7 x 7 product rule
    product = folded(unequal)
    assert abs(one_sum / none - 1) > 3e-4  # the spreads' effect
    assert one_sum == pytest.approx(product, rel=1e-8)


def test_equal_spreads_given_per_beam_make_the_same_events():
    model = mcgen.make_model(MASS, "e", mcgen.load_card("cepc_z").electroweak, d_gamma=1e-7, scenario="II")
    one, pair = (mcgen.generate(mcgen.load_card("cepc_z", ("beam.isr=true", f"beam.energy_spread={v}")), model, 5000, seed=6)
                 for v in ("0.0008", "[0.0008, 0.0008]"))
    assert one.summary["sigma_pb"] == pair.summary["sigma_pb"]
    assert one.columns.keys() == pair.columns.keys()
    for name in one.columns:
        assert np.array_equal(one.columns[name], pair.columns[name]), name


@pytest.mark.parametrize("setting", ["beam.isr=1", "beam.isr='yes'", "beam.energy_spread=-0.001", "beam.energy_spread=0.2",
                                     "beam.energy_spread=[0.001]", "beam.energy_spread=[0.001, -0.001]",
                                     "beam.energy_spread=[0.001, 0.1]", "beam.energy_spread=[0.001, 0.001, 0.001]",
                                     "beam.energy_spread=['a', 0.001]"])
def test_bad_beam_keys_are_refused(setting):
    with pytest.raises(CardError, match="beam"):
        mcgen.load_card("cepc_h", (setting,))


def test_outputs_record_the_beam_settings():
    card = mcgen.load_card("cepc_z", ("beam.isr=true", "beam.energy_spread=0.0008"))
    model = mcgen.make_model(MASS, "e", card.electroweak, d_gamma=1e-7, scenario="II")
    ev = mcgen.generate(card, model, 20_000, seed=1)
    assert ev.metadata["beam"]["isr"] is True and ev.metadata["beam"]["energy_spread"] == 0.0008


@pytest.mark.slow
def test_the_limits_lifetime_reweighting_holds_with_isr():
    """SampleReducer keys the events on boundary_m / flight_scale, so P(decay inside) reweighted to
    the generated coupling from the nominal decay length equals the events' own P(inside)."""
    from mcgen.analysis.limits import SampleReducer
    from mcgen.analysis.limits.signal import _p_inside
    from mcgen.physics.model import Couplings, Model, decay_length_m, two_body_momentum, widths

    card = mcgen.load_card("cepc_h", ("beam.isr=true",))
    mass, d = 20.0, 1e-9
    model = mcgen.make_model(mass, "mu", card.electroweak, d_gamma=d, scenario="I")
    ev = mcgen.generate(card, model, 100_000, seed=4, weighted=True)
    cols = ev.columns
    r = SampleReducer()
    r.add(cols, cols["truth_pass"])
    sample = r.sample(card, mass, "mu", mcgen.PhysicsOptions())
    c = model.couplings
    unit = Couplings(c.d_gamma / d, c.d_Z / d, c.d_W / d)
    k = float(two_body_momentum(card.sqrt_s, mass))
    lambda_1 = float(decay_length_m(k, mass, widths(Model(mass, unit, "mu", a=0.0), card.electroweak).total))
    per_b = sample.weights(unit, passing=False) * d * d
    reweighted = float(per_b @ _p_inside(sample.boundary_m, np.array([d]), lambda_1)[0] / per_b.sum())
    direct = float(cols["weight_pb"] @ cols["p_inside"] / cols["weight_pb"].sum())
    assert 0.05 < direct < 0.95  # the decay length is of the detector's size
    assert reweighted == pytest.approx(direct, rel=1e-3)
    assert cols["flight_scale"].std() > 0.05


def test_the_fold_at_the_beams_reach_stops_at_the_rounding_of_sigma_hat(monkeypatch):
    """m_N = sqrt(s)(1 - 1e-12) with ISR and the spread: the quadrature stops where sigma_hat's
    rounding near threshold leaves nothing to resolve, far below the cell cap (it split to the cap
    before: 18 s and 1 GB for mcgen info), and the cross section is finite and tiny."""
    from mcgen.mc import beams

    card = mcgen.load_card("cepc_h", ("beam.isr=true",))
    mass = card.sqrt_s * (1 - 1e-12)
    model = mcgen.make_model(mass, "e", card.electroweak, d_gamma=1e-5, scenario="II")
    made = []
    real = beams.beam_cells
    monkeypatch.setattr(beams, "beam_cells", lambda *a, **k: made.append(real(*a, **k)) or made[-1])
    info = mcgen.model_info(card, model)
    assert made and all(len(cells.corners) < beams._MAX_CELLS // 4 for cells in made)
    total = info["sigma_pb"]["total"]
    assert math.isfinite(total) and 0 < total < 1e-20


def test_the_cells_carry_the_energy_fractions_at_their_corners():
    """The refinement keeps x at each cell's corners beside it (a child shares its parent's): they are
    the fractions x = 1 - u^(2/beta) at the corners, exactly, and the cells tile the unit square."""
    from mcgen.mc import beams
    from mcgen.physics.isr import x_from_uniform

    card = mcgen.load_card("cepc_z")
    params = beams.beam_params(True, card.beam.spreads, card.sqrt_s)
    model = mcgen.make_model(20.0, "mu", card.electroweak, d_gamma=1e-5, scenario="II")

    def rate(r):
        return cross_section_pieces(np.maximum(r, 20.0), 20.0, model.couplings, "mu", card.electroweak,
                                    charge_states=1).sum(axis=0).clip(0.0)

    cells = beams.beam_cells(rate, card.sqrt_s, 20.0, params, features=(card.electroweak.m_Z, card.electroweak.Gamma_Z))
    assert len(cells.corners) >= beams.N_CELLS
    assert np.array_equal(cells.x, x_from_uniform(cells.corners, params.beta))
    c = cells.corners
    assert np.sum((c[:, 1] - c[:, 0]) * (c[:, 3] - c[:, 2])) == pytest.approx(1.0, rel=1e-12)
