"""mcgen's own Sphinx directives: tables generated from the code, so the docs cannot drift from it.

Every table here is built at documentation time from what mcgen itself uses:

- ``mcgen-card-keys``: one section per card table (``[card]``, ``[beam]``, ...), one row per key, from
  the typed fields of the dataclasses that validate cards (unit, range and the reason for it, default);
- ``mcgen-limit-criteria``: the ``[limit]`` criteria and the keys each one needs;
- ``mcgen-shipped-cards``: the cards that come with mcgen (name, sqrt(s), luminosity, criterion, beams,
  description, reference), read with ``mcgen.load_card`` and checked against the files in ``cards/``;
- ``mcgen-event-file``: the branches, histograms, metadata and summary keys of a signal or background file
  that is written at build time with the ``mcgen`` command itself (``generate`` / ``background``), joined with
  the descriptions below; the records and ``attrs`` of ``mcgen.read``;
- ``mcgen-json``: the keys of a command's ``--json`` object, from a run at build time;
- ``mcgen-cut-language``: the functions, properties, operators, limits, names and error messages of the
  cut-expression language (``mcgen.selection.expressions``);
- ``mcgen-api`` (inside ``eval-rst``): an autosummary table and the autodoc entries of a module's
  ``__all__``, each object documented once;
- an ``autodoc-process-docstring`` hook that gives the card-table dataclasses and their fields the text
  of their field metadata, and a transform that keeps ``--`` of option names on the CLI page.

The descriptions kept here are checked against what the code produces: a branch, key, table, function,
property or criterion without a description, or a description of something that does not exist, fails
the build with an ``ExtensionError`` naming it and the dictionary to edit.
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import io
import json
import re
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.transforms import Transform
from sphinx.errors import ExtensionError
from sphinx.util.docutils import SphinxDirective

# ---------------------------------------------------------------------------------------------------------------
# helpers: inline markup (`code` only), tables, labels
# ---------------------------------------------------------------------------------------------------------------


def _inline(text: str) -> list[nodes.Node]:
    """Plain text with `backticks` as inline code (the only markup the descriptions here use)."""
    out: list[nodes.Node] = []
    for i, part in enumerate(str(text).split("`")):
        if part:
            out.append(nodes.literal(part, part) if i % 2 else nodes.Text(part))
    return out


def _cell(content: Any) -> nodes.entry:
    entry = nodes.entry()
    if isinstance(content, nodes.Node):
        entry += content
    elif isinstance(content, list):
        for item in content:
            entry += item
    else:
        entry += nodes.paragraph("", "", *_inline(content))
    return entry


def _table(headers: list[str], rows: list[list[Any]], widths: list[int], classes: tuple[str, ...] = ()) -> nodes.table:
    table = nodes.table(classes=["mcgen-table", *classes])
    table["support_smartquotes"] = False  # keep -- and quotes as the code has them
    group = nodes.tgroup(cols=len(headers))
    table += group
    for width in widths:
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    group += head
    row = nodes.row()
    for h in headers:
        row += _cell(h)
    head += row
    body = nodes.tbody()
    group += body
    for r in rows:
        row = nodes.row()
        for c in r:
            row += _cell(c)
        body += row
    return table


def _section(directive: SphinxDirective, name: str, title: list[nodes.Node], label: str) -> nodes.section:
    """A section with an explicit label, so that pages can link to it with {ref}`label`."""
    section = nodes.section(ids=[label], names=[label])
    section += nodes.title("", "", *title)
    directive.state.document.note_explicit_target(section)
    return section


def _anchor(directive: SphinxDirective, label: str, title: str, content: list[nodes.Node]) -> nodes.inline:
    """Inline content with an id, registered as a {ref} target with a title."""
    node = nodes.inline("", "", *content, ids=[label])
    std: Any = directive.env.get_domain("std")
    std.anonlabels[label.lower()] = (directive.env.docname, label)  # {ref} looks labels up in lower case
    std.labels[label.lower()] = (directive.env.docname, label, title)
    return node


def _check_described(what: str, found: list[str] | set[str], described: dict[str, Any] | set[str], where: str) -> None:
    """Fail the build when ``found`` and the descriptions do not match, naming what differs."""
    missing = [k for k in found if k not in described]
    stale = [k for k in described if k not in found]
    if missing or stale:
        parts = []
        if missing:
            parts.append(f"no description for {', '.join(missing)} (add it to {where} in docs/_ext/mcgen_docs.py)")
        if stale:
            parts.append(f"described but not in mcgen: {', '.join(stale)} (remove it from {where})")
        raise ExtensionError(f"mcgen docs: {what}: " + "; ".join(parts))


def _g(x: float) -> str:
    """A number as a physicist writes it, exactly: 1e10, 0.05, 1.1663788e-5, 1/137.036."""
    if x == 0 or 1e-3 <= abs(x) < 1e5:
        text = repr(float(x)).removesuffix(".0")
        inverse = 1.0 / x if x else 0.0
        short = f"{inverse:.7g}"
        if len(text) > 12 and float(short) != 0 and 1.0 / float(short) == x:
            return f"1/{short}"
        return text
    for digits in range(17):
        text = f"{x:.{digits}e}"
        if float(text) == x:
            mant, exp = text.split("e")
            return f"{mant}e{int(exp)}"
    return repr(x)


# ---------------------------------------------------------------------------------------------------------------
# card keys
# ---------------------------------------------------------------------------------------------------------------

CARD_TABLE_INTROS: dict[str, str] = {
    "card": "Who the card is: its name (used in every output), what it describes and where its numbers come from.",
    "beam": "The collider: centre-of-mass energy, integrated luminosity, beam polarisations, initial-state "
            "radiation and the beam-energy spread. With `isr = true` or `energy_spread > 0` every event is made "
            "at its own sqrt(s_hat) = sqrt(x1 x2 s) and boosted to the lab.",
    "electroweak": "The electroweak inputs (the same class, `mcgen.Electroweak`, is the physics layer's input). "
                   "A card must give the six keys marked required, although the library has defaults for them; "
                   "`scheme` and `G_F` may be left out.",
    "detector": "The decay volume N must decay in (or, for `decay = \"outside\"`, outside of) and the toy "
                "detector: a photon from a vertex inside the volume is measured where it reaches the volume's "
                "surface (the ECAL), its energy smeared by a/sqrt(E) (+) b and its polar angle by "
                "`angle_resolution_rad`; it is detected with probability `photon_efficiency` inside the coverage "
                "|cos theta| < `abs_cos_coverage`.",
    "selection": "The photon selection, applied to the true photon (`truth_pass`, eps_cuts) and to the "
                 "measured one (`pass_*` flags). A key left out means no such cut. x = 2E/sqrt(s); "
                 "the Z-return veto removes E_Z +- n Gamma_Z^gamma with E_Z = (s - M_Z^2)/(2 sqrt(s)) and "
                 "Gamma_Z^gamma = M_Z Gamma_Z/sqrt(s); the radiative-Bhabha cut keeps "
                 "E (sin theta_b + sin theta) > sqrt(s) sin theta_b.",
    "limit": "The 95% CL criterion of `mcgen limits` and its inputs. Which keys a card must give depends on "
             "`criterion` (table below); the others may be left out.",
}
"""One paragraph per card table (the keys' own text comes from the fields' metadata)."""




def _card_tables() -> dict[str, type]:
    from mcgen.config import cards

    return dict(cards._TABLES)  # the tables parse_card validates, in card order


def _interval(m: Mapping[str, Any]) -> str:
    lo, hi = m.get("lo"), m.get("hi")
    if lo is None and hi is None:
        return "any finite number"
    left = "(-inf" if lo is None else ("(" if m.get("lo_open") else "[") + _g(lo)
    right = "inf)" if hi is None else _g(hi) + (")" if m.get("hi_open") else "]")
    return f"{left}, {right}"


def _allowed(f: dataclasses.Field) -> list[nodes.Node]:
    m = f.metadata
    kind = m["kind"]
    if kind == "choice":
        para = nodes.paragraph("", "one of ")
        for i, option in enumerate(m["options"]):
            if i:
                para += nodes.Text(", ")
            para += nodes.literal(f'"{option}"', f'"{option}"')
        return [para]
    if kind == "text":
        return [nodes.paragraph("", "a string")]
    if kind == "flag":
        para = nodes.paragraph("")
        para += [nodes.literal("true", "true"), nodes.Text(" or "), nodes.literal("false", "false")]
        return [para]
    if kind in ("bands", "choices"):
        from mcgen.fields import describe

        return [nodes.paragraph("", describe(f))]
    out: list[nodes.Node] = [nodes.paragraph("", "", nodes.literal(_interval(m), _interval(m)))]
    if m.get("why"):
        out.append(nodes.paragraph("", "", nodes.emphasis(m["why"], m["why"])))
    return out


def _default(table: str, f: dataclasses.Field, required: tuple[str, ...]) -> list[nodes.Node]:
    from mcgen.fields import REQUIRED

    value = f.default
    if value is REQUIRED:
        return [nodes.paragraph("", "", nodes.strong("required", "required"))]
    if f.name in required:
        text = _g(value) if isinstance(value, float) else str(value)
        return [nodes.paragraph("", "", nodes.strong("required", "required")),
                nodes.paragraph("", f"(library default {text})")]
    if value is None:
        return [nodes.paragraph("", "no cut" if table == "selection" else "unset")]
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = _g(value)
    elif isinstance(value, str):
        text = f'"{value}"'
    else:
        text = str(value)
    return [nodes.paragraph("", "", nodes.literal(text, text))]


class CardKeys(SphinxDirective):
    """One section per card table with one row per key (from the field metadata of mcgen.fields)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        from mcgen.physics.constants import CARD_KEYS, Electroweak

        tables = _card_tables()
        _check_described("card tables", list(tables), CARD_TABLE_INTROS, "CARD_TABLE_INTROS")
        out: list[nodes.Node] = []
        for table, cls in tables.items():
            section = _section(self, table, [nodes.literal(f"[{table}]", f"[{table}]")], f"card-table-{table}")
            section += nodes.paragraph("", "", *_inline(CARD_TABLE_INTROS[table]))
            required = CARD_KEYS if cls is Electroweak else ()
            rows = []
            for f in dataclasses.fields(cls):
                m = f.metadata
                if "kind" not in m:
                    raise ExtensionError(f"mcgen docs: [{table}] {f.name} is not a typed field of mcgen.fields (no metadata)")
                key = _anchor(self, f"card-{table}-{f.name}", f"[{table}] {f.name}", [nodes.literal(f.name, f.name)])
                unit = m.get("unit") or ""
                rows.append([nodes.paragraph("", "", key), m["doc"], nodes.paragraph("", unit) if unit else "",
                             _allowed(f), _default(table, f, required)])
            section += _table(["Key", "Meaning", "Unit", "Allowed", "Default"], rows, [16, 34, 8, 26, 16])
            out.append(section)
        return out


