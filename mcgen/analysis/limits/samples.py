"""The reduced Monte Carlo a limit is solved on: per (card, mass, flavour) the six reweighting
coefficients summed per boundary distance (and per photon-energy bin), the selection efficiency,
the masses a card can reach, and the SM background the signal is compared with."""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from mcgen.config.cards import Card
from mcgen.config.criteria import criterion
from mcgen.config.options import PhysicsOptions
from mcgen.errors import InputError, NoPhaseSpaceError
from mcgen.mc.driver import generate, reweight
from mcgen.physics.model import COUPLING_COLUMNS, Couplings, Model, check_nature

__all__ = ["SignalSample", "SampleReducer", "signal_sample", "spectrum_edges", "visible_background", "visible_background_pb",
           "prefetch_backgrounds", "background_from_files", "eps_cuts", "reachable_sample", "mass_threshold"]


MAX_BOUNDARY_M = 1e4
"""The largest distance to the decay-volume surface a reduced sample holds (10 km, 0.1 mm steps)."""
_REFERENCE = Couplings(1e-6, 1e-6, 1e-6)  # any structure: the weighted proposal does not depend on it


@dataclasses.dataclass(frozen=True)
class SignalSample:
    """The reduced Monte Carlo of one (card, mass, flavour, nature): reweighting coefficients summed
    per distinct boundary distance, for all events and for events passing the true-photon cuts."""

    card: Card
    mass: float
    flavour: str
    options: PhysicsOptions
    n_events: int
    boundary_m: np.ndarray  # (n_b,): distances to the decay-volume surface / flight_scale (beam effects)
    coeff_all: np.ndarray  # (6, n_b): sum of w_ij / N per boundary value
    coeff_pass: np.ndarray  # (6, n_b): the same for events passing the cuts
    background_pb: float | np.ndarray | None = None  # SM nu nubar gamma after the cuts (S^2/B), or per bin (CLs)
    coeff_binned: np.ndarray | None = None  # (6, n_b, n_bins): passing events per photon-energy bin (CLs)
    nature: str = "dirac"  # dirac or majorana: the widths, and the decay law the events were made with

    def model(self, structure: Couplings) -> Model:
        """The model of this sample for a coupling structure (its widths are the limits' lifetime)."""
        return Model(self.mass, structure, self.flavour, a=0.0, nature=self.nature)

    def weights(self, c: Couplings, passing: bool) -> np.ndarray:
        """sigma contributions (pb) per boundary value for couplings c."""
        table = dict(zip(COUPLING_COLUMNS, self.coeff_pass if passing else self.coeff_all))
        return reweight(table, c.d_gamma, c.d_Z, c.d_W)

    @functools.cached_property
    def coeff_totals(self) -> tuple[np.ndarray, np.ndarray]:
        """The six coefficients summed over the boundary values (in order, ``_ordered_sums``),
        for all events and for those passing: sigma and sigma x eps_cuts are linear in them."""
        return _ordered_sums(self.coeff_all), _ordered_sums(self.coeff_pass)


