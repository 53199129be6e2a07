"""``toysup demo``: n=5 features in m=2 dimensions across sparsities, from two features to a pentagon.

Writes ``demo.png`` (the feature directions of each model) and the saved run ``run/`` into ``--out``. The folder
may hold other things (the default ``toysup-out/`` also collects other commands' output); the demo replaces its own
earlier ``run/`` and ``demo.png`` there without ``--overwrite``, so the README's first command can be run again, and
needs ``--overwrite`` to replace a run or a ``demo.png`` it did not write (it never replaces anything else).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..config import ToyConfig, sparsity_sweep
from .flags import add_config_flags, checking_input, given_fields, interrupted, summarise

DEMO_CONFIG = ToyConfig(
    n_features=5,
    n_hidden=2,
    n_instances=8,
    feature_probability=sparsity_sweep(8, 0.05),
    importance_decay=0.9,
    steps=10_000,
    restarts=1,
)
DEMO_OWNER = "demo"  # recorded in the saved run's toysup.json: the demo may replace its own output


def add_parser(commands) -> None:
    """Register ``toysup demo`` on the ``toysup`` subcommands."""
    demo = commands.add_parser("demo", help="n=5, m=2 across sparsities: from two features to a pentagon")
    add_config_flags(demo, DEMO_CONFIG, fields=("steps", "seed"))
    demo.add_argument(
        "--out",
        default="toysup-out",
        help="folder for demo.png and the saved run run/; the demo replaces its own earlier output there",
    )
    demo.add_argument(
        "--overwrite", action="store_true", help="also replace a run/ or demo.png in --out that the demo did not write"
    )
    demo.add_argument("--quiet", action="store_true", help="no progress bar")
    demo.set_defaults(handler=cmd_demo)


def check_demo_output(out: str | Path, overwrite: bool) -> bool:
    """Check, before training, that the demo may write ``OUT/run`` and ``OUT/demo.png``; True when they are the
    demo's own earlier output (replaced without ``--overwrite``; a run from before runs were marked counts as the
    demo's when a ``demo.png`` lies beside it)."""
    from ..storage import OutputError, check_output, marker

    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"out: {out} is a file, not a folder")
    run, figure = out / "run", out / "demo.png"
    earlier = marker(run) or {}
    ours = earlier.get("owner") == DEMO_OWNER or bool(earlier.get("legacy") and figure.is_file())
    check_output(run, "run", overwrite=overwrite or ours)
    if figure.is_dir():
        raise OutputError(f"out: {figure} is a folder")
    if figure.exists() and not (overwrite or ours):
        raise OutputError(f"out: {figure} was not written by toysup demo; pass --overwrite to replace it")
    return ours


def cmd_demo(args: argparse.Namespace) -> int:
    with checking_input():
        config = DEMO_CONFIG.replace(**given_fields(args))
    from .. import io, plots
    from ..storage import write_figure
    from ..train import train

    replace = check_demo_output(args.out, args.overwrite) or args.overwrite  # a bad --out fails before training

    start = time.perf_counter()
    result = train(config, progress=not args.quiet)
    if result.steps_done == 0:  # Ctrl-C before the first chunk finished: nothing to draw or save
        return interrupted(0, config.steps)
    elapsed = time.perf_counter() - start
    out = Path(args.out)
    io.save(result, out / "run", overwrite=replace, owner=DEMO_OWNER)
    probability = config.feature_probability_array()[:, 0]
    fig = plots.feature_directions_2d(
        result.W, config.importance_array()[0], titles=[f"p = {p:.3g}" for p in probability]
    )
    write_figure(out / "demo.png", fig, dpi=150)
    print(summarise(result))
    print(
        f"n=5 features in m=2 dimensions across sparsities: {config.n_instances} models, "
        f"{result.steps_done} steps, {elapsed:.1f} s"
    )
    print(f"figure: {out / 'demo.png'}   run: {out / 'run'}")
    if result.steps_done < config.steps:  # Ctrl-C: the saved run is marked incomplete
        return interrupted(result.steps_done, config.steps, str(out / "run"))
    return 0
