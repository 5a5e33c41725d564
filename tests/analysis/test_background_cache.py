"""One SM background run per card content, selection, statistics and seed: reused in memory
within a process and, with --cache DIR, across runs."""

from __future__ import annotations

import json

import numpy as np
import pytest
from helpers import run_cli

from mcgen.analysis import background
from mcgen.analysis.limits import visible_background
from mcgen.config.cards import load_card

N = 3000


@pytest.fixture(autouse=True)
def empty_memory(monkeypatch):
    monkeypatch.setattr(background, "_MEMORY", {})


def test_the_same_background_is_computed_once_and_read_back_exactly(tmp_path):
    card = load_card("cepc_h")
    with background.cache_dir(tmp_path):
        first, info = visible_background(card, N, 7)
        again, info_again = visible_background(card, N, 7)
    assert info["from"] == "computed" and info_again["from"] == "memory" and again == first
    files = list(tmp_path.glob("background-*.json"))
    assert [f.name for f in files] == [f"background-{info['key']}.json"]
    background._MEMORY.clear()
    with background.cache_dir(tmp_path):
        from_disk, info_disk = visible_background(card, N, 7)
    assert info_disk["from"] == "disk" and from_disk == first  # the same float, to the last bit
    background._MEMORY.clear()
    fresh, _ = visible_background(card, N, 7)  # no cache folder: computed again, and equal
    assert fresh == first


def test_the_key_follows_what_the_background_depends_on():
    card = load_card("cepc_h")
    key = background.cache_key(card, N, 7, "sigma")[0]
    assert background.cache_key(card, N, 8, "sigma")[0] != key
    assert background.cache_key(card, N + 1, 7, "sigma")[0] != key
    assert background.cache_key(load_card("cepc_h", ("selection.pt_min=90",)), N, 7, "sigma")[0] != key
    assert background.cache_key(load_card("cepc_h", ("limit.s2b_95=3",)), N, 7, "sigma")[0] == key  # not an input
    cls = load_card("cepc_h", ("limit.criterion='cls'",))
    spectrum, info = visible_background(cls, N, 7)
    assert isinstance(spectrum, np.ndarray) and info["from"] == "computed"


def test_a_damaged_cache_file_is_recomputed(tmp_path):
    card = load_card("cepc_h")
    key = background.cache_key(card, N, 7, "sigma")[0]
    (tmp_path / f"background-{key}.json").write_text("{not json")
    with background.cache_dir(tmp_path):
        value, info = visible_background(card, N, 7)
    assert info["from"] == "computed" and value > 0
    assert json.loads((tmp_path / f"background-{key}.json").read_text())["result"] > 0


def test_limits_record_the_background_source_and_reuse_it_across_runs(capsys, tmp_path):
    argv = ["limits", "--card", "cepc_h", "--masses", "10,50", "--scenario", "I", "--flavor", "mu", "-n", "2000",
            "--background-events", str(N), "--cache", str(tmp_path / "cache"), "--json"]
    code, out, err = run_cli(capsys, argv)
    assert code == 0, err
    first = json.loads(out)
    assert first["by_card"]["cepc_h"]["background_source"]["from"] == "computed"
    background._MEMORY.clear()
    code, out, err = run_cli(capsys, argv)
    second = json.loads(out)
    assert second["by_card"]["cepc_h"]["background_source"]["from"] == "disk"
    assert second["d_gamma_95"] == first["d_gamma_95"]


def test_an_unusable_cache_folder_is_one_line(capsys, tmp_path):
    (tmp_path / "file").write_text("")
    code, _, err = run_cli(capsys, ["limits", "--card", "cepc_h", "--masses", "10", "--scenario", "I", "--flavor", "mu",
                                    "--cache", str(tmp_path / "file" / "sub")])
    assert code == 2 and "--cache" in err and len(err.strip().splitlines()) == 1


def test_backgrounds_prefetched_on_workers_are_the_ones_computed_here(tmp_path):
    """prefetch_backgrounds computes every process's background of several cards in two worker processes
    and keeps them in this process's cache (and folder): visible_background then reads them, the same
    numbers to the last bit as computed here; what is cached already is not submitted again."""
    import concurrent.futures
    import multiprocessing

    from mcgen.analysis.limits import prefetch_backgrounds

    cards = [load_card("cepc_h"), load_card("belle2")]  # belle2: nu nubar gamma and gamma gamma (gamma)
    here = [visible_background(c, N, 7)[0] for c in cards]
    background._MEMORY.clear()
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("spawn")) as pool, \
            background.cache_dir(tmp_path):
        prefetch_backgrounds(((c, N, 7) for c in cards), pool)
        assert len(list(tmp_path.glob("background-*.json"))) == 3  # cepc_h's and belle2's two processes
        fetched = [visible_background(c, N, 7) for c in cards]
    assert [info["from"] for _, info in fetched] == ["memory", "memory"]
    assert [value for value, _ in fetched] == here

    class Refuses:
        def submit(self, *args, **kwargs):
            raise AssertionError("a cached background was submitted again")

    prefetch_backgrounds(((c, N, 7) for c in cards), Refuses())
    prefetch_backgrounds(((c, N, 7) for c in cards), None)  # no pool: nothing to do
