"""Grids of limits over (card, m_N, flavour) x coupling structures through a concurrent.futures
Executor: in-process, a local process pool, or a Dask cluster (optional extra ``dask``).

A task is one (card, mass, flavour): one weighted Monte Carlo run, reweighted to every
coupling structure of the scan. Its seed comes from SeedSequence([seed, card, mass, flavour
indices]), so a task gives the same numbers on any worker, and a scan equals the serial run.
mu and tau make the same events (no W t-channel; the flavour enters only through the N widths,
which the limits apply): a scan over both runs one task for the two, with the first one's seed.
A card with [[runs]] is one task per (mass, flavour) too: every run's Monte Carlo with the task's
seed, the runs combined (mcgen.analysis.limits.combine).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import dataclasses
import math
import multiprocessing
import os
import sys
import time
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

from mcgen import progress
from mcgen._version import __version__
from mcgen.analysis.limits import (
    SignalSample,
    card_inputs,
    eps_cuts,
    has_solver,
    limit_for,
    prefetch_backgrounds,
    reachable_sample,
    visible_background_pb,
)
from mcgen.analysis.limits.combine import check_combinable, combined_limit
from mcgen.config.cards import Card
from mcgen.config.criteria import BACKGROUND_CRITERIA
from mcgen.config.options import PhysicsOptions
from mcgen.errors import CardError, InputError, MissingExtraError, ModelError, shown
from mcgen.physics.model import FLAVOURS, SCENARIOS, Couplings, scenario_a, structure_from_a

MAX_WORKERS = 1024
MAX_TIMEOUT_S = 3600.0

__all__ = ["ScanTask", "run_task", "build_tasks", "run_scan", "executor", "scan_structures", "scan_table", "SAME_EVENTS", "flavour_samples"]


@dataclasses.dataclass(frozen=True)
class ScanTask:
    card: Card
    mass: float
    flavour: str
    structures: tuple[tuple[str, Couplings], ...]
    options: PhysicsOptions
    n_events: int
    seed: int
    background_pb: Any = None  # per run (a tuple) for a card with [[runs]]
    shared: tuple[str, ...] = ()  # further flavours with the same events (tau beside mu), limits from the same sample
    nature: str = "dirac"

    @property
    def flavours(self) -> tuple[str, ...]:
        return (self.flavour, *self.shared)


def flavour_samples(task: ScanTask, sample: SignalSample | None) -> Iterator[tuple[str, SignalSample | None]]:
    """(flavour, the task's sample with that flavour's widths) for each of the task's flavours: the
    events are the same (:data:`SAME_EVENTS`), the limits take the flavour from the sample."""
    for flavour in task.flavours:
        yield flavour, None if sample is None else dataclasses.replace(sample, flavour=flavour)


def task_seed(seed: int, *indices: int) -> int:
    """A seed for one task that depends on the scan seed and the task's place in the grid only."""
    return int(np.random.SeedSequence([seed, *indices]).generate_state(1, dtype=np.uint32)[0])


SAME_EVENTS = {"mu": "mu,tau", "tau": "mu,tau"}
"""Flavours whose events are the same for a seed (tests/analysis/test_scan.py checks it)."""


def build_tasks(cards: list[Card], masses: list[float], flavours: list[str], structures: dict[str, Couplings],
                options: PhysicsOptions, n: int, seed: int, background_events: int = 20_000, *,
                nature: str = "dirac", pool: Any = None) -> list[ScanTask]:
    """One task per (card, mass, flavour), mu and tau in one (:data:`SAME_EVENTS`); the SM background
    of S^2/B cards is computed here, once per card (side by side on ``pool``'s workers when given)."""
    backgrounds = {}
    for card in cards:
        if not has_solver(card.limit.criterion):
            raise InputError(f"card {card.name}: limit criterion {card.limit.criterion!r} is not supported yet")
        if card.runs:
            check_combinable([card.name], [card.limit.criterion], [card.limit.s2b_95])
    prefetch_backgrounds(((r, background_events, task_seed(seed, ci)) for ci, card in enumerate(cards)
                          if card.limit.criterion in BACKGROUND_CRITERIA for r in card.run_cards()), pool)
    for ci, card in enumerate(cards):
        if card.limit.criterion in BACKGROUND_CRITERIA:
            per_run = tuple(visible_background_pb(r, background_events, task_seed(seed, ci)) for r in card.run_cards())
            backgrounds[ci] = per_run if card.runs else per_run[0]
    groups: dict[str, list[tuple[int, str]]] = {}  # flavours with the same events, in the order given
    for fi, flavour in enumerate(flavours):
        groups.setdefault(SAME_EVENTS.get(flavour, flavour), []).append((fi, flavour))
    return [
        ScanTask(card, mass, group[0][1], tuple(structures.items()), options, n, task_seed(seed, ci, mi, group[0][0]),
                 backgrounds.get(ci), tuple(f for _, f in group[1:]), nature)
        for ci, card in enumerate(cards)
        for mi, mass in enumerate(masses)
        for group in groups.values()
    ]


