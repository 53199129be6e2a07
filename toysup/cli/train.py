"""``toysup train``: train toy models from flags, print a summary per instance and optionally save the run.

toysup train --features 5 --hidden 2 --feature-probability 1,0.1,0.05 --steps 10000 --out runs/mine
"""

from __future__ import annotations

import argparse
import time

from ..config import ToyConfig
from .flags import add_chunk_steps_flag, add_train_flags, chunk_steps_from_args, config_from_args, summarise


def add_parser(commands) -> None:
    """Register ``toysup train`` on the ``toysup`` subcommands."""
    parser = commands.add_parser("train", help="train toy models and optionally save the run")
    add_train_flags(parser, ToyConfig())
    add_chunk_steps_flag(parser)
    parser.add_argument("--out", default=None, help="folder to save the run in")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=cmd_train)


def cmd_train(args: argparse.Namespace) -> int:
    config = config_from_args(args, ToyConfig())
    chunk_steps = chunk_steps_from_args(args)
    from .. import io
    from ..train import train

    start = time.perf_counter()
    result = train(config, chunk_steps=chunk_steps, progress=not args.quiet)
    print(summarise(result))
    print(
        f"trained {config.n_instances} x {config.restarts} models for {result.steps_done} steps "
        f"in {time.perf_counter() - start:.1f} s"
    )
    if args.out:
        print(f"saved run to {io.save(result, args.out)}")
    return 0