class LimitCriteria(SphinxDirective):
    """The [limit] criteria: what each excludes and the keys it needs (the registry, mcgen.config.criteria)."""

    def run(self) -> list[nodes.Node]:
        from mcgen.config.criteria import CRITERIA

        rows = []
        for name, criterion in CRITERIA.items():
            keys = nodes.paragraph("")
            for i, k in enumerate(criterion.needs):
                if i:
                    keys += nodes.Text(", ")
                keys += nodes.literal(k, k)
            rows.append([nodes.paragraph("", "", nodes.literal(f'"{name}"', f'"{name}"')), criterion.excludes, keys])
        return [_table(["criterion", "excluded where", "keys the card must give"], rows, [14, 60, 26])]


class ShippedCards(SphinxDirective):
    """The cards that come with mcgen (CARD_NAMES), checked against the files of the cards folder."""

    def run(self) -> list[nodes.Node]:
        from mcgen.config.cards import CARD_NAMES, PAPER_CARDS, load_card, resolve_card_path

        folder = resolve_card_path(CARD_NAMES[0]).parent
        files = sorted(p.stem for p in folder.glob("*.toml"))
        _check_described(f"shipped cards (files in {folder})", files, set(CARD_NAMES), "mcgen.config.cards.CARD_NAMES")
        rows = []
        for name in CARD_NAMES:
            card = load_card(name)

            def luminosity(lumi: float) -> str:
                return f"{lumi / 1e6:g} ab^-1" if lumi >= 1e5 else f"{lumi:g} pb^-1"

            runs = card.run_cards()
            energies = ", ".join(dict.fromkeys(f"{r.sqrt_s:g}" for r in runs))
            lumi_text = "; ".join(f"{r.info.run}: {luminosity(r.beam.luminosity_invpb)}" if r.info.run else
                                  luminosity(r.beam.luminosity_invpb) for r in runs)
            polarised = [r for r in runs if r.beam.polarisation_electron or r.beam.polarisation_positron]
            helicities = "; ".join(f"{r.info.run or 'P'}: ({r.beam.polarisation_electron:+g}, {r.beam.polarisation_positron:+g})"
                                   for r in polarised)
            s1, s2 = card.beam.spreads
            spread = f"spread {s1:.3%}" if s1 == s2 else f"spreads {s1:.3%} (e-), {s2:.3%} (e+)"
            beams = [w for w, on in (("ISR", card.beam.isr), (spread, max(s1, s2) > 0), (helicities, polarised)) if on]
            name_cell = [nodes.paragraph("", "", nodes.literal(name, name))]
            if name in PAPER_CARDS:
                name_cell.append(nodes.paragraph("", "", nodes.emphasis("paper", "source paper")))
            if card.runs:
                name_cell.append(nodes.paragraph("", f"runs: {', '.join(r.info.run for r in runs)}"))
            rows.append([name_cell, energies, lumi_text,
                         [nodes.paragraph("", "", nodes.literal(card.limit.criterion, card.limit.criterion)),
                          nodes.paragraph("", "; ".join(beams))] if beams else
                         nodes.paragraph("", "", nodes.literal(card.limit.criterion, card.limit.criterion)),
                         [nodes.paragraph("", card.info.description),
                          nodes.paragraph("", "", nodes.emphasis(card.info.reference, card.info.reference))]])
        return [_table(["card", "sqrt(s) [GeV]", "luminosity", "criterion; beams", "description; reference"], rows,
                       [14, 10, 12, 18, 46])]


# ---------------------------------------------------------------------------------------------------------------
# event files, written at build time with the mcgen command
# ---------------------------------------------------------------------------------------------------------------

EXAMPLE_SIGNAL = ["generate", "--card", "lep2_delphi", "--mass", "100", "--dgamma", "1e-5", "--scenario", "II", "--flavor", "e",
                  "-n", "500", "--seed", "1"]
EXAMPLE_BACKGROUND = ["background", "--card", "lep2_delphi", "-n", "2000", "--seed", "1"]

