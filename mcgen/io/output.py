"""Output files: checked paths, atomic writes (a temporary name renamed when complete; an existing
file is not replaced without ``force``), and JSON conversion of numpy scalars."""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from mcgen.errors import OutputError

__all__ = ["FORMATS", "check_output_path", "atomic_output", "jsonable"]

FORMATS: tuple[str, ...] = ("root", "lhe", "hepmc")


def check_output_path(path: str | os.PathLike, force: bool) -> Path:
    """The output path, if it can be written: its folder exists and is writable, and it is
    not an existing file (unless ``force``)."""
    out = Path(path)
    if out.is_dir():
        raise OutputError(f"output {out} is a directory: give a file name")
    if out.exists() and not force:
        raise OutputError(f"output {out} exists: use --force to replace it")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise OutputError(f"cannot write {out}: folder {folder} does not exist")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {out}: folder {folder} is not writable")
    return out


@contextlib.contextmanager
def atomic_output(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` on success, remove it on failure."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent if str(path.parent) else ".")
    os.close(fd)
    tmp_path = Path(tmp)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp makes 0600; give the usual permissions
    try:
        yield tmp_path
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def jsonable(obj: Any) -> Any:
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    raise TypeError(f"not JSON serialisable: {type(obj)}")