def end_with_parent() -> None:
    """In a worker: end when the parent process does (Linux's PR_SET_PDEATHSIG), so that a scan
    killed with SIGKILL leaves no worker behind; elsewhere nothing (the pool ends them normally)."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent ended before the call: end now
        os._exit(1)


def start_worker() -> None:
    """A local pool worker's set-up: it ends with its parent, and its numba kernels run on one thread (the
    pool's processes share the cores: more threads in each only contend for them). Results do not depend
    on the thread count."""
    import numba

    end_with_parent()
    numba.set_num_threads(1)


def run_task(task: ScanTask, threads: int | None = None) -> list[dict[str, Any]]:
    """Limits for every structure of one (card, mass) and its flavours; null above threshold."""
    if threads is not None:
        import numba

        numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))  # type: ignore[attr-defined]
    if task.card.runs:
        return _run_task_with_runs(task)
    rows = []
    sample = reachable_sample(task.card, task.mass, task.flavour, task.options, task.n_events, task.seed, task.background_pb,
                              nature=task.nature)
    for flavour, flavour_sample in flavour_samples(task, sample):
        for name, structure in task.structures:
            row = {"card": task.card.name, "mass": task.mass, "flavor": flavour, "structure": name}
            if flavour_sample is None:
                row.update(d_gamma_95=None, excluded=[], eps_cuts=None)
            else:
                result = limit_for(flavour_sample, structure)
                row.update(d_gamma_95=result.d_gamma_95, excluded=result.excluded,
                           eps_cuts=eps_cuts(flavour_sample, structure)[0])
            rows.append(row)
    return rows


def _run_task_with_runs(task: ScanTask) -> list[dict[str, Any]]:
    """The rows of a card with [[runs]]: its runs combined (eps_cuts null: each run has its own)."""
    runs = task.card.run_cards()
    backgrounds = task.background_pb if task.background_pb is not None else (None,) * len(runs)
    samples = [reachable_sample(run, task.mass, task.flavour, task.options, task.n_events, task.seed, background,
                                nature=task.nature) for run, background in zip(runs, backgrounds)]
    rows = []
    for flavour in task.flavours:
        present = [dataclasses.replace(sample, flavour=flavour) for sample in samples if sample is not None]
        for name, structure in task.structures:
            row = {"card": task.card.name, "mass": task.mass, "flavor": flavour, "structure": name, "eps_cuts": None}
            if not present:
                row.update(d_gamma_95=None, excluded=[])
            else:
                result = combined_limit([(sample, structure) for sample in present])
                row.update(d_gamma_95=result.d_gamma_95, excluded=result.excluded)
            rows.append(row)
    return rows


@contextlib.contextmanager
def executor(workers: int = 1, scheduler: str | None = None, dask_local: int | None = None,
             timeout_s: float = 10.0) -> Iterator[concurrent.futures.Executor | None]:
    """None (serial, in-process), a process pool, or a Dask cluster's executor."""
    for name, value in (("--workers", workers), ("--dask-local", dask_local)):
        if value is not None and not 1 <= value <= MAX_WORKERS:
            raise InputError(f"{name} must be in [1, {MAX_WORKERS}], got {value}")
    if not (math.isfinite(timeout_s) and 0 < timeout_s <= MAX_TIMEOUT_S):
        raise InputError(f"--timeout must be a number of seconds in (0, {MAX_TIMEOUT_S:g}], got {timeout_s:g}")
    if scheduler is not None and "://" in scheduler and not scheduler.startswith("tcp://"):
        raise InputError(f"--scheduler {shown(scheduler)}: only tcp:// addresses (a tls:// scheduler needs security "
                         "settings mcgen does not take; connect through a tcp:// address or an SSH tunnel)")
    if scheduler is None and dask_local is None:
        if workers <= 1:
            yield None
        else:
            # spawn, not fork: a process whose numba kernels already ran holds an OpenMP runtime
            context = multiprocessing.get_context("spawn")
            with concurrent.futures.ProcessPoolExecutor(max_workers=workers, mp_context=context,
                                                        initializer=start_worker) as pool:
                yield pool
        return
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise MissingExtraError("a Dask scan needs dask.distributed: pip install 'mcgen[dask]'") from None
    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=f"{timeout_s}s")
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot reach the Dask scheduler at {shown(scheduler)}: {exc.__class__.__name__}") from None
        with client:
            yield client.get_executor()
        return
    with LocalCluster(n_workers=dask_local, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        yield client.get_executor()


def run_scan(tasks: list[ScanTask], pool: concurrent.futures.Executor | None) -> list[dict[str, Any]]:
    """Run the tasks (serially when pool is None); rows come back in task order."""
    rows: list[dict[str, Any]] = []
    with progress.task(len(tasks), "tasks", "scan") as step:
        if pool is None:
            for task in tasks:
                rows += run_task(task)
                step(1)
            return rows
        futures = [pool.submit(run_task, task, 1) for task in tasks]
        for future in futures:
            rows += future.result()
            step(1)
    return rows


def scan_structures(cards: Sequence[Card], flavours: Sequence[str], scenarios: Sequence[str] = (),
                    a_values: Sequence[float] = ()) -> dict[str, Couplings]:
    """The named coupling structures of a scan (at d_gamma = 1), after checking its grid: the cards
    must share their [electroweak] inputs (a structure is then one set of couplings for all of
    them) and the flavours must be known. ``scenarios`` (any case) may be ``["all"]``.

    >>> import mcgen
    >>> sorted(scan_structures([mcgen.load_card("cepc_h")], ["e"], ["all"])) == sorted(scan_structures(
    ...     [mcgen.load_card("cepc_h")], ["e"], ["I", "ii", "III", "iv"]))
    True
    """
    ew = cards[0].electroweak
    if any(c.electroweak != ew for c in cards):
        raise CardError("the cards of one scan must share their [electroweak] inputs")
    for f in flavours:
        if f not in FLAVOURS:
            raise ModelError(f"unknown flavour {shown(repr(f))}: expected one of e, mu, tau")
    upper = [str(sc).upper() for sc in scenarios]  # as the CLI takes them: "all", "ii"
    names = list(SCENARIOS) if upper == ["ALL"] else upper
    structures = {f"scenario {sc}": structure_from_a(scenario_a(sc, ew), ew) for sc in names}
    structures.update({f"a = {a:g}": structure_from_a(a, ew) for a in a_values})
    if not structures:
        raise ModelError("give at least one coupling structure: --scenario (repeatable, or all) or --a (repeatable)")
    return structures


def scan_table(cards: Sequence[Card], masses: list[float], flavours: Sequence[str], structures: dict[str, Couplings],
               options: PhysicsOptions = PhysicsOptions(), n: int = 20_000, seed: int = 1, background_events: int = 20_000,
               *, workers: int = 1, scheduler: str | None = None, dask_local: int | None = None, timeout_s: float = 10.0,
               overrides: Sequence[str] = (), nature: str = "dirac") -> dict[str, Any]:
    """Build the tasks (for a Dirac or a Majorana N: ``nature``), run them on the executor (:func:`executor`) and return the rows with the
    inputs that made them and the wall time; any executor gives the serial rows."""
    cards, flavours = list(cards), list(flavours)
    with executor(workers, scheduler, dask_local, timeout_s=timeout_s) as pool:
        tasks = build_tasks(cards, masses, flavours, structures, options, n, seed, background_events, nature=nature, pool=pool)
        start = time.perf_counter()
        rows = run_scan(tasks, pool)
    return {
        "rows": rows, "cards": [c.name for c in cards], "masses": masses, "flavors": flavours,
        "structures": {k: v.as_dict() for k, v in structures.items()}, "nature": nature, "options": options.as_dict(),
        "n_events_per_task": n, "seed": seed, "tasks": len(tasks),
        "seconds": time.perf_counter() - start, "version": __version__, "electroweak": cards[0].electroweak.as_dict(),
        "inputs": {c.name: card_inputs(c) for c in cards}, "overrides": list(overrides),
    }
