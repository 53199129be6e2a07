"""The paper's figures (Elhage et al. 2022, "Toy Models of Superposition"), one module per figure.

Every figure module has the same shape: ``NAME``, ``TITLE``, ``SECTION``, ``CAPTION``; ``experiment(quick)`` (its
config(s), at full or ``quick`` scale); ``run(quick, out) -> data`` (the training); ``plot(data) -> Figure``; and
``check(data) -> dict``, the paper's claim stated as numbers with a boolean ``holds``. ``make_figures`` runs them and
writes ``NAME.png``, ``NAME.svg``, ``NAME.json`` and the gallery ``README.md``, each file atomically, into a folder
that is a toysup ``figures`` result (its ``toysup.json``): a gallery grows as figures are made into it, and a folder
holding anything else is refused before any compute.

    >>> from toysup.figures import make_figures
    >>> records = make_figures(["intro"], quick=True, out="figures-quick")   # doctest: +SKIP
    >>> records[0]["check"]["holds"]                                          # doctest: +SKIP
    True
"""

from __future__ import annotations

import io
import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ..storage import check_output, mark, write_atomic, write_figure, write_text
from . import (
    adversarial,
    basic_results,
    computation,
    correlated_features,
    feature_dimensionality,
    intro,
    learning_dynamics,
    perturb_one_feature,
    phase_diagrams,
    privileged_basis,
    sae_absorption,
    sae_architectures,
    sae_recovery,
    uniform_superposition,
)
from .gallery import figure_command, write_gallery

FIGURES = {
    module.NAME: module
    for module in (
        intro,
        basic_results,
        phase_diagrams,
        uniform_superposition,
        feature_dimensionality,
        perturb_one_feature,
        correlated_features,
        learning_dynamics,
        adversarial,
        privileged_basis,
        computation,
        sae_recovery,
        sae_architectures,
        sae_absorption,
    )
}
SVG_LIMIT_BYTES = 1_000_000  # larger SVGs are not kept; the PNG and JSON are
KIND = "figures"  # the kind of result a gallery folder holds (its toysup.json)


def figure_names(names: Sequence[str] | None) -> list[str]:
    """The requested names in paper order (all when empty); an unknown name raises a one-line ValueError."""
    unknown = [name for name in names or () if name not in FIGURES]
    if unknown:
        raise ValueError(f"figures: unknown figure {unknown[0]!r}; choose from {', '.join(FIGURES)}")
    return [name for name in FIGURES if not names or name in names]


def make_figure(name: str, quick: bool, out: Path, command: str) -> dict:
    """Run, plot and check one figure; write ``NAME.png``, ``NAME.svg`` (if under 1 MB) and ``NAME.json``."""
    import matplotlib.pyplot as plt

    from ._common import jsonable

    module = FIGURES[name]
    start = time.perf_counter()
    data = module.run(quick, out)
    result = module.check(data)
    fig = module.plot(data)
    write_figure(out / f"{name}.png", fig, dpi=150)
    svg, svg_bytes = out / f"{name}.svg", io.BytesIO()
    fig.savefig(svg_bytes, format="svg")
    plt.close(fig)
    svg_note = None
    if svg_bytes.tell() > SVG_LIMIT_BYTES:
        svg_note = f"SVG not kept: {svg_bytes.tell() / 1e6:.1f} MB is over the 1 MB limit"
        svg.unlink(missing_ok=True)  # an earlier, smaller SVG of this figure would no longer match
    else:
        write_atomic(svg, lambda handle: handle.write(svg_bytes.getvalue()))
    seconds = time.perf_counter() - start
    record = {
        "name": name,
        "title": module.TITLE,
        "section": module.SECTION,
        "caption": module.CAPTION,
        "criterion": " ".join(module.check.__doc__.split()),
        "mode": "quick" if quick else "full",
        "seconds": round(seconds, 1),
        "command": command,
        "svg": None if svg_note else svg.name,
        "svg_note": svg_note,
        "check": jsonable(result),
        "data": jsonable(data, digits=4),
    }
    write_text(out / f"{name}.json", json.dumps(record, indent=1))
    return record


def make_figures(
    names: Sequence[str] | None = None,
    quick: bool = False,
    out: str | Path = "figures",
    log: Callable[[str], None] | None = None,
    overwrite: bool = False,
) -> list[dict]:
    """Make the named figures (all when empty) into ``out`` and rewrite its gallery ``README.md``.

    Args:
      names: figure names (see ``FIGURES``); empty or None for all, in paper order.
      quick: small steps and instances (seconds per figure, for tests) instead of the full-quality runs.
      out: the folder to write into: new, empty or a gallery of figures (figures made again replace their files).
      log: called with one line per finished figure, e.g. ``print``.
      overwrite: start a fresh gallery: first remove every figure's files and ``README.md`` from ``out`` (other
        files there are kept).

    Returns:
      The record of each figure made (what its ``NAME.json`` holds).

    Raises:
      OutputError: before any compute, when ``out`` is a file, unwritable or holds something other than figures.
    """
    chosen = figure_names(names)
    out = check_figures_output(out)
    mark(out, KIND)
    if overwrite:
        remove_gallery(out)
    records = []
    for index, name in enumerate(chosen, start=1):
        record = make_figure(name, quick, out, figure_command(name, quick, out))
        records.append(record)
        if log is not None:
            verdict = "holds" if record["check"]["holds"] else "does NOT hold"
            scale = " at small scale (a quick run is no verdict)" if quick else ""
            log(f"[{index}/{len(chosen)}] {name}: {record['seconds']:.1f} s, claim {verdict}{scale}")
    write_gallery(out, FIGURES)
    return records


def check_figures_output(out: str | Path) -> Path:
    """Check, before any compute, that figures may be made into ``out`` (new, empty or a gallery of figures);
    ``OutputError`` otherwise."""
    return check_output(out, KIND, resume=True)


def remove_gallery(out: Path) -> None:
    """Remove the files ``make_figures`` writes (every figure's PNG, SVG and JSON, and ``README.md``) from a gallery
    folder, leaving anything else in it."""
    for name in FIGURES:
        for suffix in (".png", ".svg", ".json"):
            (out / f"{name}{suffix}").unlink(missing_ok=True)
    (out / "README.md").unlink(missing_ok=True)


__all__ = ["FIGURES", "KIND", "check_figures_output", "figure_names", "make_figure", "make_figures", "remove_gallery"]
