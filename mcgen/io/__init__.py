"""Event and table files: ROOT (uproot TTree + hist histograms + metadata), LHE and HepMC3
(formatted with numpy; pylhe and pyhepmc read them back), written atomically."""

from mcgen.io.hepmc import write_hepmc
from mcgen.io.lhe import write_lhe
from mcgen.io.output import atomic_output, check_output_path
from mcgen.io.particles import N_PDG_ID, NU_PDG_ID
from mcgen.io.read import file_info, iterate, read
from mcgen.io.root import ROOT_COMPRESSIONS, RootWriter, write_background_root, write_efficiency_root, write_events
from mcgen.io.writers import FORMATS, WRITERS, EventStream, EventWriter, format_for

__all__ = ["FORMATS", "ROOT_COMPRESSIONS", "check_output_path", "atomic_output", "RootWriter", "write_lhe", "write_hepmc",
           "write_efficiency_root", "write_background_root", "write_events", "read", "iterate", "file_info", "N_PDG_ID",
           "NU_PDG_ID", "WRITERS", "EventStream", "EventWriter", "format_for"]
