"""``toysup phase``: the empirical and theoretical phase diagram of n=2, m=1 or n=3, m=2 (paper Sec. 5).

Writes ``phase.json``, ``phase.png`` and the sweep behind them into ``--out``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path


def add_parser(commands) -> None:
    """Register ``toysup phase`` on the ``toysup`` subcommands."""
    phase = commands.add_parser("phase", help="empirical and theoretical phase diagram (n=2/m=1 or n=3/m=2)")
    phase.add_argument("--features", type=int, default=2, help="2 or 3")
    phase.add_argument("--hidden", type=int, default=1, help="1 (with 2 features) or 2 (with 3)")
    phase.add_argument("--grid", type=int, default=16, help="cells per axis, 2 to 200")
    phase.add_argument("--seeds", type=int, default=4, help="fits per cell; the lowest loss is kept")
    phase.add_argument("--steps", type=int, default=2000)
    phase.add_argument("--lr", type=float, default=1e-2)
    phase.add_argument("--seed", type=int, default=0)
    phase.add_argument(
        "--out", default="toysup-out/phase", help="folder for phase.json, phase.png, the sweep; re-run to resume"
    )
    phase.add_argument("--overwrite", action="store_true", help="start afresh: remove the diagram already in --out")
    phase.add_argument("--quiet", action="store_true")
    phase.set_defaults(handler=cmd_phase)


def cmd_phase(args: argparse.Namespace) -> int:
    from .. import plots
    from ..phase import KIND, phase_spec, run_phase
    from ..storage import check_output, write_figure

    if args.seeds < 1:
        raise ValueError(f"seeds: must be >= 1, got {args.seeds}")
    spec = phase_spec(
        args.features,
        args.hidden,
        grid=args.grid,
        restarts=args.seeds,
        steps=args.steps,
        seed=args.seed,
        learning_rate=args.lr,
    )
    check_output(args.out, KIND, overwrite=args.overwrite, resume=True)  # a bad --out fails before training
    start = time.perf_counter()
    result = run_phase(spec, args.out, progress=not args.quiet, overwrite=args.overwrite)
    fig = plots.phase_diagram_of(result)
    write_figure(Path(args.out) / "phase.png", fig, dpi=150)
    print(
        f"n={args.features}, m={args.hidden}: {args.grid}x{args.grid} cells, best of {args.seeds}, "
        f"{args.steps} steps, {time.perf_counter() - start:.1f} s"
    )
    print(f"agreement with theory: {result['agreement']:.1%} of cells")
    if result["diverged"]:
        print(
            f"{result['diverged']} of {args.grid * args.grid} cells diverged (every fit's loss became non-finite; "
            f"unclassified): try a lower --lr"
        )
    print(f"wrote {Path(args.out) / 'phase.json'} and {Path(args.out) / 'phase.png'}")
    return 0