_R = "reconstructed photon only (0 where `reconstructed` is false)"
SIGNAL_BRANCHES: dict[str, tuple[str, str]] = {
    "weight_pb": ("pb", "event weight; its mean over a file is the cross section sigma(N nubar + Nbar nu) (unweighted "
                        "events all carry the cross section by quadrature, `sigma_quadrature_pb` of the summary)"),
    "w_gg": ("pb GeV^2", "reweighting coefficient of d_gamma^2: the weight for couplings (d_gamma, d_Z, d_W) is "
                         "d_gamma^2 w_gg + d_Z^2 w_zz + d_gamma d_Z w_gz + d_W^2 w_ww + d_gamma d_W w_gw + d_Z d_W w_zw "
                         "(`mcgen.reweight`)"),
    "w_zz": ("pb GeV^2", "reweighting coefficient of d_Z^2"),
    "w_gz": ("pb GeV^2", "reweighting coefficient of d_gamma d_Z (photon-Z interference)"),
    "w_ww": ("pb GeV^2", "reweighting coefficient of d_W^2 (W t-channel, flavour e only; 0 otherwise)"),
    "w_gw": ("pb GeV^2", "reweighting coefficient of d_gamma d_W (s-t interference; 0 but for flavour e, and 0 with "
                         "`--no-st-interference`)"),
    "w_zw": ("pb GeV^2", "reweighting coefficient of d_Z d_W (s-t interference; 0 but for flavour e, and 0 with "
                         "`--no-st-interference`)"),
    "N_E": ("GeV", "energy of N (or Nbar) in the lab"),
    "N_px": ("GeV", "x momentum of N"),
    "N_py": ("GeV", "y momentum of N"),
    "N_pz": ("GeV", "z momentum of N (z along the e- beam)"),
    "N_cos_theta": ("", "cos of the polar angle of N"),
    "N_pol_x": ("", "x component of the N rest-frame polarisation vector P (|P| <= 1; in the hard process's frame "
                    "with beam effects)"),
    "N_pol_y": ("", "y component of P"),
    "N_pol_z": ("", "z component of P"),
    "N_pol_long": ("", "P along the N flight direction (the helicity)"),
    "nu_recoil_px": ("GeV", "x momentum of the massless (anti)neutrino made with N (nubar with N, nu with Nbar)"),
    "nu_recoil_py": ("GeV", "y momentum of the recoil (anti)neutrino"),
    "nu_recoil_pz": ("GeV", "z momentum of the recoil (anti)neutrino"),
    "vtx_x": ("m", "x of the N decay vertex (origin at the interaction point)"),
    "vtx_y": ("m", "y of the N decay vertex"),
    "vtx_z": ("m", "z of the N decay vertex"),
    "flight_m": ("m", "N flight distance in the lab, exponential with the lab decay length (never capped)"),
    "boundary_m": ("m", "distance from the interaction point to the decay-volume surface along the N direction"),
    "p_inside": ("", "probability that N decays inside the volume, 1 - exp(-boundary_m / lambda), lambda the lab "
                     "decay length (analytic, per event)"),
    "gamma_E": ("GeV", "energy of the true photon from N -> nu gamma (lab; every momentum and vertex is the lab's)"),
    "gamma_px": ("GeV", "x momentum of the true photon"),
    "gamma_py": ("GeV", "y momentum of the true photon"),
    "gamma_pz": ("GeV", "z momentum of the true photon"),
    "gamma_cos_theta": ("", "cos of the polar angle of the true photon"),
    "gamma_pt": ("GeV", "transverse momentum of the true photon"),
    "gamma_cos_star": ("", "cos of the angle between the photon and the N direction, in the N rest frame"),
    "nu_decay_E": ("GeV", "energy of the neutrino from N -> nu gamma"),
    "nu_decay_px": ("GeV", "x momentum of the decay neutrino"),
    "nu_decay_py": ("GeV", "y momentum of the decay neutrino"),
    "nu_decay_pz": ("GeV", "z momentum of the decay neutrino"),
    "gamma_reco_E": ("GeV", "measured photon energy; " + _R),
    "gamma_reco_px": ("GeV", "measured photon x momentum; " + _R),
    "gamma_reco_py": ("GeV", "measured photon y momentum; " + _R),
    "gamma_reco_pz": ("GeV", "measured photon z momentum; " + _R),
    "gamma_reco_cos_theta": ("", "measured photon cos theta; " + _R),
    "gamma_reco_pt": ("GeV", "measured photon transverse momentum; " + _R),
    "beam_x1": ("", "energy fraction of the e- beam that enters the hard process (1 without ISR and energy spread)"),
    "beam_x2": ("", "energy fraction of the e+ beam (1 without ISR and energy spread)"),
    "flight_scale": ("", "lab decay length of this event over the nominal one (1 without beam effects; the limits "
                         "use boundary_m / flight_scale)"),
    "gamma_cm_E": ("GeV", "energy of the true photon in the centre-of-mass frame of the nominal beams (= gamma_E for "
                          "head-on beams of equal energies)"),
    "gamma_cm_cos_theta": ("", "cos of the true photon's polar angle in the centre-of-mass frame (e- along +z)"),
    "gamma_reco_cm_E": ("GeV", "measured photon energy taken to the centre-of-mass frame (by the nominal beams' "
                               "transformation); " + _R),
    "gamma_reco_cm_cos_theta": ("", "measured photon cos theta in the centre-of-mass frame; " + _R),
    "anti": ("", "true for the CP image Nbar nu (half of the events; N nu, the conjugate vertex, for a Majorana N)"),
    "inside": ("", "N decayed inside the decay volume (flight_m < boundary_m)"),
    "reconstructed": ("", "the photon is detected: N decayed inside, the measured photon is within the coverage, "
                          "has E > 0 and passed the efficiency draw"),
    "truth_pass": ("", "the true photon passes all the card's cuts (this defines eps_cuts)"),
    "pass_energy": ("", "reconstructed, and the measured photon passes `e_min`, `e_max`, `x_min`, `x_max`"),
    "pass_angle": ("", "reconstructed, and the measured photon passes `abs_cos_max`, `theta_min_deg`, `theta_max_deg`"),
    "pass_pt": ("", "reconstructed, and the measured photon passes `pt_min`"),
    "pass_zveto": ("", "reconstructed, and the measured photon is outside the Z-return veto window"),
    "pass_bhabha": ("", "reconstructed, and the measured photon passes the radiative-Bhabha cut"),
    "pass_all": ("", "reconstructed, and the measured photon passes all the card's cuts"),
}
"""The branches of ``mcgen generate -o FILE.root``: (unit, meaning)."""

BACKGROUND_BRANCHES: dict[str, tuple[str, str]] = {
    "weight_pb": ("pb", "event weight from the full |M|^2 summed over the three neutrino flavours; its mean over a "
                        "file is the cross section of what is written"),
    "weight_e": ("pb", "the part of `weight_pb` from nu_e nubar_e gamma (Z and W diagrams)"),
    "weight_mu": ("pb", "the part from nu_mu nubar_mu gamma"),
    "weight_tau": ("pb", "the part from nu_tau nubar_tau gamma"),
    "weight_photon_pb": ("pb", "the weight with the nu nubar directions integrated out in closed form for nu_mu and "
                               "nu_tau: the weights the printed cross sections and `mcgen limits --background` use "
                               "(weighted files only: `--unweighted` drops it)"),
    **{k: SIGNAL_BRANCHES[k] for k in ("gamma_E", "gamma_px", "gamma_py", "gamma_pz", "gamma_cos_theta", "gamma_pt")},
    "nu_px": ("GeV", "x momentum of the neutrino (massless)"),
    "nu_py": ("GeV", "y momentum of the neutrino"),
    "nu_pz": ("GeV", "z momentum of the neutrino"),
    "nubar_px": ("GeV", "x momentum of the antineutrino (massless)"),
    "nubar_py": ("GeV", "y momentum of the antineutrino"),
    "nubar_pz": ("GeV", "z momentum of the antineutrino"),
    "beam_x1": SIGNAL_BRANCHES["beam_x1"],
    "beam_x2": SIGNAL_BRANCHES["beam_x2"],
    **{k: SIGNAL_BRANCHES[k] for k in ("gamma_reco_E", "gamma_reco_px", "gamma_reco_py", "gamma_reco_pz",
                                        "gamma_reco_cos_theta", "gamma_reco_pt")},
    "reconstructed": ("", "the photon (from the interaction point) is within the coverage, has E > 0 and passed the "
                          "efficiency draw"),
    "truth_pass": SIGNAL_BRANCHES["truth_pass"],
    "pass_all": SIGNAL_BRANCHES["pass_all"],
}
"""The branches of ``mcgen background -o FILE.root``: (unit, meaning)."""

