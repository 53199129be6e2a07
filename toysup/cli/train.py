"""``toysup train``: train toy models from flags, print a summary per instance and optionally save the run.

toysup train --features 5 --hidden 2 --feature-probability 1,0.1,0.05 --steps 10000 --out runs/mine

Bad flags exit with status 2 before any compute; an unusable ``--out`` with status 1, and so does a loss that turns
non-finite, which stops the run and writes nothing. Ctrl-C stops it with exit status 130, saving the partial run to
``--out`` (marked incomplete) if any step was done.
"""

from __future__ import annotations

import argparse
import time

from ..config import ToyConfig
from .flags import (
    add_chunk_steps_flag,
    add_config_flags,
    checking_input,
    chunk_steps_from_args,
    config_from_args,
    interrupted,
    summarise,
)


def add_parser(commands) -> None:
    """Register ``toysup train`` on the ``toysup`` subcommands."""
    parser = commands.add_parser("train", help="train toy models and optionally save the run")
    add_config_flags(parser, ToyConfig())
    add_chunk_steps_flag(parser)
    parser.add_argument(
        "--out",
        default=None,
        help="folder to save the run in (new, empty, or a run to --overwrite) (default: not saved)",
    )
    parser.add_argument("--overwrite", action="store_true", help="replace the toysup run already in --out")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(handler=cmd_train)


def cmd_train(args: argparse.Namespace) -> int:
    with checking_input():
        config = config_from_args(args, ToyConfig())
        chunk_steps = chunk_steps_from_args(args)
        if args.overwrite and not args.out:
            raise ValueError("overwrite: only with --out (there is nothing to replace)")
    from .. import io
    from ..storage import check_output
    from ..train import train

    if args.out:
        # A bad --out (a file, unwritable, foreign, too little free space) fails before training.
        check_output(args.out, io.KIND, overwrite=args.overwrite, need_bytes=io.result_bytes(config))
    start = time.perf_counter()
    result = train(config, chunk_steps=chunk_steps, progress=not args.quiet)
    if result.steps_done == 0:  # Ctrl-C before the first chunk finished: nothing to show or save
        return interrupted(0, config.steps)
    print(summarise(result))
    print(
        f"trained {config.n_instances} x {config.restarts} models for {result.steps_done} steps "
        f"in {time.perf_counter() - start:.1f} s"
    )
    saved = None
    if args.out:
        saved = io.save(result, args.out, overwrite=args.overwrite)
        print(f"saved run to {saved}")
    if result.steps_done < config.steps:  # Ctrl-C: the run (if saved) is marked incomplete
        return interrupted(result.steps_done, config.steps, saved)
    return 0
