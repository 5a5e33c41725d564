"""mcgen scan: the same numbers serially, in a process pool and on a Dask LocalCluster."""

from __future__ import annotations

import json

import pytest
from helpers import run_cli as run

GRID = ["scan", "--card", "lep1_opal", "--card", "lep1_zinv", "--masses", "0.005,1,30", "--scenario", "I",
        "--scenario", "III", "--a", "2", "--flavor", "e", "--flavor", "mu", "-n", "4000", "--seed", "5", "--json"]




def rows(capsys, extra, grid=GRID):
    code, out, err = run(capsys, grid + extra)
    assert code == 0, err
    return json.loads(out)


@pytest.mark.slow
def test_scan_is_identical_serially_in_a_pool_and_on_dask(capsys):
    pytest.importorskip("distributed")
    serial = rows(capsys, [])
    assert serial["tasks"] == 2 * 3 * 2 and len(serial["rows"]) == 12 * 3
    assert rows(capsys, ["--workers", "2"])["rows"] == serial["rows"]
    assert rows(capsys, ["--dask-local", "2"])["rows"] == serial["rows"]
    first = serial["rows"][0]
    assert set(first) == {"card", "mass", "flavor", "structure", "d_gamma_95", "excluded", "eps_cuts"}
    zinv_light = [r for r in serial["rows"] if r["card"] == "lep1_zinv" and r["mass"] == 0.005 and r["structure"] == "scenario I"]
    assert all(len(r["excluded"]) == 1 and r["excluded"][0][1] is not None for r in zinv_light)  # the island
    other_seed = rows(capsys, [], [a if a != "5" else "6" for a in GRID])["rows"]
    assert other_seed != serial["rows"]


def test_mu_and_tau_share_one_monte_carlo_whose_events_are_the_same():
    """The sharing rests on this: for one seed, mu and tau give the same reduced sample (the flavour
    enters the limits only through the N widths); a tau-only task then equals the shared one's tau rows."""
    import dataclasses

    import numpy as np

    import mcgen
    from mcgen.analysis.limits import signal_sample
    from mcgen.analysis.scan import build_tasks, run_task
    from mcgen.config.options import PhysicsOptions
    from mcgen.physics.model import scenario_a, structure_from_a

    card = mcgen.load_card("cepc_h")
    for c in (card, mcgen.load_card("lep1_opal")):
        mu, tau = (signal_sample(c, 30.0, f, PhysicsOptions(), 4000, 3, 1.0) for f in ("mu", "tau"))
        for field in ("boundary_m", "coeff_all", "coeff_pass"):
            assert np.array_equal(getattr(mu, field), getattr(tau, field))
    ew = card.electroweak
    structures = {s: structure_from_a(scenario_a(s, ew), ew) for s in ("I", "II")}  # II: d_W, the tau mass matters
    tasks = build_tasks([card], [30.0, 150.0], ["e", "mu", "tau"], structures, PhysicsOptions(), 4000, 3, 2000)
    assert [(t.flavour, t.shared) for t in tasks] == [("e", ()), ("mu", ("tau",))] * 2
    shared = run_task(tasks[3])
    alone = run_task(dataclasses.replace(tasks[3], flavour="tau", shared=()))
    assert [r["flavor"] for r in shared] == ["mu", "mu", "tau", "tau"]
    assert shared[2:] == alone and shared[3]["d_gamma_95"] != shared[1]["d_gamma_95"]


@pytest.mark.parametrize(("extra", "fragment"), [
    (["--scheduler", "tcp://127.0.0.1:1", "--timeout", "1"], "cannot reach the Dask scheduler"),
    (["--workers", "0"], "--workers"),
    (["--dask-local", "0"], "--dask-local"),
    (["--flavor", "nu"], "flavour"),
])
def test_bad_scan_inputs(capsys, extra, fragment):
    code, out, err = run(capsys, GRID + extra)
    assert code == 2 and out == "" and err.count("\n") == 1 and fragment in err


def test_scan_without_structure_or_with_an_incomplete_card(capsys):
    code, _, err = run(capsys, ["scan", "--card", "lep1_opal", "--masses", "1", "--flavor", "e"])
    assert code == 2 and "structure" in err
    code, _, err = run(capsys, ["scan", "--card", "cepc_h", "--masses", "1", "--flavor", "e", "--scenario", "I",
                                "--set", "limit.criterion=chi2"])
    assert code == 2 and "chi2" in err


def test_scan_structures_check_the_grid():
    import mcgen
    from mcgen.analysis.scan import scan_structures

    opal, zinv = mcgen.load_card("lep1_opal"), mcgen.load_card("lep1_zinv")
    structures = scan_structures([opal, zinv], ["e", "mu"], ["ALL"], [2.0])
    assert list(structures) == ["scenario I", "scenario II", "scenario III", "scenario IV", "a = 2"]
    assert all(s.d_gamma == 1.0 for s in structures.values())
    other = mcgen.load_card("lep1_zinv", ("electroweak.alpha=0.0075",))
    with pytest.raises(mcgen.CardError, match="share"):
        scan_structures([opal, other], ["e"], ["I"])
    with pytest.raises(mcgen.ModelError, match="flavour"):
        scan_structures([opal], ["nu"], ["I"])
    with pytest.raises(mcgen.ModelError, match="at least one coupling structure"):
        scan_structures([opal], ["e"])


@pytest.mark.slow
def test_pool_workers_end_with_a_killed_parent():
    """SIGKILL to `mcgen scan --workers 2` (no chance to clean up): its workers end with it (they ran
    on, with the resource tracker, for minutes)."""
    import signal
    import subprocess
    import sys
    import time

    psutil = pytest.importorskip("psutil")
    long_grid = ["scan", "--card", "cepc_h", "--masses", "1:100:60", "--scenario", "I", "--flavor", "e", "-n", "400000",
                 "--workers", "2", "--json"]
    parent = subprocess.Popen([sys.executable, "-m", "mcgen", *long_grid], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        workers: list = []
        while time.monotonic() < deadline and len(workers) < 2:
            time.sleep(0.5)
            workers = [p for p in psutil.Process(parent.pid).children(recursive=True) if "resource_tracker" not in " ".join(p.cmdline())]
        assert len(workers) >= 2, "the pool did not start"
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=30)
        gone, alive = psutil.wait_procs(workers, timeout=20)
        assert not alive, [p.pid for p in alive]
    finally:
        if parent.poll() is None:
            parent.kill()
