"""The particles of the signal events (beams, N, recoil nu, photon, decay nu) as arrays, and the
vectorised text formatting shared by the LHE and HepMC3 writers (Python's own float formatting,
~1 us a number, would cap them near 1e4 events/s)."""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from mcgen.physics.frames import head_on_energies, head_on_from_lab, transform
from mcgen.physics.model import width_factor
from mcgen.physics.twobody import width_nu_gamma

__all__ = ["head_on_columns", "file_beam_energies", "with_event_frame", "lab_momentum", "decay_vertex_mm",
           "N_PDG_ID", "MAJORANA_PDG_ID", "n_pdg_id", "NU_PDG_ID", "N_PARTICLES", "Particles", "particles", "n_width_gev",
           "WeightTally", "SpooledEvents", "photon_rest_direction", "event_uniform", "majorana_decay_sign", "PAD", "fmt_float",
           "fmt_int", "choose", "join", "squeeze"]

N_PDG_ID = 9900018
"""Code of the (Dirac) heavy neutral lepton; its antiparticle is negative. Pythia 8 has 9900012,
9900014 and 9900016 as Majorana right-handed neutrinos and ignores an SLHA ``QNUMBERS`` block for a
code it knows, so mcgen uses the next free code of that family and declares it in its LHE files."""
MAJORANA_PDG_ID = {"e": 9900012, "mu": 9900014, "tau": 9900016}
"""Codes of a Majorana N mixing with each flavour: Pythia 8's own Majorana right-handed neutrinos
(nu_Re, nu_Rmu, nu_Rtau, no antiparticle), whose mass and width the LHE header's SLHA blocks set."""
NU_PDG_ID = {"e": 12, "mu": 14, "tau": 16}
N_PARTICLES = 6
"""Particles per event, in this order: e-, e+, N (or Nbar), recoil nubar (nu), photon, decay nu (nubar)."""


def n_pdg_id(flavour: str, nature: str) -> int:
    """The N's code: :data:`N_PDG_ID` for a Dirac N (its antiparticle negative), the flavour's
    :data:`MAJORANA_PDG_ID` for a Majorana one (always positive).

    >>> n_pdg_id("mu", "dirac"), n_pdg_id("mu", "majorana")
    (9900018, 9900014)
    """
    return MAJORANA_PDG_ID[flavour] if nature == "majorana" else N_PDG_ID


@dataclasses.dataclass
class WeightTally:
    """The events' weights as a streaming writer sees them, batch by batch: their number, sum (each
    batch summed by numpy, the batch sums added in order: the same for the same batches), largest
    value, whether any is negative, and the first one (every unweighted event carries it)."""

    n: int = 0
    total: float = 0.0
    largest: float = 0.0
    negative: bool = False
    first: float | None = None

    def add(self, weights: np.ndarray) -> None:
        w = np.asarray(weights, dtype=float)
        if not w.size:
            return
        if self.first is None:
            self.first = float(w[0])
        self.n += int(w.size)
        self.total += float(w.sum())
        self.largest = max(self.largest, float(w.max()))
        self.negative = self.negative or bool((w < 0).any())

    def cross_section(self, weighted: bool, summary: dict[str, Any]) -> tuple[float, float]:
        """The cross section (pb) the events' weights average to, and its statistical error, as both
        LHE (XSECUP) and HepMC3 (GenCrossSection) carry it: unweighted events all weigh the
        quadrature's cross section (the summary's sigma_pb is then the hit-or-miss estimate that
        checks it, with the error given); weighted ones average to their mean.

        >>> tally = WeightTally()
        >>> tally.add(np.array([2.0, 2.0]))
        >>> tally.cross_section(False, {"sigma_pb": 1.9, "sigma_err_pb": 0.1})
        (2.0, 0.1)
        """
        if self.first is None:
            return float(summary["sigma_pb"]), float(summary["sigma_err_pb"])
        return (self.total / self.n if weighted else self.first), float(summary["sigma_err_pb"])


