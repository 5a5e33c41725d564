"""e+e- -> gamma gamma with the electron mass: |M|^2 against a Dirac-matrix trace written here, the
cross section against Dirac's formula and the high-energy limit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate

from mcgen.physics import gammagamma as gg

ALPHA = 1 / 137.035999084
M = gg.M_E
METRIC = np.diag([1.0, -1.0, -1.0, -1.0])


def _gammas() -> list[np.ndarray]:
    """Dirac matrices (Dirac representation)."""
    one, zero = np.eye(2), np.zeros((2, 2))
    sigma = [np.array([[0, 1], [1, 0]]), np.array([[0, -1j], [1j, 0]]), np.array([[1, 0], [0, -1]])]
    g0 = np.block([[one, zero], [zero, -one]]).astype(complex)
    return [g0] + [np.block([[zero, s], [-s, zero]]).astype(complex) for s in sigma]


GAMMA = _gammas()


def _slash(p: np.ndarray) -> np.ndarray:
    lower = METRIC @ p
    return sum(lower[mu] * GAMMA[mu] for mu in range(4))


def _trace_msq(p1: np.ndarray, p2: np.ndarray, k1: np.ndarray, k2: np.ndarray) -> float:
    """(1/4) sum over spins and polarisations of |M|^2, with the polarisation sums -g_{mu nu}: traces of
    (p2/ - m) Gamma (p1/ + m) Gamma-bar, Gamma^{mu nu} = e^2 [g^nu S(p1 - k1) g^mu + g^mu S(p1 - k2) g^nu]."""
    e2 = 4 * math.pi * ALPHA
    one = np.eye(4)
    prop1 = (_slash(p1 - k1) + M * one) / (_dot(p1 - k1, p1 - k1) - M * M)
    prop2 = (_slash(p1 - k2) + M * one) / (_dot(p1 - k2, p1 - k2) - M * M)
    total = 0.0
    for mu in range(4):
        for nu in range(4):
            gam = e2 * (GAMMA[nu] @ prop1 @ GAMMA[mu] + GAMMA[mu] @ prop2 @ GAMMA[nu])
            bar = GAMMA[0] @ gam.conj().T @ GAMMA[0]
            trace = np.trace((_slash(p2) - M * one) @ gam @ (_slash(p1) + M * one) @ bar)
            total += METRIC[mu, mu] * METRIC[nu, nu] * trace.real
    return total / 4


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ METRIC @ b)


def _kinematics(sqrt_s: float, cos_t: float, phi: float) -> tuple[np.ndarray, ...]:
    e = sqrt_s / 2
    p = math.sqrt(e * e - M * M)
    sin_t = math.sqrt(1 - cos_t * cos_t)
    p1, p2 = np.array([e, 0, 0, p]), np.array([e, 0, 0, -p])
    k1 = e * np.array([1, sin_t * math.cos(phi), sin_t * math.sin(phi), cos_t])
    k2 = np.array([2 * e, 0, 0, 0]) - k1
    return p1, p2, k1, k2


@pytest.mark.parametrize("sqrt_s", [0.01, 1.0, 10.58, 91.2])
def test_msq_against_the_dirac_trace(sqrt_s):
    """Random angles and near-collinear ones (1 - cos down to 1e-6, where the trace itself still holds
    about 10 digits: its terms grow as 1/(1 - beta cos) and cancel), to 1e-9."""
    rng = np.random.default_rng(5)
    cosines = list(rng.uniform(-1, 1, 12)) + [1 - 1e-3, -(1 - 1e-4), 1 - 1e-6]
    for c in cosines:
        expected = _trace_msq(*_kinematics(sqrt_s, c, rng.uniform(0, 2 * math.pi)))
        assert gg.msq(sqrt_s**2, c) == pytest.approx(expected, rel=1e-9), c


@pytest.mark.parametrize("sqrt_s", [0.0011, 0.01, 1.0, 10.58, 91.2, 240.0])
def test_the_cross_section_is_diracs(sqrt_s):
    """Dirac's formula (Heitler, The Quantum Theory of Radiation, sec. 29) in the frame of the e- at rest,
    gamma = E+ / m = s / (2 m^2) - 1; r_e = alpha / m; and the integral of dsigma/dcos, halved."""
    s = sqrt_s**2
    g = s / (2 * M * M) - 1
    root = math.sqrt(g * g - 1)
    r_e = ALPHA / M
    dirac = math.pi * r_e**2 / (g + 1) * ((g * g + 4 * g + 1) / (g * g - 1) * math.log(g + root) - (g + 3) / root)
    assert gg.sigma_total(s) == pytest.approx(dirac, rel=1e-9)
    mu = gg.mu_of_s(s)
    beta = math.sqrt(1 - mu)
    # the integral in w = artanh(beta c), where dsigma/dc dc/dw is smooth: dc/dw = q / beta, q = 1 / cosh(w)^2
    big_w = math.atanh(beta)

    def integrand(w: float) -> float:
        q = 1 / math.cosh(w) ** 2
        return float(gg.msq_of_q(q, mu)) / (32 * math.pi * s * beta) * q / beta

    numeric = integrate.quad(integrand, -big_w, big_w, epsabs=0, epsrel=1e-12, limit=200)[0] / 2
    assert numeric == pytest.approx(dirac, rel=1e-9)


def test_the_high_energy_limit():
    """sigma -> (2 pi alpha^2 / s)(ln(s/m^2) - 1) as m^2/s -> 0."""
    s = 240.0**2
    limit = 2 * math.pi * ALPHA**2 / s * (math.log(s / M**2) - 1)
    assert gg.sigma_total(s) == pytest.approx(limit, rel=1e-9)


def test_the_forward_peak_stays_finite_and_smooth():
    """At the beam direction itself (q = mu) the matrix element is finite: 2 e^4 (4 - 2 mu) / mu... written
    out from the compact form at c = 1, and the mass regulates it (no cancellation: q >= mu)."""
    s = 10.58**2
    mu = gg.mu_of_s(s)
    e4 = (4 * math.pi * ALPHA) ** 2
    assert gg.msq(s, 1.0) == pytest.approx(2 * e4 * (4 + 4 * mu - 2 * mu - 4 * mu) / mu, rel=1e-14)
    c = 1 - np.geomspace(1e-3, 1e-14, 60)
    values = gg.msq(s, c)
    assert np.all(np.isfinite(values)) and np.all(np.diff(values) > 0)  # rises monotonically towards the beam


GAMMA5 = 1j * GAMMA[0] @ GAMMA[1] @ GAMMA[2] @ GAMMA[3]


def _helicity_projector(p: np.ndarray, h: int, sign: int) -> np.ndarray:
    """(p/ + sign m)(1 + gamma5 s/)/2 with s = h (P, E n)/m the spin 4-vector of helicity h (u ubar for sign +1,
    v vbar for sign -1, with s the antiparticle's physical spin: Bjorken and Drell's convention)."""
    size = math.sqrt(p[1] ** 2 + p[2] ** 2 + p[3] ** 2)
    spin = h * np.array([size, *(p[0] * p[1:] / size)]) / M
    one = np.eye(4)
    return (_slash(p) + sign * M * one) @ (one + GAMMA5 @ _slash(spin)) / 2


def _polarised_trace_msq(p1, p2, k1, k2, beams) -> float:
    """As _trace_msq, each beam helicity state's trace with the spin projectors, weighted by (1 + h- P-)(1 + h+ P+)."""
    e2 = 4 * math.pi * ALPHA
    one = np.eye(4)
    prop1 = (_slash(p1 - k1) + M * one) / (_dot(p1 - k1, p1 - k1) - M * M)
    prop2 = (_slash(p1 - k2) + M * one) / (_dot(p1 - k2, p1 - k2) - M * M)
    total = 0.0
    for h1 in (1, -1):
        for h2 in (1, -1):
            weight = (1 + h1 * beams[0]) * (1 + h2 * beams[1])
            u_ubar, v_vbar = _helicity_projector(p1, h1, 1), _helicity_projector(p2, h2, -1)
            for mu in range(4):
                for nu in range(4):
                    gam = e2 * (GAMMA[nu] @ prop1 @ GAMMA[mu] + GAMMA[mu] @ prop2 @ GAMMA[nu])
                    bar = GAMMA[0] @ gam.conj().T @ GAMMA[0]
                    trace = np.trace(v_vbar @ gam @ u_ubar @ bar)
                    total += weight * METRIC[mu, mu] * METRIC[nu, nu] * trace.real
    return total / 4


