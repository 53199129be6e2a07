"""``toysup figures [NAME ...] [--quick] [--out DIR] [--overwrite]``: regenerate the paper's figures and their
gallery; ``toysup figures --replot [NAME ...] [--out DIR]``: redraw them from their saved results, without training."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from ..figures.gallery import DEFAULT_OUT
from ..interrupts import interrupts_propagate
from .flags import UsageError, checking_input


def add_parser(commands) -> None:
    """Register the ``figures`` subcommand on the ``toysup`` subparsers."""
    from ..figures import FIGURES

    parser = commands.add_parser("figures", help="regenerate the paper's figures (PNG, SVG, JSON) and their gallery")
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"figures to make (or redraw): {', '.join(FIGURES)} (default: all)"
    )
    parser.add_argument("--quick", action="store_true", help="small steps and instances, seconds per figure")
    parser.add_argument("--out", default=DEFAULT_OUT, help="folder for the figures and README.md")
    parser.add_argument(
        "--overwrite",
        action="store_true",
        help="start a fresh gallery: remove the figures and README.md already in --out (other files are kept)",
    )
    parser.add_argument(
        "--replot",
        action="store_true",
        help="redraw the figures saved in --out (every one there when no NAME is given) from their NAME.json with "
        "the current plot code and captions, without training; their checks, times and data are kept",
    )
    parser.set_defaults(handler=cmd_figures)


def cmd_figures(args: argparse.Namespace) -> int:
    from ..figures import check_figures_output, figure_names, make_figures

    if args.replot:
        return replot(args)
    with checking_input():
        names = figure_names(args.names)  # a bad name fails here, before any compute
    check_figures_output(args.out)  # and so does a bad --out
    start = time.perf_counter()
    with interrupts_propagate():  # Ctrl-C ends the command (status 130); no figure is drawn from a partial run
        records = make_figures(
            names, quick=args.quick, out=args.out, log=lambda line: print(line, flush=True), overwrite=args.overwrite
        )
    elapsed = time.perf_counter() - start
    holding = sum(record["check"]["holds"] for record in records)
    scale = " at small scale (a quick run is no verdict)" if args.quick else ""
    print(
        f"made {len(records)} figures in {elapsed:.0f} s ({elapsed / 60:.1f} min) on {os.cpu_count()} CPU cores; "
        f"{holding} of {len(records)} claims hold{scale}; "
        f"gallery: {Path(args.out) / 'README.md'}"
    )
    return 0


def replot(args: argparse.Namespace) -> int:
    """``--replot``: redraw saved figures and the gallery; flags that would have no effect are refused first."""
    from ..figures import figure_names, replot_figures

    unused = [flag for flag, given in (("--quick", args.quick), ("--overwrite", args.overwrite)) if given]
    if unused:
        raise UsageError(
            f"--replot redraws saved results, so {' and '.join(unused)} would have no effect; leave "
            f"{'them' if len(unused) > 1 else 'it'} out"
        )
    with checking_input():
        figure_names(args.names)  # a bad name is bad input; a missing or damaged saved figure is not
    start = time.perf_counter()
    records = replot_figures(args.names, out=args.out, log=lambda line: print(line, flush=True))
    elapsed = time.perf_counter() - start
    figures = f"{len(records)} figure{'s' if len(records) != 1 else ''}"
    print(
        f"redrew {figures} from their saved results in {elapsed:.0f} s (checks, times and data kept); "
        f"gallery: {Path(args.out) / 'README.md'}"
    )
    return 0
