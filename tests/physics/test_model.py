"""Couplings (Table I, round trips, the singular point), two-body widths against explicit
spin sums, and the decay-probability helpers."""

from __future__ import annotations

import math

import dirac_reference as ref
import mpmath
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mcgen.errors import InputError
from mcgen.physics.constants import HBARC_GEV_M, LEPTON_MASS, V_HIGGS, Electroweak
from mcgen.physics.model import (
    couplings_from_unbroken,
    couplings_from_wilson,
    ctau_m,
    decay_length_m,
    make_model,
    prob_decay_between,
    prob_decay_inside,
    prob_decay_outside,
    singular_a,
    structure_from_a,
    two_body_momentum,
    unbroken_from_couplings,
    widths,
)
from mcgen.physics.twobody import width_lepton_w, width_nu_gamma, width_nu_z

EW = Electroweak()
TW = math.asin(math.sqrt(EW.sin2_theta_w))  # theta_w, to write Table I in its own words

TABLE_I = {  # d_Z / d_gamma, d_W / d_gamma (the scenarios' table, docs/physics/model.md)
    "I": (-math.tan(TW), 0.0),
    "II": (1 / math.tan(TW), math.sqrt(2) / math.sin(TW)),
    "III": (0.0, math.sqrt(2) * math.sin(TW)),
    "IV": (-math.tan(2 * TW), -math.sqrt(2) * math.sin(TW) / math.cos(2 * TW)),
}


@pytest.mark.parametrize("scenario", list(TABLE_I))
def test_table_one(scenario):
    m = make_model(50.0, "mu", EW, d_gamma=2e-6, scenario=scenario)
    rz, rw = TABLE_I[scenario]
    assert m.couplings.d_gamma == 2e-6
    assert m.couplings.d_Z == pytest.approx(2e-6 * rz, abs=1e-20)
    assert m.couplings.d_W == pytest.approx(2e-6 * rw, abs=1e-20)


def test_scenario_ii_is_the_a_to_infinity_limit():
    limit = structure_from_a(math.inf, EW)
    for a in (1e9, -1e9):
        c = structure_from_a(a, EW)
        assert c.d_Z == pytest.approx(limit.d_Z, rel=1e-8) and c.d_W == pytest.approx(limit.d_W, rel=1e-8)
    assert structure_from_a(-math.inf, EW) == limit


def test_singular_point_is_refused_and_neighbours_are_finite():
    a0 = singular_a(EW)
    assert a0 == pytest.approx(-2 / math.tan(TW))
    with pytest.raises(InputError, match="singular point"):
        structure_from_a(a0, EW)
    with pytest.raises(InputError, match="singular point"):
        make_model(10.0, "e", EW, d_gamma=1e-6, a=a0)
    for a in (a0 * (1 + 1e-9), a0 * (1 - 1e-9)):
        c = structure_from_a(a, EW)
        assert np.isfinite([c.d_Z, c.d_W]).all() and abs(c.d_Z) > 1e6


@given(st.floats(-1e6, 1e6, allow_nan=False).filter(lambda a: abs(a - singular_a(EW)) > 1e-6))
def test_unbroken_round_trip(a):
    c = structure_from_a(a, EW).scaled(3e-6)
    d_w, d_b = unbroken_from_couplings(c, EW)
    if c.d_gamma * (d_b * EW.c_w + d_w * EW.s_w / 2) <= 0:  # sign convention: d_gamma > 0
        return
    back = couplings_from_unbroken(d_w, d_b, EW)
    assert back.d_gamma == pytest.approx(c.d_gamma, rel=1e-9)
    assert back.d_Z == pytest.approx(c.d_Z, rel=1e-9, abs=1e-15)
    assert back.d_W == pytest.approx(c.d_W, rel=1e-9, abs=1e-15)
    if d_b != 0:
        assert d_w / d_b == pytest.approx(a, rel=1e-8, abs=1e-9)