class SpooledEvents:
    """What the LHE and HepMC3 writers share: each batch formatted :data:`SPOOL_CHUNK` events at a
    time (:meth:`format_events`, the format's own) into an unnamed spool file in ``spool_dir``, the
    weights tallied; the writer's ``close`` puts the header before the spooled events, ``abort``
    drops them."""

    def __init__(self, path: Path, spool_dir: str | Path | None = None) -> None:
        self._path = path
        self._body = tempfile.TemporaryFile(dir=spool_dir)
        self.tally = WeightTally()

    def format_events(self, cols: dict[str, np.ndarray], sl: slice) -> Any:
        """The events ``sl`` of a batch as text (bytes, or a buffer of them)."""
        raise NotImplementedError

    def write(self, cols: dict[str, np.ndarray]) -> None:
        n = len(cols["weight_pb"])
        for start in range(0, n, SPOOL_CHUNK):
            self._body.write(self.format_events(cols, slice(start, min(start + SPOOL_CHUNK, n))))
        self.tally.add(cols["weight_pb"])

    def abort(self) -> None:
        self._body.close()


SPOOL_CHUNK = 20_000
"""Events formatted at a time: ~20 MB of text, cache- and memory-friendly."""


@dataclasses.dataclass(frozen=True)
class Particles:
    """Per event (rows) and particle (columns, in the order of ``N_PARTICLES``): PDG code and four-momentum
    (GeV); per particle the generated mass, exact (0 for the massless beams, neutrinos and photon, m_N for the N)."""

    pid: np.ndarray
    px: np.ndarray
    py: np.ndarray
    pz: np.ndarray
    e: np.ndarray
    mass: np.ndarray


_MOMENTA = (("N_E", "N_px", "N_py", "N_pz"), ("gamma_E", "gamma_px", "gamma_py", "gamma_pz"),
            ("nu_decay_E", "nu_decay_px", "nu_decay_py", "nu_decay_pz"))


def head_on_columns(c: dict[str, np.ndarray], crossing_angle: float) -> dict[str, np.ndarray]:
    """The momentum columns of ``c`` taken from the lab to the head-on frame (:mod:`mcgen.physics.frames`):
    the beams collinear along z there, as LHE and HepMC3 readers need them. ``c`` itself for head-on beams."""
    if crossing_angle == 0.0:
        return c
    matrix = head_on_from_lab(crossing_angle)
    out = dict(c)
    recoil = ("nu_recoil_px", "nu_recoil_py", "nu_recoil_pz")
    e_recoil = np.sqrt(c[recoil[0]] ** 2 + c[recoil[1]] ** 2 + c[recoil[2]] ** 2)
    for names, energy in [(k, c[k[0]]) for k in _MOMENTA] + [(("",) + recoil, e_recoil)]:
        p = transform(matrix, np.column_stack([energy, c[names[1]], c[names[2]], c[names[3]]]))
        for j, name in enumerate(names):
            if name:
                out[name] = np.ascontiguousarray(p[:, j])
    return out


def file_beam_energies(metadata: dict[str, Any]) -> tuple[float, float]:
    """The nominal e- and e+ energies in an event file's frame (GeV): the lab's for head-on beams, the
    head-on frame's (:func:`head_on_columns`) with a crossing angle; sqrt(s)/2 each for a card that gives
    sqrt_s alone."""
    beam = metadata["beam"]
    e1, e2 = beam.get("electron_energy"), beam.get("positron_energy")
    if e1 is None or e2 is None:
        half = float(metadata["sqrt_s"]) / 2
        return half, half
    return head_on_energies(float(e1), float(e2), float(beam.get("crossing_angle_rad", 0.0)))


def with_event_frame(metadata: dict[str, Any], crossing_angle: float) -> dict[str, Any]:
    """The metadata of an event file whose momenta are in the head-on frame: ``event_frame`` says how
    to reach the lab (unchanged for head-on beams, whose file frame is the lab)."""
    if crossing_angle == 0.0:
        return metadata
    return {**metadata, "event_frame": {
        "frame": "head-on", "crossing_boost_alpha_rad": 0.5 * crossing_angle,
        "to_lab": "boost along +x with beta = sin(alpha), alpha = half the crossing angle (ddsim's crossingAngleBoost = alpha)"}}


def lab_momentum(cols: dict[str, np.ndarray], sl: slice) -> np.ndarray:
    """The N momentum's magnitude in the lab (GeV), the frame its flight length is measured in."""
    return np.sqrt(cols["N_px"][sl] ** 2 + cols["N_py"][sl] ** 2 + cols["N_pz"][sl] ** 2)


