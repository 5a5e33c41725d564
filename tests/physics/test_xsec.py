"""Analytic cross sections and Z widths against the explicit Dirac-matrix amplitudes of
tests/references/dirac_reference.py (quadrature over the production angle)."""

from __future__ import annotations

import math

import dirac_reference as ref
import mpmath
import numpy as np
import pytest

from mcgen.physics.constants import GEV2_TO_PB, Electroweak
from mcgen.physics.model import Couplings
from mcgen.physics.xsec import (
    _st_kernel,
    _w_kernel,
    production_cross_sections,
    sigma_gamma,
    sigma_gamma_z,
    sigma_st_interference,
    sigma_w,
    sigma_z,
    width_z_to_n_nubar,
)

EW = Electroweak()
REF_EW = ref.EW(alpha=EW.alpha, sin2w=EW.sin2_theta_w, mz=EW.m_Z, gz=EW.Gamma_Z, mw=EW.m_W)

# (sqrt s, m_N): every card's sqrt(s), light and heavy N, and points near threshold.
POINTS = [
    (91.1876, 0.1),
    (91.1876, 45.0),
    (91.2, 80.0),
    (160.0, 50.0),
    (205.4, 1.0),
    (205.4, 100.0),
    (240.0, 200.0),
    (360.0, 30.0),
    (360.0, 359.0),
    (30.0, 10.0),
]
D_GAMMA, D_Z, D_W = 1.3e-5, -2.1e-5, 2.7e-5


def numeric(rs, m, dg, dz, dw, **which):
    return ref.production_sigma(REF_EW, rs, m, dg, dz, dw, n_points=64, **which)


@pytest.mark.parametrize(("rs", "m"), POINTS)
def test_photon_z_and_w_pieces_match_dirac_amplitudes(rs, m):
    s_only = dict(wboson=False)
    assert sigma_gamma(rs, m, D_GAMMA, EW) == pytest.approx(numeric(rs, m, D_GAMMA, 0, 0, zboson=False, wboson=False), rel=1e-10)
    assert sigma_z(rs, m, D_Z, EW) == pytest.approx(numeric(rs, m, 0, D_Z, 0, photon=False, wboson=False), rel=1e-10)
    gz_numeric = numeric(rs, m, D_GAMMA, D_Z, 0, **s_only) - numeric(rs, m, D_GAMMA, 0, 0, **s_only) - numeric(rs, m, 0, D_Z, 0, **s_only)
    scale = numeric(rs, m, D_GAMMA, D_Z, 0, **s_only)
    assert sigma_gamma_z(rs, m, D_GAMMA, D_Z, EW) == pytest.approx(gz_numeric, rel=1e-8, abs=1e-12 * scale)
    assert sigma_w(rs, m, D_W, EW) == pytest.approx(numeric(rs, m, 0, 0, D_W, photon=False, zboson=False), rel=1e-10)


@pytest.mark.parametrize(("rs", "m"), POINTS)
@pytest.mark.parametrize("sign", [1, -1])
def test_st_interference_matches_dirac_amplitudes_and_flips_with_d_w(rs, m, sign):
    c = Couplings(D_GAMMA, D_Z, sign * D_W)
    full = numeric(rs, m, c.d_gamma, c.d_Z, c.d_W)
    s_only = numeric(rs, m, c.d_gamma, c.d_Z, 0)
    t_only = numeric(rs, m, 0, 0, c.d_W)
    expected = full - s_only - t_only
    got = float(sigma_st_interference(rs, m, c, EW))
    assert got == pytest.approx(expected, rel=1e-8, abs=1e-12 * full)
    assert math.copysign(1, got) == math.copysign(1, expected)
    flipped = float(sigma_st_interference(rs, m, Couplings(D_GAMMA, D_Z, -sign * D_W), EW))
    assert flipped == pytest.approx(-got, rel=1e-14)


def test_st_interference_is_not_negligible():
    # The paper says it vanishes; at LEP2 in scenario-II-like couplings it is tens of percent of sigma_W.
    c = Couplings(1e-5, 1.8e-5, 2.9e-5)
    ratio = float(sigma_st_interference(205.4, 100.0, c, EW) / sigma_w(205.4, 100.0, c.d_W, EW))
    assert abs(ratio) > 0.05