_PB = "filled with weight_pb / N (N: events in the file), so the bin contents add up to a cross section in pb"
HISTOGRAMS: dict[str, dict[str, str]] = {
    "signal": {
        "h_gamma_E": "true photon energy, all events; " + _PB,
        "h_gamma_cos_theta": "true photon cos theta, all events",
        "h_gamma_pt": "true photon transverse momentum, all events",
        "h_gamma_cos_star": "cos of the photon angle to the N direction in the N rest frame, all events",
        "h_N_cos_theta": "N (or Nbar) cos theta, all events",
        "h_flight_m": "N flight distance, all events (range 0 to 3 times the decay radius)",
        "h_reco_gamma_E_selected": "measured photon energy of the events with `pass_all`",
        "h_reco_gamma_pt_selected": "measured photon transverse momentum of the events with `pass_all`",
    },
    "background": {
        "h_gamma_E": "true photon energy of the events with `truth_pass`; " + _PB,
        "h_gamma_pt": "true photon transverse momentum of the events with `truth_pass`",
    },
}
"""The histograms of each file (hist objects: ``uproot.open(path)[name].to_hist()``)."""

_TABLE = "the card's [{0}] table with every key, defaults filled in (see the card reference)"
METADATA: dict[str, dict[str, str]] = {
    "signal": {
        "version": "mcgen version that wrote the file",
        "card": "the card: `name` and `path` (the file it was read from)",
        "beam": _TABLE.format("beam"),
        "model": "the model: `mass_GeV`, `d_gamma` (GeV^-1), `a` (null: a = infinity, scenario II), `scenario` "
                 "(null when given by a or by d_W, d_B), `flavor`, `nature` (`dirac` or `majorana`)",
        "options": "physics options: `decay_law`, `st_interference`, `three_body`",
        "n_events": "number of events in the file",
        "seed": "random seed (same seed, same events, whatever the number of threads)",
        "weighted": "true for `--weighted` events",
        "sqrt_s": "centre-of-mass energy in GeV",
        "electroweak": _TABLE.format("electroweak") + ", plus `alpha_eff`, the alpha of the weak vertices in the "
                       "card's scheme",
        "card_content": "the card as read, after `--set` (tables as in the TOML file; only the keys it gives)",
        "couplings": "`d_gamma`, `d_Z`, `d_W` in GeV^-1",
        "process": "the process, in words",
        "weight_convention": "how `weight_pb` and the `w_*` coefficients are to be used, in words",
        "root_compression": "`lz4`, `zlib` or `none`",
        "results_revision": "per kind of result (`signal`, `background`), the revision of the numbers this version "
                            "makes: files of two mcgen versions are combined only when their revisions agree",
        "branch_xxh3_64": "xxh3-64 checksum of each branch (of its stored big-endian values); the readers verify "
                          "every branch they read, so a damaged file is an error, not different numbers",
    },
    "background": {
        "version": "mcgen version that wrote the file",
        "card": "the card: `name` and `path`",
        "sqrt_s": "centre-of-mass energy in GeV",
        "seed": "random seed",
        "beam": _TABLE.format("beam"),
        "electroweak": _TABLE.format("electroweak") + ", plus `alpha_eff`",
        "note": "what the numbers include (tree level, ISR, spread), in words",
        "process": "the process, in words",
        "background_process": "its name: `nunugamma`, `eegamma` or `gammagamma` (`mcgen background --process`)",
        "cut_flow": "the cross section after each step, a list of `step`, `sigma_pb`, `sigma_err_pb`: what was "
                    "sampled (for nu nubar gamma the photon region the cuts can reach), each photon cut in turn on the "
                    "true photon, the escape cut, and after the toy detector and the selection",
        "weighted": "true unless `--unweighted`",
        "unweighted": "true for `--unweighted`",
        "events_written": "number of events in the file",
        "n_events": "number of events in the file",
        "card_content": "the card as read, after `--set`",
        "weight_convention": "how the weights are to be used, in words",
        "sigma_pb": "cross section after the card's cuts on the true photon (pb)",
        "sigma_err_pb": "its Monte Carlo error (pb)",
        "sigma_reco_pb": "cross section after the toy detector and the same cuts on the measured photon (pb)",
        "sigma_reco_err_pb": "its Monte Carlo error (pb)",
        "by_flavour": "`e`, `mu`, `tau`: each `sigma_pb`, `sigma_err_pb`, `sigma_reco_pb`",
        "unweighting_efficiency": "what `--unweighted` keeps of the truth-selected events",
        "reco_only_fraction": "share of the selected cross section that only the smearing brings into the selection",
        "overweight_fraction": "share of the cross section that events above the unweighting threshold may carry beyond it",
        "results_revision": "per kind of result (`signal`, `background`), the revision of the numbers this version "
                            "makes: files of two mcgen versions are combined only when their revisions agree",
        "branch_xxh3_64": "xxh3-64 checksum of each branch (of its stored big-endian values); the readers verify "
                          "every branch they read, so a damaged file is an error, not different numbers",
    },
}
"""The keys of the ``metadata`` JSON object of each file."""

SUMMARY: dict[str, dict[str, str]] = {
    "signal": {
        "sigma_pb": "Monte Carlo estimate of sigma(N nubar + Nbar nu) in pb: hit-or-miss from the acceptance "
                    "(unweighted events) or the mean weight (weighted)",
        "sigma_err_pb": "its Monte Carlo error (pb)",
        "sigma_quadrature_pb": "the same cross section by quadrature, which unweighted events carry as `weight_pb` "
                               "(null only from `mcgen.generate(..., weighted=True, quadrature=False)` with beam effects)",
        "eps_cuts": "fraction of the cross section whose true photon passes the card's cuts",
        "eps_det": "among true-passing events that decay inside: the fraction with `pass_all` (null if there are none)",
        "p_decay_inside": "cross-section-weighted P(N decays inside the volume)",
        "br_nu_gamma": "Br(N -> nu gamma)",
        "n_expected": "expected events: L sigma Br eps_cuts eps_det P(inside) (L sigma P(outside) for `decay = "
                      "\"outside\"` cards)",
        "n_events": "number of events",
        "unweighting_efficiency": "accepted / tried candidates (null for weighted events)",
        "envelope_violations": "candidates above the sampling envelope (0 in a correct run)",
        "rates": "`generation_ev_per_s`, `total_ev_per_s` (with the output), `compile_or_cache_load_s`",
    },
    "background": {
        "process": "the process's name: `nunugamma`, `eegamma` or `gammagamma` (`mcgen background --process`)",
        "cut_flow": "the cross section after each step (see the metadata's `cut_flow`)",
        "sigma_pb": "cross section after the card's cuts on the true photon (pb)",
        "sigma_err_pb": "its Monte Carlo error (pb)",
        "sigma_reco_pb": "cross section after the toy detector and the cuts on the measured photon (pb)",
        "sigma_reco_err_pb": "its Monte Carlo error (pb)",
        "by_flavour": "`e`, `mu`, `tau`: each `sigma_pb`, `sigma_err_pb`, `sigma_reco_pb`",
        "unweighting_efficiency": "what `--unweighted` keeps of the truth-selected events",
        "reco_only_fraction": "share of the selected cross section that only the smearing brings into the selection",
        "n_events": "number of Monte Carlo events",
    },
}
"""The keys of the ``summary`` JSON object of each file."""

ATTRS: dict[str, str] = {
    "metadata": "the first file's `metadata` object (above)",
    "summary": "the first file's `summary` object (above)",
    "files": "one entry per file read: `path`, `n_events`, `seed`",
    "n_events": "events in all files read (`weight_event_pb` = weight_pb / n_events)",
}
"""The keys of ``events.attrs["mcgen"]`` of :func:`mcgen.read`."""

RECORDS: dict[str, str] = {
    "N": "the heavy neutral lepton N (or Nbar)",
    "gamma": "the true photon",
    "gamma_reco": "the measured photon (zeros where not reconstructed)",
    "nu_recoil": "the (anti)neutrino made with N (massless: E = |p|)",
    "nu_decay": "the neutrino from N -> nu gamma",
    "nu": "the neutrino (background; massless)",
    "nubar": "the antineutrino (background; massless)",
}
"""The vector Momentum4D records of :func:`mcgen.read` (mcgen.mc.events.MOMENTA)."""

_FILES: dict[str, dict[str, Any]] = {}
_TMP: list[Path] = []


