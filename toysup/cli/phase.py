"""``toysup phase``: the empirical and theoretical phase diagram of n=2, m=1 or n=3, m=2 (paper Sec. 5).

Writes ``phase.json``, ``phase.png`` and the sweep behind them into ``--out``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..config import ToyConfig
from .flags import add_config_flags, checking_input, given_fields

DEFAULTS = ToyConfig(n_features=2, n_hidden=1, steps=2000, learning_rate=1e-2, restarts=4)
FIELDS = ("n_features", "n_hidden", "restarts", "steps", "learning_rate", "seed")  # the settings phase_spec takes
HELPS = {
    "n_features": "number of input features n: 2 (with --hidden 1) or 3 (with --hidden 2), the shapes with a theory",
    "n_hidden": "number of hidden dimensions m: 1 (with --features 2) or 2 (with --features 3)",
    "restarts": "k >= 1 independent fits per cell; the lowest-loss one is kept (the paper's best-of-k)",
}


def add_parser(commands) -> None:
    """Register ``toysup phase`` on the ``toysup`` subcommands."""
    phase = commands.add_parser("phase", help="empirical and theoretical phase diagram (n=2/m=1 or n=3/m=2)")
    add_config_flags(phase, DEFAULTS, fields=FIELDS, helps=HELPS)
    phase.add_argument("--seeds", dest="restarts", type=int, default=None, help=argparse.SUPPRESS)  # its old name
    phase.add_argument("--grid", type=int, default=16, help="cells per axis, 2 to 200")
    phase.add_argument(
        "--out", default="toysup-out/phase", help="folder for phase.json, phase.png, the sweep; re-run to resume"
    )
    phase.add_argument("--overwrite", action="store_true", help="start afresh: remove the diagram already in --out")
    phase.add_argument("--quiet", action="store_true", help="no progress bars")
    phase.set_defaults(handler=cmd_phase)


def cmd_phase(args: argparse.Namespace) -> int:
    from .. import plots
    from ..phase import KIND, phase_spec, run_phase
    from ..storage import check_output, write_figure

    settings = {field: getattr(DEFAULTS, field) for field in FIELDS} | given_fields(args)
    with checking_input():
        spec = phase_spec(grid=args.grid, **settings)
    check_output(args.out, KIND, overwrite=args.overwrite, resume=True)  # a bad --out fails before training
    start = time.perf_counter()
    result = run_phase(spec, args.out, progress=not args.quiet, overwrite=args.overwrite)
    fig = plots.phase_diagram_of(result)
    write_figure(Path(args.out) / "phase.png", fig, dpi=150)
    print(
        f"n={settings['n_features']}, m={settings['n_hidden']}: {args.grid}x{args.grid} cells, best of "
        f"{settings['restarts']}, {settings['steps']} steps, {time.perf_counter() - start:.1f} s"
    )
    print(f"agreement with theory: {result['agreement']:.1%} of cells")
    if result["diverged"]:
        print(
            f"{result['diverged']} of {args.grid * args.grid} cells diverged (every fit's loss became non-finite; "
            f"unclassified): try a lower --lr"
        )
    print(f"wrote {Path(args.out) / 'phase.json'} and {Path(args.out) / 'phase.png'}")
    return 0
