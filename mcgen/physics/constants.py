"""Physical constants, unit conversions and the electroweak inputs.

Conversion factors come from ``hepunits``; lepton masses from ``particle`` (PDG).
The electroweak inputs are configuration (every card has an ``[electroweak]`` table);
their defaults are those the source paper's numbers assume (docs/physics/model.md).
"""

from __future__ import annotations

import dataclasses
import math
from functools import cached_property

from hepunits import GeV, picobarn
from hepunits import m as metre
from hepunits.constants import hbarc
from particle import Particle

from mcgen.errors import InputError
from mcgen.fields import choice, number

__all__ = [
    "GEV2_TO_PB",
    "HBARC_GEV_M",
    "G_FERMI",
    "V_HIGGS",
    "LEPTON_MASS",
    "Electroweak",
    "SCHEMES",
    "CARD_KEYS",
]

GEV2_TO_PB: float = (hbarc**2 / GeV**2) / picobarn
"""1 GeV^-2 in pb (0.3893793721e9)."""

HBARC_GEV_M: float = hbarc / (GeV * metre)
"""hbar c in GeV m (1.973269804e-16)."""

G_FERMI: float = 1.1663788e-5
"""Fermi constant in GeV^-2 (PDG 2024); fixes v for the Wilson-coefficient inputs."""

V_HIGGS: float = 1.0 / math.sqrt(math.sqrt(2.0) * G_FERMI)
"""Higgs vacuum expectation value v = (sqrt 2 G_F)^(-1/2) = 246.22 GeV."""

def _pdg_mass_gev(pdgid: int) -> float:
    """A particle's mass from the PDG table of ``particle`` (MeV there), in GeV."""
    mass = Particle.from_pdgid(pdgid).mass
    assert mass is not None, pdgid
    return mass * 1e-3


LEPTON_MASS: dict[str, float] = {
    flavour: _pdg_mass_gev(pdgid) for flavour, pdgid in (("e", 11), ("mu", 13), ("tau", 15))
}
"""Charged-lepton masses in GeV by flavour (PDG, via ``particle``)."""


SCHEMES: tuple[str, ...] = ("alpha0", "gmu_alpha0")
"""Coupling schemes: ``alpha0``, the card's alpha at every vertex (the source paper's choice);
``gmu_alpha0``, the LEP analyses' choice: the couplings of the W, the Z and the virtual photon
from G_mu, alpha_Gmu = sqrt2 G_F M_W^2 s_w^2 / pi, and the card's alpha = alpha(0) at the
vertices of real (observed) photons."""

CARD_KEYS: tuple[str, ...] = ("alpha", "sin2_theta_w", "m_Z", "Gamma_Z", "m_W", "Gamma_W")
"""The keys every card's ``[electroweak]`` table must give (docs/reference/cards.md); ``scheme`` and ``G_F`` may
be left out (default: ``alpha0``, the PDG G_F)."""


