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

from mcgen.io.output import jsonable, write_all
from mcgen.io.particles import (
    PAD,
    SpooledEvents,
    choose,
    decay_vertex_mm,
    fmt_float,
    fmt_int,
    join,
    particles,
    squeeze,
    with_event_frame,
)

__all__ = ["HepmcWriter", "write_hepmc"]

_COPY_BYTES = 1 << 24  # the spooled events are copied after the run info 16 MB at a time
_NUMBER_WIDTH = 20  # digits of an event number before the padding is squeezed out (int64 has 19)
_XSEC_PLACEHOLDER = b"\x01mcgen-cross-section\x01"  # in each spooled event, replaced when the run's sigma is known
_DIGITS = 15  # 16 significant digits, as HepMC3's own writer (momenta round-trip to ~1e-16)


def _escape(text: str) -> str:
    """HepMC3's escaping of run-info strings: backslash doubled, newline as ``\\|``."""
    return text.replace("\\", "\\\\").replace("\n", "\\|")


class HepmcWriter(SpooledEvents):
    """Streams events into a HepMC3 ASCII file batch by batch, in bounded memory: the events are
    formatted as they come into a spool file (unnamed, in ``spool_dir``), and ``close`` writes the
    run info, whose metadata is known only then, and copies the events after it, with every event's
    cross section (known only then too) in place of a placeholder. e- e+ (status 4) -> N (2) + nu (1)
    at the origin, N -> gamma nu (1) at the sampled decay vertex, whose time is c*t_lab; generated
    masses are exact (0 for the massless beams, neutrinos and photon, m_N for the N). With
    ``cross_section`` every event carries the cross section the weights average to (as LHE's XSECUP)
    and its error; the run info names the tool, the weight (weight_pb) and holds the metadata JSON as
    the attribute ``mcgen_metadata``."""

    def __init__(self, path: Path, *, mass: float, flavour: str, nature: str = "dirac", cross_section: bool = True,
                 crossing_angle: float = 0.0, spool_dir: str | Path | None = None) -> None:
        super().__init__(path, spool_dir)
        self._mass, self._flavour, self._nature, self._crossing = mass, flavour, nature, crossing_angle
        self._xsec = b"A 0 GenCrossSection " + _XSEC_PLACEHOLDER + b"\n" if cross_section else b""

    def format_events(self, cols: dict[str, np.ndarray], sl: slice) -> Any:
        # numbered after the earlier batches
        return _events(cols, sl, self._mass, self._flavour, self._nature, self._xsec, self.tally.n, self._crossing)

    def close(self, summary: dict[str, Any] | None, metadata: dict[str, Any]) -> None:
        metadata = with_event_frame(metadata, self._crossing)
        version = str(metadata["version"])
        head = ("HepMC::Version 3.02.05\nHepMC::Asciiv3-START_EVENT_LISTING\nW weight_pb\n"
                f"T mcgen\\|{_escape(version)}\\|HNL dipole portal\n"
                f"A mcgen_metadata {_escape(json.dumps(metadata, default=jsonable))}\n")
        value = b""
        if self._xsec:
            if summary is None:
                raise ValueError("a HepMC3 file with cross sections needs the run's summary")
            sigma, sigma_err = self.tally.cross_section(bool(metadata["weighted"]), summary)
            value = f"{sigma!r} {sigma_err!r} {self.tally.n} {self.tally.n}".encode()
        try:
            with open(self._path, "wb") as out:
                out.write(head.encode())
                self._body.seek(0)
                rest = b""
                while block := self._body.read(_COPY_BYTES):
                    block = rest + block
                    cut = block.rfind(b"\n") + 1  # whole lines only: no placeholder is split between two blocks
                    out.write(block[:cut].replace(_XSEC_PLACEHOLDER, value))
                    rest = block[cut:]
                out.write(rest)
                out.write(b"HepMC::Asciiv3-END_EVENT_LISTING\n")
        finally:
            self._body.close()


def write_hepmc(path: Path, cols: dict[str, np.ndarray], metadata: dict[str, Any], flavour: str,
                summary: dict[str, Any] | None = None) -> None:
    """Events in memory as a HepMC3 file (``HepmcWriter`` in one batch); with ``summary`` every
    event carries the cross section."""
    writer = HepmcWriter(path, mass=float(metadata["model"]["mass_GeV"]), flavour=flavour,
                         nature=metadata["model"].get("nature", "dirac"), cross_section=summary is not None,
                         crossing_angle=float(metadata["beam"].get("crossing_angle_rad", 0.0)), spool_dir=Path(path).parent)
    write_all(writer, cols, summary, metadata)


def _events(cols: dict[str, np.ndarray], sl: slice, mass: float, flavour: str, nature: str, xsec: bytes, first: int,
            crossing_angle: float) -> bytes:
    """The events ``sl`` as text, numbered from ``first`` + sl.start; what is the same in every event
    is formatted once. With a crossing angle, momenta and the decay vertex are in the head-on frame."""
    p = particles(cols, mass, flavour, sl, nature, crossing_angle)
    rows = len(p.e)
    vx, vy, vz, t_mm = decay_vertex_mm(cols, sl, crossing_angle)  # t: c * t_lab = flight / beta

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
        b"E ", fmt_int(np.arange(first + sl.start, first + sl.stop), _NUMBER_WIDTH, PAD), b" 2 6\nU GEV MM\nW ",
        num(cols["weight_pb"][sl]), b"\n", xsec,
        b"P 1 0 11 ", zeros, e_beam, b" ", e_beam, tail(0, 4), b"P 2 0 -11 ", zeros, pz_beam2, b" ", e_beam2, tail(1, 4),
        b"V -1 0 [1,2]\n", *particle(2, -1, 2), *particle(3, -1, 1),
        b"V -2 0 [3] @ ", num(vx), b" ", num(vy), b" ", num(vz),
        b" ", num(t_mm), b"\n", *particle(4, -2, 1), *particle(5, -2, 1),
    ], rows))
