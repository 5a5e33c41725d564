"""The event-file formats, in one registry: each streams the events batch by batch through the
same three calls (:class:`EventWriter`), so ``mcgen generate`` writes any of them in bounded memory.
A new format is a writer class and a record in :data:`WRITERS`."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np

__all__ = ["EventWriter", "EventStream", "EventFormat", "WRITERS", "FORMATS", "format_for"]


class EventWriter(Protocol):
    """What a format's writer does: take the columns of each batch as they come, then write what is
    known only at the end (the run's summary and metadata), or give up (no file is left)."""

    def write(self, cols: dict[str, np.ndarray]) -> None: ...

    def close(self, summary: dict[str, Any], metadata: dict[str, Any]) -> None: ...

    def abort(self) -> None: ...


@dataclasses.dataclass(frozen=True, kw_only=True)
class EventStream:
    """What a writer is opened with, known before the first event: the number of events, the beams'
    sqrt(s) and alpha, the decay volume's radius (ROOT histograms), the N mass, flavour and nature, the
    ROOT compression, the folder a text format spools its events in (the output's own), and the beams'
    full crossing angle (rad; LHE and HepMC3 give the events in the head-on frame, ROOT in the lab)."""

    n_events: int
    sqrt_s: float
    alpha: float
    decay_radius_m: float
    mass: float
    flavour: str
    nature: str = "dirac"
    compression: str = "lz4"
    spool_dir: Path | None = None
    crossing_angle: float = 0.0


@dataclasses.dataclass(frozen=True)
class EventFormat:
    """A format: its name (``--format``), the file suffixes that choose it, and how its writer opens."""

    name: str
    suffixes: tuple[str, ...]
    open: Callable[[Path, EventStream], EventWriter]


def _root(path: Path, s: EventStream) -> EventWriter:
    from mcgen.io.root import RootWriter

    return RootWriter(path, s.n_events, s.sqrt_s, s.decay_radius_m, s.compression)


def _lhe(path: Path, s: EventStream) -> EventWriter:
    from mcgen.io.lhe import LheWriter

    return LheWriter(path, mass=s.mass, flavour=s.flavour, nature=s.nature, sqrt_s=s.sqrt_s, alpha=s.alpha,
                     crossing_angle=s.crossing_angle, spool_dir=s.spool_dir)


def _hepmc(path: Path, s: EventStream) -> EventWriter:
    from mcgen.io.hepmc import HepmcWriter

    return HepmcWriter(path, mass=s.mass, flavour=s.flavour, nature=s.nature, crossing_angle=s.crossing_angle,
                       spool_dir=s.spool_dir)


WRITERS: dict[str, EventFormat] = {f.name: f for f in (
    EventFormat("root", (".root",), _root),
    EventFormat("lhe", (".lhe",), _lhe),
    EventFormat("hepmc", (".hepmc", ".hepmc3"), _hepmc),
)}
"""Every event-file format, by name; the first is the default."""
FORMATS: tuple[str, ...] = tuple(WRITERS)


def format_for(path: str | Path, name: str | None = None) -> str:
    """The format of an output: the one named, else the one its suffix chooses, else ROOT.

    >>> format_for("ev.hepmc3"), format_for("ev.lhe", "root"), format_for("events")
    ('hepmc', 'root', 'root')
    """
    if name is not None:
        return name
    suffix = Path(path).suffix
    return next((f.name for f in WRITERS.values() if suffix in f.suffixes), FORMATS[0])
