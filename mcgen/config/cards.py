"""Run cards: one TOML file per analysis / running mode, validated against a typed schema.

A card has the tables ``[card]`` (name, description, reference), ``[beam]``,
``[electroweak]``, ``[detector]``, ``[selection]`` and ``[limit]``. Every key is
checked where it enters; a bad card raises :class:`~mcgen.errors.CardError` naming the
file, the key and what was expected. ``--set SECTION.KEY=VALUE`` overrides are applied
before validation, so they are checked the same way.
"""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
from pathlib import Path
from typing import Any

from mcgen.config.criteria import CRITERIA
from mcgen.config.schema import parse_table, short_repr
from mcgen.errors import CardError, shown
from mcgen.fields import bands, choice, choices, flag, key_name, number, text
from mcgen.physics.constants import CARD_KEYS as EW_CARD_KEYS
from mcgen.physics.constants import Electroweak
from mcgen.physics.frames import sqrt_s_of_beams

__all__ = ["Card", "CardInfo", "Beam", "Detector", "Selection", "Limit", "load_card", "parse_card", "parse_set", "CARD_NAMES",
           "PAPER_CARDS", "LEP_CARDS", "CEPC_CARDS", "PROGRAMMES", "FLAVOUR_FACTORY_CARDS", "BACKGROUND_PROCESSES"]

BACKGROUND_PROCESSES: tuple[str, ...] = ("nunugamma", "eegamma", "gammagamma")
"""The background processes by name (``mcgen background --process``, ``[limit] backgrounds``); each has its
Monte Carlo in mcgen.analysis.background.PROCESSES."""

CARD_NAMES: tuple[str, ...] = (
    "lep1_opal",
    "lep2_delphi",
    "lep1_l3_zgamma",
    "lep1_zinv",
    "cepc_z",
    "cepc_ww",
    "cepc_h",
    "cepc_tt",
    "fccee_z",
    "fccee_ww",
    "fccee_zh",
    "fccee_tt",
    "ilc250",
    "ilc500",
    "belle2",
    "besiii",
    "stcf",
)
"""The shipped cards: the source paper's eight analyses, then FCC-ee and ILC, then the flavour factories."""
PAPER_CARDS: tuple[str, ...] = CARD_NAMES[:8]
"""The source paper's analyses (arXiv:2301.06050)."""
LEP_CARDS: tuple[str, ...] = PAPER_CARDS[:4]
"""The paper's LEP analyses."""
CEPC_CARDS: tuple[str, ...] = PAPER_CARDS[4:]
"""The paper's CEPC running modes."""
PROGRAMMES: dict[str, tuple[str, ...]] = {
    "CEPC": CEPC_CARDS,
    "FCC-ee": ("fccee_z", "fccee_ww", "fccee_zh", "fccee_tt"),
    "ILC": ("ilc250", "ilc500"),
}
"""The future colliders' programmes: the cards of each (their runs in the cards)."""
FLAVOUR_FACTORY_CARDS: tuple[str, ...] = ("belle2", "besiii", "stcf")
"""The B and tau-charm factories: asymmetric or crossing beams, a few GeV."""

_FRACTION: dict[str, Any] = {"lo": 0, "hi": 1, "lo_open": True}
_LENGTH: dict[str, Any] = {"lo": 0, "hi": 1e4, "lo_open": True, "why": "a detector up to 10 km"}
_RESOLUTION: dict[str, Any] = {"lo": 0, "hi": 1, "hi_open": True, "why": "a resolution below 100%"}
_ENERGY: dict[str, Any] = {"lo": 0, "hi": 1e5, "why": "up to the largest sqrt(s), 100 TeV"}
_X: dict[str, Any] = {"lo": 0, "hi": 2, "why": "x = 2E/sqrt(s) is at most 1 for a photon (2 leaves room for loose windows)"}
MAX_COVERAGE_BANDS = 4
MAX_ESCAPE_BANDS = 4
"""The most polar-angle bands a detector's coverage may have (the toy detector tests each)."""
_XSEC: dict[str, Any] = {"lo": 0, "hi": 1e9, "why": "a cross section up to 1 mb"}