class SampleReducer:
    """Reduces events, batch by batch, to a :class:`SignalSample`: the reweighting coefficients
    summed per boundary distance (rounded to 0.1 mm: exact for spheres, a few thousand values for
    cylinders), for all events and for those passing the selection, and per photon-energy bin of
    the CLs fit; and, for ``n_factors`` > 0, the coefficients times per-event factors summed over
    all events (:attr:`~SampleReducer.factor_sums`: the event files' P(inside) and eps_det sums). The events are
    summed in pieces of :data:`PIECE` at fixed places in the sample (events 0 to PIECE - 1, PIECE to
    2 PIECE - 1, ...), whatever the batches they come in, each piece in order by one compiled pass
    (mcgen.analysis.reduce), and the piece sums are added in order: a sample read from a file in
    chunks reduces to the same numbers, to the last bit, as the same events in memory at once."""

    PIECE = 1 << 16

    def __init__(self, edges: np.ndarray | None = None, n_factors: int = 0) -> None:
        self.edges = edges
        self.nb = 1 if edges is None else edges.size - 1
        self.n = 0
        self._sorted_keys = np.zeros(0, dtype=np.int64)  # the 0.1 mm keys that have a bin, sorted,
        self._sorted_bins = np.zeros(0, dtype=np.int64)  # and their bins
        self._keys: list[int] = []  # key of each bin, in order of first appearance
        self._all, self._pass, self._binned = np.zeros((6, 0)), np.zeros((6, 0)), np.zeros((6, 0))
        self._factors = np.zeros((6, n_factors))
        self._pending: list[dict[str, np.ndarray]] = []
        self._pending_n = 0

    def add(self, cols: Any, passing: np.ndarray, factors: np.ndarray | None = None) -> None:
        """A batch of events: columns (w_ij, boundary_m, gamma_E), the selection flag per event and,
        with ``n_factors``, the factors as an (n_factors, events) array."""
        batch = {name: np.ascontiguousarray(_array(cols[name]), dtype=np.float64) for name in COUPLING_COLUMNS}
        boundary = np.asarray(_array(cols["boundary_m"]), dtype=np.float64)
        if "flight_scale" in _fields(cols):  # beam effects: the distance in units of the nominal decay length
            if (boundary < 0).any() or (boundary > MAX_BOUNDARY_M).any():
                raise InputError("a distance to the decay-volume surface is negative or above 10 km: not an mcgen event file?")
            # an N made just above its threshold (ISR, the spread) hardly moves: its distance in nominal decay
            # lengths can be huge; beyond 10 km it decays inside for any coupling whose nominal decay length is
            # below ~1 km, as every N this close to sqrt(s) is (a heavy N decays promptly)
            with np.errstate(divide="ignore"):  # an N at rest: an infinite ratio, kept at 10 km
                boundary = np.minimum(boundary / np.asarray(_array(cols["flight_scale"]), dtype=np.float64), MAX_BOUNDARY_M)
        # an event of weight 0 for every coupling (beyond the endpoint with ISR) adds nothing to any
        # bin: it goes to distance 0, whatever its kinematics, and is not taken for a foreign file's
        nothing = np.logical_and.reduce([batch[name] == 0.0 for name in COUPLING_COLUMNS])
        if nothing.any():
            boundary = np.where(nothing, 0.0, boundary)
        batch["boundary_m"] = np.ascontiguousarray(boundary)
        batch["passing"] = np.ascontiguousarray(passing, dtype=np.bool_)
        size = len(batch["passing"])
        if self.edges is not None:
            energy = _array(cols["gamma"].E if "gamma_E" not in _fields(cols) else cols["gamma_E"])
            batch["which"] = np.clip(np.searchsorted(self.edges, np.asarray(energy, dtype=np.float64), side="right") - 1,
                                     0, self.nb - 1)
        batch["factors"] = np.ascontiguousarray(np.zeros((0, size)) if factors is None else factors, dtype=np.float64)
        if batch["factors"].shape != (self._factors.shape[1], size):
            raise ValueError(f"factors of shape {batch['factors'].shape}, expected {(self._factors.shape[1], size)}")
        start = 0
        if self._pending_n:  # complete the piece a previous batch began
            take = min(self.PIECE - self._pending_n, size)
            self._pending.append({k: v[..., :take] for k, v in batch.items()})
            self._pending_n += take
            start = take
            if self._pending_n == self.PIECE:
                self._reduce()
        while size - start >= self.PIECE:  # whole pieces straight from the batch (views, no copy)
            self._piece({k: v[..., start:start + self.PIECE] for k, v in batch.items()})
            start += self.PIECE
        if start < size:
            self._pending.append({k: v[..., start:] for k, v in batch.items()})
            self._pending_n += size - start

    @property
    def factor_sums(self) -> np.ndarray:
        """(6, n_factors): sum over the events of w_ij times each factor (read once all are added)."""
        self._reduce()
        return self._factors

    def _reduce(self) -> None:
        """Sum what is pending as one piece (a complete one, or the last partial one at the end)."""
        if self._pending_n:
            self._piece({k: np.concatenate([b[k] for b in self._pending], axis=-1) for k in self._pending[0]})
        self._pending, self._pending_n = [], 0

    def _piece(self, piece: dict[str, np.ndarray]) -> None:
        from mcgen.analysis.reduce import bin_index, sum_piece

        boundary = np.ascontiguousarray(piece["boundary_m"])
        if boundary.size == 0:
            return
        index = np.empty(boundary.size, dtype=np.int64)
        if bin_index(boundary, self._sorted_keys, self._sorted_bins, index):
            self._add_keys(boundary, index < 0)
            bin_index(boundary, self._sorted_keys, self._sorted_bins, index)
        w = tuple(np.ascontiguousarray(piece[name]) for name in COUPLING_COLUMNS)
        which = np.ascontiguousarray(piece["which"]) if "which" in piece else np.zeros(0, dtype=np.int64)
        sum_piece(index, w, np.ascontiguousarray(piece["passing"]), which, self.nb, piece["factors"],  # (k, n) view
                  self._all, self._pass, self._binned, self._factors)
        self.n += boundary.size

    def _add_keys(self, boundary: np.ndarray, missing: np.ndarray) -> None:
        """Bins for the 0.1 mm keys of a piece that have none yet (the distances checked first)."""
        keys = np.rint(boundary * 1e4)  # np.round(b, 4) = rint(b * 1e4) / 1e4
        if not ((keys >= 0) & (keys <= round(MAX_BOUNDARY_M * 1e4))).all():
            raise InputError("a distance to the decay-volume surface is negative or above 10 km: not an mcgen event file?")
        new = _distinct(keys[missing].astype(np.int64))
        keys_all = np.concatenate([self._sorted_keys, new])
        order = np.argsort(keys_all, kind="stable")
        bins_all = np.concatenate([self._sorted_bins, np.arange(len(self._keys), len(self._keys) + new.size)])
        self._sorted_keys, self._sorted_bins = keys_all[order], bins_all[order]
        self._keys.extend(new.tolist())
        grow = np.zeros((6, new.size))
        self._all, self._pass = np.concatenate([self._all, grow], axis=1), np.concatenate([self._pass, grow], axis=1)
        self._binned = np.concatenate([self._binned, np.zeros((6, new.size * self.nb))], axis=1)

    def sample(self, card: Card, mass: float, flavour: str, options: PhysicsOptions,
               background_pb: float | np.ndarray | None = None, *, nature: str = "dirac") -> SignalSample:
        self._reduce()
        keys = np.array(self._keys, dtype=np.int64)
        order = np.argsort(keys, kind="stable")
        boundary = keys[order] / 1e4  # = np.round(b, 4), as numpy rounds: rint(b * 1e4) / 1e4
        n = self.n
        binned = self._binned.reshape(6, -1, self.nb)[:, order] / n if self.edges is not None else None
        return SignalSample(card, mass, flavour, options, n, boundary, self._all[:, order] / n, self._pass[:, order] / n,
                            background_pb, binned, nature)


