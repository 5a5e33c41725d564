"""Three-body widths: the factorised q^2 integrals of mcgen.threebody against explicit spin sums
on the Dalitz plane, the narrow-width limit, and the contact-limit power law."""

from __future__ import annotations

import dataclasses
import math

import dirac_reference as ref
import pytest

from mcgen.physics.constants import LEPTON_MASS, Electroweak
from mcgen.physics.threebody import DOUBLETS, FERMIONS, boson_k_factors, channel_coefficients, channel_widths, three_body_coefficients
from mcgen.physics.twobody import width_lepton_w, width_nu_z

M_MU, M_TAU = LEPTON_MASS["mu"], LEPTON_MASS["tau"]


def _z_partial(f, ew):
    """Gamma(Z -> f fbar) at tree level, written out here."""
    x = f.mass**2 / ew.m_Z**2
    beta = math.sqrt(1 - 4 * x)
    v = (f.t3 - 2 * f.charge * ew.sin2_theta_w) * ew.g / (2 * ew.c_w)
    a = f.t3 * ew.g / (2 * ew.c_w)
    return f.colours * ew.m_Z / (12 * math.pi) * beta * (v * v * (1 + 2 * x) + a * a * beta * beta)


def _w_partial(up, down, ew):
    x1, x2 = up.mass**2 / ew.m_W**2, down.mass**2 / ew.m_W**2
    lam = max((1 - x1 - x2) ** 2 - 4 * x1 * x2, 0.0)
    return up.colours * ew.g**2 * ew.m_W / (48 * math.pi) * math.sqrt(lam) * (1 - (x1 + x2) / 2 - (x1 - x2) ** 2 / 2)


_DEFAULT = Electroweak()
Z_TREE = sum(_z_partial(f, _DEFAULT) for f in FERMIONS if 2 * f.mass < _DEFAULT.m_Z)
W_TREE = sum(_w_partial(u, d, _DEFAULT) for u, d in DOUBLETS if u.mass + d.mass < _DEFAULT.m_W)
# boson widths equal to the tree-level sums: kappa = 1, so the spin sums below need no K-factor
EW = dataclasses.replace(_DEFAULT, Gamma_Z=Z_TREE, Gamma_W=W_TREE)
REF_EW = ref.EW(alpha=EW.alpha, sin2w=EW.sin2_theta_w, mz=EW.m_Z, gz=EW.Gamma_Z, mw=EW.m_W, gw=EW.Gamma_W)


@pytest.mark.parametrize(("m", "d_gamma", "d_z"), [(10.0, 1e-5, 0.0), (10.0, 0.0, 1e-5), (80.0, 1e-5, 1e-5), (80.0, 1e-5, -1e-5)])
def test_nu_mu_mu_against_the_dalitz_plane(m, d_gamma, d_z):
    numeric = ref.n_to_nu_f_fbar_width(REF_EW, m, d_gamma, d_z, M_MU, -1.0, -0.5, 1, n=24)
    assert channel_widths(m, 0.0, d_gamma, d_z, 0.0, EW)["nu mu- mu+"] == pytest.approx(numeric, rel=2e-4)


def test_photon_z_interference_sign_matters():
    plus = channel_widths(80.0, 0.0, 1e-5, 1e-5, 0.0, EW)["nu mu- mu+"]
    minus = channel_widths(80.0, 0.0, 1e-5, -1e-5, 0.0, EW)["nu mu- mu+"]
    assert abs(plus - minus) / (plus + minus) > 1e-3


@pytest.mark.parametrize("m", [30.0, 60.0])
def test_tau_u_dbar_through_w_against_the_dalitz_plane(m):
    up, down = [(u, d) for u, d in DOUBLETS if u.name == "u"][0]
    numeric = ref.n_to_l_f_fbar_width(REF_EW, m, 1e-5, M_TAU, up.mass, down.mass, 3, n=24)
    assert channel_widths(m, M_TAU, 0.0, 0.0, 1e-5, EW)["l u d~"] == pytest.approx(numeric, rel=1e-3)


def test_k_factors_are_input_over_tree_widths():
    kz, kw = boson_k_factors(_DEFAULT)
    assert kz == pytest.approx(_DEFAULT.Gamma_Z / Z_TREE, rel=1e-12) and kw == pytest.approx(_DEFAULT.Gamma_W / W_TREE, rel=1e-12)
    assert boson_k_factors(EW) == pytest.approx((1.0, 1.0), rel=1e-12)


@pytest.mark.parametrize("scale", [1.0, 1e-2, 1e-4])
def test_narrow_width_limit_gives_the_two_body_width(scale):
    # with the on-shell branching ratios summing to one, Gamma_3body -> Gamma_2body as Gamma_V -> 0,
    # up to off-shell tails of relative size ~ Gamma_V / M_V
    narrow = dataclasses.replace(_DEFAULT, Gamma_Z=_DEFAULT.Gamma_Z * scale, Gamma_W=_DEFAULT.Gamma_W * scale)
    m = 150.0
    c = three_body_coefficients(m, M_MU, narrow)
    tol = 0.08 * scale + 2e-3
    assert c["ZZ"] == pytest.approx(float(width_nu_z(m, 1.0, _DEFAULT.m_Z)), rel=tol)
    assert c["WW"] == pytest.approx(float(width_lepton_w(m, 1.0, _DEFAULT.m_W, M_MU)), rel=tol)


def test_contact_limit_power_law():
    # below the e+e- threshold only Z* -> nu nubar is open; for m << M_Z the propagator is
    # -1/M_Z^2 and Gamma = d_Z^2 g^2 m^7 / (640 pi^3 c_w^2 (M_Z^4 + M_Z^2 Gamma_Z^2))
    m = 5e-4
    c = three_body_coefficients(m, 0.0, EW)
    expected = EW.g**2 * m**7 / (640 * math.pi**3 * EW.c_w**2 * (EW.m_Z**4 + (EW.m_Z * EW.Gamma_Z) ** 2))
    assert c["ZZ"] == pytest.approx(expected, rel=1e-6)
    assert c["gg"] == 0 and c["gZ"] == 0
    assert three_body_coefficients(m / 2, 0.0, EW)["ZZ"] * 2**7 == pytest.approx(c["ZZ"], rel=1e-6)


def test_channels_open_at_their_thresholds():
    light = channel_coefficients(0.15, M_MU, EW)  # N -> mu- (W* -> e+ nu_e) is open above m_mu + m_e
    assert "nu e- e+" in light and "nu mu- mu+" not in light and "l nu_e e+" in light and "l nu_mu mu+" not in light
    heavy = channel_coefficients(200.0, M_TAU, EW)
    assert "l c s~" in heavy and "nu t t~" not in heavy and "l t b~" in heavy  # 200 - m_tau > m_t + m_b
    assert set(channel_widths(200.0, M_TAU, 1e-5, 1e-5, 1e-5, EW)) == set(heavy)


def test_w_contact_limit_power_law():
    # far below M_W the W* channels scale as m^7 too, up to final-state mass effects: the
    # W* -> e+ nu_e channel (m_e/m < 3%) at 20 and 40 MeV; quark pairs have thresholds nearby
    def lepton_channel(m):
        return channel_coefficients(m, 0.0, EW)["l nu_e e+"]["WW"]

    assert lepton_channel(0.04) / lepton_channel(0.02) == pytest.approx(2**7, rel=5e-3)
