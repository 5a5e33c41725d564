"""Per-branch checksums of event files: xxh3-64 of each branch's values as ROOT stores them
(big-endian), recorded in the metadata when the file is written and verified when it is read,
so a flipped bit in an uncompressed basket is an error, not a silently different efficiency."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import xxhash

from mcgen.errors import InputError

__all__ = ["METADATA_KEY", "BranchChecksums", "Verifier"]

METADATA_KEY = "branch_xxh3_64"
"""The metadata key: {branch name: hex digest of all its entries, in order}."""


def _stored_bytes(values: np.ndarray) -> np.ndarray:
    """The values in the byte order ROOT stores them (big-endian), contiguous."""
    if values.dtype.byteorder in ("|", ">") or values.dtype.itemsize == 1:
        return np.ascontiguousarray(values)
    return np.ascontiguousarray(values, dtype=values.dtype.newbyteorder(">"))


class BranchChecksums:
    """Digests of branches written (or read) chunk by chunk, in entry order.

    >>> a, b = BranchChecksums(), BranchChecksums()
    >>> a.update({"x": np.arange(6, dtype=">f4")})
    >>> b.update({"x": np.arange(3, dtype="<f4")}); b.update({"x": np.arange(3, 6, dtype="<f4")})
    >>> a.hexdigests() == b.hexdigests()
    True
    """

    def __init__(self) -> None:
        self._hashers: dict[str, xxhash.xxh3_64] = {}

    def update(self, columns: Mapping[str, np.ndarray]) -> None:
        for name, values in columns.items():
            hasher = self._hashers.get(name)
            if hasher is None:
                hasher = self._hashers[name] = xxhash.xxh3_64()
            hasher.update(_stored_bytes(values).data)

    def hexdigests(self) -> dict[str, str]:
        return {name: h.hexdigest() for name, h in self._hashers.items()}


class Verifier:
    """Checks the branches read from one file against the digests its metadata recorded (files
    written before checksums were recorded have none and are read as they are)."""

    def __init__(self, path: str, metadata: Mapping, n_events: int) -> None:
        recorded = metadata.get(METADATA_KEY)
        self._path, self._n_events = path, n_events
        self._recorded: dict[str, str] = recorded if isinstance(recorded, dict) else {}
        self._sums = BranchChecksums()
        self._next = 0

    def update(self, columns: Mapping[str, np.ndarray], start: int, stop: int) -> None:
        """Add entries [start, stop) of the branches in ``columns`` (chunks come in order); at the
        last entry compare every branch read with its recorded digest."""
        if not self._recorded:
            return
        if start != self._next:  # not read from the start, in order: nothing to compare
            self._recorded = {}
            return
        self._sums.update({k: v for k, v in columns.items() if k in self._recorded})
        self._next = stop
        if stop == self._n_events:
            for name, digest in self._sums.hexdigests().items():
                if digest != self._recorded[name]:
                    raise InputError(f"{self._path}: branch {name} does not match the checksum recorded when the file was "
                                     "written: a damaged file (regenerate or copy it again)")
