"""BENCHMARK-ONLY COPY of the fused kernel as it was before the layered-package restructure
(mcgen/sampler.py and generator.kernel_inputs at commit 1b5bdd5), kept so that `mcgen bench` can
measure the staged kernel against it in the same run. Delete it once the staged kernel is
accepted.

numba kernels: event generation, N decay, displacement, toy detector and selection.

One call of :func:`generate_chunks` fills column arrays for n events. Events come in
fixed-size chunks; chunk j draws from its own counter-based stream (SplitMix64 keyed by
``keys[j]``, which come from ``numpy.random.SeedSequence(seed)``), so the content of an
event depends on the seed and its index only, never on the thread count.

Within a chunk, events are made in blocks of B by loops that LLVM compiles to SIMD code
(AVX-512 here): random numbers are filled by counter, every function is branch-free (own
log, 1 - exp(-x), cos/sin of 2 pi u; Box-Muller normals), and the block's rows sit in one
scratch array at constant offsets. Per event (PHYSICS.md sections 2-4):
1. cos(theta_N) from a piecewise-constant envelope of dsigma/dcos (Walker's alias table;
   unweighted: accepted with f/envelope, in rounds of candidates until the block is full;
   weighted: kept with weight f/envelope), phi uniform;
2. the N spin density matrix from the closed-form amplitudes (mcgen.amplitudes), and the
   photon direction in the N rest frame from the decay law (exact: 1 - P.k; paper: 1 - cos
   about the N flight direction; isotropic), drawn by the reflection trick: an isotropic k
   is kept with probability (1 - P.k)/2 and reflected otherwise;
3. even events are N nubar, odd events Nbar nu: the CP image (all momenta reversed, spin
   kept), which is exact because the Lagrangian conserves CP;
4. the flight distance from the exponential law, the distance to the decay-volume boundary
   along the N direction and the analytic P(decay inside);
5. the toy detector: the photon is measured where it reaches the volume boundary (ECAL
   surface), its direction is that point seen from the origin, smeared in theta, its energy
   smeared by a/sqrt(E) (+) b; coverage and efficiency; then the card's cuts, on the true
   and on the reconstructed photon.
The six coefficients w_ij of the squared amplitude (divided by the sampling density) make
the event weight for any couplings: w = sum_{i<=j} d_i d_j w_ij.
"""

from __future__ import annotations

import enum
import math

import numba as nb
import numpy as np

from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

from mcgen.mc.rng import alias_table  # the staged kernel's (the same code)
from mcgen.physics.amplitudes import A_GAMMA, AZL_IM, AZL_RE, AZR_IM, AZR_RE, G_W, M_W2, NORM, spin_structures

__all__ = ["REAL_COLUMNS", "FLAG_COLUMNS", "PARAMS", "generate_chunks", "finish_batch", "column_buffers", "SUMS", "rng_ceiling", "output_bound", "mt19937_reference", "alias_table", "deviates", "math_check", "B", "CHUNK"]

CHUNK = 1 << 14
"""Events per chunk (one RNG stream each)."""

PARAMS = (
    "rs", "m", "k", "e_n", "ldec", "d_gamma", "d_z", "d_w", "t_channel", "st", "law", "weighted", "stage",
    "acceptance", "volume", "radius", "half_length", "a_e", "b_e", "sigma_theta", "coverage", "eff",
    "e_min", "e_max", "x_min", "x_max", "abs_cos_max", "cos_lo", "cos_hi", "pt_min", "e_z", "z_half_width", "sin_theta_b",
)  # fmt: skip
P = enum.IntEnum("P", {name.upper(): i for i, name in enumerate(PARAMS)}, start=0)
"""Indices into the parameter vector: par[P.RS] is sqrt(s)."""

REAL_COLUMNS = (
    "w_gg", "w_zz", "w_gz", "w_ww", "w_gw", "w_zw",
    "N_E", "N_px", "N_py", "N_pz", "N_cos_theta", "N_pol_x", "N_pol_y", "N_pol_z", "N_pol_long",
    "nu_recoil_px", "nu_recoil_py", "nu_recoil_pz",
    "vtx_x", "vtx_y", "vtx_z", "flight_m", "boundary_m", "p_inside",
    "gamma_E", "gamma_px", "gamma_py", "gamma_pz", "gamma_cos_theta", "gamma_pt", "gamma_cos_star",
    "nu_decay_E", "nu_decay_px", "nu_decay_py", "nu_decay_pz",
    "gamma_reco_E", "gamma_reco_px", "gamma_reco_py", "gamma_reco_pz", "gamma_reco_cos_theta", "gamma_reco_pt",
)  # fmt: skip
FLAG_COLUMNS = (
    "anti", "inside", "reconstructed", "truth_pass",
    "pass_energy", "pass_angle", "pass_pt", "pass_zveto", "pass_bhabha", "pass_all",
)  # fmt: skip
R = enum.IntEnum("R", {name.upper(): i for i, name in enumerate(REAL_COLUMNS)}, start=0)
"""Rows of the real output: real[R.GAMMA_E, i] is the true photon energy of event i."""
F = enum.IntEnum("F", {name.upper(): i for i, name in enumerate(FLAG_COLUMNS)}, start=0)
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


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30, _S27, _S31, _S11 = np.uint64(30), np.uint64(27), np.uint64(31), np.uint64(11)
_TWO_M53 = 2.0**-53
_VEC = {"fastmath": {"nnan", "ninf", "nsz"}, "error_model": "numpy"}
"""Flags of the vectorized loops: no zero-division checks (they would keep LLVM from vectorizing),
and no FMA contraction, reassociation or reciprocal approximation: those round differently
depending on how the compiler inlines and splits a loop, and a process that compiles the kernel
would then make other events (in the last bits) than one that loads it from numba's cache.
(Polynomials therefore multiply by reciprocal constants, folded exactly at compile time.)"""


