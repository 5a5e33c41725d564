"""mcgen's LHE and HepMC3 files as their readers see them: Pythia 8 (default checks), pylhe, pyhepmc."""

from __future__ import annotations

import json
import math
import re
import textwrap
from pathlib import Path

import numpy as np
import pytest
from helpers import run_cli as run

import mcgen
from mcgen.io import N_PDG_ID, write_hepmc, write_lhe
from mcgen.io.particles import fmt_float, fmt_int
from mcgen.mc.driver import generate

MODEL = ["--card", "cepc_h", "--mass", "10", "--dgamma", "1e-5", "--scenario", "I", "--flavor", "mu"]
# what a user sets to shower mcgen's LHE files (docs/tutorials/pythia.md): the photon is on shell, so Pythia must not
# split it (N -> nu f fbar through a virtual photon is a three-body channel of its own)
PYTHIA_SETTINGS = ["Beams:frameType = 4", "TimeShower:QEDshowerByGamma = off"]
HOSTILE = 'a<b && c --> d ]]> <!-- "q" \\ \n \u00e9 --set x=1'


def _events(n: int, weighted: bool = False, flavour: str = "mu"):
    card = mcgen.load_card("cepc_h")
    model = mcgen.make_model(10.0, flavour, card.electroweak, d_gamma=1e-5, scenario="I")
    return generate(card, model, n, seed=3, weighted=weighted)


def _pythia_messages(out: str) -> list[str]:
    """Errors, warnings and aborts in Pythia's message statistics (printed by stat())."""
    return [m.strip() for m in re.findall(r"\|\s+\d+\s+((?:Error|Warning|Abort)[^|]*)", out)]


# with beam effects the incoming leptons carry x1, x2 of the beams (the init block's energies: with a
# spread, the largest a beam reaches): Pythia's lepton PDF gives the rest to a remnant photon along
# each beam; its own QED shower off the leptons must be off (mcgen's structure functions did the ISR
# already; left on, it radiates a second time, at finite angles)
ISR = ["SpaceShower:QEDshowerByL = off"]
NOMINAL = ["--set", "beam.energy_spread=0"]  # cepc_h without its CDR spread: the beams at sqrt(s)/2


@pytest.mark.parametrize(("extra", "settings"), [(NOMINAL, []), (["--weighted", *NOMINAL], []), ([], ISR),
                                                 (["--weighted"], ISR), (["--set", "beam.isr=true"], ISR)],
                         ids=["unweighted", "weighted", "spread", "spread-weighted", "isr-spread"])
@pytest.mark.slow
def test_pythia_showers_the_lhe_file_without_errors(capfd, tmp_path, extra, settings):
    pythia8 = pytest.importorskip("pythia8mc")
    lhe = tmp_path / "ev.lhe"
    code, out, err = run(capfd, ["generate", *MODEL, "-n", "1000", "-o", str(lhe), "--json", *extra])
    assert code == 0, err
    result = json.loads(out)  # the init block's cross section is what the weights average to (unweighted: the quadrature's)
    sigma_pb = result["sigma_pb"] if "--weighted" in extra else result["sigma_quadrature_pb"]

    pythia = pythia8.Pythia("", False)
    for setting in [*PYTHIA_SETTINGS, *settings, f"Beams:LHEF = {lhe}", "Print:quiet = on", "SLHA:verbose = 0"]:
        assert pythia.readString(setting)
    assert pythia.init()
    info = pythia.infoPython()
    spread = 0.0 if NOMINAL[1] in extra else mcgen.load_card("cepc_h").beam.energy_spread
    assert info.eA() == info.eB() == pytest.approx(120.0 * (1 + 6 * spread), rel=1e-10)
    for _ in range(1000):
        assert pythia.next()
        event = pythia.event
        photons = [i for i in range(event.size()) if event[i].isFinal() and event[i].id() == 22]
        from_n = [i for i in photons if abs(event[event[i].mother1()].id()) == N_PDG_ID]
        remnants = [i for i in photons if i not in from_n]  # ISR: along the beams, none otherwise
        assert len(from_n) == 1 and (settings or not remnants)
        assert all(event[i].pT() == 0.0 for i in remnants) and len(remnants) <= 2
        remnant_e = sum(event[i].e() for i in remnants)
        assert remnant_e + event[3].e() + event[4].e() == pytest.approx(info.eA() + info.eB(), rel=1e-9)  # the beams'
        if "beam.isr=true" not in extra:  # the hard process at sqrt(s) up to the spread (lower with ISR)
            assert event[3].e() + event[4].e() == pytest.approx(240.0, rel=13 * spread + 1e-9)
        photons = from_n
        n = event[event[photons[0]].mother1()]
        assert abs(n.id()) == N_PDG_ID and n.m() == pytest.approx(10.0)
        # the photon starts where the N decays: its proper time (VTIMUP) times p / m
        assert n.tau() > 0
        flight = np.array([n.px(), n.py(), n.pz()]) * n.tau() / n.m()
        vertex = event[photons[0]].vProd()
        assert np.allclose([vertex.px(), vertex.py(), vertex.pz()], flight, rtol=1e-8, atol=0)
    info = pythia.infoPython()  # a snapshot: taken again after the run
    assert info.nAccepted() == 1000
    assert info.sigmaGen() * 1e9 == pytest.approx(sigma_pb, rel=1e-6)  # mb -> pb
    pythia.stat()
    assert _pythia_messages(capfd.readouterr().out) == []


