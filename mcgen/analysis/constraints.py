"""Existing constraints on the photon dipole d_gamma from the HNLimits data (PyPI ``hnlimits``,
folder ``include/data/dipole``), converted to GeV, GeV^-1 and 95% CL.

Conversions, stated with every curve:

- masses in MeV become GeV (the unit is read from each file's header);
- magnetic moments mu in Bohr magnetons become d_gamma = mu/2 (the convention
  L = (mu/2) nubar sigma^{mu nu} N F_{mu nu} of the SN1987A analysis), mu_B = e/(2 m_e);
- 90% CL bounds of counting experiments become 95% CL assuming a signal count proportional
  to d_gamma^2 and no background (Poisson upper limits 2.30 -> 3.00 events): d x sqrt(3.00/2.30).
  The SN1987A cooling bound is not a counting limit and is shown as published (90% CL).
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import re
from pathlib import Path

import numpy as np

from mcgen.errors import InputError, MissingExtraError
from mcgen.physics.constants import LEPTON_MASS

__all__ = ["Constraint", "load_constraints", "MU_BOHR_GEV"]

MU_BOHR_GEV = math.sqrt(4 * math.pi / 137.035999) / (2 * LEPTON_MASS["e"])
"""The Bohr magneton e/(2 m_e) in GeV^-1."""
CL_90_TO_95 = math.sqrt(2.9957 / 2.3026)

# (file, label, flavours, counting experiment?)
SOURCES = (
    ("Borexino_d.dat", "Borexino", ("e", "mu", "tau"), True),
    ("Xenon1T_d.dat", "XENON1T", ("e", "mu", "tau"), True),
    ("e/LSND_de.dat", "LSND", ("e",), True),
    ("mu/CHARMII_dmu.dat", "CHARM-II", ("mu",), True),
    ("mu/MiniBooNE_dmu.dat", "MiniBooNE", ("mu",), True),
    ("mu/NOMAD_dmu.dat", "NOMAD", ("mu",), True),
    ("tau/DONUT_dtau.dat", "DONUT", ("tau",), True),
    ("SN1987A_muB_bottom.dat", "SN1987A", ("e", "mu", "tau"), False),
    ("SN1987A_muB_top.dat", "SN1987A", ("e", "mu", "tau"), False),
)


@dataclasses.dataclass(frozen=True)
class Constraint:
    label: str
    flavours: tuple[str, ...]
    mass_GeV: np.ndarray
    d_gamma_95: np.ndarray
    source: str
    conversion: str
    confidence: str = "95% CL"  # as drawn: "95% CL", "95% CL (from 90%)" or, as published, "90% CL"

    @property
    def legend(self) -> str:
        """The label with its confidence level, as a figure's legend shows it."""
        return f"{self.label} ({self.confidence})"


def _data_dir() -> Path:
    spec = importlib.util.find_spec("HNLimits")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError("the existing constraints need the HNLimits data: pip install 'mcgen[plot]'")
    return Path(spec.submodule_search_locations[0]) / "include" / "data" / "dipole"


def _read(path: Path, counting: bool) -> tuple[np.ndarray, np.ndarray, str, str, str]:
    header = path.read_text(encoding="utf-8").splitlines()[0]
    data = np.loadtxt(path, comments="#", ndmin=2)
    mass, value = data[:, 0], data[:, 1]
    notes = []
    if re.search(r"\[\s*MeV\s*\]", header):
        mass = mass * 1e-3
        notes.append("m in MeV -> GeV")
    if "mu_B" in header:
        value = value * MU_BOHR_GEV / 2
        notes.append("mu [mu_B] -> d = mu/2")
    elif not re.search(r"1/GeV|GeV\^-1", header):
        raise InputError(f"{path.name}: unknown units in its header: {header!r}")
    cl = re.search(r"(\d+)\s*%\s*CL", header)
    if cl is None:
        raise InputError(f"{path.name}: no confidence level in its header")
    confidence = "95% CL"
    if cl.group(1) == "90" and counting:
        value = value * CL_90_TO_95
        notes.append("90% -> 95% CL (x sqrt(3.00/2.30))")
        confidence = "95% CL, from 90%"
    elif cl.group(1) != "95":
        notes.append(f"{cl.group(1)}% CL as published")
        confidence = f"{cl.group(1)}% CL, as published"
    source = re.search(r"Source arXiv:\s*(\S+)", header)
    order = np.argsort(mass) if counting else np.arange(mass.size)
    return mass[order], value[order], source.group(1) if source else "", "; ".join(notes) or "none", confidence


def constraint_labels() -> list[str]:
    """Every constraint's label, in one fixed order (a figure gives each its own colour in every panel)."""
    return list(dict.fromkeys(label for _, label, _, _ in SOURCES))


def load_constraints(flavour: str) -> list[Constraint]:
    """The existing d_gamma bounds that apply to a flavour (e, mu or tau): at 95% CL, but for the
    SN1987A cooling bound, which is not a counting limit (its published 90% CL; ``confidence``)."""
    folder = _data_dir()
    out = []
    for name, label, flavours, counting in SOURCES:
        if flavour in flavours:
            mass, value, source, conversion, confidence = _read(folder / name, counting)
            out.append(Constraint(label, flavours, mass, value, source, conversion, confidence))
    return out
