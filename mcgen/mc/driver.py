"""Event generation: set up the kernels of mcgen.sampler for a card and a model, run them in
batches, and turn the raw columns into weights, cross section and efficiencies."""

from __future__ import annotations

import functools
import math
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import numba
import numpy as np

from mcgen import fpmath, progress
from mcgen.config.cards import Beam, Card
from mcgen.config.options import PhysicsOptions, check_kinematics, provenance
from mcgen.detector.toy import DetectorParams
from mcgen.detector.toy import kernel_params as detector_params
from mcgen.errors import InputError, ModelError, NoPhaseSpaceError
from mcgen.mc.beams import (
    N_BANDS,
    NO_BEAMS,
    BeamParams,
    BeamTables,
    beam_cells,
    beam_params,
    beam_tables,
    folded_cross_section,
    folded_sigma,
)
from mcgen.mc.events import Events
from mcgen.mc.kernel import (
    CHUNK,
    FLAG_COLUMNS,
    MAX_CANDIDATES_PER_BLOCK,
    NO_FRAMES,
    REAL_COLUMNS,
    SUMS,
    B,
    ChunkOutputs,
    F,
    Frames,
    R,
    Sampling,
    alias_table,
    column_buffers,
    finish_batch,
    frames_params,
    generate_chunks,
)
from mcgen.mc.production import ProductionParams, production_params
from mcgen.physics.amplitudes import coupling_constants, dsigma_dcos_mixture, dsigma_dcos_one
from mcgen.physics.constants import Electroweak
from mcgen.physics.frames import lab_from_cm
from mcgen.physics.model import COUPLING_COLUMNS, Couplings, Model, reweight_couplings, widths
from mcgen.physics.polarisation import helicity_weights
from mcgen.physics.xsec import cross_section_pieces
from mcgen.selection.cuts import SelectionParams
from mcgen.selection.cuts import kernel_params as selection_params
from mcgen.selection.escape import NO_ESCAPE, Escape, escape_kept, escape_params

__all__ = ["Events", "generate", "kernel_inputs", "KernelInputs", "run_kernel", "COUPLING_COLUMNS", "reweight"]

KEPT_BATCH = 1 << 21
STREAM_CHUNKS_PER_THREAD = 1  # measured: 1.2e7 ev/s/core streaming vs 7.8e6 with 2M-event batches
ENVELOPE_BINS = 1024
GAUSS_LEGENDRE_96 = fpmath.gauss_legendre(96)
_SUBSAMPLES = 16


def reweight(columns: dict[str, np.ndarray], d_gamma: float, d_z: float, d_w: float) -> np.ndarray:
    """Per-event weights (pb, averaging to sigma) for other couplings, from the stored coefficients."""
    return reweight_couplings(columns, Couplings(d_gamma, d_z, d_w))


def _envelope(f: Callable[[np.ndarray], np.ndarray]) -> tuple[np.ndarray, float]:
    """Piecewise-constant upper bound of f on [-1, 1] in equal bins: (bin heights, integral)."""
    edges = np.linspace(-1.0, 1.0, ENVELOPE_BINS + 1)
    sub = edges[:-1, None] + (edges[1] - edges[0]) * np.linspace(0.0, 1.0, _SUBSAMPLES + 1)[None, :]
    values = f(sub.ravel()).reshape(sub.shape)
    top = values.max(axis=1)
    env = top + 0.02 * (top - values.min(axis=1)) + 1e-9 * top.max()  # margin for curvature
    return env, float(env.sum() * (edges[1] - edges[0]))


