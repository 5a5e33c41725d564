"""Reading event files back: mcgen ROOT trees as awkward Arrays with vector behaviours.

Every four-momentum of an event is a ``Momentum4D`` record (scikit-hep vector): ``N``, ``gamma``
(the true photon), ``gamma_reco`` (the measured one; zero where not reconstructed), ``nu_recoil``
(the nubar made with N) and ``nu_decay`` (the nu from its decay) for the signal; ``nu`` and
``nubar`` for the SM background. So ``events.gamma.pt``, ``events.gamma.eta`` and
``(events.N - events.gamma).mass`` work. The other branches (weights, reweighting coefficients,
vertex, flags) are plain fields, and the run metadata (card, model, options, seed, version) and
summary of the files are in ``events.attrs["mcgen"]``.

Weights: ``weight_pb`` averages to the cross section in every file (and so in any concatenation
of files of one run setting); ``weight_event_pb`` = weight_pb / (events read) sums to it.
"""

from __future__ import annotations

import glob
import json
import math
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from mcgen.errors import InputError, shown
from mcgen.io.checksums import Verifier
from mcgen.mc.events import events_array
from mcgen.physics.model import COUPLING_COLUMNS

__all__ = ["read", "iterate", "iterate_files", "iterate_columns", "prefetched", "file_info", "event_paths", "check_not_copies",
           "RUN_KEYS"]

RUN_KEYS = ("process", "card", "card_content", "model", "couplings", "options", "electroweak", "weighted", "sqrt_s")
"""Metadata that must agree between files read together (the seeds and event counts may differ)."""


def event_paths(paths: str | os.PathLike | list[str | os.PathLike]) -> list[Path]:
    """One path, a list or a glob, as the list of files (a glob that matches nothing is an error)."""
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    out: list[Path] = []
    for item in items:
        text = os.fspath(item)
        matches = sorted(glob.glob(text)) if glob.has_magic(text) else [text]
        if not matches:
            raise InputError(f"no event file matches {text}")
        out.extend(Path(m) for m in matches)
    if not out:
        raise InputError("no event file given")
    seen: dict[tuple[int, int], Path] = {}
    for path in out:
        try:
            st = path.stat()
        except OSError:
            continue  # reported by whoever opens it
        if not stat.S_ISREG(st.st_mode):  # a FIFO or a device would block the readers (and the content hash) for ever
            raise InputError(f"{path}: not a regular file (an event file is read from disk)")
        if (st.st_dev, st.st_ino) in seen:  # the same file twice (also through a link) would count its events twice
            raise InputError(f"{path} is given twice (also as {seen[st.st_dev, st.st_ino]}): its events would count twice")
        seen[st.st_dev, st.st_ino] = path
    return out


SIGNAL_BRANCHES = ("weight_pb", *COUPLING_COLUMNS, "boundary_m", "p_inside", "inside", "truth_pass", "pass_all", "N_E",
                   "gamma_E", "gamma_px", "gamma_py", "gamma_pz")