BELLE2 = ["--card", "belle2", "--mass", "1", "--dgamma", "1e-4", "--scenario", "I", "--flavor", "mu", "--seed", "5"]


def _lab(four: list[float], crossing_angle: float) -> np.ndarray:
    """(E, px, py, pz) or (ct, x, y, z) of the head-on frame taken to the lab by the crossing boost, written
    out here as ddsim's --crossingAngleBoost does it: beta gamma = tan(alpha) along +x."""
    alpha = crossing_angle / 2
    gamma, beta_gamma = math.sqrt(1 + math.tan(alpha) ** 2), math.tan(alpha)
    e, x, y, z = four
    return np.array([gamma * e + beta_gamma * x, gamma * x + beta_gamma * e, y, z])


@pytest.mark.slow
def test_pythia_reads_asymmetric_crossing_beams_and_the_crossing_boost_gives_the_lab_events(capfd, tmp_path):
    """belle2 (7.004 on 4.002 GeV at 83 mrad, ISR and each beam's spread): the LHE file is in the head-on frame,
    beams along z with E cos(alpha); Pythia takes it without a message, and each photon and decay vertex
    Pythia builds, boosted to the lab, is the ROOT file's event."""
    pythia8 = pytest.importorskip("pythia8mc")
    import uproot

    card = mcgen.load_card("belle2")
    crossing, (spread_e, spread_p) = card.beam.crossing_angle_rad, card.beam.spreads
    lhe, root = tmp_path / "ev.lhe", tmp_path / "ev.root"
    for out in (lhe, root):
        code, _, err = run(capfd, ["generate", *BELLE2, "-n", "300", "-o", str(out)])
        assert code == 0, err
    cols = uproot.open(root)["events"].arrays(["gamma_E", "gamma_px", "gamma_py", "gamma_pz", "vtx_x", "vtx_y", "vtx_z"],
                                             library="np")
    pythia = pythia8.Pythia("", False)
    for setting in [*PYTHIA_SETTINGS, *ISR, f"Beams:LHEF = {lhe}", "Print:quiet = on", "SLHA:verbose = 0"]:
        assert pythia.readString(setting)
    assert pythia.init()
    cos_alpha = math.cos(crossing / 2)
    for i in range(300):
        assert pythia.next()
        event = pythia.event
        beams = [event[1].e(), event[1].pz(), event[2].e(), event[2].pz()]  # the init block's, along z
        # (Pythia gives the beams the electron mass: pz a few 1e-9 below E)
        reach = [a * (1 + 6 * sp) for a, sp in ((7.004, spread_e), (7.004, spread_e), (4.002, spread_p), (-4.002, spread_p))]
        assert beams == pytest.approx([a * cos_alpha for a in reach], rel=1e-8)
        (k,) = [j for j in range(event.size()) if event[j].id() == 22 and event[j].isFinal()
                and abs(event[event[j].mother1()].id()) == N_PDG_ID]
        photon = event[k]
        assert np.allclose(_lab([photon.e(), photon.px(), photon.py(), photon.pz()], crossing),
                           [cols[f"gamma_{a}"][i] for a in ("E", "px", "py", "pz")], rtol=3e-7, atol=1e-6)  # ROOT: float32
        v = photon.vProd()
        assert np.allclose(_lab([v.e(), v.px(), v.py(), v.pz()], crossing)[1:],
                           [1e3 * cols[f"vtx_{a}"][i] for a in "xyz"], rtol=3e-7, atol=1e-6)
    pythia.stat()
    assert _pythia_messages(capfd.readouterr().out) == []