def test_wilson_coefficients_and_the_charged_dipole():
    c = couplings_from_wilson(1.0, 0.5, 1000.0, EW)
    d_w, d_b = 1e-6, 0.5e-6
    assert c == couplings_from_unbroken(d_w, d_b, EW)
    assert c.d_gamma == pytest.approx(V_HIGGS / math.sqrt(2) * (d_b * EW.c_w + d_w * EW.s_w / 2))
    # the charged-current dipole agrees with the (d_gamma, a) form sqrt(2) a d_gamma / (2 c_w + a s_w)
    a = d_w / d_b
    assert c.d_W == pytest.approx(math.sqrt(2) * a * c.d_gamma / (2 * EW.c_w + a * EW.s_w), rel=1e-12)
    model = make_model(5.0, "tau", EW, d_W=d_w, d_B=d_b)
    assert model.couplings == c and model.a == pytest.approx(2.0)


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(d_gamma=1e-6),  # no structure
        dict(d_gamma=1e-6, scenario="I", a=0.0),
        dict(d_gamma=1e-6, d_W=1e-6, d_B=1e-6),
        dict(d_W=1e-6),
        dict(scenario="I"),
        dict(d_gamma=-1e-6, scenario="I"),
        dict(d_gamma=0.0, scenario="I"),
        dict(d_gamma=math.nan, scenario="I"),
        dict(d_gamma=math.inf, scenario="I"),
        dict(d_gamma=1e-6, scenario="V"),
        dict(d_gamma=1e-6, a=math.nan),
        dict(d_W=-1e-6, d_B=0.0),
        dict(d_W=math.inf, d_B=1.0),
    ],
)
def test_bad_model_inputs(kwargs):
    with pytest.raises(InputError):
        make_model(10.0, "e", EW, **kwargs)


@pytest.mark.parametrize("mass", [0.0, -1.0, math.nan, math.inf, 2e5])
def test_bad_masses(mass):
    with pytest.raises(InputError, match="mass"):
        make_model(mass, "e", EW, d_gamma=1e-6, scenario="I")


@given(
    mass=st.floats(allow_nan=True, allow_infinity=True),
    d_gamma=st.floats(allow_nan=True, allow_infinity=True),
    a=st.floats(allow_nan=True, allow_infinity=True),
    flavour=st.sampled_from(["e", "mu", "tau", "E", "nu", ""]),
)
def test_fuzz_model_inputs_give_finite_models_or_clear_errors(mass, d_gamma, a, flavour):
    try:
        m = make_model(mass, flavour, EW, d_gamma=d_gamma, a=a)
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc)
        return
    c = m.couplings
    assert np.isfinite([m.mass, c.d_gamma, c.d_Z, c.d_W]).all()
    w = widths(m, EW)
    assert np.isfinite(w.total) and w.total > 0 and 0 < w.br_nu_gamma <= 1


# --- widths against explicit spin sums ---------------------------------------------------


@pytest.mark.parametrize("m", [0.5, 10.0, 95.0, 300.0])
def test_width_nu_gamma(m):
    assert float(width_nu_gamma(m, 1e-4)) == pytest.approx(ref.n_decay_width(m, 1e-4), rel=1e-12)


@pytest.mark.parametrize("m", [92.0, 150.0, 500.0])
def test_width_nu_z(m):
    assert float(width_nu_z(m, 1e-4, EW.m_Z)) == pytest.approx(ref.n_decay_width(m, 1e-4, EW.m_Z), rel=1e-12)
    assert float(width_nu_z(EW.m_Z * 0.999, 1e-4, EW.m_Z)) == 0.0


@pytest.mark.parametrize("flavour", ["e", "mu", "tau"])
@pytest.mark.parametrize("m", [82.5, 95.0, 200.0])
def test_width_lepton_w_with_lepton_mass(flavour, m):
    ml = LEPTON_MASS[flavour]
    assert float(width_lepton_w(m, 1e-4, EW.m_W, ml)) == pytest.approx(ref.n_decay_width(m, 1e-4, EW.m_W, ml), rel=1e-10)


