"""The SM e+e- -> nu nubar gamma background of a card as a result: the cross sections after the
card's cuts (mcgen.mc.background) with their provenance, and the events to write, unweighted
on request, with the metadata their file carries."""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from mcgen._version import RESULTS_REVISION, __version__
from mcgen.config.cards import BACKGROUND_PROCESSES, Card
from mcgen.errors import InputError, OutputError, shown

__all__ = ["BackgroundProcess", "PROCESSES", "background_sample", "background_metadata", "background_summary", "cached", "is_cached",
           "cache_dir", "cache_key"]


@dataclasses.dataclass(frozen=True)
class BackgroundProcess:
    """A background process (``mcgen background --process NAME``): what it is, and its weighted Monte
    Carlo ``compute(card, n, seed, keep_events, edges) -> result`` (sigma_pb, sigma_reco_pb with their
    errors; the event columns under ``columns`` with ``keep_events``; with photon-energy ``edges`` the
    spectrum after the cuts, pb per bin). ``reducible``: made only where the event looks like a single
    photon; a zero after the cuts is then a result, not an error, and the limits take it after the
    detector (``sigma_reco_pb``, ``spectrum_reco_pb``), the SM one on the true photon."""

    name: str
    title: str
    compute: Callable[..., dict[str, Any]]
    reducible: bool


def _nunugamma(card: Card, n: int, seed: int, keep_events: bool, edges: Any = None) -> dict[str, Any]:
    from mcgen.mc.background import background_cross_section

    return background_cross_section(card, n, seed, keep_events=keep_events, edges=edges)


def _eegamma(card: Card, n: int, seed: int, keep_events: bool, edges: Any = None) -> dict[str, Any]:
    from mcgen.mc.reducible import eegamma_cross_section

    return eegamma_cross_section(card, n, seed, keep_events=keep_events, edges=edges)


def _gammagamma(card: Card, n: int, seed: int, keep_events: bool, edges: Any = None) -> dict[str, Any]:
    from mcgen.mc.reducible import gammagamma_cross_section

    return gammagamma_cross_section(card, n, seed, keep_events=keep_events, edges=edges)


PROCESSES: dict[str, BackgroundProcess] = {p.name: p for p in (
    BackgroundProcess("nunugamma", "e+e- -> nu nubar gamma (SM, three flavours)", _nunugamma, reducible=False),
    BackgroundProcess("eegamma", "e+e- -> e+e- gamma, the photon seen and both leptons lost", _eegamma, reducible=True),
    BackgroundProcess("gammagamma", "e+e- -> gamma gamma (gamma), one photon seen and the others lost", _gammagamma, reducible=True),
)}
"""The background processes by name; the first is the default. A new process is a compute function, a record here
and its name in mcgen.config.cards.BACKGROUND_PROCESSES (what cards and the command line accept)."""
assert tuple(PROCESSES) == BACKGROUND_PROCESSES

_MEMORY: dict[str, Any] = {}
_DIR: list[Path | None] = [None]
_CACHED_TABLES = ("beam", "electroweak", "detector", "selection")  # what the background depends on


def cache_key(card: Card, n: int, seed: int, what: str) -> tuple[str, dict[str, Any]]:
    """The key of one background result: a hash of the card tables it depends on (beam,
    electroweak, detector, selection, as validated), the statistics, the seed, what is kept (``what``, e.g. the
    spectrum edges) and the version; and the content hashed, recorded in the cache file."""
    # the validated tables, not card.raw: a card changed with dataclasses.replace keys what it is
    content = {"tables": {t: dataclasses.asdict(getattr(card, t)) for t in _CACHED_TABLES}, "n": n, "seed": seed, "what": what,
               "version": __version__}
    return xxhash.xxh3_128_hexdigest(json.dumps(content, sort_keys=True).encode()), content


@contextlib.contextmanager
def cache_dir(path: str | os.PathLike | None) -> Iterator[None]:
    """Keep background results on disk in ``path`` (a folder, created if needed) for the duration,
    besides the in-memory cache every process has."""
    before = _DIR[0]
    if path is not None:
        folder = Path(path)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"--cache {shown(folder)}: cannot use it as a folder: {exc.strerror or exc}") from None
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OutputError(f"--cache {shown(folder)}: the folder is not writable")
        _DIR[0] = folder
    try:
        yield
    finally:
        _DIR[0] = before


def is_cached(card: Card, n: int, seed: int, what: str) -> bool:
    """Whether :func:`cached` has this result already (in memory or in the cache folder)."""
    key, _ = cache_key(card, n, seed, what)
    folder = _DIR[0]
    return key in _MEMORY or (folder is not None and (folder / f"background-{key}.json").is_file())


