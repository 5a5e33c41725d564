"""mcgen: a fast Monte Carlo generator for heavy neutral leptons with a dipole portal at e+e- colliders.

The physics lives in small pure modules (:mod:`mcgen.model`, :mod:`mcgen.xsec`); cards in
:mod:`mcgen.cards`; the ``mcgen`` command in :mod:`mcgen.cli`.

>>> import mcgen
>>> card = mcgen.load_card("lep2_delphi")
>>> model = mcgen.make_model(100.0, "e", card.electroweak, d_gamma=1e-5, scenario="II")
>>> summary = mcgen.model_info(card, model)
>>> sorted(summary["sigma_pb"])
['W', 'Z', 'gamma', 'gammaZ', 'st_interference', 'total']
"""

from __future__ import annotations

__version__ = "0.1.0"

from mcgen.cards import Card, load_card
from mcgen.constants import Electroweak
from mcgen.errors import InputError
from mcgen.generator import Events, generate, reweight
from mcgen.info import PhysicsOptions, model_info, provenance
from mcgen.model import Couplings, Model, make_model, widths
from mcgen.xsec import CrossSections, production_cross_sections, width_z_to_n_nubar

__all__ = [
    "__version__",
    "Card",
    "CrossSections",
    "Couplings",
    "Electroweak",
    "Events",
    "InputError",
    "Model",
    "PhysicsOptions",
    "generate",
    "load_card",
    "make_model",
    "model_info",
    "production_cross_sections",
    "provenance",
    "reweight",
    "width_z_to_n_nubar",
    "widths",
]