def _run_cli(argv: list[str]) -> tuple[int, str, str]:
    """``mcgen ARGV`` in this process: (exit status, stdout, stderr)."""
    from mcgen.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(argv)
    return status, out.getvalue(), err.getvalue()


def _tmpdir() -> Path:
    if not _TMP:
        _TMP.append(Path(tempfile.mkdtemp(prefix="mcgen-docs-")))
        atexit.register(shutil.rmtree, _TMP[0], True)
    return _TMP[0]


def _read_file(path: Path) -> dict[str, Any]:
    import uproot

    with uproot.open(path) as f:
        tree = f["events"]
        branches = {b.name: str(b.interpretation.numpy_dtype.newbyteorder("=")) for b in tree.branches}
        hists = {}
        for key, cls in f.classnames().items():
            name = key.split(";")[0]
            if cls.startswith("TH"):
                h = f[name].to_hist()
                ax = h.axes[0]
                hists[name] = {"label": ax.label, "bins": ax.size, "lo": float(ax.edges[0]), "hi": float(ax.edges[-1])}
        metadata, summary = json.loads(f["metadata"]), json.loads(f["summary"])
    return {"branches": branches, "histograms": hists, "metadata": metadata, "summary": summary}


def event_file(kind: str) -> dict[str, Any]:
    """A small signal or background file written by the mcgen command, and what it holds (once per process)."""
    if kind in _FILES:
        return _FILES[kind]
    folder = _tmpdir()
    path = folder / f"{kind}.root"
    argv = (EXAMPLE_SIGNAL if kind == "signal" else EXAMPLE_BACKGROUND) + ["-o", str(path), "--json"]
    status, out, err = _run_cli(argv)
    if status != 0:
        raise ExtensionError(f"mcgen docs: `mcgen {' '.join(argv)}` failed ({status}): {err.strip()}")
    info = _read_file(path) | {"path": path, "argv": argv, "json": json.loads(out)}
    if kind == "background":  # --unweighted drops weight_photon_pb and nothing else (as the description says)
        unweighted = folder / "background_unweighted.root"
        status, _, err = _run_cli(EXAMPLE_BACKGROUND + ["--unweighted", "-o", str(unweighted), "--json"])
        if status != 0:
            raise ExtensionError(f"mcgen docs: mcgen background --unweighted failed ({status}): {err.strip()}")
        dropped = set(info["branches"]) ^ set(_read_file(unweighted)["branches"])
        if dropped != {"weight_photon_pb"}:
            raise ExtensionError(f"mcgen docs: --unweighted background files differ in {sorted(dropped)}, not in "
                                 "weight_photon_pb alone: update BACKGROUND_BRANCHES")
    import mcgen

    events = mcgen.read(path)
    info["fields"] = list(events.fields)
    info["attrs"] = events.attrs["mcgen"]
    _FILES[kind] = info
    return info


_DTYPES = {"float32": "float32", "float64": "float64", "bool": "bool"}


class EventFile(SphinxDirective):
    """Tables of what an event file holds: ``:what:`` branches | histograms | metadata | summary | attrs | records,
    ``:file:`` signal | background (written at build time by the mcgen command)."""

    option_spec = {
        "what": lambda a: directives.choice(a, ("branches", "histograms", "metadata", "summary", "attrs", "records",
                                                "command", "run-keys")),
        "file": lambda a: directives.choice(a, ("signal", "background")),
    }

    def run(self) -> list[nodes.Node]:
        kind = self.options.get("file", "signal")
        what = self.options.get("what", "branches")
        info = event_file(kind)
        return getattr(self, f"_{what.replace('-', '_')}")(kind, info)

    def _command(self, kind: str, info: dict[str, Any]) -> list[nodes.Node]:
        text = "mcgen " + " ".join(a for a in info["argv"] if a != "--json").replace(str(info["path"]), f"{kind}.root")
        block = nodes.literal_block(text, text, language="console")
        return [block]

    def _run_keys(self, kind: str, info: dict[str, Any]) -> list[nodes.Node]:
        """The metadata keys that must agree between files read together (mcgen.io.read.RUN_KEYS)."""
        from mcgen.io.read import RUN_KEYS

        missing = [k for k in RUN_KEYS if k not in info["metadata"] and k not in METADATA[kind]]
        if missing:
            raise ExtensionError(f"mcgen docs: RUN_KEYS names {missing}, which the {kind} file's metadata does not have")
        para = nodes.paragraph("")
        for i, key in enumerate(RUN_KEYS):
            if i:
                para += nodes.Text(", ")
            para += nodes.literal(key, key)
        return [para]

    def _branches(self, kind: str, info: dict[str, Any]) -> list[nodes.Node]:
        described = SIGNAL_BRANCHES if kind == "signal" else BACKGROUND_BRANCHES
        where = "SIGNAL_BRANCHES" if kind == "signal" else "BACKGROUND_BRANCHES"
        branches = info["branches"]
        _check_described(f"branches of the {kind} file", list(branches), described, where)
        rows = []
        for name, dtype in branches.items():
            unit, meaning = described[name]
            label = f"branch-{kind}-{name}"
            rows.append([nodes.paragraph("", "", _anchor(self, label, name, [nodes.literal(name, name)])),
                         _DTYPES.get(dtype, dtype), unit, meaning])
        return [_table(["branch", "type", "unit", "meaning"], rows, [22, 9, 10, 59])]

    def _histograms(self, kind: str, info: dict[str, Any]) -> list[nodes.Node]:
        hists = info["histograms"]
        _check_described(f"histograms of the {kind} file", list(hists), HISTOGRAMS[kind], f"HISTOGRAMS[{kind!r}]")
        rows = []
        for name, h in hists.items():
            rows.append([nodes.paragraph("", "", nodes.literal(name, name)), h["label"],
                         f"{h['bins']} bins in [{_g(round(h['lo'], 6))}, {_g(round(h['hi'], 6))}]", HISTOGRAMS[kind][name]])
        return [_table(["histogram", "axis label", "binning (this file)", "content"], rows, [24, 26, 18, 32])]

    def _keys(self, found: dict[str, Any], described: dict[str, str], what: str, where: str) -> list[nodes.Node]:
        _check_described(what, list(found), described, where)
        rows = []
        for key, value in found.items():
            kind = ("object" if isinstance(value, dict) else "list" if isinstance(value, list) else "null" if value is None
                    else "bool" if isinstance(value, bool) else "number" if isinstance(value, (int, float)) else "string")
            rows.append([nodes.paragraph("", "", nodes.literal(key, key)), kind, described[key]])
        return [_table(["key", "JSON", "meaning"], rows, [24, 10, 66])]

    def _metadata(self, kind: str, info: dict[str, Any]) -> list[nodes.Node]:
        from mcgen.config.cards import Beam
        from mcgen.physics.constants import Electroweak

        md = info["metadata"]
        beam = {f.name for f in dataclasses.fields(Beam)}
        ew = {f.name for f in dataclasses.fields(Electroweak)} | {"alpha_eff"}
        if set(md["beam"]) != beam or set(md["electroweak"]) != ew:  # the "every key" of the descriptions
            raise ExtensionError(f"mcgen docs: metadata beam/electroweak of the {kind} file are not the card tables' keys")
        return self._keys(md, METADATA[kind], f"metadata of the {kind} file", f"METADATA[{kind!r}]")

    def _summary(self, kind: str, info: dict[str, Any]) -> list[nodes.Node]:
        return self._keys(info["summary"], SUMMARY[kind], f"summary of the {kind} file", f"SUMMARY[{kind!r}]")

    def _attrs(self, kind: str, info: dict[str, Any]) -> list[nodes.Node]:
        return self._keys(info["attrs"], ATTRS, 'events.attrs["mcgen"]', "ATTRS")

    def _records(self, kind: str, info: dict[str, Any]) -> list[nodes.Node]:
        from mcgen.mc.events import MOMENTA

        _check_described("four-momentum records", list(MOMENTA), RECORDS, "RECORDS")
        rows = []
        for name, (e, px, py, pz) in MOMENTA.items():
            branches = nodes.paragraph("")
            for i, b in enumerate([e or "|p|", px, py, pz]):
                if i:
                    branches += nodes.Text(", ")
                branches += nodes.literal(b, b) if b != "|p|" else nodes.Text("E = |p|")
            present = [k for k in ("signal", "background") if name in event_file(k)["fields"]]
            rows.append([nodes.paragraph("", "", nodes.literal(name, name)), RECORDS[name], branches, ", ".join(present)])
        return [_table(["record", "particle", "from the branches (E, px, py, pz)", "in files"], rows, [14, 34, 36, 16])]


