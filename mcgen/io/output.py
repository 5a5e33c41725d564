"""Output files: checked paths, atomic writes (an unnamed file linked into place when complete; an
existing file is not replaced without ``force``), and JSON conversion of numpy scalars."""

from __future__ import annotations

import contextlib
import functools
import glob
import math
import os
import secrets
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from mcgen import termination
from mcgen.errors import OutputError, shown

__all__ = ["write_all", "copy_file", "check_output_path", "check_output_folder", "make_output_folder", "atomic_output", "jsonable"]

def check_output_path(path: str | os.PathLike, force: bool) -> Path:
    """The output path, if it can be written: its name fits the file system, its folder exists
    and is writable, and it is not an existing file (unless ``force``)."""
    out = Path(path)
    folder = out.parent if str(out.parent) else Path(".")
    try:
        if out.is_dir():
            raise OutputError(f"output {shown(out)} is a directory: give a file name")
        if not folder.is_dir():
            raise OutputError(f"cannot write {shown(out)}: folder {shown(folder)} does not exist")
        name_max = os.pathconf(folder, "PC_NAME_MAX")
        if len(os.fsencode(out.name)) > name_max:
            raise OutputError(f"cannot write {shown(out)}: the file name is longer than the {name_max} bytes the system allows")
        if out.exists() and not force:
            raise OutputError(f"output {shown(out)} exists: use --force to replace it")
        if out.exists() and _is_stdout(out):
            raise OutputError(f"output {shown(out)} is where standard output goes: write the output to another file")
    except OSError as exc:  # a path too long as a whole, a loop of links, ...
        raise OutputError(f"cannot write {shown(out)}: {exc.strerror or exc}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write {shown(out)}: folder {shown(folder)} is not writable")
    return out


def write_all(writer: Any, cols: dict[str, np.ndarray], summary: Any, metadata: dict[str, Any]) -> None:
    """Events kept in memory through a streaming writer (mcgen.io.writers.EventWriter), in one batch;
    nothing is left if it fails."""
    try:
        writer.write(cols)
    except BaseException:
        writer.abort()
        raise
    writer.close(summary, metadata)


def copy_file(source: Any, target: Any) -> None:
    """Append all of the file object ``source`` (from its start) to ``target`` (flushed): in the kernel
    (copy_file_range) where the system has it, else through a buffer."""
    source.seek(0)
    target.flush()
    size, done = os.fstat(source.fileno()).st_size, 0
    copy_range = getattr(os, "copy_file_range", None)
    if copy_range is not None:
        with contextlib.suppress(OSError):  # a file system or kernel without it: the rest through a buffer
            while done < size and (step := copy_range(source.fileno(), target.fileno(), size - done, done)) > 0:
                done += step
    if done < size:
        source.seek(done)
        shutil.copyfileobj(source, target, 1 << 24)


def _is_stdout(path: Path) -> bool:
    """Whether ``path`` is the file standard output is redirected to (``--json > x.json`` with an
    output x.json would have the one overwrite the other)."""
    try:
        return os.path.samestat(os.fstat(1), os.stat(path))
    except OSError:
        return False


