"""The signal kernel: production (+ N decay + displacement) -> toy detector -> selection, in blocks.

One call of :func:`generate_chunks` fills column arrays for n events. Events come in fixed-size
chunks; chunk j draws from its own counter-based stream (SplitMix64 keyed by ``keys[j]``, which
come from ``numpy.random.SeedSequence(seed)``), so the content of an event depends on the seed
and its index only, never on the thread count.

Within a chunk, events are made in blocks of B by loops that LLVM compiles to SIMD code: random
numbers are filled by counter (mcgen.mc.rng), every function is branch-free (mcgen.simd), and
the block's rows sit in one scratch array at constant offsets. Per block:
1. cos(theta_N) from a piecewise-constant envelope of dsigma/dcos (Walker's alias table;
   unweighted: accepted with f/envelope, in rounds of candidates until the block is full;
   weighted: kept with weight f/envelope);
2. the stages, each an inlined numba function with its named-tuple parameters and its draws
   by name: the production stage (mcgen.mc.production: amplitudes, polarisation, decay,
   displacement), the toy detector (mcgen.detector.toy) and the card's selection on the true
   and on the reconstructed photon (mcgen.selection.cuts);
3. the block's rows copied to the output columns.
The six coefficients w_ij of the squared amplitude (divided by the sampling density) make the
event weight for any couplings: w = sum_{i<=j} d_i d_j w_ij (:func:`finish_batch`).
"""

from __future__ import annotations

import enum
import math
from typing import Any, NamedTuple

import numba as nb
import numpy as np

from mcgen.detector.toy import RECO_COLUMNS, Noise, Photon, Vertex, measure_photon, reco_columns
from mcgen.mc.beams import beam_fractions
from mcgen.mc.production import Direction, amplitudes_at, decay, decay_averaged, displacement, hard_params, n_momentum, polarisation
from mcgen.mc.rng import alias_table, fill_uniform, normal_pair
from mcgen.physics.frames import inverse as lorentz_inverse
from mcgen.physics.model import COUPLING_COLUMNS
from mcgen.selection.cuts import CUTS, photon_cuts
from mcgen.simd import VEC, cos_sin_turns

__all__ = ["REAL_COLUMNS", "FLAG_COLUMNS", "DRAWS", "Frames", "frames_params", "NO_FRAMES", "Sampling", "ChunkOutputs",
           "generate_chunks", "finish_batch", "column_buffers", "SUMS", "alias_table", "B", "CHUNK"]

CHUNK = 1 << 14
"""Events per chunk (one RNG stream each)."""

def _rows(name: str, columns: tuple[str, ...]) -> Any:
    """An IntEnum of row numbers named after the columns in upper case (numba reads its members as constants)."""
    return enum.IntEnum(name, {column.upper(): i for i, column in enumerate(columns)})


REAL_COLUMNS = (
    *COUPLING_COLUMNS,
    "N_E", "N_px", "N_py", "N_pz", "N_cos_theta", "N_pol_x", "N_pol_y", "N_pol_z", "N_pol_long",
    "nu_recoil_px", "nu_recoil_py", "nu_recoil_pz",
    "vtx_x", "vtx_y", "vtx_z", "flight_m", "boundary_m", "p_inside",
    "gamma_E", "gamma_px", "gamma_py", "gamma_pz", "gamma_cos_theta", "gamma_pt", "gamma_cos_star",
    "nu_decay_E", "nu_decay_px", "nu_decay_py", "nu_decay_pz",
    "gamma_reco_E", "gamma_reco_px", "gamma_reco_py", "gamma_reco_pz", "gamma_reco_cos_theta", "gamma_reco_pt",
    "beam_x1", "beam_x2", "flight_scale",
    "gamma_cm_E", "gamma_cm_cos_theta", "gamma_reco_cm_E", "gamma_reco_cm_cos_theta",
)  # fmt: skip
FLAG_COLUMNS = ("anti", "inside", "reconstructed", "truth_pass", *(f"pass_{cut}" for cut in CUTS), "pass_all")
"""The flags: the cuts' own (``pass_<cut>`` of the measured photon, in the order of mcgen.selection.cuts.CUTS)
follow ``truth_pass``."""
R = _rows("R", REAL_COLUMNS)
"""Rows of the real output: real[R.GAMMA_E, i] is the true photon energy of event i."""
F = _rows("F", FLAG_COLUMNS)
"""Rows of the flag output."""

