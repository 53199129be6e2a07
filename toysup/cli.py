"""The ``toysup`` command line: ``train``, ``demo``, ``sweep``, ``phase``, ``info``.

Bad input exits with status 2 and one line naming the field and the allowed range, before any compute.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Callable, Sequence

from .config import MODEL_KINDS, OPTIMIZERS, SCHEDULES, ToyConfig, sparsity_sweep


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        raise UsageError(message)


def _number_list(field: str, cast: Callable = float) -> Callable[[str], list]:
    """Parse '0.1', '0.1,0.05' or '0.1 0.05' into a list of numbers, naming ``field`` when malformed."""

    def parse(text: str) -> list:
        items = [item for item in text.replace(",", " ").split() if item]
        try:
            values = [cast(item) for item in items]
        except ValueError:
            raise argparse.ArgumentTypeError(f"{field}: expected numbers separated by commas, got {text!r}") from None
        if not values:
            raise argparse.ArgumentTypeError(f"{field}: expected at least one number, got {text!r}")
        return values

    return parse


def _add_train_flags(parser: argparse.ArgumentParser, defaults: ToyConfig) -> None:
    add = parser.add_argument
    add("--features", type=int, default=defaults.n_features, help="number of features n")
    add("--hidden", type=int, default=defaults.n_hidden, help="hidden dimensions m")
    add("--model", default=defaults.model, help=f"one of {', '.join(MODEL_KINDS)}")
    add("--instances", type=int, default=None, help="models trained together (default: one per probability)")
    add("--feature-probability", type=_number_list("feature_probability"), nargs="+", default=None,
        help="1 - sparsity: one value, or one per instance (e.g. 1,0.3,0.1)")
    add("--importance", type=_number_list("importance"), nargs="+", default=None,
        help="one importance, or one per feature")
    add("--importance-decay", type=float, default=defaults.importance_decay, help="I_i = r**i")
    add("--correlated-sets", type=_number_list("correlated_sets", int), nargs="+", default=None,
        help="sizes of correlated feature sets")
    add("--anticorrelated-sets", type=_number_list("anticorrelated_sets", int), nargs="+", default=None,
        help="sizes of anticorrelated feature sets")
    add("--optimizer", default=defaults.optimizer, help=f"one of {', '.join(OPTIMIZERS)}")
    add("--lr", type=float, default=defaults.learning_rate, help="learning rate")
    add("--weight-decay", type=float, default=defaults.weight_decay, help="AdamW weight decay")
    add("--schedule", default=defaults.schedule, help=f"one of {', '.join(SCHEDULES)}")
    add("--warmup-steps", type=int, default=defaults.warmup_steps)
    add("--steps", type=int, default=defaults.steps)
    add("--batch-size", type=int, default=defaults.batch_size)
    add("--restarts", type=int, default=defaults.restarts, help="fits per instance; the best is kept")
    add("--rng", default=defaults.rng, help="data generator: hash (fast) or threefry (jax.random)")
    add("--seed", type=int, default=defaults.seed)
    add("--chunk-steps", type=int, default=defaults.chunk_steps)


def _flatten(values: list[list] | None) -> list | None:
    return None if values is None else [v for group in values for v in group]


def config_from_args(args: argparse.Namespace, defaults: ToyConfig) -> ToyConfig:
    """Build the config from parsed flags; ToyConfig's validation names any bad field."""
    probability = _flatten(args.feature_probability)
    importance = _flatten(args.importance)
    n_instances = args.instances
    if n_instances is None:
        n_instances = len(probability) if probability and len(probability) > 1 else defaults.n_instances
    if probability is None:
        probability = defaults.feature_probability
    elif len(probability) == 1:
        probability = probability[0]
    if importance is None:
        importance = defaults.importance
    elif len(importance) == 1:
        importance = importance[0]
    return ToyConfig(
        n_features=args.features,
        n_hidden=args.hidden,
        model=args.model,
        n_instances=n_instances,
        feature_probability=probability,
        importance=importance,
        importance_decay=args.importance_decay,
        correlated_sets=tuple(_flatten(args.correlated_sets) or ()),
        anticorrelated_sets=tuple(_flatten(args.anticorrelated_sets) or ()),
        optimizer=args.optimizer,
        learning_rate=args.lr,
        weight_decay=args.weight_decay,
        schedule=args.schedule,
        warmup_steps=args.warmup_steps,
        steps=args.steps,
        batch_size=args.batch_size,
        restarts=args.restarts,
        rng=args.rng,
        seed=args.seed,
        chunk_steps=args.chunk_steps,
        log_every=defaults.log_every if args.chunk_steps % defaults.log_every == 0 else 1,
    )