@dataclasses.dataclass(frozen=True, kw_only=True)
class CardInfo:
    """What the card is: its name, a description and where its numbers come from."""

    name: str = text("short name of the card (the file stem)")
    description: str = text("what the card describes")
    reference: str = text("where the numbers come from", default="")
    run: str = text("the run this card is, when mcgen splits a card with [[runs]] into one card per run "
                    "(set by mcgen, recorded in outputs)", default="")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Beam:
    """The beams: energy, luminosity, polarisations, ISR and energy spread (units per key)."""

    sqrt_s: float = number("GeV", "centre-of-mass energy (derived from the beam energies when they are given; if both "
                           "are given they must agree to 1e-6)", lo=1, hi=1e5, default=None,
                           why="e+e- colliders from 1 GeV to 100 TeV")
    electron_energy: float | None = number("GeV", "e- beam energy (with positron_energy: asymmetric beams, e- along +z)",
                                           lo=0, hi=1e5, lo_open=True, default=None, why="a beam of up to 100 TeV")
    positron_energy: float | None = number("GeV", "e+ beam energy", lo=0, hi=1e5, lo_open=True, default=None,
                                           why="a beam of up to 100 TeV")
    crossing_angle_rad: float = number("rad", "full crossing angle of the beams in the horizontal (x-z) plane, the beams "
                                       "symmetric about the z axis (0 = head-on)", lo=0, hi=0.5, default=0.0,
                                       why="crossing angles of colliders are tens of mrad")
    luminosity_invpb: float = number("pb^-1", "integrated luminosity", lo=0, hi=1e10, lo_open=True,
                                     why="up to 10^4 ab^-1")
    polarisation_electron: float = number("", "longitudinal polarisation P- of the e- beam (-1 = left-handed)", lo=-1, hi=1,
                                          default=0.0, why="a polarisation lies in [-1, 1]")
    polarisation_positron: float = number("", "longitudinal polarisation P+ of the e+ beam (-1 = left-handed)", lo=-1, hi=1,
                                          default=0.0, why="a polarisation lies in [-1, 1]")
    isr: bool = flag("initial-state radiation (electron structure functions, mcgen.physics.isr)", default=False)
    energy_spread: float | tuple[float, float] = number(
        "", "relative Gaussian energy spread of each beam (0 = off), or [e-, e+] when the beams' spreads differ",
        lo=0, hi=0.05, default=0.0, why="a spread of at most 5%", pair=True)

    def __post_init__(self) -> None:
        e1, e2 = self.electron_energy, self.positron_energy
        if (e1 is None) != (e2 is None):
            raise CardError("electron_energy and positron_energy: give both beam energies, or neither (then sqrt_s)")
        if e1 is None or e2 is None:
            if self.sqrt_s is None:
                raise CardError("sqrt_s: expected a number >= 1 (GeV), or the two beam energies electron_energy and "
                                "positron_energy")
            return
        derived = sqrt_s_of_beams(e1, e2, self.crossing_angle_rad)
        if not 1.0 <= derived <= 1e5:
            raise CardError(f"electron_energy, positron_energy: sqrt(s) = {derived:.6g} GeV, expected 1 to 1e5 GeV")
        if self.sqrt_s is not None and abs(self.sqrt_s - derived) > 1e-6 * derived:
            raise CardError(f"sqrt_s = {self.sqrt_s} GeV disagrees with the beam energies ({self.electron_energy} on "
                            f"{self.positron_energy} GeV at {self.crossing_angle_rad} rad give {derived:.9g} GeV)")
        object.__setattr__(self, "sqrt_s", derived)

    @property
    def energies(self) -> tuple[float, float]:
        """(E-, E+): the beam energies in the lab (GeV); sqrt(s)/2 each (over cos of half the
        crossing angle) when the card gives sqrt_s alone."""
        if self.electron_energy is not None and self.positron_energy is not None:
            return self.electron_energy, self.positron_energy
        e = self.sqrt_s / (2.0 * math.cos(0.5 * self.crossing_angle_rad))
        return e, e

    @property
    def boosted(self) -> bool:
        """Whether the centre-of-mass frame moves in the lab: unequal beam energies or a crossing angle."""
        e1, e2 = self.energies
        return self.crossing_angle_rad != 0.0 or e1 != e2

    @property
    def beam_effects(self) -> bool:
        """Whether events are made at their own sqrt(s_hat) (ISR or an energy spread), not at sqrt(s)."""
        return self.isr or max(self.spreads) > 0.0

    @property
    def spreads(self) -> tuple[float, float]:
        """(sigma-, sigma+): the relative energy spreads of the e- and e+ beams."""
        s = self.energy_spread
        return (s, s) if isinstance(s, float) else s

    @property
    def polarisation(self) -> tuple[float, float]:
        """(P-, P+)."""
        return self.polarisation_electron, self.polarisation_positron


