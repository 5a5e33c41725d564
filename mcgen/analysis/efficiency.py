"""Efficiency tables: eps_cuts per mass for one coupling structure, each from one weighted Monte
Carlo run reweighted to the structure (mcgen.analysis.limits.signal_sample), with the inputs
that made them, so that a table file says what it is a table of."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import json
import math
import os
from typing import Any

import numpy as np

from mcgen import progress
from mcgen._version import RESULTS_REVISION, __version__
from mcgen.analysis.limits import BACKGROUND_CRITERIA, SampleReducer, eps_cuts, reachable_sample, spectrum_edges
from mcgen.config.cards import Card
from mcgen.config.options import PhysicsOptions
from mcgen.errors import InputError, ModelError
from mcgen.physics.model import Couplings
from mcgen.selection.expressions import Cut, CutError, combine

__all__ = ["efficiency_table", "efficiency_from_files", "file_samples", "FileSamples", "sample_record"]

STEP_SIZE = "25 MB"
"""What uproot reads at a time (its estimate; the arrays take a few times more): the peak memory
of a table from files is then the same for 1e6 and 4e7 events (benchmarks/efficiency_files.py),
at a few percent of the speed of 100 MB steps."""


def efficiency_table(card: Card, masses: list[float], structure: Couplings, flavour: str,
                     options: PhysicsOptions = PhysicsOptions(), n: int = 40_000, seed: int = 1, *,
                     structure_info: dict[str, Any] | None = None, nature: str = "dirac") -> dict[str, Any]:
    """eps_cuts and its Monte Carlo error per mass (None at or above sqrt(s)) for a Dirac or a
    Majorana N (``nature``); mass i uses seed + i.

    ``structure`` is given at d_gamma = 1; ``structure_info`` is how the table records it
    (default: those couplings).
    """
    values: list[float | None] = []
    errors: list[float | None] = []
    per_mass: list[dict[str, Any] | None] = []
    with progress.task(len(masses), "masses", card.name) as step:
        for i, mass in enumerate(masses):
            sample = reachable_sample(card, mass, flavour, options, n, seed + i, binned=card.limit.criterion in BACKGROUND_CRITERIA,
                                      nature=nature)
            eps, err = (None, None) if sample is None else eps_cuts(sample, structure)
            values.append(eps)
            errors.append(err)
            per_mass.append(None if sample is None else {"mass": mass, "n_events": n, "sample": sample_record(sample)})
            step(1)
    return {
        "masses": masses, "eps_cuts": values, "eps_cuts_err": errors, "card": card.name, "sqrt_s": card.sqrt_s,
        "structure": structure.as_dict() if structure_info is None else structure_info, "options": options.as_dict(),
        "n_events_per_mass": n, "seed": seed, "electroweak": card.electroweak.as_dict(),
        "selection": dataclasses.asdict(card.selection), "version": __version__, "results_revision": RESULTS_REVISION, "flavor": flavour,
        "nature": nature, "card_content": card.raw, "source": "Monte Carlo in memory", "cuts": [], "per_mass": per_mass,
    }


def sample_record(sample: Any) -> dict[str, Any]:
    """A reduced sample as a table stores it (JSON: lists of floats, exact through repr)."""
    out = {"boundary_m": sample.boundary_m.tolist(), "coeff_all": sample.coeff_all.tolist(),
           "coeff_pass": sample.coeff_pass.tolist(), "n_events": sample.n_events}
    if sample.coeff_binned is not None:
        out["coeff_binned"] = sample.coeff_binned.tolist()
    return out


def file_hash(path: str) -> str:
    """The content hash of a file: XXH3-128 (xxhash, uproot's own checksum library), ~10 GB/s, so that
    recording it costs little next to reading the events."""
    import mmap

    import xxhash

    digest = xxhash.xxh3_128()
    window = 1 << 26  # 64 MB mapped at a time: the page cache's bytes without copies, and a bounded resident size
    with open(path, "rb") as stream:
        size = os.fstat(stream.fileno()).st_size
        for offset in range(0, size, window):
            with mmap.mmap(stream.fileno(), min(window, size - offset), offset=offset, access=mmap.ACCESS_READ) as mapped:
                view = memoryview(mapped)
                try:
                    digest.update(view)
                finally:
                    view.release()
    return digest.hexdigest()


def _branches_for(cuts: list[Cut], available: list[str]) -> list[str]:
    """The branches a set of cuts reads: plain names, and the E/px/py/pz of the records they use."""
    from mcgen.mc.events import MOMENTA

    out: list[str] = []
    records = [r for r, branches in MOMENTA.items() if branches[1] in available]
    for cut in cuts:
        for name in cut.names:
            if name in MOMENTA:
                if name not in records:  # a record of the other kind of file (nu, nubar: the background's)
                    raise CutError(f"cut {cut.text!r}: these events have no {name!r} (their records: {', '.join(records)})")
                out.extend(b for b in MOMENTA[name] if b is not None and b in available)
            elif name == "weight_event_pb":  # weight_pb / events, made by mcgen.read
                out.append("weight_pb")
            elif name in available:
                out.append(name)
            else:
                raise CutError(f"cut {cut.text!r}: unknown name {name!r} (the events have: {', '.join(available)}; "
                               f"records {', '.join(records)})")
    return list(dict.fromkeys(out))


@dataclasses.dataclass
class FileSamples:
    """Signal event files reduced per mass: the card, physics options and flavour they share, and
    per mass the files, the :class:`~mcgen.analysis.limits.SignalSample` the limits use, and the
    sums of the six coefficients over all events, weighted by P(inside), over selected events
    inside the volume and over those also reconstructed and passing the card's cuts (eps_det)."""

    card: Card
    options: PhysicsOptions
    flavour: str
    nature: str
    metadata: dict[str, Any]
    masses: list[float]
    files: list[list[dict[str, Any]]]
    samples: list[Any]
    sums: list[dict[str, np.ndarray]]
    detector: dict[str, Any] | None = None


class Remeasure:
    """The toy detector of another card applied again to the true photons of event files (from
    their stored decay vertices), with its own random streams: SplitMix64 keyed by ``seed``, three
    uniforms per event at counter 3 i for the i-th event of a sample (two Box-Muller normals and
    the efficiency draw), so the result does not depend on how the files are read in chunks.
    The reconstructed photon (in the lab and in the events' centre-of-mass frame), ``reconstructed``
    and the ``pass_*`` flags (the files' card's cuts, in its frame, on the new measured photon) are replaced."""

    def __init__(self, detector_card: Card, analysis_card: Card, seed: int) -> None:
        from mcgen.detector.toy import kernel_params as detector_params
        from mcgen.selection.cuts import kernel_params as selection_params

        self.card, self.seed, self.analysis_card = detector_card, seed, analysis_card
        self.params = detector_params(detector_card.detector)
        self.selection = selection_params(analysis_card.selection, analysis_card.sqrt_s, analysis_card.electroweak)
        self.key = int(np.random.SeedSequence(seed).generate_state(1, dtype=np.uint64)[0])
        from mcgen.mc.background import lab_transform
        from mcgen.physics.frames import inverse

        to_lab = lab_transform(analysis_card)  # the events' beams: the measured photon also in their centre of mass
        self.to_cm = None if to_lab is None else inverse(to_lab)
        self.cm_cuts = analysis_card.selection.frame == "cm"

    BRANCHES = ("vtx_x", "vtx_y", "vtx_z", "gamma_E", "gamma_px", "gamma_py", "gamma_pz", "inside")

    def apply(self, columns: dict[str, np.ndarray], first: int) -> dict[str, np.ndarray]:
        """The columns of events first, first + 1, ... of the sample with the new measurement."""
        from mcgen.detector.toy import RECO_COLUMNS, measure
        from mcgen.mc.background import measured_in_frame
        from mcgen.mc.rng import normal_pairs, uniforms
        from mcgen.selection.cuts import select_columns
        from mcgen.selection.escape import escape_pass

        n = len(columns["inside"])
        u = uniforms(self.key, 3 * first, 3 * n).reshape(n, 3)
        g1, g2 = normal_pairs(np.ascontiguousarray(u[:, 0]), np.ascontiguousarray(u[:, 1]))
        vertex = (columns["vtx_x"], columns["vtx_y"], columns["vtx_z"])
        reco = measure(self.params, vertex, tuple(columns[f"gamma_{c}"] for c in ("E", "px", "py", "pz")), g1, g2,
                       np.ascontiguousarray(u[:, 2]))
        reco["reconstructed"] = reco["reconstructed"] & columns["inside"]
        for name in RECO_COLUMNS:
            reco[name] = np.where(reco["reconstructed"], reco[name], 0.0)
        cm = reco if self.to_cm is None else measured_in_frame(self.to_cm, reco)
        reco["gamma_reco_cm_E"], reco["gamma_reco_cm_cos_theta"] = cm["gamma_reco_E"], cm["gamma_reco_cos_theta"]
        flags = select_columns(self.selection, cm if self.cm_cuts else reco, "gamma_reco")
        escaped = escape_pass(self.analysis_card, np.stack([reco[f"gamma_reco_{c}"] for c in ("E", "px", "py", "pz")], axis=1))
        flags["pass_bhabha"], flags["pass_all"] = flags["pass_bhabha"] & escaped, flags["pass_all"] & escaped
        return columns | reco | flags

    def describe(self) -> dict[str, Any]:
        return {"card": self.card.name, "seed": self.seed, "detector": dataclasses.asdict(self.card.detector),
                "streams": "SplitMix64 keyed by SeedSequence(seed), uniforms 3i..3i+2 for the i-th event of a sample"}


def file_samples(paths: Any, cuts: list[Cut] | tuple[Cut, ...] = (), *, edges: np.ndarray | None = None,
                 background_pb: float | np.ndarray | None = None, step_size: int | str = STEP_SIZE,
                 detector: tuple[Card, int] | None = None) -> FileSamples:
    """Read signal event files in chunks and reduce them per mass (the files of one run setting are
    one sample; their seeds may differ). The selection is the card's (the stored ``truth_pass``) or
    the ``cuts``, all required. The reduction is the in-memory one's
    (:class:`~mcgen.analysis.limits.SampleReducer`), so the same events and cuts give the same
    numbers to the last digit; ``edges`` bins the photon energy for the CLs fit (by default the
    card's spectrum bins when its criterion is CLs). ``detector`` = (card, seed) measures the true
    photons again with that card's toy detector (``Remeasure``)."""
    from mcgen.config.cards import parse_card
    from mcgen.io.read import RUN_KEYS, check_not_copies, event_paths, file_info, iterate_columns, prefetched
    from mcgen.physics.model import COUPLING_COLUMNS

    infos = [file_info(p) for p in event_paths(paths)]
    check_not_copies(infos)
    groups: dict[str, list[dict[str, Any]]] = {}
    for info in infos:
        if "N_E" not in info["branches"]:
            raise InputError(f"{info['path']}: not a signal event file (for the SM background use mcgen background)")
        model = info["metadata"]["model"]
        key = json.dumps({k: info["metadata"].get(k) for k in RUN_KEYS if k not in ("model", "couplings")}
                         | {"mass": model["mass_GeV"], "flavor": model["flavor"]}, sort_keys=True, default=str)
        groups.setdefault(key, []).append(info)
    first = infos[0]["metadata"]
    for info in infos[1:]:
        for k in ("card_content", "options", "electroweak"):
            if info["metadata"].get(k) != first.get(k):
                raise InputError(f"{info['path']}: made with another {k.replace('_', ' ')} than {infos[0]['path']}: "
                                 "a table holds one card and one set of physics options")
        if info["metadata"]["model"]["flavor"] != first["model"]["flavor"]:
            raise InputError(f"{info['path']}: another flavour than {infos[0]['path']}")
        if _nature(info["metadata"]) != _nature(first):
            raise InputError(f"{info['path']}: a {_nature(info['metadata'])} N, {infos[0]['path']} a {_nature(first)} one: "
                             "a table holds one nature of N")
    card = parse_card(first["card_content"], infos[0]["path"])
    options = PhysicsOptions(**first["options"])
    flavour, nature = first["model"]["flavor"], _nature(first)
    if edges is None and card.limit.criterion in BACKGROUND_CRITERIA:  # binned for either: the criterion is chosen at limit time
        edges = spectrum_edges(card)
    needed = list(COUPLING_COLUMNS) + ["boundary_m", "p_inside", "inside", "truth_pass", "pass_all"]
    if edges is not None:
        needed.append("gamma_E")
    if "flight_scale" in infos[0]["branches"]:  # (files from before beam effects have none: all 1)
        needed.append("flight_scale")
    remeasure = Remeasure(detector[0], card, detector[1]) if detector is not None else None
    if remeasure is not None:
        needed += list(Remeasure.BRANCHES)
    branches = list(dict.fromkeys(needed + _branches_for(list(cuts), infos[0]["branches"])))
    out = FileSamples(card, options, flavour, nature, first, [], [], [], [], remeasure.describe() if remeasure else None)
    for group in sorted(groups.values(), key=lambda g: g[0]["metadata"]["model"]["mass_GeV"]):
        mass = group[0]["metadata"]["model"]["mass_GeV"]
        if not mass < card.sqrt_s:
            raise InputError(f"{group[0]['path']}: m_N = {mass} GeV at or above the card's sqrt(s) = {card.sqrt_s} GeV")
        reducer = SampleReducer(edges, n_factors=len(SUMS))
        n_total, done = sum(g["n_events"] for g in group), 0
        if n_total == 0:
            raise InputError(f"{group[0]['path']}: no events (m_N = {mass} GeV)")
        for columns in prefetched(iterate_columns(group, branches=branches, step_size=step_size)):
            _check_values(columns, group)
            if remeasure is not None:
                columns = remeasure.apply(columns, done)
            done += len(columns["inside"])
            passing = columns["truth_pass"] if not cuts else combine(list(cuts), _cut_view(columns, cuts, n_total))
            reducer.add(columns, passing, _factors(columns, passing))
        out.masses.append(mass)
        out.files.append(group)
        out.samples.append(reducer.sample(card, mass, flavour, options, background_pb, nature=nature))
        out.sums.append(dict(zip(SUMS, reducer.factor_sums.T)))
    return out


def _nature(metadata: dict[str, Any]) -> str:
    """The nature of N an event file was made for (files that record none are Dirac)."""
    return str(metadata["model"].get("nature", "dirac"))


def _check_values(columns: dict[str, np.ndarray], group: list[dict[str, Any]]) -> None:
    """What a signal file can hold: finite reweighting coefficients, P(inside) in [0, 1]."""
    from mcgen.physics.model import COUPLING_COLUMNS

    mass = group[0]["metadata"]["model"]["mass_GeV"]
    where = group[0]["path"] if len(group) == 1 else f"{group[0]['path']} (or another file of m_N = {mass} GeV)"
    for name in COUPLING_COLUMNS:  # (the weight itself is not read: the limits reweight these)
        if not np.isfinite(columns[name]).all():
            raise InputError(f"{where}: a non-finite {name}: a damaged event file")
    p = columns["p_inside"]
    if not ((p >= 0.0) & (p <= 1.0)).all():
        raise InputError(f"{where}: a p_inside outside [0, 1]: a damaged event file")


SUMS = ("all", "inside", "selected_inside", "reco")
"""The coefficient sums of :class:`FileSamples` (all events, times P(inside), selected inside the
volume, and also reconstructed passing the card's cuts), in the order of :func:`_factors`."""


def _factors(columns: dict[str, np.ndarray], passing: np.ndarray) -> np.ndarray:
    """The per-event factors of :data:`SUMS`, for the reducer to sum with the coefficients in its
    one pass (in its fixed pieces: the sums do not depend on the chunks read)."""
    selected = passing & columns["inside"]
    return np.stack([np.ones(len(passing)), columns["p_inside"], selected, selected & columns["pass_all"]])


def _cut_view(columns: dict[str, np.ndarray], cuts: list[Cut] | tuple[Cut, ...], n_total: int) -> Any:
    """What the cuts are evaluated on: the columns themselves, or, when a cut names a four-momentum
    record or ``weight_event_pb``, the awkward Array of mcgen.read (vector records cost more than
    reading the file, so only then)."""
    from mcgen.mc.events import MOMENTA, cut_fields, events_array

    if any(name in MOMENTA or name == "weight_event_pb" for cut in cuts for name in cut.names):
        return cut_fields(events_array(columns, None, n_total))
    return columns


def efficiency_from_files(paths: Any, cuts: list[str] | tuple[str, ...] = (), *, scenario: str | None = None,
                          a: float | None = None, step_size: int | str = STEP_SIZE,
                          detector: tuple[Card, int] | None = None) -> dict[str, Any]:
    """The eps_cuts table from signal event files written by ``mcgen generate`` (weighted or not),
    with the card's cuts or the ``cuts`` expressions (mcgen.selection.expressions); see
    :func:`file_samples`. The coupling structure is a ``scenario`` or ``a`` (reweighted from the
    stored coefficients), by default the files' own. Per mass also eps_det, P(decay inside), the
    reduced sample (coefficients per boundary distance) that the limits need, and the files it
    came from (metadata and content hash). ``detector`` = (card, seed): another card's toy detector
    measures the true photons again (eps_det changes; eps_cuts, on the true photon, does not)."""
    from mcgen.io.read import event_paths
    from mcgen.physics.model import COUPLING_COLUMNS, reweight_couplings, scenario_a, structure_from_a

    parsed = [Cut.parse(c) for c in cuts]
    # the content hashes read every byte of the files: in a thread beside the reduction (xxhash and
    # the file reads release the GIL), which they then cost little more than
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        hashes = {str(path): pool.submit(file_hash, str(path)) for path in event_paths(paths)}
        try:
            read = file_samples(paths, parsed, step_size=step_size, detector=detector)
        except BaseException:
            for future in hashes.values():
                future.cancel()
            raise
        digests = {path: future.result() for path, future in hashes.items()}
    card, first = read.card, read.metadata
    if scenario is not None and a is not None:
        raise ModelError("give the coupling structure at most once: scenario or a (default: the files' own)")
    value = scenario_a(scenario, card.electroweak) if scenario is not None else a
    if value is not None:
        structure = structure_from_a(value, card.electroweak)
        structure_info = {"scenario": scenario, "a": value if math.isfinite(value) else None}
    else:  # the files' own structure, at d_gamma = 1
        c = first["couplings"]
        structure = Couplings(1.0, c["d_Z"] / c["d_gamma"], c["d_W"] / c["d_gamma"])
        structure_info = {"scenario": first["model"].get("scenario"), "a": first["model"].get("a"), "from": "the files"}
    structure_info |= {"d_Z_over_d_gamma": structure.d_Z, "d_W_over_d_gamma": structure.d_W}

    def total(sums: np.ndarray) -> float:
        return float(reweight_couplings(dict(zip(COUPLING_COLUMNS, sums)), structure))

    rows = []
    for mass, group, sample, sums in zip(read.masses, read.files, read.samples, read.sums):
        eps, err = eps_cuts(sample, structure)
        selected, everything = total(sums["selected_inside"]), total(sums["all"])
        rows.append({
            "mass": mass, "eps_cuts": eps, "eps_cuts_err": err,
            "eps_det": total(sums["reco"]) / selected if selected > 0 else None,
            "p_decay_inside": total(sums["inside"]) / everything if everything > 0 else None,
            "n_events": sample.n_events,
            "sample": sample_record(sample),
            "files": [{"path": g["path"], "xxh3_128": digests[g["path"]], "n_events": g["n_events"],
                       "seed": g["metadata"].get("seed"), "metadata": g["metadata"]} for g in group],
        })
    return {
        "masses": [r["mass"] for r in rows], "eps_cuts": [r["eps_cuts"] for r in rows],
        "eps_cuts_err": [r["eps_cuts_err"] for r in rows], "eps_det": [r["eps_det"] for r in rows],
        "p_decay_inside": [r["p_decay_inside"] for r in rows], "card": card.name, "sqrt_s": card.sqrt_s,
        "structure": structure_info, "flavor": read.flavour, "nature": read.nature, "options": read.options.as_dict(),
        "electroweak": card.electroweak.as_dict(), "selection": dataclasses.asdict(card.selection) if not parsed else None,
        "cuts": [c.text for c in parsed], "source": "event files", "per_mass": rows, "version": __version__,
        "results_revision": RESULTS_REVISION,
        "card_content": card.raw, "detector_rerun": read.detector,
    }