def decay_vertex_mm(cols: dict[str, np.ndarray], sl: slice, crossing_angle: float = 0.0) -> tuple[np.ndarray, ...]:
    """The N decay vertex (x, y, z, c t) in mm, t the lab time since the collision (flight / beta); in the
    head-on frame with a crossing angle (the same boost as the momenta)."""
    x, y, z = (1e3 * cols[k][sl] for k in ("vtx_x", "vtx_y", "vtx_z"))
    ct = 1e3 * cols["flight_m"][sl] * cols["N_E"][sl] / lab_momentum(cols, sl)
    if crossing_angle == 0.0:
        return x, y, z, ct
    moved = transform(head_on_from_lab(crossing_angle), np.column_stack([ct, x, y, z]))
    return moved[:, 1], moved[:, 2], moved[:, 3], moved[:, 0]


def particles(cols: dict[str, np.ndarray], mass_n: float, flavour: str, sl: slice = slice(None),
              nature: str = "dirac", crossing_angle: float = 0.0) -> Particles:
    """The particles of events ``sl`` of the columns; the (massless) beams carry the energy and
    momentum of the N and the recoil nu: sqrt(s)/2 each, or x1 and x2 of it with beam effects (and
    of each beam's energy with asymmetric beams). With a crossing angle the momenta are given in the
    head-on frame (:func:`head_on_columns`). A Majorana N has one code (:func:`n_pdg_id`) and decays
    to nu or nubar (:func:`majorana_decay_sign`)."""
    c = head_on_columns({k: cols[k][sl] for k in (
        "anti", "N_px", "N_py", "N_pz", "N_E", "nu_recoil_px", "nu_recoil_py", "nu_recoil_pz", "gamma_px", "gamma_py",
        "gamma_pz", "gamma_E", "nu_decay_px", "nu_decay_py", "nu_decay_pz", "nu_decay_E", "N_pol_x", "N_pol_y", "N_pol_z",
        "beam_x1", "beam_x2")}, crossing_angle)
    n = len(c["N_E"])
    sign = np.where(c["anti"], -1, 1)
    nu = NU_PDG_ID[flavour]
    n_code = sign * N_PDG_ID if nature != "majorana" else np.full(n, MAJORANA_PDG_ID[flavour])
    decay_sign = sign if nature != "majorana" else sign * majorana_decay_sign(c, mass_n)
    e_recoil = np.sqrt(c["nu_recoil_px"] ** 2 + c["nu_recoil_py"] ** 2 + c["nu_recoil_pz"] ** 2)
    # massless beams along +-z carrying the final state's energy and pz: sqrt(s)/2 each at the nominal
    # energy, x1 and x2 of it with ISR or the spread (whose final state moves along z)
    e_total, pz_total = c["N_E"] + e_recoil, c["N_pz"] + c["nu_recoil_pz"]
    e_minus, e_plus = 0.5 * (e_total + pz_total), 0.5 * (e_total - pz_total)
    zero = np.zeros(n)
    pid = np.column_stack([np.full(n, 11), np.full(n, -11), n_code, -sign * nu, np.full(n, 22), decay_sign * nu])
    px = np.column_stack([zero, zero, c["N_px"], c["nu_recoil_px"], c["gamma_px"], c["nu_decay_px"]])
    py = np.column_stack([zero, zero, c["N_py"], c["nu_recoil_py"], c["gamma_py"], c["nu_decay_py"]])
    pz = np.column_stack([e_minus, -e_plus, c["N_pz"], c["nu_recoil_pz"], c["gamma_pz"], c["nu_decay_pz"]])
    e = np.column_stack([e_minus, e_plus, c["N_E"], e_recoil, c["gamma_E"], c["nu_decay_E"]])
    mass = np.array([0.0, 0.0, mass_n, 0.0, 0.0, 0.0])
    return Particles(pid, px, py, pz, e, mass)


