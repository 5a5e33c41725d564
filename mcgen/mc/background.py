"""The Standard Model background e+e- -> nu nubar gamma (docs/physics/background.md): adaptive phase
space (:mod:`mcgen.mc.phasespace`), the amplitude of :mod:`mcgen.physics.nunugamma`, the card's
toy detector and selection (the signal's own numba stages), cross sections and unweighting."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from mcgen import progress
from mcgen.detector.toy import kernel_params as detector_params
from mcgen.detector.toy import measure
from mcgen.mc.phasespace import PhaseSpaceMap
from mcgen.physics.constants import Electroweak
from mcgen.physics.frames import inverse, lab_from_cm, transform
from mcgen.physics.nunugamma import msq_nunugamma_fast, msq_nunugamma_helicities, z_only_photon_density
from mcgen.physics.polarisation import helicity_weights
from mcgen.selection.cuts import CUTS, select, select_columns
from mcgen.selection.cuts import kernel_params as selection_params
from mcgen.selection.escape import escape_pass

__all__ = ["flavour_msq", "sample_phase_space", "train_phase_space", "training_points", "z_only_weights",
           "background_cross_section", "unweight", "unweighting_threshold", "photon_selection", "photon_cut_flags", "cut_flow",
           "toy_detector",
           "BACKGROUND_FLAVOURS"]


# --- phase space and cross sections ------------------------------------------------------------

BACKGROUND_FLAVOURS = ("e", "mu", "tau")


def sample_phase_space(card, n: int, rng: np.random.Generator, grid: PhaseSpaceMap | None = None):
    """Momenta p1, p2 (beams), k1, k2 (nu, nubar), k (photon) and phase-space weights (GeV^2) for
    e+e- -> nu nubar gamma through ``grid`` (from :func:`train_phase_space`; untrained when None),
    in the hard process's frame (the lab's without beam effects)."""
    points = (PhaseSpaceMap.for_card(card) if grid is None else grid).sample(n, rng)
    return points.p1, points.p2, points.k1, points.k2, points.k, points.weight


def train_phase_space(card, rng: np.random.Generator, flavours=BACKGROUND_FLAVOURS, n_per_iteration: int = 20_000,
                      iterations: int = 5) -> PhaseSpaceMap:
    """The card's :class:`~mcgen.mc.phasespace.PhaseSpaceMap` adapted to the summed |M|^2 of
    ``flavours`` times the selection (true or reconstructed photon): the points then follow the
    selected cross section."""
    psmap = PhaseSpaceMap.for_card(card)
    for _ in range(iterations):
        pts = psmap.sample(n_per_iteration, rng)
        w = pts.weight / pts.s_hat * sum(flavour_msq(card.electroweak, flavours, pts.p1, pts.p2, pts.k1, pts.k2, pts.k,
                                                     card.beam.polarisation).values())
        reco = toy_detector(card, pts.photon, rng)
        selected = photon_selection(card, pts.photon) | photon_selection(card, reco)
        if not selected.any():
            break
        psmap.adapt(pts, w * selected)
    return psmap


def flavour_msq(ew: Electroweak, flavours, p1, p2, k1, k2, k, polarisation: tuple[float, float] = (0.0, 0.0),
                on_flavour: Callable[[int], None] | None = None) -> dict[str, np.ndarray]:
    """|M|^2 per neutrino flavour (nu_mu and nu_tau share the Z-only amplitude: computed once), for
    beams of longitudinal ``polarisation`` (P-, P+): the e-_L and e-_R helicity sums weighted by
    (1 - P-)(1 + P+) and (1 + P-)(1 - P+) (mcgen.physics.polarisation); ``on_flavour(1)`` after each
    flavour (a progress step)."""
    hel_l, hel_r = helicity_weights(*polarisation)

    def msq(electron_flavour: bool) -> np.ndarray:
        if hel_l == hel_r == 1.0:  # unpolarised: the helicity sum in one pass
            return msq_nunugamma_fast(p1, p2, k1, k2, k, ew, electron_flavour)
        parts = msq_nunugamma_helicities(p1, p2, k1, k2, k, ew, electron_flavour)
        return hel_l * parts[0].sum(axis=0) + hel_r * parts[1].sum(axis=0)

    out: dict[str, np.ndarray] = {}
    neutral_only = None
    for flavour in flavours:
        if flavour == "e":
            out[flavour] = msq(True)
        else:
            if neutral_only is None:
                neutral_only = msq(False)
            out[flavour] = neutral_only
        if on_flavour is not None:
            on_flavour(1)
    return out


def background_cross_section(card, n: int, seed: int, flavours=BACKGROUND_FLAVOURS, edges=None, pt_edges=None,
                             keep_events: bool = False, grid: PhaseSpaceMap | None = None) -> dict:
    """Weighted Monte Carlo of e+e- -> nu nubar gamma with the card's selection on the true photon
    and after the toy detector: cross sections (pb) with their errors, per flavour. The phase space
    is first adapted (:func:`train_phase_space`, 5 passes of :func:`training_points`, their own
    random stream), then n fresh points are drawn with the frozen map. Optionally
    the true-photon energy (``edges``) and pT (``pt_edges``) spectra after the cuts, pb per bin,
    and with ``keep_events`` the weighted events themselves (result["columns"]; weight_pb averages
    to the cross section of the sampled region, weight_<flavour> per flavour, both from each event's
    full |M|^2; weight_photon_pb the weights the cross sections here are made of). The rates of nu_mu
    and nu_tau integrate the nu nubar directions in closed form (:func:`z_only_weights`): the same
    expectation, without their variance. A ``grid`` already trained for this card
    (:func:`train_phase_space`) skips the training (benchmarks)."""
    from mcgen.physics.constants import GEV2_TO_PB

    card.run_card(None)  # one run: a card with [[runs]] gives each with card.run_card(name)

    ew = card.electroweak
    result: dict = {"by_flavour": {}}
    total_w = np.zeros(n)
    train_rng, rng = (np.random.default_rng(child) for child in np.random.SeedSequence(seed).spawn(2))
    with progress.task(2 + len(flavours), "steps", f"background {card.name}") as step:  # train, sample, flavours
        if grid is None:
            grid = train_phase_space(card, train_rng, flavours, n_per_iteration=training_points(n))
        step(1)
        pts = grid.sample(n, rng)
        to_lab = lab_transform(card)
        k = pts.photon if to_lab is None else transform(to_lab, pts.photon)  # in the lab
        flags = photon_cut_flags(card, k)
        truth = flags["pass_all"]
        measured = toy_detector(card, k, rng)
        reco = photon_selection(card, measured)
        step(1)
        # the rates: nu_e from the full |M|^2; nu_mu, nu_tau with the pair's directions integrated out
        # in closed form (no variance from them); the events written keep the full |M|^2 of theirs
        to_pb = pts.weight / (2 * pts.s_hat) * GEV2_TO_PB  # the flux 1/(2 s_hat) of the hard process
        needs_msq = [f for f in flavours if keep_events or f == "e"]
        full = flavour_msq(ew, needs_msq, pts.p1, pts.p2, pts.k1, pts.k2, pts.k, card.beam.polarisation, on_flavour=step)
        event_weights = {f: msq * to_pb for f, msq in full.items()}
        integrated = None
        for flavour in flavours:
            if flavour == "e":
                w = event_weights["e"]
            else:
                if integrated is None:
                    integrated = z_only_weights(card, pts)
                w = integrated
                if not keep_events:
                    step(1)
            total_w += w
            result["by_flavour"][flavour] = _estimate(w * truth)
            result["by_flavour"][flavour]["sigma_reco_pb"] = _estimate(w * reco)["sigma_pb"]
    total = _estimate(total_w * truth)
    result.update(total)
    reco_estimate = _estimate(total_w * reco)
    result["sigma_reco_pb"], result["sigma_reco_err_pb"] = reco_estimate["sigma_pb"], reco_estimate["sigma_err_pb"]
    passed = total_w * truth
    # what --unweighted does to the truth-selected events (the others keep their weights)
    w_max = unweighting_threshold(passed)
    result["unweighting_efficiency"] = float(np.minimum(passed, w_max).mean() / w_max) if w_max > 0 else None
    selected = (total_w * (truth | reco)).mean()
    result["reco_only_fraction"] = float((total_w * (reco & ~truth)).mean() / selected) if selected > 0 else None
    result["overweight_fraction"] = OVERWEIGHT_FRACTION
    result["cut_flow"] = cut_flow(total_w, flags, reco, "generated (the sampled photon region)")
    if edges is not None:  # the true-photon energy spectrum after the cuts, pb per bin
        result["spectrum_pb"] = (np.histogram(k[:, 0], bins=edges, weights=passed)[0] / n).tolist()
        result["spectrum_edges_GeV"] = list(map(float, edges))
    if pt_edges is not None:
        pt = np.sqrt(k[:, 1] * k[:, 1] + k[:, 2] * k[:, 2])
        result["pt_spectrum_pb"] = (np.histogram(pt, bins=pt_edges, weights=passed)[0] / n).tolist()
    result["n_events"] = n
    if keep_events:
        pt = np.sqrt(k[:, 1] * k[:, 1] + k[:, 2] * k[:, 2])
        k1, k2 = pts.lab(pts.k1), pts.lab(pts.k2)
        if to_lab is not None:
            k1, k2 = transform(to_lab, k1), transform(to_lab, k2)
        ones = np.ones(n)
        result["columns"] = {
            "weight_pb": sum(event_weights.values()), **{f"weight_{f}": w for f, w in event_weights.items()},
            "weight_photon_pb": total_w,
            "gamma_E": k[:, 0], "gamma_px": k[:, 1], "gamma_py": k[:, 2], "gamma_pz": k[:, 3],
            "gamma_cos_theta": k[:, 3] / k[:, 0], "gamma_pt": pt,
            "nu_px": k1[:, 1], "nu_py": k1[:, 2], "nu_pz": k1[:, 3], "nubar_px": k2[:, 1], "nubar_py": k2[:, 2], "nubar_pz": k2[:, 3],
            "beam_x1": ones if pts.x1 is None else pts.x1, "beam_x2": ones if pts.x2 is None else pts.x2,
            **measured, "truth_pass": truth, "pass_all": reco,
        }
    return result


def cut_flow(w: np.ndarray, flags: dict[str, np.ndarray], reco: np.ndarray, first: str,
             before: tuple[tuple[str, np.ndarray], ...] = ()) -> list[dict]:
    """The cross section (pb, with its error) after each step: ``first`` (every event), the steps
    ``before`` the photon cuts, each cut of mcgen.selection.cuts.CUTS and the escape cut on the true
    photon in turn (``flags`` of :func:`photon_cut_flags`), then after the toy detector and the selection (``reco``)."""
    steps = [(first, np.ones(len(w), dtype=bool)), *before]
    passed = steps[-1][1]
    for cut in (*CUTS, "escape"):
        passed = passed & flags[f"pass_{cut}"]
        steps.append((f"+ {cut}", passed))
    steps.append(("after the toy detector and the selection", reco))
    return [{"step": name, **_estimate(w * mask)} for name, mask in steps]


def z_only_weights(card, pts) -> np.ndarray:
    """The weight (pb) of each point for one neutrino flavour without the W (nu_mu or nu_tau) with
    the nu nubar directions integrated out: the closed form d sigma / dE* dcos* of the hard frame
    (mcgen.physics.nunugamma.z_only_photon_density) times dE* dcos* / dE dcos = E / E* over the
    photon's sampling density in the lab's variables (``pts.photon_weight``)."""
    from mcgen.physics.constants import GEV2_TO_PB

    hard = pts.k
    density = z_only_photon_density(np.sqrt(pts.s_hat), hard[:, 0], hard[:, 3] / hard[:, 0], card.electroweak,
                                    card.beam.polarisation)
    return density * (pts.photon[:, 0] / hard[:, 0]) * pts.photon_weight * GEV2_TO_PB


def training_points(n: int) -> int:
    """Points per training pass for a run of n events: n/16, at least 5000 and at most 40000."""
    return min(max(n // 16, 5_000), 40_000)


OVERWEIGHT_FRACTION = 0.01  # share of the cross section that events above the unweighting threshold may carry beyond it


def unweighting_threshold(w: np.ndarray, overweight_fraction: float = OVERWEIGHT_FRACTION) -> float:
    """The smallest weight w_max such that sum(max(w - w_max, 0)) <= overweight_fraction * sum(w):
    a few rare large weights then do not set the efficiency of the whole sample."""
    ws = np.sort(w[w > 0])[::-1]
    if len(ws) == 0:
        return 0.0
    above = np.arange(len(ws))  # events strictly heavier than ws[j] (ties aside)
    excess = np.concatenate([[0.0], np.cumsum(ws)[:-1]]) - above * ws
    return float(ws[np.nonzero(excess <= overweight_fraction * ws.sum())[0][-1]])


def unweight(columns: dict[str, np.ndarray], rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Unweighting of the selected events. Events whose true photon passes the card's cuts are
    kept with probability min(1, w / w_max) (:func:`unweighting_threshold`) and then weigh
    max(w, w_max): equal weights but for rare overweight events, nothing biased. Events that only
    the smearing brings into the selection keep their own weights: they pass with a small
    probability (Z-return photons crossing the veto window's edge), and unweighting them would
    throw nearly every event away. The weights are scaled to average to the selected cross section."""
    w = columns["weight_pb"]
    truth = columns["truth_pass"]
    reco_only = columns["pass_all"] & ~truth & (w > 0)  # events of weight 0 (beyond the endpoint, with ISR) are not kept
    w_max = unweighting_threshold(w * truth)
    keep = (truth & (rng.random(len(w)) * w_max < w)) | reco_only
    kept = np.where(truth[keep], np.maximum(w[keep], w_max), w[keep])
    scale = kept * ((w * (truth | reco_only)).mean() * keep.sum() / kept.sum()) / w[keep]
    out = {k: v[keep] for k, v in columns.items() if k != "weight_photon_pb"}  # an estimator of the weighted sample only
    for k in out:
        if k.startswith("weight_"):
            out[k] = columns[k][keep] * scale
    return out


