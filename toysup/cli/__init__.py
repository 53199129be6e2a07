"""The ``toysup`` command line: one module per command, registered on one parser.

``train``, ``demo``, ``sweep``, ``phase``, ``info``, ``lessons``, ``sae``, ``circuit``, ``animate``, ``app`` and
``figures`` each live in the module of that name, exposing ``add_parser(commands)`` and their ``cmd_*`` handler;
the pieces they share (the parser, number lists, the training flags) are in ``flags``. This package is a leaf: no
library module imports it.

Exit statuses (``flags.USAGE``, ``flags.FAILED``, ``flags.INTERRUPTED``): 2 for bad command-line input — an
unknown flag, a value the parser refuses, or a ``ValueError`` raised while the command checks its flags and builds
its config from them (``flags.checking_input``), always before any compute; 1 for a command that fails while
running — an ``--out`` that cannot be used (``OutputError``), a saved result that cannot be read
(``DamagedFileError``), a run that diverged, a missing optional dependency, or any other ``ValueError``,
``RuntimeError`` or ``OSError`` after the checks; 130 after Ctrl-C. Each error is one line on stderr.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

import matplotlib

from ..interrupts import safe_interrupt_handler
from ..version import __version__
from . import animate, app, circuit, demo, figures, info, lessons, phase, sae, sweep, train
from .flags import FAILED, INTERRUPTED, USAGE, Parser, UsageError

COMMANDS = (train, demo, sweep, phase, info, lessons, sae, circuit, animate, app, figures)  # in the order of --help


def build_parser() -> argparse.ArgumentParser:
    """The ``toysup`` parser with every command of ``COMMANDS``."""
    parser = Parser(prog="toysup", description="Toy models of superposition in JAX.")
    parser.add_argument("--version", action="version", version=f"toysup {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``toysup`` with ``argv`` (default ``sys.argv[1:]``); the exit status.

    For the whole command, Ctrl-C goes through ``toysup.engine.safe_interrupt_handler``, so that it is never lost
    in a garbage-collector callback (the training loop defers it to its next safe point)."""
    matplotlib.use("Agg")  # the command line writes figures to files: the library leaves the backend to its callers
    previous = signal.getsignal(signal.SIGINT)
    replace = previous is signal.default_int_handler and threading.current_thread() is threading.main_thread()
    if replace:
        signal.signal(signal.SIGINT, safe_interrupt_handler)
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except UsageError as error:
        print(f"toysup: error: {error}", file=sys.stderr)
        return USAGE
    except (ValueError, RuntimeError, OSError) as error:
        print(f"toysup: error: {error}", file=sys.stderr)
        return FAILED
    except KeyboardInterrupt as interrupt:
        print(f"toysup: interrupted{': ' + str(interrupt) if str(interrupt) else ''}", file=sys.stderr)
        return INTERRUPTED
    finally:
        if replace:
            signal.signal(signal.SIGINT, previous)


__all__ = ["COMMANDS", "UsageError", "build_parser", "main"]