@dataclasses.dataclass(frozen=True, kw_only=True)
class Detector:
    """The toy detector: the decay volume N must decay in (or outside of), the photon energy and
    angle resolutions, the photon efficiency and the calorimeter coverage."""

    decay_volume: str = choice(("sphere", "cylinder"), "shape of the volume N must decay in (or outside of)")
    decay_radius_m: float = number("m", "radius l_D of the decay volume", **_LENGTH)
    decay_half_length_m: float | None = number("m", "half-length of a cylindrical decay volume (its end cap at +z, the e- "
                                               "beam's side)", **_LENGTH, default=None)
    decay_half_length_backward_m: float | None = number(
        "m", "distance of a cylindrical decay volume's end cap at -z (the e+ beam's side) when it differs from "
        "decay_half_length_m, as at an asymmetric collider", **_LENGTH, default=None)
    photon_efficiency: float = number("", "photon detection efficiency eps_det", **_FRACTION)
    energy_stochastic: float = number("sqrt(GeV)", "ECAL stochastic term a in a/sqrt(E)", **_RESOLUTION, default=0.0)
    energy_constant: float = number("", "ECAL constant term b (added in quadrature)", **_RESOLUTION, default=0.0)
    angle_resolution_rad: float = number("rad", "photon polar-angle resolution", lo=0, hi=0.5, default=0.0,
                                         why="a resolution below 0.5 rad")
    abs_cos_coverage: float = number("", "calorimeter coverage |cos theta| <", **_FRACTION, default=1.0)
    coverage_theta_deg: tuple[tuple[float, float], ...] | None = bands(
        "deg", "calorimeter coverage as polar-angle bands in the lab, e.g. forward endcap, barrel and backward endcap with "
        "the gaps between them (in place of abs_cos_coverage)", lo=0, hi=180, most=MAX_COVERAGE_BANDS, default=None)
    veto_abs_cos_max: float | None = number(
        "", "reach of the vetoes (forward calorimeters): a particle outside the calorimeter coverage is seen up to this "
        "|cos theta| and lost beyond it (default: no vetoes, a particle outside the coverage is lost)", lo=0, hi=1,
        lo_open=True, default=None)
    veto_energy_min: float = number("GeV", "energy below which a particle is not seen by the calorimeter or the vetoes",
                                    lo=0, hi=1e4, default=0.0, why="a threshold up to 10 TeV")

    def __post_init__(self) -> None:
        if self.veto_abs_cos_max is not None and self.veto_abs_cos_max < self.abs_cos_reach - 1e-12:
            raise CardError(f"veto_abs_cos_max = {self.veto_abs_cos_max}: the vetoes must reach at least as far as the "
                            f"calorimeter coverage (|cos theta| = {self.abs_cos_reach:.6g})")
        if self.coverage_theta_deg is not None and self.abs_cos_coverage != 1.0:
            raise CardError("coverage_theta_deg: give the coverage as abs_cos_coverage or as bands, not both")
        if self.decay_volume == "cylinder" and self.decay_half_length_m is None:
            raise CardError("decay_half_length_m: expected a number > 0 (m) for decay_volume = 'cylinder'")
        if self.decay_volume == "sphere" and self.decay_half_length_m is not None:
            raise CardError("decay_half_length_m: only for decay_volume = 'cylinder'")
        if self.decay_half_length_backward_m is not None and self.decay_half_length_m is None:
            raise CardError("decay_half_length_backward_m: only for decay_volume = 'cylinder', with decay_half_length_m")


    @property
    def coverage_cos_bands(self) -> tuple[tuple[float, float], ...]:
        """The coverage as cos(theta) intervals (low, high), increasing: the bands, or abs(cos theta) < abs_cos_coverage."""
        if self.coverage_theta_deg is None:
            return ((-self.abs_cos_coverage, self.abs_cos_coverage),)
        return tuple(sorted((math.cos(math.radians(hi)), math.cos(math.radians(lo))) for lo, hi in self.coverage_theta_deg))

    @property
    def abs_cos_reach(self) -> float:
        """The largest absolute cos(theta) the coverage reaches."""
        bands = self.coverage_cos_bands
        return max(abs(bands[0][0]), abs(bands[-1][1]))


