"""What the ``toysup`` commands share: the one-line-error parser and its help formatter (every option's default
shown), the exit statuses and the block where a command checks its command line, number-list flags, the toy-model
flags derived from :class:`~toysup.config.ToyConfig` and the config built from them, the ``--chunk-steps`` flag of
the training loop, the per-instance summary printed after training, and the report of an interrupted run.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import inspect
import re
import sys
import typing
from collections.abc import Callable, Iterator
from typing import Any

from ..config import MODEL_KINDS, OPTIMIZERS, RNGS, SCHEDULES, ToyConfig
from ..engine import DEFAULT_CHUNK_STEPS, DivergedError
from ..storage import DamagedFileError, OutputError
from ..validation import integer

FAILED = 1  # the exit status of a command that failed while running: its files, a diverged run, …
USAGE = 2  # the exit status of bad command-line input, refused before any compute
INTERRUPTED = 130  # the exit status after Ctrl-C (128 + SIGINT), as shells report it


class UsageError(Exception):
    """Bad command-line input: printed as one line, exit status 2."""


@contextlib.contextmanager
def checking_input() -> Iterator[None]:
    """The block in which a command checks its command line before any compute: a ``ValueError`` raised in it (a
    flag's value refused by a config's validation, say) becomes a :class:`UsageError`, exit status 2.

    ``OutputError`` (an ``--out`` that cannot be used), ``DamagedFileError`` (a saved result that cannot be read)
    and ``DivergedError`` pass through unchanged, exit status 1: the command line was right, the files or the run
    were not."""
    try:
        yield
    except (OutputError, DamagedFileError, DivergedError):
        raise
    except ValueError as error:
        raise UsageError(str(error)) from error


def default_text(action: argparse.Action) -> str | None:
    """What ``--help`` shows as ``action``'s default: its ``shown_default`` (set by :func:`show_default`, for a
    parsed default of None that stands for something else), ``off`` for a switch, else the parsed default; None
    when the help text already says it, or there is none (a required flag, a positional argument)."""
    if "(default: " in (action.help or "") or action.help == argparse.SUPPRESS:
        return None
    if hasattr(action, "shown_default"):
        return action.shown_default
    if action.nargs == 0 and isinstance(action.default, bool):  # a switch: store_true or store_false
        return "off" if action.default is False else "on"
    if action.default is None or action.default == argparse.SUPPRESS or action.required or not action.option_strings:
        return None
    return show_value(action.default)


def show_value(value: Any) -> str:
    """A default as ``--help`` shows it: numbers as short as exact (``0.001``, ``1e-05``), lists with commas."""
    if isinstance(value, (list, tuple)):
        return ",".join(show_value(item) for item in value) if value else "none"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def show_default(action: argparse.Action, text: str) -> argparse.Action:
    """Make ``--help`` show ``text`` as ``action``'s default (for a parsed default of None that means "derived" or
    "the base config's")."""
    action.shown_default = text
    return action


class HelpFormatter(argparse.HelpFormatter):
    """``--help`` with every option's default after its help text: ``(default: …)``."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        default = default_text(action)
        if default is None:
            return text
        return f"{text} (default: {default.replace('%', '%%')})".lstrip()


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors raise :class:`UsageError` (one line, no usage dump) and whose ``--help``
    shows every option's default (:class:`HelpFormatter`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

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


# --- the toy-model flags, derived from ToyConfig's fields -------------------------------------------------------

# The ToyConfig fields whose flag is not the field's name with dashes: the short names the paper's letters and
# common usage suggest.
FLAG_NAMES = {"n_features": "features", "n_hidden": "hidden", "n_instances": "instances", "learning_rate": "lr"}
# ToyConfig fields deliberately without a flag, each with the reason (none today: every setting is a flag).
NOT_FLAGS: dict[str, str] = {}
# The allowed values of ToyConfig's text fields, checked by the parser (argparse ``choices``).
CHOICES = {"model": MODEL_KINDS, "optimizer": OPTIMIZERS, "schedule": SCHEDULES, "rng": RNGS}
# The fields that take one value (kept a scalar) or a list: one per instance (feature_probability) or per feature
# (importance). The set sizes (tuple[int, ...]) always take a list.
SCALAR_OR_LIST = ("feature_probability", "importance")


def field_docs(cls: type) -> dict[str, str]:
    """Each field's documentation, from the ``Attributes:`` section of ``cls``'s docstring (``  name: text``,
    continued on lines indented further), as one line with RST literals shown plain (``adam`` → adam)."""
    lines = (inspect.getdoc(cls) or "").splitlines()
    docs: dict[str, list[str]] = {}
    name = None
    for line in lines[lines.index("Attributes:") + 1 :]:
        if not line.strip():
            break
        entry = re.fullmatch(r"  (\w+): (.*)", line)
        if entry:
            name = entry[1]
            docs[name] = [entry[2]]
        elif name is not None:
            docs[name].append(line.strip())
    return {name: " ".join(parts).replace("``", "") for name, parts in docs.items()}