def _distinct(values: np.ndarray) -> np.ndarray:
    """np.unique of a 1-d array by one sort (numpy's own unique hashes first: 10x slower here for the
    20000 keys of a task).

    >>> _distinct(np.array([3, 1, 3, 2, 1])).tolist()
    [1, 2, 3]
    """
    ordered = np.sort(values)
    return ordered[np.concatenate(([True], ordered[1:] != ordered[:-1]))] if ordered.size else ordered


def _fields(cols: Any) -> set[str]:
    return set(cols.fields) if hasattr(cols, "fields") else set(cols)


def _array(values: Any) -> np.ndarray:
    return values.to_numpy() if hasattr(values, "to_numpy") else np.asarray(values)


"""The criteria that need the SM background (and whose tables carry the photon-energy spectrum)."""


def signal_sample(card: Card, mass: float, flavour: str, options: PhysicsOptions, n: int, seed: int,
                  background_pb: float | np.ndarray | None = None, binned: bool | None = None, *,
                  nature: str = "dirac") -> SignalSample:
    """Run the weighted generator once and reduce it to what the limits need (with the photon-energy
    spectrum when ``binned``; by default for the CLs criterion)."""
    model = Model(mass, _REFERENCE, flavour, a=0.0, nature=check_nature(nature))
    cols = generate(card, model, n, seed, options, weighted=True, quadrature=False).columns
    binned = card.limit.criterion == "cls" if binned is None else binned
    reducer = SampleReducer(spectrum_edges(card) if binned else None)
    reducer.add(cols, cols["truth_pass"])
    return reducer.sample(card, mass, flavour, options, background_pb, nature=nature)