@dataclasses.dataclass(frozen=True, kw_only=True)
class Selection:
    """Photon selection; a key left out means no such cut."""

    e_min: float | None = number("GeV", "photon energy >", **_ENERGY, default=None)
    e_max: float | None = number("GeV", "photon energy <", **_ENERGY, default=None)
    x_min: float | None = number("", "x = 2E/sqrt(s) >", **_X, default=None)
    x_max: float | None = number("", "x = 2E/sqrt(s) <", **_X, default=None)
    abs_cos_max: float | None = number("", "|cos theta| <", lo=0, hi=1, lo_open=True, default=None)
    theta_min_deg: float | None = number("deg", "polar angle >", lo=0, hi=180, default=None)
    theta_max_deg: float | None = number("deg", "polar angle <", lo=0, hi=180, default=None)
    pt_min: float | None = number("GeV", "photon transverse momentum >", **_ENERGY, default=None)
    z_return_veto_widths: float = number("", "n in the veto E_Z +- n Gamma_Z^gamma (0 = off)", lo=0, hi=1000, default=0.0)
    bhabha_cos_theta_b: float = number("", "cos(theta_b) of the radiative-Bhabha cut (0 = off)", lo=0, hi=1, hi_open=True, default=0.0)
    escape_theta_deg: tuple[tuple[float, float], ...] | None = bands(
        "deg", "the radiative-Bhabha cut for any coverage and boost: the polar-angle bands (lab) through which particles "
        "escape unseen; the photon must carry more energy (lab) than particles escaping there can balance (in place "
        "of bhabha_cos_theta_b)", lo=0, hi=180, most=MAX_ESCAPE_BANDS, default=None)
    escape_margin_sigma: float = number(
        "", "the escape cut's margin: the photon must exceed the bound by this many standard deviations of the energy "
        "there (the detector's resolution and the beams' energy spread), since two-body events lie on the bound",
        lo=0, hi=20, default=0.0, why="up to 20 standard deviations")
    frame: str = choice(("lab", "cm"), "the frame of every cut above: the lab, or the centre-of-mass frame of the nominal "
                        "beams (the same for head-on beams of equal energies); the detector's coverage is the lab's",
                        default="lab")

    def __post_init__(self) -> None:
        if self.escape_theta_deg is not None and self.bhabha_cos_theta_b > 0:
            raise CardError("escape_theta_deg: give the radiative-Bhabha cut as bhabha_cos_theta_b or as escape bands, not both")
        if self.escape_margin_sigma > 0 and self.escape_theta_deg is None:
            raise CardError("escape_margin_sigma: a margin of the escape cut needs its bands, escape_theta_deg")
        for lo, hi in (("e_min", "e_max"), ("x_min", "x_max"), ("theta_min_deg", "theta_max_deg")):
            a, b = getattr(self, lo), getattr(self, hi)
            if a is not None and b is not None and a >= b:
                raise CardError(f"{lo} = {a:g} must be below {hi} = {b:g}")