@intrinsic
def _float_bits(typingctx, x):
    """The IEEE-754 bits of a float64 as an int64 (a free register move)."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.IntType(64))
    return types.int64(types.float64), codegen


@intrinsic
def _bits_float(typingctx, x):
    """The float64 with the IEEE-754 bits of an int64."""
    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], ir.DoubleType())
    return types.float64(types.int64), codegen


@nb.njit(inline="always")
def _mix(z):
    """SplitMix64's output function: the draw for counter value z (Steele, Lea, Flood 2014)."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@nb.njit(inline="always", **_VEC)
def _fill_uniform(key, counter, out):
    """out[k] = uniform in (0, 1) from draw counter + k + 1 of the SplitMix64 stream ``key``
    (the top 53 bits of each draw; counter-based, so the loop vectorizes)."""
    base = key + _GOLDEN * np.uint64(counter)
    for k in range(out.size):
        out[k] = ((_mix(base + _GOLDEN * np.uint64(k + 1)) >> _S11) + 0.5) * _TWO_M53


@nb.njit(inline="always", **_VEC)
def _log(x):
    """Natural logarithm of a positive normal float64, branch-free (vectorizes); relative error
    ~1e-16: x = 2^e m with m in [sqrt(1/2), sqrt(2)), log m = 2 artanh(s), s = (m - 1)/(m + 1)."""
    bits = _float_bits(x)
    e = (bits >> 52) - 1023
    m = _bits_float((bits & 0x000FFFFFFFFFFFFF) | 0x3FF0000000000000)
    big = m > 1.4142135623730951
    m = 0.5 * m if big else m
    e = e + 1 if big else e
    s = (m - 1.0) / (m + 1.0)
    s2 = s * s
    series = 1.0 + s2 * (1 / 3 + s2 * (1 / 5 + s2 * (1 / 7 + s2 * (1 / 9 + s2 * (1 / 11 + s2 * (
        1 / 13 + s2 * (1 / 15 + s2 * (1 / 17 + s2 * (1 / 19 + s2 * (1 / 21))))))))))
    return e * 0.6931471805599453 + 2.0 * s * series


@nb.njit(inline="always", **_VEC)
def _one_minus_exp(x):
    """1 - exp(-x) for x >= 0 to full relative precision (the series below 0.5), branch-free."""
    small = x * (1.0 - x * (1 / 2) * (1.0 - x * (1 / 3) * (1.0 - x * (1 / 4) * (1.0 - x * (1 / 5) * (
        1.0 - x * (1 / 6) * (1.0 - x * (1 / 7) * (1.0 - x * (1 / 8) * (1.0 - x * (1 / 9) * (
        1.0 - x * (1 / 10) * (1.0 - x * (1 / 11) * (1.0 - x * (1 / 12) * (1.0 - x * (1 / 13) * (1.0 - x * (1 / 14) * (
        1.0 - x * (1 / 15) * (1.0 - x * (1 / 16) * (1.0 - x * (1 / 17)))))))))))))))))
    y = min(x, 700.0)
    q = math.floor(y * 1.4426950408889634 + 0.5)  # exp(-y) = 2^-q exp(r), |r| <= ln2 / 2
    r = q * 0.6931471803691238 - y + q * 1.9082149292705877e-10
    er = 1.0 + r * (1.0 + r * (1 / 2) * (1.0 + r * (1 / 3) * (1.0 + r * (1 / 4) * (1.0 + r * (1 / 5) * (
        1.0 + r * (1 / 6) * (1.0 + r * (1 / 7) * (1.0 + r * (1 / 8) * (1.0 + r * (1 / 9) * (
        1.0 + r * (1 / 10) * (1.0 + r * (1 / 11) * (1.0 + r * (1 / 12) * (1.0 + r * (1 / 13)))))))))))))
    large = 1.0 - er * _bits_float((1023 - np.int64(q)) << 52)
    return small if x < 0.5 else large


@nb.njit(inline="always", **_VEC)
def _cos_sin_turns(u):
    """cos and sin of 2 pi u for any real u, branch-free (vectorizes); error below 1e-15.
    u is reduced to a = 2 pi (u - q/4) in [-pi/4, pi/4] and the quadrant q applied after."""
    q = math.floor(4.0 * u + 0.5)
    a = (u - 0.25 * q) * 6.283185307179586
    a2 = a * a
    sn = a * (1.0 - a2 * (1 / 6) * (1.0 - a2 * (1 / 20) * (1.0 - a2 * (1 / 42) * (1.0 - a2 * (1 / 72) * (
        1.0 - a2 * (1 / 110) * (1.0 - a2 * (1 / 156) * (1.0 - a2 * (1 / 210))))))))
    cs = 1.0 - a2 * (1 / 2) * (1.0 - a2 * (1 / 12) * (1.0 - a2 * (1 / 30) * (1.0 - a2 * (1 / 56) * (
        1.0 - a2 * (1 / 90) * (1.0 - a2 * (1 / 132) * (1.0 - a2 * (1 / 182) * (1.0 - a2 * (1 / 240))))))))
    quadrant = q - 4.0 * math.floor(0.25 * q)
    cq = (1.0 if quadrant == 0.0 else 0.0) - (1.0 if quadrant == 2.0 else 0.0)
    sq = (1.0 if quadrant == 1.0 else 0.0) - (1.0 if quadrant == 3.0 else 0.0)
    return cs * cq - sn * sq, sn * cq + cs * sq


