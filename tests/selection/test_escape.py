"""The generalised Eq. (21) bound (mcgen.selection.escape) against the paper's formula and against a
brute-force search over pairs of escaping massless particles written here."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mcgen.selection.escape import escape_energies, escape_pieces

BELLE2_ESCAPE = ((0.0, 12.4), (31.4, 32.2), (128.7, 130.7), (155.1, 180.0))
"""Belle II: down the beam pipe outside the ECL, and its two gaps (lab, deg)."""


def _directions(theta_deg: np.ndarray, phi: float = 0.0) -> np.ndarray:
    t = np.radians(theta_deg)
    return np.stack([np.sin(t) * math.cos(phi), np.sin(t) * math.sin(phi), np.cos(t)], axis=1)


@pytest.mark.parametrize("theta_b", [3.0, 8.1, 20.0])
def test_head_on_beams_and_two_cones_give_the_papers_eq_21(theta_b):
    sqrt_s = 91.2
    theta = np.linspace(theta_b + 0.5, 180 - theta_b - 0.5, 301)
    e_max = escape_energies(escape_pieces(((0.0, theta_b), (180.0 - theta_b, 180.0))), np.array([sqrt_s, 0, 0, 0]),
                            _directions(theta, 0.7))
    paper = sqrt_s / (1 + np.sin(np.radians(theta)) / math.sin(math.radians(theta_b)))
    assert np.allclose(e_max, paper, rtol=1e-12)


def _largest_feasible(feasible, p0: float) -> float:
    """The largest photon energy in [0, p0) that ``feasible`` accepts, by bisection (0 if none)."""
    lo, hi = 0.0, p0 * (1 - 1e-12)
    if not feasible(0.0):
        return 0.0
    for _ in range(50):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if feasible(mid) else (lo, mid)
    return lo


def _brute_force(escape_deg, beams: np.ndarray, n_hat: np.ndarray, rng, samples: int = 40_000) -> float:
    """The largest E (bisection) for which some pair of massless particles along escape directions
    u1, u2 carries P - E (1, n): v = (P_vec - E n)/(P^0 - E) must lie on a chord u1 -> u2 (the line
    from u1 through v meets the sphere again at u2, in the escape region, beyond v)."""
    bands = np.radians(np.array(escape_deg))
    widths = np.cos(bands[:, 0]) - np.cos(bands[:, 1])
    which = rng.choice(len(bands), size=samples, p=widths / widths.sum())
    c = np.cos(bands[which, 1]) + rng.random(samples) * widths[which]  # uniform on the sphere within the bands
    rims = np.cos(bands.ravel())  # and the bands' edges, where the bound is made
    c = np.concatenate([c, np.repeat(rims, 2000)])
    phi = rng.random(c.size) * 2 * math.pi
    s = np.sqrt(np.clip(1 - c * c, 0, None))
    u1 = np.stack([s * np.cos(phi), s * np.sin(phi), c], axis=1)
    lo_c, hi_c = np.cos(bands[:, 1]), np.cos(bands[:, 0])

    def escapes(u: np.ndarray) -> np.ndarray:
        return ((u[:, 2:3] >= lo_c - 1e-12) & (u[:, 2:3] <= hi_c + 1e-12)).any(axis=1)

    def feasible(e: float) -> bool:
        v = (beams[1:] - e * n_hat) / (beams[0] - e)
        if v @ v > 1:
            return False
        d = v - u1  # from u1 through v: u1 + s d, s > 1 at the sphere
        a, b, cc = (d * d).sum(1), (u1 * d).sum(1), (u1 * u1).sum(1) - 1
        s_far = (-b + np.sqrt(np.clip(b * b - a * cc, 0, None))) / a
        u2 = u1 + s_far[:, None] * d
        return bool((escapes(u2) & (s_far >= 1 - 1e-12)).any())

    return _largest_feasible(feasible, beams[0])


def _hull_planes(escape_deg, rng) -> tuple[np.ndarray, np.ndarray]:
    """Random unit normals w and the support max_u w.u of the escape directions u (a dense sample
    of the bands and their edges): v is in the hull only if w.v <= support for every w."""
    bands = np.radians(np.array(escape_deg))
    c = np.concatenate([np.linspace(math.cos(hi), math.cos(lo), 100) for lo, hi in bands])
    phi = np.linspace(0, 2 * math.pi, 361)[:-1]
    s = np.sqrt(np.clip(1 - c * c, 0, None))
    u = np.stack([np.outer(s, np.cos(phi)).ravel(), np.outer(s, np.sin(phi)).ravel(), np.repeat(c, phi.size)], axis=1)
    w = rng.standard_normal((3000, 3))
    w /= np.linalg.norm(w, axis=1)[:, None]
    return w, (w @ u.T).max(axis=1)


def _support_brute_force(planes: tuple[np.ndarray, np.ndarray], beams: np.ndarray, n_hat: np.ndarray) -> float:
    """The largest E (bisection) for which v = (P_vec - E n)/(P^0 - E) lies inside every plane of
    :func:`_hull_planes` (finitely many: an outer bound of the hull)."""
    w, support = planes

    def feasible(e: float) -> bool:
        v = (beams[1:] - e * n_hat) / (beams[0] - e)
        return bool((w @ v <= support + 1e-12).all())

    return _largest_feasible(feasible, beams[0])


@pytest.mark.slow
def test_belle2_bound_against_brute_force_searches():
    """The support-function search (finitely many planes: an outer bound of the hull) lies just
    above the bound; two escaping particles (e+e- -> e+e- gamma, gamma gamma gamma) never exceed it
    and reach it for most directions (where the ray leaves through the sphere or a cone between
    adjacent escape bands; across the ECL between its gaps a third particle is needed)."""
    from mcgen.physics.frames import beam_momenta

    p1, p2 = beam_momenta(7.004, 4.002, 0.083)
    beams = p1 + p2
    rng = np.random.default_rng(1)
    theta = np.array([15.0, 25.0, 45.0, 70.0, 90.0, 110.0, 135.0, 150.0])
    pieces = escape_pieces(BELLE2_ESCAPE)
    planes = _hull_planes(BELLE2_ESCAPE, rng)
    pairs_reach = 0
    for phi in (0.0, math.pi):
        n = _directions(theta, phi)
        e_max = escape_energies(pieces, beams, n)
        hull = np.array([_support_brute_force(planes, beams, k) for k in n])
        assert (e_max <= hull * (1 + 1e-9)).all() and (hull <= e_max * 1.01).all(), (phi, hull, e_max)
        pairs = np.array([_brute_force(BELLE2_ESCAPE, beams, k, rng, samples=20_000) for k in n])
        assert (pairs <= e_max * (1 + 1e-9)).all()
        pairs_reach += int(np.isclose(pairs, e_max, rtol=2e-3).sum())
    assert pairs_reach >= 10  # most of the 16 directions: two particles already reach the bound
    # the boost: the bound is not symmetric under theta -> 180 - theta
    assert e_max.min() > 0 and not np.allclose(e_max, e_max[::-1])


def test_no_escape_route_means_no_fake():
    """Only a forward cone to escape through: at rest nothing balances any photon; beams moving
    forward faster than the cone's edge (beta inside it) can balance a backward photon."""
    pieces = escape_pieces(((0.0, 10.0),))
    n = _directions(np.array([20.0, 90.0, 170.0]))
    assert (escape_energies(pieces, np.array([10.0, 0.0, 0.0, 0.0]), n) == 0).all()
    e = escape_energies(pieces, np.array([10.0, 0.0, 0.0, 9.9]), n)
    assert e[2] > 0