def test_hepmc_of_crossing_beams_is_in_the_head_on_frame(capfd, tmp_path):
    import pyhepmc
    import uproot

    crossing = mcgen.load_card("belle2").beam.crossing_angle_rad
    hepmc, root = tmp_path / "ev.hepmc", tmp_path / "ev.root"
    for out in (hepmc, root):
        code, _, err = run(capfd, ["generate", *BELLE2, "-n", "40", "-o", str(out)])
        assert code == 0, err
    cols = uproot.open(root)["events"].arrays(library="np")
    with pyhepmc.open(hepmc) as f:
        events = list(f)
    frame = json.loads(events[0].run_info.attributes["mcgen_metadata"].astype(str))["event_frame"]
    assert frame["frame"] == "head-on" and frame["crossing_boost_alpha_rad"] == crossing / 2
    for i, event in enumerate(events):
        beams = [p.momentum for p in event.particles[:2]]
        assert all(b.px == b.py == 0.0 for b in beams) and beams[0].pz > 0 > beams[1].pz
        total_in = sum(np.array([b.e, b.px, b.py, b.pz]) for b in beams)
        total_out = sum(np.array([p.momentum.e, p.momentum.px, p.momentum.py, p.momentum.pz]) for p in event.particles[2:4])
        assert np.allclose(total_in, total_out, rtol=1e-12, atol=1e-12)
        for j, name in ((2, "N"), (4, "gamma")):
            m = event.particles[j].momentum
            assert np.allclose(_lab([m.e, m.px, m.py, m.pz], crossing), [cols[f"{name}_{a}"][i] for a in ("E", "px", "py", "pz")],
                               rtol=3e-7, atol=1e-6)  # ROOT: float32
        pos = event.vertices[1].position
        lab = _lab([pos.t, pos.x, pos.y, pos.z], crossing)
        assert np.allclose(lab[1:], [1e3 * cols[f"vtx_{a}"][i] for a in "xyz"], rtol=3e-7, atol=1e-6)
        assert lab[0] == pytest.approx(1e3 * cols["flight_m"][i] * cols["N_E"][i] / math.hypot(
            cols["N_px"][i], cols["N_py"][i], cols["N_pz"][i]), rel=1e-6)


def test_lhe_with_set_overrides_reads_back(capsys, tmp_path):
    import pylhe

    lhe = tmp_path / "ev.lhe"
    code, _, err = run(capsys, ["generate", *MODEL, "-n", "50", "--set", "beam.sqrt_s=250", *NOMINAL, "-o", str(lhe)])
    assert code == 0, err
    lhef = pylhe.LHEFile.fromfile(lhe)
    events = list(lhef.events)
    assert len(events) == 50
    assert lhef.init.initInfo.energyA == lhef.init.initInfo.energyB == 125.0
    assert lhef.init.procInfo[0].xSection == events[0].eventinfo.weight  # one cross section: the events' (the quadrature's)
    (mcgen_block,) = [e for e in lhef.header.extra_elements if e.tag == "mcgen"]
    metadata = json.loads(mcgen_block.text)
    assert metadata["sqrt_s"] == 250.0 and "--set beam.sqrt_s=250" in metadata["card"]["path"]
    first = events[0]
    assert [int(p.mother1) for p in first.particles] == [0, 0, 1, 1, 3, 3]
    assert [int(p.mother2) for p in first.particles] == [0, 0, 2, 2, 3, 3]
    total = sum(np.array([p.px, p.py, p.pz, p.e]) * (p.status == 1) for p in first.particles)
    assert np.allclose(total, [0, 0, 0, 250.0], atol=1e-6)


def test_metadata_hostile_to_xml_survives_both_formats(tmp_path):
    import pyhepmc
    import pylhe

    ev = _events(20)
    metadata = {**ev.metadata, "card": {**ev.metadata["card"], "description": HOSTILE}}
    lhe, hepmc = tmp_path / "ev.lhe", tmp_path / "ev.hepmc"
    write_lhe(lhe, ev.columns, ev.summary, metadata, "mu")
    write_hepmc(hepmc, ev.columns, metadata, "mu", summary=ev.summary)
    expected = json.loads(json.dumps(metadata))
    lhef = pylhe.LHEFile.fromfile(lhe)
    assert len(list(lhef.events)) == 20
    (mcgen_block,) = [e for e in lhef.header.extra_elements if e.tag == "mcgen"]
    assert json.loads(mcgen_block.text) == expected
    with pyhepmc.open(hepmc) as f:
        events = list(f)
    assert len(events) == 20
    assert json.loads(events[0].run_info.attributes["mcgen_metadata"].astype(str)) == expected