def photon_rest_direction(c: dict[str, np.ndarray], mass_n: float) -> np.ndarray:
    """The photon's unit direction in the N rest frame, the frame its polarisation is given in: the
    momenta (beams along z: the lab's, or the head-on frame's with a crossing angle) boosted along z
    to the hard process's centre of mass (that of the N and the recoil nu), then along the N
    direction to its rest frame. A (3, events) array."""
    e_recoil = np.sqrt(c["nu_recoil_px"] ** 2 + c["nu_recoil_py"] ** 2 + c["nu_recoil_pz"] ** 2)
    beta = (c["N_pz"] + c["nu_recoil_pz"]) / (c["N_E"] + e_recoil)
    gam_z = 1.0 / np.sqrt(1.0 - beta * beta)

    def to_cm(e: np.ndarray, pz: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return gam_z * (e - beta * pz), gam_z * (pz - beta * e)

    n_e, n_pz = to_cm(c["N_E"], c["N_pz"])
    g_e, g_pz = to_cm(c["gamma_E"], c["gamma_pz"])
    p_n = np.stack([c["N_px"], c["N_py"], n_pz])
    mom = np.sqrt((p_n * p_n).sum(axis=0))
    n_hat = p_n / mom
    g = np.stack([c["gamma_px"], c["gamma_py"], g_pz])
    k = g + ((n_e / mass_n - 1.0) * (g * n_hat).sum(axis=0) - mom / mass_n * g_e) * n_hat
    return k / np.sqrt((k * k).sum(axis=0))


def event_uniform(c: dict[str, np.ndarray]) -> np.ndarray:
    """A number in [0, 1) per event fixed by the event's own photon momentum (a splitmix64 hash of
    its bits): the same for an event whatever the batch or the thread that writes it."""
    bits = [np.ascontiguousarray(c[k], dtype=np.float64).view(np.uint64) for k in ("gamma_px", "gamma_py", "gamma_pz")]
    x = bits[0] ^ (bits[1] * np.uint64(0x9E3779B97F4A7C15)) ^ (bits[2] * np.uint64(0xD1B54A32D192ED03))
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    x = x ^ (x >> np.uint64(31))
    return (x >> np.uint64(11)).astype(np.float64) * 2.0**-53


def majorana_decay_sign(c: dict[str, np.ndarray], mass_n: float) -> np.ndarray:
    """+1 where a Majorana N's decay neutrino has the label a Dirac N (or Nbar) of that event would give
    it, -1 for the CP image: N -> nu gamma has the photon law 1 - s.k and N -> nubar gamma 1 + s.k (s the
    N polarisation, k the photon direction in its rest frame), so at a given k the Dirac label has
    probability (1 - sigma s.k)/2, sigma = -1 for the events stored as the CP image (``anti``)."""
    k = photon_rest_direction(c, mass_n)
    s_dot_k = c["N_pol_x"] * k[0] + c["N_pol_y"] * k[1] + c["N_pol_z"] * k[2]
    sigma = np.where(c["anti"], -1.0, 1.0)
    return np.where(event_uniform(c) < 0.5 * (1.0 - sigma * s_dot_k), 1, -1)


def n_width_gev(metadata: dict[str, Any], summary: dict[str, Any]) -> float:
    """Total width of N: Gamma(N -> nu gamma) / Br(N -> nu gamma), with the run's options (two- or three-body)
    and the N's nature (a Majorana N's widths are twice the Dirac ones)."""
    factor = width_factor(metadata["model"].get("nature", "dirac"))
    return factor * float(width_nu_gamma(metadata["model"]["mass_GeV"], metadata["couplings"]["d_gamma"])) / summary["br_nu_gamma"]


# --- vectorised formatting: each field is a (rows, width) uint8 array of ASCII, joined per row -----

_ZERO, _MINUS, _PLUS = ord("0"), ord("-"), ord("+")
PAD = b"\0"
"""Padding that :func:`squeeze` removes: for formats whose fields are separated by exactly one space."""
_TINY = 1e-280  # below this a number is written as 0 (10**-e would overflow); no mcgen quantity is near it
# powers of ten, in extended precision (where the platform has it) for more than 12 digits: the scaled
# mantissa then rounds correctly but for ~1e-4 of 16-digit numbers (1 in 5 with doubles)
_POW10 = 10.0 ** np.arange(-308, 309)
_POW10_WIDE = np.longdouble(10) ** np.arange(-308, 309).astype(np.longdouble)


def _digits(out: np.ndarray, m: np.ndarray, first: int, count: int) -> None:
    """Write the ``count`` last decimal digits of ``m`` (>= 0) as ASCII into rows first..first+count-1 of
    ``out`` (the transposed field: contiguous rows are ~3x faster to fill than strided columns). Nine
    digits at a time in int32, by a scalar divisor (numpy then uses libdivide: ~10x faster than by an
    array of powers of ten)."""
    end = first + count
    while end > first:
        n = min(9, end - first)
        part = (m % 10**n).astype(np.int32)
        m = m // 10**n
        for k in range(end - 1, end - n - 1, -1):
            q = part // 10
            out[k] = part - 10 * q + _ZERO
            part = q
        end -= n


def _scaled(a: np.ndarray, power: np.ndarray, wide: bool) -> np.ndarray:
    """rint(a * 10**power) as int64, in extended precision if ``wide``."""
    if wide:
        return np.rint(a.astype(np.longdouble) * _POW10_WIDE[power + 308]).astype(np.int64)
    return np.rint(a * _POW10[power + 308]).astype(np.int64)


def fmt_float(x: np.ndarray, digits: int, pad: bytes = b" ") -> np.ndarray:
    """``x`` as ``%.{digits}e`` (digits <= 17) in rows of equal width, ``pad`` in the sign column of
    numbers >= 0 (``PAD`` to drop it with :func:`squeeze`). The exponent has two digits, or three for
    the whole array if one needs them. Correctly rounded but, rarely, in the last digit. Raises
    ValueError on a non-finite value.

    >>> bytes(fmt_float(np.array([-1234.5678, 0.0, 9.99999e-5]), 3)).decode()
    '-1.235e+03 0.000e+00 1.000e-04'
    """
    x = np.asarray(x, dtype=float).ravel()
    if not np.isfinite(x).all():
        raise ValueError("cannot write a non-finite number to an event file")
    a = np.abs(x)
    nonzero = a >= _TINY
    a = np.where(nonzero, a, 1.0)  # zeros (and the tiny) as 1, their mantissa set to 0 below
    exp = np.floor(np.log10(a)).astype(np.int64)
    wide = digits > 12
    m = _scaled(a, digits - exp, wide)
    fix = np.nonzero((m >= 10 ** (digits + 1)) | (m < 10**digits))[0]  # log10 or the rounding a decade off
    if len(fix):
        exp[fix] += np.where(m[fix] >= 10**digits, 1, -1)
        m[fix] = _scaled(a[fix], digits - exp[fix], wide)
    m *= nonzero
    exp *= nonzero
    exp_digits = 3 if np.abs(exp).max(initial=0) >= 100 else 2
    out = np.empty((digits + 5 + exp_digits, len(x)), dtype=np.uint8)  # sign d . ddd e sign exponent, transposed
    out[0] = np.where(x < 0, _MINUS, pad[0])
    out[1] = m // 10**digits + _ZERO
    out[2] = ord(".")
    _digits(out, m % 10**digits, 3, digits)
    out[3 + digits] = ord("e")
    out[4 + digits] = np.where(exp < 0, _MINUS, _PLUS)
    _digits(out, np.abs(exp), 5 + digits, exp_digits)
    return out.T


def fmt_int(x: np.ndarray, width: int, pad: bytes = b" ") -> np.ndarray:
    """Integers right-aligned in ``width`` columns, ``pad`` before them (ValueError if one does not fit).

    >>> bytes(fmt_int(np.array([-9900018, 0, 22]), 8)).decode()
    '-9900018       0      22'
    """
    x = np.asarray(x, dtype=np.int64).ravel()
    a = np.abs(x)
    a1 = np.maximum(a, 1)
    n_digits = np.floor(np.log10(a1)).astype(np.int64) + 1
    n_digits += (a1 >= 10**n_digits).astype(np.int64) - (a1 < 10 ** (n_digits - 1))  # float log10 off near powers of ten
    if (n_digits + (x < 0) > width).any():
        raise ValueError(f"an integer does not fit in {width} columns")
    out = np.empty((width, len(x)), dtype=np.uint8)
    _digits(out, a, 0, width)
    out[np.arange(width)[:, None] < width - n_digits] = pad[0]
    neg = np.nonzero(x < 0)[0]
    out[width - 1 - n_digits[neg], neg] = _MINUS
    return out.T


def choose(cond: np.ndarray, yes: bytes, no: bytes, pad: bytes = b" ") -> np.ndarray:
    """The field ``yes`` in the rows where ``cond``, else ``no`` (the shorter one right-aligned after ``pad``)."""
    width = max(len(yes), len(no))
    pair = np.frombuffer(no.rjust(width, pad) + yes.rjust(width, pad), dtype=np.uint8).reshape(2, width)
    return pair[np.asarray(cond, dtype=np.intp)]


def join(pieces: list[bytes | np.ndarray], rows: int) -> np.ndarray:
    """Concatenate per row: constant ``bytes`` (the same in every row) and (rows, width) fields."""
    return np.concatenate([np.broadcast_to(np.frombuffer(p, dtype=np.uint8), (rows, len(p))) if isinstance(p, bytes)
                           else p.reshape(rows, -1) for p in pieces], axis=1)


def squeeze(text: np.ndarray) -> bytes:
    """The joined rows as bytes, without the ``PAD`` bytes."""
    return text.tobytes().replace(PAD, b"")  # bytes.replace: ~10x faster than a boolean mask