def _estimate(w: np.ndarray) -> dict:
    return {"sigma_pb": float(w.mean()), "sigma_err_pb": float(w.std() / math.sqrt(len(w)))}


def lab_transform(card) -> np.ndarray | None:
    """The 4x4 transformation lab <- centre of mass of the card's beams (None: the same frame)."""
    (e1, e2), beam = card.beam.energies, card.beam
    return lab_from_cm(e1, e2, beam.crossing_angle_rad) if beam.boosted else None


def photon_selection(card, photons: np.ndarray | dict[str, np.ndarray]) -> np.ndarray:
    """The card's photon cuts (mcgen.selection, the signal's own numba function) on true photons
    (an (n, 4) array of E, px, py, pz) or on measured ones (the columns of :func:`toy_detector`;
    only reconstructed photons pass), both in the lab; taken to the centre-of-mass frame first
    where the card's cuts are there (``[selection] frame = "cm"``); the escape cut
    (mcgen.selection.escape) on the lab photon."""
    params = selection_params(card.selection, card.sqrt_s, card.electroweak)
    to_lab = lab_transform(card)
    to_cm = None if card.selection.frame == "lab" or to_lab is None else inverse(to_lab)
    if isinstance(photons, dict):
        lab = np.stack([photons[f"gamma_reco_{c}"] for c in ("E", "px", "py", "pz")], axis=1) * photons["reconstructed"][:, None]
        measured = photons if to_cm is None else measured_in_frame(to_cm, photons)
        return select_columns(params, measured, "gamma_reco")["pass_all"] & escape_pass(card, lab)
    return photon_cut_flags(card, photons)["pass_all"]