# ---------------------------------------------------------------------------------------------------------------
# the JSON objects of the commands (--json)
# ---------------------------------------------------------------------------------------------------------------

_PROVENANCE = {
    "version": "mcgen version",
    "results_revision": "revision of the numbers per kind of result (`signal`, `background`)",
    "card": "`name` and `path` of the card",
    "beam": "the card's [beam] table, every key",
    "model": "`mass_GeV`, `d_gamma`, `a` (null: infinity), `scenario`, `flavor`, `nature`",
    "options": "`decay_law`, `st_interference`, `three_body`",
}
JSON_KEYS: dict[str, dict[str, str]] = {
    "info": {
        "couplings": "`d_gamma`, `d_Z`, `d_W` (GeV^-1)",
        "widths_GeV": "`nu_gamma`, `nu_Z`, `l_W` (two-body) and `total`: nu_gamma plus the three-body channels, "
                      "which contain the on-shell nu Z and l W above their thresholds (the two-body sum with "
                      "`--two-body`) (GeV)",
        "three_body_widths_GeV": "width of each open three-body channel through photon*, Z* and W*, e.g. "
                                 "`nu e- e+`, `l u d~` (GeV; null with `--two-body`)",
        "br_nu_gamma": "Br(N -> nu gamma)",
        "ctau_m": "proper decay length c tau (m)",
        "decay_length_m": "lab decay length beta gamma c tau at sqrt(s) (m)",
        "momentum_GeV": "N momentum at sqrt(s) (GeV)",
        "sigma_pb": "sigma(e+e- -> N nubar + Nbar nu) for the card's beams without ISR and spread, per piece: "
                    "`gamma`, `Z`, `gammaZ`, `W`, `st_interference` and `total` (pb)",
        "sigma_pb_by_helicity": "the same for fully polarised beams `LR` (e-_L e+_R), `RL`, `LL`, `RR`",
        "sigma_pb_isr": "the same pieces folded with ISR (always on here) and the card's energy spread",
        "inputs": "what was used: `sqrt_s`, the electroweak inputs with `alpha_eff`, the beams' polarisations, "
                  "`isr`, `energy_spread`",
        **_PROVENANCE,
    },
    "efficiency": {
        "masses": "the masses (GeV), one entry per mass in each list below",
        "eps_cuts": "truth-level selection efficiency, per mass (null at or above threshold)",
        "eps_cuts_err": "its Monte Carlo error",
        "eps_det": "reconstructed and selected among true-passing events decaying inside",
        "p_decay_inside": "P(N decays inside the volume)",
        "card": "card name",
        "sqrt_s": "centre-of-mass energy (GeV)",
        "structure": "the coupling structure: `scenario`, `a`, `d_Z_over_d_gamma`, `d_W_over_d_gamma` (and "
                     "`from` when it is the files' own)",
        "flavor": "the flavour",
        "nature": "`dirac` or `majorana`",
        "options": "physics options",
        "electroweak": "electroweak inputs with `alpha_eff`",
        "selection": "the card's [selection] used (null with `--cut`)",
        "cuts": "the `--cut` expressions",
        "source": "`event files` or the Monte Carlo",
        "per_mass": "per mass: `mass`, `eps_cuts`, `eps_cuts_err`, `eps_det`, `p_decay_inside`, `n_events`, "
                    "`sample` (the reduced sample the limits use), `files` (path, XXH3-128 content hash, events, "
                    "seed and metadata of each file)",
        "version": "mcgen version",
        "results_revision": "revision of the numbers per kind of result",
        "card_content": "the card as read",
        "detector_rerun": "the detector of `--detector` (null without)",
    },
    "limits": {
        "masses": "the masses (GeV)",
        "d_gamma_95": "per mass, the smallest excluded d_gamma over all cards (GeV^-1; null where nothing is "
                      "excluded or at and above threshold)",
        "excluded": "per mass, the excluded intervals [lo, hi] of d_gamma (hi null: open-ended)",
        "by_card": "per card: `d_gamma_95`, `excluded`, `eps_cuts`, `criterion`, `background_pb` and per mass "
                   "`details` (threshold and signal at the limit; CLs bands and notes for `cls`)",
        "structure": "the coupling structure and flavour",
        "cards": "card names",
        "nature": "`dirac` or `majorana`",
        "options": "physics options",
        "n_events_per_mass": "Monte Carlo events per mass (`-n`)",
        "seed": "random seed",
        "version": "mcgen version",
        "inputs": "per card, what was used: sqrt(s), electroweak inputs, beams",
        "overrides": "the `--set` values",
    },
}
"""What the --json object of each command holds (generate and background: the file's summary and metadata)."""

EXAMPLE_JSON = {
    "info": ["info", "--card", "lep2_delphi", "--mass", "100", "--dgamma", "1e-5", "--scenario", "II", "--flavor", "e"],
    "limits": ["limits", "--card", "lep2_delphi", "--masses", "50,100", "--scenario", "II", "--flavor", "e", "-n", "2000"],
}


def _json_descriptions(command: str) -> dict[str, str]:
    if command == "generate":
        return SUMMARY["signal"] | METADATA["signal"] | {"output": "the file written", "format": "`root`, `lhe` or `hepmc`"}
    if command == "background":
        return METADATA["background"] | {"output": "the file written (with `-o`)"}
    return JSON_KEYS[command]


class CommandJson(SphinxDirective):
    """``{mcgen-json} COMMAND``: the keys of ``mcgen COMMAND ... --json``, from a run at build time."""

    required_arguments = 1

    def run(self) -> list[nodes.Node]:
        command = self.arguments[0]
        if command in ("generate", "background"):
            info = event_file("signal" if command == "generate" else "background")
            argv, result = info["argv"], info["json"]
            argv = [a if a != str(info["path"]) else f"{'events' if command == 'generate' else 'background'}.root"
                    for a in argv]
        else:
            if command == "efficiency":
                argv = ["efficiency", "--input", str(event_file("signal")["path"]), "--json"]
            elif command in EXAMPLE_JSON:
                argv = EXAMPLE_JSON[command] + ["--json"]
            else:
                raise self.error(f"mcgen-json: no example for {command!r}")
            status, out, err = _run_cli(argv)
            if status != 0:
                raise ExtensionError(f"mcgen docs: `mcgen {' '.join(argv)}` failed ({status}): {err.strip()}")
            result = json.loads(out)
            argv = [a if a != str(event_file("signal")["path"]) else "events.root" for a in argv]
        described = _json_descriptions(command)
        missing = [k for k in result if k not in described]
        if missing:
            raise ExtensionError(f"mcgen docs: `mcgen {command} --json`: no description for {', '.join(missing)} "
                                 "(add it to JSON_KEYS, SUMMARY or METADATA in docs/_ext/mcgen_docs.py)")
        if command in JSON_KEYS:
            _check_described(f"mcgen {command} --json", list(result), described, f"JSON_KEYS[{command!r}]")
        text = "mcgen " + " ".join(argv)
        rows = []
        for key, value in result.items():
            kind = ("object" if isinstance(value, dict) else "list" if isinstance(value, list) else "null" if value is None
                    else "bool" if isinstance(value, bool) else "number" if isinstance(value, (int, float)) else "string")
            rows.append([nodes.paragraph("", "", nodes.literal(key, key)), kind, described[key]])
        return [nodes.paragraph("", "", nodes.Text("The keys of "), nodes.literal(text, text), nodes.Text(":")),
                _table(["key", "JSON", "meaning"], rows, [24, 10, 66])]


# ---------------------------------------------------------------------------------------------------------------
# the cut language
# ---------------------------------------------------------------------------------------------------------------

