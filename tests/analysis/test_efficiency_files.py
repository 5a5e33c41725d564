"""Efficiency tables from event files: the same numbers as from memory, the user's cuts checked by
hand on the raw branches, bad input as one line."""

from __future__ import annotations

import math

import numpy as np
import pytest
import uproot
from helpers import run_cli

import mcgen
from mcgen.analysis.efficiency import efficiency_from_files, efficiency_table, file_samples
from mcgen.analysis.limits import eps_cuts, limit_for, signal_sample
from mcgen.physics.model import COUPLING_COLUMNS, Model, scenario_a, structure_from_a

N = 20_000
CASES = (("lep1_opal", "mu", (5.0, 40.0)), ("lep1_l3_zgamma", "e", (10.0,)), ("lep2_delphi", "e", (20.0, 150.0)),
         ("cepc_z", "tau", (10.0,)))


def _write(folder, card, flavour, masses, structure, seed):
    """Weighted files as `mcgen generate --weighted` writes them, mass i with seed + i (the in-memory table's seeds)."""
    for i, mass in enumerate(masses):
        model = Model(mass, structure.scaled(1e-6), flavour, a=0.0)
        mcgen.write_events(mcgen.generate(card, model, N, seed=seed + i, weighted=True), folder / f"{card.name}_{i}.root")


@pytest.mark.parametrize("card_name, flavour, masses", CASES)
def test_files_give_the_in_memory_table_and_limits_to_the_last_digit(tmp_path, card_name, flavour, masses):
    _files_equal_memory(tmp_path, mcgen.load_card(card_name), flavour, masses)


def test_files_with_isr_give_the_in_memory_table_and_limits_to_the_last_digit(tmp_path):
    """With beam effects each event's decay length scales with flight_scale, stored as double too."""
    _files_equal_memory(tmp_path, mcgen.load_card("cepc_z", ("beam.isr=true", "beam.energy_spread=0.0008")), "e", (10.0,))


def _files_equal_memory(tmp_path, card, flavour, masses):
    structure = structure_from_a(scenario_a("II", card.electroweak), card.electroweak)
    _write(tmp_path, card, flavour, masses, structure, seed=7)
    memory = efficiency_table(card, list(masses), structure, flavour, n=N, seed=7)
    files = efficiency_from_files(str(tmp_path / "*.root"), scenario="II")
    assert files["masses"] == list(masses)
    assert files["eps_cuts"] == memory["eps_cuts"] and files["eps_cuts_err"] == memory["eps_cuts_err"]
    background = 0.05 if card.limit.criterion in ("s2b", "cls") else None  # the same assumed background on both paths
    read = file_samples(str(tmp_path / "*.root"), background_pb=background)
    for i, mass in enumerate(masses):
        in_memory = signal_sample(card, mass, flavour, mcgen.PhysicsOptions(), N, 7 + i, background)
        from_file = read.samples[i]
        assert np.array_equal(from_file.boundary_m, in_memory.boundary_m)
        assert np.array_equal(from_file.coeff_pass, in_memory.coeff_pass)
        a, b = limit_for(in_memory, structure), limit_for(from_file, structure)
        assert a.d_gamma_95 == b.d_gamma_95 and a.excluded == b.excluded
        assert a.d_gamma_95 is not None


