"""The helicity amplitudes of e+e- -> nu nubar gamma (mcgen.physics.nunugamma) against the
explicit-Dirac-matrix reference (tests/references/nunugamma_reference.py): every helicity configuration
and the totals, per flavour class, at random phase-space points of several energies."""

from __future__ import annotations

import numpy as np
import pytest
from nunugamma_reference import msq_nunugamma

from mcgen.physics.constants import Electroweak
from mcgen.physics.nunugamma import msq_nunugamma_fast, msq_nunugamma_helicities

EW = Electroweak()
ENERGIES = [91.19, 160.0, 205.4, 240.0, 365.0]
FLAVOURS = {"nu_e (Z and W)": True, "nu_mu, nu_tau (Z only)": False}
N = 300  # not a multiple of the kernel's block: the padded last block is tested too


def phase_space_points(n: int, sqrt_s: float, seed: int):
    """Beams along z, a photon of energy fraction 0.02-0.9 of the beam energy in |cos| < 0.98, and
    the nu nubar pair decayed isotropically in its rest frame."""
    rng = np.random.default_rng(seed)
    e = sqrt_s / 2
    p1, p2 = np.tile([e, 0, 0, e], (n, 1)), np.tile([e, 0, 0, -e], (n, 1))
    eg = e * rng.uniform(0.02, 0.9, n)
    cos, phi = rng.uniform(-0.98, 0.98, n), rng.uniform(0, 2 * np.pi, n)
    sin = np.sqrt(1 - cos**2)
    k = np.stack([eg, eg * sin * np.cos(phi), eg * sin * np.sin(phi), eg * cos], 1)
    pair = p1 + p2 - k
    half = np.sqrt(pair[:, 0] ** 2 - (pair[:, 1:] ** 2).sum(1)) / 2
    c2, f2 = rng.uniform(-1, 1, n), rng.uniform(0, 2 * np.pi, n)
    s2 = np.sqrt(1 - c2**2)
    rest = half[:, None] * np.stack([s2 * np.cos(f2), s2 * np.sin(f2), c2], 1)
    beta = pair[:, 1:] / pair[:, :1]
    gamma = 1 / np.sqrt(1 - (beta**2).sum(1))
    bp = (beta * rest).sum(1)
    k1 = np.concatenate([(gamma * (half + bp))[:, None],
                         rest + ((gamma - 1) * bp / (beta**2).sum(1) + gamma * half)[:, None] * beta], 1)
    return p1, p2, k1, pair - k1, k


