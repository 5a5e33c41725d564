"""Each kind of bad input raises its own InputError subclass through the API, so that a
caller can tell a bad card from a bad model, a missing extra or an unwritable output."""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

import pytest

import mcgen
from mcgen import CardError, InputError, MissingExtraError, ModelError, OutputError

CARDS = Path(__file__).resolve().parents[2] / "cards"


@pytest.mark.parametrize("cls", [CardError, ModelError, MissingExtraError, OutputError])
def test_every_subclass_is_an_input_error(cls):
    assert issubclass(cls, InputError) and issubclass(cls, ValueError)


def _card_with(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bad.toml"
    path.write_text((CARDS / "lep2_delphi.toml").read_text(encoding="utf-8") + text, encoding="utf-8")
    return path


def test_unknown_card_key_is_a_card_error(tmp_path):
    path = _card_with(tmp_path, "\n[card.extra]\n")
    tomllib.loads(path.read_text(encoding="utf-8"))  # valid TOML: the schema rejects it
    with pytest.raises(CardError, match=r"bad\.toml.*unknown key \[card\] extra"):
        mcgen.load_card(path)


@pytest.mark.parametrize(
    "overrides",
    [("beam.sqrt_s=-1",), ("nosuch.key=1",), ("beam.sqrt_s",), ("electroweak.alpha=2",), ("selection.e_min=300", "selection.e_max=10")],
)
def test_bad_overrides_are_card_errors(overrides):
    with pytest.raises(CardError):
        mcgen.load_card("lep2_delphi", overrides)


def test_missing_card_and_bad_toml_are_card_errors(tmp_path):
    with pytest.raises(CardError, match="card not found"):
        mcgen.load_card("no_such_card")
    bad = tmp_path / "broken.toml"
    bad.write_text("[beam\n", encoding="utf-8")
    with pytest.raises(CardError, match="not valid TOML"):
        mcgen.load_card(bad)


@pytest.mark.parametrize(
    "mass, flavour, kwargs",
    [
        (-1.0, "e", {"d_gamma": 1e-5, "scenario": "I"}),
        (10.0, "x", {"d_gamma": 1e-5, "scenario": "I"}),
        (10.0, "e", {"d_gamma": 1e-5, "scenario": "V"}),
        (10.0, "e", {"d_gamma": -1e-5, "a": 1.0}),
        (10.0, "e", {"d_gamma": float("nan"), "a": 1.0}),
        (10.0, "e", {"d_gamma": 1e-5}),
    ],
)
def test_bad_models_are_model_errors(mass, flavour, kwargs):
    card = mcgen.load_card("lep2_delphi")
    with pytest.raises(ModelError):
        mcgen.make_model(mass, flavour, card.electroweak, **kwargs)


def test_singular_a_mass_above_threshold_and_bad_option_are_model_errors():
    from mcgen.physics.model import singular_a

    card = mcgen.load_card("lep2_delphi")
    with pytest.raises(ModelError, match="singular point"):
        mcgen.make_model(10.0, "e", card.electroweak, d_gamma=1e-5, a=singular_a(card.electroweak))
    heavy = mcgen.make_model(300.0, "e", card.electroweak, d_gamma=1e-5, scenario="I")
    with pytest.raises(ModelError, match="not below sqrt"):
        mcgen.model_info(card, heavy)
    with pytest.raises(ModelError, match="decay law"):
        mcgen.PhysicsOptions(decay_law="flat")


def test_existing_output_without_force_is_an_output_error(tmp_path):
    from mcgen.io import check_output_path

    out = tmp_path / "events.root"
    out.write_bytes(b"")
    with pytest.raises(OutputError, match="exists: use --force"):
        check_output_path(out, force=False)
    assert check_output_path(out, force=True) == out
    with pytest.raises(OutputError, match="is a directory"):
        check_output_path(tmp_path, force=True)
    with pytest.raises(OutputError, match="does not exist"):
        check_output_path(tmp_path / "no" / "events.root", force=False)


def test_reproduce_into_a_file_is_an_output_error(tmp_path):
    from mcgen.plots.figures import reproduce

    path = tmp_path / "figures"
    path.write_text("", encoding="utf-8")
    with pytest.raises(OutputError, match="not a directory"):
        reproduce(2, path)


def test_missing_extras_are_missing_extra_errors(monkeypatch, tmp_path):
    """A module set to None in sys.modules fails to import, as an uninstalled one does."""
    from mcgen.analysis.scan import executor
    from mcgen.plots.limits import pyplot

    for module in ("pylhe", "pyhepmc", "mplhep", "distributed"):
        monkeypatch.setitem(sys.modules, module, None)
    with pytest.raises(MissingExtraError, match=r"pip install 'mcgen\[plot\]'"):
        pyplot()
    with pytest.raises(MissingExtraError, match=r"pip install 'mcgen\[dask\]'"):
        with executor(dask_local=1):
            pass


def test_lhe_and_hepmc_are_written_without_the_reading_packages(monkeypatch, tmp_path, capsys):
    """The writers format the text themselves: pylhe and pyhepmc (extra io) are only for reading."""
    from helpers import run_cli

    for module in ("pylhe", "pyhepmc"):
        monkeypatch.setitem(sys.modules, module, None)
    for name in ("a.lhe", "a.hepmc"):
        code, _, err = run_cli(capsys, ["generate", "--card", "lep1_opal", "--mass", "10", "--dgamma", "1e-6", "--scenario", "I",
                                        "--flavor", "mu", "-n", "50", "-o", str(tmp_path / name)])
        assert code == 0, err
        assert (tmp_path / name).stat().st_size > 1000


@pytest.mark.slow
def test_an_install_and_home_that_cannot_be_written_still_run(tmp_path):
    """numba's cache falls back to the temporary folder with one warning line (it raised
    'no locator available' in every command). Simulated as root can: the package's __pycache__
    folders and HOME are regular files, so nothing can be created under them."""
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    import mcgen

    copy = tmp_path / "site" / "mcgen"
    shutil.copytree(Path(mcgen.__file__).parent, copy, ignore=shutil.ignore_patterns("__pycache__"))
    for folder in [copy, *[p for p in copy.rglob("*") if p.is_dir()]]:
        (folder / "__pycache__").write_text("not a folder")
    home = tmp_path / "home"
    home.write_text("not a folder")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"} | {
        "HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"), "PYTHONPATH": str(copy.parent), "TMPDIR": str(tmp_path / "tmp")}
    (tmp_path / "tmp").mkdir()
    run = subprocess.run([sys.executable, "-c", "import sys, mcgen.cli; sys.exit(mcgen.cli.main(sys.argv[1:]))", "info", "--card",
                          str(CARDS / "lep1_opal.toml"), "--mass", "10", "--dgamma", "1e-6", "--scenario", "I", "--flavor", "mu", "--json"],
                         env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600)  # (not the checkout's mcgen)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stderr.count("numba's cache is in") == 1 and run.stderr.count("\n") == 1, run.stderr
    assert any((tmp_path / "tmp").rglob("*.nbi"))  # the cache is there
