"""HepMC3 ASCII (Asciiv3) event files, written with vectorised formatting; read by pyhepmc / HepMC3.

The layout is the one HepMC3's WriterAscii gives these events (checked by reading back with pyhepmc):
run info (W weight names, T tools, A attributes), then per event E, U, W, the cross section as the
event attribute ``GenCrossSection``, and the P/V lines of the production and the N decay vertices.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from mcgen.io.output import jsonable
from mcgen.io.particles import PAD, choose, events_cross_section, fmt_float, fmt_int, join, particles, squeeze

__all__ = ["write_hepmc"]

_CHUNK = 20_000  # events formatted at a time
_DIGITS = 15  # 16 significant digits, as HepMC3's own writer (momenta round-trip to ~1e-16)


def _escape(text: str) -> str:
    """HepMC3's escaping of run-info strings: backslash doubled, newline as ``\\|``."""
    return text.replace("\\", "\\\\").replace("\n", "\\|")


def write_hepmc(path: Path, cols: dict[str, np.ndarray], metadata: dict[str, Any], flavour: str,
                summary: dict[str, Any] | None = None) -> None:
    """HepMC3 ASCII events (GeV, mm): e- e+ (status 4) -> N (2) + nu (1) at the origin, N -> gamma nu (1)
    at the sampled decay vertex, whose time is c*t_lab. Generated masses are exact (0 for the massless
    beams, neutrinos and photon, m_N for the N). With ``summary`` every event carries the cross section
    the weights average to (as LHE's XSECUP) and its error; the run info names the tool, the weight (weight_pb) and holds the
    metadata JSON as the attribute ``mcgen_metadata``."""
    mass = float(metadata["model"]["mass_GeV"])
    version = str(metadata["version"])
    head = ("HepMC::Version 3.02.05\nHepMC::Asciiv3-START_EVENT_LISTING\nW weight_pb\n"
            f"T mcgen\\|{_escape(version)}\\|HNL dipole portal\n"
            f"A mcgen_metadata {_escape(json.dumps(metadata, default=jsonable))}\n")
    n = len(cols["weight_pb"])
    xsec = b""
    if summary is not None:
        sigma, sigma_err = events_cross_section(np.asarray(cols["weight_pb"], dtype=float), bool(metadata["weighted"]), summary)
        xsec = f"A 0 GenCrossSection {sigma!r} {sigma_err!r} {n} {n}\n".encode()
    with open(path, "wb") as out:
        out.write(head.encode())
        for start in range(0, n, _CHUNK):
            sl = slice(start, min(start + _CHUNK, n))
            out.write(_events(cols, sl, mass, flavour, xsec, len(str(n))))
        out.write(b"HepMC::Asciiv3-END_EVENT_LISTING\n")


def _events(cols: dict[str, np.ndarray], sl: slice, mass: float, flavour: str, xsec: bytes, number_width: int) -> bytes:
    """The events ``sl`` as text; what is the same in every event is formatted once."""
    p = particles(cols, mass, flavour, sl)
    rows = len(p.e)
    p_n = np.sqrt(p.px[:, 2] ** 2 + p.py[:, 2] ** 2 + p.pz[:, 2] ** 2)
    t_mm = 1e3 * cols["flight_m"][sl] * p.e[:, 2] / p_n  # c * t_lab = flight / beta

    def num(x: np.ndarray) -> np.ndarray:
        return fmt_float(x, _DIGITS, PAD)

    def tail(k: int, status: int) -> bytes:
        return f" {float(p.mass[k])!r} {status}\n".encode()  # repr: the exact generated mass

    def particle(k: int, vertex: int, status: int) -> list[bytes | np.ndarray]:
        pid = int(abs(p.pid[0, k])) if rows else 0
        return [choose(p.pid[:, k] > 0, f"P {k + 1} {vertex} {pid} ".encode(), f"P {k + 1} {vertex} {-pid} ".encode(), PAD),
                num(p.px[:, k]), b" ", num(p.py[:, k]), b" ", num(p.pz[:, k]), b" ", num(p.e[:, k]), tail(k, status)]

    e_beam, e_beam2 = num(p.e[:, 0]), num(p.e[:, 1])  # unequal with beam effects (ISR, spread)
    pz_beam2 = e_beam2.copy()
    pz_beam2[:, 0] = ord("-")
    zeros = f"{0.0:.{_DIGITS}e} {0.0:.{_DIGITS}e} ".encode()

    # exactly one space between fields: HepMC3's reader steps from space to space
    return squeeze(join([
        b"E ", fmt_int(np.arange(sl.start, sl.stop), number_width, PAD), b" 2 6\nU GEV MM\nW ", num(cols["weight_pb"][sl]), b"\n", xsec,
        b"P 1 0 11 ", zeros, e_beam, b" ", e_beam, tail(0, 4), b"P 2 0 -11 ", zeros, pz_beam2, b" ", e_beam2, tail(1, 4),
        b"V -1 0 [1,2]\n", *particle(2, -1, 2), *particle(3, -1, 1),
        b"V -2 0 [3] @ ", num(1e3 * cols["vtx_x"][sl]), b" ", num(1e3 * cols["vtx_y"][sl]), b" ", num(1e3 * cols["vtx_z"][sl]),
        b" ", num(t_mm), b"\n", *particle(4, -2, 1), *particle(5, -2, 1),
    ], rows))
