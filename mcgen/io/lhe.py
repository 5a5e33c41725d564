"""Les Houches event files (pylhe)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from mcgen.errors import MissingExtraError
from mcgen.io.output import jsonable
from mcgen.io.particles import event_particles

__all__ = ["write_lhe"]


def write_lhe(path: Path, cols: dict[str, np.ndarray], summary: dict[str, Any], metadata: dict[str, Any], flavour: str) -> None:
    """Les Houches events (pylhe). The N carries its proper decay length c*t in mm in VTIMUP."""
    try:
        import pylhe
    except ImportError:
        raise MissingExtraError("LHE output needs the optional package pylhe: pip install 'mcgen[io]'") from None

    weighted = metadata["weighted"]
    sqrt_s = metadata["sqrt_s"]
    init = pylhe.LHEInit(
        initInfo=pylhe.LHEInitInfo(11, -11, sqrt_s / 2, sqrt_s / 2, 0, 0, 0, 0, 4 if weighted else 3, 1),
        procInfo=[pylhe.LHEProcInfo(summary["sigma_pb"], summary["sigma_err_pb"], summary["sigma_pb"], 1)],
        generators=[pylhe.LHEGenerator("mcgen", str(metadata["version"]), "HNL dipole portal")],
    )
    alpha = metadata["electroweak"]["alpha"]

    def events():
        for i in range(len(cols["weight_pb"])):
            parts = event_particles(cols, i, flavour)
            p_n = math.hypot(cols["N_px"][i], cols["N_py"][i], cols["N_pz"][i])
            proper_mm = 1e3 * cols["flight_m"][i] * parts[2][7] / p_n
            particles = [
                pylhe.LHEParticle(pid, status, m1 + 1 if m1 >= 0 else 0, m1 + 1 if m1 >= 0 else 0, 0, 0,
                                  px, py, pz, e, m, proper_mm if k == 2 else 0.0, 9.0)
                for k, (pid, status, m1, px, py, pz, e, m) in enumerate(parts)
            ]
            info = pylhe.LHEEventInfo(len(particles), 1, float(cols["weight_pb"][i]), sqrt_s, alpha, 0.0)
            yield pylhe.LHEEvent(eventinfo=info, particles=particles)

    lhe = pylhe.LHEFile(init=init, events=events(), comment="mcgen " + json.dumps(metadata, default=jsonable))
    with open(path, "w", encoding="utf-8") as stream:
        lhe.write(stream)