def test_width_lepton_w_heavy_lepton_and_threshold():
    # a heavy fictitious lepton makes the m_l terms large: the corrected bracket is needed
    assert float(width_lepton_w(150.0, 1e-4, 60.0, 30.0)) == pytest.approx(ref.n_decay_width(150.0, 1e-4, 60.0, 30.0), rel=1e-10)
    assert float(width_lepton_w(EW.m_W + 1.7, 1e-4, EW.m_W, LEPTON_MASS["tau"])) == 0.0


def test_branching_ratio_limits():
    light = make_model(10.0, "e", EW, d_gamma=1e-6, scenario="II")
    assert widths(light, EW, three_body=False).br_nu_gamma == 1.0
    assert 0.9 < widths(light, EW).br_nu_gamma < 1.0  # photon* -> f fbar and the off-shell Z*, W*
    heavy = make_model(3e4, "e", EW, d_gamma=1e-6, scenario="II")
    c = heavy.couplings
    expected = c.d_gamma**2 / (c.d_gamma**2 + c.d_Z**2 + c.d_W**2)  # docs/physics/decays.md: m_N >> M_Z
    assert widths(heavy, EW, three_body=False).br_nu_gamma == pytest.approx(expected, rel=1e-4)
    # three-body: photon* -> f fbar and the far off-shell Z*, W* (not suppressed for a dipole)
    # grow like log(m^2), lowering Br by 7% at 30 TeV
    assert widths(heavy, EW).br_nu_gamma == pytest.approx(expected, rel=0.1)


def test_branching_ratio_valley_at_the_singular_point():
    # near a = -2 cot(theta_w), d_Z and d_W blow up and the three-body decays take over below M_W
    near = make_model(10.0, "e", EW, d_gamma=1e-6, a=singular_a(EW) * (1 + 1e-6))
    assert widths(near, EW, three_body=False).br_nu_gamma == 1.0
    assert widths(near, EW).br_nu_gamma < 1e-3


# --- lifetime and decay probabilities ----------------------------------------------------


def test_lifetime_and_decay_length():
    gamma = 1e-15
    assert float(ctau_m(gamma)) == pytest.approx(1.973269804e-16 / gamma, rel=1e-9)
    p = float(two_body_momentum(91.1876, 10.0))
    assert p == pytest.approx((91.1876**2 - 100) / (2 * 91.1876))
    e = math.hypot(p, 10.0)
    assert e + p == pytest.approx(91.1876)  # nubar recoils with |p| = E_nubar
    assert float(decay_length_m(p, 10.0, gamma)) == pytest.approx(p / 10.0 * HBARC_GEV_M / gamma)


@pytest.mark.parametrize(("l1", "l2", "length"),
                         [(0.0, 1.0, 1e-3), (0.0, 1.0, 1.0), (0.5, 2.0, 3.0), (0.0, 1.0, 1e12), (1.0, 1.0 + 1e-9, 1e6)])
def test_decay_probabilities_against_high_precision(l1, l2, length):
    mpmath.mp.dps = 40
    exact = mpmath.exp(-mpmath.mpf(l1) / length) - mpmath.exp(-mpmath.mpf(l2) / length)
    assert float(prob_decay_between(l1, l2, length)) == pytest.approx(float(exact), rel=1e-12)


def test_inside_plus_outside_is_one_and_stable_limits():
    lengths = np.logspace(-6, 20, 27)
    total = prob_decay_inside(1.0, lengths) + prob_decay_outside(1.0, lengths)
    assert np.allclose(total, 1.0, rtol=1e-14)
    assert float(prob_decay_inside(1.0, math.inf)) == 0.0 and float(prob_decay_outside(1.0, math.inf)) == 1.0
    assert float(prob_decay_inside(1.0, 1e-9)) == 1.0
