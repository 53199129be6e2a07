"""``toysup demo``: n=5 features in m=2 dimensions across sparsities, from two features to a pentagon.

Writes ``demo.png`` (the feature directions of each model) and the saved run into ``--out``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..config import ToyConfig, sparsity_sweep
from .flags import summarise

DEMO_CONFIG = ToyConfig(
    n_features=5,
    n_hidden=2,
    n_instances=8,
    feature_probability=sparsity_sweep(8, 0.05),
    importance_decay=0.9,
    steps=10_000,
    restarts=1,
)


def add_parser(commands) -> None:
    """Register ``toysup demo`` on the ``toysup`` subcommands."""
    demo = commands.add_parser("demo", help="n=5, m=2 across sparsities: from two features to a pentagon")
    demo.add_argument("--steps", type=int, default=DEMO_CONFIG.steps)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--out", default="toysup-out", help="folder for demo.png and the saved run")
    demo.add_argument("--quiet", action="store_true")
    demo.set_defaults(handler=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    config = DEMO_CONFIG.replace(steps=args.steps, seed=args.seed)
    from .. import io, plots
    from ..train import train

    start = time.perf_counter()
    result = train(config, progress=not args.quiet)
    elapsed = time.perf_counter() - start
    out = Path(args.out)
    io.save(result, out / "run")
    probability = config.feature_probability_array()[:, 0]
    fig = plots.feature_directions_2d(
        result.W, config.importance_array()[0], titles=[f"1−S = {p:.3g}" for p in probability]
    )
    fig.savefig(out / "demo.png", dpi=150)
    print(summarise(result))
    print(
        f"n=5 features in m=2 dimensions across sparsities: {config.n_instances} models, "
        f"{result.steps_done} steps, {elapsed:.1f} s"
    )
    print(f"figure: {out / 'demo.png'}   run: {out / 'run'}")
    return 0
