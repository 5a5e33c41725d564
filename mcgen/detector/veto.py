"""Which particles a detector does not see: what makes an event with other particles look like a
single photon (the reducible backgrounds).

A particle is lost when its energy is below ``veto_energy_min``, or when it flies where nothing sees
it: outside the calorimeter's coverage bands (down the beam pipe, through a gap between barrel and
endcaps), unless vetoes (forward calorimeters) are given, ``veto_abs_cos_max``: then a particle
outside the coverage is seen by them up to that abs(cos theta), and only the gaps between the
coverage bands and the region beyond the vetoes lose it. Angles are the lab's.
"""

from __future__ import annotations

import numpy as np

from mcgen.config.cards import Detector

__all__ = ["veto_reach", "lost", "in_calorimeter", "lost_cos_bands"]


def veto_reach(det: Detector) -> float | None:
    """The abs(cos theta) up to which vetoes see a particle above the energy threshold outside the
    calorimeter's coverage; None without vetoes (only the calorimeter sees)."""
    return det.veto_abs_cos_max


def _in_bands(det: Detector, c: np.ndarray) -> np.ndarray:
    in_band = np.zeros(c.shape, dtype=bool)
    for lo, hi in det.coverage_cos_bands:
        in_band |= (c > lo) & (c < hi)
    return in_band


def in_calorimeter(det: Detector, energy: np.ndarray, cos_theta: np.ndarray) -> np.ndarray:
    """Per particle: whether the calorimeter itself sees it (inside a coverage band, above the energy threshold):
    where a single-photon candidate must be. A photon that only the vetoes see is seen, but is no candidate.

    >>> import mcgen
    >>> det = mcgen.load_card("lep2_delphi").detector  # vetoes (the STIC) beyond the calorimeter
    >>> in_calorimeter(det, np.array([5.0, 5.0]), np.array([0.5, 0.995])).tolist(), lost(det, np.array([5.0]), np.array([0.995])).tolist()
    ([True, False], [False])
    """
    e, c = np.asarray(energy, dtype=float), np.asarray(cos_theta, dtype=float)
    return (e >= det.veto_energy_min) & _in_bands(det, c)


def lost(det: Detector, energy: np.ndarray, cos_theta: np.ndarray) -> np.ndarray:
    """Per particle (lab energy in GeV, lab cos theta): whether the detector misses it.

    >>> import mcgen
    >>> det = mcgen.load_card("belle2").detector  # ECL bands with gaps near 32 and 130 deg, no vetoes
    >>> lost(det, np.array([1.0, 1.0, 1.0, 1.0]), np.cos(np.radians([90.0, 31.8, 160.0, 170.0]))).tolist()
    [False, True, True, True]
    """
    e, c = np.asarray(energy, dtype=float), np.asarray(cos_theta, dtype=float)
    bands = det.coverage_cos_bands
    in_band = _in_bands(det, c)
    reach = veto_reach(det)
    if reach is None:
        unseen = ~in_band
    else:
        unseen = ((c > bands[0][0]) & (c < bands[-1][1]) & ~in_band) | (np.abs(c) > reach)  # a gap, or beyond the vetoes
    return (e < det.veto_energy_min) | unseen


def lost_cos_bands(det: Detector) -> tuple[tuple[float, float], ...]:
    """The cos(theta) intervals (low, high), increasing, where :func:`lost` loses a particle above the energy
    threshold: the gaps between the coverage bands and, beyond them, all (no vetoes) or what lies beyond the vetoes.

    >>> import mcgen
    >>> bands = lost_cos_bands(mcgen.load_card("belle2").detector)
    >>> [tuple(round(float(np.degrees(np.arccos(c))), 1) for c in band[::-1]) for band in bands]  # theta, deg
    [(155.1, 180.0), (128.7, 130.7), (31.4, 32.2), (0.0, 12.4)]
    """
    bands = det.coverage_cos_bands
    reach = veto_reach(det)
    edges = [(-1.0, bands[0][0])] if reach is None else [(-1.0, -reach)]
    edges += [(a[1], b[0]) for a, b in zip(bands, bands[1:])]
    edges += [(bands[-1][1], 1.0)] if reach is None else [(reach, 1.0)]
    return tuple((lo, hi) for lo, hi in edges if hi > lo)
