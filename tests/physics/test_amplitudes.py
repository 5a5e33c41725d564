"""The closed-form helicity structures of mcgen.amplitudes against explicit Dirac matrices."""

from __future__ import annotations

import math

import dirac_reference as ref
import numpy as np
import pytest

from mcgen.physics.amplitudes import coupling_constants, dsigma_dcos_one, spin_structures
from mcgen.physics.constants import GEV2_TO_PB, Electroweak
from mcgen.physics.model import Couplings
from mcgen.physics.xsec import sigma_gamma, sigma_st_interference, sigma_w, sigma_z

EW = Electroweak()
REF_EW = ref.EW(alpha=EW.alpha, sin2w=EW.sin2_theta_w, mz=EW.m_Z, gz=EW.Gamma_Z, mw=EW.m_W)
PAULI = [np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.array([[1, 0], [0, -1]])]
COUPLINGS = [(1e-5, 0, 0), (0, 1e-5, 0), (0, 0, 1e-5), (1e-5, -2e-5, 3e-5), (2e-5, 1e-5, -1e-5)]
POINTS = [(91.1876, 10.0), (91.19, 60.0), (160.0, 50.0), (205.4, 100.0), (240.0, 0.5), (360.0, 300.0)]


def density_matrix(rs, m, c, d_gamma, d_z, d_w):
    ch, sh = math.sqrt((1 + c) / 2), math.sqrt((1 - c) / 2)
    l0, l1, r0, r1, t0, t1, t = spin_structures(rs, m, ch, sh)
    s = rs**2
    prop_z = 1 / complex(s - EW.m_Z**2, EW.m_Z * EW.Gamma_Z)
    a_l = -EW.e * d_gamma / s - d_z * prop_z * EW.g / EW.c_w * (-0.5 + EW.sin2_theta_w)
    a_r = -EW.e * d_gamma / s - d_z * prop_z * EW.g / EW.c_w * EW.sin2_theta_w
    b = -d_w * EW.g / math.sqrt(2) / (t - EW.m_W**2)
    amp_l = a_l * np.array([l0, l1]) + b * np.array([t0, t1])
    amp_r = a_r * np.array([r0, r1])
    return np.outer(amp_l, amp_l.conj()) + np.outer(amp_r, amp_r.conj())


@pytest.mark.parametrize(("rs", "m"), POINTS)
@pytest.mark.parametrize("couplings", COUPLINGS)
def test_spin_summed_msq_and_polarisation_match_dirac_matrices(rs, m, couplings):
    for c in (-0.95, -0.4, 0.1, 0.7):
        rho = density_matrix(rs, m, c, *couplings)
        msq = sum(abs(a) ** 2 for a in ref.production_amplitudes(REF_EW, rs, m, c, *couplings, phi=0.0).values())
        assert np.trace(rho).real == pytest.approx(msq, rel=1e-10)
        pol = np.array([np.trace(rho @ p).real for p in PAULI]) / np.trace(rho).real
        assert pol == pytest.approx(ref.n_polarisation(REF_EW, rs, m, c, *couplings), abs=1e-10)


def test_polarisation_values_quoted_in_the_physics_docs():
    # sqrt(s) = 91.19 GeV, m_N = 60 GeV: longitudinal P about +0.40 at cos = 0, about -0.33 at |cos| = 0.8
    for c, expected in ((0.0, 0.40), (0.8, -0.33), (-0.8, -0.33)):
        rho = density_matrix(91.19, 60.0, c, 1e-5, 0, 0)
        pol = np.array([np.trace(rho @ p).real for p in PAULI]) / np.trace(rho).real
        direction = np.array([math.sqrt(1 - c * c), 0, c])
        assert pol @ direction == pytest.approx(expected, abs=0.01)


def test_decay_law_is_one_minus_spin_dot_photon():
    for axis in ((0, 0, 1), (0.6, 0, 0.8)):
        rates = {}
        for photon in ((0, 0, 1), (0, 0, -1), (1, 0, 0), (0, 1, 0), (0.6, 0, 0.8), (-0.6, 0, -0.8)):
            rates[photon] = ref.n_decay_rate_polarised(10.0, axis, photon)
        norm = ref.n_decay_rate_polarised(10.0, axis, tuple(-np.asarray(axis)))  # 1 - s.k = 2
        for photon, rate in rates.items():
            assert rate == pytest.approx(norm * (1 - np.dot(axis, photon)) / 2, abs=1e-9 * norm)


@pytest.mark.parametrize(("rs", "m"), POINTS)
def test_dsigma_dcos_integrates_to_the_analytic_totals(rs, m):
    x, w = np.polynomial.legendre.leggauss(64)
    consts = coupling_constants(rs, m, EW)
    c = Couplings(1e-5, -2e-5, 3e-5)
    total = w @ dsigma_dcos_one(x, rs, m, consts, c.d_gamma, c.d_Z, c.d_W, True, True)
    expected = (sigma_gamma(rs, m, c.d_gamma, EW) + sigma_z(rs, m, c.d_Z, EW) + sigma_w(rs, m, c.d_W, EW)
                + sigma_st_interference(rs, m, c, EW)) * GEV2_TO_PB
    from mcgen.physics.xsec import sigma_gamma_z
    expected += sigma_gamma_z(rs, m, c.d_gamma, c.d_Z, EW) * GEV2_TO_PB
    assert total == pytest.approx(float(expected), rel=1e-9)


@pytest.mark.parametrize(("rs", "m"), POINTS)
@pytest.mark.parametrize("hel", [(1.0, 1.0), (1.8, 0.2)])
def test_a_mixture_of_unit_structures_integrates_to_the_pieces_over_their_scales(rs, m, hel):
    """The weighted events' angular proposal, sum_j dsigma(structure j)/scale_j in one pass, against the
    analytic photon, Z and W cross sections (each unit structure is one piece alone)."""
    from mcgen.physics.amplitudes import dsigma_dcos_mixture

    x, w = np.polynomial.legendre.leggauss(64)
    consts = coupling_constants(rs, m, EW)
    units, scales = np.eye(3), np.array([2.0, 0.5, 3.0])
    total = w @ dsigma_dcos_mixture(x, rs, m, consts, units, scales, True, True, *hel)
    pieces = (sigma_gamma(rs, m, 1.0, EW, hel=hel), sigma_z(rs, m, 1.0, EW, hel=hel), sigma_w(rs, m, 1.0, EW, hel=hel))
    expected = sum(float(p) * GEV2_TO_PB / s for p, s in zip(pieces, scales))
    assert total == pytest.approx(expected, rel=1e-9)
    one = dsigma_dcos_mixture(x, rs, m, consts, np.array([[1e-5, -2e-5, 3e-5]]), np.ones(1), True, True)
    assert np.array_equal(one, dsigma_dcos_one(x, rs, m, consts, 1e-5, -2e-5, 3e-5, True, True))
