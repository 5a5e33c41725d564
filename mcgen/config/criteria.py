"""The limit criteria, in one registry: what each needs from the card and how the rest of mcgen
treats it. The card schema, the limits, the scans, the CLI and the plots read this table; a new
criterion is a record here and its signal in ``mcgen.analysis.limits.signal.signal_function`` (or a
solver of its own, as CLs has).
"""

from __future__ import annotations

import dataclasses

__all__ = ["Criterion", "CRITERIA", "BACKGROUND_CRITERIA", "criterion"]


@dataclasses.dataclass(frozen=True)
class Criterion:
    """One ``[limit] criterion`` of a card.

    ``needs``: the [limit] keys a card with it must give. ``monotonic``: its signal grows with
    d_gamma, so the excluded region is one interval from d_gamma_95 up (else every interval is
    searched for, as for an island). ``background``: it needs the SM nu nubar gamma background.
    ``expected``: a sensitivity on the background-only expectation, not a limit from data (drawn as
    such). ``z_decays``: it counts Z -> N nu decays, so masses at or above M_Z give no limit.
    ``combinable``: several runs (a card's [[runs]], ``mcgen limits --combine``) give one limit
    (mcgen.analysis.limits.combine). ``excludes``: where d_gamma is excluded, in words (the docs);
    ``text``: the one-line statement of the criterion in ``mcgen limits``' text output."""

    name: str
    needs: tuple[str, ...]
    excludes: str
    text: str
    monotonic: bool = True
    background: bool = False
    expected: bool = False
    z_decays: bool = False
    combinable: bool = False


_BACKGROUND_KEYS = ("s2b_95", "background_rel_syst", "spectrum_bins")  # both, so a table can switch at limit time

CRITERIA: dict[str, Criterion] = {c.name: c for c in (
    Criterion("sigma_upper", ("sigma_95_pb",),
              "sigma Br eps_cuts eps_det P(inside) > `sigma_95_pb` (OPAL-like upper limit on a visible cross section)",
              "sigma x Br x eps x P(decay) < the measured 95% CL cross section"),
    Criterion("chi2", ("sigma_sm_pb", "sigma_exp_pb", "delta_pb", "chi2_95"),
              "((sigma_SM + sigma_N - sigma_exp)/delta)^2 > `chi2_95`, sigma_N the visible signal as for `sigma_upper` "
              "(DELPHI-like measured cross section)",
              "chi^2 of the measured cross section = chi2_95"),
    Criterion("z_br_upper", ("br_95",),
              "2 Gamma(Z -> N nu) Br eps_cuts P(inside) / Gamma_Z > `br_95` (L3-like Z -> gamma + invisible)",
              "Br(Z -> gamma + invisible) < the measured 95% CL limit", z_decays=True),
    Criterion("z_inv_width", ("gamma_inv_95_GeV",),
              "2 Gamma(Z -> N nu) P(outside) > `gamma_inv_95_GeV` (a new invisible Z width: N decays outside)",
              "Gamma(Z -> invisible) beyond the SM < the measured 95% CL limit", monotonic=False, z_decays=True),
    Criterion("s2b", _BACKGROUND_KEYS,
              "S^2/B > `s2b_95` with S = L sigma Br eps_cuts eps_det P(inside) and B the SM nu nubar gamma background "
              "after the same cuts times eps_det (expected sensitivity)",
              "expected S^2/B = 2.71", background=True, expected=True, combinable=True),
    Criterion("cls", _BACKGROUND_KEYS,
              "expected 95% CL CLs limit from pyhf on the true-photon energy spectrum in `spectrum_bins` bins, "
              "background-normalisation uncertainty `background_rel_syst` (needs the `limits` extra)",
              "expected CLs = 0.05 (pyhf)", monotonic=False, background=True, expected=True, combinable=True),
)}
"""Every criterion, by name, in the order the docs list them."""

BACKGROUND_CRITERIA: tuple[str, ...] = tuple(name for name, c in CRITERIA.items() if c.background)
"""The criteria with an SM background (S^2/B, CLs): a card with one may switch to another at limit time."""


def criterion(name: str) -> Criterion:
    """The record of a criterion name (the card schema has checked it).

    >>> criterion("z_inv_width").monotonic, criterion("s2b").background, BACKGROUND_CRITERIA
    (False, True, ('s2b', 'cls'))
    """
    return CRITERIA[name]
