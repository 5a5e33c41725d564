"""The package version (one place: pyproject reads it from here), and the revisions of its results.

A new version does not always change the numbers mcgen makes. ``RESULTS_REVISION`` counts, per kind
of result, the changes that do (the reference fingerprints in ``tests/data`` change with them): files
made by two versions with the same revisions may be combined, others are refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["__version__", "RESULTS_REVISION", "results_conflict"]

__version__ = "0.1.0"

RESULTS_REVISION: dict[str, int] = {"signal": 1, "background": 1}
"""Raise an entry with every change that alters the events or rates made from the same inputs."""


def results_conflict(theirs: Mapping[str, Any], ours: Mapping[str, Any]) -> str | None:
    """Why two outputs' metadata (``version`` and ``results_revision``) cannot be combined, or None.

    >>> new = {"version": "0.2.0", "results_revision": {"signal": 1, "background": 2}}
    >>> results_conflict({"version": "0.1.0", "results_revision": {"signal": 1, "background": 1}}, new)
    'their background results differ (revision 1 vs 2)'
    >>> results_conflict({"version": "0.1.5", "results_revision": {"signal": 1, "background": 2}}, new) is None
    True
    >>> results_conflict({"version": "0.0.9"}, new)
    'mcgen 0.0.9 recorded no results revision'
    """
    if theirs.get("version") == ours.get("version"):
        return None
    revisions = [m.get("results_revision") for m in (theirs, ours)]
    for meta, revision in zip((theirs, ours), revisions):
        if not isinstance(revision, Mapping):
            return f"mcgen {meta.get('version')} recorded no results revision"
    a, b = revisions
    assert isinstance(a, Mapping) and isinstance(b, Mapping)
    for kind in sorted(set(a) | set(b)):
        if a.get(kind) != b.get(kind):
            return f"their {kind} results differ (revision {a.get(kind)} vs {b.get(kind)})"
    return None