class KernelInputs(NamedTuple):
    """What :func:`mcgen.mc.kernel.generate_chunks` needs for a run: the stages' named tuples, the
    cos(theta) envelope with its alias table (prob, alias) and integral, and the amplitude constants."""

    production: ProductionParams
    detector: DetectorParams
    selection: SelectionParams
    acceptance: float
    envelope: np.ndarray
    alias: tuple[np.ndarray, np.ndarray]
    envelope_integral: float
    consts: np.ndarray
    beam: BeamParams = NO_BEAMS
    tables: BeamTables | None = None  # the (u1, u2) cells and cos(theta) bands with beam effects (mcgen.mc.beams)
    sigma_one: float | None = None  # the cross section of one charge state folded with the beams (pb)
    frames: Frames = NO_FRAMES  # the lab and the centre-of-mass frame (mcgen.physics.frames)
    lab: bool = False  # the centre-of-mass frame moves in the lab: events are taken there by ``frames``
    escape: Escape = NO_ESCAPE  # the escape cut (mcgen.selection.escape), when the card gives escape bands


_ONE, _ZERO = np.ones(1), np.zeros(1, dtype=np.int64)
_NO_TABLES = BeamTables(np.zeros((1, 4)), _ONE, _ZERO, _ONE, _ZERO, np.ones((1, 1)), np.ones((1, 1)), np.zeros((1, 1), dtype=np.int64))


def kernel_inputs(card: Card, model: Model, options: PhysicsOptions, *, weighted: bool,
                  quadrature: bool = True) -> KernelInputs:
    """The kernel's inputs for a card, a model and the physics options. With beam effects and
    weighted events, ``quadrature=False`` skips the folded cross section's quadrature, which
    weighted events do not need (their weights estimate it; the limits use them so)."""
    check_kinematics(card, model)
    rs, m = card.sqrt_s, model.mass
    c = model.couplings
    t_channel = model.flavour == "e"
    st = options.st_interference
    consts = coupling_constants(rs, m, card.electroweak)
    hel_l, hel_r = helicity_weights(*card.beam.polarisation)
    if hel_l == 0.0 and hel_r == 0.0:
        raise ModelError(f"beams of equal helicity (P-, P+) = {card.beam.polarisation} do not annihilate into N nubar")

    def shape(d_gamma: float, d_z: float, d_w: float) -> Callable[[np.ndarray], np.ndarray]:
        return lambda x: dsigma_dcos_one(x, rs, m, consts, d_gamma, d_z, d_w, t_channel, st, hel_l, hel_r)

    acceptance = 1.0
    if weighted:  # a proposal that covers every coupling structure: s-channel and t-channel shapes
        x, w = GAUSS_LEGENDRE_96
        parts, norms = _produced([shape(1.0, 0.0, 0.0)] + ([shape(0.0, 0.0, 1.0)] if t_channel else []),
                                 lambda p: float(fpmath.dot(w, p(x))), card.beam.polarisation)

        def proposal(x: np.ndarray) -> np.ndarray:
            return np.sum([p(x) / nrm for p, nrm in zip(parts, norms)], axis=0)

        env, total = _envelope(proposal)
    else:
        f = shape(c.d_gamma, c.d_Z, c.d_W)
        env, total = _envelope(f)
        x, w = GAUSS_LEGENDRE_96
        acceptance = min(max(float(fpmath.dot(w, f(x))) / total, 0.01), 1.0)  # sizes the candidate rounds
    if card.beam.beam_effects:
        return _beam_inputs(card, model, options, weighted, consts, quadrature)._replace(**frame_inputs(card))
    return KernelInputs(
        **frame_inputs(card),
        production=production_params(card, model, options, weighted),
        detector=detector_params(card.detector),
        selection=selection_params(card.selection, rs, card.electroweak),
        acceptance=acceptance, envelope=env, alias=alias_table(env), envelope_integral=total, consts=consts,
    )


def frame_inputs(card: Card) -> dict[str, Any]:
    """The kernel's frames for a card's beams: ``lab`` where the centre-of-mass frame moves in the lab."""
    beam = card.beam
    cm_cuts = card.selection.frame == "cm"
    escape = escape_params(card)
    if not beam.boosted:
        return {"frames": NO_FRAMES._replace(cm_cuts=cm_cuts), "lab": False, "escape": escape}
    return {"frames": frames_params(lab_from_cm(*beam.energies, beam.crossing_angle_rad), cm_cuts), "lab": True,
            "escape": escape}


