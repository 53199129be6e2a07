"""The ``toysup`` command line: one module per command, registered on one parser.

``train``, ``demo``, ``sweep``, ``phase``, ``info``, ``lessons``, ``sae``, ``animate``, ``app`` and ``figures``
each live in the module of that name, exposing ``add_parser(commands)`` and their ``cmd_*`` handler; the pieces
they share (the parser, number lists, the training flags) are in ``flags``. This package is a leaf: no library
module imports it.

Bad input exits with status 2 and one line naming the field and the allowed range, before any compute; Ctrl-C
exits with status 130.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Sequence

from ..interrupts import safe_interrupt_handler
from . import animate, app, demo, figures, info, lessons, phase, sae, sweep, train
from .flags import Parser, UsageError

COMMANDS = (train, demo, sweep, phase, info, lessons, sae, animate, app, figures)  # in the order of --help


def build_parser() -> argparse.ArgumentParser:
    """The ``toysup`` parser with every command of ``COMMANDS``."""
    parser = Parser(prog="toysup", description="Toy models of superposition in JAX.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)
    for command in COMMANDS:
        command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``toysup`` with ``argv`` (default ``sys.argv[1:]``); the exit status.

    For the whole command, Ctrl-C goes through ``toysup.engine.safe_interrupt_handler``, so that it is never lost
    in a garbage-collector callback (the training loop defers it to its next safe point)."""
    previous = signal.getsignal(signal.SIGINT)
    replace = previous is signal.default_int_handler and threading.current_thread() is threading.main_thread()
    if replace:
        signal.signal(signal.SIGINT, safe_interrupt_handler)
    try:
        args = build_parser().parse_args(argv)
        return args.handler(args)
    except (UsageError, ValueError) as error:
        print(f"toysup: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as interrupt:
        print(f"toysup: interrupted{': ' + str(interrupt) if str(interrupt) else ''}", file=sys.stderr)
        return 130
    finally:
        if replace:
            signal.signal(signal.SIGINT, previous)


__all__ = ["COMMANDS", "UsageError", "build_parser", "main"]