CUT_FUNCTIONS: dict[str, str] = {
    "abs": "|x|",
    "sqrt": "square root (NaN below 0: the comparison is then false)",
    "exp": "e^x",
    "log": "natural logarithm",
    "cos": "cosine (x in rad)",
    "sin": "sine (x in rad)",
    "tan": "tangent (x in rad)",
    "arccos": "inverse cosine (rad)",
    "arcsin": "inverse sine (rad)",
    "arctan": "inverse tangent (rad)",
    "minimum": "the smaller of x and y, per event",
    "maximum": "the larger of x and y, per event",
}
"""The functions of the cut language (mcgen.selection.expressions.FUNCTIONS)."""

CUT_PROPERTIES: dict[str, tuple[str, str]] = {
    "pt": ("GeV", "transverse momentum sqrt(px^2 + py^2)"),
    "eta": ("", "pseudorapidity -ln tan(theta/2)"),
    "phi": ("rad", "azimuth in (-pi, pi]"),
    "theta": ("rad", "polar angle to the e- beam (+z), in [0, pi]"),
    "costheta": ("", "cos theta (vector's name)"),
    "cos_theta": ("", "the same as `costheta` (the spelling of the `*_cos_theta` branches); in the cut language only"),
    "rapidity": ("", "rapidity (1/2) ln((E + pz)/(E - pz))"),
    "E": ("GeV", "energy"),
    "energy": ("GeV", "energy (the same as `E`)"),
    "px": ("GeV", "x momentum"),
    "py": ("GeV", "y momentum"),
    "pz": ("GeV", "z momentum"),
    "p": ("GeV", "momentum |p|"),
    "mass": ("GeV", "invariant mass sqrt(E^2 - p^2)"),
    "mt": ("GeV", "transverse mass sqrt(E^2 - pz^2)"),
    "et": ("GeV", "transverse energy E sin theta"),
}
"""The four-momentum properties of the cut language (mcgen.selection.expressions.PROPERTIES): (unit, meaning)."""

CUT_OPERATORS: dict[str, tuple[str, str]] = {
    "Add": ("+", "sum"), "Sub": ("-", "difference (also the sign -x)"), "Mult": ("*", "product"), "Div": ("/", "quotient"),
    "Pow": ("**", "power"), "Mod": ("%", "remainder"),
    "Lt": ("<", "less than"), "LtE": ("<=", "at most"), "Gt": (">", "greater than"), "GtE": (">=", "at least"),
    "Eq": ("==", "equal"), "NotEq": ("!=", "not equal"),
}
"""The operators of the cut language (the tables _BINARY and _COMPARE of mcgen.selection.expressions)."""

CUT_LIMITS: dict[str, str] = {
    "MAX_LENGTH": "characters in one expression",
    "MAX_NODES": "parts of one expression: names, numbers, operators, calls",
    "MAX_DEPTH": "levels of nesting of operators and calls",
}


def _cut_module() -> Any:
    from mcgen.selection import expressions

    return expressions


class CutLanguage(SphinxDirective):
    """``{mcgen-cut-language} functions|properties|operators|limits|fields|errors``; ``errors`` takes one
    expression per content line and shows what ``mcgen efficiency --input FILE --cut EXPR`` answers."""

    required_arguments = 1
    has_content = True

    def run(self) -> list[nodes.Node]:
        what = self.arguments[0]
        if what not in ("functions", "properties", "operators", "limits", "fields", "errors", "measured"):
            raise self.error(f"mcgen-cut-language: unknown table {what!r}")
        return getattr(self, f"_{what}")()

    def _functions(self) -> list[nodes.Node]:
        expr = _cut_module()
        _check_described("cut functions", list(expr.FUNCTIONS), CUT_FUNCTIONS, "CUT_FUNCTIONS")
        rows = []
        for name, (_, arity) in expr.FUNCTIONS.items():
            call = f"{name}({', '.join('xy'[:arity])})"
            rows.append([nodes.paragraph("", "", nodes.literal(call, call)), str(arity), CUT_FUNCTIONS[name]])
        return [_table(["function", "arguments", "value"], rows, [24, 12, 64])]

    def _properties(self) -> list[nodes.Node]:
        expr = _cut_module()
        _check_described("cut properties", list(expr.PROPERTIES), CUT_PROPERTIES, "CUT_PROPERTIES")
        for alias, target in expr.ALIASES.items():
            if target not in expr.PROPERTIES or alias not in expr.PROPERTIES:
                raise ExtensionError(f"mcgen docs: alias {alias} -> {target} is not among PROPERTIES")
        rows = []
        for name in expr.PROPERTIES:
            unit, meaning = CUT_PROPERTIES[name]
            rows.append([nodes.paragraph("", "", nodes.literal(f"gamma.{name}", f"gamma.{name}")), unit, meaning])
        return [_table(["property (of any record)", "unit", "meaning"], rows, [26, 10, 64])]

    def _operators(self) -> list[nodes.Node]:
        expr = _cut_module()
        found = [op.__name__ for op in (*expr._BINARY, *expr._COMPARE)]
        _check_described("cut operators", found, CUT_OPERATORS, "CUT_OPERATORS")
        rows = [[nodes.paragraph("", "", nodes.literal(CUT_OPERATORS[n][0], CUT_OPERATORS[n][0])),
                 "numbers -> number" if n in {o.__name__ for o in expr._BINARY} else "numbers -> condition",
                 CUT_OPERATORS[n][1]] for n in found]
        for word, meaning in (("and", "both conditions hold"), ("or", "either condition holds"), ("not", "the condition does not hold")):
            rows.append([nodes.paragraph("", "", nodes.literal(word, word)), "conditions -> condition", meaning])
        return [_table(["operator", "takes -> gives", "meaning"], rows, [16, 30, 54])]

    def _limits(self) -> list[nodes.Node]:
        expr = _cut_module()
        rows = [[nodes.paragraph("", "", nodes.literal(name, name)), f"{getattr(expr, name)}", meaning]
                for name, meaning in CUT_LIMITS.items()]
        return [_table(["limit", "value", "counts"], rows, [24, 12, 64])]

    def _fields(self) -> list[nodes.Node]:
        """The names a cut may use on each kind of file: what mcgen.read gives (records and fields) and the
        branches folded into the records."""
        from mcgen.mc.events import MOMENTA

        rows = []
        for kind in ("signal", "background"):
            info = event_file(kind)
            records = [f for f in info["fields"] if f in MOMENTA]
            fields = [f for f in info["fields"] if f not in MOMENTA]
            folded = [b for b in info["branches"] if b not in fields]
            cells = []
            for names in (records, fields, folded):
                para = nodes.paragraph("")
                for i, n in enumerate(names):
                    if i:
                        para += nodes.Text(", ")
                    para += nodes.literal(n, n)
                cells.append(para)
            rows.append([kind, *cells])
        return [_table(["file", "records (take a property)", "fields (numbers or conditions)",
                        "branches folded into the records (usable by name too)"], rows, [10, 20, 45, 25])]

    def _measured(self) -> list[nodes.Node]:
        """The names a table's cuts may not use when limits are made from it (mcgen.analysis.tables.MEASURED)."""
        from mcgen.analysis.tables import MEASURED

        para = nodes.paragraph("", "")
        para += [nodes.literal("gamma_reco", "gamma_reco"), nodes.Text(" and every name that starts with it, ")]
        for i, name in enumerate(MEASURED):
            if i:
                para += nodes.Text(", ")
            para += nodes.literal(name, name)
        return [para]

    def _errors(self) -> list[nodes.Node]:
        path = event_file("signal")["path"]
        rows = []
        for line in self.content:
            cut = line.strip()
            if not cut:
                continue
            status, out, err = _run_cli(["efficiency", "--input", str(path), "--cut", cut, "--json"])
            if status == 0:
                answer = "accepted: eps_cuts = " + f"{json.loads(out)['eps_cuts'][0]:.3f} (on the example file)"
            else:
                answer = err.strip().replace(str(path), "events.root")
                if answer.startswith("mcgen efficiency: error: "):
                    answer = answer[len("mcgen efficiency: error: "):]
                if len(answer) > 260:
                    answer = answer[:200] + " ... " + answer[-50:]
            rows.append([nodes.paragraph("", "", nodes.literal(cut, cut)),
                         nodes.paragraph("", "", nodes.literal(answer, answer)) if status else nodes.paragraph("", answer)])
        return [_table(["--cut", "mcgen answers (exit 2 and this line on stderr, or the result)"], rows, [30, 70],
                       classes=("mcgen-errors",))]