@dataclasses.dataclass(frozen=True, kw_only=True)
class Limit:
    """The limit criterion and its inputs; which keys are needed depends on the criterion.

    - sigma_upper: sigma x Br x eps x P(decay) < sigma_95_pb
    - chi2: ((sigma_sm + sigma_N - sigma_exp)/delta)^2 < chi2_95
    - z_br_upper: 2 Gamma(Z -> N nu) Br eps P(decay) / Gamma_Z < br_95
    - z_inv_width: 2 Gamma(Z -> N nu) P(decay) < gamma_inv_95_GeV
    - s2b / cls: S^2/B = s2b_95 (no systematics), or a pyhf CLs limit with background and signal systematics
    """

    criterion: str = choice(CRITERIA, "the limit criterion (mcgen.config.criteria)")
    decay: str = choice(("inside", "outside"), "where N must decay for the signal")
    sigma_95_pb: float | None = number("pb", "95% CL upper limit on the signal cross section", **_XSEC, lo_open=True, default=None)
    sigma_sm_pb: float | None = number("pb", "Standard-Model expectation", **_XSEC, default=None)
    sigma_exp_pb: float | None = number("pb", "measured cross section", **_XSEC, default=None)
    delta_pb: float | None = number("pb", "total uncertainty of the measurement", **_XSEC, lo_open=True, default=None)
    chi2_95: float | None = number("", "chi^2 value of the 95% CL", lo=0, hi=100, lo_open=True, default=None)
    br_95: float | None = number("", "95% CL upper limit on the branching ratio", **_FRACTION, default=None)
    gamma_inv_95_GeV: float | None = number("GeV", "95% CL upper limit on a new invisible Z width", lo=0, hi=10, lo_open=True,
                                            default=None, why="below a few Z widths")
    s2b_95: float | None = number("", "S^2/B at the 95% CL", lo=0, hi=100, lo_open=True, default=None)
    background_rel_syst: float | None = number("", "relative background-normalisation uncertainty (CLs)", lo=0, hi=1,
                                               default=None)
    spectrum_bins: float | None = number("", "bins of the photon spectrum (CLs)", lo=1, hi=1000, default=None)
    signal_rel_syst: float = number("", "relative signal-normalisation uncertainty (CLs): luminosity and photon efficiency, "
                                    "one nuisance parameter for all runs and bins; 0 = none", lo=0, hi=1, default=0.0)
    backgrounds: tuple[str, ...] = choices(
        BACKGROUND_PROCESSES, "the background processes the S^2/B and CLs limits add up (mcgen background --process): the SM "
        "nu nubar gamma, and the reducible ones after the toy detector", default=("nunugamma",))

    def value(self, key: str) -> float:
        """An input of the criterion, which the card must give (checked when the card is read)."""
        value = getattr(self, key)
        if value is None:
            raise CardError(f"[limit] {key}: needed by criterion = {self.criterion!r}")
        return float(value)

    def __post_init__(self) -> None:
        for key in CRITERIA[self.criterion].needs:
            if getattr(self, key) is None:
                raise CardError(f"{key}: needed by criterion = {self.criterion!r}")
        if self.spectrum_bins is not None and self.spectrum_bins != math.floor(self.spectrum_bins):
            raise CardError(f"spectrum_bins: expected a whole number, got {self.spectrum_bins:g}")


_TABLES: dict[str, type] = {
    "card": CardInfo,
    "beam": Beam,
    "electroweak": Electroweak,
    "detector": Detector,
    "selection": Selection,
    "limit": Limit,
}


@dataclasses.dataclass(frozen=True)
class Card:
    """A validated card. ``raw`` is the merged TOML content (after --set), as recorded in outputs."""

    path: str
    info: CardInfo
    beam: Beam
    electroweak: Electroweak
    detector: Detector
    selection: Selection
    limit: Limit
    raw: dict[str, Any]
    runs: tuple[Card, ...] = ()

    @property
    def name(self) -> str:
        """The card's name (its file stem), and for one run of a card with [[runs]] ``name:run``."""
        return f"{self.info.name}:{self.info.run}" if self.info.run else self.info.name

    def run_cards(self) -> tuple[Card, ...]:
        """One card per run: the card's [[runs]], or the card itself when it has none."""
        return self.runs or (self,)

    def run_card(self, run: str | None) -> Card:
        """The card of one run (by name); ``None`` is the card itself when it has one run only."""
        if run is None:
            if self.runs:
                raise CardError(f"card {self.name} has runs {', '.join(r.info.run for r in self.runs)}: give --run NAME "
                                "(in Python: card.run_card(NAME))")
            return self
        names = [r.info.run for r in self.runs]
        if run not in names:
            raise CardError(f"card {self.name}: no run {shown(repr(run))}" +
                            (f" (its runs: {', '.join(names)})" if names else " (it has no [[runs]])"))
        return self.runs[names.index(run)]

    @property
    def sqrt_s(self) -> float:
        """The nominal centre-of-mass energy (GeV)."""
        return self.beam.sqrt_s