def test_cuts_equal_to_the_card_and_harder_ones_against_the_raw_branches(tmp_path, capsys):
    card = mcgen.load_card("lep2_delphi")  # 45 < theta < 135 deg, 0.06 < x < 1.1
    structure = structure_from_a(scenario_a("I", card.electroweak), card.electroweak)
    _write(tmp_path, card, "e", (100.0,), structure, seed=3)
    path = tmp_path / "lep2_delphi_0.root"
    own = efficiency_from_files(path, scenario="I")
    cos_lo, cos_hi = math.cos(math.radians(135.0)), math.cos(math.radians(45.0))
    x_lo, x_hi = 0.06 * card.sqrt_s / 2, 1.1 * card.sqrt_s / 2
    as_card = efficiency_from_files(path, [f"gamma.E > {x_lo!r} and gamma.E < {x_hi!r}",
                                           f"gamma.cos_theta > {cos_lo!r} and gamma.cos_theta < {cos_hi!r}"], scenario="I")
    assert as_card["eps_cuts"] == own["eps_cuts"]
    harder = efficiency_from_files(path, ["gamma.pt > 40 and abs(gamma_cos_theta) < 0.6"], scenario="I")
    with uproot.open(path) as f:  # independently: uproot + numpy on the raw branches
        b = f["events"].arrays([*COUPLING_COLUMNS, "gamma_px", "gamma_py", "gamma_cos_theta"], library="np")
    c = structure
    w = (c.d_gamma**2 * b["w_gg"] + c.d_Z**2 * b["w_zz"] + c.d_gamma * c.d_Z * b["w_gz"] + c.d_W**2 * b["w_ww"]
         + c.d_gamma * c.d_W * b["w_gw"] + c.d_Z * c.d_W * b["w_zw"])
    pt = np.hypot(b["gamma_px"].astype(np.float64), b["gamma_py"].astype(np.float64))
    keep = (pt > 40) & (np.abs(b["gamma_cos_theta"]) < 0.6)
    assert 0.05 < keep.mean() < 0.6
    assert harder["eps_cuts"][0] == pytest.approx(w[keep].sum() / w.sum(), rel=1e-12)
    # through the command line, written as a table
    out = tmp_path / "table.root"
    code, stdout, err = run_cli(capsys, ["efficiency", "--input", str(path), "--scenario", "I", "--cut",
                                         "gamma.pt > 40 and abs(gamma_cos_theta) < 0.6", "-o", str(out), "--json"])
    assert code == 0, err
    import json

    table = json.loads(stdout)
    assert table["eps_cuts"] == harder["eps_cuts"] and table["cuts"] == ["gamma.pt > 40 and abs(gamma_cos_theta) < 0.6"]
    from mcgen.analysis.efficiency import file_hash

    assert table["per_mass"][0]["files"][0]["xxh3_128"] == file_hash(str(path)) and len(file_hash(str(path))) == 32
    assert out.exists()
    with uproot.open(out) as f:
        assert f["eps_cuts"].values()[0] == pytest.approx(harder["eps_cuts"][0])


@pytest.mark.parametrize("extra, message", [
    (["--cut", "gamma.pt >"], "not a valid expression"),
    (["--cut", "gamma_foo > 3"], "unknown name 'gamma_foo'"),
    (["--cut", "nu.pt > 1"], "these events have no 'nu' (their records: N, gamma, gamma_reco, nu_recoil, nu_decay)"),
    (["--cut", "__import__('os').getcwd() == 0"], "unknown function"),
    (["--cut", "1 > 0"], "names no column"),
    (["--card", "lep2_delphi"], "does not go with --input"),
    (["--decay-law", "paper"], "does not go with --input"),
    (["--set", "beam.sqrt_s=200"], "does not go with --input"),
])
def test_bad_cuts_and_options_are_one_line_and_leave_no_file(tmp_path, capsys, extra, message):
    card = mcgen.load_card("lep2_delphi")
    _write(tmp_path, card, "e", (100.0,), structure_from_a(0.0, card.electroweak), seed=1)
    out = tmp_path / "table.root"
    code, stdout, err = run_cli(capsys, ["efficiency", "--input", str(tmp_path / "lep2_delphi_0.root"), *extra, "-o", str(out)])
    assert code == 2 and message in err and err.count("\n") == 1 and not stdout
    assert not out.exists()


def test_unweighted_files_reweight_to_the_weighted_answer(tmp_path):
    """eps_cuts from an unweighted file (default mcgen generate) agrees with the weighted one within errors."""
    card = mcgen.load_card("lep1_opal")
    model = mcgen.make_model(20.0, "mu", card.electroweak, d_gamma=1e-6, scenario="I")
    mcgen.write_events(mcgen.generate(card, model, 40_000, seed=5), tmp_path / "u.root")
    unweighted = efficiency_from_files(tmp_path / "u.root")
    structure = structure_from_a(scenario_a("I", card.electroweak), card.electroweak)
    weighted, err = eps_cuts(signal_sample(card, 20.0, "mu", mcgen.PhysicsOptions(), 40_000, 6), structure)
    assert abs(unweighted["eps_cuts"][0] - weighted) < 4 * math.hypot(err, unweighted["eps_cuts_err"][0])