def column_buffers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Zeroed (real, flags) outputs for n events, one row per column, with rows 192 bytes off a
    multiple of 4 KiB apart. With a power-of-two n every column of one event would fall in the
    same L1 cache set, and the kernel's ~50 stores per event would run about four times slower.

    >>> real, flags = column_buffers(1 << 21)
    >>> real.shape == (len(REAL_COLUMNS), 1 << 21), real.strides[0] % 4096, flags.strides[0] % 4096
    (True, 192, 192)
    """
    buffers = []
    for rows, dtype in ((len(REAL_COLUMNS), np.float64), (len(FLAG_COLUMNS), np.bool_)):
        per_page = 4096 // np.dtype(dtype).itemsize
        length = -(-n // per_page) * per_page + 192 // np.dtype(dtype).itemsize
        buffers.append(np.zeros((rows, length), dtype)[:, :n])
    return buffers[0], buffers[1]



B = 64
"""Events per block. A block is made by a few loops over its events that LLVM turns into SIMD
code; their working rows live in one flat scratch array at constant offsets (so the compiler
sees that they do not overlap) and are copied to the output columns at the end."""
_NC = 4 * B  # the most cos(theta) candidates one round of the accept-reject step tries
MAX_CANDIDATES_PER_BLOCK = 1 << 22
"""A block of B events that needs more candidates than this (an acceptance below 1.5e-5: near a
threshold, where almost every s_hat of the beams is below it) stops its chunk, marked tried = -1."""
_N_REAL, _N_FLAGS = len(REAL_COLUMNS), len(FLAG_COLUMNS)
_N_CUTS, _FIRST_CUT = len(CUTS), FLAG_COLUMNS.index(f"pass_{CUTS[0]}")
_N_RECO, _FIRST_RECO = len(RECO_COLUMNS), REAL_COLUMNS.index(RECO_COLUMNS[0])
assert REAL_COLUMNS[_FIRST_RECO:_FIRST_RECO + _N_RECO] == RECO_COLUMNS  # the measured photon's rows, in order
DRAWS = ("u_phi", "u_k_cos", "u_k_phi", "u_flip", "u_flight", "u_normal_1", "u_normal_2", "u_eff")
"""The uniforms each event draws after its cos(theta), by name (one scratch row each)."""
D = _rows("D", DRAWS)
# scratch rows of B: the outputs (real, then flags as 0/1), the event draws, the accepted
# candidates' cos(theta) and 1/envelope; then rows of _NC for the candidates
_ROW_FLAGS = _N_REAL
_ROW_DRAWS = _N_REAL + _N_FLAGS
_ROW_COS = _ROW_DRAWS + len(DRAWS)
_ROW_INV_ENV = _ROW_COS + 1
_ROW_X1, _ROW_X2 = _ROW_INV_ENV + 1, _ROW_INV_ENV + 2  # the beams' energy fractions (1 without beam effects)
_CAND = (_ROW_X2 + 1) * B  # offset of the candidate rows
_C_U, _C_UACC, _C_COS, _C_INV_ENV, _C_ACC, _C_OVER = (_CAND + r * _NC for r in range(6))
# with beam effects also: the cell and the point in it, the spread normals' uniforms, x1 and x2
_C_UCELL, _C_U1, _C_U2, _C_N1, _C_N2, _C_X1, _C_X2 = (_CAND + r * _NC for r in range(6, 13))
_BEAM_DRAWS = 5  # rows _C_UCELL .. _C_N2; the last two (the spread's normals) only with a spread
_SCRATCH = _CAND + 13 * _NC
_OUT_STAGE1 = (R.NU_RECOIL_PZ + 1, F.ANTI + 1)  # the real and flag rows generation-only writes


class Frames(NamedTuple):
    """The centre-of-mass frame (where events are made) and the lab: the (E, px, pz) block of the
    Lorentz transformation lab <- cm (``l_ij``, i, j in E, x, z; y is untouched) and of its
    inverse (``c_ij``), and whether the cuts take the photon in the centre-of-mass frame
    (``[selection] frame = "cm"``). Used only by the kernel's boosted variant (mcgen.physics.frames)."""

    cm_cuts: bool
    l_ee: float
    l_ex: float
    l_ez: float
    l_xe: float
    l_xx: float
    l_xz: float
    l_ze: float
    l_zx: float
    l_zz: float
    c_ee: float
    c_ex: float
    c_ez: float
    c_xe: float
    c_xx: float
    c_xz: float
    c_ze: float
    c_zx: float
    c_zz: float