def _produced(parts: list[Any], norm: Callable[[Any], float], polarisation: tuple[float, float]) -> tuple[list[Any], list[float]]:
    """The proposal's parts that these beams produce, with their normalisations: a part that the
    beams' helicities cannot make (the W with right-handed electrons) has norm 0 and is left out, as
    its events would be. None left: one line."""
    kept = [(part, n) for part, n in ((part, norm(part)) for part in parts) if n > 0.0]
    if not kept:
        raise ModelError(f"beams of polarisation (P-, P+) = {polarisation} make no N nubar here: the cross section is 0")
    return [part for part, _ in kept], [n for _, n in kept]


@functools.lru_cache(maxsize=512)
def _beam_sampling(beam: Beam, rs: float, m: float, ew: Electroweak, flavour: str, st: bool, couplings: Couplings | None,
                   weighted: bool) -> tuple[BeamParams, BeamTables, float, float]:
    """The beams, the cells' tables, the envelope's integral and sigma of one charge state (pb) of
    :func:`_beam_inputs`; kept for the next N of the same beams, mass and flavour (a scan's
    coupling structures, a Dirac and a Majorana N share them)."""
    beams = beam_params(beam.isr, beam.spreads, rs)
    t_channel = flavour == "e"
    hel_l, hel_r = helicity_weights(*beam.polarisation)
    if couplings is None:  # weighted
        structures = [Couplings(1.0, 0.0, 0.0), Couplings(0.0, 1.0, 0.0)] + ([Couplings(0.0, 0.0, 1.0)] if t_channel else [])
    else:
        structures = [couplings]

    def rate(c: Couplings) -> Callable[[np.ndarray], np.ndarray]:
        return _rate(c, m, flavour, ew, st, beam.polarisation)

    if weighted:
        structures, norms = _produced(structures, lambda c: float(rate(c)(np.array([rs]))[0]), beam.polarisation)
    else:
        norms = [1.0]

    def sigma_hat(r: np.ndarray) -> np.ndarray:
        if couplings is None:  # one evaluation for the unit structures: each is one piece (photon, Z, W) alone
            # (not the s-t interference: the time it takes, for a piece no unit structure has)
            pieces = _rate_pieces(Couplings(1.0, 1.0, 1.0), m, flavour, ew, False, beam.polarisation)(r)
            return np.sum([pieces[_UNIT_PIECE[c]] / nrm for c, nrm in zip(structures, norms)], axis=0)
        return np.sum([rate(c)(r) / nrm for c, nrm in zip(structures, norms)], axis=0)

    mixture = np.array([[c.d_gamma, c.d_Z, c.d_W] for c in structures]), np.array(norms, dtype=float)

    def shape(x: np.ndarray, r: float) -> np.ndarray:
        return dsigma_dcos_mixture(x, r, m, coupling_constants(r, m, ew), *mixture, t_channel, st, hel_l, hel_r)

    features = (ew.m_Z, ew.Gamma_Z)
    cells = beam_cells(sigma_hat, rs, m, beams, features=features, converge=not weighted)
    # weighted events carry f/q: their envelope is a proposal only, and a coarser one is faster to build
    bins, bands = (ENVELOPE_BINS // 4, 4) if weighted else (ENVELOPE_BINS, N_BANDS)
    if not beams.isr:  # the spread alone: one cell, which takes the envelope over all bands anyway
        bands = 1
    tables, env_total = beam_tables(cells, shape, rs, m, beams, extra=(ew.m_Z,), bins=bins, bands=bands)
    # weighted: NaN, their sigma depends on the couplings (the caller's)
    sigma_one = math.nan if weighted else float(folded_cross_section(sigma_hat, rs, beams, cells))
    return beams, tables, env_total, sigma_one


def _rate(c: Couplings, m: float, flavour: str, ew: Electroweak, st: bool,
          polarisation: tuple[float, float]) -> Callable[[np.ndarray], np.ndarray]:
    """sigma_hat(sqrt(s_hat)) of one charge state (pb), 0 at and below threshold."""
    return lambda r: np.clip(cross_section_pieces(np.maximum(r, m), m, c, flavour, ew, st_interference=st, charge_states=1,
                                                  polarisation=polarisation).sum(axis=0), 0.0, None)


def _rate_pieces(c: Couplings, m: float, flavour: str, ew: Electroweak, st: bool,
                 polarisation: tuple[float, float]) -> Callable[[np.ndarray], np.ndarray]:
    """:func:`_rate`'s pieces (photon, Z, photon-Z, W, s-t), each clipped at 0."""
    return lambda r: np.clip(cross_section_pieces(np.maximum(r, m), m, c, flavour, ew, st_interference=st, charge_states=1,
                                                  polarisation=polarisation), 0.0, None)


_UNIT_PIECE = {Couplings(1.0, 0.0, 0.0): 0, Couplings(0.0, 1.0, 0.0): 1, Couplings(0.0, 0.0, 1.0): 3}
"""The piece of cross_section_pieces that is a unit structure's whole rate (its other pieces are 0)."""


def _beam_inputs(card: Card, model: Model, options: PhysicsOptions, weighted: bool, consts: np.ndarray,
                 quadrature: bool = True) -> KernelInputs:
    """:func:`kernel_inputs` with beam effects: the (u1, u2) cells and the cos(theta) envelope of
    mcgen.mc.beams for the run's couplings (unweighted) or for a proposal that covers every
    coupling structure (weighted: the photon, Z and W pieces, each normalised at sqrt(s))."""
    rs, m, ew, st = card.sqrt_s, model.mass, card.electroweak, options.st_interference
    # weighted events' tables do not depend on the couplings (their sigma does: NaN, not computed, without quadrature)
    beams, tables, env_total, sigma_one = _beam_sampling(card.beam, rs, m, ew, model.flavour, st,
                                                         None if weighted else model.couplings, weighted)
    if weighted and quadrature:
        rate = _rate(model.couplings, m, model.flavour, ew, st, card.beam.polarisation)
        sigma_one = float(folded_sigma(rate, rs, m, beams, (ew.m_Z, ew.Gamma_Z)))
    env = tables.env[-1]
    return KernelInputs(
        production=production_params(card, model, options, weighted),
        detector=detector_params(card.detector),
        selection=selection_params(card.selection, rs, card.electroweak),
        acceptance=1.0 if weighted else min(max(sigma_one / env_total, 0.01), 1.0), envelope=env, alias=alias_table(env),
        envelope_integral=env_total, consts=consts, beam=beams, tables=tables, sigma_one=sigma_one,
    )


def run_kernel(inputs: KernelInputs, stage: int, keys: np.ndarray, first: int, n: int, real: np.ndarray, flags: np.ndarray,
               tried: np.ndarray, overweight: np.ndarray, drawn: np.ndarray) -> None:
    """One call of the kernel: events first .. first + n - 1 of the keys' streams into (real, flags);
    stage 1 stops after the production kinematics, 2 runs the detector and the selection too."""
    prob, alias = inputs.alias
    sampling = Sampling(acceptance=inputs.acceptance, env=inputs.envelope, alias_p=prob, alias_j=alias)
    out = ChunkOutputs(real=_row_major(real), flags=_row_major(flags), tried=tried, overweight=overweight, drawn=drawn)
    generate_chunks(inputs.production, inputs.detector, inputs.selection, inputs.frames, inputs.lab, stage > 1, sampling,
                    inputs.beam, inputs.tables or _NO_TABLES, keys, first, n, out)
    if stage > 1 and inputs.escape.on and n > 0:
        _escape_cut(inputs.escape, real[:, :n], flags[:, :n])


def _escape_cut(escape: Escape, real: np.ndarray, flags: np.ndarray) -> None:
    """The escape cut (mcgen.selection.escape) on the kernel's true and measured photons (lab), in
    place: it joins truth_pass, and pass_bhabha and pass_all. (A pass after the kernel's: its event
    loop stays free of the bound's loop over pieces.)"""
    for photon, targets in (("gamma", ("TRUTH_PASS",)), ("gamma_reco", ("PASS_BHABHA", "PASS_ALL"))):
        k = np.stack([real[getattr(R, f"{photon}_{c}".upper())] for c in ("E", "px", "py", "pz")], axis=1)
        passed = escape_kept(escape, k)
        for name in targets:
            flags[getattr(F, name)] &= passed


def _row_major(columns: np.ndarray) -> np.ndarray:
    """The C-contiguous array that ``columns`` (column_buffers' rows, or the first columns of them)
    starts: the kernel writes only its columns, and numba compiles the copy of a block into rows it
    knows to be contiguous to vector stores (into a strided view: one scalar store per value, 10-20%
    of the full chain's time)."""
    owner = columns if columns.flags.c_contiguous else columns.base
    if (not isinstance(owner, np.ndarray) or not owner.flags.c_contiguous or owner.shape[0] != columns.shape[0]
            or owner.strides != columns.strides or owner.ctypes.data != columns.ctypes.data):
        raise ValueError("the kernel writes into rows of mcgen.mc.kernel.column_buffers")
    return owner


def _finish(real: np.ndarray, flags: np.ndarray, scale: float, model: Model, tally: _Tally) -> dict[str, np.ndarray]:
    """The batch's columns in pb (weights from the couplings, coefficients scaled), its sums tallied."""
    c = model.couplings
    weight = np.empty(real.shape[1])
    sums = np.zeros(((real.shape[1] + CHUNK - 1) // CHUNK, len(SUMS)))
    finish_batch(real, flags, scale, c.d_gamma, c.d_Z, c.d_W, weight, sums)
    tally.add(weight.size, sums)
    cols = {"weight_pb": weight} | {name: real[i] for i, name in enumerate(REAL_COLUMNS)}
    cols.update({name: flags[i] for i, name in enumerate(FLAG_COLUMNS)})
    return cols


class _Tally:
    """Weighted sums over batches for the cross section and the efficiencies.

    The kernel sums each CHUNK of events in order; the chunk sums are added here exactly
    (Shewchuk's partials, as math.fsum keeps them) and rounded once, so the totals do not depend
    on how the chunks were grouped into batches, which depends on the thread count when streaming.
    """

    def __init__(self) -> None:
        self.n = 0
        self._partials: dict[str, list[float]] = {key: [] for key in SUMS}

    def add(self, n: int, chunk_sums: np.ndarray) -> None:
        self.n += n
        for key, column in zip(SUMS, chunk_sums.T.tolist()):
            _add_exactly(self._partials[key], column)

    @property
    def sums(self) -> dict[str, float]:
        return {key: math.fsum(partials) for key, partials in self._partials.items()}


def _add_exactly(partials: list[float], values: list[float]) -> None:
    """Add values to a list of non-overlapping partial sums whose exact total is the running sum
    (Shewchuk 1997; the msum recipe behind math.fsum)."""
    for x in values:
        i = 0
        for y in partials:
            if abs(x) < abs(y):
                x, y = y, x
            hi = x + y
            lo = y - (hi - x)
            if lo:
                partials[i] = lo
                i += 1
            x = hi
        partials[i:] = [x]


def generate(
    card: Card,
    model: Model,
    n: int,
    seed: int,
    options: PhysicsOptions = PhysicsOptions(),
    *,
    weighted: bool = False,
    stage: int = 2,
    batch: int | None = None,
    on_batch: Callable[[dict[str, np.ndarray]], None] | None = None,
    keep: bool = True,
    quadrature: bool = True,
) -> Events:
    """Generate n events of e+e- -> N nubar + Nbar nu, N -> nu gamma, for a card and a model.

    Unweighted by default (every weight is the cross section); ``weighted`` draws cos(theta_N)
    from a structure-independent proposal and the decay isotropically, each event weighted
    (best for reweighting to other couplings with :func:`reweight`). ``stage`` 1 stops after
    the production kinematics (for benchmarks). ``on_batch`` receives each finished batch of
    columns (the file writers use it); ``keep=False`` does not keep the columns in memory.
    ``batch`` (events per kernel call; rounded to whole chunks) defaults to 2M events when the
    columns are kept (they go to memory anyway) and to one chunk per thread when streaming, so
    that each batch is made, finished and handed on while it is in the cache. The events do not
    depend on it. ``quadrature=False`` (weighted, beam effects): no ``sigma_quadrature_pb`` (None),
    which saves the quadrature's set-up (0.1-1.5 s); the events are the same.

    >>> import mcgen
    >>> card = mcgen.load_card("lep1_opal")
    >>> model = mcgen.make_model(10.0, "mu", card.electroweak, d_gamma=1e-6, scenario="I")
    >>> ev = generate(card, model, 20_000, seed=1)
    >>> round(ev.summary["sigma_pb"] / mcgen.model_info(card, model)["sigma_pb"]["total"], 3)
    1.0
    """
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n <= 0:
        raise InputError(f"the number of events must be a whole number > 0, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"the seed must be a whole number >= 0, got {seed!r}")
    inputs = kernel_inputs(card, model, options, weighted=weighted, quadrature=quadrature)
    env_total = inputs.envelope_integral
    c = model.couplings
    x, w = GAUSS_LEGENDRE_96
    t_channel = model.flavour == "e"
    sigma_one = inputs.sigma_one if inputs.sigma_one is not None else float(
        fpmath.dot(w, dsigma_dcos_one(x, card.sqrt_s, model.mass, inputs.consts, c.d_gamma, c.d_Z, c.d_W, t_channel,
                                      options.st_interference, inputs.production.hel_l, inputs.production.hel_r)))
    # weights: unweighted events carry the exact integral of their density; weighted ones f/q
    scale = 2.0 * (env_total if weighted else sigma_one)
    n_chunks = (n + CHUNK - 1) // CHUNK
    keys = np.random.SeedSequence(int(seed)).generate_state(n_chunks, dtype=np.uint64)
    if batch is None:
        batch = KEPT_BATCH if keep else STREAM_CHUNKS_PER_THREAD * CHUNK * numba.get_num_threads()
    batch = max(CHUNK, (batch // CHUNK) * CHUNK)
    tried = np.zeros(n_chunks, dtype=np.int64)
    overweight = np.zeros(n_chunks, dtype=np.int64)
    drawn = np.zeros(n_chunks, dtype=np.int64)
    tally = _Tally()
    kept: list[dict[str, np.ndarray]] = []
    compile_seconds = 0.0
    if not generate_chunks.signatures:  # first use in this process: compile, or load numba's cache
        t_compile = time.perf_counter()
        run_kernel(inputs, stage, keys, 0, 0, *column_buffers(0), tried[:0], overweight[:0], drawn[:0])
        compile_seconds = time.perf_counter() - t_compile
    start = time.perf_counter()
    kernel_seconds = 0.0
    buffers = None
    with progress.task(n, "events") as step:
        for first in range(0, n, batch):
            size = min(batch, n - first)
            if keep or buffers is None or buffers[0].shape[1] != size:  # kept columns need their own memory
                buffers = column_buffers(size)  # (the kernel writes every column of its stage)
            real, flags = buffers
            c0, c1 = first // CHUNK, (first + size + CHUNK - 1) // CHUNK
            t0 = time.perf_counter()
            run_kernel(inputs, stage, keys, first, size, real, flags, tried[c0:c1], overweight[c0:c1], drawn[c0:c1])
            kernel_seconds += time.perf_counter() - t0
            if (tried[c0:c1] < 0).any():
                raise NoPhaseSpaceError(f"m_N = {model.mass:.10g} GeV: fewer than 1 in {MAX_CANDIDATES_PER_BLOCK // B:,} candidates is "
                                        "an event (the beams' s_hat is almost never above threshold): use --weighted, or a lower mass")
            cols = _finish(real, flags, scale, model, tally)
            if on_batch is not None:
                on_batch(cols)
            if keep:
                kept.append(cols)
            step(size)
    if not keep:
        columns = {}
    elif len(kept) == 1:
        columns = kept[0]
    else:
        columns = {k: np.concatenate([b[k] for b in kept]) for k in kept[0]}
    summary = _summary(card, model, options, tally, tried, overweight, weighted, env_total, sigma_one)
    summary["rates"] = {
        "generation_ev_per_s": n / kernel_seconds if kernel_seconds > 0 else None,
        "total_ev_per_s": n / (time.perf_counter() - start),
        "compile_or_cache_load_s": compile_seconds,
    }
    metadata = {
        **provenance(card, model, options),
        "n_events": n,
        "seed": int(seed),
        "weighted": weighted,
        "sqrt_s": card.sqrt_s,
        "electroweak": card.electroweak.as_dict(),
        "card_content": card.raw,
        "couplings": c.as_dict(),
        "process": ("e+e- -> N nubar + N nu, N -> nu gamma + nubar gamma" if model.nature == "majorana"
                    else "e+e- -> N nubar + Nbar nu, N -> nu gamma"),
        "weight_convention": "weight_pb averages to sigma(N nubar + Nbar nu) in pb; "
        "w = sum d_i d_j w_ij (columns w_gg, w_zz, w_gz, w_ww, w_gw, w_zw) reweights to other couplings",
    }
    return Events(columns, summary, metadata)


def _summary(card, model, options, tally, tried, overweight, weighted, env_total, sigma_one) -> dict[str, Any]:
    s, n = tally.sums, tally.n
    if not s["w"] > 0.0:
        raise NoPhaseSpaceError(f"m_N = {model.mass:.10g} GeV: none of the {n:,} events has a weight above 0 (the beams' s_hat is "
                                "almost never above threshold): raise the number of events, or a lower mass")
    if weighted:
        sigma = s["w"] / n
        sigma_err = math.sqrt(max(s["w2"] / n - sigma * sigma, 0.0) / n)
    else:  # hit-or-miss estimate from the acceptance of the envelope
        n_tried = int(tried.sum())
        p = n / n_tried
        sigma = 2.0 * env_total * p
        sigma_err = 2.0 * env_total * math.sqrt(p * (1 - p) / n_tried)
    w = widths(model, card.electroweak, options.three_body)
    eps_cuts = s["truth"] / s["w"]
    p_inside = s["inside"] / s["w"]
    eps_det = s["reco"] / s["truth_inside"] if s["truth_inside"] > 0 else None
    lumi = card.beam.luminosity_invpb
    if card.limit.decay == "inside":
        n_expected = lumi * sigma * w.br_nu_gamma * eps_cuts * (eps_det or 0.0) * p_inside
    else:
        n_expected = lumi * sigma * (1.0 - p_inside)
    return {
        "sigma_pb": sigma,
        "sigma_err_pb": sigma_err,
        "sigma_quadrature_pb": 2.0 * sigma_one if math.isfinite(sigma_one) else None,
        "eps_cuts": eps_cuts,
        "eps_det": eps_det,
        "p_decay_inside": p_inside,
        "br_nu_gamma": w.br_nu_gamma,
        "n_expected": n_expected,
        "n_events": n,
        "unweighting_efficiency": None if weighted else n / int(tried.sum()),
        "envelope_violations": int(overweight.sum()),
    }