"""Branches every signal event file has (mcgen generate), which the readers rely on."""
BACKGROUND_BRANCHES = ("weight_pb", "truth_pass", "pass_all", "gamma_E", "gamma_px", "gamma_py", "gamma_pz")
"""Branches every background event file has (mcgen background)."""


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def _finite(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


_METADATA_RULES: dict[str, Any] = {  # key path -> (test, what it must be): signal files; background files _BACKGROUND_KEYS
    "card_content": (lambda v: isinstance(v, dict), "a table (the card)"),
    "weighted": (lambda v: isinstance(v, bool), "true or false"),
    "options": (lambda v: isinstance(v, dict), "a table (the physics options)"),
    "model": (lambda v: isinstance(v, dict), "a table (the model)"),
    "model.mass_GeV": (_positive, "a number > 0"),
    "model.flavor": (lambda v: v in ("e", "mu", "tau"), "e, mu or tau"),
    "couplings": (lambda v: isinstance(v, dict), "a table (the couplings)"),
    "couplings.d_gamma": (_positive, "a number > 0"),
    "couplings.d_Z": (_finite, "a finite number"),
    "couplings.d_W": (_finite, "a finite number"),
    "sqrt_s": (_positive, "a number > 0"),
}
_BACKGROUND_KEYS = ("card_content", "weighted")


def check_metadata(path: Path | str, metadata: Any, signal: bool) -> None:
    """The metadata of a signal (or background) event file against what the readers use: one line
    naming the file and the key when something is missing or of the wrong kind."""
    if not isinstance(metadata, dict):
        raise InputError(f"{path}: its metadata is not a JSON object: not an mcgen event file (or a damaged one)")
    for key, (test, what) in _METADATA_RULES.items():
        if not signal and key not in _BACKGROUND_KEYS:
            continue
        value: Any = metadata
        for part in key.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if value is None:
            raise InputError(f"{path}: its metadata has no {key}: not an mcgen event file (or a damaged one)")
        if not test(value):
            raise InputError(f"{path}: metadata {key} must be {what}, got {shown(repr(value))}")


def file_info(path: Path) -> dict[str, Any]:
    """The metadata, summary and number of events of an mcgen event file (one clear line if it is not one)."""
    import uproot

    if not path.is_file():
        raise InputError(f"{path}: no such event file")
    try:
        with uproot.open(path) as f:
            keys = {k.split(";")[0] for k in f.keys()}
            if "events" not in keys or "metadata" not in keys:
                raise InputError(f"{path}: not an mcgen event file (it has no events tree and metadata)")
            metadata = json.loads(f["metadata"])
            summary = json.loads(f["summary"]) if "summary" in keys else None
            tree = f["events"]
            branches = list(tree.keys())
            signal = "N_E" in branches
            check_metadata(path, metadata, signal)
            missing = [b for b in (SIGNAL_BRANCHES if signal else BACKGROUND_BRANCHES) if b not in branches]
            if missing:
                raise InputError(f"{path}: no branch {missing[0]} in its events: not a complete mcgen event file")
            return {"path": str(path), "metadata": metadata, "summary": summary, "n_events": int(tree.num_entries),
                    "branches": branches}
    except InputError:
        raise
    except Exception as exc:  # uproot raises many kinds for a damaged file
        raise InputError(f"{path}: cannot read it as a ROOT file ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})") from None


def _run_setting(metadata: dict[str, Any]) -> dict[str, Any]:
    return {k: metadata.get(k) for k in RUN_KEYS}


def check_not_copies(infos: list[dict[str, Any]]) -> None:
    """Refuse two files of one run setting and one seed: the same events twice (a copy; or, with
    different event counts, the first events of the smaller one twice)."""
    seen: dict[str, str] = {}
    for info in infos:
        meta = info["metadata"]
        if meta.get("seed") is None:
            continue
        key = json.dumps([_run_setting(meta), meta["seed"]], sort_keys=True, default=str)
        if key in seen:
            raise InputError(f"{info['path']} holds the events of {seen[key]} (the same run setting and seed {meta.get('seed')}): "
                             "they would count twice")
        seen[key] = info["path"]


def _check_compatible(infos: list[dict[str, Any]], concatenate: bool) -> None:
    check_not_copies(infos)
    first = _run_setting(infos[0]["metadata"])
    for info in infos[1:]:
        other = _run_setting(info["metadata"])
        if other != first and not concatenate:
            differ = ", ".join(k for k in RUN_KEYS if other[k] != first[k])
            raise InputError(f"{info['path']} was made with another {differ} than {infos[0]['path']}: "
                             "read them separately (in Python, mcgen.read(paths, concatenate=True) joins them anyway)")
        if set(info["branches"]) != set(infos[0]["branches"]):
            raise InputError(f"{info['path']} has other branches than {infos[0]['path']}")


def _attrs(infos: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "metadata": infos[0]["metadata"],
        "summary": infos[0]["summary"],
        "files": [{"path": i["path"], "n_events": i["n_events"], "seed": i["metadata"].get("seed")} for i in infos],
        "n_events": sum(i["n_events"] for i in infos),
    }


def iterate(paths, *, branches: list[str] | None = None, step_size: int | str = "100 MB", concatenate: bool = False
            ) -> Iterator[Any]:
    """The events of one file, a list or a glob, in chunks of ``step_size`` (events or bytes, as
    uproot.iterate takes it): memory stays bounded whatever the sample size. Each chunk is an
    awkward Array as :func:`read` returns; ``branches`` limits what is read."""
    yield from iterate_files([file_info(p) for p in event_paths(paths)], branches=branches, step_size=step_size,
                             concatenate=concatenate)


def iterate_files(infos: list[dict[str, Any]], *, branches: list[str] | None = None, step_size: int | str = "100 MB",
                  concatenate: bool = False) -> Iterator[Any]:
    """:func:`iterate` over files whose :func:`file_info` the caller has already read."""
    attrs = _attrs(infos)
    for chunk in iterate_columns(infos, branches=branches, step_size=step_size, concatenate=concatenate):
        yield events_array(chunk, attrs, attrs["n_events"])


def iterate_columns(infos: list[dict[str, Any]], *, branches: list[str] | None = None, step_size: int | str = "100 MB",
                    concatenate: bool = False) -> Iterator[dict[str, np.ndarray]]:
    """:func:`iterate_files` with each chunk as uproot reads it, the numpy array of each branch: for
    a caller that needs no vector records, whose construction (and import) would cost more than
    the reading (mcgen efficiency --input)."""
    import uproot

    _check_compatible(infos, concatenate)
    missing = sorted(set(branches or ()) - set(infos[0]["branches"]))
    if missing:
        raise InputError(f"{infos[0]['path']}: no branch {missing[0]} (it has: {', '.join(infos[0]['branches'])})")
    files = [{i["path"]: "events"} for i in infos]
    verifiers = {i["path"]: Verifier(i["path"], i["metadata"], i["n_events"]) for i in infos}
    try:
        for chunk, report in uproot.iterate(files, expressions=branches, step_size=step_size, library="np", report=True):
            verifiers[report.file_path].update(chunk, report.tree_entry_start, report.tree_entry_stop)
            yield chunk
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"cannot read the events ({type(exc).__name__}: {str(exc).splitlines()[0][:120]})") from None