def frames_params(lab_from_cm: np.ndarray, cm_cuts: bool) -> Frames:
    """:class:`Frames` from the 4x4 transformation lab <- cm (mcgen.physics.frames.lab_from_cm)."""
    inverse = lorentz_inverse(lab_from_cm)
    block = {"e": 0, "x": 1, "z": 3}
    fields = {f"{p}_{i}{j}": float(m[block[i], block[j]]) for p, m in (("l", lab_from_cm), ("c", inverse))
              for i in "exz" for j in "exz"}
    return Frames(cm_cuts=bool(cm_cuts), **fields)


NO_FRAMES = frames_params(np.eye(4), False)
"""Head-on beams of equal energies: the lab is the centre-of-mass frame."""


@nb.njit(inline="always")
def _transform(f, prefix_lab, e, x, z):
    """(E, px, pz) transformed by the lab <- cm block (``prefix_lab``) or its inverse."""
    if prefix_lab:
        return (f.l_ee * e + f.l_ex * x + f.l_ez * z, f.l_xe * e + f.l_xx * x + f.l_xz * z,
                f.l_ze * e + f.l_zx * x + f.l_zz * z)
    return (f.c_ee * e + f.c_ex * x + f.c_ez * z, f.c_xe * e + f.c_xx * x + f.c_xz * z,
            f.c_ze * e + f.c_zx * x + f.c_zz * z)


class Sampling(NamedTuple):
    """How a run draws cos(theta) at the nominal sqrt(s): the candidate rounds' expected acceptance
    and the envelope with its alias table (prob, alias). (With beam effects the beams' BeamParams
    and BeamTables, records of their own, come beside it: numba's parallel loop takes no record
    holding records.)"""

    acceptance: float
    env: np.ndarray
    alias_p: np.ndarray
    alias_j: np.ndarray


class ChunkOutputs(NamedTuple):
    """What :func:`generate_chunks` writes: the real and flag columns (rows of
    :func:`column_buffers`) and per chunk the candidates tried, those above the envelope and the
    64-bit draws used."""

    real: np.ndarray
    flags: np.ndarray
    tried: np.ndarray
    overweight: np.ndarray
    drawn: np.ndarray


@nb.njit(inline="always")
def _draw(scr, d, k):
    """Draw ``d`` (a member of D) of event k of the block."""
    return scr[(_ROW_DRAWS + d) * B + k]


@nb.njit(inline="always")
def _put(scr, row, k, value):
    """Store a real column (a member of R) of event k of the block."""
    scr[row * B + k] = value


@nb.njit(inline="always")
def _put_flag(scr, row, k, condition):
    """Store a flag column (a member of F) of event k as 0/1."""
    scr[(_ROW_FLAGS + row) * B + k] = 1.0 if condition else 0.0


@nb.njit(cache=True, **VEC)  # not inlined: the parallel caller's array analysis rejects its tuples
def _candidates(scr, nc, prod, sampling):
    """cos(theta) candidates from the piecewise-constant envelope of the :class:`Sampling` (Walker's
    alias method: one uniform picks the bin and, rescaled, the point in it) and their accept flags."""
    env, alias_p, alias_j = sampling.env, sampling.alias_p, sampling.alias_j
    n_bins = env.size
    width = 2.0 / n_bins
    for k in range(nc):  # table look-ups: a scalar loop (indirect loads keep LLVM from vectorizing)
        b, r = _alias_draw(scr[_C_U + k], alias_p, alias_j)
        scr[_C_COS + k] = min(max(-1.0 + (b + r) * width, -1.0), 1.0)
        scr[_C_INV_ENV + k] = 1.0 / env[b]
    for k in range(nc):  # the amplitudes: vectorized
        _accept(scr, k, prod, prod.norm * amplitudes_at(prod, scr[_C_COS + k]).w0)


@nb.njit(inline="always")
def _alias_draw(u, alias_p, alias_j):
    """(bin, position in it in [0, 1)) from one uniform by Walker's alias table (prob, alias)."""
    x = u * alias_p.size
    j = min(np.int64(x), alias_p.size - 1)
    frac = x - j
    p = alias_p[j]
    first = frac < p
    return (j if first else alias_j[j]), (frac / p if first else (frac - p) / max(1.0 - p, 1e-300))


@nb.njit(inline="always")
def _accept(scr, k, prod, f):
    """Candidate k's accept flag (unweighted: its uniform below f / envelope) and whether f is above
    the envelope (which must never happen)."""
    inv_env = scr[_C_INV_ENV + k]
    scr[_C_ACC + k] = 1.0 if prod.weighted | (scr[_C_UACC + k] < f * inv_env) else 0.0
    scr[_C_OVER + k] = 1.0 if f * inv_env > 1.0 else 0.0