@nb.njit(inline="always", **_VEC)
def _normal_pair(u1, u2):
    """Two independent unit normals from two uniforms (Box and Muller 1958)."""
    r = math.sqrt(-2.0 * _log(u1))
    c, s = _cos_sin_turns(u2)
    return r * c, r * s


@nb.njit(cache=True, **_VEC)
def deviates(key, n, kind):
    """n deviates from the stream ``key`` as the kernel makes them, for the tests: kind 0 unit
    normals (Box-Muller pairs), 1 unit exponentials (-log u), 2 (cos, sin) of a uniform angle
    as 2n values."""
    u = np.empty(2 * n)
    _fill_uniform(np.uint64(key), 0, u)
    out = np.empty(2 * n if kind == 2 else n)
    for k in range(n // 2 if kind == 0 else n):
        if kind == 0:
            out[2 * k], out[2 * k + 1] = _normal_pair(u[2 * k], u[2 * k + 1])
        elif kind == 1:
            out[k] = -_log(u[k])
        else:
            out[2 * k], out[2 * k + 1] = _cos_sin_turns(u[k])
    return out


@nb.njit(cache=True, **_VEC)
def math_check(x, kind):
    """The kernel's branch-free functions on an array, for the tests against numpy: kind 0 log,
    1 1 - exp(-x), 2 cos(2 pi x), 3 sin(2 pi x)."""
    out = np.empty(x.size)
    for k in range(x.size):
        if kind == 0:
            out[k] = _log(x[k])
        elif kind == 1:
            out[k] = _one_minus_exp(x[k])
        else:
            c, s = _cos_sin_turns(x[k])
            out[k] = c if kind == 2 else s
    return out


@nb.njit(inline="always")
def _cuts(cut, e, cos_t, sin_t):
    """Card selection on one photon: (energy, angle, pt, Z-return veto, radiative Bhabha), as
    non-short-circuit boolean algebra so that the loops vectorize.

    ``cut`` is the tuple made by _cut_tuple (scalars in registers, not reloaded from memory)."""
    rs, e_min, e_max, x_min, x_max, abs_cos_max, cos_lo, cos_hi, pt_min, e_z, z_half_width, sin_theta_b = cut
    x = 2.0 * e / rs
    energy = (e > e_min) & (e < e_max) & (x > x_min) & (x < x_max)
    angle = (abs(cos_t) < abs_cos_max) & (cos_t > cos_lo) & (cos_t < cos_hi)
    pt = e * sin_t > pt_min
    zveto = (z_half_width <= 0.0) | (abs(e - e_z) >= z_half_width)
    bhabha = (sin_theta_b <= 0.0) | (e * (sin_theta_b + sin_t) > rs * sin_theta_b)
    return energy, angle, pt, zveto, bhabha


@nb.njit(inline="always")
def _cut_tuple(par):
    return (
        par[P.RS], par[P.E_MIN], par[P.E_MAX], par[P.X_MIN], par[P.X_MAX], par[P.ABS_COS_MAX],
        par[P.COS_LO], par[P.COS_HI], par[P.PT_MIN], par[P.E_Z], par[P.Z_HALF_WIDTH], par[P.SIN_THETA_B],
    )


@nb.njit(inline="always")
def _pair_forms(a0, a1, b0, b1):
    """n, z, x, y of a pair of real spin vectors: a.(1 - sigma.k) b = n - k_z z - k_x x (+ i k_y y)."""
    return a0 * b0 + a1 * b1, a0 * b0 - a1 * b1, a0 * b1 + a1 * b0, a0 * b1 - a1 * b0


@nb.njit(inline="always")
def _flag(condition):
    return 1.0 if condition else 0.0


B = 64
"""Events per block. A block is made by a few loops over its events that LLVM turns into SIMD
code; their working rows live in one flat scratch array at constant offsets (so the compiler
sees that they do not overlap) and are copied to the output columns at the end."""
_NC = 4 * B  # the most cos(theta) candidates one round of the accept-reject step tries
_N_REAL, _N_FLAGS = len(REAL_COLUMNS), len(FLAG_COLUMNS)
_DRAWS = ("u_phi", "u_k_cos", "u_k_phi", "u_flip", "u_flight", "u_normal_1", "u_normal_2", "u_eff")
# scratch rows of B: the outputs (real, then flags as 0/1), the event draws, the accepted
# candidates' cos(theta) and 1/envelope; then rows of _NC for the candidates
_ROW_FLAGS = _N_REAL
_ROW_DRAWS = _N_REAL + _N_FLAGS
_ROW_COS = _ROW_DRAWS + len(_DRAWS)
_ROW_INV_ENV = _ROW_COS + 1
_CAND = (_ROW_INV_ENV + 1) * B  # offset of the candidate rows
_C_U, _C_UACC, _C_COS, _C_INV_ENV, _C_ACC, _C_OVER = (_CAND + r * _NC for r in range(6))
_SCRATCH = _CAND + 6 * _NC
_OUT_STAGE1 = (R.NU_RECOIL_PZ + 1, F.ANTI + 1)  # the real and flag rows generation-only writes


@nb.njit(inline="always")
def _production(rs, m, c, physics):
    """The production amplitudes at cos(theta) = c: the spin-matrix forms of the L, R and t-channel
    structures and their pairs, the W propagator factor bw and w0 = |M|^2 / norm summed over spins."""
    t_channel, g_w, m_w2, dw, c_ll, c_rr, al_re, al_im, st = physics
    ch = math.sqrt(0.5 * (1.0 + c))
    sh = math.sqrt(0.5 * (1.0 - c))
    l0, l1, r0, r1, t0, t1, t = spin_structures(rs, m, ch, sh)
    bw = t_channel * g_w / (t - m_w2)
    c_tt = bw * bw * dw * dw
    c_lt = 2.0 * bw * dw * al_re * st
    c_ltj = 2.0 * bw * dw * al_im * st
    ll = _pair_forms(l0, l1, l0, l1)
    rr = _pair_forms(r0, r1, r0, r1)
    tt = _pair_forms(t0, t1, t0, t1)
    lt = _pair_forms(l0, l1, t0, t1)
    w0 = c_ll * ll[0] + c_rr * rr[0] + c_tt * tt[0] + c_lt * lt[0]
    return ch, sh, bw, c_tt, c_lt, c_ltj, ll, rr, tt, lt, w0


@nb.njit(cache=True, **_VEC)  # not inlined: the parallel caller's array analysis rejects its tuples
def _candidates(scr, nc, rs, m, physics, norm, env, alias_p, alias_j, weighted):
    """cos(theta) candidates from the piecewise-constant envelope (Walker's alias method: one
    uniform picks the bin and, rescaled, the point in it) and their accept flags."""
    n_bins = env.size
    width = 2.0 / n_bins
    for k in range(nc):  # table look-ups: a scalar loop (indirect loads keep LLVM from vectorizing)
        x = scr[_C_U + k] * n_bins
        j = min(np.int64(x), n_bins - 1)
        frac = x - j
        p = alias_p[j]
        first = frac < p
        b = j if first else alias_j[j]
        r = frac / p if first else (frac - p) / max(1.0 - p, 1e-300)
        scr[_C_COS + k] = min(max(-1.0 + (b + r) * width, -1.0), 1.0)
        scr[_C_INV_ENV + k] = 1.0 / env[b]
    for k in range(nc):  # the amplitudes: vectorized
        f = norm * _production(rs, m, scr[_C_COS + k], physics)[-1]
        inv_env = scr[_C_INV_ENV + k]
        scr[_C_ACC + k] = _flag(weighted | (scr[_C_UACC + k] < f * inv_env))
        scr[_C_OVER + k] = _flag(f * inv_env > 1.0)


@nb.njit(inline="always", **_VEC)
def _coefficients(scr, k, scale, couplings, bw, st, f_ll, f_rr, f_tt, f_lt, f_ltj):
    """The six reweighting coefficients w_ij of W / sampling density into the block's rows
    (``couplings``: the tuple made once per call by generate_chunks)."""
    ag, azl2, azr2, azl_re, azl_im, azr_re = couplings
    scr[R.W_GG * B + k] = scale * ag * ag * (f_ll + f_rr)
    scr[R.W_ZZ * B + k] = scale * (azl2 * f_ll + azr2 * f_rr)
    scr[R.W_GZ * B + k] = scale * 2.0 * ag * (azl_re * f_ll + azr_re * f_rr)
    scr[R.W_WW * B + k] = scale * bw * bw * f_tt
    scr[R.W_GW * B + k] = scale * 2.0 * bw * ag * f_lt * st
    scr[R.W_ZW * B + k] = scale * 2.0 * bw * (azl_re * f_lt + azl_im * f_ltj) * st


@nb.njit(inline="always", **_VEC)
def _n_kinematics(scr, k, kmom, e_n, c, sin_t, cphi, sphi, sgn, pol_x, pol_y, pol_z):
    """N momentum, polarisation (rotated by phi) and the recoil nu into the block's rows."""
    nx, ny, nz = sgn * sin_t * cphi, sgn * sin_t * sphi, sgn * c
    scr[R.N_E * B + k] = e_n
    scr[R.N_PX * B + k] = kmom * nx
    scr[R.N_PY * B + k] = kmom * ny
    scr[R.N_PZ * B + k] = kmom * nz
    scr[R.N_COS_THETA * B + k] = nz
    scr[R.N_POL_X * B + k] = pol_x * cphi - pol_y * sphi
    scr[R.N_POL_Y * B + k] = pol_x * sphi + pol_y * cphi
    scr[R.N_POL_Z * B + k] = pol_z
    scr[R.N_POL_LONG * B + k] = sgn * (pol_x * sin_t + pol_z * c)
    scr[R.NU_RECOIL_PX * B + k] = -kmom * nx
    scr[R.NU_RECOIL_PY * B + k] = -kmom * ny
    scr[R.NU_RECOIL_PZ * B + k] = -kmom * nz
    scr[(_ROW_FLAGS + F.ANTI) * B + k] = _flag(sgn < 0.0)
    return nx, ny, nz


@nb.njit(inline="always")
def _polarisation(physics, c_tt, c_lt, c_ltj, ll, rr, tt, lt, w0):
    """N polarisation vector of the generation model in the phi = 0 frame."""
    c_ll, c_rr = physics[4], physics[5]
    pol_x = (c_ll * ll[2] + c_rr * rr[2] + c_tt * tt[2] + c_lt * lt[2]) / w0
    pol_z = (c_ll * ll[1] + c_rr * rr[1] + c_tt * tt[1] + c_lt * lt[1]) / w0
    pol_y = -c_ltj * lt[3] / w0
    return pol_x, pol_y, pol_z


@nb.njit(cache=True, **_VEC)  # not inlined: the parallel caller's array analysis rejects its tuples
def _production_block(scr, rs, m, kmom, e_n, physics, norm, weighted, couplings):
    """Generation only (stage 1): N kinematics and the decay-averaged coefficients of a block."""
    st = physics[8]
    for k in range(B):
        c = scr[_ROW_COS * B + k]
        ch, sh, bw, c_tt, c_lt, c_ltj, ll, rr, tt, lt, w0 = _production(rs, m, c, physics)
        pol_x, pol_y, pol_z = _polarisation(physics, c_tt, c_lt, c_ltj, ll, rr, tt, lt, w0)
        cphi, sphi = _cos_sin_turns(scr[_ROW_DRAWS * B + k])
        _n_kinematics(scr, k, kmom, e_n, c, 2.0 * ch * sh, cphi, sphi, 1.0 - 2.0 * (k & 1), pol_x, pol_y, pol_z)
        scale = norm * scr[_ROW_INV_ENV * B + k] if weighted else 1.0 / w0
        _coefficients(scr, k, scale, couplings, bw, st, ll[0], rr[0], tt[0], lt[0], 0.0)


@nb.njit(cache=True, **_VEC)  # not inlined: the parallel caller's array analysis rejects its tuples
def _full_block(scr, rs, m, kmom, e_n, physics, norm, weighted, exact, paper, couplings, cut, ldec, cylinder,
                radius, half_length, a_e2, b_e2, sigma_theta, coverage, eff, p_inside_sphere, e_star, gam, bgam):
    """Production, decay, displacement, detector and selection of a block (PHYSICS.md 2-4)."""
    st = physics[8]
    inv_two_pi = 1.0 / (2.0 * math.pi)
    for k in range(B):
        c = scr[_ROW_COS * B + k]
        ch, sh, bw, c_tt, c_lt, c_ltj, ll, rr, tt, lt, w0 = _production(rs, m, c, physics)
        pol_x, pol_y, pol_z = _polarisation(physics, c_tt, c_lt, c_ltj, ll, rr, tt, lt, w0)
        sin_t = 2.0 * ch * sh
        cphi, sphi = _cos_sin_turns(scr[_ROW_DRAWS * B + k])
        sgn = 1.0 - 2.0 * (k & 1)  # odd events are Nbar nu: the CP image, all momenta reversed
        nx, ny, nz = _n_kinematics(scr, k, kmom, e_n, c, sin_t, cphi, sphi, sgn, pol_x, pol_y, pol_z)
        # --- decay: photon direction k in the N rest frame (phi = 0 frame) ----------------
        kz = 2.0 * scr[(_ROW_DRAWS + 1) * B + k] - 1.0  # isotropic k ...
        k_perp = math.sqrt(max(1.0 - kz * kz, 0.0))
        kc, ks = _cos_sin_turns(scr[(_ROW_DRAWS + 2) * B + k])
        kx, ky = k_perp * kc, k_perp * ks
        dot = (exact * pol_x + paper * sin_t) * kx + exact * pol_y * ky + (exact * pol_z + paper * c) * kz
        # ... reflected with probability (1 + P.k)/2: density 1 - P.k (unweighted)
        reflect = (not weighted) & (2.0 * scr[(_ROW_DRAWS + 3) * B + k] >= 1.0 - dot)
        flip = -1.0 if reflect else 1.0
        kx, ky, kz, dot = flip * kx, flip * ky, flip * kz, flip * dot
        # --- six reweighting coefficients of W(k) / sampling density --------------------
        f_ll = ll[0] - exact * (kz * ll[1] + kx * ll[2])
        f_rr = rr[0] - exact * (kz * rr[1] + kx * rr[2])
        f_tt = tt[0] - exact * (kz * tt[1] + kx * tt[2])
        f_lt = lt[0] - exact * (kz * lt[1] + kx * lt[2])
        dec = 1.0 - paper * (sin_t * kx + c * kz)
        scale = dec * norm * scr[_ROW_INV_ENV * B + k] if weighted else dec / (w0 * max(1.0 - dot, 1e-300))
        _coefficients(scr, k, scale, couplings, bw, st, f_ll, f_rr, f_tt, f_lt, exact * ky * lt[3])
        # --- photon to the lab: boost along the N direction, rotate by phi, CP image -------
        k_par = e_star * (kx * sin_t + kz * c)
        coef = (gam - 1.0) * k_par / e_star + bgam
        gx = e_star * (kx + coef * sin_t)
        gy = e_star * ky
        gz = e_star * (kz + coef * c)
        ge = gam * e_star + bgam * k_par
        gx, gy = gx * cphi - gy * sphi, gx * sphi + gy * cphi
        gx, gy, gz = sgn * gx, sgn * gy, sgn * gz
        scr[R.GAMMA_E * B + k] = ge
        scr[R.GAMMA_PX * B + k] = gx
        scr[R.GAMMA_PY * B + k] = gy
        scr[R.GAMMA_PZ * B + k] = gz
        g_cos = gz / ge
        g_sin = math.sqrt(gx * gx + gy * gy) / ge
        scr[R.GAMMA_COS_THETA * B + k] = g_cos
        scr[R.GAMMA_PT * B + k] = ge * g_sin
        scr[R.GAMMA_COS_STAR * B + k] = kx * sin_t + kz * c
        scr[R.NU_DECAY_E * B + k] = e_n - ge
        scr[R.NU_DECAY_PX * B + k] = kmom * nx - gx
        scr[R.NU_DECAY_PY * B + k] = kmom * ny - gy
        scr[R.NU_DECAY_PZ * B + k] = kmom * nz - gz
        e_ok, a_ok, p_ok, z_ok, b_ok = _cuts(cut, ge, g_cos, g_sin)
        scr[(_ROW_FLAGS + F.TRUTH_PASS) * B + k] = _flag(e_ok & a_ok & p_ok & z_ok & b_ok)
        # --- displacement: exponential flight, distance to the decay-volume surface ------------
        flight = -ldec * _log(scr[(_ROW_DRAWS + 4) * B + k])
        boundary = min(radius / max(sin_t, 1e-300), half_length / max(abs(nz), 1e-300)) if cylinder else radius
        inside = flight < boundary
        vx, vy, vz = flight * nx, flight * ny, flight * nz
        scr[R.VTX_X * B + k] = vx
        scr[R.VTX_Y * B + k] = vy
        scr[R.VTX_Z * B + k] = vz
        scr[R.FLIGHT_M * B + k] = flight
        scr[R.BOUNDARY_M * B + k] = boundary
        scr[R.P_INSIDE * B + k] = _one_minus_exp(boundary / ldec) if cylinder else p_inside_sphere
        scr[(_ROW_FLAGS + F.INSIDE) * B + k] = _flag(inside)
        # --- toy detector: the photon where it leaves the volume, seen from the origin -----
        dx, dy, dz = gx / ge, gy / ge, gz / ge
        b_s = vx * dx + vy * dy + vz * dz
        t_sphere = -b_s + math.sqrt(max(b_s * b_s - (vx * vx + vy * vy + vz * vz - radius * radius), 0.0))
        a = dx * dx + dy * dy
        b_c = vx * dx + vy * dy
        t_barrel = (-b_c + math.sqrt(max(b_c * b_c - a * (vx * vx + vy * vy - radius * radius), 0.0))) / max(a, 1e-300)
        t_cap = ((half_length if dz > 0.0 else -half_length) - vz) / (dz if dz != 0.0 else 1.0)
        t_cyl = min(t_barrel if a > 1e-300 else 1e300, t_cap if dz != 0.0 else 1e300)
        t = t_cyl if cylinder else t_sphere
        hx, hy, hz = vx + t * dx, vy + t * dy, vz + t * dz
        hrho = math.sqrt(hx * hx + hy * hy)
        hr = max(math.sqrt(hrho * hrho + hz * hz), 1e-300)
        cos_h = hz / hr
        sin_h = hrho / hr
        g1, g2 = _normal_pair(scr[(_ROW_DRAWS + 5) * B + k], scr[(_ROW_DRAWS + 6) * B + k])
        cd, sd = _cos_sin_turns(sigma_theta * g2 * inv_two_pi)
        cos_r = cos_h * cd - sin_h * sd
        sin_r = sin_h * cd + cos_h * sd  # negative: smeared across the pole
        e_r = ge * (1.0 + math.sqrt(a_e2 / ge + b_e2) * g1)
        reco = inside & (scr[(_ROW_DRAWS + 7) * B + k] < eff) & (e_r > 0.0) & (abs(cos_r) < coverage)
        cx = hx / hrho if hrho > 0.0 else 1.0
        cy = hy / hrho if hrho > 0.0 else 0.0
        scr[R.GAMMA_RECO_E * B + k] = e_r if reco else 0.0
        scr[R.GAMMA_RECO_PX * B + k] = e_r * sin_r * cx if reco else 0.0
        scr[R.GAMMA_RECO_PY * B + k] = e_r * sin_r * cy if reco else 0.0
        scr[R.GAMMA_RECO_PZ * B + k] = e_r * cos_r if reco else 0.0
        scr[R.GAMMA_RECO_COS_THETA * B + k] = cos_r if reco else 0.0
        scr[R.GAMMA_RECO_PT * B + k] = e_r * abs(sin_r) if reco else 0.0
        e_ok, a_ok, p_ok, z_ok, b_ok = _cuts(cut, e_r, cos_r, abs(sin_r))
        scr[(_ROW_FLAGS + F.RECONSTRUCTED) * B + k] = _flag(reco)
        scr[(_ROW_FLAGS + F.PASS_ENERGY) * B + k] = _flag(reco & e_ok)
        scr[(_ROW_FLAGS + F.PASS_ANGLE) * B + k] = _flag(reco & a_ok)
        scr[(_ROW_FLAGS + F.PASS_PT) * B + k] = _flag(reco & p_ok)
        scr[(_ROW_FLAGS + F.PASS_ZVETO) * B + k] = _flag(reco & z_ok)
        scr[(_ROW_FLAGS + F.PASS_BHABHA) * B + k] = _flag(reco & b_ok)
        scr[(_ROW_FLAGS + F.PASS_ALL) * B + k] = _flag(reco & e_ok & a_ok & p_ok & z_ok & b_ok)


@nb.njit(parallel=True, cache=True, **_VEC)
def generate_chunks(par, consts, env, alias_p, alias_j, keys, first, n, real, flags, tried, overweight, drawn):
    """Generate events first .. first + n - 1 (first a multiple of CHUNK) into real/flags.

    tried[j] and overweight[j] count, per chunk, the cos(theta) candidates and those above
    the envelope (which must stay 0); drawn[j] the 64-bit draws the chunk used.
    """
    n_chunks = (n + CHUNK - 1) // CHUNK
    rs = par[P.RS]
    m = par[P.M]
    kmom = par[P.K]
    e_n = par[P.E_N]
    dg, dz, dw = par[P.D_GAMMA], par[P.D_Z], par[P.D_W]
    t_channel = 1.0 if par[P.T_CHANNEL] > 0.0 else 0.0
    st = par[P.ST] * t_channel
    law = int(par[P.LAW])
    exact, paper = 1.0 if law == 0 else 0.0, 1.0 if law == 1 else 0.0
    weighted = par[P.WEIGHTED] > 0.0
    full = par[P.STAGE] > 1.0
    acceptance = par[P.ACCEPTANCE]
    norm = consts[NORM]
    ag = consts[A_GAMMA]
    azl_re, azl_im, azr_re = consts[AZL_RE], consts[AZL_IM], consts[AZR_RE]
    al_re = ag * dg + azl_re * dz
    al_im = azl_im * dz
    ar_re = ag * dg + azr_re * dz
    ar_im = consts[AZR_IM] * dz
    physics = (t_channel, consts[G_W], consts[M_W2], dw, al_re * al_re + al_im * al_im,
               ar_re * ar_re + ar_im * ar_im, al_re, al_im, st)
    couplings = (ag, azl_re * azl_re + azl_im * azl_im, azr_re * azr_re + consts[AZR_IM] ** 2, azl_re, azl_im, azr_re)
    cut = _cut_tuple(par)
    ldec = par[P.LDEC]
    cylinder = par[P.VOLUME] != 0.0
    radius, half_length = par[P.RADIUS], par[P.HALF_LENGTH]
    a_e2, b_e2 = par[P.A_E] ** 2, par[P.B_E] ** 2
    sigma_theta, coverage, eff = par[P.SIGMA_THETA], par[P.COVERAGE], par[P.EFF]
    p_inside_sphere = _one_minus_exp(radius / ldec)
    e_star = 0.5 * m
    gam = e_n / m
    bgam = kmom / m
    n_draws = len(_DRAWS) if full else 1
    n_real, n_flags = (_N_REAL, _N_FLAGS) if full else _OUT_STAGE1
    for j in nb.prange(n_chunks):
        key = keys[(first // CHUNK) + j]
        scr = np.zeros(_SCRATCH)
        counter = 0
        n_tried = 0
        n_over = 0
        lo = j * CHUNK
        hi = min(lo + CHUNK, n)
        for i0 in range(lo, hi, B):
            valid = min(B, hi - i0)
            # --- production angle: accept-reject rounds until the block has B events -------
            filled = 0
            while filled < B:
                nc = min(_NC, int((B - filled) / acceptance) + 8)
                _fill_uniform(key, counter, scr[_C_U:_C_U + nc])
                counter += nc
                if not weighted:
                    _fill_uniform(key, counter, scr[_C_UACC:_C_UACC + nc])
                    counter += nc
                _candidates(scr, nc, rs, m, physics, norm, env, alias_p, alias_j, weighted)
                for k in range(nc):  # keep the accepted ones, in order
                    if filled < B:
                        if filled < valid:  # the unused rest of a last block is not counted
                            n_tried += 1
                            n_over += np.int64(scr[_C_OVER + k])
                        scr[_ROW_COS * B + filled] = scr[_C_COS + k]
                        scr[_ROW_INV_ENV * B + filled] = scr[_C_INV_ENV + k]
                        filled += np.int64(scr[_C_ACC + k])
            _fill_uniform(key, counter, scr[_ROW_DRAWS * B:(_ROW_DRAWS + n_draws) * B])
            counter += n_draws * B
            if full:
                _full_block(scr, rs, m, kmom, e_n, physics, norm, weighted, exact, paper, couplings, cut, ldec, cylinder,
                            radius, half_length, a_e2, b_e2, sigma_theta, coverage, eff, p_inside_sphere, e_star, gam, bgam)
            else:
                _production_block(scr, rs, m, kmom, e_n, physics, norm, weighted, couplings)
            for r in range(n_real):
                dst = real[r, i0:i0 + valid]
                for k in range(valid):
                    dst[k] = scr[r * B + k]
            for r in range(n_flags):
                dst_flags = flags[r, i0:i0 + valid]
                for k in range(valid):
                    dst_flags[k] = scr[(_ROW_FLAGS + r) * B + k] != 0.0
        tried[j] = n_tried
        overweight[j] = n_over
        drawn[j] = counter
    return None


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


@nb.njit(parallel=True, cache=True, fastmath=True)  # the checksum may be summed in any order
def rng_ceiling(keys, drawn):
    """The RNG ceiling: chunk j draws drawn[j] uniforms from its stream the way the kernel does
    (blocks filled by the same vectorized loop) and does no physics (the sum keeps the loop)."""
    sums = np.zeros(drawn.size)
    for j in nb.prange(drawn.size):
        buffer = np.empty(len(_DRAWS) * B)
        acc = 0.0
        for start in range(0, drawn[j], buffer.size):
            size = min(buffer.size, drawn[j] - start)
            _fill_uniform(keys[j], start, buffer[:size])
            for k in range(size):
                acc += buffer[k]
        sums[j] = acc
    return sums.sum()


@nb.njit(parallel=True, cache=True, **_VEC)
def output_bound(real, flags):
    """The output alone: every column the kernel writes, filled with a value per event (no
    random numbers, no physics). Bounds what any kernel with this output can reach."""
    n = real.shape[1]
    for j in nb.prange((n + CHUNK - 1) // CHUNK):
        lo, hi = j * CHUNK, min((j + 1) * CHUNK, n)
        for r in range(real.shape[0]):
            row = real[r, lo:hi]
            for k in range(hi - lo):
                row[k] = k + r
        for r in range(flags.shape[0]):
            row_flags = flags[r, lo:hi]
            for k in range(hi - lo):
                row_flags[k] = (k & r) != 0
    return None


@nb.njit(parallel=True, cache=True)
def mt19937_reference(n, draws):
    """numba's np.random (MT19937) drawing ``draws`` uniforms per event, for comparison."""
    acc = np.zeros(n)
    for i in nb.prange(n):
        x = 0.0
        for _k in range(draws):
            x += np.random.random()
        acc[i] = x
    return acc.sum()


# --- generator.kernel_inputs of commit 1b5bdd5 -----------------------------------------------
from mcgen.config.options import check_kinematics  # noqa: E402
from mcgen.physics.amplitudes import coupling_constants, dsigma_dcos_one  # noqa: E402
from mcgen.physics.model import decay_length_m, two_body_momentum, widths  # noqa: E402

LAWS = {"exact": 0, "paper": 1, "isotropic": 2}
ENVELOPE_BINS = 1024
GAUSS_LEGENDRE_96 = np.polynomial.legendre.leggauss(96)
_SUBSAMPLES = 16
_NO_CUT = 1e300


def _envelope(f):
    """Piecewise-constant upper bound of f on [-1, 1] in equal bins: (bin heights, integral)."""
    edges = np.linspace(-1.0, 1.0, ENVELOPE_BINS + 1)
    sub = edges[:-1, None] + (edges[1] - edges[0]) * np.linspace(0.0, 1.0, _SUBSAMPLES + 1)[None, :]
    values = f(sub.ravel()).reshape(sub.shape)
    top = values.max(axis=1)
    env = top + 0.02 * (top - values.min(axis=1)) + 1e-9 * top.max()  # margin for curvature
    return env, float(env.sum() * (edges[1] - edges[0]))


def kernel_inputs(card, model, options, *, weighted: bool, stage: int):
    """The kernel's inputs: parameter vector, amplitude constants, the cos(theta) envelope with
    its alias table (prob, alias) and its integral."""
    check_kinematics(card, model)
    ew, det, sel = card.electroweak, card.detector, card.selection
    rs, m = card.sqrt_s, model.mass
    c = model.couplings
    t_channel = model.flavour == "e"
    st = options.st_interference
    consts = coupling_constants(rs, m, ew)
    k = float(two_body_momentum(rs, m))
    total_width = widths(model, ew, options.three_body).total
    par = dict.fromkeys(PARAMS, 0.0)
    par.update(
        rs=rs, m=m, k=k, e_n=math.hypot(k, m), ldec=float(decay_length_m(k, m, total_width)),
        d_gamma=c.d_gamma, d_z=c.d_Z, d_w=c.d_W, t_channel=float(t_channel), st=float(st),
        law=LAWS[options.decay_law], weighted=float(weighted), stage=float(stage), acceptance=1.0,
        volume=0.0 if det.decay_volume == "sphere" else 1.0, radius=det.decay_radius_m,
        half_length=det.decay_half_length_m or 0.0, a_e=det.energy_stochastic, b_e=det.energy_constant,
        sigma_theta=det.angle_resolution_rad, coverage=det.abs_cos_coverage, eff=det.photon_efficiency,
        e_min=-_NO_CUT if sel.e_min is None else sel.e_min, e_max=_NO_CUT if sel.e_max is None else sel.e_max,
        x_min=-_NO_CUT if sel.x_min is None else sel.x_min, x_max=_NO_CUT if sel.x_max is None else sel.x_max,
        abs_cos_max=2.0 if sel.abs_cos_max is None else sel.abs_cos_max,
        cos_lo=-2.0 if sel.theta_max_deg is None else math.cos(math.radians(sel.theta_max_deg)),
        cos_hi=2.0 if sel.theta_min_deg is None else math.cos(math.radians(sel.theta_min_deg)),
        pt_min=-_NO_CUT if sel.pt_min is None else sel.pt_min,
        e_z=(rs**2 - ew.m_Z**2) / (2 * rs),
        z_half_width=sel.z_return_veto_widths * ew.m_Z * ew.Gamma_Z / rs,
        sin_theta_b=math.sqrt(1 - sel.bhabha_cos_theta_b**2) if sel.bhabha_cos_theta_b > 0 else 0.0,
    )

    def shape(d_gamma, d_z, d_w):
        return lambda x: dsigma_dcos_one(x, rs, m, consts, d_gamma, d_z, d_w, t_channel, st)

    if weighted:  # a proposal that covers every coupling structure: s-channel and t-channel shapes
        parts = [shape(1.0, 0.0, 0.0)] + ([shape(0.0, 0.0, 1.0)] if t_channel else [])
        x, w = GAUSS_LEGENDRE_96
        norms = [float(w @ p(x)) for p in parts]
        proposal = lambda x: sum(p(x) / nrm for p, nrm in zip(parts, norms))  # noqa: E731
        env, total = _envelope(proposal)
    else:
        f = shape(c.d_gamma, c.d_Z, c.d_W)
        env, total = _envelope(f)
        x, w = GAUSS_LEGENDRE_96
        par["acceptance"] = min(max(float(w @ f(x)) / total, 0.01), 1.0)  # sizes the candidate rounds
    return np.array([par[p] for p in PARAMS]), consts, env, alias_table(env), total