def test_hepmc_reads_back_exactly(tmp_path):
    import pyhepmc

    ev = _events(500, flavour="e")
    c = ev.columns
    path = tmp_path / "ev.hepmc"
    write_hepmc(path, c, ev.metadata, "e", summary=ev.summary)
    with pyhepmc.open(path) as f:
        events = list(f)
    assert len(events) == 500
    run_info = events[0].run_info
    assert [t.name for t in run_info.tools] == ["mcgen"] and run_info.weight_names == ["weight_pb"]
    assert [e.event_number for e in events] == list(range(500))
    for i, event in enumerate(events[:50]):
        assert event.momentum_unit == pyhepmc.Units.GEV and event.length_unit == pyhepmc.Units.MM
        assert event.weights == pytest.approx([c["weight_pb"][i]], rel=1e-15)
        assert event.cross_section.xsec() == pytest.approx(float(np.mean(c["weight_pb"])), rel=1e-12)  # what the weights average to
        assert event.cross_section.xsec_err() == ev.summary["sigma_err_pb"]
        sign = -1 if c["anti"][i] else 1
        parts = event.particles
        assert [p.pid for p in parts] == [11, -11, sign * N_PDG_ID, -sign * 12, 22, sign * 12]
        assert [p.status for p in parts] == [4, 4, 2, 1, 1, 1]
        assert [p.generated_mass for p in parts] == [0.0, 0.0, 10.0, 0.0, 0.0, 0.0]  # exactly
        photon = parts[4].momentum
        assert np.allclose([photon.px, photon.py, photon.pz, photon.e],
                           [c["gamma_px"][i], c["gamma_py"][i], c["gamma_pz"][i], c["gamma_E"][i]], rtol=1e-15, atol=0)
        production, decay = event.vertices
        assert [p.id for p in production.particles_in] == [1, 2] and [p.id for p in production.particles_out] == [3, 4]
        assert [p.id for p in decay.particles_in] == [3] and [p.id for p in decay.particles_out] == [5, 6]
        assert np.allclose([decay.position.x, decay.position.y, decay.position.z],
                           1e3 * np.array([c["vtx_x"][i], c["vtx_y"][i], c["vtx_z"][i]]), rtol=1e-15, atol=0)
        beta = math.hypot(c["N_px"][i], c["N_py"][i], c["N_pz"][i]) / c["N_E"][i]
        assert decay.position.t == pytest.approx(math.hypot(decay.position.x, decay.position.y, decay.position.z) / beta)


def test_vectorised_formatting_matches_python():
    rng = np.random.default_rng(5)
    x = np.concatenate([rng.normal(size=20_000) * 10.0 ** rng.integers(-40, 40, 20_000),
                        [0.0, -0.0, 1.0, 0.1, 9.99999999999995, 999.9999999999999, 1e-5, -1e-99]])
    for digits in (4, 10):
        width = digits + 7
        text = bytes(fmt_float(x, digits)).decode()
        assert [text[i:i + width].strip() for i in range(0, len(text), width)] == [f"{v:.{digits}e}".replace("-0.", "0.")
                                                                                   for v in x]
    x = np.append(x, [1.7e308, -1e-200])  # three-digit exponents
    text = bytes(fmt_float(x, 15)).decode()  # 16 digits: the last one may be off by one
    assert np.allclose([float(text[i:i + 23]) for i in range(0, len(text), 23)], x, rtol=1e-15, atol=0)
    ints = np.concatenate([rng.integers(-10**9, 10**9, 1000), [0, 1, -1, 9, 10, 99, 100, -9900018]])
    text = bytes(fmt_int(ints, 11)).decode()
    assert [text[i:i + 11] for i in range(0, len(text), 11)] == [f"{v:11d}" for v in ints]
    with pytest.raises(ValueError):
        fmt_float(np.array([np.nan]), 10)
    with pytest.raises(ValueError):
        fmt_int(np.array([-1000]), 4)