DEMO_CONFIG = ToyConfig(
    n_features=5,
    n_hidden=2,
    n_instances=8,
    feature_probability=sparsity_sweep(8, 0.05),
    importance_decay=0.9,
    steps=10_000,
    restarts=1,
)


def _summarise(result) -> str:
    from . import metrics

    represented = metrics.n_represented(result.W).tolist()
    lines = [f"{'instance':>8} {'p':>7} {'loss':>10} {'represented':>11} {'D*':>6}"]
    probability = result.config.feature_probability_array()[:, 0]
    dims = metrics.dimensions_per_feature(result.W).tolist()
    for index, loss in enumerate(result.final_loss):
        lines.append(f"{index:>8} {probability[index]:>7.3f} {loss:>10.5f} {represented[index]:>11} "
                     f"{dims[index]:>6.3f}")
    return "\n".join(lines)


def cmd_train(args: argparse.Namespace) -> int:
    config = config_from_args(args, ToyConfig())
    from . import io
    from .train import train

    start = time.perf_counter()
    result = train(config, progress=not args.quiet)
    print(_summarise(result))
    print(f"trained {config.n_instances} x {config.restarts} models for {result.steps_done} steps "
          f"in {time.perf_counter() - start:.1f} s")
    if args.out:
        print(f"saved run to {io.save(result, args.out)}")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    config = DEMO_CONFIG.replace(steps=args.steps, seed=args.seed)
    from . import io, plots
    from .train import train

    start = time.perf_counter()
    result = train(config, progress=not args.quiet)
    elapsed = time.perf_counter() - start
    out = Path(args.out)
    io.save(result, out / "run")
    probability = config.feature_probability_array()[:, 0]
    fig = plots.feature_directions_2d(result.W, config.importance_array()[0],
                                      titles=[f"1−S = {p:.3g}" for p in probability])
    fig.savefig(out / "demo.png", dpi=150)
    print(_summarise(result))
    print(f"n=5 features in m=2 dimensions across sparsities: {config.n_instances} models, "
          f"{result.steps_done} steps, {elapsed:.1f} s")
    print(f"figure: {out / 'demo.png'}   run: {out / 'run'}")
    return 0


def _read_toml(path: str) -> dict:
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
    from .sweeps import Axis, SweepSpec, parse_axis

    table = _read_toml(args.config) if args.config else {}
    base = ToyConfig.from_dict(table["base"]) if "base" in table else config_from_args(args, ToyConfig())
    axes = []
    for name, values in table.get("axes", {}).items():
        axes.append(parse_axis(f"{name}={values}") if isinstance(values, str) else Axis(name, tuple(values)))
    axes.extend(parse_axis(text) for text in args.axis or ())
    seeds = args.seeds if args.seeds is not None else table.get("seeds", 1)
    chunk_copies = args.chunk_copies if args.chunk_copies is not None else table.get("chunk_copies", 4096)
    return SweepSpec(base=base, axes=tuple(axes), seeds=seeds, chunk_copies=chunk_copies)


def cmd_sweep(args: argparse.Namespace) -> int:
    from .sweeps import run_sweep

    spec = sweep_spec_from_args(args)
    start = time.perf_counter()
    dataset = run_sweep(spec, args.out, progress=not args.quiet)
    print(f"swept {' x '.join(f'{a.name} ({len(a.values)})' for a in spec.axes)} x {spec.seeds} seeds "
          f"x {spec.base.restarts} restarts in {time.perf_counter() - start:.1f} s")
    print(f"mean loss {float(dataset['loss'].mean()):.5g}; dataset: {Path(args.out) / 'sweep.nc'}")
    return 0