@nb.njit(cache=True, **VEC)  # not inlined: the parallel caller's array analysis rejects its tuples
def _beam_candidates(scr, nc, prod, beam, t):
    """Candidates with beam effects (mcgen.mc.beams, ``t`` its BeamTables): a (u1, u2) cell by its
    alias table and a point in it, cos(theta) from the cell's band envelope, the spread normals, x1
    and x2; then their accept flags against the envelope cell bound x band envelope (the weight
    W1 W2 of the structure functions included)."""
    width = 2.0 / t.env.shape[1]
    for k in range(nc):  # table look-ups: a scalar loop
        cell = _alias_draw(scr[_C_UCELL + k], t.cell_p, t.cell_j)[0]
        band = t.band[cell]
        b, r = _alias_draw(scr[_C_U + k], t.env_p[band], t.env_j[band])
        scr[_C_COS + k] = min(max(-1.0 + (b + r) * width, -1.0), 1.0)
        scr[_C_U1 + k] = t.corners[cell, 0] + scr[_C_U1 + k] * (t.corners[cell, 1] - t.corners[cell, 0])
        scr[_C_U2 + k] = t.corners[cell, 2] + scr[_C_U2 + k] * (t.corners[cell, 3] - t.corners[cell, 2])
        scr[_C_INV_ENV + k] = 1.0 / (t.bound[cell] * t.env[band, b])
    if beam.spread > 0.0:  # the spread's normals, in place of their uniforms (else no spread: 0)
        for k in range(nc):
            scr[_C_N1 + k], scr[_C_N2 + k] = normal_pair(scr[_C_N1 + k], scr[_C_N2 + k])
    else:
        scr[_C_N1:_C_N1 + nc] = 0.0
        scr[_C_N2:_C_N2 + nc] = 0.0
    for k in range(nc):  # the beams' energy fractions: vectorized
        x1, x2, w_isr = beam_fractions(beam, scr[_C_U1 + k], scr[_C_U2 + k], scr[_C_N1 + k], scr[_C_N2 + k])
        scr[_C_X1 + k] = x1
        scr[_C_X2 + k] = x2
        scr[_C_INV_ENV + k] *= w_isr
    for k in range(nc):  # the amplitudes at each candidate's s_hat
        q, above = hard_params(prod, scr[_C_X1 + k], scr[_C_X2 + k])
        scr[_C_INV_ENV + k] = scr[_C_INV_ENV + k] if above else 0.0  # weighted: kept with weight 0
        _accept(scr, k, prod, q.norm * amplitudes_at(q, scr[_C_COS + k]).w0 if above else 0.0)


@nb.njit(inline="always")
def _event_params(scr, k, prod, beams):
    """The production parameters of event k of the block: the run's, or (``beams``, a constant of
    the caller, so the other path is compiled away) at its own s_hat."""
    if beams:
        return hard_params(prod, scr[_ROW_X1 * B + k], scr[_ROW_X2 * B + k])[0]
    return prod


@nb.njit(inline="always")
def _put_n(scr, k, prod, d, n_dir, pol):
    """The N momentum (along the unit vector n_dir), polarisation ``pol`` (in the phi = 0 frame,
    rotated by the :class:`~mcgen.mc.production.Direction` d's phi) and the recoil nu into the block's rows."""
    c, sin_t, cphi, sphi, sgn = d.c, d.sin_t, d.cphi, d.sphi, d.sgn
    nx, ny, nz = n_dir
    pol_x, pol_y, pol_z = pol
    kmom = prod.momentum
    _put(scr, R.N_E, k, prod.energy)
    _put(scr, R.N_PX, k, kmom * nx)
    _put(scr, R.N_PY, k, kmom * ny)
    _put(scr, R.N_PZ, k, kmom * nz)
    _put(scr, R.N_COS_THETA, k, nz)
    _put(scr, R.N_POL_X, k, pol_x * cphi - pol_y * sphi)
    _put(scr, R.N_POL_Y, k, pol_x * sphi + pol_y * cphi)
    _put(scr, R.N_POL_Z, k, pol_z)
    _put(scr, R.N_POL_LONG, k, sgn * (pol_x * sin_t + pol_z * c))
    _put(scr, R.NU_RECOIL_PX, k, -kmom * nx)
    _put(scr, R.NU_RECOIL_PY, k, -kmom * ny)
    _put(scr, R.NU_RECOIL_PZ, k, -kmom * nz)
    _put_flag(scr, F.ANTI, k, sgn < 0.0)


