"""ROOT files (uproot): the ``events`` TTree with hist histograms and the run metadata, the
efficiency tables and the background events."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from mcgen.io import checksums
from mcgen.io.histograms import book_histograms, fill_histograms
from mcgen.io.output import atomic_output, check_output_path, jsonable, write_all
from mcgen.physics.model import COUPLING_COLUMNS

__all__ = ["ROOT_COMPRESSIONS", "RootWriter", "write_events", "write_efficiency_root", "write_background_root"]

_FLOAT64 = {"weight_pb", *COUPLING_COLUMNS, "boundary_m", "p_inside", "gamma_E", "vtx_x", "vtx_y", "vtx_z", "flight_m",
            "flight_scale", "beam_x1", "beam_x2"}
"""Weights, reweighting coefficients and what the limits reduce them with (the distance to the
decay-volume surface and, with beam effects, the decay-length scale it is divided by, P(inside),
the photon energy binned by the CLs fit; the beams' energy fractions with them) stay double, so that
limits from a file equal those from memory; so do the decay vertex and the flight length, which
span from microns to beyond the float32 range (an N of 10 keV with d_gamma = 1e-25 flies 1e40 m:
stored as it is, finite, never capped). Kinematics are stored as float32 (writing is bound by
the disk, so bytes per event matter)."""


ROOT_COMPRESSIONS = ("lz4", "zlib", "none")


def _compression(name: str = "lz4"):
    """uproot's compression for ROOT output: LZ4 level 1 (the default; none when lz4 is missing),
    ZLIB level 1, or none. Float32 kinematics compress by only about 11%, so "none" writes about
    twice as fast for that much more disk."""
    import uproot

    if name == "none":
        return None
    if name == "zlib":
        return uproot.ZLIB(1)
    try:
        import lz4  # noqa: F401
    except ImportError:
        return None
    return uproot.LZ4(1)


class RootWriter:
    """Streams batches of columns into the ``events`` TTree, fills the histograms, and on close
    stores them with the run metadata and summary (JSON).

    Batches (small ones come from a streaming mcgen.generate) are gathered into ``flush_events``
    rows, converted on the way to what ROOT stores (big-endian; float32 kinematics), and each
    full set goes to the tree in one ``extend`` (large baskets)."""

    def __init__(self, path: Path, n_total: int, sqrt_s: float, decay_radius_m: float, compression: str = "lz4",
                 flush_events: int = 1 << 19) -> None:
        import uproot

        codec = _compression(compression)
        self._file = uproot.recreate(path, compression=codec)
        self._compression = compression if codec is not None else "none"
        self._tree: Any = None
        self._n_total = n_total
        self._capacity = max(1, min(flush_events, n_total))
        self._filled = 0
        self._buffers: dict[str, np.ndarray] = {}
        self._checksums = checksums.BranchChecksums()
        self.histograms = book_histograms(sqrt_s, decay_radius_m)

    def _buffer(self, name: str, values: np.ndarray) -> np.ndarray:
        buffer = self._buffers.get(name)
        if buffer is None:
            dtype = np.bool_ if values.dtype == np.bool_ else ">f8" if name in _FLOAT64 else ">f4"
            buffer = self._buffers[name] = np.empty(self._capacity, dtype)
        return buffer

    def write(self, cols: dict[str, np.ndarray]) -> None:
        fill_histograms(self.histograms, cols, self._n_total)
        size = len(next(iter(cols.values())))
        done = 0
        while done < size:
            take = min(size - done, self._capacity - self._filled)
            for name, values in cols.items():
                rows = self._buffer(name, values)[self._filled:self._filled + take]
                np.copyto(rows, values[done:done + take], casting="same_kind")
            self._filled += take
            done += take
            if self._filled == self._capacity:
                self._flush()

    def _flush(self) -> None:
        if self._filled == 0:
            return
        data = {name: buffer[: self._filled] for name, buffer in self._buffers.items()}
        if self._tree is None:
            self._tree = self._file.mktree(
                "events", {k: v.dtype for k, v in data.items()}, title="mcgen e+e- -> N nubar (+ h.c.), N -> nu gamma"
            )
        self._tree.extend(data)
        self._checksums.update(data)
        self._filled = 0

    def close(self, summary: dict[str, Any], metadata: dict[str, Any]) -> None:
        self._flush()
        for name, h in self.histograms.items():
            self._file[name] = h
        recorded = {"root_compression": self._compression, checksums.METADATA_KEY: self._checksums.hexdigests()}
        self._file["metadata"] = json.dumps(metadata | recorded, default=jsonable)
        self._file["summary"] = json.dumps(summary, default=jsonable)
        self._file.close()

    def abort(self) -> None:
        self._file.close()


def write_events(events, path: str | Path, compression: str = "lz4", force: bool = False) -> Path:
    """A kept :class:`~mcgen.mc.events.Events` (signal) as an event file, as ``mcgen generate -o``
    writes it: the events tree, the histograms, the metadata and the summary (atomically)."""
    out = check_output_path(path, force)
    detector = events.metadata["card_content"]["detector"]
    with atomic_output(out, force) as tmp:
        writer = RootWriter(tmp, len(events), events.metadata["sqrt_s"], detector["decay_radius_m"], compression)
        write_all(writer, events.columns, events.summary, events.metadata)
    return out


def write_efficiency_root(path: Path, table: dict[str, Any]) -> None:
    """An eps_cuts table as a hist (one bin per mass, edges halfway between masses) plus its
    inputs as a JSON string."""
    import hist
    import uproot

    masses = np.asarray(table["masses"], dtype=float)
    edges = np.concatenate([[masses[0] * 0.9], np.sqrt(masses[1:] * masses[:-1]), [masses[-1] * 1.1]]) if masses.size > 1 \
        else np.array([masses[0] * 0.9, masses[0] * 1.1])
    h = hist.Hist(hist.axis.Variable(edges, name="mass", label="m_N [GeV]"), storage=hist.storage.Weight(),
                  label="eps_cuts")
    values = np.array([np.nan if v is None else v for v in table["eps_cuts"]])
    errors = np.array([np.nan if v is None else v for v in table["eps_cuts_err"]])
    ok = np.isfinite(values)
    h.view().value[ok] = values[ok]
    h.view().variance[ok] = errors[ok] ** 2
    with uproot.recreate(path) as f:
        f["eps_cuts"] = h
        f["metadata"] = json.dumps(table, default=jsonable)


def write_background_root(path: Path, columns: dict[str, np.ndarray], metadata: dict[str, Any],
                          summary: dict[str, Any] | None = None) -> None:
    """Background events (SM nu nubar gamma, or a reducible process) in the signal's layout: an ``events`` tree with the same branch
    names for what both have (weight_pb averaging to the cross section, the true and measured
    photon, the flags), histograms of the true photon after the cuts, ``metadata`` and ``summary``."""
    import hist
    import uproot

    data = {k: (v if k.startswith("weight") or v.dtype == np.bool_ or k in _FLOAT64 else v.astype(np.float32))
            for k, v in columns.items()}
    n = len(columns["weight_pb"])
    w = columns["weight_pb"] / max(n, 1)
    sel = columns["truth_pass"]
    e_max = 0.5 * float(metadata["sqrt_s"]) * 1.05
    h_e = hist.Hist.new.Reg(100, 0, e_max, name="E", label="true photon energy after the cuts [GeV]").Weight()
    h_pt = hist.Hist.new.Reg(100, 0, e_max, name="pt", label="true photon pT after the cuts [GeV]").Weight()
    h_e.fill(columns["gamma_E"][sel], weight=w[sel])
    h_pt.fill(columns["gamma_pt"][sel], weight=w[sel])
    with uproot.recreate(path, compression=_compression()) as f:
        f.mktree("events", {k: v.dtype for k, v in data.items()}, title=f"mcgen {metadata.get('process', 'background')}")
        f["events"].extend(data)
        f["h_gamma_E"] = h_e
        f["h_gamma_pt"] = h_pt
        sums = checksums.BranchChecksums()
        sums.update(data)
        f["metadata"] = json.dumps(metadata | {checksums.METADATA_KEY: sums.hexdigests()}, default=jsonable)
        f["summary"] = json.dumps(summary if summary is not None else {}, default=jsonable)
