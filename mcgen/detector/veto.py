"""Which particles a detector does not see: what makes an event with other particles look like a
single photon (the reducible backgrounds).

A particle is lost when its energy is below ``veto_energy_min``, when it flies closer to the beam
than the vetoes reach (abs(cos theta) > ``veto_abs_cos_max``, by default the calorimeter's own reach), or
when it falls in a gap between the calorimeter's coverage bands (nothing there sees it). Anything else
is seen: by the calorimeter inside its coverage, by the vetoes between the coverage's edge and their
reach. Angles are the lab's.
"""

from __future__ import annotations

import numpy as np

from mcgen.config.cards import Detector

__all__ = ["veto_reach", "lost"]


def veto_reach(det: Detector) -> float:
    """The abs(cos theta) up to which a particle above the energy threshold is seen."""
    return det.abs_cos_reach if det.veto_abs_cos_max is None else det.veto_abs_cos_max


def lost(det: Detector, energy: np.ndarray, cos_theta: np.ndarray) -> np.ndarray:
    """Per particle (lab energy in GeV, lab cos theta): whether the detector misses it.

    >>> import mcgen
    >>> det = mcgen.load_card("belle2").detector  # ECL bands with gaps near 32 and 130 deg
    >>> lost(det, np.array([1.0, 1.0, 1.0]), np.cos(np.radians([90.0, 31.8, 170.0]))).tolist()
    [False, True, True]
    """
    e, c = np.asarray(energy, dtype=float), np.asarray(cos_theta, dtype=float)
    bands = det.coverage_cos_bands
    in_band = np.zeros(c.shape, dtype=bool)
    for lo, hi in bands:
        in_band |= (c > lo) & (c < hi)
    in_gap = (c > bands[0][0]) & (c < bands[-1][1]) & ~in_band
    return (e < det.veto_energy_min) | (np.abs(c) > veto_reach(det)) | in_gap