@nb.njit(inline="always")
def _produce_n(scr, k, prod):
    """The N of event k of the block (its cos(theta) drawn, its azimuth from its draw): amplitudes,
    polarisation, direction, stored; returns what the decay needs."""
    c = scr[_ROW_COS * B + k]
    a = amplitudes_at(prod, c)
    pol_x, pol_y, pol_z = polarisation(prod, a)
    sin_t = 2.0 * a.ch * a.sh
    cphi, sphi = cos_sin_turns(_draw(scr, D.U_PHI, k))
    sgn = 1.0 - 2.0 * (k & 1)  # odd events are Nbar nu: the CP image, all momenta reversed
    nx, ny, nz = n_momentum(c, sin_t, cphi, sphi, sgn)
    d = Direction(c=c, sin_t=sin_t, cphi=cphi, sphi=sphi, sgn=sgn)
    _put_n(scr, k, prod, d, (nx, ny, nz), (pol_x, pol_y, pol_z))
    return d, nx, ny, nz, (pol_x, pol_y, pol_z), a


@nb.njit(inline="always")
def _put_coefficients(scr, k, w):
    for r in range(6):
        scr[r * B + k] = w[r]


@nb.njit(inline="always")
def _production_event(scr, k, prod, beams):
    """Generation only (stage 1) for event k: N kinematics and the decay-averaged coefficients
    (with beam effects: N in the hard process's frame)."""
    q = _event_params(scr, k, prod, beams)
    _, _, _, _, _, a = _produce_n(scr, k, q)
    _put_coefficients(scr, k, decay_averaged(q, a, scr[_ROW_INV_ENV * B + k]))


@nb.njit(cache=True, **VEC)  # not inlined: the parallel caller's array analysis rejects its tuples
def _production_block(scr, prod):
    """Stage 1 of a block at the nominal sqrt(s)."""
    for k in range(B):
        _production_event(scr, k, prod, False)


@nb.njit(cache=True, **VEC)
def _production_block_beams(scr, prod):
    """Stage 1 of a block with beam effects."""
    for k in range(B):
        _production_event(scr, k, prod, True)


@nb.njit(cache=True, **VEC)  # not inlined: the parallel caller's array analysis rejects its tuples
def _full_block(scr, prod, det, sel, frames):
    """Production, decay, displacement, detector and selection of a block at the nominal sqrt(s)."""
    for k in range(B):
        _full_event(scr, k, prod, det, sel, frames, False, False)


@nb.njit(cache=True, **VEC)
def _full_block_beams(scr, prod, det, sel, frames):
    """:func:`_full_block` with beam effects (each event at its own s_hat, boosted to the lab)."""
    for k in range(B):
        _full_event(scr, k, prod, det, sel, frames, True, False)


@nb.njit(cache=True, **VEC)
def _full_block_lab(scr, prod, det, sel, frames):
    """:func:`_full_block` for a centre-of-mass frame that moves in the lab (asymmetric beams, a crossing angle)."""
    for k in range(B):
        _full_event(scr, k, prod, det, sel, frames, False, True)


@nb.njit(cache=True, **VEC)
def _full_block_beams_lab(scr, prod, det, sel, frames):
    """:func:`_full_block_lab` with beam effects."""
    for k in range(B):
        _full_event(scr, k, prod, det, sel, frames, True, True)