# ---------------------------------------------------------------------------------------------------------------
# the Python API: one module's public names (its __all__), summarised and documented by autodoc
# ---------------------------------------------------------------------------------------------------------------


class ApiModule(SphinxDirective):
    """``.. mcgen-api:: MODULE`` (inside ``eval-rst``): an autosummary table and the autodoc entries of the
    names in the module's ``__all__``.

    Names that are the same objects as names of the top-level ``mcgen`` namespace are documented there once
    and linked here; ``:exclude:`` leaves out others. Constants without a docstring (which autodoc skips with
    ``undoc-members`` off) are listed with their values. The entries are chosen with ``:exclude-members:``:
    an explicit ``:members:`` list would be overridden by ``autodoc_default_options = {"members": True}``."""

    required_arguments = 1
    option_spec = {"exclude": directives.unchanged}

    def run(self) -> list[nodes.Node]:
        import importlib
        import inspect

        from docutils.statemachine import StringList
        from sphinx.pycode import ModuleAnalyzer
        from sphinx.util.parsing import nested_parse_to_nodes

        import mcgen

        if type(self.state).__module__.startswith("myst_parser"):
            raise self.error("mcgen-api generates reStructuredText: use it inside an eval-rst block")
        modname = self.arguments[0]
        module = importlib.import_module(modname)
        names = list(getattr(module, "__all__", ()))
        if not names:
            raise ExtensionError(f"mcgen docs: {modname} has no __all__ to document")
        exclude = set(self.options.get("exclude", "").replace(",", " ").split())
        unknown = sorted(exclude - set(names))
        if unknown:
            raise ExtensionError(f"mcgen docs: mcgen-api {modname}: :exclude: names {unknown} that are not in its __all__")
        top: dict[str, str] = {}
        if modname != "mcgen":
            by_id = {id(getattr(mcgen, n)): n for n in mcgen.__all__ if not n.startswith("__")}
            top = {n: by_id[id(getattr(module, n))] for n in names if id(getattr(module, n)) in by_id
                   and (inspect.isclass(getattr(module, n)) or callable(getattr(module, n)))}
        attr_docs = {name for (namespace, name) in ModuleAnalyzer.for_module(modname).find_attr_docs() if not namespace}

        def undocumented_data(name: str) -> bool:
            obj = getattr(module, name)
            return not (inspect.isclass(obj) or callable(obj) or inspect.ismodule(obj)) and name not in attr_docs

        bare = [n for n in names if n not in exclude and n not in top and undocumented_data(n)]
        shown = [n for n in names if n not in exclude and n not in top and n not in bare]
        lines: list[str] = [f".. currentmodule:: {modname}", ""]
        if shown:
            lines += [".. autosummary::", "   :nosignatures:", ""] + [f"   {n}" for n in shown] + [""]
        if top:
            links = ", ".join(f":obj:`mcgen.{top[n]}`" for n in names if n in top)
            lines += [f"Also here, documented with the ``mcgen`` namespace: {links}.", ""]
        if bare:
            lines += ["Constants:", ""]
            for n in bare:
                obj = getattr(module, n)
                if isinstance(obj, dict) and any(callable(v) for v in obj.values()):
                    value = "{" + ", ".join(f"{k!r}: ..." for k in obj) + "}"
                elif obj is dataclasses.MISSING:
                    value = "dataclasses.MISSING"
                else:
                    value = re.sub(r" at 0x[0-9a-fA-F]+", "", repr(obj))  # no memory addresses
                value = value if len(value) <= 90 else value[:80] + " ..."
                lines += [f"- ``{n} = {value}``"]
            lines += [""]
        lines += [f".. automodule:: {modname}"]
        hidden = [n for n in names if n in exclude or n in top or n in bare]
        if not shown:
            lines += ["   :no-members:"]
        elif hidden:
            lines += [f"   :exclude-members: {', '.join(hidden)}"]
        lines += [""]
        result = nested_parse_to_nodes(self.state, StringList(lines, source=f"<mcgen-api {modname}>"))
        # functions documented as mcgen.NAME answer to their own module's name too (autodoc gives classes
        # a canonical name, not functions), so that references in docstrings (:func:`iterate`) resolve
        py: Any = self.env.get_domain("py")
        for name, top_name in top.items():
            if not inspect.isclass(getattr(module, name)):
                py.note_object(f"{modname}.{name}", "function", f"mcgen.{top_name}", aliased=True, location=self.get_location())
        return result


def _table_classes() -> dict[str, tuple[str, type]]:
    """Every name autodoc may give a card table class (its module's and the ``mcgen`` namespace's) -> (table, class)."""
    import mcgen

    out = {}
    for table, cls in _card_tables().items():
        out[f"{cls.__module__}.{cls.__qualname__}"] = (table, cls)
        if getattr(mcgen, cls.__name__, None) is cls:
            out[f"mcgen.{cls.__name__}"] = (table, cls)
    return out


def _rst_text(text: str) -> str:
    """Plain text made safe for reST: no substitution references (``|cos theta|``), emphasis or targets."""
    return re.sub(r"([|*`_\\])", r"\\\1", text)


def describe_card_fields(app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """autodoc-process-docstring: a card table class gets the list of its keys from their typed field
    metadata (meaning, unit, range), with links to the card reference; the dataclasses carry that text
    only as metadata, and autodoc fires no event for fields without a docstring."""
    classes = _table_classes()
    if what != "class" or name not in classes:
        return
    table, cls = classes[name]
    if not lines:
        lines += [f"The ``[{table}]`` table of a card.", ""]
    elif lines[-1]:
        lines.append("")
    lines += [f"Its keys (the fields below; every key with its default and the reason for its range: "
              f":ref:`card-table-{table}`):", ""]
    for f in dataclasses.fields(cls):
        m = f.metadata
        if "kind" not in m:
            continue
        text = f"- :ref:`{f.name} <card-{table}-{f.name}>`: {_rst_text(m['doc'])}"
        if m.get("unit"):
            text += f" ({_rst_text(m['unit'])})"
        if m["kind"] == "number":
            text += f", in ``{_interval(m)}``"
        elif m["kind"] == "choice":
            text += ": " + ", ".join(f'``"{o}"``' for o in m["options"])
        lines.append(text)
    lines.append("")


NO_SMARTQUOTES = {"reference/cli"}
"""Pages whose text is the parsers' help, option names included: ``--set`` must not become an en dash."""


class KeepDashes(Transform):
    """Switch docutils' smart quotes off on the pages of :data:`NO_SMARTQUOTES` (before Sphinx's
    SphinxSmartQuotes, priority 750, which skips every node below one with support_smartquotes=False)."""

    default_priority = 700

    def apply(self, **kwargs: Any) -> None:
        env = getattr(self.document.settings, "env", None)
        if env is not None and env.docname in NO_SMARTQUOTES:
            self.document["support_smartquotes"] = False


def setup(app: Any) -> dict[str, Any]:
    app.add_transform(KeepDashes)
    app.connect("autodoc-process-docstring", describe_card_fields)
    app.add_directive("mcgen-card-keys", CardKeys)
    app.add_directive("mcgen-limit-criteria", LimitCriteria)
    app.add_directive("mcgen-shipped-cards", ShippedCards)
    app.add_directive("mcgen-event-file", EventFile)
    app.add_directive("mcgen-cut-language", CutLanguage)
    app.add_directive("mcgen-api", ApiModule)
    app.add_directive("mcgen-json", CommandJson)
    app.add_css_file("mcgen.css")
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