ESCAPE_OF_BELLE2 = "[[0, 12.4], [31.4, 32.2], [128.7, 130.7], [155.1, 180]]"


def test_the_kernels_escape_cut_is_the_bound_on_the_lab_photons():
    """belle2 with the escape bands: truth_pass, pass_bhabha and pass_all of the signal kernel are
    the other cuts and E > E_max of the true and the measured photon (lab)."""
    import mcgen
    from mcgen.config.cards import parse_card
    from mcgen.selection.escape import escape_pass

    card = mcgen.load_card("belle2", (f"selection.escape_theta_deg={ESCAPE_OF_BELLE2}",))
    raw = {k: dict(v) if isinstance(v, dict) else v for k, v in card.raw.items()}
    raw["selection"].pop("escape_theta_deg")
    raw["selection"].pop("escape_margin_sigma", None)
    plain = parse_card(raw, "belle2 without the escape cut")
    model = mcgen.make_model(0.5, "mu", card.electroweak, d_gamma=1e-4, scenario="I")
    a = mcgen.generate(plain, model, 40_000, seed=4).columns
    b = mcgen.generate(card, model, 40_000, seed=4).columns
    assert np.array_equal(a["gamma_E"], b["gamma_E"]) and np.array_equal(a["gamma_reco_E"], b["gamma_reco_E"])
    truth_ok = escape_pass(card, np.stack([b[f"gamma_{c}"] for c in ("E", "px", "py", "pz")], axis=1))
    reco_ok = escape_pass(card, np.stack([b[f"gamma_reco_{c}"] for c in ("E", "px", "py", "pz")], axis=1))
    assert np.array_equal(b["truth_pass"], a["truth_pass"] & truth_ok)
    assert np.array_equal(b["pass_bhabha"], a["pass_bhabha"] & reco_ok)
    assert np.array_equal(b["pass_all"], a["pass_all"] & reco_ok)
    removed = a["pass_all"] & ~reco_ok
    assert 0.01 < removed.mean() < 0.9  # the cut bites, and leaves events


def test_head_on_escape_cones_are_the_papers_bhabha_cut_in_the_kernel():
    import mcgen

    paper = mcgen.load_card("cepc_z")  # bhabha_cos_theta_b = 0.99
    theta_b = math.degrees(math.acos(0.99))
    card = mcgen.load_card("cepc_z", ("selection.bhabha_cos_theta_b=0",
                                      f"selection.escape_theta_deg=[[0, {theta_b!r}], [{180 - theta_b!r}, 180]]"))
    model = mcgen.make_model(30.0, "mu", card.electroweak, d_gamma=1e-7, scenario="I")
    a = mcgen.generate(paper, model, 40_000, seed=6).columns
    b = mcgen.generate(card, model, 40_000, seed=6).columns
    for flag in ("truth_pass", "pass_bhabha", "pass_all"):
        differ = a[flag] != b[flag]
        assert differ.sum() <= 2, flag  # at most the rounding at the boundary
    assert (~a["pass_bhabha"] & a["reconstructed"]).mean() > 0.01
