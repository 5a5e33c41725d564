"""Plot style: nothing drawn outside the figure, "expected" on expected limits, TeX flavour labels,
hatched (not translucent) excluded regions and the CLs +-1/+-2 sigma bands. Synthetic limit results:
no Monte Carlo except figures 1 and 5 (quick)."""

from __future__ import annotations

import pytest

pytest.importorskip("mplhep")

from matplotlib.collections import PolyCollection  # noqa: E402  (after the importorskip)
from matplotlib.colors import to_hex  # noqa: E402

from mcgen.config.options import PhysicsOptions  # noqa: E402
from mcgen.plots import figures  # noqa: E402
from mcgen.plots.figures import drawing  # noqa: E402
from mcgen.plots.limits import BAND_COLOURS, limits_figure, pyplot  # noqa: E402

MASSES = [0.01, 1.0, 50.0]


def _card(criterion: str, scale: float, bands: bool) -> dict:
    d95 = [4e-4 * scale, 4e-5 * scale, 2e-5 * scale]
    details = [{"criterion": criterion, "expected_band_1sigma": [0.9 * d, 1.1 * d], "expected_band_2sigma": [0.8 * d, 1.2 * d]}
               if bands else {} for d in d95]
    return {"d_gamma_95": d95, "excluded": [[[d, None]] for d in d95], "criterion": criterion, "details": details}


def _result(by_card: dict, flavour: str = "mu") -> dict:
    return {"masses": MASSES, "by_card": by_card, "structure": {"scenario": "II", "a": None, "flavor": flavour}}


def _assert_inside(fig) -> None:
    """Every axes with its tick labels, axis labels and title, the legends and the suptitle lie in the figure."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    box = fig.bbox.padded(1.0)  # one pixel of rounding
    texts = [fig._suptitle] + [leg for leg in fig.legends]
    for ax in fig.axes:
        assert box.contains(*ax.get_tightbbox(renderer).min) and box.contains(*ax.get_tightbbox(renderer).max)
        texts += [ax.xaxis.label, ax.yaxis.label, ax.title, ax.get_legend()]
    for artist in texts:
        if artist is not None and artist.get_visible() and getattr(artist, "get_text", lambda: "x")():
            extent = artist.get_window_extent(renderer)
            assert box.contains(*extent.min) and box.contains(*extent.max), artist


def test_limit_plot_of_cepc_cls_is_expected_with_bands_inside_the_figure():
    plt = pyplot()
    fig = limits_figure(_result({"cepc_z": _card("cls", 0.1, True), "cepc_h": _card("cls", 1.0, True)}))
    try:
        ax = fig.axes[0]
        title = ax.get_title()
        assert title.startswith("expected 95% CL") and r"$d_{\mu}$" in title and "d_mu" not in title
        _assert_inside(fig)
        fills = [c for c in ax.collections if isinstance(c, PolyCollection)]
        faces = [[to_hex(f, keep_alpha=True) for f in c.get_facecolor()] for c in fills]  # facecolor "none": []
        band_faces = {to_hex(x, keep_alpha=True) for x in BAND_COLOURS.values()}
        assert sum(bool(f) and f[0] in band_faces for f in faces) == 4  # +-1 and +-2 sigma for each card
        hatched = [c for c, f in zip(fills, faces) if not f]
        assert len(hatched) == 2 and all(c.get_hatch() for c in hatched)  # no translucent fills to mix into brown
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert r"expected $\pm1\sigma$" in labels and r"expected $\pm2\sigma$" in labels
    finally:
        plt.close(fig)


@pytest.mark.parametrize("flavour, tex", [("e", "$d_{e}$"), ("tau", r"$d_{\tau}$")])
def test_limit_plot_of_opal_is_not_expected(flavour, tex):
    plt = pyplot()
    fig = limits_figure(_result({"lep1_opal": _card("sigma_upper", 1.0, False)}, flavour))
    try:
        title = fig.axes[0].get_title()
        assert "expected" not in title and title.startswith("95% CL excluded") and tex in title
        _assert_inside(fig)
    finally:
        plt.close(fig)


def test_mixed_cards_mark_the_expected_one():
    plt = pyplot()
    fig = limits_figure(_result({"lep1_opal": _card("sigma_upper", 1.0, False), "cepc_z": _card("s2b", 0.1, False)}))
    try:
        labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert labels == ["lep1_opal", "cepc_z (expected)"] and "expected" in fig.axes[0].get_title()
    finally:
        plt.close(fig)


@pytest.mark.parametrize("number", [1, 5])
def test_reproduced_figures_keep_their_labels_inside(monkeypatch, tmp_path, number):
    checked = []

    def check(fig, out_dir, name, curves, force):
        _assert_inside(fig)
        checked.append(name)
        return []

    monkeypatch.setattr(drawing, "write_figure", check)
    figures.FIGURES[number](figures.FigureRun(tmp_path, 2000, 1, PhysicsOptions(), quick=True))
    assert checked == [f"figure{number}"]