@nb.njit(inline="always")
def _full_event(scr, k, prod, det, sel, f, beams, lab):
    """Production, decay, displacement, detector and selection of event k (docs/physics/);
    ``beams`` and ``lab`` are constants of the caller (compiled blocks, no branch in the hot loop).
    With ``lab``, the event made in the centre-of-mass frame goes to the lab by the :class:`Frames`
    ``f`` before its flight and the detector; the photon is also kept in the centre-of-mass frame."""
    # --- production stage: N, its decay photon and its vertex ------------------------
    q = _event_params(scr, k, prod, beams)
    d, nx, ny, nz, pol, a = _produce_n(scr, k, q)
    sin_t = d.sin_t
    w, cos_star, ge, gx, gy, gz = decay(q, d, pol, a, scr[_ROW_INV_ENV * B + k], _draw(scr, D.U_K_COS, k), _draw(scr, D.U_K_PHI, k),
                                        _draw(scr, D.U_FLIP, k))
    _put_coefficients(scr, k, w)
    kmom = q.momentum
    n_e, n_px, n_py, n_pz = q.energy, kmom * nx, kmom * ny, kmom * nz
    r_e, r_px, r_pz = kmom, -n_px, -n_pz  # the recoil nu (massless, against N)
    decay_length, scale = prod.decay_length, 1.0
    x1, x2 = scr[_ROW_X1 * B + k], scr[_ROW_X2 * B + k]
    if beams:  # from the hard process's frame to the centre-of-mass frame: a boost along z
        inv_root = 0.5 / math.sqrt(x1 * x2)
        gam, bgam = (x1 + x2) * inv_root, (x1 - x2) * inv_root
        r_e, r_pz = gam * kmom - bgam * n_pz, -gam * n_pz + bgam * kmom
        n_e, n_pz = gam * n_e + bgam * n_pz, gam * n_pz + bgam * n_e
        ge, gz = gam * ge + bgam * gz, gam * gz + bgam * ge
    cm_e, cm_cos, cm_sin = ge, gz / ge, math.sqrt(gx * gx + gy * gy) / ge  # the photon in the centre-of-mass frame
    if lab:  # the centre-of-mass frame to the lab
        n_e, n_px, n_pz = _transform(f, True, n_e, n_px, n_pz)
        ge, gx, gz = _transform(f, True, ge, gx, gz)
        r_e, r_px, r_pz = _transform(f, True, r_e, r_px, r_pz)
        _put(scr, R.NU_RECOIL_PX, k, r_px)
        _put(scr, R.N_PX, k, n_px)
    if beams or lab:  # N's flight in the lab
        _put(scr, R.NU_RECOIL_PZ, k, r_pz)
        p_lab = math.sqrt(n_px * n_px + n_py * n_py + n_pz * n_pz)
        inv_p = 1.0 / p_lab  # one division for the direction (a division costs ten products)
        nx, ny, nz = n_px * inv_p, n_py * inv_p, n_pz * inv_p
        sin_t = math.sqrt(nx * nx + ny * ny)
        decay_length, scale = p_lab * prod.length_per_momentum, p_lab * (1.0 / prod.momentum)  # a constant of the run
        _put(scr, R.N_E, k, n_e)
        _put(scr, R.N_PZ, k, n_pz)
        _put(scr, R.N_COS_THETA, k, nz)
    _put(scr, R.BEAM_X1, k, x1)
    _put(scr, R.BEAM_X2, k, x2)
    _put(scr, R.FLIGHT_SCALE, k, scale)
    _put(scr, R.GAMMA_E, k, ge)
    _put(scr, R.GAMMA_PX, k, gx)
    _put(scr, R.GAMMA_PY, k, gy)
    _put(scr, R.GAMMA_PZ, k, gz)
    g_cos = gz / ge
    g_sin = math.sqrt(gx * gx + gy * gy) / ge
    _put(scr, R.GAMMA_COS_THETA, k, g_cos)
    _put(scr, R.GAMMA_PT, k, ge * g_sin)
    _put(scr, R.GAMMA_COS_STAR, k, cos_star)
    _put(scr, R.GAMMA_CM_E, k, cm_e)
    _put(scr, R.GAMMA_CM_COS_THETA, k, cm_cos)
    _put(scr, R.NU_DECAY_E, k, n_e - ge)
    _put(scr, R.NU_DECAY_PX, k, n_px - gx)
    _put(scr, R.NU_DECAY_PY, k, n_py - gy)
    _put(scr, R.NU_DECAY_PZ, k, n_pz - gz)
    vx, vy, vz, flight, boundary, p_inside, inside = displacement(decay_length, det, nx, ny, nz, sin_t,
                                                                  _draw(scr, D.U_FLIGHT, k))
    _put(scr, R.VTX_X, k, vx)
    _put(scr, R.VTX_Y, k, vy)
    _put(scr, R.VTX_Z, k, vz)
    _put(scr, R.FLIGHT_M, k, flight)
    _put(scr, R.BOUNDARY_M, k, boundary)
    _put(scr, R.P_INSIDE, k, p_inside)
    _put_flag(scr, F.INSIDE, k, inside)
    # --- selection of the true photon -------------------------------------------------
    if lab:  # the cuts' frame (a run constant)
        cut_e, cut_cos, cut_sin = (cm_e, cm_cos, cm_sin) if f.cm_cuts else (ge, g_cos, g_sin)
    else:
        cut_e, cut_cos, cut_sin = ge, g_cos, g_sin
    _put_flag(scr, F.TRUTH_PASS, k, _all(photon_cuts(sel, cut_e, cut_cos, cut_sin)))
    # --- toy detector ---------------------------------------------------------------------
    g1, g2 = normal_pair(_draw(scr, D.U_NORMAL_1, k), _draw(scr, D.U_NORMAL_2, k))
    m = measure_photon(det, Vertex(x=vx, y=vy, z=vz), Photon(e=ge, px=gx, py=gy, pz=gz),
                       Noise(g_energy=g1, g_angle=g2, u_eff=_draw(scr, D.U_EFF, k)))
    reco = inside & m.detected
    values = reco_columns(reco, m)
    for j in range(_N_RECO):
        _put(scr, _FIRST_RECO + j, k, values[j])
    # --- selection of the reconstructed photon ------------------------------------------
    rec_e, rec_cos, rec_sin = m.e, m.cos_t, abs(m.sin_t)
    if lab:  # the measured photon in the centre-of-mass frame (massless, along the measured direction)
        e_cm, px_cm, pz_cm = _transform(f, False, m.e, m.e * m.sin_t * m.cos_phi, m.e * m.cos_t)
        py_cm = m.e * m.sin_t * m.sin_phi
        rec_cm_e, rec_cm_cos = e_cm, pz_cm / e_cm
        if f.cm_cuts:
            rec_e, rec_cos, rec_sin = e_cm, rec_cm_cos, math.sqrt(px_cm * px_cm + py_cm * py_cm) / e_cm
    else:
        rec_cm_e, rec_cm_cos = m.e, m.cos_t
    _put(scr, R.GAMMA_RECO_CM_E, k, rec_cm_e if reco else 0.0)
    _put(scr, R.GAMMA_RECO_CM_COS_THETA, k, rec_cm_cos if reco else 0.0)
    passed = photon_cuts(sel, rec_e, rec_cos, rec_sin)
    _put_flag(scr, F.RECONSTRUCTED, k, reco)
    for j in range(_N_CUTS):
        _put_flag(scr, _FIRST_CUT + j, k, reco & passed[j])
    _put_flag(scr, F.PASS_ALL, k, reco & _all(passed))


