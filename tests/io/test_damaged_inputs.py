"""Event files and tables with damaged metadata, missing branches or impossible values: one line
naming the file and what is wrong, exit 2, no output."""

from __future__ import annotations

import contextlib
import copy
import io
import json
from pathlib import Path

import numpy as np
import pytest
import uproot
from helpers import run_cli

import mcgen
from mcgen.analysis.background import background_metadata, background_sample, background_summary


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("damaged")
    card = mcgen.load_card("cepc_h")
    model = mcgen.make_model(10.0, "mu", card.electroweak, d_gamma=1e-5, scenario="I")
    signal = folder / "signal.root"
    mcgen.write_events(mcgen.generate(card, model, 3000, seed=2, weighted=True), signal)
    result, columns = background_sample(card, 3000, 2, keep_events=True)
    background = folder / "bkg.root"
    mcgen.io.write_background_root(background, columns, background_metadata(card, result, columns, False), background_summary(result))
    table = folder / "table.json"
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        assert mcgen.cli.main(["efficiency", "--input", str(signal), "-o", str(folder / "table.root")]) == 0
    table.write_text(json.dumps(_root_table(folder / "table.root")))
    return {"signal": signal, "background": background, "table": table}


def _root_table(path: Path) -> dict:
    with uproot.open(path) as f:
        return json.loads(f["metadata"])


def _rewrite(source: Path, target: Path, metadata=None, drop: str | None = None, change=None) -> Path:
    """A copy of an event file with other metadata, without one branch, or with changed values."""
    with uproot.open(source) as f:
        arrays = f["events"].arrays(library="np")
        meta = json.loads(f["metadata"]) if metadata is None else metadata
        summary = str(f["summary"])
    if drop:
        arrays.pop(drop)
    if change:  # values changed in a file without checksums (an older version's), which the range checks catch
        change(arrays)
        meta = {k: v for k, v in meta.items() if k != "branch_xxh3_64"}
    with uproot.recreate(target) as out:
        out.mktree("events", {k: v.dtype for k, v in arrays.items()})
        out["events"].extend(arrays)
        out["metadata"] = json.dumps(meta) if not isinstance(meta, str) else meta
        out["summary"] = summary
    return target


def _one_line(capsys, argv, *fragments):
    code, out, err = run_cli(capsys, argv)
    assert code == 2 and not out and err.count("\n") == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err, err
    return err


def _signal_metadata(files) -> dict:
    with uproot.open(files["signal"]) as f:
        return json.loads(f["metadata"])


def _without(meta: dict, path: str) -> dict:
    out = copy.deepcopy(meta)
    *parents, last = path.split(".")
    node = out
    for p in parents:
        node = node[p]
    del node[last]
    return out


@pytest.mark.parametrize("damage, fragments", [
    (lambda m: _without(m, "options"), ["no options"]),
    (lambda m: _without(m, "model.mass_GeV"), ["no model.mass_GeV"]),
    (lambda m: _without(m, "card_content"), ["no card_content"]),
    (lambda m: m | {"card_content": "cepc_h"}, ["card_content must be a table"]),
    (lambda m: [m], ["not a JSON object"]),
    (lambda m: m | {"couplings": m["couplings"] | {"d_gamma": 0.0}}, ["couplings.d_gamma must be a number > 0"]),
    (lambda m: m | {"model": m["model"] | {"mass_GeV": -3.0}}, ["model.mass_GeV must be a number > 0"]),
    (lambda m: m | {"model": m["model"] | {"mass_GeV": 300.0}}, ["at or above the card's sqrt(s)"]),
])
def test_damaged_signal_metadata_is_one_line(files, capsys, tmp_path, damage, fragments):
    bad = _rewrite(files["signal"], tmp_path / "bad.root", metadata=damage(_signal_metadata(files)))
    _one_line(capsys, ["efficiency", "--input", str(bad)], str(bad), *fragments)


@pytest.mark.parametrize("change, fragment", [
    (lambda a: a["p_inside"].__setitem__(3, 7.0), "p_inside outside [0, 1]"),
    (lambda a: a["w_gg"].__setitem__(5, np.inf), "non-finite w_gg"),
])
def test_impossible_values_are_refused(files, capsys, tmp_path, change, fragment):
    bad = _rewrite(files["signal"], tmp_path / "bad.root", change=change)
    _one_line(capsys, ["efficiency", "--input", str(bad)], fragment)


def test_a_file_without_a_branch_the_readers_need(files, capsys, tmp_path):
    bad = _rewrite(files["signal"], tmp_path / "bad.root", drop="p_inside")
    _one_line(capsys, ["efficiency", "--input", str(bad)], "no branch p_inside")
    bad = _rewrite(files["background"], tmp_path / "bkg.root", drop="truth_pass")
    _one_line(capsys, ["limits", "--efficiency", str(files["table"]), "--background", str(bad)], "no branch truth_pass")


@pytest.mark.parametrize("damage, fragment", [
    (lambda t: t["per_mass"][0]["sample"].__setitem__("boundary_m", []), "inconsistent or non-finite arrays"),
    (lambda t: t["per_mass"][0]["sample"].pop("coeff_all"), "lacks or garbles"),
    (lambda t: t["per_mass"][0]["sample"].__setitem__("n_events", 0), "inconsistent or non-finite arrays"),
    (lambda t: t["masses"].__setitem__(0, 300.0), "not in (0, sqrt(s) = 240.0 GeV)"),
])
def test_damaged_tables_are_one_line(files, capsys, tmp_path, damage, fragment):
    table = json.loads(files["table"].read_text())
    damage(table)
    bad = tmp_path / "t.json"
    bad.write_text(json.dumps(table))
    _one_line(capsys, ["limits", "--efficiency", str(bad), "--background", str(files["background"])], fragment)


def test_a_flipped_bit_in_an_uncompressed_branch_is_refused(capsys, tmp_path):
    """Single bits flipped in the stored values of the branches the efficiency reads: every flip is
    caught by the checksums recorded at write time (one line, exit 2), none changes eps silently."""
    card = mcgen.load_card("cepc_h")
    model = mcgen.make_model(10.0, "mu", card.electroweak, d_gamma=1e-5, scenario="I")
    clean = tmp_path / "clean.root"
    mcgen.io.write_events(mcgen.generate(card, model, 2000, seed=3, weighted=True), clean, compression="none")
    raw = clean.read_bytes()
    with uproot.open(clean) as f:
        tree = f["events"]
        # where each branch's first basket keeps its values: after the basket's key (TKey: fKeylen at byte 14)
        starts = {name: int(tree[name].member("fBasketSeek")[0]) for name in ("w_gg", "w_zz", "boundary_m", "gamma_E", "p_inside",
                                                                              "truth_pass")}
        sizes = {name: tree[name].array(library="np").dtype.itemsize for name in starts}
    assert run_cli(capsys, ["efficiency", "--input", str(clean)])[0] == 0
    flips = 0
    for name, seek in starts.items():
        start = seek + int.from_bytes(raw[seek + 14:seek + 16], "big")
        for entry, bit in ((7, 0), (1234, 5)):
            damaged = bytearray(raw)
            damaged[start + entry * sizes[name] + sizes[name] - 1] ^= 1 << bit  # (big-endian: the last byte is the least significant)
            path = tmp_path / f"{name}_{entry}.root"
            path.write_bytes(bytes(damaged))
            _one_line(capsys, ["efficiency", "--input", str(path)], str(path), f"branch {name} does not match the checksum")
            flips += 1
            with pytest.raises(mcgen.InputError, match="checksum"):
                mcgen.read(path)
    assert flips == 12
