"""Longitudinally polarised beams (docs/physics/beams.md).

For massless beams only the opposite-helicity pairs annihilate through the vector and axial
currents: e-_L e+_R and e-_R e+_L. With P- and P+ the longitudinal polarisations of the e- and
the e+ (P = -1: a left-handed beam, P = +1: right-handed), the rate is

    sigma(P-, P+) = [(1 - P-)(1 + P+) sigma_LR + (1 + P-)(1 - P+) sigma_RL] / 4,

sigma_LR, sigma_RL the rates of fully polarised beams; unpolarised beams average the four
configurations (sigma_LL = sigma_RR = 0). The kernels carry the two weights f_L, f_R of
:func:`helicity_weights` on the e-_L and e-_R amplitudes squared (both 1 for unpolarised beams,
so that the unpolarised case is today's arithmetic exactly).
"""

from __future__ import annotations

__all__ = ["helicity_weights", "HELICITY_CONFIGURATIONS"]

HELICITY_CONFIGURATIONS: dict[str, tuple[float, float]] = {
    "LR": (-1.0, 1.0), "RL": (1.0, -1.0), "LL": (-1.0, -1.0), "RR": (1.0, 1.0),
}
"""(P-, P+) of the four fully polarised configurations, named e- helicity then e+ helicity."""


def helicity_weights(p_electron: float, p_positron: float) -> tuple[float, float]:
    """(f_L, f_R) = ((1 - P-)(1 + P+), (1 + P-)(1 - P+)): the weights of the e-_L e+_R and
    e-_R e+_L rates relative to unpolarised beams.

    >>> helicity_weights(0.0, 0.0), helicity_weights(-0.8, 0.3)
    ((1.0, 1.0), (2.3400000000000003, 0.13999999999999996))
    """
    return (1.0 - p_electron) * (1.0 + p_positron), (1.0 + p_electron) * (1.0 - p_positron)
