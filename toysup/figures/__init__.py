"""The paper's figures (Elhage et al. 2022, "Toy Models of Superposition"), one module per figure.

Every figure module has the same shape: ``NAME``, ``TITLE``, ``SECTION``, ``CAPTION``; ``experiment(quick)`` (its
config(s), at full or ``quick`` scale); ``run(quick, out) -> data`` (the training); ``plot(data) -> Figure``; and
``check(data) -> dict``, the paper's claim stated as numbers with a boolean ``holds``. ``make_figures`` runs them and
writes ``NAME.png``, ``NAME.svg``, ``NAME.json`` and the gallery ``README.md``, each file atomically, into a folder
that is a toysup ``figures`` result (its ``toysup.json``): a gallery grows as figures are made into it, and a folder
holding anything else is refused before any compute. ``replot_figures`` redraws a gallery from the data its
``NAME.json`` files hold, with the current plot code and captions, without training again.

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
from types import ModuleType

from ..storage import (
    DamagedFileError,
    OutputError,
    check_output,
    mark,
    read_json,
    write_atomic,
    write_figure,
    write_text,
)
from . import (
    adversarial,
    basic_results,
    circuits,
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
        circuits,
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


def _text(module: ModuleType) -> dict:
    """A figure record's fields that come from its module's text: title, section, caption and the check's
    criterion (its docstring)."""
    return {
        "title": module.TITLE,
        "section": module.SECTION,
        "caption": module.CAPTION,
        "criterion": " ".join(module.check.__doc__.split()),
    }


def _draw(name: str, data, out: Path) -> dict:
    """Plot ``data`` with figure ``name``'s ``plot``; write ``NAME.png`` and ``NAME.svg`` (if under 1 MB) into
    ``out``; return the record's ``svg`` and ``svg_note`` fields."""
    import matplotlib.pyplot as plt

    fig = FIGURES[name].plot(data)
    try:
        write_figure(out / f"{name}.png", fig, dpi=150)
        svg_bytes = io.BytesIO()
        fig.savefig(svg_bytes, format="svg")
    finally:
        plt.close(fig)
    svg = out / f"{name}.svg"
    if svg_bytes.tell() > SVG_LIMIT_BYTES:
        svg.unlink(missing_ok=True)  # an earlier, smaller SVG of this figure would no longer match
        return {"svg": None, "svg_note": f"SVG not kept: {svg_bytes.tell() / 1e6:.1f} MB is over the 1 MB limit"}
    write_atomic(svg, lambda handle: handle.write(svg_bytes.getvalue()))
    return {"svg": svg.name, "svg_note": None}


def make_figure(name: str, quick: bool, out: Path, command: str) -> dict:
    """Run, plot and check one figure; write ``NAME.png``, ``NAME.svg`` (if under 1 MB) and ``NAME.json``."""
    from ._common import jsonable

    module = FIGURES[name]
    start = time.perf_counter()
    data = module.run(quick, out)
    result = module.check(data)
    files = _draw(name, data, out)
    seconds = time.perf_counter() - start
    record = {
        "name": name,
        **_text(module),
        "mode": "quick" if quick else "full",
        "seconds": round(seconds, 1),
        "command": command,
        **files,
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


RECORD_FIELDS = ("name", "title", "section", "caption", "mode", "seconds", "command", "svg", "check", "data")


def _saved_record(out: Path, name: str) -> dict:
    """Figure ``name``'s record from ``out/NAME.json``, read with the bounded reader; ``DamagedFileError`` when it is
    missing, damaged or not the record of that figure (every field the gallery reads, a check with a verdict)."""
    path = out / f"{name}.json"
    if not path.exists():
        raise DamagedFileError(f"{path}: missing; make the figure first (toysup figures {name})")
    record = read_json(path)
    if not isinstance(record, dict) or record.get("name") != name:
        raise DamagedFileError(f"{path}: not the saved record of figure {name!r}")
    missing = [field for field in RECORD_FIELDS if field not in record]
    if missing:
        raise DamagedFileError(f"{path}: not the saved record of figure {name!r} (no {', '.join(missing)})")
    if not isinstance(record["check"], dict) or not isinstance(record["check"].get("holds"), bool):
        raise DamagedFileError(f"{path}: not the saved record of figure {name!r} (its check has no verdict)")
    if not isinstance(record["seconds"], (int, float)) or isinstance(record["seconds"], bool):
        raise DamagedFileError(f"{path}: not the saved record of figure {name!r} (seconds is not a number)")
    return record


def replot_figures(
    names: Sequence[str] | None = None,
    out: str | Path = "figures",
    log: Callable[[str], None] | None = None,
) -> list[dict]:
    """Redraw the named figures (all whose ``NAME.json`` is in ``out`` when empty) from their saved data, without
    training, and rewrite the gallery ``README.md``.

    Each ``NAME.png`` and ``NAME.svg`` is drawn again from the record's ``data`` with the current ``plot``, and the
    record's text fields (title, section, caption, criterion) are taken from the current module. Everything
    measured — the check's numbers and verdict, the time, the mode, the command and the data — is kept as it was:
    the check is not run again on the rounded saved data.

    Args:
      names: figure names (see ``FIGURES``); empty or None for every figure saved in ``out``, in paper order.
      out: a gallery of figures, as ``make_figures`` writes it.
      log: called with one line per redrawn figure, e.g. ``print``.

    Returns:
      The updated record of each figure (what its ``NAME.json`` now holds).

    Raises:
      OutputError: when ``out`` is not a gallery of figures or holds no saved figure.
      DamagedFileError: when a named figure's ``NAME.json`` is missing or damaged, or its data cannot be drawn;
        every record is read before anything is drawn.
    """
    chosen = figure_names(names)
    out = check_figures_output(out)
    if not names:
        chosen = [name for name in chosen if (out / f"{name}.json").exists()]
        if not chosen:
            raise OutputError(f"out: {out} holds no saved figures (NAME.json) to redraw")
    records = [_saved_record(out, name) for name in chosen]  # all read before anything is rewritten
    redrawn = 0
    try:
        for index, record in enumerate(records, start=1):
            name = record["name"]
            try:
                files = _draw(name, record["data"], out)
            except (KeyError, IndexError, TypeError, ValueError) as error:
                reason = " ".join(str(error).split())  # one line
                raise DamagedFileError(
                    f"{out / f'{name}.json'}: its data cannot be drawn ({type(error).__name__}: {reason})"
                ) from None
            record.update(_text(FIGURES[name]), **files)  # keys already there keep their place
            write_text(out / f"{name}.json", json.dumps(record, indent=1))
            redrawn += 1
            if log is not None:
                log(f"[{index}/{len(records)}] {name}: redrawn from its saved data ({record['mode']} run kept)")
    finally:
        if redrawn:  # figures redrawn before a failure are in the gallery too
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


__all__ = [
    "FIGURES",
    "KIND",
    "check_figures_output",
    "figure_names",
    "make_figure",
    "make_figures",
    "remove_gallery",
    "replot_figures",
]