@dataclasses.dataclass(frozen=True, kw_only=True)
class Electroweak:
    """Electroweak inputs (GeV). Defaults: alpha(0) and an on-shell-like sin^2 theta_w (docs/physics/model.md).

    >>> ew = Electroweak()
    >>> round(ew.s_w, 5), round(ew.c_w, 5)
    (0.48083, 0.87681)
    >>> round(1 / Electroweak(scheme="gmu_alpha0").alpha_eff, 2)  # alpha_Gmu
    127.5
    """

    alpha: float = number("", "fine-structure constant (alpha(0) at real photons in the gmu_alpha0 scheme)",
                          lo=1 / 400, hi=1 / 40, default=1 / 137.036,
                          why="within a factor of about 3 of alpha(0) = 1/137.036")
    sin2_theta_w: float = number("", "sin^2 of the weak mixing angle", lo=0.1, hi=0.5, default=0.2312,
                                 why="around the measured 0.231")
    m_Z: float = number("GeV", "Z mass", lo=30, hi=300, default=91.1876, why="within a factor of about 3 of the PDG 91.19 GeV")
    Gamma_Z: float = number("GeV", "Z total width", lo=0.5, hi=10, default=2.4952,
                            why="within a factor of about 4 of the PDG 2.495 GeV")
    m_W: float = number("GeV", "W mass", lo=25, hi=250, default=80.379, why="within a factor of about 3 of the PDG 80.38 GeV")
    Gamma_W: float = number("GeV", "W total width", lo=0.5, hi=10, default=2.085,
                            why="within a factor of about 4 of the PDG 2.085 GeV")
    scheme: str = choice(SCHEMES, "coupling scheme: alpha0 (one alpha everywhere) or gmu_alpha0 (G_mu weak couplings, "
                         "alpha(0) for real photons)", default="alpha0")
    G_F: float = number("GeV^-2", "Fermi constant (the gmu_alpha0 scheme)", lo=1e-6, hi=1e-4, default=G_FERMI,
                        why="within a factor of about 10 of the PDG 1.1663788e-5 GeV^-2")

    def __post_init__(self) -> None:
        # the physical ranges above are checked where a card enters (mcgen.config.schema); a library
        # caller may go beyond them (a narrow-width limit, say) but not to values that mean nothing
        if self.scheme not in SCHEMES:
            raise InputError(f"scheme: expected one of {', '.join(SCHEMES)}, got {self.scheme!r}")
        for f in dataclasses.fields(self):
            x = getattr(self, f.name)
            if f.name != "scheme" and (isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x)
                                       or x <= 0):
                raise InputError(f"{f.name}: expected a finite number > 0, got {x!r}")
        if not 0 < self.sin2_theta_w < 1 or not 0 < self.alpha < 1:
            raise InputError("sin2_theta_w and alpha must lie strictly between 0 and 1")

    @classmethod
    def from_pdg(cls, **overrides: float | str) -> Electroweak:
        """Z and W masses and widths from the ``particle`` package's PDG table."""
        z, w = Particle.from_pdgid(23), Particle.from_pdgid(24)
        assert z.width is not None and w.width is not None
        values: dict[str, float | str] = {"m_Z": _pdg_mass_gev(23), "Gamma_Z": z.width * 1e-3, "m_W": _pdg_mass_gev(24),
                                          "Gamma_W": w.width * 1e-3}
        return cls(**(values | overrides))  # type: ignore[arg-type]  # the fields check the types

    @cached_property
    def alpha_eff(self) -> float:
        """The alpha of every vertex but a real photon's: the card's alpha (``alpha0``) or
        alpha_Gmu = sqrt2 G_F M_W^2 s_w^2 / pi (``gmu_alpha0``)."""
        if self.scheme == "alpha0":
            return self.alpha
        return math.sqrt(2.0) * self.G_F * self.m_W**2 * self.sin2_theta_w / math.pi

    @cached_property
    def e(self) -> float:
        """Positron charge at the vertices of the W, the Z and virtual photons, sqrt(4 pi alpha_eff)."""
        return math.sqrt(4 * math.pi * self.alpha_eff)

    @cached_property
    def e_photon(self) -> float:
        """Positron charge where a real photon is emitted, sqrt(4 pi alpha) (alpha(0) in both schemes)."""
        return math.sqrt(4 * math.pi * self.alpha)

    @cached_property
    def s_w(self) -> float:
        """sin(theta_w)."""
        return math.sqrt(self.sin2_theta_w)

    @cached_property
    def c_w(self) -> float:
        """cos(theta_w)."""
        return math.sqrt(1.0 - self.sin2_theta_w)

    @cached_property
    def g(self) -> float:
        """SU(2) gauge coupling e / s_w."""
        return self.e / self.s_w

    def as_dict(self) -> dict[str, float | str]:
        """The inputs, and the alpha of the weak vertices that the scheme gives (``alpha_eff``)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)} | {"alpha_eff": self.alpha_eff}
