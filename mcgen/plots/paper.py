"""The whole paper in one process (``mcgen reproduce --all``): every figure, sharing the scans and
backgrounds the figures have in common, the validation table, and an index page (Markdown) that
shows each figure beside its caption with the treatment, statistics, seed, version and run time.

Every file but the index's run-time column is the same, byte for byte, for the same inputs: the
figures' PDFs carry no creation date, and the run times are kept out of the JSON files.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

from mcgen.config.options import PhysicsOptions
from mcgen.io import atomic_output
from mcgen.io.output import check_output_folder, check_output_path, jsonable, make_output_folder

__all__ = ["reproduce_all", "INDEX", "VALIDATION"]

INDEX = "index.md"
VALIDATION = ("validation.txt", "validation.json")
"""The validation table as text (``mcgen validate``'s) and its JSON (without the run time)."""


def reproduce_all(out_dir: str | Path, *, n: int = 20_000, seed: int = 1, options: PhysicsOptions = PhysicsOptions(),
                  force: bool = False, quick: bool = False, beams: str = "cards",
                  validation_events: int | None = None, workers: int = 1) -> dict[str, Any]:
    """Every figure of ``mcgen.plots.figures.FIGURES``, the validation table and the index page
    into ``out_dir``; returns the files per figure, the validation and index paths and the run time
    of each part (s). ``validation_events``: events per validation Monte Carlo (default ``n``);
    ``workers``: local processes for the Monte Carlo tasks and the drawing (the same files whatever their number;
    with workers each figure is drawn while the next is computed, and its time is its computation's)."""
    from mcgen._version import __version__
    from mcgen.analysis.scan import executor
    from mcgen.analysis.validation import run_validation, text_table
    from mcgen.plots.figures import FIGURES, TITLES
    from mcgen.plots.figures.registry import draw_and_write, figure_run

    out = check_output_folder(out_dir)
    if out.is_dir():  # an existing file without --force is refused now, not after the figures
        for name in (*VALIDATION, INDEX, *(f"{f.name}{suffix}" for f in FIGURES.values() for suffix in (".png", ".pdf", ".json"))):
            check_output_path(out / name, force)
    files: dict[int, list[str]] = {}
    seconds: dict[str, float] = {}
    checked = figure_run(out, n=n, seed=seed, options=options, force=force, quick=quick, beams=beams, pool=None)  # before any worker starts
    with executor(workers) as pool:
        run = dataclasses.replace(checked, pool=pool)
        drawn: dict[int, Future[list[str]]] = {}
        for number, entry in FIGURES.items():
            start = time.perf_counter()
            curves = entry.curves(run)
            if pool is None:
                files[number] = draw_and_write(entry, out, force, beams, curves)
            else:  # drawn by a worker while the next figure is computed (the same bytes: tests/plots/test_figures.py)
                drawn[number] = pool.submit(draw_and_write, entry, out, force, beams, curves)
            seconds[f"figure{number}"] = time.perf_counter() - start
        start = time.perf_counter()
        validation = run_validation(validation_events or n, seed, quick=quick, pool=pool)
        seconds["validation"] = time.perf_counter() - start
        if drawn:
            start = time.perf_counter()
            files.update((number, future.result()) for number, future in drawn.items())
            seconds["drawing (waited for)"] = time.perf_counter() - start
    validation.pop("seconds", None)
    inputs = {"n_events": n, "validation_events": validation_events or n, "seed": seed, "quick": quick, "beams": beams,
              "options": options.as_dict(), "version": __version__}
    pages = {VALIDATION[0]: text_table(validation) + "\n",
             VALIDATION[1]: json.dumps(validation | {"inputs": inputs}, indent=1, default=jsonable) + "\n",
             INDEX: index_page(files, TITLES, inputs, seconds)}
    make_output_folder(out)
    with contextlib.ExitStack() as stack:  # one set: written unnamed, linked together at the end
        targets = {name: stack.enter_context(atomic_output(out / name, force)) for name in pages}
        for name, text in pages.items():
            targets[name].write_text(text, encoding="utf-8")
    return {"figures": files, "validation": [str(out / name) for name in VALIDATION], "index": str(out / INDEX),
            "seconds": seconds, "inputs": inputs}


def index_page(files: dict[int, list[str]], titles: dict[int, str], inputs: dict[str, Any], seconds: dict[str, float]) -> str:
    """The index page: the inputs, then each figure (image, caption, its PDF and JSON, run time) and
    the validation table's files.

    >>> page = index_page({1: ["d/figure1.png", "d/figure1.pdf", "d/figure1.json"]}, {1: "Br"},
    ...                   {"n_events": 10, "seed": 1, "quick": True, "beams": "cards", "options": {}, "version": "0"},
    ...                   {"figure1": 1.25, "validation": 2.0})
    >>> "![Figure 1: Br](figure1.png)" in page and "| figure1 | 1.2 |" in page
    True
    """
    treatment = "each card's own ISR, energy spread and polarisation" if inputs["beams"] == "cards" else \
        "no ISR, energy spread or polarisation on any card (the source paper's treatment)"
    options = ", ".join(f"{k} = {v}" for k, v in inputs["options"].items()) or "defaults"
    lines = ["# The figures of arXiv:2301.06050, made by mcgen", "",
             f"mcgen {inputs['version']}, seed {inputs['seed']}, {inputs['n_events']} weighted events per Monte Carlo task"
             f"{' (quick: coarse grids)' if inputs['quick'] else ''}; beams: {treatment}; physics options: {options}.", ""]
    for number, paths in files.items():
        png, pdf, data = (Path(p).name for p in paths)
        lines += [f"## Figure {number}: {titles[number]}", "", f"![Figure {number}: {titles[number]}]({png})", "",
                  f"[PDF]({pdf}), [curves as JSON]({data}).", ""]
    lines += ["## Validation against the paper's quoted numbers", "",
              f"[{VALIDATION[0]}]({VALIDATION[0]}) (as `mcgen validate` prints it), [{VALIDATION[1]}]({VALIDATION[1]}).", "",
              "## Run time", "", "| part | seconds |", "|---|---|"]
    lines += [f"| {part} | {value:.1f} |" for part, value in seconds.items()]
    return "\n".join(lines) + "\n"
