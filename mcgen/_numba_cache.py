"""numba's on-disk cache, invalidated by every kernel source a cached function inlines.

numba checks only the file that defines a cached function. The signal kernel (mcgen.mc.kernel)
inlines the production stage, the toy detector, the selection, the random numbers and the
branch-free maths from other files: after an edit of, say, the detector's energy resolution, a
stale cache would silently keep the old detector. So every mcgen function's cache entry is
stamped with a hash of all the kernel sources (:data:`KERNEL_SOURCES`); editing any of them
recompiles the kernels once (about 20 s). Registered when mcgen is imported, before any kernel
is decorated.
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

__all__ = ["KERNEL_SOURCES", "kernel_sources_stamp", "register"]

PACKAGE = Path(__file__).resolve().parent
KERNEL_SOURCES = ("simd.py", "fpmath.py", "physics", "mc", "detector", "selection")
"""Files and folders (relative to the package) whose functions the numba kernels inline."""


def _source_files() -> list[Path]:
    files: list[Path] = []
    for entry in KERNEL_SOURCES:
        path = PACKAGE / entry
        files.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return files


@functools.lru_cache(maxsize=8)
def _hash(stats: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for path, _mtime, _size in stats:
        digest.update(path.encode())
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


def kernel_sources_stamp(files: list[Path] | None = None) -> str:
    """SHA-256 of the kernel sources' content (re-read only when a file's mtime or size changes)."""
    stats = []
    for path in _source_files() if files is None else files:
        st = os.stat(path)
        stats.append((str(path), st.st_mtime_ns, st.st_size))
    return _hash(tuple(stats))


_warned = False


def _temporary_locator(caching: Any) -> type:
    """The last resort: a cache folder of this user in the system's temporary folder, for an install
    that cannot write beside the package and a HOME that cannot be written (one warning line)."""

    class TemporaryCacheLocator(caching.UserWideCacheLocator):
        def __init__(self, py_func, py_file):
            super().__init__(py_func, py_file)
            folder = os.path.join(tempfile.gettempdir(), f"mcgen-numba-cache-{os.getuid() if hasattr(os, 'getuid') else 0}")
            self._cache_path = os.path.join(folder, self.get_suitable_cache_subpath(py_file))

        @classmethod
        def from_function(cls, py_func, py_file):
            global _warned
            found = super().from_function(py_func, py_file)
            if found is not None and not _warned:
                _warned = True
                print(f"mcgen: warning: neither the install nor HOME is writable: numba's cache is in "
                      f"{os.path.dirname(found.get_cache_path())}", file=sys.stderr)
            return found

    return TemporaryCacheLocator


def register() -> bool:
    """Put mcgen's locators first in numba's list; False if this numba has no such hook."""
    try:
        from numba.core import caching
        bases = (caching.UserProvidedCacheLocator, caching.InTreeCacheLocator, caching.UserWideCacheLocator,
                 _temporary_locator(caching))
        impl = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl", None)  # the name varies between releases
    except (ImportError, AttributeError):
        return False
    if impl is None:
        return False
    if any(getattr(cls, "_mcgen", False) for cls in impl._locator_classes):
        return True

    def locator(base: type) -> type:
        class Locator(base):
            _mcgen = True

            @classmethod
            def from_function(cls, py_func, py_file):  # only for mcgen's own functions
                if not Path(py_file).resolve().is_relative_to(PACKAGE):
                    return None
                return super().from_function(py_func, py_file)

            def get_source_stamp(self):
                return super().get_source_stamp(), kernel_sources_stamp()

        Locator.__name__ = Locator.__qualname__ = "Mcgen" + base.__name__
        return Locator

    impl._locator_classes = [locator(base) for base in bases] + list(impl._locator_classes)
    return True
