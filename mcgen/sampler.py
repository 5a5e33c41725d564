"""numba kernels: event generation, N decay, displacement, toy detector and selection.

One call of :func:`generate_chunks` fills column arrays for n events. Events come in
fixed-size chunks; chunk j draws from its own counter-based stream (SplitMix64 keyed by
``keys[j]``, which come from ``numpy.random.SeedSequence(seed)``), so the content of an
event depends on the seed and its index only, never on the thread count.

Per event (PHYSICS.md sections 2-4):
1. cos(theta_N) from a piecewise-constant envelope of dsigma/dcos (unweighted: accepted
   with f/envelope; weighted: kept with weight f/envelope), phi uniform;
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

from mcgen.amplitudes import A_GAMMA, AZL_IM, AZL_RE, AZR_IM, AZR_RE, G_W, M_W2, NORM, spin_structures

__all__ = ["REAL_COLUMNS", "FLAG_COLUMNS", "PARAMS", "generate_chunks", "finish_batch", "column_buffers", "RECO_REAL", "RECO_FLAGS", "SUMS", "rng_ceiling", "mt19937_reference", "ziggurat_deviates", "draws_per_event", "CHUNK"]

CHUNK = 1 << 14
"""Events per chunk (one RNG stream each)."""

PARAMS = (
    "rs", "m", "k", "e_n", "ldec", "d_gamma", "d_z", "d_w", "t_channel", "st", "law", "weighted", "stage",
    "volume", "radius", "half_length", "a_e", "b_e", "sigma_theta", "coverage", "eff",
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


@nb.njit(inline="always")
def _next64(state):
    """SplitMix64: (64 random bits, next state)."""
    state = state + _GOLDEN
    z = state
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31), state


@nb.njit(inline="always")
def _uniform(state):
    """(u in (0, 1), next state) from the top 53 bits of one draw."""
    z, state = _next64(state)
    return ((z >> _S11) + 0.5) * _TWO_M53, state


def _ziggurat_tables():
    """Marsaglia and Tsang's (2000) 128-layer normal and 256-layer exponential ziggurats:
    (kn, wn, fn) and (ke, we, fe), for 32-bit integer abscissae."""
    m1, m2 = 2.0**31, 2.0**32
    kn, wn, fn = np.zeros(128, np.int64), np.zeros(128), np.zeros(128)
    dn = tn = 3.442619855899
    vn = 9.91256303526217e-3
    q = vn / math.exp(-0.5 * dn * dn)
    kn[0], kn[1] = int(dn / q * m1), 0
    wn[0], wn[127] = q / m1, dn / m1
    fn[0], fn[127] = 1.0, math.exp(-0.5 * dn * dn)
    for i in range(126, 0, -1):
        dn = math.sqrt(-2.0 * math.log(vn / dn + math.exp(-0.5 * dn * dn)))
        kn[i + 1] = int(dn / tn * m1)
        tn = dn
        fn[i], wn[i] = math.exp(-0.5 * dn * dn), dn / m1
    ke, we, fe = np.zeros(256, np.int64), np.zeros(256), np.zeros(256)
    de = te = 7.697117470131487
    ve = 3.949659822581572e-3
    q = ve / math.exp(-de)
    ke[0], ke[1] = int(de / q * m2), 0
    we[0], we[255] = q / m2, de / m2
    fe[0], fe[255] = 1.0, math.exp(-de)
    for i in range(254, 0, -1):
        de = -math.log(ve / de + math.exp(-de))
        ke[i + 1] = int(de / te * m2)
        te = de
        fe[i], we[i] = math.exp(-de), de / m2
    return kn, wn, fn, ke, we, fe


_KN, _WN, _FN, _KE, _WE, _FE = _ziggurat_tables()
_ZIG_R = 3.442619855899  # start of the normal tail
_ZIG_RE = 7.697117470131487  # start of the exponential tail
_S32 = np.uint64(32)
_LOW7, _LOW8 = np.uint64(127), np.uint64(255)
_TWO31, _TWO32 = np.int64(1 << 31), np.int64(1 << 32)


@nb.njit
def _normal_slow(hz, iz, state):
    """The ziggurat's rare paths for the normal: the tail beyond r and the wedges."""
    while True:
        x = hz * _WN[iz]
        if iz == 0:  # tail: Marsaglia's method
            while True:
                u, state = _uniform(state)
                v, state = _uniform(state)
                xt = -math.log(u) / _ZIG_R
                if -2.0 * math.log(v) >= xt * xt:
                    return (_ZIG_R + xt if hz > 0 else -_ZIG_R - xt), state
        u, state = _uniform(state)
        if _FN[iz] + u * (_FN[iz - 1] - _FN[iz]) < math.exp(-0.5 * x * x):
            return x, state
        hz, iz, state = _normal_layer(state)
        if abs(hz) < _KN[iz]:
            return hz * _WN[iz], state