@pytest.mark.parametrize("card_name, flavour, masses, overrides", [
    ("lep1_opal", "mu", (5.0, 40.0), ()),
    ("lep2_delphi", "e", (20.0,), ()),
    ("lep1_l3_zgamma", "e", (1.0, 30.0), ()),
    ("cepc_h", "mu", (10.0,), ()),
    ("cepc_h", "e", (10.0,), ("limit.criterion='cls'",)),
])
def test_limits_from_tables_of_files_equal_the_in_memory_limits(tmp_path, capsys, card_name, flavour, masses, overrides):
    """mcgen generate -> mcgen efficiency --input -> mcgen limits --efficiency (--background for the
    CEPC cards) gives the limits of mcgen limits for the same events, to the last digit."""
    import json

    from mcgen.analysis.background import background_metadata, background_sample, background_summary
    from mcgen.analysis.limits import limits_table

    if "cls" in str(overrides):
        pytest.importorskip("pyhf")
    card = mcgen.load_card(card_name, overrides)
    structure = structure_from_a(scenario_a("II", card.electroweak), card.electroweak)
    _write(tmp_path, card, flavour, masses, structure, seed=4)
    memory = limits_table([card], list(masses), [structure], flavour, mcgen.PhysicsOptions(), N, 4, 5_000)
    table = tmp_path / "table.root"
    code, _, err = run_cli(capsys, ["efficiency", "--input", *map(str, sorted(tmp_path.glob("*.root"))), "--scenario", "II",
                                    "-o", str(table)])
    assert code == 0, err
    extra = []
    if card.limit.criterion in ("s2b", "cls"):
        result, columns = background_sample(card, 5_000, 4, keep_events=True)
        bkg = tmp_path / "bkg.root"
        mcgen.io.write_background_root(bkg, columns, background_metadata(card, result, columns, False), background_summary(result))
        extra = ["--background", str(bkg)]
    code, stdout, err = run_cli(capsys, ["limits", "--efficiency", str(table), *extra, "--json", "--plot", str(tmp_path / "l.png")])
    assert code == 0, err
    files = json.loads(stdout)
    assert files["masses"] == memory["masses"]
    assert files["d_gamma_95"] == memory["d_gamma_95"] and files["excluded"] == memory["excluded"]
    assert any(files["excluded"])


@pytest.mark.parametrize("cut", ["gamma_reco.E > 5", "flight_m < boundary_m", "p_inside > 0.5", "vtx_x**2 + vtx_y**2 < 1",
                                 "inside and gamma_E > 5"])
def test_limits_refuse_tables_cut_on_the_measured_photon_or_the_decay(tmp_path, capsys, cut):
    card = mcgen.load_card("lep1_opal")
    _write(tmp_path, card, "mu", (10.0,), structure_from_a(0.0, card.electroweak), seed=2)
    table = tmp_path / "t.root"
    code, _, err = run_cli(capsys, ["efficiency", "--input", str(tmp_path / "lep1_opal_0.root"), "--cut", cut, "-o", str(table)])
    assert code == 0, err
    code, out, err = run_cli(capsys, ["limits", "--efficiency", str(table)])
    assert code == 2 and "decay probability the limits apply themselves" in err and err.count("\n") == 1 and not out


@pytest.mark.slow
def test_detector_rerun_agrees_statistically_and_follows_another_card(tmp_path, capsys):
    """--detector with the file's own card measures the true photons again with new streams: the
    same eps_det within its binomial error (not the same events: the kernel's draws depend on its
    block layout and the file holds float32 vertices); another card's efficiency scales it."""
    import json

    card = mcgen.load_card("cepc_z")
    model = mcgen.make_model(10.0, "e", card.electroweak, d_gamma=3e-8, scenario="IV")
    ev = mcgen.generate(card, model, 60_000, seed=8)
    path = tmp_path / "z.root"
    mcgen.write_events(ev, path)
    stored = efficiency_from_files(path)
    again = efficiency_from_files(path, detector=(card, 3))
    p, n = stored["eps_det"][0], ev.columns["truth_pass"][ev.columns["inside"]].sum()
    assert 0.3 < p < 0.99 and abs(again["eps_det"][0] - p) < 4 * math.sqrt(2 * p * (1 - p) / n)
    assert again["eps_cuts"] == stored["eps_cuts"]  # the true photon is untouched
    assert again["detector_rerun"]["seed"] == 3 and again["detector_rerun"]["card"] == "cepc_z"
    # the same in chunks of any size: the streams are counter-based per event
    assert efficiency_from_files(path, detector=(card, 3), step_size=7_001)["eps_det"] == again["eps_det"]
    half = tmp_path / "half.toml"
    text = (mcgen.config.cards.resolve_card_path("cepc_z")).read_text()
    half.write_text("\n".join("photon_efficiency = 0.45" if line.startswith("photon_efficiency") else line
                               for line in text.splitlines()))
    code, stdout, err = run_cli(capsys, ["efficiency", "--input", str(path), "--detector", str(half), "--detector-seed", "3", "--json"])
    assert code == 0, err
    halved = json.loads(stdout)
    ratio = 0.45 / card.detector.photon_efficiency
    assert abs(halved["eps_det"][0] - ratio * again["eps_det"][0]) < 4 * math.sqrt(p * (1 - p) / n)