def cached(card: Card, n: int, seed: int, what: str, compute: Callable[[], Any]) -> tuple[Any, dict[str, Any]]:
    """``compute()`` (a JSON-able background result) once per key: from memory, else from the
    cache folder, else computed (and stored in both). Returns the result and where it came from."""
    from mcgen.io.output import atomic_output

    key, content = cache_key(card, n, seed, what)
    folder = _DIR[0]
    info: dict[str, Any] = {"key": key, "events": n, "seed": seed, "cache_dir": str(folder) if folder else None}
    if key in _MEMORY:
        return _MEMORY[key], info | {"from": "memory"}
    path = folder / f"background-{key}.json" if folder else None
    if path is not None and path.is_file():
        try:
            stored = json.loads(path.read_text(encoding="utf-8"))
            if stored.get("content") == json.loads(json.dumps(content)):
                _MEMORY[key] = stored["result"]
                return stored["result"], info | {"from": "disk"}
        except (OSError, ValueError, KeyError):
            pass  # an unreadable or foreign file is recomputed and replaced
    result = compute()
    _MEMORY[key] = result
    if path is not None:
        with atomic_output(path, force=True) as tmp:
            tmp.write_text(json.dumps({"content": content, "result": result}), encoding="utf-8")
    return result, info | {"from": "computed"}

NOTE = ("tree level; weighted events; sigma after the card's cuts on the true photon, "
        "sigma_reco after the toy detector and the same cuts")


def note(card: Card) -> str:
    """What the background's numbers include, for its outputs: ISR (leading-log structure
    functions at the nominal s, collinear photons) and the energy spread when the card has them."""
    s1, s2 = card.beam.spreads
    spread = f"energy spread {s1:g}" if s1 == s2 else f"energy spreads {s1:g} (e-) and {s2:g} (e+)"
    beams = [what for what, on in (("ISR", card.beam.isr), (spread, max(s1, s2) > 0)) if on]
    return NOTE.replace("tree level", "tree level, " + (" and ".join(beams) if beams else "no ISR"), 1)


def background_sample(card: Card, n: int, seed: int, *, keep_events: bool = False, unweighted: bool = False,
                      process: str = "nunugamma") -> tuple[dict[str, Any], dict[str, np.ndarray] | None]:
    """sigma (true photon) and sigma_reco (after the toy detector) of one of :data:`PROCESSES`, with
    provenance (nu nubar gamma per flavour); and the event columns when ``keep_events`` (else None),
    hit-or-miss unweighted when ``unweighted`` from a random stream of their own (SeedSequence([seed, 1])).

    For nu nubar gamma a selection that no event passes is an error, not a zero: it almost always
    means cuts that exclude the whole phase space. A reducible background may vanish after the cuts:
    that is what the cuts are for.
    """
    from mcgen.mc.background import unweight

    if process not in PROCESSES:
        raise InputError(f"--process {shown(process)}: expected one of {', '.join(PROCESSES)}")
    chosen = PROCESSES[process]
    result = chosen.compute(card, n, seed, keep_events)
    if not chosen.reducible and not (result["sigma_pb"] > 0 or result["sigma_reco_pb"] > 0):
        raise InputError(f"card {card.name}: none of the {n} nu nubar gamma events passes the selection "
                         "(true or reconstructed photon); loosen the cuts")
    result.update(process=process, card={"name": card.name, "path": card.path}, sqrt_s=card.sqrt_s, seed=seed,
                  beam=dataclasses.asdict(card.beam), electroweak=card.electroweak.as_dict(), version=__version__,
                  results_revision=RESULTS_REVISION, note=note(card))
    if not keep_events:
        return result, None
    columns = result.pop("columns")
    if unweighted:
        columns = unweight(columns, np.random.default_rng(np.random.SeedSequence([seed, 1])))
    return result, columns


def background_metadata(card: Card, result: dict[str, Any], columns: dict[str, np.ndarray],
                        unweighted: bool) -> dict[str, Any]:
    """What a background event file records besides its events: the result, whether the events
    are unweighted, how many were written, and the card's full content."""
    return {k: v for k, v in result.items() if k != "columns"} | {
        "process": PROCESSES[result.get("process", "nunugamma")].title, "background_process": result.get("process", "nunugamma"),
        "weighted": not unweighted,
        "unweighted": unweighted, "events_written": len(columns["weight_pb"]), "n_events": len(columns["weight_pb"]),
        "card_content": card.raw, "weight_convention": "weight_pb averages to the cross section of what is written (pb); "
        "weight_<flavour> per neutrino flavour"}


def background_summary(result: dict[str, Any]) -> dict[str, Any]:
    """The cross sections of a background file (its ``summary`` object, as a signal file has one)."""
    keys = ("process", "sigma_pb", "sigma_err_pb", "sigma_reco_pb", "sigma_reco_err_pb", "by_flavour", "unweighting_efficiency",
            "reco_only_fraction", "sigma_generated_pb", "cut_flow", "n_events")
    return {k: result[k] for k in keys if k in result}