def prefetched(chunks: Iterator[Any]) -> Iterator[Any]:
    """The items of ``chunks`` in order, the next one read by a thread while the caller works on
    this one (uproot's decompression and the compiled reductions release the GIL: reading and
    reducing overlap on two cores); at most two chunks are held. An exception of the reading is
    raised here, at the item it stopped at."""
    import queue
    import threading

    items: queue.Queue = queue.Queue(maxsize=1)
    stop = threading.Event()
    done = object()

    def produce() -> None:
        try:
            for item in chunks:
                while not stop.is_set():
                    try:
                        items.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as exc:  # handed to the consumer, which raises it
            items.put((done, exc))
            return
        items.put((done, None))

    thread = threading.Thread(target=produce, name="mcgen-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item, exc = items.get()
            if exc is not None:
                raise exc
            if item is done:
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting to put, then let it end
            try:
                items.get_nowait()
            except queue.Empty:
                thread.join(0.05)


def read(paths, *, branches: list[str] | None = None, concatenate: bool = False):
    """All events of one file, a list or a glob, as one awkward Array (see the module docstring).
    Files made with different cards, models or options are refused unless ``concatenate``. For
    samples larger than memory, use :func:`iterate`.

    >>> import mcgen, tempfile, pathlib
    >>> card = mcgen.load_card("lep1_opal")
    >>> model = mcgen.make_model(10.0, "mu", card.electroweak, d_gamma=1e-6, scenario="I")
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ev.root"
    >>> _ = mcgen.write_events(mcgen.generate(card, model, 1000, seed=1), path)
    >>> events = read(path)
    >>> len(events), events.attrs["mcgen"]["metadata"]["card"]["name"]
    (1000, 'lep1_opal')
    >>> bool(abs(events.gamma.pt[0] - events.gamma_pt[0]) < 1e-3)
    True
    """
    import awkward as ak

    chunks = list(iterate(paths, branches=branches, step_size="1 GB", concatenate=concatenate))
    if len(chunks) == 1:
        return chunks[0]
    out = ak.concatenate(chunks)
    return ak.Array(out, attrs=chunks[0].attrs)