def test_the_reduction_does_not_depend_on_the_batches():
    """Batches of any sizes (across the reducer's piece boundaries) give the same sums to the bit."""
    from mcgen.analysis.limits import SampleReducer, spectrum_edges

    card = mcgen.load_card("cepc_h", ("limit.criterion='cls'",))
    cols = mcgen.generate(card, Model(30.0, structure_from_a(0.0, card.electroweak).scaled(1e-5), "e", a=0.0), 200_000,
                          seed=3, weighted=True).columns
    passing = cols["truth_pass"]
    edges = spectrum_edges(card)
    one = SampleReducer(edges)
    one.add(cols, passing)
    whole = one.sample(card, 30.0, "e", mcgen.PhysicsOptions())
    for sizes in ((1, 65_535, 65_537, 3, 68_924), (100_000, 100_000), (7_001,) * 28 + (3_972,)):
        assert sum(sizes) == 200_000
        r = SampleReducer(edges)
        start = 0
        for size in sizes:
            r.add({k: v[start:start + size] for k, v in cols.items()}, passing[start:start + size])
            start += size
        split = r.sample(card, 30.0, "e", mcgen.PhysicsOptions())
        for name in ("boundary_m", "coeff_all", "coeff_pass", "coeff_binned"):
            assert np.array_equal(getattr(split, name), getattr(whole, name)), (sizes, name)
    assert whole.boundary_m.size > 100 and whole.coeff_binned.shape == (6, whole.boundary_m.size, edges.size - 1)


def test_the_compiled_reduction_against_numpy_bincounts():
    """SampleReducer's one-pass sums (mcgen.analysis.reduce) against np.bincount and products
    written here, on events with a few hundred distinct boundary distances."""
    from mcgen.analysis.limits import SampleReducer
    from mcgen.physics.model import COUPLING_COLUMNS

    rng = np.random.default_rng(5)
    n = 150_000
    cols = {name: rng.normal(size=n) for name in COUPLING_COLUMNS}
    cols["boundary_m"] = np.round(rng.choice(rng.uniform(0.5, 2.5, 300), n), 4)
    cols["gamma_E"] = rng.uniform(0.0, 120.0, n)
    passing = rng.random(n) < 0.4
    factors = rng.random((3, n))
    edges = np.linspace(0.0, 120.0, 7)
    r = SampleReducer(edges, n_factors=3)
    r.add(cols, passing, factors)
    sample = r.sample(mcgen.load_card("cepc_h"), 30.0, "e", mcgen.PhysicsOptions())
    keys, index = np.unique(cols["boundary_m"], return_inverse=True)
    assert np.array_equal(sample.boundary_m, keys)
    which = np.clip(np.searchsorted(edges, cols["gamma_E"], side="right") - 1, 0, 5)
    for row, name in enumerate(COUPLING_COLUMNS):
        w = cols[name]
        assert np.allclose(sample.coeff_all[row] * n, np.bincount(index, w, keys.size), rtol=1e-12, atol=1e-9)
        assert np.allclose(sample.coeff_pass[row] * n, np.bincount(index[passing], w[passing], keys.size), rtol=1e-12,
                           atol=1e-9)
        binned = np.bincount(index[passing] * 6 + which[passing], w[passing], keys.size * 6).reshape(keys.size, 6)
        assert np.allclose(sample.coeff_binned[row] * n, binned, rtol=1e-12, atol=1e-9)
        assert np.allclose(r.factor_sums[row], factors @ w, rtol=1e-12, atol=1e-9)
