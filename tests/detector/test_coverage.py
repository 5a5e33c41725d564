"""The toy detector's coverage as polar-angle bands in the lab (barrel and endcaps with gaps)."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

import mcgen
from mcgen.detector.toy import kernel_params, measure
from mcgen.errors import CardError

ECL_BANDS = "[[12.4, 31.4], [32.2, 128.7], [130.7, 155.1]]"
"""Belle II's ECL: forward endcap, barrel, backward endcap (deg)."""


def _perfect(bands: str):
    return mcgen.load_card("cepc_z", (f"detector.coverage_theta_deg={bands}", "detector.abs_cos_coverage=1",
                                      "detector.energy_stochastic=0",
                                      "detector.energy_constant=0", "detector.angle_resolution_rad=0",
                                      "detector.photon_efficiency=1"))


def test_photons_are_detected_inside_the_bands_only():
    card = _perfect(ECL_BANDS)
    theta = np.linspace(0.05, 179.95, 3599)
    zero, one = np.zeros(theta.size), np.ones(theta.size)
    t = np.radians(theta)
    seen = measure(kernel_params(card.detector), (zero, zero, zero), (one, np.sin(t), zero, np.cos(t)), zero, zero,
                   zero)["reconstructed"]
    expected = ((theta > 12.4) & (theta < 31.4)) | ((theta > 32.2) & (theta < 128.7)) | ((theta > 130.7) & (theta < 155.1))
    near_edge = np.min(np.abs(theta[:, None] - np.array([12.4, 31.4, 32.2, 128.7, 130.7, 155.1])), axis=1) < 1e-9
    assert np.array_equal(seen[~near_edge], expected[~near_edge])
    assert 0.6 < seen.mean() < 0.9 and not seen[(theta > 31.5) & (theta < 32.1)].any()  # the gap
    assert card.detector.abs_cos_reach == pytest.approx(math.cos(math.radians(12.4)))


def test_one_band_is_abs_cos_coverage():
    """A symmetric band [theta, 180 - theta] measures as abs_cos_coverage = cos(theta) does."""
    c = 0.8
    band = _perfect(f"[[{math.degrees(math.acos(c))}, {180 - math.degrees(math.acos(c))}]]")
    plain = mcgen.load_card("cepc_z", (f"detector.abs_cos_coverage={c}", "detector.energy_stochastic=0",
                                       "detector.energy_constant=0", "detector.angle_resolution_rad=0",
                                       "detector.photon_efficiency=1"))
    cos_t = np.linspace(-0.999, 0.999, 2001)
    cos_t = cos_t[np.abs(np.abs(cos_t) - c) > 1e-9]
    zero, one = np.zeros(cos_t.size), np.ones(cos_t.size)
    k = (one, np.sqrt(1 - cos_t**2), zero, cos_t)
    a = measure(kernel_params(band.detector), (zero, zero, zero), k, zero, zero, zero)["reconstructed"]
    b = measure(kernel_params(plain.detector), (zero, zero, zero), k, zero, zero, zero)["reconstructed"]
    assert np.array_equal(a, b) and a.mean() == pytest.approx(0.8, abs=0.01)


@pytest.mark.parametrize("bands", ["[[10, 40], [30, 120]]", "[[50, 120], [10, 40]]", "[[40, 40]]", "[[-1, 40]]",
                                   "[[10, 190]]", "[[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]]", "[[1, 2, 3]]", "[]",
                                   "[[true, 40]]"])
def test_bad_bands_are_refused(bands):
    with pytest.raises(CardError, match="coverage_theta_deg"):
        mcgen.load_card("cepc_z", (f"detector.coverage_theta_deg={bands}", "detector.abs_cos_coverage=1"))


def test_bands_and_abs_cos_coverage_together_are_refused():
    with pytest.raises(CardError, match="not both"):
        mcgen.load_card("cepc_z", (f"detector.coverage_theta_deg={ECL_BANDS}",))  # cepc_z sets abs_cos_coverage = 0.99


def test_overlapping_bands_on_the_command_line_exit_2():
    run = subprocess.run([sys.executable, "-m", "mcgen", "info", "--card", "cepc_z", "--mass", "1", "--dgamma", "1e-6",
                          "--flavor", "mu", "--set", "detector.coverage_theta_deg=[[10, 40], [30, 120]]",
                          "--set", "detector.abs_cos_coverage=1"],
                         capture_output=True, text=True)
    assert run.returncode == 2 and len(run.stderr.strip().splitlines()) == 1 and "not overlapping" in run.stderr


@pytest.mark.parametrize("overrides", [(), ("detector.veto_abs_cos_max=0.999",)])
@pytest.mark.parametrize("card_name", ["belle2", "cepc_z", "lep2_delphi", "besiii"])
def test_the_lost_bands_are_where_particles_are_lost(card_name, overrides):
    """mcgen.detector.veto.lost_cos_bands (where the e+e- gamma generator samples lost leptons) against lost() itself
    on a fine grid of cos theta: the same verdict everywhere but on the bands' edges."""
    from mcgen.detector.veto import lost, lost_cos_bands

    det = mcgen.load_card(card_name, overrides).detector
    c = np.linspace(-1.0, 1.0, 400_001)[1:-1]
    bands = lost_cos_bands(det)
    in_bands = np.zeros(c.shape, dtype=bool)
    for lo, hi in bands:
        in_bands |= (c > lo) & (c < hi)
    edges = np.array([e for band in bands for e in band])
    away = np.min(np.abs(c[:, None] - edges[None, :]), axis=1) > 1e-9
    assert np.array_equal(in_bands[away], lost(det, np.full(c.size, 1.0), c)[away])
    assert all(hi > lo for lo, hi in bands) and all(a[1] <= b[0] for a, b in zip(bands, bands[1:]))