def photon_cut_flags(card, photons: np.ndarray) -> dict[str, np.ndarray]:
    """:func:`photon_selection` on true photons (an (n, 4) lab array), cut by cut: ``pass_<cut>`` of
    mcgen.selection.cuts.CUTS in the card's frame, ``pass_escape`` and ``pass_all``."""
    params = selection_params(card.selection, card.sqrt_s, card.electroweak)
    to_lab = lab_transform(card)
    if card.selection.frame == "lab" or to_lab is None:
        flags = select(params, photons[:, 0], photons[:, 3] / photons[:, 0])
    else:
        k = transform(inverse(to_lab), photons)
        flags = select(params, k[:, 0], k[:, 3] / k[:, 0], np.hypot(k[:, 1], k[:, 2]) / k[:, 0])
    flags["pass_escape"] = escape_pass(card, photons)
    flags["pass_all"] = flags["pass_all"] & flags["pass_escape"]
    return flags


def measured_in_frame(matrix: np.ndarray, measured: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Measured photon columns (gamma_reco_*, zeros where not reconstructed) transformed by ``matrix``."""
    names = ("gamma_reco_E", "gamma_reco_px", "gamma_reco_py", "gamma_reco_pz")
    k = transform(matrix, np.stack([measured[n] for n in names], axis=1))
    seen = measured["reconstructed"]
    k[~seen] = 0.0
    e = k[:, 0]
    cos_t = np.divide(k[:, 3], e, out=np.zeros_like(e), where=e > 0)
    return measured | dict(zip(names, k.T)) | {"gamma_reco_cos_theta": cos_t, "gamma_reco_pt": np.hypot(k[:, 1], k[:, 2])}


def toy_detector(card, k: np.ndarray, rng: np.random.Generator,
                 vertex: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    """The signal's toy detector (mcgen.detector) on photons (E, px, py, pz) from ``vertex``
    (prompt, at the origin, by default): the measured columns ``gamma_reco_*`` and
    ``reconstructed``. The two unit normals and the efficiency uniform per photon come from
    ``rng``, in that order: g1 for the energy, g2 for the angle, then u."""
    g1, g2 = rng.standard_normal(len(k)), rng.standard_normal(len(k))
    u_eff = rng.random(len(k))
    if vertex is None:
        origin = np.zeros(len(k))
        vertex = (origin, origin, origin)
    return measure(detector_params(card.detector), vertex, (k[:, 0], k[:, 1], k[:, 2], k[:, 3]), g1, g2, u_eff)
