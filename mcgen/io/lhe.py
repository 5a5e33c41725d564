"""Les Houches event files (LHEF 3.0), written with vectorised formatting; read by pylhe and Pythia 8.

The header declares the N for Pythia in an ``<slha>`` block (QNUMBERS for a Dirac N, MASS, DECAY) and holds
the run metadata as JSON in ``<mcgen>``: the JSON has ``<``, ``>`` and ``&`` escaped as ``\\u003c``
etc., so no card value can break the XML (and JSON readers see the same text).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from mcgen.io.output import copy_file, jsonable, write_all
from mcgen.io.particles import (
    N_PARTICLES,
    NU_PDG_ID,
    SpooledEvents,
    WeightTally,
    choose,
    file_beam_energies,
    fmt_float,
    join,
    lab_momentum,
    n_pdg_id,
    n_width_gev,
    particles,
    with_event_frame,
)
from mcgen.mc.beams import SPREAD_CUT

__all__ = ["LheWriter", "write_lhe", "xml_safe_json"]

_PYTHIA_MIN_WIDTH = 1e-20  # GeV, Pythia's default ResonanceWidths:minWidth
_STATUS = np.array([-1, -1, 2, 1, 1, 1])
_MOTHERS = np.array([[0, 0], [0, 0], [1, 2], [1, 2], [3, 3], [3, 3]])  # 1-based; N and recoil nu come from both beams


def xml_safe_json(obj: Any) -> str:
    """JSON text with no ``<``, ``>`` or ``&`` (escaped as JSON \\u escapes, which only occur inside
    strings): safe as XML character data, and ``json.loads`` gives ``obj`` back.

    >>> xml_safe_json({"cut": "a<b && c-->d]]>"})
    '{"cut": "a\\\\u003cb \\\\u0026\\\\u0026 c--\\\\u003ed]]\\\\u003e"}'
    """
    text = json.dumps(obj, default=jsonable, ensure_ascii=True)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _slha(mass: float, width: float, br: float, flavour: str, nature: str) -> str:
    """The SLHA blocks that make the N known to Pythia 8 (which reads ``<slha>`` from the LHEF header).
    A Dirac N is declared (QNUMBERS); a Majorana one is Pythia's own nu_R of the flavour, whose mass and
    width are set, and which decays to nu gamma and nubar gamma alike. A width below Pythia's
    ResonanceWidths:minWidth (1e-20 GeV) is written as 0, which Pythia takes without a warning; the
    decays are in the events anyway, their proper times in VTIMUP."""
    nu = NU_PDG_ID[flavour]
    code = n_pdg_id(flavour, nature)
    shown = width if width >= _PYTHIA_MIN_WIDTH else 0.0
    rest = "; the rest are three-body channels mcgen does not write"
    declare = ("" if nature == "majorana" else
               f"BLOCK QNUMBERS {code}  # N\n"
               "     1     0   # 3 times the electric charge\n"
               "     2     2   # number of spin states (2S+1)\n"
               "     3     1   # colour representation (1: singlet)\n"
               "     4     1   # particle/antiparticle distinction (Dirac N)\n")
    if nature == "majorana":
        channels = (f"     {br / 2:.10e}   2   {nu}   22   # BR(N -> nu gamma)\n"
                    f"     {br / 2:.10e}   2   {-nu}   22   # BR(N -> nubar gamma){rest}\n")
    else:
        channels = f"     {br:.10e}   2   {nu}   22   # BR(N -> nu gamma){rest}\n"
    return (declare + "BLOCK MASS\n"
            f"  {code}   {mass:.10e}   # N ({nature})\n"
            f"DECAY  {code}   {shown:.10e}   # N total width: {width:.10e} GeV\n" + channels)


class LheWriter(SpooledEvents):
    """Streams events into a Les Houches file batch by batch, in bounded memory: the events are
    formatted as they come into a spool file (unnamed, in ``spool_dir``), and ``close`` writes the
    header, whose cross section, largest weight and metadata are known only then, and copies the events
    after it. Beams e- e+ (status -1), N and the recoil nu from both (mothers 1 2), the photon and the
    decay nu from the N (3 3); the N carries its proper decay length c*tau in mm in VTIMUP. Unweighted
    events have IDWTUP 3, weighted ones 4 (weights in pb averaging to sigma)."""

    def __init__(self, path: Path, *, mass: float, flavour: str, sqrt_s: float, alpha: float, nature: str = "dirac",
                 crossing_angle: float = 0.0, spool_dir: str | Path | None = None) -> None:
        super().__init__(path, spool_dir)
        self._mass, self._flavour, self._nature, self._crossing = mass, flavour, nature, crossing_angle
        # the event line's constant tail: SCALUP = sqrt(s), AQEDUP, AQCDUP = 0
        self._tail = f" {sqrt_s:.10e} {alpha:.10e} {0.0:.10e}\n".encode()

    def format_events(self, cols: dict[str, np.ndarray], sl: slice) -> Any:
        return _events(cols, sl, self._mass, self._flavour, self._nature, self._tail, self._crossing).data  # no copy

    def close(self, summary: dict[str, Any], metadata: dict[str, Any]) -> None:
        try:
            with open(self._path, "wb") as out:
                out.write(_header(self.tally, summary, with_event_frame(metadata, self._crossing), self._flavour).encode())
                out.flush()
                copy_file(self._body, out)
                out.write(b"</LesHouchesEvents>\n")
        finally:
            self._body.close()


def write_lhe(path: Path, cols: dict[str, np.ndarray], summary: dict[str, Any], metadata: dict[str, Any], flavour: str) -> None:
    """Events in memory as a Les Houches file (``LheWriter`` in one batch)."""
    writer = LheWriter(path, mass=float(metadata["model"]["mass_GeV"]), flavour=flavour, sqrt_s=float(metadata["sqrt_s"]),
                       alpha=float(metadata["electroweak"]["alpha"]), nature=metadata["model"].get("nature", "dirac"),
                       crossing_angle=float(metadata["beam"].get("crossing_angle_rad", 0.0)), spool_dir=Path(path).parent)
    write_all(writer, cols, summary, metadata)


def _header(tally: WeightTally, summary: dict[str, Any], metadata: dict[str, Any], flavour: str) -> str:
    """The header and the init block: the run metadata, the N for Pythia (SLHA), the beams and the
    cross section the events' weights average to."""
    weighted = bool(metadata["weighted"])
    # EBMUP: each beam's largest energy (head-on frame), so that no event's x exceeds 1 (with the spread a
    # beam may gain up to SPREAD_CUT widths; readers such as Pythia refuse x > 1 and book 1 - x as a photon)
    spread = metadata["beam"]["energy_spread"]
    spreads = (spread, spread) if isinstance(spread, (int, float)) else spread
    e_minus, e_plus = (e * (1.0 + SPREAD_CUT * float(s)) for e, s in zip(file_beam_energies(metadata), spreads))
    mass, nature = float(metadata["model"]["mass_GeV"]), metadata["model"].get("nature", "dirac")
    xsec, xsec_err = tally.cross_section(weighted, summary)
    xmax = tally.largest if weighted else xsec
    idwtup = (-4 if tally.negative else 4) if weighted else 3
    version = str(metadata["version"])
    return (
        '<LesHouchesEvents version="3.0">\n<header>\n'
        f'<mcgen version="{version}">{xml_safe_json(metadata)}</mcgen>\n'
        f"<slha>\n{_slha(mass, n_width_gev(metadata, summary), summary['br_nu_gamma'], flavour, nature)}</slha>\n"
        "</header>\n<init>\n"
        f"    11    -11  {e_minus:.10e}  {e_plus:.10e}  0  0  0  0  {idwtup}  1\n"
        f"  {xsec:.10e}  {xsec_err:.10e}  {xmax:.10e}  1\n"
        f'<generator name="mcgen" version="{version}">HNL dipole portal</generator>\n'
        "</init>\n"
    )


