"""Histograms of the main distributions (hist), filled batch by batch from generated columns."""

from __future__ import annotations

import numpy as np
from hist import Hist

__all__ = ["book_histograms", "fill_histograms"]


def book_histograms(sqrt_s: float, decay_radius_m: float) -> dict[str, Hist]:
    """Weighted histograms (sum of weight_pb / N = pb per bin) of the main distributions."""
    e_max = 0.5 * sqrt_s * 1.05
    reg = Hist.new.Reg
    return {
        "h_gamma_E": reg(100, 0, e_max, name="E", label="true photon energy [GeV]").Weight(),
        "h_gamma_cos_theta": reg(100, -1, 1, name="cos_theta", label="true photon cos(theta)").Weight(),
        "h_gamma_pt": reg(100, 0, e_max, name="pt", label="true photon pT [GeV]").Weight(),
        "h_gamma_cos_star": reg(50, -1, 1, name="cos_star", label="cos(photon, N direction) in the N rest frame").Weight(),
        "h_N_cos_theta": reg(100, -1, 1, name="cos_theta", label="N (or Nbar) cos(theta)").Weight(),
        "h_flight_m": reg(100, 0, 3 * decay_radius_m, name="flight", label="N flight distance [m]").Weight(),
        "h_reco_gamma_E_selected": reg(100, 0, e_max, name="E", label="reconstructed photon energy, selected [GeV]").Weight(),
        "h_reco_gamma_pt_selected": reg(100, 0, e_max, name="pt", label="reconstructed photon pT, selected [GeV]").Weight(),
    }


def fill_histograms(hists: dict[str, Hist], cols: dict[str, np.ndarray], n_total: int) -> None:
    """Fill with weight_pb / n_total, so that each histogram integrates to a cross section in pb."""
    w = cols["weight_pb"] / n_total
    sel = cols["pass_all"]
    hists["h_gamma_E"].fill(cols["gamma_E"], weight=w)
    hists["h_gamma_cos_theta"].fill(cols["gamma_cos_theta"], weight=w)
    hists["h_gamma_pt"].fill(cols["gamma_pt"], weight=w)
    hists["h_gamma_cos_star"].fill(cols["gamma_cos_star"], weight=w)
    hists["h_N_cos_theta"].fill(cols["N_cos_theta"], weight=w)
    hists["h_flight_m"].fill(cols["flight_m"], weight=w)
    hists["h_reco_gamma_E_selected"].fill(cols["gamma_reco_E"][sel], weight=w[sel])
    hists["h_reco_gamma_pt_selected"].fill(cols["gamma_reco_pt"][sel], weight=w[sel])
