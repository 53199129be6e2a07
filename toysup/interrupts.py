"""Ctrl-C that is never lost: how the training loop and the command line receive SIGINT.

Python's own handler raises ``KeyboardInterrupt`` in whatever frame happens to run. When that frame is a
garbage-collector callback — JAX registers one, and importing, tracing and compiling collect often — the exception
is printed as "Exception ignored in: <function _xla_gc_callback …>" and lost, and the program goes on as if the key
had never been pressed. Two remedies, for two places:

* :func:`deferred_interrupts`, around the training loop (``toysup.engine.run``): Ctrl-C only sets a flag, which
  the loop checks after initialisation and after every chunk; a second Ctrl-C raises at once.
* :func:`safe_interrupt_handler`, for the rest of a command (``toysup.cli.main``): it raises like Python's own,
  except inside a garbage-collector callback, where it sends the signal again a moment later.

:func:`interrupts_propagate` is for callers that cannot use a partial run (a figure drawn from it): within it, an
interrupted run raises ``KeyboardInterrupt`` instead of returning what it reached.
"""

from __future__ import annotations

import contextlib
import contextvars
import gc
import os
import signal
import threading
from collections.abc import Iterator
from typing import Any

REDELIVERY_S = 0.05  # a Ctrl-C that arrives inside a garbage-collector callback is sent again this much later
_PROPAGATE = contextvars.ContextVar("toysup_interrupts_propagate", default=False)


def safe_interrupt_handler(signum: int, frame: Any) -> None:
    """A SIGINT handler that raises ``KeyboardInterrupt`` like Python's own, except inside a garbage-collector
    callback, where the exception would be lost: there it sends the signal again :data:`REDELIVERY_S` later, once
    the callback has returned."""
    callbacks = {getattr(callback, "__code__", None) for callback in gc.callbacks}
    while frame is not None:
        if frame.f_code in callbacks:
            threading.Timer(REDELIVERY_S, os.kill, (os.getpid(), signal.SIGINT)).start()
            return
        frame = frame.f_back
    raise KeyboardInterrupt


class Interrupt:
    """Whether Ctrl-C was pressed within :func:`deferred_interrupts`."""

    requested = False


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[Interrupt]:
    """Within: Ctrl-C sets ``requested`` on the yielded :class:`Interrupt` instead of raising, so the caller can stop
    at its next safe point; a second Ctrl-C raises ``KeyboardInterrupt`` at once.

    Only the main thread receives signals, and only Python's own handler or :func:`safe_interrupt_handler` is
    replaced (and restored afterwards): in another thread, or when SIGINT is ignored or handled by someone else,
    nothing changes and ``requested`` stays False.
    """
    interrupt = Interrupt()
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous not in (
        signal.default_int_handler,
        safe_interrupt_handler,
    ):
        yield interrupt
        return

    def handler(signum, frame):
        if interrupt.requested:
            raise KeyboardInterrupt
        interrupt.requested = True

    signal.signal(signal.SIGINT, handler)
    try:
        yield interrupt
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def interrupts_propagate() -> Iterator[None]:
    """Within: a run stopped by Ctrl-C raises ``KeyboardInterrupt`` (after its chunk) instead of returning what it
    reached — for callers that cannot use a partial run, such as a figure or a check drawn or judged from it."""
    token = _PROPAGATE.set(True)
    try:
        yield
    finally:
        _PROPAGATE.reset(token)


def propagating() -> bool:
    """Whether the caller is within :func:`interrupts_propagate`."""
    return _PROPAGATE.get()


__all__ = ["Interrupt", "deferred_interrupts", "interrupts_propagate", "propagating", "safe_interrupt_handler"]
