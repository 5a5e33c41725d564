"""mcgen.read: event files back as awkward Arrays with vector Momentum4D records."""

from __future__ import annotations

import math

import numpy as np
import pytest
import uproot

import mcgen
from mcgen.errors import InputError


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    """Two files of one run setting (seeds 1, 2) and one of another mass, weighted, cepc_z."""
    folder = tmp_path_factory.mktemp("events")
    card = mcgen.load_card("cepc_z")
    model = mcgen.make_model(10.0, "e", card.electroweak, d_gamma=3e-8, scenario="IV")
    other = mcgen.make_model(20.0, "e", card.electroweak, d_gamma=3e-8, scenario="IV")
    kept = {}
    for name, m, seed in (("a", model, 1), ("b", model, 2), ("c", other, 1)):
        ev = mcgen.generate(card, m, 30_000, seed=seed, weighted=True)
        mcgen.write_events(ev, folder / f"{name}.root")
        kept[name] = ev
    return folder, kept


def test_records_are_vectors_equal_to_the_stored_columns(sample):
    folder, kept = sample
    events = mcgen.read(folder / "a.root")
    cols = kept["a"].columns
    assert len(events) == 30_000
    for record in ("N", "gamma", "gamma_reco", "nu_recoil", "nu_decay"):
        assert {"px", "py", "pz", "E"} <= set(events[record].fields)
    f32 = dict(rtol=3e-7, atol=1e-6)
    np.testing.assert_allclose(events.gamma.pt.to_numpy(), cols["gamma_pt"], **f32)
    np.testing.assert_allclose(events.gamma.costheta.to_numpy(), cols["gamma_cos_theta"], rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(events.gamma.E.to_numpy(), cols["gamma_E"], **f32)
    reco = cols["reconstructed"]
    np.testing.assert_allclose(events.gamma_reco.pt.to_numpy()[reco], cols["gamma_reco_pt"][reco], **f32)
    # the invisible nu from the decay is massless: (N - gamma) has zero mass, to float32 precision of E ~ 45 GeV
    assert np.max(np.abs((events.N - events.gamma).mass.to_numpy())) < 0.05
    assert np.array_equal(events.w_gg.to_numpy(), cols["w_gg"])  # coefficients are stored as double
    assert math.isclose(float(np.sum(events.weight_event_pb)), kept["a"].summary["sigma_pb"], rel_tol=1e-12)
    meta = events.attrs["mcgen"]["metadata"]
    assert meta["seed"] == 1 and meta["card"]["name"] == "cepc_z" and meta["model"]["mass_GeV"] == 10.0


def test_to_awkward_has_the_structure_of_a_read_file(sample):
    folder, kept = sample
    from_file, in_memory = mcgen.read(folder / "a.root"), kept["a"].to_awkward()
    assert from_file.fields == in_memory.fields
    assert from_file.gamma.fields == in_memory.gamma.fields
    np.testing.assert_allclose(from_file.N.eta.to_numpy(), in_memory.N.eta.to_numpy(), rtol=1e-5, atol=1e-5)


def test_chunks_give_the_sums_of_one_read(sample):
    folder, _ = sample
    whole = mcgen.read([folder / "a.root", folder / "b.root"])
    assert len(whole) == 60_000
    assert [f["seed"] for f in whole.attrs["mcgen"]["files"]] == [1, 2]
    chunks = list(mcgen.iterate(str(folder / "[ab].root"), step_size=7_000, branches=["weight_pb", "gamma_E", "truth_pass"]))
    assert len(chunks) > 4 and sum(len(c) for c in chunks) == 60_000
    for name in ("weight_pb", "weight_event_pb"):
        assert math.isclose(sum(float(np.sum(c[name])) for c in chunks), float(np.sum(whole[name])), rel_tol=1e-12)
    passed = [np.asarray(c.gamma_E[c.truth_pass], dtype=np.float64) for c in chunks]  # float32 in the file
    assert math.isclose(float(np.sum(np.concatenate(passed))), float(np.sum(whole.gamma.E[whole.truth_pass])), rel_tol=1e-12)
    assert chunks[0].fields == ["weight_pb", "gamma_E", "truth_pass", "weight_event_pb"]  # only what was asked


def test_files_of_other_settings_are_refused_unless_asked(sample):
    folder, _ = sample
    with pytest.raises(InputError, match="another model") as exc:
        mcgen.read([folder / "a.root", folder / "c.root"])
    assert "\n" not in str(exc.value)
    both = mcgen.read([folder / "a.root", folder / "c.root"], concatenate=True)
    assert len(both) == 60_000


def test_bad_files_are_one_line(sample, tmp_path):
    folder, _ = sample
    truncated = tmp_path / "cut.root"
    truncated.write_bytes((folder / "a.root").read_bytes()[:20_000])
    foreign = tmp_path / "foreign.root"
    with uproot.recreate(foreign) as f:
        f["t"] = {"x": np.arange(3.0)}
    text = tmp_path / "text.root"
    text.write_text("not ROOT")
    for path, match in ((truncated, "cannot read"), (foreign, "not an mcgen event file"), (text, "cannot read"),
                        (tmp_path / "none.root", "no such event file")):
        with pytest.raises(InputError, match=match) as exc:
            mcgen.read(path)
        assert "\n" not in str(exc.value)
    with pytest.raises(InputError, match="no branch gamma_foo"):
        mcgen.read(folder / "a.root", branches=["gamma_foo"])
    with pytest.raises(InputError, match="no event file matches"):
        mcgen.read(str(tmp_path / "nothing*.root"))


def test_background_files_have_the_signal_layout(tmp_path, capsys):
    from helpers import run_cli

    out = tmp_path / "bkg.root"
    code, _, err = run_cli(capsys, ["background", "--card", "cepc_h", "-n", "4000", "-o", str(out)])
    assert code == 0, err
    events = mcgen.read(out)
    info = mcgen.io.file_info(out)
    assert info["summary"]["sigma_pb"] > 0 and info["metadata"]["process"].startswith("e+e- -> nu nubar gamma")
    for record in ("gamma", "gamma_reco", "nu", "nubar"):
        assert {"px", "py", "pz", "E"} <= set(events[record].fields)
    for name in ("weight_pb", "truth_pass", "pass_all", "reconstructed", "gamma_cos_theta", "gamma_reco_pt"):
        assert name in events.fields
    reco = events.reconstructed.to_numpy()
    np.testing.assert_allclose(events.gamma_reco.pt.to_numpy()[reco], events.gamma_reco_pt.to_numpy()[reco], rtol=1e-6)
    # the invisible pair and the photon balance the beams (each at 120 GeV times its spread fraction),
    # in every event: those of weight 0 too (a photon drawn beyond the reach of their s_hat, some 1%)
    total = events.nu + events.nubar + events.gamma
    x1, x2 = events.beam_x1.to_numpy(), events.beam_x2.to_numpy()
    assert np.std(x1) > 1e-4 and np.all(np.abs(x1 - 1) < 6.01 * 0.00134)  # the card's CDR spread, cut at 6 sigma
    assert np.count_nonzero(events.weight_pb.to_numpy() == 0) > 10
    assert np.allclose(total.E.to_numpy(), 120.0 * (x1 + x2), rtol=1e-5)
    assert np.allclose(total.pz.to_numpy(), 120.0 * (x1 - x2), atol=1e-3)


def test_prefetched_keeps_the_order_raises_where_reading_failed_and_stops_its_thread():
    import threading

    from mcgen.io.read import prefetched

    assert list(prefetched(iter(range(50)))) == list(range(50))
    assert list(prefetched(iter([]))) == []

    def failing():
        yield from (0, 1, 2)
        raise ValueError("truncated basket")

    got = []
    with pytest.raises(ValueError, match="truncated basket"):
        for item in prefetched(failing()):
            got.append(item)
    assert got == [0, 1, 2]
    reader = prefetched(iter(range(1000)))
    assert next(reader) == 0
    reader.close()  # the consumer stops early: the reading thread ends too
    assert not any(t.name == "mcgen-prefetch" and t.is_alive() for t in threading.enumerate())
