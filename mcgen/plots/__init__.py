"""Limit plots and the source paper's figures (matplotlib, mplhep; the ``plot`` extra)."""