def spectrum_edges(card: Card) -> np.ndarray:
    """Photon-energy bins of the CLs fit: [limit] spectrum_bins equal bins over the selected range."""
    from mcgen.mc.phasespace import photon_energy_range

    lo, hi = photon_energy_range(card, resolutions=0.0)
    return np.linspace(lo, hi, int(card.limit.value("spectrum_bins")) + 1)


def visible_background(card: Card, n: int, seed: int) -> tuple[float | np.ndarray, dict[str, Any]]:
    """The background after the card's cuts, summed over its ``[limit] backgrounds``: the SM e+e- ->
    nu nubar gamma cross section on the true photon times the photon efficiency (mcgen.mc.background),
    a reducible process's after the toy detector (its leak through the cuts is a measurement effect;
    mcgen.mc.reducible). A number for S^2/B, per spectrum bin for CLs; each computed once per card
    content, statistics and seed (mcgen.analysis.background.cached), with where it came from."""
    from mcgen.analysis.background import PROCESSES, cached

    cls = card.limit.criterion == "cls"
    edges = spectrum_edges(card) if cls else None
    total: float | np.ndarray = np.zeros(len(edges) - 1) if edges is not None else 0.0
    info: dict[str, Any] = {}
    for process in card.limit.backgrounds:
        what = _kept(process, edges)
        value, info_process = cached(card, n, seed, what, functools.partial(_process_background, card, n, seed, process, edges))
        # the SM background is stored before the photon efficiency; a reducible one after the detector, which has it
        scale = 1.0 if PROCESSES[process].reducible else card.detector.photon_efficiency
        total = total + (np.asarray(value) if cls else value) * scale
        info = info_process if process == "nunugamma" else {**info, process: info_process}
    return total, info


def prefetch_backgrounds(jobs: Iterable[tuple[Card, int, int]], pool: Any) -> None:
    """Compute the visible backgrounds of (card, events, seed) jobs side by side on the pool's workers
    and keep them in this process's cache (mcgen.analysis.background.cached), where
    :func:`visible_background` then finds them: the same numbers as computed here, in the time the
    pool would otherwise wait. Results already cached are not recomputed; nothing happens without a pool."""
    from mcgen.analysis.background import cache_key, cached, is_cached

    if pool is None:
        return
    pending: dict[str, tuple[Card, int, int, str, Any]] = {}
    for card, n, seed in jobs:
        edges = spectrum_edges(card) if card.limit.criterion == "cls" else None
        for process in card.limit.backgrounds:
            what = _kept(process, edges)
            key, _ = cache_key(card, n, seed, what)
            if key not in pending and not is_cached(card, n, seed, what):
                pending[key] = (card, n, seed, what, pool.submit(_process_background, card, n, seed, process, edges))
    for card, n, seed, what, future in pending.values():
        cached(card, n, seed, what, future.result)


def _kept(process: str, edges: np.ndarray | None) -> str:
    """What a background result keeps, in its cache key: the cross section or the spectrum, and the process."""
    return ("sigma" if edges is None else f"spectrum {edges.tolist()}") + ("" if process == "nunugamma" else f" {process}")


def _process_background(card: Card, n: int, seed: int, process: str, edges: np.ndarray | None) -> Any:
    """One process's background after the cuts (see :func:`visible_background`), per bin with ``edges``:
    on the true photon for the SM one, after the detector for a reducible one."""
    from mcgen.analysis.background import PROCESSES

    chosen = PROCESSES[process]
    result = chosen.compute(card, n, seed, False, edges)
    return result[("spectrum" if edges is not None else "sigma") + ("_reco" if chosen.reducible else "") + "_pb"]


def visible_background_pb(card: Card, n: int, seed: int) -> float | np.ndarray:
    """:func:`visible_background` without its provenance."""
    return visible_background(card, n, seed)[0]