@nb.njit(inline="always")
def _normal_layer(state):
    """One draw split into a signed 32-bit abscissa (high bits) and a layer (low 7 bits)."""
    z, state = _next64(state)
    hz = np.int64(z >> _S32)
    return (hz - _TWO32 if hz >= _TWO31 else hz), np.int64(z & _LOW7), state


@nb.njit(inline="always")
def _normal(state):
    """A unit normal deviate by the ziggurat: one draw, no transcendental function 99% of the time."""
    hz, iz, state = _normal_layer(state)
    if abs(hz) < _KN[iz]:
        return hz * _WN[iz], state
    return _normal_slow(hz, iz, state)


@nb.njit
def _exponential_slow(jz, iz, state):
    """The ziggurat's rare paths for the exponential: the tail beyond r_e and the wedges."""
    while True:
        if iz == 0:
            u, state = _uniform(state)
            return _ZIG_RE - math.log(u), state
        x = jz * _WE[iz]
        u, state = _uniform(state)
        if _FE[iz] + u * (_FE[iz - 1] - _FE[iz]) < math.exp(-x):
            return x, state
        z, state = _next64(state)
        iz = np.int64(z & _LOW8)
        jz = np.int64(z >> _S32)
        if jz < _KE[iz]:
            return jz * _WE[iz], state


@nb.njit(inline="always")
def _exponential(state):
    """A unit exponential deviate by the ziggurat (one draw, no logarithm 99% of the time)."""
    z, state = _next64(state)
    iz = np.int64(z & _LOW8)
    jz = np.int64(z >> _S32)
    if jz < _KE[iz]:
        return jz * _WE[iz], state
    return _exponential_slow(jz, iz, state)


@nb.njit(inline="always")
def _small_angle_cos_sin(delta):
    """cos and sin of delta: for |delta| < 0.01 (every resolution-sized smearing) their Taylor
    series to double precision, otherwise the library functions."""
    d2 = delta * delta
    if d2 < 1e-4:
        return (1.0 - d2 * (0.5 - d2 * (1.0 / 24.0 - d2 * (1.0 / 720.0))),
                delta * (1.0 - d2 * (1.0 / 6.0 - d2 * (1.0 / 120.0 - d2 * (1.0 / 5040.0)))))
    return math.cos(delta), math.sin(delta)


@nb.njit(cache=True)
def ziggurat_deviates(key, n, exponential):
    """n unit normals (or unit exponentials) from the kernel's ziggurats on the stream ``key``
    (for the tests)."""
    out = np.empty(n)
    state = np.uint64(key)
    for i in range(n):
        if exponential:
            out[i], state = _exponential(state)
        else:
            out[i], state = _normal(state)
    return out


@nb.njit(inline="always")
def _find_bin(cdf, guide, u):
    """The bin b with cdf[b] <= u < cdf[b + 1], starting from a guide table (1-2 steps)."""
    b = guide[int(u * guide.size)]
    while cdf[b + 1] <= u:
        b += 1
    return b


@nb.njit(inline="always")
def _unit_disk(state):
    """A uniform point (x, y) in the unit disk and s = x^2 + y^2 in (0, 1) (rejection, no trig)."""
    while True:
        u, state = _uniform(state)
        v, state = _uniform(state)
        x = 2.0 * u - 1.0
        y = 2.0 * v - 1.0
        s = x * x + y * y
        if 0.0 < s < 1.0:
            return x, y, s, state


