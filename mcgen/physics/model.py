"""The dipole model: couplings, the total width of N, lifetimes and decay probabilities.

Couplings are in GeV^-1. ``d_gamma`` is the overall scale (always > 0); the coupling
structure is a = d_W/d_B in the unbroken phase, or one of the four benchmark scenarios
(the scenarios' table, docs/physics/model.md)::

    d_Z = d_gamma (a c_w - 2 s_w) / (2 c_w + a s_w)
    d_W = sqrt(2) a d_gamma / (2 c_w + a s_w)        (charged-current dipole)

Both diverge at a = -2 cot(theta_w), where d_gamma vanishes for finite (d_W, d_B): that
point is refused with a clear message (give (d_W, d_B) close to it instead).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
from numpy.typing import ArrayLike

from mcgen import fpmath
from mcgen.errors import ModelError, shown
from mcgen.physics.constants import HBARC_GEV_M, LEPTON_MASS, V_HIGGS, Electroweak
from mcgen.physics.threebody import channel_widths
from mcgen.physics.twobody import width_lepton_w, width_nu_gamma, width_nu_z

__all__ = [
    "COUPLING_COLUMNS",
    "reweight_couplings",
    "FLAVOURS",
    "NATURES",
    "MASS_RANGE_GEV",
    "D_GAMMA_RANGE",
    "SCENARIOS",
    "Couplings",
    "Model",
    "Widths",
    "singular_a",
    "scenario_a",
    "structure_from_a",
    "couplings_from_unbroken",
    "couplings_from_wilson",
    "unbroken_from_couplings",
    "make_model",
    "check_nature",
    "width_factor",
    "width_nu_gamma",
    "width_nu_z",
    "width_lepton_w",
    "widths",
    "ctau_m",
    "two_body_momentum",
    "decay_length_m",
    "prob_decay_between",
    "prob_decay_inside",
    "prob_decay_outside",
]

FLAVOURS: tuple[str, ...] = ("e", "mu", "tau")
MASS_RANGE_GEV = (1e-6, 1e5)
"""m_N accepted (1 keV to 100 TeV): far beyond any collider on both sides, and no under/overflow."""
D_GAMMA_RANGE = (1e-30, 10.0)
"""d_gamma accepted (GeV^-1): up to a new-physics scale of 0.1 GeV, down to far below any reach."""
SCENARIOS: tuple[str, ...] = ("I", "II", "III", "IV")
NATURES: tuple[str, ...] = ("dirac", "majorana")
"""What N is: a Dirac fermion (N and Nbar distinct) or a Majorana one (N = N^c: every decay channel
comes with its CP image, so every width doubles; docs/physics/majorana.md)."""


def check_nature(nature: object) -> str:
    """``nature`` if it is one of :data:`NATURES`, else a ModelError naming them."""
    if nature not in NATURES:
        raise ModelError(f"unknown nature {shown(repr(nature))}: expected dirac or majorana")
    return str(nature)


def width_factor(nature: str) -> float:
    """Gamma(nature) / Gamma(Dirac), the same for every channel: 2 for a Majorana N, whose decays to
    nu gamma, nu Z, l- W+ and the three-body channels each come with their CP image (nubar gamma,
    nubar Z, l+ W-, ...) of equal width (CP-conserving couplings)."""
    return 2.0 if check_nature(nature) == "majorana" else 1.0


@dataclasses.dataclass(frozen=True)
class Couplings:
    """Broken-phase dipole couplings in GeV^-1: photon, Z and charged-current (W)."""

    d_gamma: float
    d_Z: float
    d_W: float

    def scaled(self, factor: float) -> Couplings:
        """All three couplings times ``factor`` (the structure is kept)."""
        return Couplings(self.d_gamma * factor, self.d_Z * factor, self.d_W * factor)

    def as_dict(self) -> dict[str, float]:
        return dataclasses.asdict(self)


COUPLING_COLUMNS: tuple[str, ...] = ("w_gg", "w_zz", "w_gz", "w_ww", "w_gw", "w_zw")
"""Names of the reweighting coefficients of an event: its weight for couplings (d_gamma, d_Z, d_W) is
d_gamma^2 w_gg + d_Z^2 w_zz + d_gamma d_Z w_gz + d_W^2 w_ww + d_gamma d_W w_gw + d_Z d_W w_zw."""


def reweight_couplings(coefficients: dict[str, np.ndarray], c: Couplings) -> np.ndarray:
    """Event weights for couplings c from the coefficients of :data:`COUPLING_COLUMNS`."""
    w = coefficients
    return (c.d_gamma * c.d_gamma * w["w_gg"] + c.d_Z * c.d_Z * w["w_zz"] + c.d_gamma * c.d_Z * w["w_gz"]
            + c.d_W * c.d_W * w["w_ww"] + c.d_gamma * c.d_W * w["w_gw"] + c.d_Z * c.d_W * w["w_zw"])


def singular_a(ew: Electroweak) -> float:
    """The coupling ratio a = -2 cot(theta_w) where d_Z and d_W diverge at fixed d_gamma."""
    return -2.0 * ew.c_w / ew.s_w


def scenario_a(scenario: str, ew: Electroweak) -> float:
    """a = d_W/d_B of a benchmark scenario (II is a -> infinity).

    >>> ew = Electroweak()
    >>> [round(scenario_a(s, ew), 4) for s in ("I", "III", "IV")]
    [0.0, 1.0968, -1.0968]
    """
    table = {"I": 0.0, "II": math.inf, "III": 2 * ew.s_w / ew.c_w, "IV": -2 * ew.s_w / ew.c_w}
    if scenario not in table:
        raise ModelError(f"unknown scenario {shown(repr(scenario))}: expected one of I, II, III, IV")
    return table[scenario]


def structure_from_a(a: float, ew: Electroweak) -> Couplings:
    """Couplings for d_gamma = 1 at a given a = d_W/d_B (a = +-inf allowed: scenario II).

    >>> c = structure_from_a(0.0, Electroweak())   # scenario I: d_Z = -tan(theta_w)
    >>> round(c.d_Z, 6), c.d_W
    (-0.548387, 0.0)
    """
    if math.isnan(a):
        raise ModelError("a = d_W/d_B must be a number, got nan")
    if math.isinf(a):
        return Couplings(1.0, ew.c_w / ew.s_w, math.sqrt(2.0) / ew.s_w)
    # divide through by a when |a| > 1 so that huge a neither overflows nor loses digits
    big = abs(a) > 1
    denominator = 2 * ew.c_w / a + ew.s_w if big else 2 * ew.c_w + a * ew.s_w
    scale = 2 * ew.c_w / abs(a) + ew.s_w if big else 2 * ew.c_w + abs(a) * ew.s_w
    if abs(denominator) <= 1e-12 * scale:
        raise ModelError(
            f"a = {a:g} is the singular point a = -2 cot(theta_w) = {singular_a(ew):.6g}, "
            "where d_gamma vanishes for finite (d_W, d_B): give --dw/--db instead"
        )
    if big:
        return Couplings(1.0, (ew.c_w - 2 * ew.s_w / a) / denominator, math.sqrt(2.0) / denominator)
    return Couplings(1.0, (a * ew.c_w - 2 * ew.s_w) / denominator, math.sqrt(2.0) * a / denominator)


def couplings_from_unbroken(d_W: float, d_B: float, ew: Electroweak, v: float = V_HIGGS) -> Couplings:
    """Broken-phase couplings from the unbroken-phase SU(2) and U(1) dipoles (GeV^-2).

    d_gamma = (v/sqrt 2)(d_B c_w + d_W s_w / 2), d_Z = (v/sqrt 2)(d_W c_w / 2 - d_B s_w),
    and the charged-current dipole v d_W / 2.
    """
    for name, x in (("d_W", d_W), ("d_B", d_B)):
        if not math.isfinite(x):
            raise ModelError(f"{name} must be finite, got {x!r}")
    k = v / math.sqrt(2.0)
    d_gamma = k * (d_B * ew.c_w + d_W * ew.s_w / 2)
    if not d_gamma > 0:
        raise ModelError(
            f"(d_W, d_B) = ({d_W:g}, {d_B:g}) give d_gamma = {d_gamma:g}: mcgen needs d_gamma > 0 "
            "(flip the sign of both to flip the overall sign)"
        )
    return Couplings(d_gamma, k * (d_W * ew.c_w / 2 - d_B * ew.s_w), v * d_W / 2)


def couplings_from_wilson(C_W: float, C_B: float, Lambda: float, ew: Electroweak, v: float = V_HIGGS) -> Couplings:
    """Couplings from Wilson coefficients: d_W = C_W/Lambda^2, d_B = C_B/Lambda^2 (Lambda in GeV)."""
    if not (math.isfinite(Lambda) and Lambda > 0):
        raise ModelError(f"Lambda must be a finite number > 0 (GeV), got {Lambda!r}")
    return couplings_from_unbroken(C_W / Lambda**2, C_B / Lambda**2, ew, v)


def unbroken_from_couplings(c: Couplings, ew: Electroweak, v: float = V_HIGGS) -> tuple[float, float]:
    """(d_W, d_B) in GeV^-2 that give the neutral couplings (d_gamma, d_Z); inverse of the map above."""
    k = math.sqrt(2.0) / v
    return 2 * k * (ew.s_w * c.d_gamma + ew.c_w * c.d_Z), k * (ew.c_w * c.d_gamma - ew.s_w * c.d_Z)


@dataclasses.dataclass(frozen=True)
class Model:
    """One HNL hypothesis: mass (GeV), couplings, active flavour, how the structure was given, and
    whether N is a Dirac or a Majorana fermion."""

    mass: float
    couplings: Couplings
    flavour: str
    a: float
    scenario: str | None = None
    nature: str = "dirac"

    @property
    def lepton_mass(self) -> float:
        return LEPTON_MASS[self.flavour]

    def describe(self) -> dict[str, object]:
        """The model as recorded in every output (a = null means a -> infinity)."""
        return {
            "mass_GeV": self.mass,
            "d_gamma": self.couplings.d_gamma,
            "a": self.a if math.isfinite(self.a) else None,
            "scenario": self.scenario,
            "flavor": self.flavour,
            "nature": self.nature,
        }


def _check_positive(name: str, x: object, unit: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x) or x <= 0:
        raise ModelError(f"{name} must be a finite number > 0{unit}, got {x!r}")
    return float(x)


def _check_scale(d_gamma: float) -> None:
    lo, hi = D_GAMMA_RANGE
    if not lo <= d_gamma <= hi:
        raise ModelError(f"d_gamma = {d_gamma:g} GeV^-1 is outside the supported range [{lo:g}, {hi:g}] GeV^-1")


def make_model(
    mass: float,
    flavour: str,
    ew: Electroweak,
    *,
    d_gamma: float | None = None,
    scenario: str | None = None,
    a: float | None = None,
    d_W: float | None = None,
    d_B: float | None = None,
    nature: str = "dirac",
) -> Model:
    """Validated model from exactly one structure: a scenario, a, or (d_W, d_B).

    With a scenario or a, ``d_gamma`` is the scale; (d_W, d_B) fix d_gamma themselves. ``nature``
    is ``dirac`` (default) or ``majorana`` (``NATURES``).

    >>> m = make_model(100.0, "e", Electroweak(), d_gamma=1e-5, scenario="III")
    >>> round(m.couplings.d_Z, 20)
    0.0
    """
    mass = _check_positive("the mass", mass, " (GeV)")
    if not MASS_RANGE_GEV[0] <= mass <= MASS_RANGE_GEV[1]:
        raise ModelError(f"the mass must lie in [{MASS_RANGE_GEV[0]:g}, {MASS_RANGE_GEV[1]:g}] GeV, got {mass:g}")
    if flavour not in FLAVOURS:
        raise ModelError(f"unknown flavour {shown(repr(flavour))}: expected one of e, mu, tau")
    nature = check_nature(nature)
    given = [name for name, x in (("scenario", scenario), ("a", a)) if x is not None]
    if d_W is not None or d_B is not None:
        given.append("(d_W, d_B)")
    if len(given) != 1:
        raise ModelError(
            "give the coupling structure exactly once: --scenario, --a, or --dw with --db"
            + (f" (got {', '.join(given)})" if given else "")
        )
    if given[0] == "(d_W, d_B)":
        if d_W is None or d_B is None:
            raise ModelError("--dw and --db go together")
        if d_gamma is not None:
            raise ModelError("--dgamma conflicts with --dw/--db, which fix d_gamma themselves")
        couplings = couplings_from_unbroken(d_W, d_B, ew)
        _check_scale(couplings.d_gamma)
        return Model(mass, couplings, flavour, d_W / d_B if d_B != 0 else math.inf, nature=nature)
    if d_gamma is None:
        raise ModelError("--dgamma is required with --scenario or --a")
    d_gamma = _check_positive("d_gamma", d_gamma, " (GeV^-1; signs enter through a)")
    _check_scale(d_gamma)
    if scenario is not None:
        a = scenario_a(scenario, ew)
    assert a is not None
    return Model(mass, structure_from_a(a, ew).scaled(d_gamma), flavour, a, scenario, nature)


@dataclasses.dataclass(frozen=True)
class Widths:
    """Widths of N in GeV and Br(N -> nu gamma).

    nu_Z and l_W are the two-body widths. With ``three_body`` (a width per channel through
    photon*, Z* and W*, mcgen.physics.threebody) the total is nu_gamma plus the three-body channels,
    which above the Z (W) threshold contain the on-shell N -> nu Z (l W) decays; without it the
    total is the two-body sum.
    """

    nu_gamma: float
    nu_Z: float
    l_W: float
    three_body: dict[str, float] | None = None

    @property
    def total(self) -> float:
        if self.three_body is not None:
            return self.nu_gamma + sum(self.three_body.values())
        return self.nu_gamma + self.nu_Z + self.l_W

    @property
    def br_nu_gamma(self) -> float:
        return self.nu_gamma / self.total

    def as_dict(self) -> dict[str, float]:
        return {"nu_gamma": self.nu_gamma, "nu_Z": self.nu_Z, "l_W": self.l_W, "total": self.total}


def widths(model: Model, ew: Electroweak, three_body: bool = True) -> Widths:
    """Widths of N (a Dirac N decays to l- W+ only, Nbar to l+ W-: same width; a Majorana N to both,
    and to nu and nubar with each boson: every width twice the Dirac one, ``width_factor``).

    ``three_body`` adds N -> nu f fbar and N -> l f fbar' through off-shell bosons (the default);
    False gives the two-body widths alone (docs/physics/decays.md).
    """
    c, k = model.couplings, width_factor(model.nature)
    three = channel_widths(model.mass, model.lepton_mass, c.d_gamma, c.d_Z, c.d_W, ew) if three_body else None
    return Widths(
        k * float(width_nu_gamma(model.mass, c.d_gamma)),
        k * float(width_nu_z(model.mass, c.d_Z, ew.m_Z)),
        k * float(width_lepton_w(model.mass, c.d_W, ew.m_W, model.lepton_mass)),
        None if three is None else {name: k * value for name, value in three.items()},
    )


# --- lifetime and displacement ------------------------------------------------------------


def ctau_m(total_width: ArrayLike) -> np.ndarray:
    """Proper decay length c tau = hbar c / Gamma in metres."""
    return HBARC_GEV_M / np.asarray(total_width, dtype=float)


def two_body_momentum(sqrt_s: ArrayLike, m: ArrayLike) -> np.ndarray:
    """``|p_N|`` in e+e- -> N nubar at rest: (s - m^2) / (2 sqrt s), GeV."""
    sqrt_s = np.asarray(sqrt_s, dtype=float)
    return (sqrt_s**2 - np.asarray(m, dtype=float) ** 2) / (2 * sqrt_s)


def decay_length_m(p: ArrayLike, m: ArrayLike, total_width: ArrayLike) -> np.ndarray:
    """Lab decay length beta gamma c tau = ``|p| / (m Gamma) * hbar c``, metres."""
    return np.asarray(p, dtype=float) / np.asarray(m, dtype=float) * ctau_m(total_width)


def prob_decay_between(l1: ArrayLike, l2: ArrayLike, length: ArrayLike) -> np.ndarray:
    """P(l1 < flight distance < l2) = exp(-l1/L) - exp(-l2/L), accurate for l << L.

    >>> float(prob_decay_between(0.0, 1.0, 1e9))   # 1 - exp(-1e-9) = 1e-9 - 5e-19
    9.999999995e-10
    """
    l1, l2, length = (np.asarray(x, dtype=float) for x in (l1, l2, length))
    return -fpmath.exp(-l1 / length) * fpmath.expm1(-(l2 - l1) / length)


def prob_decay_inside(l_D: ArrayLike, length: ArrayLike) -> np.ndarray:
    """P(the decay happens before flight distance l_D)."""
    return prob_decay_between(0.0, l_D, length)


def prob_decay_outside(l_D: ArrayLike, length: ArrayLike) -> np.ndarray:
    """P(the decay happens beyond flight distance l_D) = exp(-l_D/L)."""
    return fpmath.exp(-np.asarray(l_D, dtype=float) / np.asarray(length, dtype=float))
