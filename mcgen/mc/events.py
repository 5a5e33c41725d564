"""Events as the user sees them: numpy columns (:class:`Events`, what mcgen.generate returns), or an
awkward Array whose four-momenta are vector ``Momentum4D`` records (:func:`events_array`, what
``Events.to_awkward()`` and ``mcgen.read`` return).

The records: ``N``, ``gamma`` (the true photon), ``gamma_reco`` (the measured photon; zeros where
it is not reconstructed), ``nu_recoil`` (the nubar made with N) and ``nu_decay`` (the nu from its
decay) for the signal; ``nu`` and ``nubar`` for the SM background. So ``events.gamma.pt``,
``events.gamma.eta`` and ``(events.N - events.gamma).mass`` work. The other columns (weights,
reweighting coefficients, vertex, flags) are plain fields. ``weight_pb`` averages to the cross
section; ``weight_event_pb`` = weight_pb / (events in the sample) sums to it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

__all__ = ["Events", "events_array", "MOMENTA"]

MOMENTA: dict[str, tuple[str | None, str, str, str]] = {
    "N": ("N_E", "N_px", "N_py", "N_pz"),
    "gamma": ("gamma_E", "gamma_px", "gamma_py", "gamma_pz"),
    "gamma_reco": ("gamma_reco_E", "gamma_reco_px", "gamma_reco_py", "gamma_reco_pz"),
    "nu_recoil": (None, "nu_recoil_px", "nu_recoil_py", "nu_recoil_pz"),
    "nu_decay": ("nu_decay_E", "nu_decay_px", "nu_decay_py", "nu_decay_pz"),
    "nu": (None, "nu_px", "nu_py", "nu_pz"),
    "nubar": (None, "nubar_px", "nubar_py", "nubar_pz"),
}
"""Four-momentum records: (energy branch, or None for a massless particle, px, py, pz)."""


@dataclasses.dataclass
class Events:
    """Generated events: flat columns (numpy), a summary of rates and efficiencies, and the
    run metadata. ``columns["weight_pb"]`` averages to the cross section."""

    columns: dict[str, np.ndarray]
    summary: dict[str, Any]
    metadata: dict[str, Any]

    def __len__(self) -> int:
        return len(self.columns["weight_pb"])

    def to_awkward(self):
        """The events as mcgen.read returns them from a file: vector Momentum4D records, the other
        columns as fields, metadata and summary in ``attrs["mcgen"]``."""
        return events_array(self.columns, {"metadata": self.metadata, "summary": self.summary, "n_events": len(self)})


def cut_fields(events: Any) -> dict[str, Any]:
    """What a cut may name on an awkward Array of :func:`events_array` (or mcgen.read): its fields,
    and the branches folded into its four-momentum records (``gamma_E`` is ``gamma.E``)."""
    out = {name: events[name] for name in events.fields}
    for name, branches in MOMENTA.items():
        if name in out:
            for branch, component in zip(branches, ("E", "px", "py", "pz")):
                if branch is not None:
                    out.setdefault(branch, out[name][component])
    return out


def events_array(columns: dict[str, Any], attrs: dict[str, Any] | None = None, n_total: int | None = None):
    """Flat columns (numpy or awkward) as an awkward Array: the four-momenta of :data:`MOMENTA` as
    vector ``Momentum4D`` records (their E/px/py/pz columns folded in), the rest as fields, and
    ``weight_event_pb`` = weight_pb / n_total (n_total: the events of the whole sample, default
    the columns' length)."""
    import awkward as ak
    import vector

    vector.register_awkward()
    fields: dict[str, Any] = {}
    folded: set[str] = set()
    for name, (e, px, py, pz) in MOMENTA.items():
        if px not in columns:
            continue
        x, y, z = (np.asarray(columns[c], dtype=np.float64) for c in (px, py, pz))
        energy = np.asarray(columns[e], dtype=np.float64) if e is not None else np.sqrt(x * x + y * y + z * z)
        fields[name] = ak.zip({"px": x, "py": y, "pz": z, "E": energy}, with_name="Momentum4D")
        folded |= {px, py, pz} | ({e} if e else set())
    for name, values in columns.items():
        if name not in folded:
            fields[name] = np.asarray(values)
    if "weight_pb" in columns:
        n = len(columns["weight_pb"]) if n_total is None else n_total
        fields["weight_event_pb"] = np.asarray(columns["weight_pb"], dtype=np.float64) / max(n, 1)
    return ak.Array(fields, attrs={"mcgen": attrs or {}})