@nb.njit(inline="always")
def _cuts(cut, e, cos_t, sin_t):
    """Card selection on one photon: (energy, angle, pt, Z-return veto, radiative Bhabha).

    ``cut`` is the tuple made by _cut_tuple (scalars in registers, not reloaded from memory)."""
    rs, e_min, e_max, x_min, x_max, abs_cos_max, cos_lo, cos_hi, pt_min, e_z, z_half_width, sin_theta_b = cut
    x = 2.0 * e / rs
    energy = e > e_min and e < e_max and x > x_min and x < x_max
    angle = abs(cos_t) < abs_cos_max and cos_t > cos_lo and cos_t < cos_hi
    pt = e * sin_t > pt_min
    zveto = z_half_width <= 0.0 or abs(e - e_z) >= z_half_width
    bhabha = sin_theta_b <= 0.0 or e * (sin_theta_b + sin_t) > rs * sin_theta_b
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
def _boundary_distance(cylinder, r, half_length, ux, uy, uz):
    """Distance from the origin to the decay-volume surface along the unit vector u."""
    if not cylinder:
        return r
    rho = math.sqrt(ux * ux + uy * uy)
    d_barrel = r / rho if rho > 0.0 else 1e300
    d_cap = half_length / abs(uz) if uz != 0.0 else 1e300
    return min(d_barrel, d_cap)


@nb.njit(inline="always")
def _exit_point(cylinder, r, half_length, vx, vy, vz, dx, dy, dz):
    """Where a ray from (vx, vy, vz) inside the volume along unit (dx, dy, dz) leaves it."""
    if not cylinder:
        b = vx * dx + vy * dy + vz * dz
        c = vx * vx + vy * vy + vz * vz - r * r
        t = -b + math.sqrt(max(b * b - c, 0.0))
    else:
        a = dx * dx + dy * dy
        t = 1e300
        if a > 0.0:
            b = vx * dx + vy * dy
            c = vx * vx + vy * vy - r * r
            t = (-b + math.sqrt(max(b * b - a * c, 0.0))) / a
        if dz != 0.0:
            t = min(t, ((half_length if dz > 0.0 else -half_length) - vz) / dz)
    return vx + t * dx, vy + t * dy, vz + t * dz


