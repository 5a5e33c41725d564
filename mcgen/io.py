"""Event files: ROOT (uproot TTree + hist histograms + metadata), LHE (pylhe) and HepMC3 (pyhepmc).

Files are written under a temporary name in the target directory and renamed when
complete; an existing file is not replaced without ``force``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from mcgen.analysis import book_histograms, fill_histograms
from mcgen.errors import InputError

__all__ = ["FORMATS", "ROOT_COMPRESSIONS", "check_output_path", "atomic_output", "RootWriter", "write_lhe", "write_hepmc", "write_efficiency_root",
           "write_background_root",
           "N_PDG_ID", "NU_PDG_ID"]

FORMATS: tuple[str, ...] = ("root", "lhe", "hepmc")
N_PDG_ID = 9900012
"""PDG-style code used for the heavy neutral lepton (its antiparticle is negative)."""
NU_PDG_ID = {"e": 12, "mu": 14, "tau": 16}
_FLOAT64 = {"weight_pb", "w_gg", "w_zz", "w_gz", "w_ww", "w_gw", "w_zw"}
"""Weights and reweighting coefficients stay double; kinematics are stored as float32 (writing
is bound by the disk, so bytes per event matter)."""


def check_output_path(path: str | os.PathLike, force: bool) -> Path:
    """The output path, if it can be written: its folder exists and is writable, and it is
    not an existing file (unless ``force``)."""
    out = Path(path)
    if out.is_dir():
        raise InputError(f"output {out} is a directory: give a file name")
    if out.exists() and not force:
        raise InputError(f"output {out} exists: use --force to replace it")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise InputError(f"cannot write {out}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"cannot write {out}: folder {folder} is not writable")
    return out


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` on success, remove it on failure."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent if str(path.parent) else ".")
    os.close(fd)
    tmp_path = Path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp makes 0600; give the usual permissions
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


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
        self._tree = None
        self._n_total = n_total
        self._capacity = max(1, min(flush_events, n_total))
        self._filled = 0
        self._buffers: dict[str, np.ndarray] = {}
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
        self._filled = 0

    def close(self, summary: dict[str, Any], metadata: dict[str, Any]) -> None:
        self._flush()
        for name, h in self.histograms.items():
            self._file[name] = h
        self._file["metadata"] = json.dumps(metadata | {"root_compression": self._compression}, default=_jsonable)
        self._file["summary"] = json.dumps(summary, default=_jsonable)
        self._file.close()

    def abort(self) -> None:
        self._file.close()


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    raise TypeError(f"not JSON serialisable: {type(obj)}")


def _particles(cols: dict[str, np.ndarray], i: int, flavour: str):
    """(pid, status, mother index or -1, px, py, pz, E, m) of e-, e+, N, nubar, gamma, nu."""
    sign = -1 if cols["anti"][i] else 1
    nu = NU_PDG_ID[flavour]
    e_beam = 0.5 * (cols["N_E"][i] + math.hypot(cols["nu_recoil_px"][i], cols["nu_recoil_py"][i], cols["nu_recoil_pz"][i]))
    recoil = (cols["nu_recoil_px"][i], cols["nu_recoil_py"][i], cols["nu_recoil_pz"][i])
    n_mass = math.sqrt(max(cols["N_E"][i] ** 2 - cols["N_px"][i] ** 2 - cols["N_py"][i] ** 2 - cols["N_pz"][i] ** 2, 0.0))
    return [
        (11, -1, -1, 0.0, 0.0, e_beam, e_beam, 0.0),
        (-11, -1, -1, 0.0, 0.0, -e_beam, e_beam, 0.0),
        (sign * N_PDG_ID, 2, 0, cols["N_px"][i], cols["N_py"][i], cols["N_pz"][i], cols["N_E"][i], n_mass),
        (-sign * nu, 1, 0, *recoil, math.hypot(*recoil), 0.0),
        (22, 1, 2, cols["gamma_px"][i], cols["gamma_py"][i], cols["gamma_pz"][i], cols["gamma_E"][i], 0.0),
        (sign * nu, 1, 2, cols["nu_decay_px"][i], cols["nu_decay_py"][i], cols["nu_decay_pz"][i], cols["nu_decay_E"][i], 0.0),
    ]


def write_lhe(path: Path, cols: dict[str, np.ndarray], summary: dict[str, Any], metadata: dict[str, Any], flavour: str) -> None:
    """Les Houches events (pylhe). The N carries its proper decay length c*t in mm in VTIMUP."""
    import pylhe

    weighted = metadata["weighted"]
    sqrt_s = metadata["sqrt_s"]
    init = pylhe.LHEInit(
        initInfo=pylhe.LHEInitInfo(11, -11, sqrt_s / 2, sqrt_s / 2, 0, 0, 0, 0, 4 if weighted else 3, 1),
        procInfo=[pylhe.LHEProcInfo(summary["sigma_pb"], summary["sigma_err_pb"], summary["sigma_pb"], 1)],
        generators=[pylhe.LHEGenerator("mcgen", str(metadata["version"]), "HNL dipole portal")],
    )
    alpha = metadata["electroweak"]["alpha"]

    def events():
        for i in range(len(cols["weight_pb"])):
            parts = _particles(cols, i, flavour)
            p_n = math.hypot(cols["N_px"][i], cols["N_py"][i], cols["N_pz"][i])
            proper_mm = 1e3 * cols["flight_m"][i] * parts[2][7] / p_n
            particles = [
                pylhe.LHEParticle(pid, status, m1 + 1 if m1 >= 0 else 0, m1 + 1 if m1 >= 0 else 0, 0, 0,
                                  px, py, pz, e, m, proper_mm if k == 2 else 0.0, 9.0)
                for k, (pid, status, m1, px, py, pz, e, m) in enumerate(parts)
            ]
            info = pylhe.LHEEventInfo(len(particles), 1, float(cols["weight_pb"][i]), sqrt_s, alpha, 0.0)
            yield pylhe.LHEEvent(eventinfo=info, particles=particles)

    lhe = pylhe.LHEFile(init=init, events=events(), comment="mcgen " + json.dumps(metadata, default=_jsonable))
    with open(path, "w", encoding="utf-8") as stream:
        lhe.write(stream)


def write_hepmc(path: Path, cols: dict[str, np.ndarray], metadata: dict[str, Any], flavour: str) -> None:
    """HepMC3 ASCII events (pyhepmc) with the production vertex at the origin and the N
    decay vertex at its sampled position (mm)."""
    import pyhepmc

    run = pyhepmc.GenRunInfo()
    run.tools = [pyhepmc.GenRunInfo.ToolInfo("mcgen", str(metadata["version"]), "HNL dipole portal")]
    run.weight_names = ["weight_pb"]
    with pyhepmc.open(path, "w") as out:
        for i in range(len(cols["weight_pb"])):
            ev = pyhepmc.GenEvent(pyhepmc.Units.GEV, pyhepmc.Units.MM)
            ev.run_info = run
            ev.event_number = i
            parts = [pyhepmc.GenParticle(pyhepmc.FourVector(px, py, pz, e), pid, 4 if status == -1 else status)
                     for pid, status, _m, px, py, pz, e, _mass in _particles(cols, i, flavour)]
            production = pyhepmc.GenVertex()
            for p in parts[:2]:
                production.add_particle_in(p)
            for p in parts[2:4]:
                production.add_particle_out(p)
            p_n = math.hypot(cols["N_px"][i], cols["N_py"][i], cols["N_pz"][i])
            ct_mm = 1e3 * cols["flight_m"][i] * cols["N_E"][i] / p_n
            position = pyhepmc.FourVector(1e3 * cols["vtx_x"][i], 1e3 * cols["vtx_y"][i], 1e3 * cols["vtx_z"][i], ct_mm)
            decay = pyhepmc.GenVertex(position)
            decay.add_particle_in(parts[2])
            for p in parts[4:]:
                decay.add_particle_out(p)
            ev.add_vertex(production)
            ev.add_vertex(decay)
            ev.weights = [float(cols["weight_pb"][i])]
            out.write(ev)


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
        f["metadata"] = json.dumps(table, default=_jsonable)


def write_background_root(path: Path, columns: dict[str, np.ndarray], metadata: dict[str, Any]) -> None:
    """SM nu nubar gamma events: an ``events`` tree (same conventions as the signal: weight_pb
    averages to the cross section), histograms of the true photon after the cuts, metadata."""
    import hist
    import uproot

    data = {k: (v if k.startswith("weight") or v.dtype == np.bool_ else v.astype(np.float32)) for k, v in columns.items()}
    n = len(columns["weight_pb"])
    w = columns["weight_pb"] / max(n, 1)
    sel = columns["truth_pass"]
    e_max = 0.5 * float(metadata["sqrt_s"]) * 1.05
    h_e = hist.Hist.new.Reg(100, 0, e_max, name="E", label="true photon energy after the cuts [GeV]").Weight()
    h_pt = hist.Hist.new.Reg(100, 0, e_max, name="pt", label="true photon pT after the cuts [GeV]").Weight()
    h_e.fill(columns["gamma_E"][sel], weight=w[sel])
    h_pt.fill(columns["gamma_pt"][sel], weight=w[sel])
    with uproot.recreate(path, compression=_compression()) as f:
        f.mktree("events", {k: v.dtype for k, v in data.items()}, title="mcgen SM e+e- -> nu nubar gamma")
        f["events"].extend(data)
        f["h_gamma_E"] = h_e
        f["h_gamma_pt"] = h_pt
        f["metadata"] = json.dumps(metadata, default=_jsonable)
