"""What the ``toysup`` commands share: the one-line-error parser, number-list flags, the toy-model training flags
and the config built from them, the ``--chunk-steps`` flag of the training loop, the per-instance summary printed
after training, and the report of an interrupted run.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from ..config import MODEL_KINDS, OPTIMIZERS, SCHEDULES, ToyConfig
from ..engine import DEFAULT_CHUNK_STEPS
from ..validation import integer

INTERRUPTED = 130  # the exit status after Ctrl-C (128 + SIGINT), as shells report it


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors raise :class:`UsageError` (one line, no usage dump)."""

    def error(self, message: str) -> None:
        raise UsageError(message)


def number_list(field: str, cast: Callable = float) -> Callable[[str], list]:
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


# Each training flag and the ToyConfig field it sets (the list flags are handled by config_from_args).
TRAIN_FLAGS = {
    "features": "n_features",
    "hidden": "n_hidden",
    "model": "model",
    "importance_decay": "importance_decay",
    "optimizer": "optimizer",
    "lr": "learning_rate",
    "weight_decay": "weight_decay",
    "schedule": "schedule",
    "warmup_steps": "warmup_steps",
    "steps": "steps",
    "batch_size": "batch_size",
    "restarts": "restarts",
    "rng": "rng",
    "seed": "seed",
}


def add_train_flags(parser: argparse.ArgumentParser, defaults: ToyConfig) -> None:
    """The ``ToyConfig`` fields as flags (``--features``, ``--hidden``, …), defaulting to ``defaults``.

    Every flag's parsed default is None, so :func:`config_from_args` can tell a flag given on the command line
    (which overrides a base config, e.g. a sweep's TOML ``[base]``) from one left out (which keeps it)."""
    add = parser.add_argument
    add("--features", type=int, default=None, help=f"number of features n (default {defaults.n_features})")
    add("--hidden", type=int, default=None, help=f"hidden dimensions m (default {defaults.n_hidden})")
    add("--model", default=None, help=f"one of {', '.join(MODEL_KINDS)} (default {defaults.model})")
    add("--instances", type=int, default=None, help="models trained together (default: one per probability)")
    add(
        "--feature-probability",
        type=number_list("feature_probability"),
        nargs="+",
        default=None,
        help="feature probability p, how often each feature is non-zero (the paper's sparsity S = 1 − p): "
        "one value, or one per instance (e.g. 1,0.3,0.1)",
    )
    add(
        "--importance",
        type=number_list("importance"),
        nargs="+",
        default=None,
        help="one importance, or one per feature",
    )
    add("--importance-decay", type=float, default=None, help=f"I_i = r**i (default {defaults.importance_decay:g})")
    add(
        "--correlated-sets",
        type=number_list("correlated_sets", int),
        nargs="+",
        default=None,
        help="sizes of correlated feature sets",
    )
    add(
        "--anticorrelated-sets",
        type=number_list("anticorrelated_sets", int),
        nargs="+",
        default=None,
        help="sizes of anticorrelated feature sets",
    )
    add("--optimizer", default=None, help=f"one of {', '.join(OPTIMIZERS)} (default {defaults.optimizer})")
    add("--lr", type=float, default=None, help=f"learning rate (default {defaults.learning_rate:g})")
    add("--weight-decay", type=float, default=None, help="decoupled weight decay; adamw only (default 0)")
    add("--schedule", default=None, help=f"one of {', '.join(SCHEDULES)} (default {defaults.schedule})")
    add("--warmup-steps", type=int, default=None, help=f"< steps (default {defaults.warmup_steps})")
    add("--steps", type=int, default=None, help=f"(default {defaults.steps})")
    add("--batch-size", type=int, default=None, help=f"(default {defaults.batch_size})")
    add("--restarts", type=int, default=None, help=f"fits per instance; the best is kept (default {defaults.restarts})")
    add("--rng", default=None, help=f"data generator: hash (fast) or threefry (jax.random) (default {defaults.rng})")
    add("--seed", type=int, default=None, help=f"(default {defaults.seed})")