@nb.njit(parallel=True, fastmath=True, cache=True)
def generate_chunks(par, consts, env, cdf, guide, keys, first, n, real, flags, tried, overweight):
    """Generate events first .. first + n - 1 (first a multiple of CHUNK) into real/flags.

    tried[j] and overweight[j] count, per chunk, the cos(theta) candidates and those above
    the envelope (which must stay 0).
    """
    n_chunks = (n + CHUNK - 1) // CHUNK
    rs = par[P.RS]
    m = par[P.M]
    kmom = par[P.K]
    e_n = par[P.E_N]
    dg, dz, dw = par[P.D_GAMMA], par[P.D_Z], par[P.D_W]
    t_channel = par[P.T_CHANNEL] > 0.0
    st = par[P.ST] if t_channel else 0.0
    law = int(par[P.LAW])
    weighted = par[P.WEIGHTED] > 0.0
    full = par[P.STAGE] > 1.0
    n_bins = env.size
    width = 2.0 / n_bins
    al_re = consts[A_GAMMA] * dg + consts[AZL_RE] * dz
    al_im = consts[AZL_IM] * dz
    ar_re = consts[A_GAMMA] * dg + consts[AZR_RE] * dz
    ar_im = consts[AZR_IM] * dz
    c_ll = al_re * al_re + al_im * al_im
    c_rr = ar_re * ar_re + ar_im * ar_im
    # every constant in a local: the output stores could alias par/consts and force reloads
    norm = consts[NORM]
    ag, g_w, m_w2 = consts[A_GAMMA], consts[G_W], consts[M_W2]
    azl_re, azl_im, azr_re = consts[AZL_RE], consts[AZL_IM], consts[AZR_RE]
    azl2 = consts[AZL_RE] ** 2 + consts[AZL_IM] ** 2
    azr2 = consts[AZR_RE] ** 2 + consts[AZR_IM] ** 2
    cut = _cut_tuple(par)
    ldec = par[P.LDEC]
    cylinder = par[P.VOLUME] != 0.0
    radius, half_length = par[P.RADIUS], par[P.HALF_LENGTH]
    a_e2, b_e2 = par[P.A_E] ** 2, par[P.B_E] ** 2
    sigma_theta, coverage, eff = par[P.SIGMA_THETA], par[P.COVERAGE], par[P.EFF]
    p_inside_sphere = -math.expm1(-radius / ldec)
    for j in nb.prange(n_chunks):
        state = keys[(first // CHUNK) + j]
        n_tried = 0
        n_over = 0
        lo = j * CHUNK
        hi = min(lo + CHUNK, n)
        for i in range(lo, hi):
            # --- production angle -------------------------------------------------------
            while True:
                u, state = _uniform(state)
                b = _find_bin(cdf, guide, u)
                r = (u - cdf[b]) / (cdf[b + 1] - cdf[b])
                c = min(max(-1.0 + (b + r) * width, -1.0), 1.0)
                ch = math.sqrt(0.5 * (1.0 + c))
                sh = math.sqrt(0.5 * (1.0 - c))
                l0, l1, r0, r1, t0, t1, t = spin_structures(rs, m, ch, sh)
                bw = g_w / (t - m_w2) if t_channel else 0.0
                n_ll, z_ll, x_ll, _y = _pair_forms(l0, l1, l0, l1)
                n_rr, z_rr, x_rr, _y = _pair_forms(r0, r1, r0, r1)
                n_tt, z_tt, x_tt, _y = _pair_forms(t0, t1, t0, t1)
                n_lt, z_lt, x_lt, y_lt = _pair_forms(l0, l1, t0, t1)
                c_tt = bw * bw * dw * dw
                c_lt = 2.0 * bw * dw * al_re * st
                c_ltj = 2.0 * bw * dw * al_im * st
                w0 = c_ll * n_ll + c_rr * n_rr + c_tt * n_tt + c_lt * n_lt
                f = norm * w0
                n_tried += 1
                if f > env[b]:
                    n_over += 1
                if weighted:
                    break
                u, state = _uniform(state)
                if u * env[b] < f:
                    break
            sin_t = 2.0 * ch * sh
            # polarisation of the generation model in the phi = 0 canonical frame
            pol_x = (c_ll * x_ll + c_rr * x_rr + c_tt * x_tt + c_lt * x_lt) / w0
            pol_z = (c_ll * z_ll + c_rr * z_rr + c_tt * z_tt + c_lt * z_lt) / w0
            pol_y = -c_ltj * y_lt / w0
            dx_, dy_, ds_, state = _unit_disk(state)  # phi uniform: (cos, sin) = point / |point|
            rinv = 1.0 / math.sqrt(ds_)
            cphi = dx_ * rinv
            sphi = dy_ * rinv
            anti = (i & 1) == 1
            sgn = -1.0 if anti else 1.0  # CP image: all momenta reversed
            nx, ny, nz = sgn * sin_t * cphi, sgn * sin_t * sphi, sgn * c
            real[R.N_E, i] = e_n
            real[R.N_PX, i] = kmom * nx
            real[R.N_PY, i] = kmom * ny
            real[R.N_PZ, i] = kmom * nz
            real[R.N_COS_THETA, i] = nz
            real[R.N_POL_X, i] = pol_x * cphi - pol_y * sphi
            real[R.N_POL_Y, i] = pol_x * sphi + pol_y * cphi
            real[R.N_POL_Z, i] = pol_z
            real[R.N_POL_LONG, i] = sgn * (pol_x * sin_t + pol_z * c)
            real[R.NU_RECOIL_PX, i] = -kmom * nx
            real[R.NU_RECOIL_PY, i] = -kmom * ny
            real[R.NU_RECOIL_PZ, i] = -kmom * nz
            flags[F.ANTI, i] = anti
            # --- decay: photon direction k in the N rest frame (phi = 0 frame) ------------
            kx, ky, kz = 0.0, 0.0, 0.0
            density = w0  # sampling density of (cos, k) up to a constant, times norm below
            if full:
                dx_, dy_, ds_, state = _unit_disk(state)  # isotropic k (Marsaglia 1972)
                root = 2.0 * math.sqrt(1.0 - ds_)
                kx = dx_ * root
                ky = dy_ * root
                kz = 1.0 - 2.0 * ds_
                if law == 0:
                    px_, py_, pz_ = pol_x, pol_y, pol_z
                elif law == 1:
                    px_, py_, pz_ = sin_t, 0.0, c
                else:
                    px_, py_, pz_ = 0.0, 0.0, 0.0
                dot = px_ * kx + py_ * ky + pz_ * kz
                if not weighted:
                    u, state = _uniform(state)
                    flip = 1.0 - 2.0 * (2.0 * u >= 1.0 - dot)  # reflect (branch-free): density 1 - P.k
                    kx, ky, kz, dot = flip * kx, flip * ky, flip * kz, flip * dot
                    density = w0 * max(1.0 - dot, 1e-300)
            # --- six reweighting coefficients of W(k) / sampling density -----------------
            if law == 0:
                f_ll = n_ll - kz * z_ll - kx * x_ll
                f_rr = n_rr - kz * z_rr - kx * x_rr
                f_tt = n_tt - kz * z_tt - kx * x_tt
                f_lt = n_lt - kz * z_lt - kx * x_lt
                f_ltj = ky * y_lt
                dec = 1.0
            else:
                f_ll, f_rr, f_tt, f_lt, f_ltj = n_ll, n_rr, n_tt, n_lt, 0.0
                dec = 1.0 - (sin_t * kx + c * kz) if law == 1 else 1.0
            if weighted:
                scale = dec * norm / env[b]
            else:
                scale = dec / density
            real[R.W_GG, i] = scale * ag * ag * (f_ll + f_rr)
            real[R.W_ZZ, i] = scale * (azl2 * f_ll + azr2 * f_rr)
            real[R.W_GZ, i] = scale * 2.0 * ag * (azl_re * f_ll + azr_re * f_rr)
            real[R.W_WW, i] = scale * bw * bw * f_tt
            real[R.W_GW, i] = scale * 2.0 * bw * ag * f_lt * st
            real[R.W_ZW, i] = scale * 2.0 * bw * (azl_re * f_lt + azl_im * f_ltj) * st
            if not full:
                continue
            # --- photon to the lab: boost along the N direction, rotate by phi, CP image ---
            e_star = 0.5 * m
            k_par = e_star * (kx * sin_t + kz * c)
            gam = e_n / m
            bgam = kmom / m
            coef = (gam - 1.0) * k_par / e_star + bgam
            gx = e_star * (kx + coef * sin_t)
            gy = e_star * ky
            gz = e_star * (kz + coef * c)
            ge = gam * e_star + bgam * k_par
            gx, gy = gx * cphi - gy * sphi, gx * sphi + gy * cphi
            gx, gy, gz = sgn * gx, sgn * gy, sgn * gz
            real[R.GAMMA_E, i] = ge
            real[R.GAMMA_PX, i] = gx
            real[R.GAMMA_PY, i] = gy
            real[R.GAMMA_PZ, i] = gz
            g_cos = gz / ge
            g_sin = math.sqrt(gx * gx + gy * gy) / ge
            real[R.GAMMA_COS_THETA, i] = g_cos
            real[R.GAMMA_PT, i] = ge * g_sin
            real[R.GAMMA_COS_STAR, i] = kx * sin_t + kz * c
            real[R.NU_DECAY_E, i] = e_n - ge
            real[R.NU_DECAY_PX, i] = kmom * nx - gx
            real[R.NU_DECAY_PY, i] = kmom * ny - gy
            real[R.NU_DECAY_PZ, i] = kmom * nz - gz
            e_ok, a_ok, p_ok, z_ok, b_ok = _cuts(cut, ge, g_cos, g_sin)
            flags[F.TRUTH_PASS, i] = e_ok and a_ok and p_ok and z_ok and b_ok
            # --- displacement ------------------------------------------------------------
            flight, state = _exponential(state)
            flight *= ldec
            boundary = _boundary_distance(cylinder, radius, half_length, nx, ny, nz)
            inside = flight < boundary
            vx, vy, vz = flight * nx, flight * ny, flight * nz
            real[R.VTX_X, i] = vx
            real[R.VTX_Y, i] = vy
            real[R.VTX_Z, i] = vz
            real[R.FLIGHT_M, i] = flight
            real[R.BOUNDARY_M, i] = boundary
            real[R.P_INSIDE, i] = -math.expm1(-boundary / ldec) if cylinder else p_inside_sphere
            flags[F.INSIDE, i] = inside
            # --- toy detector ------------------------------------------------------------
            g1, state = _normal(state)
            g2, state = _normal(state)
            u, state = _uniform(state)
            efficient = u < eff
            if not inside:
                continue
            hx, hy, hz = _exit_point(cylinder, radius, half_length, vx, vy, vz, gx / ge, gy / ge, gz / ge)
            hr = math.sqrt(hx * hx + hy * hy + hz * hz)
            hrho = math.sqrt(hx * hx + hy * hy)
            cos_h = hz / hr
            sin_h = hrho / hr
            delta = sigma_theta * g2
            cd, sd = _small_angle_cos_sin(delta)
            cos_r = cos_h * cd - sin_h * sd
            sin_r = sin_h * cd + cos_h * sd  # negative: smeared across the pole
            e_r = ge * (1.0 + math.sqrt(a_e2 / ge + b_e2) * g1)
            if not (efficient and e_r > 0.0 and abs(cos_r) < coverage):
                continue
            flags[F.RECONSTRUCTED, i] = True
            cx = hx / hrho if hrho > 0.0 else 1.0
            cy = hy / hrho if hrho > 0.0 else 0.0
            real[R.GAMMA_RECO_E, i] = e_r
            real[R.GAMMA_RECO_PX, i] = e_r * sin_r * cx
            real[R.GAMMA_RECO_PY, i] = e_r * sin_r * cy
            real[R.GAMMA_RECO_PZ, i] = e_r * cos_r
            real[R.GAMMA_RECO_COS_THETA, i] = cos_r
            real[R.GAMMA_RECO_PT, i] = e_r * abs(sin_r)
            e_ok, a_ok, p_ok, z_ok, b_ok = _cuts(cut, e_r, cos_r, abs(sin_r))
            flags[F.PASS_ENERGY, i] = e_ok
            flags[F.PASS_ANGLE, i] = a_ok
            flags[F.PASS_PT, i] = p_ok
            flags[F.PASS_ZVETO, i] = z_ok
            flags[F.PASS_BHABHA, i] = b_ok
            flags[F.PASS_ALL, i] = e_ok and a_ok and p_ok and z_ok and b_ok
        tried[j] = n_tried
        overweight[j] = n_over
    return None


RECO_REAL = ("gamma_reco_E", "gamma_reco_px", "gamma_reco_py", "gamma_reco_pz", "gamma_reco_cos_theta", "gamma_reco_pt")
RECO_FLAGS = ("reconstructed", "pass_energy", "pass_angle", "pass_pt", "pass_zveto", "pass_bhabha", "pass_all")
"""The columns the full kernel writes for reconstructed photons only (the rest stay zero)."""
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


def draws_per_event(stage: int, weighted: bool, unweighting_efficiency: float) -> float:
    """Mean number of 64-bit draws the kernel makes per event: the cos(theta) candidates (one,
    plus one for the accept test when unweighted), the rejection-sampled unit-disk points (8/pi
    draws each: phi, and at stage 2 the isotropic decay direction), and at stage 2 the decay
    reflection (unweighted), two ziggurat normals and a ziggurat exponential (one draw each; their
    slow paths, about 1% of calls, are left out) and the efficiency."""
    disk = 8.0 / math.pi
    n = (1.0 if weighted else 2.0 / unweighting_efficiency) + disk
    if stage > 1:
        n += disk + 4.0 + (0.0 if weighted else 1.0)
    return n


@nb.njit(parallel=True, cache=True)
def rng_ceiling(keys, n, draws):
    """The RNG ceiling: the same chunked SplitMix64 streams drawing ``draws`` uniforms per
    event on average and doing no physics (the sum keeps the loop from being optimised away)."""
    n_chunks = (n + CHUNK - 1) // CHUNK
    sums = np.zeros(n_chunks)
    for j in nb.prange(n_chunks):
        state = keys[j]
        acc = 0.0
        count = int(draws * (min((j + 1) * CHUNK, n) - j * CHUNK) + 0.5)
        for _k in range(count):
            u, state = _uniform(state)
            acc += u
        sums[j] = acc
    return sums.sum()


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
