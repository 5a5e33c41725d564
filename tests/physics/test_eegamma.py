"""e+e- -> e+e- gamma at tree level (mcgen.physics.eegamma): the squared matrix element against an explicit
Dirac-matrix evaluation in mpmath (tests/references/eegamma_reference.py), its stability where a lepton goes
down the beam pipe, gauge invariance, and the soft-photon limit against the eikonal factor times the
textbook Bhabha cross section."""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
from eegamma_reference import bhabha_msq, bhabha_msq_polarised, eikonal, msq_eegamma_reference

from mcgen.physics.constants import Electroweak
from mcgen.physics.eegamma import M_E, eegamma_couplings, msq_eegamma

EW = Electroweak()


def _reference_inputs(couplings, z: bool = True) -> dict:
    return dict(m=mpmath.mpf(M_E), e_photon=couplings.e_photon, e2_exchange=couplings.e2_exchange,
                gz2=(EW.g / EW.c_w) ** 2 if z else 0.0, g_l=-0.5 + EW.sin2_theta_w, g_r=EW.sin2_theta_w, m_z=EW.m_Z,
                gamma_z=EW.Gamma_Z)


def _point(rs, omega, cos_k, phi_k, cos_star, phi_star):
    """Momenta (mpmath, at the working precision) in the centre-of-mass frame: beams along z, the photon
    (omega, cos_k, phi_k), the pair's decay angles in its rest frame."""
    rs, omega, m = mpmath.mpf(rs), mpmath.mpf(omega), mpmath.mpf(M_E)
    eb = rs / 2
    pb = mpmath.sqrt(eb**2 - m**2)
    sk = mpmath.sqrt(1 - mpmath.mpf(cos_k) ** 2)
    k = [omega, omega * sk * mpmath.cos(phi_k), omega * sk * mpmath.sin(phi_k), omega * cos_k]
    q = [rs - omega, -k[1], -k[2], -k[3]]
    mass2 = q[0] ** 2 - q[1] ** 2 - q[2] ** 2 - q[3] ** 2
    pst = mpmath.sqrt(mass2 / 4 - m**2)
    ss = mpmath.sqrt(1 - mpmath.mpf(cos_star) ** 2)
    star = [pst * ss * mpmath.cos(phi_star), pst * ss * mpmath.sin(phi_star), pst * cos_star]
    e_star, mass = mpmath.sqrt(mass2) / 2, mpmath.sqrt(mass2)
    b = [x / q[0] for x in q[1:]]
    gam = q[0] / mass
    b2 = sum(x * x for x in b)

    def boost(e, v):
        bv = sum(x * y for x, y in zip(b, v))
        return [gam * (e + bv)] + [v[i] + ((gam - 1) * bv / b2 + gam * e) * b[i] for i in range(3)]

    return [eb, 0, 0, pb], [eb, 0, 0, -pb], boost(e_star, star), boost(e_star, [-x for x in star]), k


def _down_the_pipe(rs, omega, theta_k, theta4, phi4):
    """The photon at theta_k (azimuth 0) and the e+ at theta4 to its beam (azimuth phi4), its energy from the
    e- mass shell: Q.p4 = Q^2/2 with Q = p1 + p2 - k, solved exactly (mpmath)."""
    rs, omega, m = mpmath.mpf(rs), mpmath.mpf(omega), mpmath.mpf(M_E)
    eb = rs / 2
    pb = mpmath.sqrt(eb**2 - m**2)
    k = [omega, omega * mpmath.sin(theta_k), 0, omega * mpmath.cos(theta_k)]
    n = [mpmath.sin(theta4) * mpmath.cos(phi4), mpmath.sin(theta4) * mpmath.sin(phi4), -mpmath.cos(theta4)]
    q = [rs - omega, -k[1], -k[2], -k[3]]
    a, b, c = q[0], sum(q[i + 1] * n[i] for i in range(3)), (q[0] ** 2 - q[1] ** 2 - q[2] ** 2 - q[3] ** 2) / 2
    root = mpmath.sqrt(c**2 - (a**2 - b**2) * m**2)
    roots = [(a * c + sign * abs(b) * root) / (a**2 - b**2) for sign in (1, -1)]
    e4 = min(roots, key=lambda e: abs(a * e - b * mpmath.sqrt(e**2 - m**2) - c))
    p4 = [e4] + [mpmath.sqrt(e4**2 - m**2) * x for x in n]
    return [eb, 0, 0, pb], [eb, 0, 0, -pb], [q[i] - p4[i] for i in range(4)], p4, k


