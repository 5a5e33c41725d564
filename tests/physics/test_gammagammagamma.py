"""e+e- -> gamma gamma gamma at tree level (mcgen.physics.gammagammagamma): the squared matrix element against an
explicit Dirac-matrix evaluation in mpmath (tests/references/gammagammagamma_reference.py), its stability as a
photon goes down the beam pipe, the massless Berends-Kleiss formula, and the soft-photon limit against the
eikonal factor times e+e- -> gamma gamma with the electron mass."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from gammagammagamma_reference import berends_kleiss_massless, eikonal_beams, msq_three_photons_reference

from mcgen.physics.gammagammagamma import M_E, msq_gammagammagamma
from mcgen.physics.isr import ALPHA_0

E = math.sqrt(4 * math.pi * ALPHA_0)


def _photons(rs, first, second, m=M_E):
    """Beams and three photons (mpmath, at the working precision) in the centre of mass: the first photon
    (omega, theta, phi), the second along (theta, phi) with the energy that leaves the third massless."""
    rs, m = mpmath.mpf(rs), mpmath.mpf(m)
    eb = rs / 2
    pb = mpmath.sqrt(eb**2 - m**2)
    omega, theta1, phi1 = (mpmath.mpf(x) for x in first)
    theta2, phi2 = (mpmath.mpf(x) for x in second)
    k1 = [omega, omega * mpmath.sin(theta1) * mpmath.cos(phi1), omega * mpmath.sin(theta1) * mpmath.sin(phi1),
          omega * mpmath.cos(theta1)]
    n = [mpmath.sin(theta2) * mpmath.cos(phi2), mpmath.sin(theta2) * mpmath.sin(phi2), mpmath.cos(theta2)]
    q = [rs - k1[0], -k1[1], -k1[2], -k1[3]]
    e2 = (q[0] ** 2 - q[1] ** 2 - q[2] ** 2 - q[3] ** 2) / (2 * (q[0] - sum(q[i + 1] * n[i] for i in range(3))))
    k2 = [e2] + [e2 * x for x in n]
    k3 = [q[i] - k2[i] for i in range(4)]
    return [eb, 0, 0, pb], [eb, 0, 0, -pb], k1, k2, k3


def _floats(momenta):
    return [np.array([float(x) for x in p]) for p in momenta]


@pytest.mark.slow
def test_msq_against_the_dirac_matrix_reference():
    """Random points at 10.58, 91.19 and 240 GeV: 1e-12."""
    rng = np.random.default_rng(11)
    mpmath.mp.dps = 30
    for rs in (10.58, 91.1876, 240.0):
        for _ in range(3):
            p = _photons(rs, (rs / 2 * rng.uniform(0.05, 0.9), rng.uniform(0.1, 3.0), rng.uniform(0, 6.28)),
                         (rng.uniform(0.1, 3.0), rng.uniform(0, 6.28)))
            expected = float(msq_three_photons_reference(*p, m=mpmath.mpf(M_E), e=mpmath.sqrt(4 * mpmath.pi * ALPHA_0)))
            assert msq_gammagammagamma(*_floats(p))[0] == pytest.approx(expected, rel=1e-12)


@pytest.mark.slow
def test_stable_as_a_photon_goes_down_the_beam_pipe():
    """One photon at 86 degrees with 30% of the beam energy, another at 1e-2 ... 0 rad to the e- beam (the
    collinear peak, regulated by the mass at theta ~ m_e/E): against the reference on exact (50-digit) kinematics."""
    mpmath.mp.dps = 50
    e = mpmath.sqrt(4 * mpmath.pi * ALPHA_0)
    for rs in (10.58, 91.1876):
        values = []
        for theta in (1e-2, 1e-4, 1e-6, 1e-8, 0.0):
            p = _photons(rs, (0.15 * rs, 1.5, 0.3), (theta, 0.4))
            expected = float(msq_three_photons_reference(*p, m=mpmath.mpf(M_E), e=e))
            values.append(msq_gammagammagamma(*_floats(p))[0])
            assert values[-1] == pytest.approx(expected, rel=1e-11)  # measured: 6e-13 at worst
        assert max(values) > 1e3 * values[0]  # the peak is reached


@pytest.mark.parametrize("rs", [10.58, 91.1876, 240.0])
def test_massless_limit_is_berends_kleiss(rs):
    """With m = 0 the amplitude sum is the published massless formula, to rounding; with the electron mass, away
    from the collinear regions, within the mass corrections m^2/(p.k)."""
    rng = np.random.default_rng(int(rs))
    mpmath.mp.dps = 30
    for _ in range(20):
        p = _floats(_photons(rs, (rs / 2 * rng.uniform(0.05, 0.9), rng.uniform(0.2, 2.9), rng.uniform(0, 6.28)),
                             (rng.uniform(0.2, 2.9), rng.uniform(0, 6.28)), m=0))
        expected = berends_kleiss_massless(p[0], p[1], p[2:], E)
        assert msq_gammagammagamma(*p, m=0.0)[0] == pytest.approx(expected, rel=1e-12)
        smallest = min(abs(p[i][0] * k[0] - np.dot(p[i][1:], k[1:])) for i in (0, 1) for k in p[2:])
        assert msq_gammagammagamma(*p)[0] == pytest.approx(expected, rel=max(30 * M_E**2 / smallest, 1e-12))


def _born_gammagamma(p1, k1, k2, m=M_E):
    """(1/4) sum abs(M)^2 of e+e- -> gamma gamma with the mass (Compton crossed), from p1.k1 and p1.k2."""
    a = p1[0] * k1[0] - p1[1] * k1[1] - p1[2] * k1[2] - p1[3] * k1[3]
    b = p1[0] * k2[0] - p1[1] * k2[1] - p1[2] * k2[2] - p1[3] * k2[3]
    inv = 1 / a + 1 / b
    return 2 * E**4 * (b / a + a / b + 2 * m * m * inv - m**4 * inv * inv)


@pytest.mark.parametrize(("rs", "theta_soft"), [(10.58, 1.0), (10.58, 1e-4), (91.1876, 2.5), (91.1876, 1e-5)])
def test_soft_photon_limit_is_the_eikonal_factor_times_gamma_gamma(rs, theta_soft):
    """abs(M)^2 -> e^2 (-J^2) abs(M_gamma gamma)^2 as one photon's energy goes to 0, the mass in both (a soft photon
    at m_e/E to the beam, where the eikonal factor's mass terms matter): the difference falls linearly. The
    limit is evaluated in 30-digit arithmetic (its p.k lose digits in double precision near the beam)."""
    mpmath.mp.dps = 30
    deviations = []
    for fraction in (1e-3, 1e-5):
        exact = _photons(rs, (fraction * rs, theta_soft, 0.5), (1.1, 2.0))
        p1, p2, soft, k1, k2 = exact
        expected = float(E**2 * eikonal_beams(p1, p2, soft) * _born_gammagamma(p1, k1, k2, mpmath.mpf(M_E)))
        p1, p2, soft, k1, k2 = _floats(exact)
        deviations.append(abs(msq_gammagammagamma(p1, p2, k1, k2, soft)[0] / expected - 1))
    assert deviations[1] < 1e-3
    assert deviations[1] < deviations[0] / 30


POLARISED_BEAMS = [(-0.8, 0.3), (0.8, -0.3), (-1.0, -1.0), (1.0, -1.0), (0.0, 0.6)]


@pytest.mark.slow
def test_polarised_beams_against_the_dirac_matrix_reference():
    """Each beam spin state weighted by (1 + h- P-)(1 + h+ P+), against the reference's spin-basis sum
    (eegamma_reference.beam_weight), with a photon near the beam too (where the mass lets equal helicities
    annihilate): 1e-10 (measured 1e-15 away from the beam, 2e-11 at 3e-6 rad: the momenta rounded to double
    precision, the unpolarised sum 3e-12 there)."""
    rng = np.random.default_rng(12)
    mpmath.mp.dps = 30
    e = mpmath.sqrt(4 * mpmath.pi * ALPHA_0)
    for rs, lost in ((10.58, (rng.uniform(0.1, 3.0), 0.7)), (91.1876, (3e-6, 0.7))):
        p = _photons(rs, (rs / 2 * rng.uniform(0.05, 0.9), rng.uniform(0.1, 3.0), rng.uniform(0, 6.28)), lost)
        for beams in POLARISED_BEAMS:
            expected = float(msq_three_photons_reference(*p, m=mpmath.mpf(M_E), e=e, beams=beams))
            assert msq_gammagammagamma(*_floats(p), polarisation=beams)[0] == pytest.approx(expected, rel=1e-10), beams


@pytest.mark.parametrize("beams", POLARISED_BEAMS)
def test_massless_polarised_rate_is_one_minus_the_product_of_polarisations(beams):
    """Massless QED annihilates only opposite helicities (e-_L e+_R, e-_R e+_L), with equal rates: the rate is
    (1 - P- P+) times Berends-Kleiss, P- or P+ alone changing nothing."""
    rng = np.random.default_rng(3)
    for _ in range(5):
        p = _floats(_photons(91.1876, (20.0 * rng.uniform(0.1, 2.0), rng.uniform(0.2, 2.9), rng.uniform(0, 6.28)),
                             (rng.uniform(0.2, 2.9), rng.uniform(0, 6.28)), m=0))
        expected = (1 - beams[0] * beams[1]) * berends_kleiss_massless(p[0], p[1], p[2:], E)
        assert msq_gammagammagamma(*p, m=0.0, polarisation=beams)[0] == pytest.approx(expected, rel=1e-12, abs=1e-30)