def parse_set(assignment: str) -> tuple[str, str, Any]:
    """Split ``SECTION.KEY=VALUE``; VALUE is read as a TOML value, else kept as a string.

    >>> parse_set("beam.sqrt_s=250")
    ('beam', 'sqrt_s', 250)
    >>> parse_set("detector.decay_volume=cylinder")
    ('detector', 'decay_volume', 'cylinder')
    """
    target, sep, value = assignment.partition("=")
    section, dot, key = target.strip().partition(".")
    if not sep or not dot or not section or not key or "." in key:
        raise CardError(f"--set {shown(assignment)}: expected SECTION.KEY=VALUE, e.g. beam.sqrt_s=250")
    try:
        parsed = tomllib.loads(f"v = {value.strip()}")["v"]
    except tomllib.TOMLDecodeError:
        parsed = value.strip()
    except RecursionError:
        raise CardError(f"--set {shown(assignment)}: the value is nested too deep") from None
    return section, key, parsed


def parse_card(content: dict[str, Any], where: str, overrides: tuple[str, ...] = ()) -> Card:
    """Validate card content (a parsed TOML document) with optional --set overrides."""
    merged = {k: dict(v) if isinstance(v, dict) else v for k, v in content.items()}
    for assignment in overrides:
        section, key, value = parse_set(assignment)
        if section not in _TABLES:
            raise CardError(f"--set {shown(assignment)}: unknown table [{key_name(section)}] (tables: {', '.join(_TABLES)})")
        merged.setdefault(section, {})[key] = value
    if overrides:
        _beam_energies_replace_sqrt_s(merged, {(section, key) for section, key, _ in map(parse_set, overrides)})
        where = f"{where} (with --set {' '.join(shown(o) for o in overrides)})"
    unknown = sorted(set(merged) - set(_TABLES) - {"runs"})
    if unknown:
        raise CardError(f"{where}: unknown table [{key_name(unknown[0])}] (tables: {', '.join(_TABLES)}, [[runs]])")
    if "runs" in merged:
        return _card_with_runs(merged, where, overrides)
    tables = {}
    for name, cls in _TABLES.items():
        if name not in merged:
            raise CardError(f"{where}: missing table [{name}]")
        tables[name] = parse_table(cls, merged[name], where, name, require=EW_CARD_KEYS if cls is Electroweak else ())
    return Card(path=where, info=tables["card"], beam=tables["beam"], electroweak=tables["electroweak"],
                detector=tables["detector"], selection=tables["selection"], limit=tables["limit"], raw=merged)


_ENERGY_KEYS = {("beam", "electron_energy"), ("beam", "positron_energy")}


def _beam_energies_replace_sqrt_s(merged: dict[str, Any], changed: set[tuple[str, str]]) -> None:
    """Beam energies set over a card (``--set``, a run) without sqrt_s replace the card's sqrt_s,
    which they determine."""
    if changed & _ENERGY_KEYS and ("beam", "sqrt_s") not in changed and isinstance(merged.get("beam"), dict):
        merged["beam"].pop("sqrt_s", None)


MAX_RUNS = 100
_RUN_NAME = re.compile(r"[A-Za-z0-9_.+-]{1,40}")
_RUN_KEYS = ("name", "note", "selection")


