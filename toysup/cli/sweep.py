"""``toysup sweep``: train every point of a grid of settings in one batched, resumable run.

    toysup sweep --features 2 --hidden 1 --axis "feature_probability=logspace(-2,0,16)" --seeds 2 --out runs/grid
    toysup sweep --config sweep.toml --out runs/grid

The grid comes from a TOML file (``[base]`` table, ``[axes]`` table, ``seeds``, ``chunk_copies``) and/or the
training flags and ``--axis``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from ..config import ToyConfig
from .flags import add_chunk_steps_flag, add_train_flags, chunk_steps_from_args, config_from_args


def add_parser(commands) -> None:
    """Register ``toysup sweep`` on the ``toysup`` subcommands."""
    sweep = commands.add_parser("sweep", help="train every point of a grid of settings in one batched run")
    add_train_flags(sweep, ToyConfig())
    add_chunk_steps_flag(sweep)
    sweep.add_argument(
        "--axis",
        action="append",
        metavar="NAME=VALUES",
        help="e.g. feature_probability=logspace(-2,0,40), importance[1]=0.5,1,2, n_hidden=1,2",
    )
    sweep.add_argument("--config", default=None, help="TOML file with [base], [axes], seeds, chunk_copies")
    sweep.add_argument("--seeds", type=int, default=None, help="independent seeds per grid point (default 1)")
    sweep.add_argument("--chunk-copies", type=int, default=None, help="models trained at once (default 4096)")
    sweep.add_argument("--out", required=True, help="folder for chunks and sweep.nc; re-run to resume")
    sweep.add_argument("--quiet", action="store_true")
    sweep.set_defaults(handler=cmd_sweep)


def read_toml(path: str) -> dict:
    """The TOML file at ``path`` as a dict; a missing or malformed file is a ValueError naming ``config``."""
    import tomllib

    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ValueError(f"config: {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"config: {path} is not valid TOML ({error})") from None


def sweep_spec_from_args(args: argparse.Namespace):
    """The sweep from ``--config FILE.toml`` ([base] table, [axes] table, seeds, chunk_copies) and/or flags.

    The base config comes from the TOML [base] table when given, else from the training flags; axes are the
    TOML [axes] followed by each ``--axis``.
    """
    from ..sweeps import Axis, SweepSpec, parse_axis

    table = read_toml(args.config) if args.config else {}
    base = ToyConfig.from_dict(table["base"]) if "base" in table else config_from_args(args, ToyConfig())
    axes = []
    for name, values in table.get("axes", {}).items():
        axes.append(parse_axis(f"{name}={values}") if isinstance(values, str) else Axis(name, tuple(values)))
    axes.extend(parse_axis(text) for text in args.axis or ())
    seeds = args.seeds if args.seeds is not None else table.get("seeds", 1)
    chunk_copies = args.chunk_copies if args.chunk_copies is not None else table.get("chunk_copies", 4096)
    return SweepSpec(base=base, axes=tuple(axes), seeds=seeds, chunk_copies=chunk_copies)


def cmd_sweep(args: argparse.Namespace) -> int:
    from ..sweeps import run_sweep

    spec = sweep_spec_from_args(args)
    chunk_steps = chunk_steps_from_args(args)
    start = time.perf_counter()
    dataset = run_sweep(spec, args.out, chunk_steps=chunk_steps, progress=not args.quiet)
    print(
        f"swept {' x '.join(f'{a.name} ({len(a.values)})' for a in spec.axes)} x {spec.seeds} seeds "
        f"x {spec.base.restarts} restarts in {time.perf_counter() - start:.1f} s"
    )
    print(f"mean loss {float(dataset['loss'].mean()):.5g}; dataset: {Path(args.out) / 'sweep.nc'}")
    return 0