def add_chunk_steps_flag(parser: argparse.ArgumentParser) -> None:
    """``--chunk-steps``: how the training loop runs, passed to the training call (not part of the config)."""
    parser.add_argument(
        "--chunk-steps",
        type=int,
        default=DEFAULT_CHUNK_STEPS,
        help=f"steps per compiled chunk; progress and Ctrl-C between chunks (default {DEFAULT_CHUNK_STEPS})",
    )


def chunk_steps_from_args(args: argparse.Namespace) -> int:
    """``--chunk-steps``, checked before any compute."""
    integer("chunk_steps", args.chunk_steps, 1, 2**31 - 1)
    return args.chunk_steps


def _flatten(values: list[list] | None) -> list | None:
    return None if values is None else [v for group in values for v in group]


def given_train_fields(args: argparse.Namespace) -> dict[str, str]:
    """The ToyConfig fields set by training flags given on the command line, each with its flag (``--features``)."""
    fields = {
        **TRAIN_FLAGS,
        "instances": "n_instances",
        **{name: name for name in ("feature_probability", "importance", "correlated_sets", "anticorrelated_sets")},
    }
    return {field: f"--{flag.replace('_', '-')}" for flag, field in fields.items() if getattr(args, flag) is not None}


def config_from_args(args: argparse.Namespace, defaults: ToyConfig) -> ToyConfig:
    """Build the config from flags added by :func:`add_train_flags`: each flag given overrides ``defaults``, the
    rest keep it; ToyConfig's validation names any bad field.

    A flag without effect is an error rather than ignored: ``--weight-decay`` needs ``--optimizer adamw``.
    """
    changes = {field: getattr(args, flag) for flag, field in TRAIN_FLAGS.items() if getattr(args, flag) is not None}
    probability = _flatten(args.feature_probability)
    importance = _flatten(args.importance)
    if args.instances is not None:
        changes["n_instances"] = args.instances
    elif probability and len(probability) > 1:
        changes["n_instances"] = len(probability)
    if probability is not None:
        changes["feature_probability"] = probability[0] if len(probability) == 1 else tuple(probability)
    if importance is not None:
        changes["importance"] = importance[0] if len(importance) == 1 else tuple(importance)
    for name in ("correlated_sets", "anticorrelated_sets"):
        if getattr(args, name) is not None:
            changes[name] = tuple(_flatten(getattr(args, name)))
    optimizer = changes.get("optimizer", defaults.optimizer)
    if args.weight_decay is not None and args.weight_decay != 0 and optimizer != "adamw":
        raise ValueError(f"weight_decay: only adamw uses it; pass --optimizer adamw, got optimizer {optimizer!r}")
    return defaults.replace(**changes)


def interrupted(steps_done: int, steps: int, saved: object = None, what: str = "run") -> int:
    """Report a run stopped by Ctrl-C on stderr in one line — how far it got and where its partial ``what`` was
    saved, if it was — and return the exit status 130. A run that did no step is never saved."""
    written = f"; saved the partial {what} to {saved}" if saved else "; nothing was written"
    print(f"toysup: interrupted after {steps_done} of {steps} steps{written}", file=sys.stderr)
    return INTERRUPTED


def summarise(result) -> str:
    """One line per instance of a ``TrainResult``: feature probability, final loss, features represented, D*."""
    from .. import metrics

    represented = metrics.n_represented(result.W).tolist()
    lines = [f"{'instance':>8} {'p':>7} {'loss':>10} {'represented':>11} {'D*':>6}"]
    probability = result.config.feature_probability_array()[:, 0]
    dims = metrics.dimensions_per_feature(result.W).tolist()
    for index, loss in enumerate(result.final_loss):
        lines.append(
            f"{index:>8} {probability[index]:>7.3f} {loss:>10.5f} {represented[index]:>11} {dims[index]:>6.3f}"
        )
    return "\n".join(lines)
