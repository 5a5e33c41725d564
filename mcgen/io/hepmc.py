"""HepMC3 ASCII event files (pyhepmc)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from mcgen.errors import MissingExtraError
from mcgen.io.particles import event_particles

__all__ = ["write_hepmc"]


def write_hepmc(path: Path, cols: dict[str, np.ndarray], metadata: dict[str, Any], flavour: str) -> None:
    """HepMC3 ASCII events (pyhepmc) with the production vertex at the origin and the N
    decay vertex at its sampled position (mm)."""
    try:
        import pyhepmc
    except ImportError:
        raise MissingExtraError("HepMC3 output needs the optional package pyhepmc: pip install 'mcgen[io]'") from None

    run = pyhepmc.GenRunInfo()
    run.tools = [pyhepmc.GenRunInfo.ToolInfo("mcgen", str(metadata["version"]), "HNL dipole portal")]
    run.weight_names = ["weight_pb"]
    with pyhepmc.open(path, "w") as out:
        for i in range(len(cols["weight_pb"])):
            ev = pyhepmc.GenEvent(pyhepmc.Units.GEV, pyhepmc.Units.MM)
            ev.run_info = run
            ev.event_number = i
            parts = [pyhepmc.GenParticle(pyhepmc.FourVector(px, py, pz, e), pid, 4 if status == -1 else status)
                     for pid, status, _m, px, py, pz, e, _mass in event_particles(cols, i, flavour)]
            production = pyhepmc.GenVertex()
            for p in parts[:2]:
                production.add_particle_in(p)
            for p in parts[2:4]:
                production.add_particle_out(p)
            p_n = math.hypot(cols["N_px"][i], cols["N_py"][i], cols["N_pz"][i])
            ct_mm = 1e3 * cols["flight_m"][i] * cols["N_E"][i] / p_n
            position = pyhepmc.FourVector(1e3 * cols["vtx_x"][i], 1e3 * cols["vtx_y"][i], 1e3 * cols["vtx_z"][i], ct_mm)
            decay = pyhepmc.GenVertex(position)
            decay.add_particle_in(parts[2])
            for p in parts[4:]:
                decay.add_particle_out(p)
            ev.add_vertex(production)
            ev.add_vertex(decay)
            ev.weights = [float(cols["weight_pb"][i])]
            out.write(ev)
