"""One limit from several runs at one mass: the runs of a card with [[runs]], or every run of several
cards (``mcgen limits --combine``). Only the expected sensitivities combine (the registry's
``combinable`` criteria): S^2/B as the sum of S_i^2/B_i over the runs (Gaussian, no systematic
uncertainty), CLs as one pyhf likelihood with a channel per run and d_gamma shared. The LEP analyses
are measurements with observed data and stay one per analysis."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from mcgen.analysis.limits.cls import cls_limit_runs
from mcgen.analysis.limits.roots import LimitResult, first_crossing
from mcgen.analysis.limits.samples import SignalSample
from mcgen.analysis.limits.signal import visible_signal
from mcgen.config.criteria import criterion
from mcgen.errors import InputError
from mcgen.physics.model import Couplings

__all__ = ["combined_limit", "check_combinable", "COMBINATION"]

COMBINATION = {
    "s2b": "sum over the runs of S_i^2/B_i = s2b_95 (Gaussian, no systematic uncertainty)",
    "cls": "one pyhf likelihood with a channel per run (its photon-energy bins), d_gamma shared; the runs of one card "
           "share its background- and signal-normalisation nuisance parameters, different cards have their own",
}
"""How each combinable criterion combines runs (recorded with every combined limit)."""


def check_combinable(names: Sequence[str], criteria: Sequence[str], s2b_95: Sequence[float | None]) -> str:
    """The one criterion of the runs to combine, or an InputError saying why they cannot be."""
    for card, name in zip(names, criteria):
        if not criterion(name).combinable:
            raise InputError(f"card {card}: criterion {name!r} is a measurement of its own and combines with no other run "
                             "(only the expected sensitivities s2b and cls do)")
    if len(set(criteria)) != 1:
        raise InputError(f"runs with different criteria ({', '.join(sorted(set(criteria)))}) do not combine: "
                         "give every card the same --criterion")
    name = criteria[0]
    if name == "s2b" and len(set(s2b_95)) != 1:
        raise InputError("runs with different [limit] s2b_95 do not combine into one S^2/B criterion")
    return name


def combined_limit(pairs: Sequence[tuple[SignalSample, Couplings]]) -> LimitResult:
    """The limit of several runs at one mass: each run's reduced sample with its coupling structure
    at d_gamma = 1 (the cards' electroweak inputs may differ)."""
    samples = [s for s, _ in pairs]
    name = check_combinable([s.card.name for s in samples], [s.card.limit.criterion for s in samples],
                            [s.card.limit.s2b_95 for s in samples])
    runs = [s.card.name for s in samples]
    if name == "cls":
        result = cls_limit_runs(pairs)
        return LimitResult(result.mass, result.d_gamma_95, result.excluded, {**result.details, "runs": runs})
    threshold = math.sqrt(samples[0].card.limit.value("s2b_95"))
    parts = []
    for sample, structure in pairs:
        if sample.background_pb is None:
            raise InputError(f"card {sample.card.name}: the S^2/B criterion needs the SM background cross section")
        parts.append((visible_signal(sample, structure), sample.card.beam.luminosity_invpb / float(sample.background_pb)))

    def f(d):  # sqrt(sum_i S_i^2 / B_i), S_i = L_i sigma_vis,i(d), B_i = L_i sigma_bkg,i
        d = np.asarray(d, dtype=float)
        return np.sqrt(sum(k * g(d) ** 2 for g, k in parts))

    d95 = first_crossing(f, threshold)
    details = {"threshold": threshold, "signal_at_d95": float(f(np.array([d95]))[0]) if d95 else None, "runs": runs}
    return LimitResult(samples[0].mass, d95, [[d95, None]] if d95 is not None else [], details)