def _card_with_runs(merged: dict[str, Any], where: str, overrides: tuple[str, ...]) -> Card:
    """A card with [[runs]]: one single-run card per run, each with the [beam] keys of its run over
    the card's [beam] (defaults for every run) and the [selection] keys its run overrides, which it
    must explain in its ``note``. A ``--set beam.KEY`` applies to every run."""
    runs = merged["runs"]
    if not isinstance(runs, list) or not runs or not all(isinstance(r, dict) for r in runs):
        raise CardError(f"{where}: [[runs]] must be an array of tables (one per run), got {short_repr(runs)}")
    if len(runs) > MAX_RUNS:
        raise CardError(f"{where}: [[runs]] has {len(runs)} runs, at most {MAX_RUNS}")
    beam_keys = [f.name for f in dataclasses.fields(Beam)]
    forced = {key: merged["beam"][key] for section, key, _ in map(parse_set, overrides) if section == "beam"}
    cards, names = [], []
    for i, run in enumerate(runs):
        name = run.get("name", f"run{i + 1}")
        here = f"{where}: [[runs]] {i + 1}"
        if not isinstance(name, str) or not _RUN_NAME.fullmatch(name):
            raise CardError(f"{here}: name: expected 1-40 letters, digits or _.+-, got {short_repr(name)}")
        if name in names:
            raise CardError(f"{here}: a second run named {name!r}")
        names.append(name)
        unknown = sorted(set(run) - set(beam_keys) - set(_RUN_KEYS))
        if unknown:
            raise CardError(f"{here} ({name}): unknown key {key_name(unknown[0])} (allowed: the [beam] keys, "
                            f"{', '.join(_RUN_KEYS)})")
        selection = run.get("selection", {})
        if not isinstance(selection, dict):
            raise CardError(f"{here} ({name}): selection must be a table of [selection] keys, got {short_repr(selection)}")
        if selection and not str(run.get("note", "")).strip():
            raise CardError(f"{here} ({name}): a run that changes the selection says why in its note")
        content = {k: v for k, v in merged.items() if k != "runs"}
        content["card"] = {**merged.get("card", {}), "run": name}
        content["beam"] = {**merged.get("beam", {}), **{k: v for k, v in run.items() if k in beam_keys}, **forced}
        _beam_energies_replace_sqrt_s(content, {("beam", k) for k in run} | {("beam", k) for k in forced})
        content["selection"] = {**merged.get("selection", {}), **selection}
        cards.append(parse_card(content, f"{where} [[runs]] {name}"))
    first = cards[0]
    info = dataclasses.replace(first.info, run="")
    return dataclasses.replace(first, path=where, info=info, raw=merged, runs=tuple(cards))


def _card_dirs() -> list[Path]:
    package = Path(__file__).resolve().parent.parent
    return [package / "cards", package.parent / "cards"]  # installed wheel, then a source checkout


def resolve_card_path(card: str) -> Path:
    """A card given as a path, or as a shipped card's name (``lep2_delphi``)."""
    path = Path(card)
    try:
        if path.is_file():
            return path
        stem = path.name.removesuffix(".toml")
        if path.parent == Path(".") or path.parent.name == "cards":
            for directory in _card_dirs():
                candidate = directory / f"{stem}.toml"
                if candidate.is_file():
                    return candidate
    except OSError as exc:  # a name too long for the system, ...
        raise CardError(f"card {shown(card)}: {exc.strerror or exc}") from None
    raise CardError(f"card not found: {shown(card)} (a TOML path, or one of: {', '.join(CARD_NAMES)})")


def load_card(card: str | Path, overrides: tuple[str, ...] = ()) -> Card:
    """Read and validate a card file (or a shipped card by name).

    >>> load_card("lep2_delphi").beam.sqrt_s
    205.4
    """
    path = resolve_card_path(str(card))
    try:
        content = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise CardError(f"{path}: not valid TOML: {exc}") from None
    except RecursionError:  # tomllib parses nested arrays and tables recursively
        raise CardError(f"{path}: not valid TOML for a card: arrays or tables nested too deep") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CardError(f"{path}: cannot read the card: {exc}") from None
    return parse_card(content, str(path), tuple(overrides))
