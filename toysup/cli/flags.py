"""What the ``toysup`` commands share: the one-line-error parser, number-list flags, the toy-model training flags
and the config built from them, the ``--chunk-steps`` flag of the training loop, and the per-instance summary
printed after training.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from ..config import MODEL_KINDS, OPTIMIZERS, SCHEDULES, ToyConfig
from ..engine import DEFAULT_CHUNK_STEPS
from ..validation import integer


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


def add_train_flags(parser: argparse.ArgumentParser, defaults: ToyConfig) -> None:
    """The ``ToyConfig`` fields as flags (``--features``, ``--hidden``, …), defaulting to ``defaults``."""
    add = parser.add_argument
    add("--features", type=int, default=defaults.n_features, help="number of features n")
    add("--hidden", type=int, default=defaults.n_hidden, help="hidden dimensions m")
    add("--model", default=defaults.model, help=f"one of {', '.join(MODEL_KINDS)}")
    add("--instances", type=int, default=None, help="models trained together (default: one per probability)")
    add(
        "--feature-probability",
        type=number_list("feature_probability"),
        nargs="+",
        default=None,
        help="1 - sparsity: one value, or one per instance (e.g. 1,0.3,0.1)",
    )
    add(
        "--importance",
        type=number_list("importance"),
        nargs="+",
        default=None,
        help="one importance, or one per feature",
    )
    add("--importance-decay", type=float, default=defaults.importance_decay, help="I_i = r**i")
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
    integer("chunk_steps", args.chunk_steps, 1)
    return args.chunk_steps


def _flatten(values: list[list] | None) -> list | None:
    return None if values is None else [v for group in values for v in group]


def config_from_args(args: argparse.Namespace, defaults: ToyConfig) -> ToyConfig:
    """Build the config from flags added by :func:`add_train_flags`; ToyConfig's validation names any bad field."""
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
    )


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
