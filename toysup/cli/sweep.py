"""``toysup sweep``: train every point of a grid of settings in one batched, resumable run.

    toysup sweep --features 2 --hidden 1 --axis "feature_probability=logspace(-2,0,16)" --seeds 2 --out runs/grid
    toysup sweep --config sweep.toml --out runs/grid

The grid comes from a TOML file (``[base]`` table, ``[axes]`` table, ``seeds``, ``chunk_copies``) and/or the
training flags and ``--axis``; :data:`PRECEDENCE` says how they combine. Grid points whose every restart diverged
(a non-finite loss) keep a NaN loss, and the command says how many there were.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from ..config import ToyConfig
from .flags import (
    add_chunk_steps_flag,
    add_config_flags,
    checking_input,
    chunk_steps_from_args,
    config_from_args,
    given_train_fields,
    show_default,
)

TOML_KEYS = ("base", "axes", "seeds", "chunk_copies")
PRECEDENCE = (
    "Settings combine in this order, each overriding the one before: ToyConfig's defaults, the TOML file's [base] "
    "table, then the training flags given on the command line; --seeds and --chunk-copies override the file's seeds "
    "and chunk_copies. Axes are the file's [axes] followed by each --axis. A setting given (as a flag or a [base] key) "
    "may not also be swept whole by an axis, which would ignore it."
)


def add_parser(commands) -> None:
    """Register ``toysup sweep`` on the ``toysup`` subcommands."""
    sweep = commands.add_parser(
        "sweep", help="train every point of a grid of settings in one batched run", description=PRECEDENCE
    )
    add_config_flags(sweep, ToyConfig())
    add_chunk_steps_flag(sweep)
    sweep.add_argument(
        "--axis",
        action="append",
        metavar="NAME=VALUES",
        help="a config field or one feature of a per-feature field, and its values, e.g. "
        "feature_probability=logspace(-2,0,40), importance[1]=0.5,1,2, n_hidden=1,2; repeat for more axes "
        "(default: the --config file's [axes] only)",
    )
    sweep.add_argument(
        "--config",
        default=None,
        help="TOML file with [base], [axes], seeds, chunk_copies; training flags given override its [base] "
        "(default: none)",
    )
    show_default(
        sweep.add_argument("--seeds", type=int, default=None, help="independent seeds per grid point"),
        "the --config file's seeds, else 1",
    )
    show_default(
        sweep.add_argument("--chunk-copies", type=int, default=None, help="models trained at once"),
        "the --config file's chunk_copies, else 4096",
    )
    sweep.add_argument(
        "--out", required=True, help="folder for chunks and sweep.nc; re-run to resume (default: none, required)"
    )
    sweep.add_argument(
        "--overwrite", action="store_true", help="start afresh: remove the sweep already in --out (its chunks too)"
    )
    sweep.add_argument("--quiet", action="store_true", help="no progress bars")
    sweep.set_defaults(handler=cmd_sweep)


def read_toml(path: str) -> dict:
    """The TOML file at ``path`` as a dict; a missing or malformed file is a ValueError naming ``config``."""
    import tomllib

    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ValueError(f"config: {path} does not exist") from None
    except OSError as error:  # a folder, no permission …
        raise ValueError(f"config: cannot read {path} ({error.strerror or error})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ValueError(f"config: {path} is not valid TOML ({error})") from None


def sweep_table(table: dict, path: str) -> dict:
    """The TOML file's settings, checked key by key: only ``base`` and ``axes`` tables (of ToyConfig fields and of
    axes), ``seeds`` and ``chunk_copies``; anything else is a ValueError naming the key."""
    import dataclasses

    unknown = sorted(set(table) - set(TOML_KEYS))
    if unknown:
        raise ValueError(f"config: unknown key(s) {', '.join(unknown)} in {path}; allowed: {', '.join(TOML_KEYS)}")
    for name in ("base", "axes"):
        if name in table and not isinstance(table[name], dict):
            raise ValueError(f"{name}: must be a TOML table ([{name}]) in {path}, got {table[name]!r}")
    fields = {field.name for field in dataclasses.fields(ToyConfig)}
    unknown = sorted(set(table.get("base", {})) - fields)
    if unknown:
        raise ValueError(f"base: unknown ToyConfig field(s) {', '.join(unknown)} in {path}")
    for name, values in table.get("axes", {}).items():
        if not isinstance(values, (str, list)):
            raise ValueError(
                f"axes.{name}: must be a list of values or a string like 'logspace(-2,0,8)', got {values!r}"
            )
    return table


def sweep_spec_from_args(args: argparse.Namespace):
    """The sweep from ``--config FILE.toml`` ([base] table, [axes] table, seeds, chunk_copies) and/or flags.

    ToyConfig's defaults, then the TOML [base], then the training flags given on the command line, each overriding
    the one before (see :data:`PRECEDENCE`); axes are the TOML [axes] followed by each ``--axis``. A setting given
    as a flag or a [base] key and also swept whole by an axis is an error: the axis would ignore it.
    """
    from ..sweeps import Axis, SweepSpec, parse_axis

    table = sweep_table(read_toml(args.config), args.config) if args.config else {}
    base = ToyConfig(**table.get("base", {}))
    given = {name: f"[base] {name}" for name in table.get("base", {})}
    given.update(given_train_fields(args))
    base = config_from_args(args, base)
    axes = []
    for name, values in table.get("axes", {}).items():
        axes.append(parse_axis(f"{name}={values}") if isinstance(values, str) else Axis(name, tuple(values)))
    axes.extend(parse_axis(text) for text in args.axis or ())
    for axis in axes:
        if axis.feature is None and axis.field in given:
            raise ValueError(
                f"{axis.field}: given by {given[axis.field]} and swept by the axis {axis.name!r}, which would "
                f"ignore it; drop one"
            )
    seeds = args.seeds if args.seeds is not None else table.get("seeds", 1)
    chunk_copies = args.chunk_copies if args.chunk_copies is not None else table.get("chunk_copies", 4096)
    return SweepSpec(base=base, axes=tuple(axes), seeds=seeds, chunk_copies=chunk_copies)


def cmd_sweep(args: argparse.Namespace) -> int:
    from ..storage import check_output
    from ..sweeps import KIND, run_sweep

    with checking_input():
        spec = sweep_spec_from_args(args)
        chunk_steps = chunk_steps_from_args(args)
        need_bytes = spec.result_bytes()
    # A bad --out (a file, unwritable, foreign, too little free space) fails before training.
    check_output(args.out, KIND, overwrite=args.overwrite, resume=True, need_bytes=need_bytes)
    start = time.perf_counter()
    dataset = run_sweep(spec, args.out, chunk_steps=chunk_steps, progress=not args.quiet, overwrite=args.overwrite)
    print(
        f"swept {' x '.join(f'{a.name} ({len(a.values)})' for a in spec.axes)} x {spec.seeds} seeds "
        f"x {spec.base.restarts} restarts in {time.perf_counter() - start:.1f} s"
    )
    loss = np.asarray(dataset["loss"].values, np.float64)
    finite = loss[np.isfinite(loss)]
    mean = f"{finite.mean():.5g}" if finite.size else "nan"
    print(f"mean loss {mean}; dataset: {Path(args.out) / 'sweep.nc'}")
    if finite.size < loss.size:
        print(
            f"{loss.size - finite.size} of {loss.size} grid points (x seeds) diverged: every restart's loss became "
            f"non-finite, so their loss is NaN; try a lower learning_rate",
            file=sys.stderr,
        )
    return 0
