"""mcgen generate: ROOT / LHE / HepMC3 files that read back, atomic writes, bad input."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest
import uproot
from helpers import run_cli as run

from mcgen.io import N_PDG_ID

MODEL = ["--mass", "100", "--dgamma", "1e-5", "--scenario", "II", "--flavor", "e"]
OPAL_MU_10 = ["generate", "--card", "lep1_opal", "--mass", "10", "--dgamma", "1e-6", "--scenario", "I", "--flavor", "mu"]




def test_root_file_reads_back_with_tree_histograms_and_metadata(capsys, tmp_path):
    out = tmp_path / "ev.root"
    code, stdout, err = run(capsys, ["generate", "--card", "lep2_delphi", *MODEL, "-n", "40000", "--seed", "3", "-o", str(out), "--json"])
    assert code == 0, err
    r = json.loads(stdout)
    for key in ("sigma_pb", "eps_cuts", "eps_det", "p_decay_inside", "br_nu_gamma", "n_expected", "rates", "seed", "version"):
        assert key in r
    assert r["seed"] == 3 and r["n_events"] == 40000 and r["options"]["decay_law"] == "exact"
    with uproot.open(out) as f:
        tree = f["events"]
        assert tree.num_entries == 40000
        arrays = tree.arrays(["weight_pb", "gamma_E", "pass_all", "truth_pass", "vtx_x", "w_gg"], library="np")
        assert arrays["weight_pb"].mean() == pytest.approx(r["sigma_pb"], rel=1e-3)
        assert arrays["truth_pass"].mean() == pytest.approx(r["eps_cuts"])
        h = f["h_gamma_E"].to_hist()
        assert h.sum().value == pytest.approx(arrays["weight_pb"].mean(), rel=1e-6)  # histograms integrate to sigma
        counts, _ = np.histogram(arrays["gamma_E"], bins=h.axes[0].edges)
        assert np.allclose(h.values(), counts * arrays["weight_pb"][0] / 40000, rtol=1e-5)
        metadata = json.loads(str(f["metadata"]))
        assert metadata["card"]["name"] == "lep2_delphi" and metadata["seed"] == 3
        assert metadata["electroweak"]["m_Z"] == 91.1876 and metadata["card_content"]["beam"]["sqrt_s"] == 205.4
        summary = json.loads(str(f["summary"]))
        assert summary["sigma_pb"] == r["sigma_pb"]
        assert metadata["root_compression"] == "lz4"
    assert not [p for p in os.listdir(tmp_path) if p.endswith(".part")]


def test_root_writer_gathers_batches_into_large_extends(tmp_path):
    """Streamed batches of any size are gathered into flush_events rows per extend (one basket
    per branch each), and the tree holds exactly the generated events, in order."""
    import mcgen
    from mcgen.io import RootWriter
    from mcgen.mc.driver import generate

    card = mcgen.load_card("lep1_opal")
    model = mcgen.make_model(20.0, "mu", card.electroweak, d_gamma=1e-6, scenario="I")
    kept = generate(card, model, 50_000, seed=9).columns
    path = tmp_path / "ev.root"
    writer = RootWriter(path, 50_000, card.sqrt_s, card.detector.decay_radius_m, flush_events=20_000)
    ev = generate(card, model, 50_000, seed=9, batch=1 << 14, keep=False, on_batch=writer.write)
    writer.close(ev.summary, ev.metadata)
    with uproot.open(path) as f:
        tree = f["events"]
        assert tree.num_entries == 50_000 and tree["gamma_E"].num_baskets == 3  # 20k + 20k + 10k
        back = tree.arrays(["gamma_px", "gamma_E", "w_gg", "pass_all", "anti"], library="np")
    assert np.array_equal(back["gamma_px"], kept["gamma_px"].astype(np.float32))  # kinematics: float32
    assert np.array_equal(back["gamma_E"], kept["gamma_E"])  # the photon energy (CLs bins) stays double
    assert np.array_equal(back["w_gg"], kept["w_gg"]) and np.array_equal(back["pass_all"], kept["pass_all"])
    assert np.array_equal(back["anti"], kept["anti"])


def test_root_compression_options(capsys, tmp_path):
    # the same events whatever the compression; the setting is recorded; none is the largest file
    sizes, columns = {}, {}
    for compression in ("lz4", "zlib", "none"):
        out = tmp_path / f"{compression}.root"
        code, _, err = run(capsys, ["generate", "--card", "lep2_delphi", *MODEL, "-n", "20000", "-o", str(out),
                                    "--compression", compression])
        assert code == 0, err
        sizes[compression] = out.stat().st_size
        with uproot.open(out) as f:
            columns[compression] = f["events"].arrays(["gamma_E", "w_gg", "pass_all"], library="np")
            assert json.loads(str(f["metadata"]))["root_compression"] == compression
    assert sizes["none"] > sizes["lz4"] and sizes["none"] > sizes["zlib"]
    for compression in ("zlib", "none"):
        assert all(np.array_equal(columns[compression][k], columns["lz4"][k]) for k in columns["lz4"])
    code, _, err = run(capsys, ["generate", "--card", "lep2_delphi", *MODEL, "-n", "10", "-o", str(tmp_path / "x.root"),
                                "--compression", "gzip"])
    assert code == 2 and "--compression" in err


def test_lhe_and_hepmc_files(capsys, tmp_path):
    import pyhepmc
    import pylhe

    lhe = tmp_path / "ev.lhe"
    code, _, err = run(capsys, ["generate", "--card", "cepc_h", *MODEL, "-n", "300", "--set", "beam.energy_spread=0",
                                "-o", str(lhe)])  # the beams at sqrt(s)/2: the events' momenta add up to (0, 0, 0, 240)
    assert code == 0, err
    events = list(pylhe.LHEFile.fromfile(lhe).events)
    assert len(events) == 300
    first = events[0]
    ids = [int(p.id) for p in first.particles]
    assert ids[:2] == [11, -11] and abs(ids[2]) == N_PDG_ID and 22 in ids
    total = sum(np.array([p.px, p.py, p.pz, p.e]) * (p.status == 1) for p in first.particles)
    assert np.allclose(total, [0, 0, 0, 240.0], atol=1e-4)
    hepmc = tmp_path / "ev.hepmc"
    code, _, err = run(capsys, ["generate", "--card", "cepc_h", *MODEL, "-n", "200", "-o", str(hepmc)])
    assert code == 0, err
    with pyhepmc.open(hepmc) as f:
        read = list(f)
    assert len(read) == 200
    assert len(read[0].vertices) == 2 and len(read[0].particles) == 6
    decay = read[0].vertices[1]
    assert math.hypot(decay.position.x, decay.position.y, decay.position.z) >= 0


def test_existing_output_needs_force_and_failures_leave_no_file(capsys, tmp_path):
    out = tmp_path / "ev.root"
    out.write_text("keep me")
    code, _, err = run(capsys, [*OPAL_MU_10, "-n", "100", "-o", str(out)])
    assert code == 2 and "--force" in err and err.count("\n") == 1
    assert out.read_text() == "keep me"
    code, _, err = run(capsys, [*OPAL_MU_10, "-n", "100", "-o", str(out), "--force"])
    assert code == 0 and uproot.open(out)["events"].num_entries == 100


BAD = [
    (["-n", "0"], "-n"),
    (["-n", "-3"], "-n"),
    (["-n", "1.5"], "expected a whole number, got 1.5"),
    (["-n", "10", "--seed", "-1"], "seed"),
    (["-n", "10", "--format", "csv"], "invalid choice"),
]


@pytest.mark.parametrize(("extra", "fragment"), BAD)
def test_bad_generate_inputs(capsys, tmp_path, extra, fragment):
    out = tmp_path / "x.root"
    code, stdout, err = run(capsys, [*OPAL_MU_10, *extra, "-o", str(out)])
    assert code == 2 and stdout == "" and err.count("\n") == 1 and fragment in err and "Traceback" not in err
    assert not out.exists() and not list(tmp_path.iterdir())


@pytest.mark.parametrize("target", ["missing_dir/x.root", "readonly/x.root", ""])
def test_unwritable_outputs(capsys, tmp_path, target):
    ro = tmp_path / "readonly"
    ro.mkdir()
    ro.chmod(0o500)
    out = tmp_path / target if target else tmp_path
    try:
        code, _, err = run(capsys, [*OPAL_MU_10, "-n", "10", "-o", str(out)])
    finally:
        ro.chmod(0o700)
    if target == "readonly/x.root" and os.geteuid() == 0:
        assert code in (0, 2)  # root may write anywhere
        return
    assert code == 2 and err.count("\n") == 1 and "cannot write" in err or "directory" in err


def test_mass_above_threshold_is_refused_before_any_file(capsys, tmp_path):
    out = tmp_path / "x.root"
    code, _, err = run(capsys, [*OPAL_MU_10[:4], "95", *OPAL_MU_10[5:], "-n", "10", "-o", str(out)])
    assert code == 2 and "not below sqrt(s)" in err and not out.exists()
