"""Analyses on top of the events: efficiency tables (from a fresh Monte Carlo or from event files),
the limit criteria and CLs, scans over masses and coupling structures, the existing constraints,
``mcgen info`` and the validation against the source paper."""