@pytest.mark.parametrize("sqrt_s", [0.0011, 0.002, 0.01, 0.05])
@pytest.mark.parametrize("beams", [(-0.8, 0.3), (1.0, 1.0), (1.0, -1.0), (0.6, 0.0)])
def test_polarised_msq_against_the_trace_with_spin_projectors(sqrt_s, beams):
    """The closed form of the equal-helicity states (module docstring) against traces with each beam's helicity
    projector, from near threshold (mu = 0.86, where equal helicities are most of the rate) to E/m = 50 (the
    projectors' terms grow as (E/m)^2 and cancel, so higher energies would test the rounding), at angles down
    to 1 - cos = 1e-6: 1e-9."""
    rng = np.random.default_rng(7)
    mu = gg.mu_of_s(sqrt_s**2)
    for c in list(rng.uniform(-1, 1, 6)) + [1 - 1e-3, -(1 - 1e-6)]:
        expected = _polarised_trace_msq(*_kinematics(sqrt_s, c, rng.uniform(0, 2 * math.pi)), beams)
        got = gg.msq_polarised(gg.q_of_cos(c, mu), c, mu, beams)
        assert got == pytest.approx(expected, rel=1e-9), c


def test_polarisation_away_from_the_beams_is_the_massless_one_minus_the_product():
    """At 91.2 GeV and 11 degrees or more from the beams, (1 - P- P+) times the unpolarised rate within 2 P- P+
    times the equal-helicity share (3 mu at 90 degrees, 25 mu at 11: below 1e-8); within m/E of a beam, equal
    helicities make most of it."""
    s = 91.2**2
    mu = gg.mu_of_s(s)
    c = np.linspace(-0.98, 0.98, 50)
    for beams in [(-0.8, 0.3), (1.0, 1.0)]:
        ratio = gg.msq_polarised(gg.q_of_cos(c, mu), c, mu, beams) / gg.msq(s, c)
        assert np.allclose(ratio, 1 - beams[0] * beams[1], rtol=0, atol=60 * mu)
    collinear = np.cos(M / 45.6)
    assert gg.msq_equal_helicities(gg.q_of_cos(collinear, mu), collinear, mu) > 0.3 * gg.msq(s, collinear)