def cmd_phase(args: argparse.Namespace) -> int:
    from . import plots
    from .phase import phase_spec, run_phase

    if args.seeds < 1:
        raise ValueError(f"seeds: must be >= 1, got {args.seeds}")
    spec = phase_spec(args.features, args.hidden, grid=args.grid, restarts=args.seeds, steps=args.steps,
                      seed=args.seed, learning_rate=args.lr)
    start = time.perf_counter()
    result = run_phase(spec, args.out, progress=not args.quiet)
    fig = plots.phase_diagram(result["feature_probability"], result["importance"], result["empirical"],
                              result["theoretical"], result["labels"], result["agreement"])
    fig.savefig(Path(args.out) / "phase.png", dpi=150)
    print(f"n={args.features}, m={args.hidden}: {args.grid}x{args.grid} cells, best of {args.seeds}, "
          f"{args.steps} steps, {time.perf_counter() - start:.1f} s")
    print(f"agreement with theory: {result['agreement']:.1%} of cells")
    print(f"wrote {Path(args.out) / 'phase.json'} and {Path(args.out) / 'phase.png'}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    import jax

    from . import __version__

    print(f"toysup {__version__}")
    print(f"jax {jax.__version__}, backend {jax.default_backend()}")
    for device in jax.devices():
        print(f"  device {device.id}: {device.platform} {device.device_kind}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="toysup", description="Toy models of superposition in JAX.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    train_parser = commands.add_parser("train", help="train toy models and optionally save the run")
    _add_train_flags(train_parser, ToyConfig())
    train_parser.add_argument("--out", default=None, help="folder to save the run in")
    train_parser.add_argument("--quiet", action="store_true", help="no progress bar")
    train_parser.set_defaults(handler=cmd_train)

    demo = commands.add_parser("demo", help="n=5, m=2 across sparsities: from two features to a pentagon")
    demo.add_argument("--steps", type=int, default=DEMO_CONFIG.steps)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--out", default="toysup-out", help="folder for demo.png and the saved run")
    demo.add_argument("--quiet", action="store_true")
    demo.set_defaults(handler=cmd_demo)

    sweep = commands.add_parser("sweep", help="train every point of a grid of settings in one batched run")
    _add_train_flags(sweep, ToyConfig())
    sweep.add_argument("--axis", action="append", metavar="NAME=VALUES",
                       help="e.g. feature_probability=logspace(-2,0,40), importance[1]=0.5,1,2, n_hidden=1,2")
    sweep.add_argument("--config", default=None, help="TOML file with [base], [axes], seeds, chunk_copies")
    sweep.add_argument("--seeds", type=int, default=None, help="independent seeds per grid point (default 1)")
    sweep.add_argument("--chunk-copies", type=int, default=None, help="models trained at once (default 4096)")
    sweep.add_argument("--out", required=True, help="folder for chunks and sweep.nc; re-run to resume")
    sweep.add_argument("--quiet", action="store_true")
    sweep.set_defaults(handler=cmd_sweep)

    phase = commands.add_parser("phase", help="empirical and theoretical phase diagram (n=2/m=1 or n=3/m=2)")
    phase.add_argument("--features", type=int, default=2, help="2 or 3")
    phase.add_argument("--hidden", type=int, default=1, help="1 (with 2 features) or 2 (with 3)")
    phase.add_argument("--grid", type=int, default=16, help="cells per axis")
    phase.add_argument("--seeds", type=int, default=4, help="fits per cell; the lowest loss is kept")
    phase.add_argument("--steps", type=int, default=2000)
    phase.add_argument("--lr", type=float, default=1e-2)
    phase.add_argument("--seed", type=int, default=0)
    phase.add_argument("--out", default="toysup-out/phase", help="folder for phase.json, phase.png, the sweep")
    phase.add_argument("--quiet", action="store_true")
    phase.set_defaults(handler=cmd_phase)

    info = commands.add_parser("info", help="versions and the devices JAX sees")
    info.set_defaults(handler=cmd_info)

    from .lessons.cli import add_parser as add_lessons_parser
    add_lessons_parser(commands)
    from .sae.cli import add_parser as add_sae_parser
    add_sae_parser(commands)
    from .animate import add_parser as add_animate_parser
    add_animate_parser(commands)
    from .figures.cli import add_parser as add_figures_parser
    add_figures_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except (UsageError, ValueError) as error:
        print(f"toysup: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as interrupt:
        print(f"toysup: interrupted{': ' + str(interrupt) if str(interrupt) else ''}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