def background_from_files(card: Card, paths: Any, cuts: Sequence[Any] = ()) -> float | np.ndarray:
    """The visible background of :func:`visible_background_pb` from background event files
    (``mcgen background -o``), summed over the processes they hold (each process's files read together):
    sum(weight x selection) / N, the SM one times the photon efficiency (weight: ``weight_photon_pb`` of
    weighted files, else ``weight_pb``) with the card's cuts on the true photon (``truth_pass``) or the
    same ``cuts`` as the signal (parsed :class:`~mcgen.selection.expressions.Cut`), a reducible one after
    the detector (``pass_all``); per spectrum bin for CLs cards."""
    from mcgen.io.read import event_paths, file_info, read

    groups: dict[str, list[Any]] = {}  # the files of each process: a process's files are read together
    for path in event_paths(paths):
        process = file_info(path)["metadata"].get("background_process", "nunugamma")
        groups.setdefault(process, []).append(path)
    total: float | np.ndarray = 0.0
    for process, files in groups.items():
        total = total + _files_background(card, read(files), cuts, process)
    return total


def _files_background(card: Card, events: Any, cuts: Sequence[Any], process: str) -> float | np.ndarray:
    """One process's visible background from its files (see :func:`background_from_files`): the SM one
    on the true photon times the photon efficiency, a reducible one after the detector (``pass_all``)."""
    from mcgen.mc.events import cut_fields
    from mcgen.selection.expressions import combine

    if "N" in events.fields:
        raise InputError("--background takes background files (mcgen background -o), not signal events")
    if len(events) == 0:
        raise InputError("the background files hold no events")
    from mcgen.analysis.background import PROCESSES

    reducible = PROCESSES[process].reducible
    if reducible and cuts:
        raise InputError(f"--cut with {process} background files: their events are selected by the card's cuts after "
                         "the detector (pass_all); give the SM background files alone with --cut")
    flag = "pass_all" if reducible else "truth_pass"
    passing = events[flag].to_numpy() if not cuts else combine(list(cuts), cut_fields(events))
    # weighted files: the weights the in-memory background is made of (nu nubar directions integrated)
    weight = "weight_photon_pb" if "weight_photon_pb" in events.fields else "weight_pb"
    passed = events[weight].to_numpy() * passing
    eff = 1.0 if reducible else card.detector.photon_efficiency  # a reducible one's detector has it
    energy = (events.gamma_reco.E if reducible else events.gamma.E).to_numpy()
    if card.limit.criterion == "cls":
        spectrum = np.histogram(energy, bins=spectrum_edges(card), weights=passed)[0] / len(events)
        return np.asarray(spectrum) * eff
    return float(passed.mean()) * eff


def eps_cuts(sample: SignalSample, structure: Couplings) -> tuple[float, float]:
    """Truth-level selection efficiency for a coupling structure, and its Monte Carlo error
    (from the per-boundary sums; exact for spheres, where all events share one boundary)."""
    c = structure
    total, passing = (float(reweight(dict(zip(COUPLING_COLUMNS, sums)), c.d_gamma, c.d_Z, c.d_W)) for sums in sample.coeff_totals)
    eps = passing / total
    return eps, math.sqrt(max(eps * (1 - eps), 0.0) / sample.n_events)


def _ordered_sums(rows: np.ndarray) -> np.ndarray:
    """The sum of each row of a 2-d array in index order: unlike np.sum, whose blocking can follow
    an array's memory alignment, it is the same to the last bit in a serial scan and in a process pool."""
    return np.cumsum(rows, axis=1)[:, -1] if rows.shape[1] else np.zeros(rows.shape[0])


def reachable_sample(card: Card, mass: float, flavour: str, options: PhysicsOptions, n: int, seed: int,
                     background_pb: float | np.ndarray | None = None, binned: bool | None = None, *,
                     nature: str = "dirac") -> SignalSample | None:
    """:func:`signal_sample`, or None (no limit) at or above threshold and where the beams almost
    never reach above it (mcgen.errors.NoPhaseSpaceError)."""
    if mass >= mass_threshold(card):
        return None
    try:
        return signal_sample(card, mass, flavour, options, n, seed, background_pb, binned, nature=nature)
    except NoPhaseSpaceError:
        return None


def mass_threshold(card: Card) -> float:
    """Masses at or above this give no limit: sqrt(s), or M_Z for the Z-decay analyses."""
    return min(card.electroweak.m_Z if criterion(card.limit.criterion).z_decays else card.sqrt_s, card.sqrt_s)