def _floats(momenta):
    return [np.array([float(x) for x in p]) for p in momenta]


@pytest.mark.slow
def test_msq_against_the_dirac_matrix_reference():
    """Random points at 10.58, 91.19 and 240 GeV, the Z included: 1e-12."""
    rng = np.random.default_rng(5)
    mpmath.mp.dps = 30
    c = eegamma_couplings(EW)
    for rs in (10.58, 91.1876, 240.0):
        for _ in range(2):
            omega = rs / 2 * rng.uniform(0.01, 0.9)
            args = (omega, rng.uniform(-0.95, 0.95), rng.uniform(0, 6.28), rng.uniform(-0.99, 0.99), rng.uniform(0, 6.28))
            p = _point(rs, *args)
            expected = float(msq_eegamma_reference(*p, **_reference_inputs(c)))
            assert msq_eegamma(*_floats(p), c)[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.slow
def test_stable_as_the_lepton_angle_goes_to_zero():
    """The e+ at 1e-2 ... 0 rad to its beam, the photon at 86 degrees with 30% of the beam energy: t runs down to
    its minimum, -m^2 x^2/(1 - x). Against the reference evaluated on the exact (50-digit) kinematics: 1e-9; the
    worst, 2e-10, where the momentum transfer's transverse part is of order m_e (the amplitude's gauge
    cancellation, module docstring). The same Dirac-matrix products in double precision err by 2e-5 there."""
    mpmath.mp.dps = 50
    c = eegamma_couplings(EW)
    for rs in (10.58, 91.1876):
        values = []
        for theta4 in (1e-2, 1e-4, 1e-6, 1e-8, 1e-10, 0.0):
            p = _down_the_pipe(rs, 0.15 * rs, 1.5, theta4, 0.4)
            expected = float(msq_eegamma_reference(*p, **_reference_inputs(c)))
            values.append(msq_eegamma(*_floats(p), c)[0])
            assert values[-1] == pytest.approx(expected, rel=1e-9)
        assert max(values) > 1e3 * values[0]  # the pole is reached


POLARISED_BEAMS = [(-0.8, 0.3), (0.8, -0.3), (-1.0, -1.0), (1.0, 1.0), (0.0, 0.6)]


@pytest.mark.slow
def test_polarised_beams_against_the_dirac_matrix_reference():
    """Each beam spin state weighted by (1 + h- P-)(1 + h+ P+), against the reference's spin-basis sum
    (eegamma_reference.beam_weight), the Z included, at a random point and with the e+ at 1e-5 rad to its beam
    (the t-channel pole, where the mass lets the equal-helicity states through): 1e-10."""
    mpmath.mp.dps = 40
    c = eegamma_couplings(EW)
    points = [_point(91.1876, 20.0, 0.3, 1.0, -0.4, 2.0), _down_the_pipe(10.58, 0.15 * 10.58, 1.5, 1e-5, 0.4)]
    for p in points:
        for beams in POLARISED_BEAMS:
            expected = float(msq_eegamma_reference(*p, **_reference_inputs(c), beams=beams))
            assert msq_eegamma(*_floats(p), c, beams)[0] == pytest.approx(expected, rel=1e-10), beams


@pytest.mark.parametrize(("rs", "beams"), [(10.58, (-0.8, 0.3)), (91.1876, (-0.8, 0.3)), (91.1876, (0.8, 0.0)),
                                           (91.1876, (-1.0, -1.0)), (240.0, (0.8, -0.3))])
def test_soft_photon_limit_with_polarised_beams_is_the_eikonal_factor_times_polarised_bhabha(rs, beams):
    """The soft limit with polarised beams against the massless Bhabha helicity amplitudes weighted per beam
    helicity state: P- alone matters through the Z's left-right asymmetry, and e-_L e+_L scatters only in the t
    channel; the difference falls linearly with the photon energy."""
    mpmath.mp.dps = 20
    c = eegamma_couplings(EW)
    inputs = _reference_inputs(c)
    deviations = []
    for fraction in (1e-3, 1e-5):
        p = _floats(_point(rs, fraction * rs, 0.2, 1.0, 0.4, 0.7))
        p1, p2, p3, p4, k = p
        s = (p1[0] + p2[0]) ** 2 - np.sum((p1[1:] + p2[1:]) ** 2)
        t = (p1[0] - p3[0]) ** 2 - np.sum((p1[1:] - p3[1:]) ** 2)
        born = bhabha_msq_polarised(s, t, beams, e2=c.e2_exchange, gz2=inputs["gz2"], g_l=inputs["g_l"],
                                    g_r=inputs["g_r"], m_z=EW.m_Z, gamma_z=EW.Gamma_Z)
        deviations.append(abs(msq_eegamma(*p, c, beams)[0] / (c.e_photon**2 * eikonal(*p) * born) - 1))
    assert deviations[1] < 1e-3
    assert deviations[1] < deviations[0] / 20
    unpolarised = bhabha_msq(s, t, e2=c.e2_exchange, gz2=inputs["gz2"], g_l=inputs["g_l"], g_r=inputs["g_r"],
                             m_z=EW.m_Z, gamma_z=EW.Gamma_Z)
    assert abs(born / unpolarised - 1) > 0.05  # the polarisation matters at this point


def test_the_polarised_bhabha_reference_averages_to_the_unpolarised_one():
    """The helper's four weighted helicity configurations at P = 0 are the textbook sum."""
    args = dict(e2=0.0917, gz2=0.55, g_l=-0.27, g_r=0.23, m_z=91.19, gamma_z=2.5)
    for s, t in ((100.0, -30.0), (8300.0, -2000.0)):
        assert bhabha_msq_polarised(s, t, (0.0, 0.0), **args) == pytest.approx(bhabha_msq(s, t, **args), rel=1e-14)


def test_gauge_invariance_of_the_diagrams():
    """The photon's polarisation replaced by its momentum: the amplitude vanishes (each set of four emissions
    with one exchange, the Z's width in the s channel included)."""
    mpmath.mp.dps = 30
    c = eegamma_couplings(EW)
    p = _point(91.1876, 20.0, 0.4, 1.0, -0.3, 2.0)
    scale = msq_eegamma_reference(*p, **_reference_inputs(c))
    longitudinal = msq_eegamma_reference(*p, **_reference_inputs(c), polarisations=[p[4]])
    assert abs(longitudinal) < 1e-40 * abs(scale)


@pytest.mark.parametrize(("rs", "cos_star", "z"), [(10.58, 0.3, False), (10.58, 0.3, True), (91.1876, -0.6, True),
                                                   (91.1876, 0.7, True), (240.0, 0.5, True)])
def test_soft_photon_limit_is_the_eikonal_factor_times_bhabha(rs, cos_star, z):
    """abs(M)^2 -> e^2 (-J^2) abs(M_Bhabha)^2 as the photon energy goes to 0, with the textbook massless Bhabha
    matrix element (photon and Z, s and t channel): the difference falls linearly with the photon energy."""
    mpmath.mp.dps = 20
    c = eegamma_couplings(EW, z_exchange=z)
    inputs = _reference_inputs(c, z)
    deviations = []
    for fraction in (1e-3, 1e-5):
        p = _floats(_point(rs, fraction * rs, 0.2, 1.0, cos_star, 0.7))
        p1, p2, p3, p4, k = p
        s = (p1[0] + p2[0]) ** 2 - np.sum((p1[1:] + p2[1:]) ** 2)
        t = (p1[0] - p3[0]) ** 2 - np.sum((p1[1:] - p3[1:]) ** 2)
        born = bhabha_msq(s, t, e2=c.e2_exchange, gz2=inputs["gz2"], g_l=inputs["g_l"], g_r=inputs["g_r"], m_z=EW.m_Z,
                          gamma_z=EW.Gamma_Z)
        deviations.append(abs(msq_eegamma(*p, c)[0] / (c.e_photon**2 * eikonal(*p) * born) - 1))
    assert deviations[1] < 1e-3
    assert deviations[1] < deviations[0] / 20  # (100 for a linear fall; less on the Z pole, where the shift of s matters)


def test_bhabha_reference_is_the_textbook_qed_cross_section():
    """The helper's QED limit: 2 e^4 [(s^2 + u^2)/t^2 + 2 u^2/(s t) + (u^2 + t^2)/s^2] (e.g. Peskin and
    Schroeder, problem 5.2)."""
    s, t = 100.0, -30.0
    u = -s - t
    e2 = 0.0917
    expected = 2 * e2**2 * ((s * s + u * u) / t**2 + 2 * u * u / (s * t) + (u * u + t * t) / s**2)
    assert bhabha_msq(s, t, e2=e2, gz2=0.0, g_l=0.0, g_r=0.0, m_z=91.0, gamma_z=2.5) == pytest.approx(expected, rel=1e-14)
