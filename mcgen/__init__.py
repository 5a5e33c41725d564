"""mcgen: a fast Monte Carlo generator for heavy neutral leptons with a dipole portal at e+e- colliders.

The physics lives in small pure modules (:mod:`mcgen.physics.model`, :mod:`mcgen.physics.xsec`);
cards in :mod:`mcgen.config.cards`; the generator in :mod:`mcgen.mc`; efficiency tables, limits
and scans in :mod:`mcgen.analysis`; the ``mcgen`` command in :mod:`mcgen.cli`. Bad input raises a
subclass of :class:`InputError`.

>>> import mcgen
>>> card = mcgen.load_card("lep2_delphi")
>>> model = mcgen.make_model(100.0, "e", card.electroweak, d_gamma=1e-5, scenario="II")
>>> summary = mcgen.model_info(card, model)
>>> sorted(summary["sigma_pb"])
['W', 'Z', 'gamma', 'gammaZ', 'st_interference', 'total']
"""

from __future__ import annotations

from mcgen._version import __version__
from mcgen.analysis.info import model_info
from mcgen.config.cards import Card, load_card
from mcgen.config.options import PhysicsOptions, provenance
from mcgen.errors import CardError, InputError, MissingExtraError, ModelError, OutputError
from mcgen.io.read import iterate, read
from mcgen.io.root import write_events
from mcgen.mc.driver import Events, generate, reweight
from mcgen.physics.constants import Electroweak
from mcgen.physics.model import Couplings, Model, make_model, widths
from mcgen.physics.xsec import CrossSections, production_cross_sections, width_z_to_n_nubar

__all__ = [
    "__version__",
    "Card",
    "CardError",
    "CrossSections",
    "Couplings",
    "Electroweak",
    "Events",
    "InputError",
    "MissingExtraError",
    "Model",
    "ModelError",
    "OutputError",
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
    "read",
    "iterate",
    "write_events",
]