def helicity_vectors(k: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What an outgoing photon of helicity + and - brings into the amplitude: eps*_pm with
    eps_pm = -+(theta-hat +- i phi-hat)/sqrt 2 (the phases do not matter for |M|^2)."""
    n_hat = k[:, 1:] / np.linalg.norm(k[:, 1:], axis=1, keepdims=True)
    phi = np.arctan2(n_hat[:, 1], n_hat[:, 0])
    cos, sin = n_hat[:, 2], np.hypot(n_hat[:, 0], n_hat[:, 1])
    theta_hat = np.stack([np.zeros(len(k)), cos * np.cos(phi), cos * np.sin(phi), -sin], 1)
    phi_hat = np.stack([np.zeros(len(k)), -np.sin(phi), np.cos(phi), np.zeros(len(k))], 1)
    return (theta_hat - 1j * phi_hat) / np.sqrt(2), (theta_hat + 1j * phi_hat) / np.sqrt(2)


def assert_configurations_close(parts: np.ndarray, reference: np.ndarray, total: np.ndarray) -> None:
    """1e-12 relative, but 1e-18 of the event's total for a configuration below 1e-6 of it: near
    the zero of a helicity amplitude (a nu collinear with a beam) its last digits depend on how
    the momenta's rounding puts them off the mass shell, which each formula continues differently."""
    tolerance = 1e-12 * np.maximum(reference, 1e-6 * total)
    assert np.all(np.abs(parts - reference) <= tolerance), np.max(np.abs(parts - reference) / tolerance)


def rotated(moms, seed: int):
    """The momenta after one random rotation (the same for all)."""
    q, _ = np.linalg.qr(np.random.default_rng(seed).standard_normal((3, 3)))
    return [np.concatenate([p[:, :1], p[:, 1:] @ q.T], 1) for p in moms]


@pytest.mark.parametrize("sqrt_s", ENERGIES)
@pytest.mark.parametrize("electron_flavour", FLAVOURS.values(), ids=FLAVOURS.keys())
def test_each_helicity_configuration_equals_the_dirac_reference(sqrt_s, electron_flavour):
    moms = phase_space_points(N, sqrt_s, seed=int(sqrt_s))
    parts = msq_nunugamma_helicities(*moms, EW, electron_flavour)
    assert parts.shape == (2, 2, N)
    total = parts.sum(axis=(0, 1))
    for h, eps in enumerate(helicity_vectors(moms[-1])):
        for c, chirality in enumerate("LR"):
            reference = msq_nunugamma(*moms, EW, electron_flavour, eps_override=eps, electron_chirality=chirality)
            assert_configurations_close(parts[c, h], reference, total)


@pytest.mark.parametrize("sqrt_s", ENERGIES)
@pytest.mark.parametrize("electron_flavour", FLAVOURS.values(), ids=FLAVOURS.keys())
def test_the_total_equals_the_dirac_reference(sqrt_s, electron_flavour):
    moms = phase_space_points(N, sqrt_s, seed=int(sqrt_s) + 1)
    total = msq_nunugamma_fast(*moms, EW, electron_flavour)
    np.testing.assert_allclose(total, msq_nunugamma(*moms, EW, electron_flavour), rtol=1e-12, atol=0)
    np.testing.assert_allclose(total, msq_nunugamma_helicities(*moms, EW, electron_flavour).sum(axis=(0, 1)), rtol=1e-14)


@pytest.mark.parametrize("electron_flavour", FLAVOURS.values(), ids=FLAVOURS.keys())
def test_any_polarisation_vector_equals_the_dirac_reference(electron_flavour):
    # eps_override: helicity states and arbitrary complex vectors, not transverse (the gauge parts count)
    moms = phase_space_points(100, 240.0, seed=2)
    rng = np.random.default_rng(3)
    arbitrary = rng.standard_normal((100, 4)) + 1j * rng.standard_normal((100, 4))
    for eps in (*helicity_vectors(moms[-1]), arbitrary):
        parts = msq_nunugamma_helicities(*moms, EW, electron_flavour, eps_override=eps)
        assert parts.shape == (2, 1, 100)
        for c, chirality in enumerate("LR"):
            reference = msq_nunugamma(*moms, EW, electron_flavour, eps_override=eps, electron_chirality=chirality)
            assert_configurations_close(parts[c, 0], reference, parts.sum(axis=(0, 1)))


@pytest.mark.parametrize("electron_flavour", FLAVOURS.values(), ids=FLAVOURS.keys())
def test_helicity_rates_are_rotation_invariant(electron_flavour):
    # beams off the z axis and momenta of either sign of pz: both phase choices of the spinors
    moms = phase_space_points(N, 205.4, seed=4)
    turned = rotated(moms, seed=5)
    parts = msq_nunugamma_helicities(*turned, EW, electron_flavour)
    assert_configurations_close(parts, msq_nunugamma_helicities(*moms, EW, electron_flavour), parts.sum(axis=(0, 1)))
    np.testing.assert_allclose(parts.sum(axis=(0, 1)), msq_nunugamma(*turned, EW, electron_flavour), rtol=1e-12, atol=0)


def test_results_do_not_depend_on_the_block_or_the_thread_count():
    # the padded last block and the whole blocks run the same vectorised loop; events are independent
    import numba

    moms = phase_space_points(1000, 240.0, seed=6)
    threads = numba.get_num_threads()
    try:
        numba.set_num_threads(1)
        one = msq_nunugamma_fast(*moms, EW, True)
    finally:
        numba.set_num_threads(threads)
    assert np.array_equal(msq_nunugamma_fast(*moms, EW, True), one)
    pieces = np.concatenate([msq_nunugamma_fast(*[m[i:i + 37] for m in moms], EW, True) for i in range(0, 370, 37)])
    assert np.array_equal(pieces, one[:370])