def flag_name(field: str) -> str:
    """The flag of a ToyConfig field: ``--feature-probability``, ``--features`` (see :data:`FLAG_NAMES`)."""
    return "--" + FLAG_NAMES.get(field, field).replace("_", "-")


def add_config_flags(
    parser: argparse.ArgumentParser,
    defaults: ToyConfig,
    *,
    fields: typing.Sequence[str] | None = None,
    helps: dict[str, str] | None = None,
) -> None:
    """One flag per ToyConfig field (``fields``, default all but :data:`NOT_FLAGS`): named by :func:`flag_name`,
    typed by the field's annotation (a text field takes one of :data:`CHOICES`; a tuple field a list of numbers),
    its help the field's documentation (:func:`field_docs`, or ``helps[field]`` where a command means something
    narrower) without its final full stop, its shown default that of ``defaults``.

    Every flag's parsed default is None and its destination is the field's name, so :func:`given_fields` can tell a
    flag given on the command line (which overrides a base config, e.g. a sweep's TOML ``[base]``) from one left
    out (which keeps it)."""
    docs = field_docs(ToyConfig)
    types = typing.get_type_hints(ToyConfig)
    helps = helps or {}
    names = [field.name for field in dataclasses.fields(ToyConfig) if field.name not in NOT_FLAGS]
    for field in names if fields is None else fields:
        kind = types[field]
        options: dict[str, Any] = {"dest": field, "default": None}
        if field in CHOICES:
            options["choices"] = CHOICES[field]
        elif kind in (int, float):
            options.update(type=kind, metavar=FLAG_NAMES.get(field, field).upper())
        elif kind == tuple[int, ...]:
            options.update(type=number_list(field, int), nargs="+", metavar="SIZES")
        elif field in SCALAR_OR_LIST:
            options.update(type=number_list(field), nargs="+", metavar="VALUES")
        else:
            raise TypeError(f"{field}: no flag for a field of type {kind}; add it to NOT_FLAGS with the reason")
        text = helps.get(field, docs[field]).removesuffix(".")  # the default follows in --help
        action = parser.add_argument(flag_name(field), help=text.replace("%", "%%"), **options)
        default = show_value(getattr(defaults, field))
        if field == "n_instances" and (fields is None or "feature_probability" in fields):
            default = f"one per --feature-probability value, else {default}"
        show_default(action, default)


def given_fields(args: argparse.Namespace) -> dict[str, Any]:
    """The ToyConfig fields set by flags given on the command line, with their values as the config takes them
    (lists flattened; one value of ``feature_probability`` or ``importance`` as a scalar, more as a tuple)."""
    given = {}
    for field in dataclasses.fields(ToyConfig):
        value = getattr(args, field.name, None)
        if value is None:
            continue
        if isinstance(value, list):  # nargs="+" of number lists
            value = [item for group in value for item in group]
            value = value[0] if field.name in SCALAR_OR_LIST and len(value) == 1 else tuple(value)
        given[field.name] = value
    return given


def given_train_fields(args: argparse.Namespace) -> dict[str, str]:
    """The ToyConfig fields set by flags given on the command line, each with its flag (``--features``)."""
    return {field: flag_name(field) for field in given_fields(args)}


def config_from_args(args: argparse.Namespace, defaults: ToyConfig) -> ToyConfig:
    """Build the config from flags added by :func:`add_config_flags`: each flag given overrides ``defaults``, the
    rest keep it; more than one ``--feature-probability`` value sets one instance per value unless
    ``--instances`` is given; ToyConfig's validation names any bad field.

    A flag without effect is an error rather than ignored: ``--weight-decay`` needs ``--optimizer adamw``.
    """
    changes = given_fields(args)
    probability = changes.get("feature_probability")
    if "n_instances" not in changes and isinstance(probability, tuple) and len(probability) > 1:
        changes["n_instances"] = len(probability)
    optimizer = changes.get("optimizer", defaults.optimizer)
    if changes.get("weight_decay", 0) != 0 and optimizer != "adamw":
        raise ValueError(f"weight_decay: only adamw uses it; pass --optimizer adamw, got optimizer {optimizer!r}")
    return defaults.replace(**changes)


def add_chunk_steps_flag(parser: argparse.ArgumentParser) -> None:
    """``--chunk-steps``: how the training loop runs, passed to the training call (not part of the config)."""
    parser.add_argument(
        "--chunk-steps",
        type=int,
        default=DEFAULT_CHUNK_STEPS,
        help="steps per compiled chunk; progress and Ctrl-C between chunks",
    )


def chunk_steps_from_args(args: argparse.Namespace) -> int:
    """``--chunk-steps``, checked before any compute."""
    integer("chunk_steps", args.chunk_steps, 1, 2**31 - 1)
    return args.chunk_steps


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
