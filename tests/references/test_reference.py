"""A fixed seed gives the same events, cross sections, widths and limits on every x86-64 host:
bit for bit the committed tests/references/data/reference_events.json (tests/references/data/make_reference.py), in
this process and in processes that emulate other CPUs: numpy's SIMD paths limited to AVX2 or to
its SSE4.2 baseline (NPY_DISABLE_CPU_FEATURES), numba compiling for Haswell or for the generic
x86-64 (NUMBA_CPU_NAME), OpenBLAS's kernels of those CPUs (OPENBLAS_CORETYPE) and the C
library's maths without FMA (GLIBC_TUNABLES); and, on each emulated host, in a process that loads every kernel
from numba's cache instead of compiling it. The one documented exception is make_reference.HOST_DEPENDENT,
compared to make_reference.HOST_TOLERANCE."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from data import make_reference

REFERENCE_FILE = Path(__file__).parent / "data" / "reference_events.json"
REFERENCE = json.loads(REFERENCE_FILE.read_text())


def differences(expected: Any, got: Any, path: str = "") -> list[str]:
    """Where ``got`` differs from ``expected``: exact everywhere but HOST_DEPENDENT keys (relative tolerance)."""
    if isinstance(expected, dict) and isinstance(got, dict):
        out = [f"{path}/{k}: missing or extra" for k in sorted(set(expected) ^ set(got))]
        for k in sorted(set(expected) & set(got)):
            if k in make_reference.HOST_DEPENDENT and isinstance(expected[k], float) and isinstance(got[k], float):
                if abs(got[k] - expected[k]) > make_reference.HOST_TOLERANCE * abs(expected[k]):
                    out.append(f"{path}/{k}: {got[k]!r} != {expected[k]!r} beyond {make_reference.HOST_TOLERANCE}")
            else:
                out.extend(differences(expected[k], got[k], f"{path}/{k}"))
        return out
    if isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            return [f"{path}: {len(got)} items != {len(expected)}"]
        return [d for i, (a, b) in enumerate(zip(expected, got)) for d in differences(a, b, f"{path}[{i}]")]
    return [] if expected == got else [f"{path}: {got!r} != {expected!r}"]


def test_the_comparison_sees_a_changed_bit():
    changed = json.loads(json.dumps(REFERENCE))
    column = changed["signal"][0]["columns"]["gamma_E"]
    column["sum"] = float(np.nextafter(column["sum"], np.inf))
    before = REFERENCE["signal"][0]["columns"]["gamma_E"]["sum"]
    assert differences(REFERENCE, changed) == [f"/signal[0]/columns/gamma_E/sum: {column['sum']!r} != {before!r}"]
    limits = changed["limits"][2]["result"]["by_card"]["cepc_z"]["details"][0]
    limits["cls_expected_at_limit"] *= 1 + 0.1 * make_reference.HOST_TOLERANCE  # within the documented tolerance
    assert len(differences(REFERENCE, changed)) == 1


@pytest.mark.slow
def test_this_process_makes_the_reference():
    found = differences(REFERENCE, make_reference.everything())
    assert not found, f"{len(found)} differences: " + "; ".join(found[:20])


def _cpu_features() -> tuple[set[str], list[str]]:
    from numpy._core import _multiarray_umath as umath

    return {k for k, v in umath.__cpu_features__.items() if v}, list(umath.__cpu_dispatch__)


def _emulation(host: str) -> dict[str, str]:
    """The environment of a process that computes as ``host`` would (skips what this CPU cannot run)."""
    features, dispatch = _cpu_features()
    if host == "avx2":
        if not {"AVX2", "FMA3"} <= features:
            pytest.skip("this CPU has no AVX2: it is the AVX2 host")
        above = [f for f in dispatch if f in features and ("512" in f or f == "X86_V4")]
        return {"NPY_DISABLE_CPU_FEATURES": " ".join(above), "NUMBA_CPU_NAME": "haswell", "NUMBA_CPU_FEATURES": "+64bit",
                "OPENBLAS_CORETYPE": "Haswell"}
    above = [f for f in dispatch if f in features]  # every SIMD path beyond numpy's baseline (SSE4.2)
    return {"NPY_DISABLE_CPU_FEATURES": " ".join(above), "NUMBA_CPU_NAME": "generic", "OPENBLAS_CORETYPE": "Nehalem",
            "GLIBC_TUNABLES": "glibc.cpu.hwcaps=-AVX2,-FMA,-AVX512F,-AVX512DQ,-AVX512VL"}


HOSTS = ("avx2", "sse42")


@pytest.fixture(scope="module")
def emulated_runs(tmp_path_factory) -> Iterator[dict[str, tuple[subprocess.Popen, Path, dict[str, str]] | str]]:
    """make_reference.py started once per emulated host, side by side (each compiles every kernel for its CPU in
    its own numba cache: minutes, one core each): the running process, its folder (stdout.json, stderr.txt) and
    environment, or why the host cannot be emulated here."""
    runs: dict[str, tuple[subprocess.Popen, Path, dict[str, str]] | str] = {}
    for host in HOSTS:
        if sys.platform != "linux" or os.uname().machine != "x86_64":
            runs[host] = "the emulation needs x86-64 Linux"
            continue
        try:
            environment = _emulation(host)
        except pytest.skip.Exception as why:
            runs[host] = str(why)
            continue
        folder = tmp_path_factory.mktemp(host)
        env = {**os.environ, **environment, "NUMBA_CACHE_DIR": str(folder / "numba")}
        runs[host] = (_start(env, folder / "stdout.json", folder / "stderr.txt"), folder, env)
    yield runs
    for run in runs.values():
        if not isinstance(run, str) and run[0].poll() is None:
            run[0].kill()
            run[0].wait()


def _files(folder: Path) -> dict[str, int]:
    """The files under a folder and their modification times (ns)."""
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


def _start(env: dict[str, str], stdout: Path, stderr: Path) -> subprocess.Popen:
    with open(stdout, "w") as out, open(stderr, "w") as err:
        return subprocess.Popen([sys.executable, str(Path(make_reference.__file__))], env=env, stdout=out, stderr=err)


@pytest.mark.slow
@pytest.mark.parametrize("host", HOSTS)
def test_other_x86_hosts_make_the_reference(host, emulated_runs):
    """Both emulations run at once (the first test waits for its own; the other's is done by then or soon). Then a
    second process loads every kernel from the first one's cache, as pool and Dask workers do, and must make the
    same reference: no floating-point flag lets the compiler round differently depending on how it inlines or
    vectorises (seconds: nothing compiles)."""
    run = emulated_runs[host]
    if isinstance(run, str):
        pytest.skip(run)
    process, folder, env = run
    assert process.wait(timeout=1800) == 0, (folder / "stderr.txt").read_text()[-3000:]
    found = differences(REFERENCE, json.loads((folder / "stdout.json").read_text()))
    assert not found, f"{host}: {len(found)} differences: " + "; ".join(found[:20])
    cache = _files(folder / "numba")
    assert any(name.endswith(".nbi") for name in cache)
    loaded = _start(env, folder / "loaded.json", folder / "loaded.txt")
    assert loaded.wait(timeout=900) == 0, (folder / "loaded.txt").read_text()[-3000:]
    assert _files(folder / "numba") == cache  # nothing compiled, nothing written: every kernel came from the cache
    found = differences(REFERENCE, json.loads((folder / "loaded.json").read_text()))
    assert not found, f"{host}, kernels loaded from the cache: {len(found)} differences: " + "; ".join(found[:20])
