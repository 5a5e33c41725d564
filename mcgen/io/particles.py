"""One signal event as a particle list (beams, N, recoil nu, photon, decay nu), shared by the LHE
and HepMC3 writers."""

from __future__ import annotations

import math

import numpy as np

__all__ = ["N_PDG_ID", "NU_PDG_ID", "event_particles"]

N_PDG_ID = 9900012
"""PDG-style code used for the heavy neutral lepton (its antiparticle is negative)."""
NU_PDG_ID = {"e": 12, "mu": 14, "tau": 16}


def event_particles(cols: dict[str, np.ndarray], i: int, flavour: str):
    """(pid, status, mother index or -1, px, py, pz, E, m) of e-, e+, N, nubar, gamma, nu."""
    sign = -1 if cols["anti"][i] else 1
    nu = NU_PDG_ID[flavour]
    e_beam = 0.5 * (cols["N_E"][i] + math.hypot(cols["nu_recoil_px"][i], cols["nu_recoil_py"][i], cols["nu_recoil_pz"][i]))
    recoil = (cols["nu_recoil_px"][i], cols["nu_recoil_py"][i], cols["nu_recoil_pz"][i])
    n_mass = math.sqrt(max(cols["N_E"][i] ** 2 - cols["N_px"][i] ** 2 - cols["N_py"][i] ** 2 - cols["N_pz"][i] ** 2, 0.0))
    return [
        (11, -1, -1, 0.0, 0.0, e_beam, e_beam, 0.0),
        (-11, -1, -1, 0.0, 0.0, -e_beam, e_beam, 0.0),
        (sign * N_PDG_ID, 2, 0, cols["N_px"][i], cols["N_py"][i], cols["N_pz"][i], cols["N_E"][i], n_mass),
        (-sign * nu, 1, 0, *recoil, math.hypot(*recoil), 0.0),
        (22, 1, 2, cols["gamma_px"][i], cols["gamma_py"][i], cols["gamma_pz"][i], cols["gamma_E"][i], 0.0),
        (sign * nu, 1, 2, cols["nu_decay_px"][i], cols["nu_decay_py"][i], cols["nu_decay_pz"][i], cols["nu_decay_E"][i], 0.0),
    ]