@nb.njit(inline="always", **VEC)
def _all(passed):
    """Whether every cut of :func:`~mcgen.selection.cuts.photon_cuts` passed."""
    ok = True
    for j in range(_N_CUTS):
        ok = ok & passed[j]
    return ok


@nb.njit(parallel=True, cache=True, **VEC)
def generate_chunks(prod, det, sel, frames, lab, full, sampling, beam, tables, keys, first, n, out):
    """Generate events first .. first + n - 1 (first a multiple of CHUNK) into ``out`` (a
    :class:`ChunkOutputs`): the production stage alone, or with ``full`` the detector and the
    selection too. ``prod``, ``det``, ``sel``: the stages' named tuples; ``frames`` (a
    :class:`Frames`) takes the events to the lab where ``lab`` (a centre-of-mass frame that moves in
    the lab); ``sampling`` (a
    :class:`Sampling`) the cos(theta) envelope, and the candidate rounds' size from its acceptance.
    With beam effects (``prod.beams``), ``beam`` and ``tables`` (BeamParams and BeamTables of
    mcgen.mc.beams: the (u1, u2) cells and the cos(theta) envelopes of their bands) give each event
    its own s_hat.

    out.tried[j] and out.overweight[j] count, per chunk, the cos(theta) candidates and those above
    the envelope (which must stay 0); out.drawn[j] the 64-bit draws the chunk used. tried[j] = -1:
    the chunk stopped, its acceptance below 1 / MAX_CANDIDATES_PER_BLOCK per event.
    """
    # the records go whole to the compiled helpers: numba's parallel loop does not take arrays read
    # from a record's fields
    acceptance = sampling.acceptance
    n_chunks = (n + CHUNK - 1) // CHUNK
    weighted = prod.weighted
    n_draws = len(DRAWS) if full else 1
    n_real, n_flags = (_N_REAL, _N_FLAGS) if full else _OUT_STAGE1
    for j in nb.prange(n_chunks):
        key = keys[(first // CHUNK) + j]
        scr = np.zeros(_SCRATCH)
        scr[_ROW_X1 * B:(_ROW_X2 + 1) * B] = 1.0  # the nominal energies unless beam effects draw them
        counter = 0
        n_tried = 0
        n_over = 0
        lo = j * CHUNK
        hi = min(lo + CHUNK, n)
        stopped = False
        for i0 in range(lo, hi, B):
            valid = min(B, hi - i0)
            # --- production angle: accept-reject rounds until the block has B events -------
            filled = 0
            candidates = 0
            while filled < B:
                nc = min(_NC, int((B - filled) / acceptance) + 8)
                candidates += nc
                if candidates > MAX_CANDIDATES_PER_BLOCK:
                    stopped = True
                    break
                fill_uniform(key, counter, scr[_C_U:_C_U + nc])
                counter += nc
                if not weighted:
                    fill_uniform(key, counter, scr[_C_UACC:_C_UACC + nc])
                    counter += nc
                if prod.beams:  # the nc candidates' beam draws, row by row
                    for r in range(_BEAM_DRAWS if beam.spread > 0.0 else _BEAM_DRAWS - 2):
                        fill_uniform(key, counter, scr[_C_UCELL + r * _NC:_C_UCELL + r * _NC + nc])
                        counter += nc
                    _beam_candidates(scr, nc, prod, beam, tables)
                else:
                    _candidates(scr, nc, prod, sampling)
                for k in range(nc):  # keep the accepted ones, in order
                    if filled < B:
                        if filled < valid:  # the unused rest of a last block is not counted
                            n_tried += 1
                            n_over += int(scr[_C_OVER + k])
                        scr[_ROW_COS * B + filled] = scr[_C_COS + k]
                        scr[_ROW_INV_ENV * B + filled] = scr[_C_INV_ENV + k]
                        if prod.beams:
                            scr[_ROW_X1 * B + filled] = scr[_C_X1 + k]
                            scr[_ROW_X2 * B + filled] = scr[_C_X2 + k]
                        filled += int(scr[_C_ACC + k])
            if stopped:
                break
            fill_uniform(key, counter, scr[_ROW_DRAWS * B:(_ROW_DRAWS + n_draws) * B])
            counter += n_draws * B
            if full and prod.beams and lab:
                _full_block_beams_lab(scr, prod, det, sel, frames)
            elif full and prod.beams:
                _full_block_beams(scr, prod, det, sel, frames)
            elif full and lab:
                _full_block_lab(scr, prod, det, sel, frames)
            elif full:
                _full_block(scr, prod, det, sel, frames)
            elif prod.beams:
                _production_block_beams(scr, prod)
            else:
                _production_block(scr, prod)
            _store_block(scr, out, i0, valid, n_real, n_flags)
        _store_counts(out, j, -1 if stopped else n_tried, n_over, counter)
    return None


@nb.njit(cache=True, **VEC)  # not inlined: the parallel caller's array analysis rejects arrays read from a record
def _store_block(scr, out, i0, valid, n_real, n_flags):
    """The block's first ``valid`` events into the output columns from event i0 on: the first
    n_real real and n_flags flag rows (the stage's)."""
    for r in range(n_real):
        dst = out.real[r, i0:i0 + valid]
        for k in range(valid):
            dst[k] = scr[r * B + k]
    for r in range(n_flags):
        dst_flags = out.flags[r, i0:i0 + valid]
        for k in range(valid):
            dst_flags[k] = scr[(_ROW_FLAGS + r) * B + k] != 0.0


@nb.njit(cache=True)
def _store_counts(out, j, tried, overweight, drawn):
    """Chunk j's counts: candidates tried (-1: stopped), those above the envelope, the draws used."""
    out.tried[j] = tried
    out.overweight[j] = overweight
    out.drawn[j] = drawn


SUMS = ("w", "w2", "truth", "inside", "truth_inside", "reco")
"""The weighted sums of :func:`finish_batch`, in its order."""


@nb.njit(parallel=True, cache=True)
def finish_batch(real, flags, scale, d_gamma, d_z, d_w, weight, sums):
    """After :func:`generate_chunks`: scale the six coefficient rows to pb, write the event
    weights weight = sum d_i d_j w_ij, and the weighted sums of SUMS per CHUNK of events into
    sums[j] (each chunk summed in order, so the totals do not depend on the thread count)."""
    n = weight.size
    for j in nb.prange((n + CHUNK - 1) // CHUNK):
        acc = np.zeros(6)
        for i in range(j * CHUNK, min((j + 1) * CHUNK, n)):
            for r in range(6):
                real[r, i] *= scale
            w = (d_gamma * d_gamma * real[R.W_GG, i] + d_z * d_z * real[R.W_ZZ, i] + d_gamma * d_z * real[R.W_GZ, i]
                 + d_w * d_w * real[R.W_WW, i] + d_gamma * d_w * real[R.W_GW, i] + d_z * d_w * real[R.W_ZW, i])
            weight[i] = w
            truth = flags[F.TRUTH_PASS, i]
            truth_inside = truth and flags[F.INSIDE, i]
            acc[0] += w
            acc[1] += w * w
            acc[2] += w if truth else 0.0
            acc[3] += w * real[R.P_INSIDE, i]
            acc[4] += w if truth_inside else 0.0
            acc[5] += w if truth_inside and flags[F.PASS_ALL, i] else 0.0
        sums[j, :] = acc