def check_output_folder(path: str | os.PathLike) -> Path:
    """An output folder that exists and is writable, or that can be made (its nearest existing
    parent is a writable folder). Nothing is created: a run made before its first file is written
    leaves no empty folder when it is stopped."""
    out = Path(path)
    try:
        if out.exists() and not out.is_dir():
            raise OutputError(f"output {shown(out)} is not a directory")
        existing = next(p for p in (out, *out.absolute().parents) if p.exists())
        if not existing.is_dir():
            raise OutputError(f"cannot create output directory {shown(out)}: {shown(existing)} is not a directory")
    except OSError as exc:
        raise OutputError(f"cannot use output directory {shown(out)}: {exc.strerror or exc}") from None
    if not os.access(existing, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write into {shown(out)}: folder {shown(existing)} is not writable")
    return out


def make_output_folder(path: Path) -> None:
    """Create an output folder (and its parents) if needed; an error is one line."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create output directory {shown(path)}: {exc.strerror or exc}") from None


@contextlib.contextmanager
def atomic_output(path: Path, force: bool = False) -> Iterator[Path]:
    """Yield a path to write ``path``'s content to; it appears at ``path`` only when complete.

    On Linux the content goes to an unnamed file (``O_TMPFILE``, reached as /proc/self/fd/N) that
    is linked into place at the end: a killed process leaves nothing behind, whatever the signal.
    Elsewhere a hidden ``.NAME.PID.RANDOM.part`` file is used, and the next run removes those of
    dead processes. The final step never replaces a file that appeared meanwhile unless ``force``.
    """
    folder = path.parent if str(path.parent) else Path(".")
    fd = _unnamed_file(folder)
    link: Callable[[Path], None]
    if fd is not None:
        target, link, cleanup = Path(f"/proc/self/fd/{fd}"), functools.partial(_link_fd, fd), functools.partial(os.close, fd)
    else:
        _remove_stale_parts(folder, path.name)
        tmp = _part_name(folder, path.name)
        try:
            tmp.touch(mode=0o666)
        except OSError as exc:  # a folder that cannot be written (read-only, no permission)
            raise OutputError(f"cannot write {shown(path)}: {exc.strerror or exc}") from None
        target, link, cleanup = tmp, functools.partial(os.link, tmp), functools.partial(tmp.unlink, missing_ok=True)
    try:
        try:
            yield target
        except OSError as exc:  # a full disk, a quota: the run is lost but the message is one line
            raise OutputError(f"cannot write {shown(path)}: {exc.strerror or exc}") from None
        _publish(link, folder, path, force)
    finally:
        cleanup()


def _publish(link: Callable[[Path], None], folder: Path, path: Path, force: bool) -> None:
    """Give the finished content the name ``path``: a link, which fails if the name exists (no
    clobbering), or with ``force`` a link under a private name and a rename over the target.
    Nothing is published after a termination request, even one whose exception was lost."""
    termination.check()
    if not force:
        try:
            link(path)
        except FileExistsError:
            raise OutputError(f"output {shown(path)} appeared while writing: use --force to replace it") from None
        return
    staged = _part_name(folder, path.name)
    link(staged)
    try:
        os.replace(staged, path)
    finally:
        staged.unlink(missing_ok=True)


def _unnamed_file(folder: Path) -> int | None:
    """An unnamed file in ``folder`` (Linux O_TMPFILE), or None where the system has none."""
    flag = getattr(os, "O_TMPFILE", None)
    if flag is None or not os.path.isdir("/proc/self/fd"):
        return None
    try:
        return os.open(folder, flag | os.O_RDWR | os.O_CLOEXEC, 0o666)
    except OSError:  # file system without O_TMPFILE support
        return None


def _link_fd(fd: int, target: Path) -> None:
    """Give the unnamed file ``fd`` the name ``target`` (linkat with AT_SYMLINK_FOLLOW); fails if it exists."""
    proc = os.open("/proc/self/fd", os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.link(str(fd), target, src_dir_fd=proc, follow_symlinks=True)
    finally:
        os.close(proc)


_PART_STEM = 100  # characters of the target's name kept in a temporary name (which must fit NAME_MAX too)


def _part_name(folder: Path, name: str) -> Path:
    return folder / f".{name[:_PART_STEM]}.{os.getpid()}.{secrets.token_hex(4)}.part"


def _remove_stale_parts(folder: Path, name: str) -> None:
    """Remove ``.NAME.PID.*.part`` files left by processes that no longer run."""
    stem = name[:_PART_STEM]
    for part in folder.glob(f".{glob.escape(stem)}.*.part"):
        pid = part.name[len(stem) + 2:].split(".", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            part.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def jsonable(obj: Any) -> Any:
    if isinstance(obj, (np.floating, np.integer)):
        return obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    raise TypeError(f"not JSON serialisable: {type(obj)}")