PYTHIA_TUTORIAL = Path(__file__).resolve().parents[2] / "docs" / "tutorials" / "pythia.md"


def _tutorial_pythia_cell() -> str:
    """The Pythia 8 cell of the docs' Pythia tutorial, as a user copies it."""
    text = PYTHIA_TUTORIAL.read_text(encoding="utf-8")
    (block,) = [b for b in re.findall(r"```\{code-cell\} ipython3\n(.*?)```", text, flags=re.S) if "import pythia8mc" in b]
    return textwrap.dedent(block)


@pytest.mark.slow
@pytest.mark.parametrize("extra", [[], ["--set", "beam.isr=true"]], ids=["cepc_h-spread", "cepc_h-isr-spread"])
def test_the_tutorial_pythia_cell_as_written_finds_the_n_photon(capfd, tmp_path, monkeypatch, extra):
    """The Pythia tutorial's cell, run as written on a cepc_h file with its spread (and with ISR):
    the photon it picks is the N's, whatever the beams' remnant photons."""
    pytest.importorskip("pythia8mc")
    code, _, err = run(capfd, ["generate", *MODEL, "-n", "300", "-o", str(tmp_path / "events.lhe"), *extra])
    assert code == 0, err
    monkeypatch.chdir(tmp_path)
    snippet = _tutorial_pythia_cell()
    line = next(x for x in snippet.splitlines() if x.lstrip().startswith("photon = "))
    indent = line[: len(line) - len(line.lstrip())]
    # the snippet as written, and one line after its pick that records what it picked (the event is
    # cleared when the file ends): the mother's id and the photon's pT, per event
    observed = snippet.replace(line, f"{line}\n{indent}seen.append((abs(event[photon.mother1()].id()), photon.pT()))")
    namespace: dict = {"seen": []}
    exec(compile(observed, str(PYTHIA_TUTORIAL), "exec"), namespace)
    assert namespace["pythia"].infoPython().nAccepted() == 300 and len(namespace["seen"]) == 300
    assert all(mother == N_PDG_ID and pt > 0.0 for mother, pt in namespace["seen"])


@pytest.mark.slow
@pytest.mark.parametrize("suffix", [".lhe", ".hepmc"])
def test_streamed_text_files_equal_the_ones_written_from_memory(capfd, tmp_path, suffix):
    """``mcgen generate -o x.lhe`` (or .hepmc) writes batch by batch (the header, and HepMC3's cross
    section in every event, when the run ends): the same bytes as the writer given all the events
    at once, over many batches (unweighted events: every weight is the quadrature's)."""
    out = tmp_path / f"streamed{suffix}"
    code, _, err = run(capfd, ["generate", *MODEL, "-n", "120000", "--seed", "5", "-o", str(out)])
    assert code == 0, err
    card = mcgen.load_card("cepc_h")
    ev = generate(card, mcgen.make_model(10.0, "mu", card.electroweak, d_gamma=1e-5, scenario="I"), 120_000, 5)
    memory = tmp_path / f"memory{suffix}"
    if suffix == ".lhe":
        write_lhe(memory, ev.columns, ev.summary, ev.metadata, "mu")
    else:
        write_hepmc(memory, ev.columns, ev.metadata, "mu", summary=ev.summary)
    assert out.read_bytes() == memory.read_bytes()


@pytest.mark.slow
def test_text_formats_stream_in_bounded_memory(tmp_path):
    """The peak memory of generate -o x.lhe (and .hepmc) hardly grows with the number of events: ten
    times the events take well under 1.5 times the memory (the columns of 6e5 events alone would add
    about 250 MB to a process of about 300 MB)."""
    import subprocess
    import sys

    probe = ("import resource, sys; from mcgen.cli import main; code = main(sys.argv[1:]); "
             "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss); sys.exit(code)")
    for suffix in (".lhe", ".hepmc"):
        peak = {}
        for n in (60_000, 600_000):
            out = tmp_path / f"{n}{suffix}"
            done = subprocess.run([sys.executable, "-c", probe, "generate", *MODEL, "-n", str(n), "-o", str(out)],
                                  capture_output=True, text=True, timeout=600)
            assert done.returncode == 0, done.stderr
            peak[n] = int(done.stdout.split()[-1])
            out.unlink()
        assert peak[600_000] < 1.5 * peak[60_000], (suffix, peak)