@pytest.mark.parametrize(("rs", "m"), [(91.1876, 10.0), (205.4, 100.0), (240.0, 30.0)])
def test_nbar_nu_equals_n_nubar_so_the_signal_is_twice_one_charge_state(rs, m):
    one = numeric(rs, m, D_GAMMA, D_Z, D_W)
    conjugate = numeric(rs, m, D_GAMMA, D_Z, D_W, conjugate=True)
    assert conjugate == pytest.approx(one, rel=1e-12)
    c = Couplings(D_GAMMA, D_Z, D_W)
    both = production_cross_sections(rs, m, c, "e", EW)
    assert both.total == pytest.approx((one + conjugate) * GEV2_TO_PB, rel=1e-9)


def test_production_pieces_per_flavour_and_options():
    c = Couplings(D_GAMMA, D_Z, D_W)
    e = production_cross_sections(205.4, 100.0, c, "e", EW)
    mu = production_cross_sections(205.4, 100.0, c, "mu", EW)
    paper = production_cross_sections(205.4, 100.0, c, "e", EW, st_interference=False)
    assert mu.W == 0 and mu.st_interference == 0 and e.W > 0 and e.st_interference != 0
    assert paper.st_interference == 0 and paper.total == pytest.approx(e.total - e.st_interference)
    assert mu.gamma == e.gamma and mu.Z == e.Z
    assert e.total == pytest.approx(sum(v for k, v in e.as_dict().items() if k != "total"))
    one = production_cross_sections(205.4, 100.0, c, "e", EW, charge_states=1)
    assert e.total == pytest.approx(2 * one.total)


@pytest.mark.parametrize("m", [0.0, 1.0, 40.0, 91.0])
def test_z_width_to_n_nubar_matches_dirac_amplitudes(m):
    assert float(width_z_to_n_nubar(m, 1e-3, EW)) == pytest.approx(ref.z_to_n_nubar_width(REF_EW, max(m, 1e-9), 1e-3), rel=1e-9)
    assert float(width_z_to_n_nubar(EW.m_Z + 1, 1e-3, EW)) == 0.0


@pytest.mark.parametrize("x", [1e-9, 1e-4, 0.01, 0.0499, 0.0501, 0.3, 1.0, 7.0, 50.0])
def test_log_kernels_against_high_precision(x):
    mpmath.mp.dps = 50
    xm = mpmath.mpf(x)
    f = (xm + 2) * mpmath.log1p(xm) - 2 * xm
    g = (1 + xm) * mpmath.log1p(xm) - xm - xm**2 / 2
    assert float(_w_kernel(x)) == pytest.approx(float(f), rel=1e-13)
    assert float(_st_kernel(x)) == pytest.approx(float(g), rel=1e-13)


@pytest.mark.parametrize("rs", [91.1876, 205.4, 360.0])
def test_threshold_and_massless_limits_are_finite_and_smooth(rs):
    c = Couplings(1e-5, 2e-5, 3e-5)
    near = [production_cross_sections(rs, rs * (1 - eps), c, "e", EW).total for eps in (1e-3, 1e-6, 1e-9)]
    assert all(np.isfinite(near)) and near[0] > near[1] > near[2] >= 0
    at = production_cross_sections(rs, rs, c, "e", EW)
    assert at.total == 0.0
    light = production_cross_sections(rs, 1e-9, c, "e", EW).total
    massless = production_cross_sections(rs, 0.0, c, "e", EW).total
    assert light == pytest.approx(massless, rel=1e-12)


@pytest.mark.parametrize("d", [1e-12, 1e-7, 1e-3, 1e-1])
def test_cross_sections_scale_as_d_squared_over_the_whole_range(d):
    base = production_cross_sections(205.4, 100.0, Couplings(1.0, 1.5, -0.7), "e", EW)
    scaled = production_cross_sections(205.4, 100.0, Couplings(d, 1.5 * d, -0.7 * d), "e", EW)
    assert np.isfinite(scaled.total) and scaled.total == pytest.approx(base.total * d * d, rel=1e-12)
