"""The detector and the selection are one implementation each: the signal kernel, the SM background
and columns read back give the same reconstructed photons and the same flags."""

from __future__ import annotations

import numpy as np
import pytest

import mcgen
from mcgen.mc.background import photon_selection, toy_detector
from mcgen.mc.kernel import CHUNK, DRAWS, B
from mcgen.mc.rng import normal_pairs, uniforms
from mcgen.selection.cuts import CUTS, kernel_params, select, select_columns

RECO = ("gamma_reco_E", "gamma_reco_px", "gamma_reco_py", "gamma_reco_pz", "gamma_reco_cos_theta", "gamma_reco_pt")


class _Replay:
    """Stands in for numpy's Generator: hands out given normals and uniforms in the order asked."""

    def __init__(self, normals: list[np.ndarray], uniform: np.ndarray) -> None:
        self.normals, self.uniform = list(normals), uniform

    def standard_normal(self, n: int) -> np.ndarray:
        out = self.normals.pop(0)
        assert out.size == n
        return out

    def random(self, n: int) -> np.ndarray:
        assert self.uniform.size == n
        return self.uniform


def _kernel_draws(seed: int, n: int) -> dict[str, np.ndarray]:
    """The per-event uniforms of the first n events (one chunk) of a weighted run, rebuilt from the
    streams: in weighted mode every block takes B + 8 cos(theta) candidates, then len(DRAWS) rows
    of B uniforms (mcgen.mc.kernel.generate_chunks)."""
    key = int(np.random.SeedSequence(seed).generate_state(1, dtype=np.uint64)[0])
    per_block = (B + 8) + len(DRAWS) * B
    rows = {name: [] for name in DRAWS}
    for block in range(n // B):
        u = uniforms(key, block * per_block + B + 8, len(DRAWS) * B)
        for r, name in enumerate(DRAWS):
            rows[name].append(u[r * B:(r + 1) * B])
    return {name: np.concatenate(parts) for name, parts in rows.items()}


@pytest.mark.parametrize("card_name, mass, d_gamma", [("cepc_z", 10.0, 3e-9), ("lep2_delphi", 60.0, 1e-5)])
def test_signal_and_background_detector_make_identical_photons(card_name, mass, d_gamma):
    """Displaced (cepc_z, median vertex radius > 0.3 m) and prompt (DELPHI sphere) signal photons,
    fed through the background's toy detector with the kernel's own normals and uniforms, come out
    bit for bit as the kernel measured them."""
    n = CHUNK // 4
    card = mcgen.load_card(card_name, ("beam.energy_spread=0",))  # the detector at the nominal energies
    model = mcgen.make_model(mass, "e", card.electroweak, d_gamma=d_gamma, scenario="I")
    cols = mcgen.generate(card, model, n, seed=11, weighted=True).columns
    draws = _kernel_draws(11, n)
    g1, g2 = normal_pairs(draws["u_normal_1"], draws["u_normal_2"])
    photons = np.stack([cols[f"gamma_{c}"] for c in ("E", "px", "py", "pz")], axis=1)
    vertex = (cols["vtx_x"], cols["vtx_y"], cols["vtx_z"])
    reco = toy_detector(card, photons, _Replay([g1, g2], draws["u_eff"]), vertex=vertex)
    inside = cols["inside"]
    assert inside.sum() > n / 4 and cols["reconstructed"].sum() > n / 5
    assert np.array_equal(reco["reconstructed"] & inside, cols["reconstructed"])
    for name in RECO:
        assert np.array_equal(reco[name][inside], cols[name][inside]), name
    if card_name == "cepc_z":
        assert np.median(np.hypot(cols["vtx_x"], cols["vtx_y"])) > 0.3


@pytest.mark.parametrize("card_name", ["lep2_delphi", "cepc_h", "lep1_l3_zgamma"])
def test_selection_on_columns_gives_the_kernel_flags(card_name):
    """The selection applied to the stored columns (true photon, then the reconstructed one) gives
    the flags the kernel set: the same numba function on both paths."""
    card = mcgen.load_card(card_name)
    model = mcgen.make_model(min(50.0, card.sqrt_s / 3), "mu", card.electroweak, d_gamma=1e-5, scenario="II")
    cols = mcgen.generate(card, model, 40_000, seed=5).columns
    p = kernel_params(card.selection, card.sqrt_s, card.electroweak)
    truth = select_columns(p, cols, "gamma")
    assert np.array_equal(truth["pass_all"], cols["truth_pass"])
    reco = select_columns(p, cols, "gamma_reco")
    for cut in (*CUTS, "all"):
        assert np.array_equal(reco[f"pass_{cut}"], cols[f"pass_{cut}"]), cut
    assert 0 < cols["pass_all"].sum() < len(cols["pass_all"])
    photons = np.stack([cols[f"gamma_{c}"] for c in ("E", "px", "py", "pz")], axis=1)
    assert np.array_equal(photon_selection(card, photons), cols["truth_pass"])  # the background's entry point


def test_selection_cuts_by_hand():
    """Each cut against its definition (docs/physics/selections.md), on photons placed around the edges."""
    card = mcgen.load_card("cepc_h", overrides=("selection.bhabha_cos_theta_b=0.99",))
    sel, rs, ew = card.selection, card.sqrt_s, card.electroweak
    rng = np.random.default_rng(3)
    e = rng.uniform(0, rs / 2, 20_000)
    c = rng.uniform(-1, 1, 20_000)
    s = np.sqrt(1 - c * c)
    flags = select(kernel_params(sel, rs, ew), e, c)
    e_z = (rs**2 - ew.m_Z**2) / (2 * rs)
    window = sel.z_return_veto_widths * ew.m_Z * ew.Gamma_Z / rs
    sin_b = np.sqrt(1 - 0.99**2)
    expected = {
        "energy": np.ones(e.size, bool) if sel.e_min is None else e > sel.e_min,
        "angle": np.abs(c) < sel.abs_cos_max,
        "pt": e * s > sel.pt_min,
        "zveto": np.abs(e - e_z) >= window,
        "bhabha": e * (sin_b + s) > rs * sin_b,
    }
    for cut, want in expected.items():
        assert np.array_equal(flags[f"pass_{cut}"], want), cut
        assert 0 < want.sum() < want.size, cut  # the edge is inside the sample
    assert np.array_equal(flags["pass_all"], np.logical_and.reduce(list(expected.values())))


def test_kernel_caches_follow_every_kernel_source(tmp_path):
    """The kernel's numba cache is stamped with all the sources it inlines, so that an edit of the
    detector (another file) recompiles it instead of loading a stale kernel."""
    from mcgen import _numba_cache
    from mcgen.mc.kernel import generate_chunks

    locator = generate_chunks._cache._impl.locator
    assert getattr(locator, "_mcgen", False), type(locator)
    stamp = locator.get_source_stamp()
    assert stamp[1] == _numba_cache.kernel_sources_stamp()
    files = [tmp_path / "a.py", tmp_path / "b.py"]
    for f in files:
        f.write_text("x = 1\n")
    before = _numba_cache.kernel_sources_stamp(files)
    files[1].write_text("x = 2\n")  # same size, other content
    assert _numba_cache.kernel_sources_stamp(files) != before
    sources = {p.relative_to(_numba_cache.PACKAGE).as_posix() for p in _numba_cache._source_files()}
    assert {"detector/toy.py", "selection/cuts.py", "mc/production.py", "simd.py", "physics/amplitudes.py"} <= sources