def _events(cols: dict[str, np.ndarray], sl: slice, mass: float, flavour: str, nature: str, event_tail: bytes,
            crossing_angle: float) -> np.ndarray:
    """The events ``sl`` as (events, bytes) text; what is the same in every event is formatted once."""
    p = particles(cols, mass, flavour, sl, nature, crossing_angle)
    rows = len(p.e)
    ctau_mm = 1e3 * cols["flight_m"][sl] * mass / lab_momentum(cols, sl)  # proper c*tau = flight * m / |p| (lab)
    e_beam, e_beam2 = fmt_float(p.e[:, 0], 10), fmt_float(p.e[:, 1], 10)  # unequal with beam effects (ISR, spread)
    pz_beam2 = e_beam2.copy()
    pz_beam2[:, 0] = ord("-")

    def head(k: int, pid: int) -> bytes:  # IDUP ISTUP MOTHUP(2) ICOLUP(2)
        return f"{pid:9d} {_STATUS[k]:2d} {_MOTHERS[k, 0]:4d} {_MOTHERS[k, 1]:4d}    0    0 ".encode()

    def tail(k: int) -> bytes:  # PUP(5) = m, VTIMUP = 0, SPINUP = 9 (unknown)
        return f" {p.mass[k]:.10e} 0.0000e+00 9.0000e+00\n".encode()

    pieces: list[bytes | np.ndarray] = [b"<event>\n", f"{N_PARTICLES:3d}      1 ".encode(), fmt_float(cols["weight_pb"][sl], 10),
                                        event_tail]
    pieces += [head(0, 11), b" 0.0000000000e+00  0.0000000000e+00 ", e_beam, b" ", e_beam, tail(0)]
    pieces += [head(1, -11), b" 0.0000000000e+00  0.0000000000e+00 ", pz_beam2, b" ", e_beam2, tail(1)]
    for k in range(2, N_PARTICLES):
        pid = int(abs(p.pid[0, k])) if rows else 0
        pieces += [choose(p.pid[:, k] > 0, head(k, pid), head(k, -pid)), fmt_float(p.px[:, k], 10), b" ",
                   fmt_float(p.py[:, k], 10), b" ", fmt_float(p.pz[:, k], 10), b" ", fmt_float(p.e[:, k], 10)]
        pieces += [f" {p.mass[k]:.10e} ".encode(), fmt_float(ctau_mm, 10), b" 9.0000e+00\n"] if k == 2 else [tail(k)]
    pieces.append(b"</event>\n")
    return join(pieces, rows)
